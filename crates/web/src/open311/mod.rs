//! Open311 GeoReport v2 under `/open311/v2/`: service discovery (b.9), the service
//! list and definitions (b.2, b.3), POST and GET requests (b.4, b.6, b.7) with media, the
//! extensions real clients use (b.11: `extensions=true`, `page`/`page_size`, mySociety's
//! `servicerequestupdates` with extended statuses), `jurisdiction_id`, the error format (b.8)
//! and rate limits, in XML and JSON. Tokens (b.5) are not offered: every service is realtime.

pub(crate) mod document;
mod media;
mod requests;
mod services;
mod updates;

use axum::Router;
use axum::extract::{FromRequest, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use store::Jurisdiction;

use crate::AppState;
use app::intake::Upload;
use document::{Format, error};

pub(crate) fn routes(state: AppState) -> Router<AppState> {
    let uploads = axum::extract::DefaultBodyLimit::max(crate::UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/open311/v2/{file}", get(top_level).post(post_top_level).layer(uploads))
        .route("/open311/v2/services/{file}", get(services::service_definition))
        .route("/open311/v2/service/{file}", get(services::service_definition))
        .route("/open311/v2/requests/{file}", get(requests::one_request))
        .route("/open311/v2/media/{jurisdiction}/{number}/{file}", get(media::media))
        // Tokens (b.5) are only for batch services, and every service here is realtime.
        .route("/open311/v2/{resource}/{file}", get(unknown_resource))
        .route_layer(axum::middleware::from_fn_with_state(state, per_address_limit))
}

/// The format a path asks for, for answers that come before its handler runs.
fn format_of(path: &str) -> Format {
    if path.ends_with(".json") { Format::Json } else { Format::Xml }
}

async fn unknown_resource(Path((resource, file)): Path<(String, String)>) -> Response {
    error(StatusCode::NOT_FOUND, format_of(&file), &format!("unknown resource {resource}"))
}

/// Open311 calls per address and hour (`api_requests_per_hour`); keys have their own count.
async fn per_address_limit(
    State(state): State<AppState>,
    crate::security::ClientAddr(client): crate::security::ClientAddr,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !state.api_limiter.allow(&format!("address:{client}")) {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            format_of(request.uri().path()),
            "too many requests; try again later",
        );
    }
    next.run(request).await
}

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    jurisdiction_id: String,
    /// `en` for English names (an extension; Swedish by default).
    #[serde(default)]
    lang: String,
    /// `true` for the extension fields of b.11 on requests.
    #[serde(default)]
    extensions: String,
    /// Everything else, for the lists.
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

impl Params {
    fn english(&self) -> bool {
        self.lang == "en"
    }

    fn lang(&self) -> &'static str {
        if self.english() { "en" } else { "sv" }
    }

    fn extensions(&self) -> bool {
        self.extensions == "true"
    }
}

/// The jurisdiction a request is for (b.1): required when several are served (400 when
/// missing), 404 when unknown; an empty parameter is the same as none.
async fn jurisdiction(state: &AppState, params: &Params, format: Format) -> Result<Jurisdiction, Response> {
    let all = state.store.jurisdictions().await.map_err(|e| internal(format, e))?;
    let wanted = params.jurisdiction_id.trim();
    if wanted.is_empty() {
        return match all.len() {
            1 => Ok(all.into_iter().next().expect("one")),
            0 => Err(error(StatusCode::NOT_FOUND, format, "no jurisdiction is configured")),
            _ => {
                Err(error(StatusCode::BAD_REQUEST, format, "jurisdiction_id is required: this endpoint serves several"))
            }
        };
    }
    all.into_iter()
        .find(|j| j.id == wanted)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, format, &format!("jurisdiction_id {wanted} not found")))
}

fn internal(format: Format, e: impl std::fmt::Display) -> Response {
    crate::error::ApiError { format, error: app::Error::Internal(e.to_string()) }.into_response()
}

/// The answer when the municipality has turned the reading endpoints off
/// (`open311_public_reads = "off"`): submitting still works.
fn reads_off(state: &AppState, format: Format) -> Option<Response> {
    (state.config.open311_public_reads == app::PublicReads::Off).then(|| {
        error(StatusCode::FORBIDDEN, format, "reading requests is turned off by this municipality; submitting works")
    })
}

