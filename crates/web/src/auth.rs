//! Staff sign-in: argon2id passwords, server-side sessions behind an unguessable cookie.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::User;

use crate::AppState;
use crate::i18n::cookie;

pub const SESSION_COOKIE: &str = "lyhord_staff";

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> String {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).expect("16 bytes make a valid salt");
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes any password").to_string()
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A hash to verify against when the username is unknown, so that the answer takes as
/// long as for a real account and reveals nothing (D7).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no account has this password"))
}

/// A new random token (256 bits, hex) and the hash that is stored in its place.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A password for a new account, shown once: 16 characters from an alphabet without
/// look-alikes (about 90 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16).map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char).collect()
}

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
        let lang =
            crate::i18n::Lang::from_request_parts(&mut parts.clone(), &()).await.unwrap_or(crate::i18n::Lang::Sv);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("Correct horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash_a, token_hash(&a));
        assert_ne!(hash_a, a.as_bytes());
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let p = generate_password();
        assert_eq!(p.chars().count(), 16);
        assert_ne!(p, generate_password());
    }
}
