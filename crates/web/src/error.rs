//! The application's errors as HTTP answers. A handler returns `Result<Response, PageError>`
//! and uses `?`; [`PageError`] marks the response, and the [`error_pages`] layer, which knows
//! the request's language and path, draws the page. The Open311 API answers with its error
//! document instead ([`ApiError`], b.8).

use axum::extract::{FromRequestParts, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::i18n::PageLang;
use crate::open311::document::{Format, errors};
use crate::pages::{message_page, reference_page};

pub use app::Error;

/// An error on a page. Anything the application's error comes from converts with `?`.
#[derive(Debug)]
pub struct PageError(pub Error);

impl<E: Into<Error>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl PageError {
    /// Something broke that the person cannot fix (a rendering, a task, a document).
    pub fn internal(e: impl std::fmt::Display) -> PageError {
        PageError(Error::Internal(e.to_string()))
    }
}

/// Which page the layer draws: the texts' key and, for an internal error, its reference.
#[derive(Debug, Clone)]
struct ErrorPage {
    key: &'static str,
    reference: Option<String>,
}

/// The status and text an error gets; an internal one is logged here with its reference.
fn classify(e: &Error) -> (StatusCode, &'static str, Option<String>) {
    match e {
        Error::NotFound => (StatusCode::NOT_FOUND, "not-found", None),
        Error::Forbidden => (StatusCode::FORBIDDEN, "forbidden", None),
        Error::Invalid(problems) if problems.iter().any(|p| p.code == domain::submission::CONTROL_CHARACTER) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "control-character", None)
        }
        // Forms show their problems themselves; one that reaches here had a bad request.
        Error::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "bad-request", None),
        Error::Conflict(_) => (StatusCode::CONFLICT, "conflict", None),
        Error::Internal(detail) => (StatusCode::INTERNAL_SERVER_ERROR, "error", Some(logged(detail))),
    }
}

/// Logs an internal error with a new reference (the request's span adds its id and path) and
/// returns the reference, for the answer to show.
pub(crate) fn logged(detail: impl std::fmt::Display) -> String {
    let reference = Error::new_reference();
    tracing::error!(reference, error = %detail, "request failed");
    reference
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, key, reference) = classify(&self.0);
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage { key, reference });
        response
    }
}

/// Draws the page for a response a [`PageError`] made, in the language the request asked for.
pub async fn error_pages(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(PageLang(lang)) = PageLang::from_request_parts(&mut parts, &()).await;
    let path = parts.uri.path().to_owned();
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    match page.reference {
        Some(reference) => reference_page(lang, &path, &reference),
        None => message_page(lang, &path, page.key, response.status()),
    }
}

/// An error of the Open311 API, in the document format the request asked for.
pub struct ApiError {
    pub format: Format,
    pub error: Error,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, descriptions) = match &self.error {
            Error::NotFound => (StatusCode::NOT_FOUND, vec!["not found".to_owned()]),
            Error::Forbidden => (StatusCode::FORBIDDEN, vec!["this api_key may not do this".to_owned()]),
            Error::Invalid(problems) => {
                (StatusCode::BAD_REQUEST, problems.iter().map(|p| format!("{}: {}", p.field, p.code)).collect())
            }
            Error::Conflict(what) => (StatusCode::CONFLICT, vec![what.clone()]),
            Error::Internal(_) => {
                let (status, _, reference) = classify(&self.error);
                let reference = reference.unwrap_or_default();
                (status, vec![format!("internal error (reference {reference}); please try again")])
            }
        };
        errors(status, self.format, &descriptions)
    }
}
