//! Open311 GeoReport v2 under `/open311/v2/` (issue 6). Built so far: service discovery
//! (b.9), the service list (b.2), service definitions (b.3), POST request (b.4, form-encoded),
//! GET requests (b.6, b.7), `jurisdiction_id`, the error format (b.8) and rate limits, in XML
//! and JSON. Media and the extensions (b.11) follow; tokens (b.5) are not offered, since
//! every service is realtime.

mod document;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::{CaseKind, Category, SubmitterRole};
use serde::Deserialize;
use store::Jurisdiction;

use crate::AppState;
use document::{Format, Value, error, errors, respond};

pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(top_level).post(post_request))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(one_request))
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
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !state.api_limiter.allow(&format!("address:{}", peer.ip())) {
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
    /// Everything else, for the requests list.
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

impl Params {
    fn english(&self) -> bool {
        self.lang == "en"
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
    tracing::error!(error = %e, "open311 request failed");
    error(StatusCode::INTERNAL_SERVER_ERROR, format, "internal error; please try again")
}

/// `discovery.{xml,json}` and `services.{xml,json}`.
pub async fn top_level(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let Some((name, format)) = Format::split(&file) else {
        return error(StatusCode::NOT_FOUND, Format::Xml, "unknown resource; use .xml or .json");
    };
    match name {
        "discovery" => discovery(&state, format).await,
        "services" => service_list(&state, format, &params).await,
        "requests" => match RequestsQuery::read(&params.rest) {
            Ok(query) => list_requests(&state, format, &params, query).await,
            Err(problem) => error(StatusCode::BAD_REQUEST, format, &problem),
        },
        _ => error(StatusCode::NOT_FOUND, format, &format!("unknown resource {name}")),
    }
}

async fn discovery(state: &AppState, format: Format) -> Response {
    let jurisdictions = match state.store.jurisdictions().await {
        Ok(all) => all,
        Err(e) => return internal(format, e),
    };
    let contact = jurisdictions.first().and_then(|j| j.email.clone()).unwrap_or_default();
    // Changes to the services come from the administration pages; a fixed changeset would
    // tell clients never to refresh, so it is today's date: a daily refresh is cheap.
    let changeset = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let base = format!("{}/open311/v2", state.config.public_url.trim_end_matches('/'));
    let formats = Value::List { item: "format", items: vec![Value::text("text/xml"), Value::text("application/json")] };
    let endpoint = Value::Object(vec![
        ("specification", Value::text("http://wiki.open311.org/GeoReport_v2")),
        ("url", Value::text(base)),
        ("changeset", Value::text(changeset.clone())),
        ("type", Value::text("production")),
        ("formats", formats),
    ]);
    let doc = Value::Object(vec![
        ("changeset", Value::text(changeset)),
        ("contact", Value::text(contact)),
        ("key_service", Value::text("An administrator issues keys under Administration › Keys for the Open311 API.")),
        ("endpoints", Value::List { item: "endpoint", items: vec![endpoint] }),
    ]);
    respond(StatusCode::OK, format, "discovery", &doc)
}

fn kinds_of(category: &Category) -> Vec<CaseKind> {
    if category.kinds.is_empty() { CaseKind::ALL.to_vec() } else { category.kinds.clone() }
}

fn service(category: &Category, english: bool) -> Value {
    let lang = if english { "en" } else { "sv" };
    let keywords: Vec<&str> = kinds_of(category).iter().map(|k| k.name(lang)).collect();
    Value::Object(vec![
        ("service_code", Value::text(category.code.clone())),
        ("service_name", Value::text(category.name(lang))),
        ("description", Value::text(format!("{} › {}", category.group(lang), category.name(lang)))),
        // Every service asks at least what kind of case it is.
        ("metadata", Value::Bool(true)),
        ("type", Value::text("realtime")),
        ("keywords", Value::text(keywords.join(", "))),
        ("group", Value::text(category.group(lang))),
    ])
}

async fn service_list(state: &AppState, format: Format, params: &Params) -> Response {
    let j = match jurisdiction(state, params, format).await {
        Ok(j) => j,
        Err(response) => return response,
    };
    match state.store.categories(&j.id).await {
        Ok(categories) => {
            let items = categories.iter().map(|c| service(c, params.english())).collect();
            respond(StatusCode::OK, format, "services", &Value::List { item: "service", items })
        }
        Err(e) => internal(format, e),
    }
}

fn list_attribute(code: &str, order: i64, required: bool, question: &str, values: Vec<(String, String)>) -> Value {
    let values = values
        .into_iter()
        .map(|(key, name)| Value::Object(vec![("key", Value::text(key)), ("name", Value::text(name))]))
        .collect();
    Value::Object(vec![
        ("variable", Value::Bool(true)),
        ("code", Value::text(code)),
        ("datatype", Value::text("singlevaluelist")),
        ("required", Value::Bool(required)),
        ("datatype_description", Value::Text(None)),
        ("order", Value::Int(order)),
        ("description", Value::text(question)),
        ("values", Value::List { item: "value", items: values }),
    ])
}

/// `services/{code}.{xml,json}`: what a request in the category must and may say. The kind
/// is required (the category's accepted kinds); who the submitter is (kund, invånare, …) is
/// asked but optional, as on the web form (V-D7).
pub async fn service_definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let Some((code, format)) = Format::split(&file) else {
        return error(StatusCode::NOT_FOUND, Format::Xml, "unknown resource; use .xml or .json");
    };
    let j = match jurisdiction(&state, &params, format).await {
        Ok(j) => j,
        Err(response) => return response,
    };
    let categories = match state.store.categories(&j.id).await {
        Ok(categories) => categories,
        Err(e) => return internal(format, e),
    };
    let Some(category) = categories.iter().find(|c| c.code == code) else {
        return error(StatusCode::NOT_FOUND, format, &format!("service_code {code} not found"));
    };
    let lang = if params.english() { "en" } else { "sv" };
    let kinds = kinds_of(category).iter().map(|k| (k.code().to_owned(), k.name(lang).to_owned())).collect();
    let roles = SubmitterRole::ALL.iter().map(|r| (r.code().to_owned(), r.name(lang).to_owned())).collect();
    let (kind_question, role_question) = if params.english() {
        ("What would you like to give?", "Who are you?")
    } else {
        ("Vad vill du lämna?", "Vem är du?")
    };
    let attributes = vec![
        list_attribute("kind", 1, true, kind_question, kinds),
        list_attribute("submitter_role", 2, false, role_question, roles),
    ];
    let doc = Value::Object(vec![
        ("service_code", Value::text(category.code.clone())),
        ("attributes", Value::List { item: "attribute", items: attributes }),
    ]);
    respond(StatusCode::OK, format, "service_definition", &doc)
}

// --- POST request (b.4) -------------------------------------------------------------------

/// The fields of a form body, in order; repeated names (`attribute[x][]`) stay repeated.
fn fields(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    serde_urlencoded::from_bytes(body).map_err(|e| format!("the request body is not form-encoded: {e}"))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

/// `POST requests.{xml,json}`: a case through the same checks, clocks and receipt as the web
/// form, answered with its number and what the citizen can expect.
pub async fn post_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    body: axum::body::Bytes,
) -> Response {
    let Some(("requests", format)) = Format::split(&file) else {
        return error(StatusCode::NOT_FOUND, Format::split(&file).map_or(Format::Xml, |f| f.1), "unknown resource");
    };
    let body = match fields(&body) {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, format, &e),
    };
    // The key may come in the body (as the specification shows) or in the query string.
    let key = field(&body, "api_key").or_else(|| field(&query, "api_key"));
    let Some(key) = key else {
        return error(StatusCode::FORBIDDEN, format, "api_key is missing");
    };
    let key_jurisdiction = match state.store.api_key_by_hash(&crate::auth::token_hash(key)).await {
        Ok(Some((_, key))) if !state.api_limiter.allow(&format!("key:{}", key.id)) => {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                format,
                "too many requests with this api_key; try again later",
            );
        }
        Ok(Some((jurisdiction, _))) => jurisdiction,
        Ok(None) => return error(StatusCode::FORBIDDEN, format, "api_key is not valid"),
        Err(e) => return internal(format, e),
    };
    let jurisdiction_id =
        field(&body, "jurisdiction_id").or_else(|| field(&query, "jurisdiction_id")).unwrap_or_default();
    let params = Params { jurisdiction_id: jurisdiction_id.to_owned(), ..Params::default() };
    let j = match jurisdiction(&state, &params, format).await {
        Ok(j) => j,
        Err(response) => return response,
    };
    if j.id != key_jurisdiction {
        return error(StatusCode::FORBIDDEN, format, "api_key is not valid for this jurisdiction");
    }
    let Some(code) = field(&body, "service_code") else {
        return error(StatusCode::BAD_REQUEST, format, "service_code is missing");
    };
    let categories = match state.store.categories(&j.id).await {
        Ok(categories) => categories,
        Err(e) => return internal(format, e),
    };
    let Some(category) = categories.iter().find(|c| c.code == code) else {
        return error(StatusCode::NOT_FOUND, format, &format!("service_code {code} not found"));
    };
    let submission = match submission_from(&body, &j, category) {
        Ok(submission) => submission,
        Err(problems) => return errors(StatusCode::BAD_REQUEST, format, &problems),
    };
    let lang = crate::i18n::Lang::Sv;
    let node_id = category.node_id.clone();
    match crate::citizen::register_case(
        &state,
        lang,
        submission,
        node_id,
        None,
        domain::Actor::Citizen,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(receipt) => {
            let request = Value::Object(vec![
                ("service_request_id", Value::text(receipt.number.clone())),
                ("service_notice", Value::text(receipt.notice())),
                ("account_id", Value::Text(None)),
            ]);
            respond(StatusCode::OK, format, "service_requests", &Value::List { item: "request", items: vec![request] })
        }
        Err(e) => internal(format, e),
    }
}

