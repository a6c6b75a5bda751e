//! The page's language: Swedish by default, English by choice (a cookie set by the language
//! link) or by the browser's `Accept-Language`. The texts themselves are the application's.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use std::convert::Infallible;

pub use app::lang::Lang;

pub const LANG_COOKIE: &str = "lyhord_lang";

/// The language a request asks for, as a handler's argument: `PageLang(lang): PageLang`.
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

/// Reads a cookie's value from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(lang) = cookie(parts, LANG_COOKIE).and_then(Lang::from_code) {
            return Ok(PageLang(lang));
        }
        let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        Ok(PageLang(accept.and_then(Lang::from_accept_language).unwrap_or(Lang::Sv)))
    }
}
