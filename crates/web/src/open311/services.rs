//! Service discovery (b.9), the service list (b.2) and service definitions (b.3), built from
//! the configured categories.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::{CaseKind, Category, SubmitterRole};

use super::document::{Format, Value, error, respond};
use super::{Params, internal, jurisdiction};
use crate::AppState;

pub(super) async fn discovery(state: &AppState, format: Format) -> Response {
    let jurisdictions = match state.store.jurisdictions().await {
        Ok(all) => all,
        Err(e) => return internal(format, e),
    };
    let contact = jurisdictions.first().and_then(|j| j.email.clone()).unwrap_or_default();
    // Changes to the services come from the administration pages; a fixed changeset would
    // tell clients never to refresh, so it is the start of today: a daily refresh is cheap.
    // The spec's type is a date-time with its offset (clients refuse a bare date).
    let changeset = super::w3c(domain::time::start_of_day(domain::time::local(chrono::Utc::now()).date_naive()));
    let base = format!("{}/open311/v2", state.config.public_url.trim_end_matches('/'));
    let formats = Value::List { item: "format", items: vec![Value::text("text/xml"), Value::text("application/json")] };
    let endpoint = Value::Object(vec![
        ("specification", Value::text("http://wiki.open311.org/GeoReport_v2")),
        ("url", Value::text(base)),
        ("changeset", changeset.clone()),
        ("type", Value::text("production")),
        ("formats", formats),
    ]);
    let doc = Value::Object(vec![
        ("changeset", changeset),
        ("contact", Value::text(contact)),
        ("key_service", Value::text("An administrator issues keys under Administration › Keys for the Open311 API.")),
        ("endpoints", Value::List { item: "endpoint", items: vec![endpoint] }),
    ]);
    respond(StatusCode::OK, format, "discovery", &doc)
}

pub(super) fn kinds_of(category: &Category) -> Vec<CaseKind> {
    if category.kinds.is_empty() { CaseKind::ALL.to_vec() } else { category.kinds.clone() }
}

/// The kind a request gets when it does not say: the category's first (its only one, or the
/// one it is for, like fault reports for street lighting), or a synpunkt where every kind is
/// taken.
pub(super) fn default_kind(category: &Category) -> CaseKind {
    category.kinds.first().copied().unwrap_or(CaseKind::Synpunkt)
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

pub(super) async fn service_list(state: &AppState, format: Format, params: &Params) -> Response {
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

/// One attribute of a service definition: a list of values to choose from, or free text
/// (`string`) when there are none.
fn attribute(code: &str, order: i64, required: bool, question: &str, values: Vec<(String, String)>) -> Value {
    let (datatype, description) = if values.is_empty() {
        ("string", Some(format!("at most {} characters", domain::category::MAX_ANSWER_CHARS)))
    } else {
        ("singlevaluelist", None)
    };
    let values = values
        .into_iter()
        .map(|(key, name)| Value::Object(vec![("key", Value::text(key)), ("name", Value::text(name))]))
        .collect();
    Value::Object(vec![
        ("variable", Value::Bool(true)),
        ("code", Value::text(code)),
        ("datatype", Value::text(datatype)),
        ("required", Value::Bool(required)),
        ("datatype_description", Value::Text(description)),
        ("order", Value::Int(order)),
        ("description", Value::text(question)),
        ("values", Value::List { item: "value", items: values }),
    ])
}

/// The questions of the two attributes: the kind of case, and who the submitter is.
pub(super) fn questions(english: bool) -> (&'static str, &'static str) {
    if english { ("What would you like to give?", "Who are you?") } else { ("Vad vill du lämna?", "Vem är du?") }
}

/// `services/{code}.{xml,json}` (and `service/{code}`, where a published client library asks):
/// what a request in the category may say. The kind is one of the category's accepted kinds,
/// and when left out the service's default (`default_kind`); who the submitter is (kund,
/// invånare, …) is asked but optional, as on the web form (V-D7).
pub(super) async fn service_definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let (code, format, j) = match super::of_jurisdiction(&state, &file, &params).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let categories = match state.store.categories(&j.id).await {
        Ok(categories) => categories,
        Err(e) => return internal(format, e),
    };
    let Some(category) = categories.iter().find(|c| c.code == code) else {
        return error(StatusCode::NOT_FOUND, format, &format!("service_code {code} not found"));
    };
    let lang = params.lang();
    let kinds = kinds_of(category).iter().map(|k| (k.code().to_owned(), k.name(lang).to_owned())).collect();
    let roles = SubmitterRole::ALL.iter().map(|r| (r.code().to_owned(), r.name(lang).to_owned())).collect();
    let (kind_question, role_question) = questions(params.english());
    let mut attributes = vec![
        attribute("kind", 1, false, kind_question, kinds),
        attribute("submitter_role", 2, false, role_question, roles),
    ];
    // The category's own questions follow, in their order.
    for (q, order) in category.questions.iter().zip(3..) {
        let values = q.choices.iter().map(|c| (c.key.clone(), c.name(lang).to_owned())).collect();
        attributes.push(attribute(&q.code, order, q.required, q.label(lang), values));
    }
    let doc = Value::Object(vec![
        ("service_code", Value::text(category.code.clone())),
        ("attributes", Value::List { item: "attribute", items: attributes }),
    ]);
    respond(StatusCode::OK, format, "service_definition", &doc)
}