/// The answer to a file name with neither `.xml` nor `.json`.
fn unknown_extension() -> Response {
    error(StatusCode::NOT_FOUND, Format::Xml, "unknown resource; use .xml or .json")
}

/// A resource of one jurisdiction (`services/{code}`, `requests/{id}`): its name, format and
/// jurisdiction.
async fn of_jurisdiction<'f>(
    state: &AppState,
    file: &'f str,
    params: &Params,
) -> Result<(&'f str, Format, Jurisdiction), Response> {
    let (name, format) = Format::split(file).ok_or_else(unknown_extension)?;
    Ok((name, format, jurisdiction(state, params, format).await?))
}

/// `discovery`, `services`, `requests` and `servicerequestupdates`, in `.xml` or `.json`.
pub async fn top_level(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let Some((name, format)) = Format::split(&file) else {
        return unknown_extension();
    };
    match name {
        "discovery" => services::discovery(&state, format).await,
        "services" => services::service_list(&state, format, &params).await,
        "requests" => requests::list_requests(&state, format, &params).await,
        "servicerequestupdates" => updates::list_updates(&state, format, &params).await,
        _ => error(StatusCode::NOT_FOUND, format, &format!("unknown resource {name}")),
    }
}

/// A POST: a new request (b.4) or an update to one (mySociety, b.11).
async fn post_top_level(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    request: axum::extract::Request,
) -> Response {
    let Some((name, format)) = Format::split(&file) else {
        return unknown_extension();
    };
    if !matches!(name, "requests" | "servicerequestupdates") {
        return error(StatusCode::NOT_FOUND, format, &format!("unknown resource {name}"));
    }
    let idempotency_key =
        request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(|v| v.trim().to_owned());
    let body = match Body::read(&state, request, format).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let caller = match Caller::authorize(&state, &body, &query, format).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    if name == "requests" {
        let idempotency_key = idempotency_key.filter(|k| !k.is_empty() && k.len() <= 200);
        requests::post_request(&state, format, caller, body, idempotency_key).await
    } else {
        updates::post_update(&state, format, caller, body).await
    }
}

/// A POST's fields, in order (repeated names stay repeated), and its `media` files.
pub(crate) struct Body {
    fields: Vec<(String, String)>,
    media: Vec<Upload>,
}

