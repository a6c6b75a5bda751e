//! Files sent with a form: reading multipart requests, checking and storing the files.

use axum::extract::{Form, FromRequest, Multipart, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::attachment::{self, Attachment, AttachmentError, Kind};

use crate::AppState;
use crate::files::FileStore;

/// A file part of the form, as received.
pub(crate) struct Upload {
    name: String,
    bytes: Vec<u8>,
}

impl Upload {
    pub(crate) fn new(name: String, bytes: Vec<u8>) -> Upload {
        Upload { name, bytes }
    }
}

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
                uploads.push(Upload { name: file_name, bytes: bytes.to_vec() });
            }
        } else {
            let value = field.text().await.map_err(IntoResponse::into_response)?;
            fields.insert(name, serde_json::Value::String(value));
        }
    }
    let form = serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default();
    Ok((form, uploads))
}

/// A file that passed the checks, ready to store.
pub(crate) struct CheckedFile {
    name: String,
    kind: Kind,
    bytes: Vec<u8>,
}

/// Checks the files; every problem is named with its limit (E3).
pub(crate) fn check_uploads(uploads: &[Upload]) -> Result<Vec<CheckedFile>, Vec<FieldError>> {
    if uploads.len() > attachment::MAX_FILES {
        return Err(vec![FieldError::new("attachments", "too_many")]);
    }
    let mut checked = Vec::new();
    let mut errors = Vec::new();
    for upload in uploads {
        match attachment::prepare(&upload.bytes) {
            Ok((kind, bytes)) => {
                checked.push(CheckedFile { name: attachment::safe_name(&upload.name, kind), kind, bytes })
            }
            Err(AttachmentError::WrongType) => errors.push(FieldError::new("attachments", "wrong_type")),
            Err(AttachmentError::TooLarge) => errors.push(FieldError::new("attachments", "too_large")),
            Err(AttachmentError::Damaged) => errors.push(FieldError::new("attachments", "damaged")),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        errors.dedup();
        Err(errors)
    }
}

/// Stores checked files durably, before the case that refers to them is committed.
pub(crate) async fn store_files(state: &AppState, checked: Vec<CheckedFile>) -> std::io::Result<Vec<Attachment>> {
    let files = FileStore::new(&state.config.attachments_dir);
    tokio::task::spawn_blocking(move || {
        checked
            .into_iter()
            .map(|file| {
                let sha256 = files.put(&file.bytes)?;
                let content_type = file.kind.content_type().to_owned();
                Ok(Attachment { sha256, name: file.name, content_type, size: file.bytes.len() as u64 })
            })
            .collect()
    })
    .await
    .map_err(std::io::Error::other)?
}
