//! Staff sign-in: argon2id passwords, server-side sessions behind an unguessable cookie.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use store::User;

use crate::AppState;
use crate::i18n::cookie;
pub use app::accounts::{dummy_hash, generate_password, hash_password, new_token, token_hash, verify_password};

pub const SESSION_COOKIE: &str = "lyhord_staff";

/// The signed-in staff member, put into the request by [`require_staff`].
#[derive(Debug, Clone)]
pub struct Staff(pub User);

/// The session's user, if the request carries a live session cookie.
pub async fn current_staff(state: &AppState, parts: &Parts) -> Option<User> {
    let token = cookie(parts, SESSION_COOKIE)?;
    if token.len() != 64 {
        return None;
    }
    let config = &state.config;
    match state
        .store
        .session(&token_hash(token), chrono::Utc::now(), config.session_idle, config.session_absolute)
        .await
    {
        Ok(session) => session.map(|s| s.user),
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    }
}

/// Deny by default: every staff route sits behind this layer; without a live session the
/// browser is sent to the sign-in page.
pub async fn require_staff(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(user) = current_staff(&state, &parts).await else {
        return without_session(parts, body).await;
    };
    parts.extensions.insert(Staff(user));
    next.run(Request::from_parts(parts, body)).await
}

/// A request without a live session goes to sign-in; a form posted after the session ended
/// is carried through sign-in instead, so that an answer typed for an hour is not lost.
async fn without_session(parts: Parts, body: axum::body::Body) -> Response {
    let is_form = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if parts.method == axum::http::Method::POST && is_form {
        let Ok(crate::i18n::PageLang(lang)) = crate::i18n::PageLang::from_request_parts(&mut parts.clone(), &()).await;
        if let Ok(bytes) = axum::body::to_bytes(body, 256 * 1024).await
            && let Ok(text) = std::str::from_utf8(&bytes)
            && let Some(page) = crate::pages::sign_in_to_resume(lang, parts.uri.path(), text)
        {
            return page;
        }
    }
    Redirect::to("/staff/sign-in").into_response()
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}")
}

pub fn cleared_session_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}