/// The submission a request describes, or every problem with it (b.4).
fn submission_from(
    body: &[(String, String)],
    j: &Jurisdiction,
    category: &Category,
) -> Result<domain::Submission, Vec<String>> {
    let mut problems = Vec::new();
    let known = ["attribute[kind]", "attribute[submitter_role]"];
    for (name, _) in body.iter().filter(|(k, _)| k.starts_with("attribute[")) {
        if !known.contains(&name.as_str()) {
            problems.push(format!("{name} is not an attribute of {}", category.code));
        }
    }
    let kind = match field(body, "attribute[kind]") {
        None => {
            problems.push("attribute[kind] is required".to_owned());
            None
        }
        Some(value) => match value.parse::<CaseKind>().ok().filter(|k| category.accepts(*k)) {
            Some(kind) => Some(kind),
            None => {
                problems.push(format!("attribute[kind] {value} is not one of the service's values"));
                None
            }
        },
    };
    let role = match field(body, "attribute[submitter_role]") {
        None => None,
        Some(value) => match value.parse::<SubmitterRole>() {
            Ok(role) => Some(role),
            Err(_) => {
                problems.push(format!("attribute[submitter_role] {value} is not one of the service's values"));
                None
            }
        },
    };
    // One location is required: a point, an address, or an address register id.
    let (lat, long) = (field(body, "lat").unwrap_or_default(), field(body, "long").unwrap_or_default());
    let position = match domain::Position::parse(lat, long) {
        Ok(position) => position,
        Err(e) if e.code == "outside_sweden" => {
            problems.push("lat and long are outside Sweden".to_owned());
            None
        }
        Err(_) => {
            problems.push("lat and long must both be given, as decimal degrees".to_owned());
            None
        }
    };
    let address = field(body, "address_string").or_else(|| field(body, "address_id"));
    if position.is_none() && address.is_none() && problems.iter().all(|p| !p.starts_with("lat")) {
        problems.push("a location is required: lat and long, address_string or address_id".to_owned());
    }
    let name =
        [field(body, "first_name"), field(body, "last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let email = field(body, "email").map(str::to_owned);
    let phone = field(body, "phone").map(str::to_owned);
    let anonymous = name.is_empty() && email.is_none() && phone.is_none();
    let submission = domain::Submission {
        jurisdiction: j.id.clone(),
        kind: kind.unwrap_or(CaseKind::Synpunkt),
        channel: domain::Channel::Api,
        category: category.code.clone(),
        description: field(body, "description").unwrap_or_default().to_owned(),
        place: address.map(str::to_owned),
        position,
        submitter: domain::Submitter {
            anonymous,
            role,
            name: Some(name).filter(|n| !n.is_empty()),
            contact_method: email.as_ref().map(|_| domain::ContactMethod::Email),
            email,
            phone,
            postal_address: None,
        },
        language: "sv".into(),
        attachments: Vec::new(),
    };
    if let Err(more) = submission.validate() {
        problems.extend(more.iter().map(|e| match (e.field, e.code) {
            ("description", "required") => "description is required".to_owned(),
            ("description", "too_long") => "description may be at most 4000 characters".to_owned(),
            ("email", _) => "email is not a valid e-mail address".to_owned(),
            (field, code) => format!("{field}: {code}"),
        }));
    }
    if problems.is_empty() { Ok(submission) } else { Err(problems) }
}

// --- GET requests (b.6, b.7) --------------------------------------------------------------

/// The longest date range one list may ask for (b.6), and its default.
const MAX_RANGE_DAYS: i64 = 90;
/// At most this many requests per page (b.6: "the first 1,000 requests").
const MAX_PAGE_SIZE: i64 = 1000;

#[derive(Debug, Default)]
struct RequestsQuery {
    numbers: Option<Vec<String>>,
    categories: Vec<String>,
    range: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    open: Option<bool>,
    page: i64,
    page_size: i64,
}

fn list_of(value: Option<&String>) -> Vec<String> {
    value
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn w3c_date(name: &str, value: Option<&String>) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    match value.map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => chrono::DateTime::parse_from_rfc3339(v).map(|d| Some(d.to_utc())).map_err(|_| {
            format!("{name} must be a W3C date and time with a time zone, e.g. 2026-05-02T08:15:30+02:00")
        }),
    }
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

impl RequestsQuery {
    /// The list's arguments (b.6); empty arguments count as absent.
    fn read(args: &std::collections::HashMap<String, String>) -> Result<RequestsQuery, String> {
        let numbers = list_of(args.get("service_request_id"));
        let start = w3c_date("start_date", args.get("start_date"))?;
        let end = w3c_date("end_date", args.get("end_date"))?;
        let days = chrono::Duration::days(MAX_RANGE_DAYS);
        let range = match (start, end) {
            (Some(s), Some(e)) if e < s => return Err("end_date is before start_date".into()),
            (Some(s), Some(e)) if e - s > days => {
                return Err(format!("the date range may be at most {MAX_RANGE_DAYS} days"));
            }
            (Some(s), Some(e)) => (s, e),
            (Some(s), None) => (s, s + days),
            (None, Some(e)) => (e - days, e),
            (None, None) => (chrono::Utc::now() - days, chrono::Utc::now() + chrono::Duration::seconds(1)),
        };
        let statuses = list_of(args.get("status"));
        let open = match (statuses.iter().any(|s| s == "open"), statuses.iter().any(|s| s == "closed")) {
            _ if statuses.iter().any(|s| s != "open" && s != "closed") => {
                return Err("status may be open, closed or both".into());
            }
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        };
        Ok(RequestsQuery {
            numbers: (!numbers.is_empty()).then_some(numbers),
            categories: list_of(args.get("service_code")),
            range,
            open,
            page: positive("page", args.get("page"), 1, i64::from(u32::MAX))?,
            page_size: positive("page_size", args.get("page_size"), MAX_PAGE_SIZE, MAX_PAGE_SIZE)?,
        })
    }
}

fn w3c(at: chrono::DateTime<chrono::Utc>) -> Value {
    Value::text(domain::time::local(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

/// One request as anyone may read it: no names, e-mail addresses or phone numbers, and the
/// citizen's own words only when they were sent through Open311, which publishes them; what
/// was written on the web form or told to staff was not written for publication.
fn request_value(case: &store::PublicCase, categories: &[Category], tree: &domain::OrgTree, english: bool) -> Value {
    let lang = if english { "en" } else { "sv" };
    let open = case.status.is_open();
    let unit = tree.display_path(&case.node_id).unwrap_or_else(|_| case.node_id.clone());
    let status_notes = if open {
        Some(format!("{}: {}", if english { "Handled by" } else { "Handläggs av" }, unit))
    } else {
        case.closing_note.clone()
    };
    let name = categories.iter().find(|c| c.code == case.category).map(|c| c.name(lang).to_owned());
    let public_text = (case.channel == domain::Channel::Api).then(|| case.description.clone());
    Value::Object(vec![
        ("service_request_id", Value::text(case.number.clone())),
        ("status", Value::text(if open { "open" } else { "closed" })),
        ("status_notes", Value::Text(status_notes)),
        ("service_name", Value::Text(name)),
        ("service_code", Value::text(case.category.clone())),
        ("description", Value::Text(public_text)),
        ("agency_responsible", Value::text(unit)),
        ("service_notice", Value::Text(None)),
        ("requested_datetime", w3c(case.received_at)),
        ("updated_datetime", w3c(case.updated_at)),
        ("expected_datetime", case.due_at.filter(|_| open).map_or(Value::Text(None), w3c)),
        ("address", Value::Text(case.place.clone())),
        ("address_id", Value::Text(None)),
        ("zipcode", Value::Text(None)),
        ("lat", case.position.map_or(Value::Text(None), |p| Value::Number(p.latitude()))),
        ("long", case.position.map_or(Value::Text(None), |p| Value::Number(p.longitude()))),
        ("media_url", Value::Text(None)),
    ])
}

async fn requests_document(
    state: &AppState,
    format: Format,
    params: &Params,
    j: &Jurisdiction,
    query: store::PublicQuery,
    single: bool,
) -> Response {
    let found =
        tokio::try_join!(state.store.public_cases(&query), state.store.categories(&j.id), state.store.org_tree(&j.id));
    let (cases, categories, tree) = match found {
        Ok(found) => found,
        Err(e) => return internal(format, e),
    };
    if single && cases.is_empty() {
        let number = query.numbers.unwrap_or_default().join(",");
        return error(StatusCode::NOT_FOUND, format, &format!("service_request_id {number} not found"));
    }
    let items = cases.iter().map(|c| request_value(c, &categories, &tree, params.english())).collect();
    respond(StatusCode::OK, format, "service_requests", &Value::List { item: "request", items })
}

async fn list_requests(state: &AppState, format: Format, params: &Params, query: RequestsQuery) -> Response {
    let j = match jurisdiction(state, params, format).await {
        Ok(j) => j,
        Err(response) => return response,
    };
    let public = store::PublicQuery {
        jurisdiction: j.id.clone(),
        numbers: query.numbers,
        categories: query.categories,
        received: Some(query.range),
        open: query.open,
        limit: query.page_size,
        offset: (query.page - 1) * query.page_size,
    };
    requests_document(state, format, params, &j, public, false).await
}

/// `requests/{id}.{xml,json}`: one request, still in a list (b.7); 404 when it does not exist
/// or is not public.
pub async fn one_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let Some((number, format)) = Format::split(&file) else {
        return error(StatusCode::NOT_FOUND, Format::Xml, "unknown resource; use .xml or .json");
    };
    let j = match jurisdiction(&state, &params, format).await {
        Ok(j) => j,
        Err(response) => return response,
    };
    let query = store::PublicQuery {
        jurisdiction: j.id.clone(),
        numbers: Some(vec![number.to_owned()]),
        limit: 1,
        ..store::PublicQuery::default()
    };
    requests_document(&state, format, &params, &j, query, true).await
}
