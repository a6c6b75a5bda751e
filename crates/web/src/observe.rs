//! A span for every request, with an id: taken from the proxy's `x-request-id` or made here,
//! returned on the answer, and named by every log line written while the request is served.
//! Paths are logged without secrets: a tracking link's token (or any segment of 32 or more hex
//! digits) shows as `…`, and the query string is left out.

use axum::Router;
use axum::http::Request;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Wraps the router: the id first, then the span that carries it.
pub fn layers(router: Router) -> Router {
    router
        .layer(TraceLayer::new_for_http().make_span_with(span_for))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

fn span_for<B>(request: &Request<B>) -> tracing::Span {
    // The fields are only computed when the span is recorded.
    tracing::info_span!(
        "request",
        id = request.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).unwrap_or("-"),
        method = %request.method(),
        path = %redacted(request.uri().path())
    )
}

/// The path with every long hex segment (a token) replaced.
pub fn redacted(path: &str) -> String {
    path.split('/')
        .map(
            |segment| {
                if segment.len() >= 32 && segment.bytes().all(|b| b.is_ascii_hexdigit()) { "…" } else { segment }
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_reach_the_log() {
        let token = "ab".repeat(32);
        assert_eq!(redacted(&format!("/track/{token}")), "/track/…");
        assert_eq!(redacted("/staff/cases/2026-000001"), "/staff/cases/2026-000001");
    }
}