impl Body {
    /// Reads a form-encoded or multipart body (v2.1 draft: `media` file parts). Every failure
    /// is an Open311 error, including a body over the size limit.
    async fn read(state: &AppState, request: axum::extract::Request, format: Format) -> Result<Body, Response> {
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, crate::UPLOAD_BODY_LIMIT).await.map_err(|_| {
            let most = crate::UPLOAD_BODY_LIMIT / (1024 * 1024);
            error(StatusCode::PAYLOAD_TOO_LARGE, format, &format!("the request may be at most {most} MB"))
        })?;
        if !multipart {
            let fields = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
                error(StatusCode::BAD_REQUEST, format, &format!("the request body is not form-encoded: {e}"))
            })?;
            return Ok(Body { fields, media: Vec::new() });
        }
        let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
        let bad = |e: axum::extract::multipart::MultipartError| {
            error(StatusCode::BAD_REQUEST, format, &format!("the multipart body cannot be read: {}", e.body_text()))
        };
        let mut reader = axum::extract::Multipart::from_request(request, state).await.map_err(|e| {
            error(StatusCode::BAD_REQUEST, format, &format!("the multipart body cannot be read: {}", e.body_text()))
        })?;
        let mut body = Body { fields: Vec::new(), media: Vec::new() };
        while let Some(field) = reader.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "media" || name == "media[]" {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    body.media.push(Upload::new(file_name, bytes.to_vec()));
                }
            } else {
                let value = field.text().await.map_err(bad)?;
                body.fields.push((name, value));
            }
        }
        Ok(body)
    }

    /// A field's trimmed value; empty counts as absent.
    fn field(&self, name: &str) -> Option<&str> {
        field(&self.fields, name)
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

/// Who is posting: a valid key of the jurisdiction the request is for.
pub(crate) struct Caller {
    key_id: domain::ApiKeyId,
    jurisdiction: Jurisdiction,
    /// The key may update only the requests it sent.
    own_requests_only: bool,
}

impl Caller {
    /// The key may come in the body (as the specification shows) or in the query string.
    async fn authorize(
        state: &AppState,
        body: &Body,
        query: &[(String, String)],
        format: Format,
    ) -> Result<Caller, Response> {
        let Some(key) = body.field("api_key").or_else(|| field(query, "api_key")) else {
            return Err(error(StatusCode::FORBIDDEN, format, "api_key is missing"));
        };
        let (key_jurisdiction, key) = match state.store.api_key_by_hash(&crate::auth::token_hash(key)).await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(error(StatusCode::FORBIDDEN, format, "api_key is not valid")),
            Err(e) => return Err(internal(format, e)),
        };
        if !state.api_limiter.allow(&format!("key:{}", key.id)) {
            return Err(error(
                StatusCode::TOO_MANY_REQUESTS,
                format,
                "too many requests with this api_key; try again later",
            ));
        }
        let wanted = body.field("jurisdiction_id").or_else(|| field(query, "jurisdiction_id")).unwrap_or_default();
        let params = Params { jurisdiction_id: wanted.to_owned(), ..Params::default() };
        let jurisdiction = jurisdiction(state, &params, format).await?;
        if jurisdiction.id != key_jurisdiction {
            return Err(error(StatusCode::FORBIDDEN, format, "api_key is not valid for this jurisdiction"));
        }
        Ok(Caller { key_id: key.id, jurisdiction, own_requests_only: key.own_requests_only })
    }
}

// --- Arguments shared by the lists -----------------------------------------------------------

/// The longest date range one list may ask for (b.6), and its default.
const MAX_RANGE_DAYS: i64 = 90;
/// At most this many items per page (b.6: "the first 1,000 requests").
const MAX_PAGE_SIZE: i64 = 1000;

fn list_of(value: Option<&String>) -> Vec<String> {
    value
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn w3c_date(name: &str, value: Option<&str>) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => chrono::DateTime::parse_from_rfc3339(v).map(|d| Some(d.to_utc())).map_err(|_| {
            format!("{name} must be a W3C date and time with a time zone, e.g. 2026-05-02T08:15:30+02:00")
        }),
    }
}

/// `start_date` and `end_date` as a range of at most 90 days; the last 90 days by default.
fn date_range(
    args: &std::collections::HashMap<String, String>,
) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), String> {
    let start = w3c_date("start_date", args.get("start_date").map(String::as_str))?;
    let end = w3c_date("end_date", args.get("end_date").map(String::as_str))?;
    let days = chrono::Duration::days(MAX_RANGE_DAYS);
    Ok(match (start, end) {
        (Some(s), Some(e)) if e < s => return Err("end_date is before start_date".into()),
        (Some(s), Some(e)) if e - s > days => {
            return Err(format!("the date range may be at most {MAX_RANGE_DAYS} days"));
        }
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s + days),
        (None, Some(e)) => (e - days, e),
        (None, None) => (chrono::Utc::now() - days, chrono::Utc::now() + chrono::Duration::seconds(1)),
    })
}

fn positive(name: &str, value: Option<&String>, default: i64, max: i64) -> Result<i64, String> {
    match value.map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(format!("{name} must be a whole number from 1 to {max}")),
        },
    }
}

/// `page` and `page_size` (the de-facto extension) as a limit and an offset.
fn paging(args: &std::collections::HashMap<String, String>) -> Result<(i64, i64), String> {
    let page = positive("page", args.get("page"), 1, i64::from(u32::MAX))?;
    let size = positive("page_size", args.get("page_size"), MAX_PAGE_SIZE, MAX_PAGE_SIZE)?;
    Ok((size, (page - 1) * size))
}

/// A time as the documents write it: W3C, with the Swedish offset.
fn w3c(at: chrono::DateTime<chrono::Utc>) -> document::Value {
    document::Value::text(domain::time::local(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}
