//! Protections every response and every state-changing request gets.

use crate::error::{Error, PageError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::submission::{CONTROL_CHARACTER, has_control_characters};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// No inline scripts or styles, nothing from elsewhere (E1, F7).
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The headers every answer carries; over https also HSTS, so that a browser never again
/// asks this site over plain http (the site's address says which it is: `public_url`).
pub async fn headers(State(state): State<crate::AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if state.config.public_url.starts_with("https://") {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    response
}

/// CSRF protection for browser routes (E2): a state-changing request must come from this
/// site's own pages, as the browser attests with `Sec-Fetch-Site` or `Origin`. Together
/// with `SameSite=Strict` session cookies this needs no token in the forms.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) || is_same_origin(request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-site request refused");
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        Body::from("Refused: this request did not come from this site's own pages.\n"),
    )
        .into_response()
}

fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site == "same-origin";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin.split_once("://").is_some_and(|(_, authority)| authority == host)
}

/// Largest form without files: what the router accepts outside the upload routes.
const FORM_BODY_LIMIT: usize = 64 * 1024;

/// Refuses text with a NUL or another control character (tab and line breaks are text) in a
/// page's query string or in a form sent without files, before any handler reads it: such text
/// cannot be stored alike in both databases, and nobody types it. Forms with files carry a
/// submission or a message, whose fields are checked where they are read, at the field.
pub async fn printable_text(request: Request, next: Next) -> Result<Response, PageError> {
    let refused = || PageError(Error::Invalid(vec![FieldError::new("text", CONTROL_CHARACTER)]));
    let query = request.uri().query().unwrap_or_default();
    let values = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
    if values.iter().any(|(k, v)| has_control_characters(k) || has_control_characters(v)) {
        return Err(refused());
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(next.run(request).await);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_BODY_LIMIT)
        .await
        .map_err(|_| PageError(Error::Invalid(vec![FieldError::new("form", "too_long")])))?;
    let values = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default();
    if values.iter().any(|(k, v)| has_control_characters(k) || has_control_characters(v)) {
        return Err(refused());
    }
    Ok(next.run(Request::from_parts(parts, Body::from(bytes))).await)
}

/// Counts attempts per key (an address, a username) in fixed windows.
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter { limit, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Whether `key` has used up its window, without counting this as an attempt.
    pub fn is_exhausted(&self, key: &str) -> bool {
        let seen = self.seen.lock().expect("rate limiter lock");
        seen.get(key).is_some_and(|(start, count)| start.elapsed() < self.window && *count >= self.limit)
    }

    /// Records a failure for `key`, for limits that count failures only.
    pub fn record(&self, key: &str) {
        self.allow(key);
    }

    /// Records one attempt for `key`; false when the key has used up its window.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut seen = self.seen.lock().expect("rate limiter lock");
        if seen.len() > 100_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = seen.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit
    }
}

/// Slows down guessing one account's password without locking its owner out: after `free`
/// failures (within a quarter of an hour of each other) each further attempt must wait twice
/// as long as the one before, from two seconds up to five minutes, from whatever address.
/// A success forgets the failures.
pub struct AccountThrottle {
    free: u32,
    seen: Mutex<HashMap<String, (u32, Instant)>>,
}

impl AccountThrottle {
    const FIRST_WAIT: Duration = Duration::from_secs(2);
    const LONGEST_WAIT: Duration = Duration::from_secs(5 * 60);
    const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

    pub fn new(free: u32) -> AccountThrottle {
        AccountThrottle { free, seen: Mutex::new(HashMap::new()) }
    }

    /// How long the account must still wait before it may be tried again, if at all.
    pub fn wait(&self, account: &str) -> Option<Duration> {
        let seen = self.seen.lock().expect("account throttle lock");
        let (failures, last) = *seen.get(account)?;
        if failures < self.free || last.elapsed() >= Self::FORGET_AFTER {
            return None;
        }
        let doublings = (failures - self.free).min(16);
        let wait = Self::FIRST_WAIT.saturating_mul(1 << doublings).min(Self::LONGEST_WAIT);
        wait.checked_sub(last.elapsed()).filter(|left| !left.is_zero())
    }

    pub fn failed(&self, account: &str) {
        let now = Instant::now();
        let mut seen = self.seen.lock().expect("account throttle lock");
        if seen.len() > 100_000 {
            seen.retain(|_, (_, last)| now.duration_since(*last) < Self::FORGET_AFTER);
        }
        let entry = seen.entry(account.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= Self::FORGET_AFTER {
            entry.0 = 0;
        }
        *entry = (entry.0 + 1, now);
    }

    pub fn succeeded(&self, account: &str) {
        self.seen.lock().expect("account throttle lock").remove(account);
    }
}

/// The client's address: the connection's, or, behind a trusted proxy, the one it names
/// (`trusted_proxies`). Rate limits and logs count clients by it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);

impl axum::extract::FromRequestParts<crate::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        Ok(ClientAddr(app::net::client_address(peer, forwarded, &state.config.trusted_proxies)))
    }
}

#[cfg(test)]
mod throttle_tests {
    use super::*;

    #[test]
    fn an_account_is_slowed_after_its_free_failures_and_forgotten_on_success() {
        let throttle = AccountThrottle::new(3);
        for _ in 0..3 {
            assert_eq!(throttle.wait("chef"), None, "the free failures are not slowed");
            throttle.failed("chef");
        }
        let first = throttle.wait("chef").expect("slowed after the free failures");
        assert!(first <= Duration::from_secs(2) && first > Duration::from_millis(1500), "{first:?}");
        throttle.failed("chef");
        assert!(throttle.wait("chef").unwrap() > Duration::from_secs(3), "each wait doubles");
        assert_eq!(throttle.wait("admin"), None, "another account is not slowed");
        throttle.succeeded("chef");
        assert_eq!(throttle.wait("chef"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_accepts_only_this_site() {
        let mut h = HeaderMap::new();
        assert!(!is_same_origin(&h), "no evidence at all is refused");
        h.insert(header::HOST, HeaderValue::from_static("kommun.se"));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://kommun.se"));
        assert!(is_same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!is_same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!is_same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(is_same_origin(&h));
    }

    #[test]
    fn the_limiter_stops_after_the_limit_per_key() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        assert!((0..3).all(|_| limiter.allow("a")));
        assert!(!limiter.allow("a"));
        assert!(limiter.allow("b"));
    }
}
