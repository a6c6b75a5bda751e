//! Requests: POST (b.4) creates a case through the web form's path; GET lists them (b.6) or
//! shows one (b.7), with the extension fields (b.11) when asked for.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::{CaseKind, Category, SubmitterRole};
use std::collections::HashMap;

use super::document::{Format, Value, error, errors, respond};
use super::media::{media_url, public_media};
use super::updates::{PUBLIC_EVENTS, public_view};
use super::{Body, Caller, Params, date_range, internal, jurisdiction, list_of, paging, w3c};
use crate::AppState;

// --- POST request (b.4) -------------------------------------------------------------------

/// `POST requests.{xml,json}`: a case through the same checks, clocks and receipt as the web
/// form, answered with its number and what the citizen can expect. With an `Idempotency-Key`
/// header a retried POST answers with the case the first one made.
pub(super) async fn post_request(
    state: &AppState,
    format: Format,
    caller: Caller,
    body: Body,
    idempotency_key: Option<String>,
) -> Response {
    let Some(code) = body.field("service_code") else {
        return error(StatusCode::BAD_REQUEST, format, "service_code is missing");
    };
    let categories = match state.store.categories(&caller.jurisdiction.id).await {
        Ok(categories) => categories,
        Err(e) => return internal(format, e),
    };
    let Some(category) = categories.iter().find(|c| c.code == code) else {
        return error(StatusCode::NOT_FOUND, format, &format!("service_code {code} not found"));
    };
    let checked = app::intake::check_uploads(&body.media);
    let mut submission = submission_from(&body, &caller.jurisdiction, category);
    if let Err(files) = &checked {
        let problems = submission.as_mut().err();
        let mut named: Vec<String> = files.iter().map(|e| media_problem(e.code)).collect();
        match problems {
            Some(problems) => problems.append(&mut named),
            None => submission = Err(named),
        }
    }
    let (mut submission, checked) = match (submission, checked) {
        (Ok(submission), Ok(checked)) => (submission, checked),
        (Err(problems), _) => return errors(StatusCode::BAD_REQUEST, format, &problems),
        (Ok(_), Err(_)) => unreachable!("file problems are added to the submission's"),
    };
    // Files are stored before the case that refers to them (requirements §3).
    submission.attachments = match app::intake::store_files(state, checked).await {
        Ok(attachments) => attachments,
        Err(e) => return internal(format, e),
    };
    let lang = if submission.language == "en" { crate::i18n::Lang::En } else { crate::i18n::Lang::Sv };
    let key = idempotency_key.map(|k| format!("open311:{}:{k}", caller.key_id));
    let node_id = category.node_id.clone();
    // Sent through a client on someone's behalf: the client is named as its sender.
    let actor = domain::Actor::Client { key_id: caller.key_id };
    let registered = async {
        let registered = app::intake::register(state, submission, node_id, key, actor, chrono::Utc::now()).await?;
        app::intake::ReceiptDetails::of(state, lang, registered.receipt.case_id, &registered.token).await
    };
    match registered.await {
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

pub(super) fn media_problem(code: &str) -> String {
    use domain::attachment::MAX_PIXELS;
    let most = domain::attachment::MAX_FILE_BYTES / (1024 * 1024);
    match code {
        "too_many" => format!("media: at most {} files", domain::attachment::MAX_FILES),
        "wrong_type" => "media: only JPEG, PNG and PDF files are accepted".to_owned(),
        "too_large" => format!("media: a file may be at most {most} MB"),
        "too_many_pixels" => format!("media: a picture may be at most {} megapixels", MAX_PIXELS / 1_000_000),
        _ => "media: a file is damaged and cannot be read".to_owned(),
    }
}

/// The submission a request describes, or every problem with it (b.4).
fn submission_from(
    body: &Body,
    j: &store::Jurisdiction,
    category: &Category,
) -> Result<domain::Submission, Vec<String>> {
    let mut problems = Vec::new();
    let known = |name: &str| {
        let code = name.strip_prefix("attribute[").and_then(|n| n.strip_suffix(']')).unwrap_or_default();
        matches!(code, "kind" | "submitter_role") || category.questions.iter().any(|q| q.code == code)
    };
    for (name, _) in body.fields.iter().filter(|(k, _)| k.starts_with("attribute[")) {
        if !known(name) {
            problems.push(format!("{name} is not an attribute of {}", category.code));
        }
    }
    let kind = match body.field("attribute[kind]") {
        // Generic clients know nothing of this extension: the service's default kind.
        None => Some(super::services::default_kind(category)),
        Some(value) => match value.parse::<CaseKind>().ok().filter(|k| category.accepts(*k)) {
            Some(kind) => Some(kind),
            None => {
                problems.push(format!("attribute[kind] {value} is not one of the service's values"));
                None
            }
        },
    };
    let role = match body.field("attribute[submitter_role]") {
        None => None,
        Some(value) => match value.parse::<SubmitterRole>() {
            Ok(role) => Some(role),
            Err(_) => {
                problems.push(format!("attribute[submitter_role] {value} is not one of the service's values"));
                None
            }
        },
    };
    let (answers, unanswered) = category.read_answers(|code| body.field(&format!("attribute[{code}]")));
    problems.extend(unanswered.into_iter().map(|(code, problem)| match problem {
        "required" => format!("attribute[{code}] is required"),
        "not_a_choice" => format!("attribute[{code}] is not one of the service's values"),
        _ => format!("attribute[{code}] may be at most {} characters", domain::category::MAX_ANSWER_CHARS),
    }));
    // One location is required: a point, an address, or an address register id.
    let (lat, long) = (body.field("lat").unwrap_or_default(), body.field("long").unwrap_or_default());
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
    let address = body.field("address_string").or_else(|| body.field("address_id"));
    if position.is_none() && address.is_none() && problems.iter().all(|p| !p.starts_with("lat")) {
        problems.push("a location is required: lat and long, address_string or address_id".to_owned());
    }
    let language = match body.field("lang") {
        None | Some("sv") => "sv",
        Some("en") => "en",
        Some(other) => {
            problems.push(format!("lang {other} is not offered: use sv or en"));
            "sv"
        }
    };
    let name = [body.field("first_name"), body.field("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let email = body.field("email").map(str::to_owned);
    let phone = body.field("phone").map(str::to_owned);
    let anonymous = name.is_empty() && email.is_none() && phone.is_none();
    let submission = domain::Submission {
        jurisdiction: j.id.clone(),
        kind: kind.unwrap_or(CaseKind::Synpunkt),
        channel: domain::Channel::Api,
        category: category.code.clone(),
        description: body.field("description").unwrap_or_default().to_owned(),
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
        language: language.into(),
        attachments: Vec::new(),
        // Files sent with the request take precedence (v2.1 draft); a link is kept as given.
        media_url: body.field("media_url").filter(|_| body.media.is_empty()).map(str::to_owned),
        answers,
    };
    if let Err(more) = submission.validate() {
        problems.extend(more.iter().map(|e| match (e.field, e.code) {
            ("description", "required") => "description is required".to_owned(),
            ("description", "too_long") => "description may be at most 4000 characters".to_owned(),
            ("email", _) => "email is not a valid e-mail address".to_owned(),
            ("media_url", _) => "media_url must be an http or https address".to_owned(),
            (field, code) => format!("{field}: {code}"),
        }));
    }
    if problems.is_empty() { Ok(submission) } else { Err(problems) }
}

// --- GET requests (b.6, b.7) --------------------------------------------------------------

/// The list's arguments (b.6); empty arguments count as absent.
fn public_query(j: &store::Jurisdiction, args: &HashMap<String, String>) -> Result<store::PublicQuery, String> {
    let numbers = list_of(args.get("service_request_id"));
    let range = date_range(args)?;
    let statuses = list_of(args.get("status"));
    if statuses.iter().any(|s| s != "open" && s != "closed") {
        return Err("status may be open, closed or both".into());
    }
    let open = match (statuses.iter().any(|s| s == "open"), statuses.iter().any(|s| s == "closed")) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    };
    let (limit, offset) = paging(args)?;
    Ok(store::PublicQuery {
        jurisdiction: j.id.clone(),
        numbers: (!numbers.is_empty()).then_some(numbers),
        categories: list_of(args.get("service_code")),
        received: Some(range),
        open,
        limit,
        offset,
    })
}

/// What a request's document is built from besides the case itself.
struct Context {
    categories: Vec<Category>,
    tree: domain::OrgTree,
    base: String,
    jurisdiction: domain::JurisdictionId,
    english: bool,
    /// The side of the square a position is rounded to, unless staff published the point.
    metres: u32,
    /// The public updates of each case, when the extensions were asked for.
    notes: Option<HashMap<String, Vec<store::PublicUpdate>>>,
}

impl Context {
    fn unit(&self, node_id: &str) -> String {
        self.tree.display_path(node_id).unwrap_or_else(|_| node_id.to_owned())
    }
}

/// One request as anyone may read it: no names, e-mail addresses or phone numbers; the text
/// only as staff published it (the citizen's words, or an edit of them); a place typed in only
/// when it came through Open311 and staff published the case (a place typed on the web, by
/// phone or in a letter is often the writer's home); the position rounded unless staff
/// published the exact point; pictures only when staff published them.
fn request_value(case: &store::PublicCase, cx: &Context) -> Value {
    let lang = if cx.english { "en" } else { "sv" };
    let open = case.status.is_open();
    let unit = cx.unit(&case.node_id);
    let status_notes = if open {
        Some(format!("{}: {}", if cx.english { "Handled by" } else { "Handläggs av" }, unit))
    } else {
        // Staff wrote it for the citizen; anyone reads it here.
        case.closing_note.as_deref().map(domain::publication::masked)
    };
    let name = cx.categories.iter().find(|c| c.code == case.category).map(|c| c.name(lang).to_owned());
    let publication = case.publication.as_ref();
    let public_text = publication.map(|p| p.text.clone());
    let place = case.place.clone().filter(|_| publication.is_some() && case.channel == domain::Channel::Api);
    let exact = publication.is_some_and(|p| p.exact_position);
    let position = case.position.map(|p| if exact { p } else { domain::publication::rounded(p, cx.metres) });
    let pictures = publication.is_some_and(|p| p.pictures);
    let photos: Vec<String> =
        public_media(case).map(|(n, a)| media_url(&cx.base, &cx.jurisdiction, &case.number, n, a)).collect();
    let media = photos.first().cloned().or_else(|| case.media_url.clone().filter(|_| pictures));
    let mut fields = vec![
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
        ("address", Value::Text(place)),
        ("address_id", Value::Text(None)),
        ("zipcode", Value::Text(None)),
        ("lat", position.map_or(Value::Text(None), |p| Value::Number(p.latitude()))),
        ("long", position.map_or(Value::Text(None), |p| Value::Number(p.longitude()))),
        ("media_url", Value::Text(media)),
    ];
    if let Some(notes) = &cx.notes {
        fields.extend(extension_fields(case, cx, photos, notes.get(&case.number).map_or(&[][..], Vec::as_slice)));
    }
    Value::Object(fields)
}

/// `extensions=true` (b.11): the attributes answered, the channel and photos, and the case's
/// public history as notes, each with its extended status as type.
fn extension_fields(
    case: &store::PublicCase,
    cx: &Context,
    photos: Vec<String>,
    updates: &[store::PublicUpdate],
) -> Vec<(&'static str, Value)> {
    let lang = if cx.english { "en" } else { "sv" };
    let (kind_question, _) = super::services::questions(cx.english);
    let attribute = |label: &str, name: &str, value: &str, code: &str| {
        Value::Object(vec![
            ("label", Value::text(label)),
            ("name", Value::text(name)),
            ("value", Value::text(value)),
            ("code", Value::text(code)),
        ])
    };
    let mut attributes = vec![attribute(kind_question, case.kind.name(lang), case.kind.code(), "kind")];
    // Answers chosen from fixed values; free text may say more than a public list should.
    let questions = cx.categories.iter().find(|c| c.code == case.category).map_or(&[][..], |c| &c.questions);
    for answer in &case.answers {
        if let Some(q) = questions.iter().find(|q| q.code == answer.code && !q.choices.is_empty()) {
            attributes.push(attribute(q.label(lang), q.answer_text(&answer.value, lang), &answer.value, &q.code));
        }
    }
    let extended = Value::Object(vec![
        ("channel", Value::text(case.channel.code())),
        ("photos", Value::List { item: "photo", items: photos.into_iter().map(Value::text).collect() }),
    ]);
    let notes = updates
        .iter()
        .filter_map(|u| {
            let (status, description) = public_view(&u.payload, u.kind, cx.english, &|n| cx.unit(n))?;
            Some(Value::Object(vec![
                ("datetime", w3c(u.at)),
                ("description", Value::text(description)),
                ("type", Value::text(status.code())),
            ]))
        })
        .collect();
    vec![
        ("attributes", Value::List { item: "attribute", items: attributes }),
        ("extended_attributes", extended),
        ("notes", Value::List { item: "note", items: notes }),
    ]
}

async fn requests_document(
    state: &AppState,
    format: Format,
    params: &Params,
    j: &store::Jurisdiction,
    query: store::PublicQuery,
    single: bool,
) -> Response {
    if let Some(off) = super::reads_off(state, format) {
        return off;
    }
    // Only what can be a case number is looked up: anything else (a NUL, say) names no case.
    let asked = query.numbers.clone().unwrap_or_default().join(",");
    let mut query = query;
    if let Some(numbers) = &mut query.numbers {
        numbers.retain(|n| n.parse::<domain::CaseNumber>().is_ok());
    }
    let none_asked = query.numbers.as_ref().is_some_and(Vec::is_empty);
    let cases = async { if none_asked { Ok(Vec::new()) } else { state.store.public_cases(&query).await } };
    let found = tokio::try_join!(cases, state.store.categories(&j.id), state.store.org_tree(&j.id));
    let (cases, categories, tree) = match found {
        Ok(found) => found,
        Err(e) => return internal(format, e),
    };
    if single && cases.is_empty() {
        let shown: String = asked.chars().filter(|c| !c.is_control()).collect();
        return error(StatusCode::NOT_FOUND, format, &format!("service_request_id {shown} not found"));
    }
    let notes = if params.extensions() && !cases.is_empty() {
        let query = store::PublicUpdatesQuery {
            jurisdiction: j.id.clone(),
            numbers: Some(cases.iter().map(|c| c.number.clone()).collect()),
            recorded: None,
            types: PUBLIC_EVENTS.to_vec(),
            limit: i64::MAX,
            offset: 0,
        };
        match state.store.public_updates(&query).await {
            Ok(updates) => {
                let mut by_case: HashMap<String, Vec<store::PublicUpdate>> = HashMap::new();
                for update in updates {
                    by_case.entry(update.number.clone()).or_default().push(update);
                }
                Some(by_case)
            }
            Err(e) => return internal(format, e),
        }
    } else {
        params.extensions().then(HashMap::new)
    };
    let base = state.config.public_url.trim_end_matches('/').to_owned();
    let metres = state.config.open311_position_metres;
    let cx = Context { categories, tree, base, jurisdiction: j.id.clone(), english: params.english(), metres, notes };
    let items = cases.iter().map(|c| request_value(c, &cx)).collect();
    respond(StatusCode::OK, format, "service_requests", &Value::List { item: "request", items })
}

/// `requests.{xml,json}`: the list (b.6).
pub(super) async fn list_requests(state: &AppState, format: Format, params: &Params) -> Response {
    let j = match jurisdiction(state, params, format).await {
        Ok(j) => j,
        Err(response) => return response,
    };
    match public_query(&j, &params.rest) {
        Ok(query) => requests_document(state, format, params, &j, query, false).await,
        Err(problem) => error(StatusCode::BAD_REQUEST, format, &problem),
    }
}

/// `requests/{id}.{xml,json}`: one request, still in a list (b.7); 404 when it does not exist
/// or is not public.
pub(super) async fn one_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let (number, format, j) = match super::of_jurisdiction(&state, &file, &params).await {
        Ok(found) => found,
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
