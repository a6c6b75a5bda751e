//! Files sent with a form: reading multipart requests (the application checks and stores them).

use app::intake::Upload;
use axum::extract::{Form, FromRequest, Multipart, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Reads the form, as `multipart/form-data` (with files) or URL-encoded (without).
pub(crate) async fn read_request<T: serde::de::DeserializeOwned + Default>(
    state: &AppState,
    request: Request,
) -> Result<(T, Vec<Upload>), Response> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(form) = Form::<T>::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        return Ok((form, Vec::new()));
    }
    let mut multipart = Multipart::from_request(request, state).await.map_err(IntoResponse::into_response)?;
    let mut fields = serde_json::Map::new();
    let mut uploads = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(IntoResponse::into_response)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "attachments" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(IntoResponse::into_response)?;
            // Browsers send an empty part when no file was chosen.
            if !(file_name.is_empty() && bytes.is_empty()) {
                uploads.push(Upload::new(file_name, bytes.to_vec()));
            }
        } else {
            let value = field.text().await.map_err(IntoResponse::into_response)?;
            fields.insert(name, serde_json::Value::String(value));
        }
    }
    let form = serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default();
    Ok((form, uploads))
}
