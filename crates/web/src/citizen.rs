//! The citizens' front door (issue 4): the submission form, the receipt, and following one's
//! own case through an unguessable link. Everything works without JavaScript.

use askama::Template;
use axum::extract::{ConnectInfo, Form, FromRequest, Multipart, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use domain::attachment::{self, Attachment, AttachmentError, Kind};
use domain::{
    Actor, CaseKind, CaseState, Category, ContactMethod, EventPayload, FieldError, NewEvent, Position, Submission,
    Submitter, SubmitterRole,
};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Deserialize;
use sha2::Sha256;
use std::net::SocketAddr;
use store::{ClockView, Jurisdiction, NewCase, OutboxMessage};

use crate::AppState;
use crate::auth::token_hash;
use crate::dates::{deadline, short};
use crate::files::FileStore;
use crate::i18n::{Lang, cookie};
use crate::pages::{MessagePage, render, server_error};

/// The cookie that holds the tracking token once the link has been followed (D2).
pub const TRACK_COOKIE: &str = "lyhord_track";
/// A human takes longer than this to fill in the form; a robot often does not.
const MIN_FILL_SECONDS: i64 = 3;

/// The municipality this installation serves on its public pages.
pub async fn home_jurisdiction(state: &AppState) -> Result<Option<Jurisdiction>, store::StoreError> {
    Ok(state.store.jurisdictions().await?.into_iter().next())
}

// --- The form ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct SubmitForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    identity: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    postal_address: String,
    #[serde(default)]
    contact_method: String,
    /// One per rendered form: a double click or a retry registers one case (I3).
    #[serde(default)]
    form_key: String,
    /// When the form was rendered (Unix seconds), for the minimum fill time.
    #[serde(default)]
    started: String,
    /// A field people never see; robots fill it in.
    #[serde(default)]
    website: String,
}

pub struct FormError {
    pub field: &'static str,
    pub message: String,
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

pub struct ContactField {
    pub field: &'static str,
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub label: String,
    pub value: String,
}

pub struct CategoryGroup {
    pub label: String,
    pub categories: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    lang: Lang,
    path: String,
    municipality: String,
    form: SubmitForm,
    errors: Vec<FormError>,
    kinds: Vec<Choice>,
    groups: Vec<CategoryGroup>,
    roles: Vec<Choice>,
    methods: Vec<Choice>,
    contact_fields: Vec<ContactField>,
}

impl SubmitPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

fn choices<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str, name: impl Fn(T) -> &'static str) -> Vec<Choice> {
    all.iter().map(|v| Choice { value: code(*v).to_owned(), label: name(*v).to_owned() }).collect()
}

fn category_groups(categories: &[Category], lang: Lang) -> Vec<CategoryGroup> {
    let mut groups: Vec<CategoryGroup> = Vec::new();
    for c in categories {
        let label = c.group(lang.code()).to_owned();
        let choice = Choice { value: c.code.clone(), label: c.name(lang.code()).to_owned() };
        match groups.iter_mut().find(|g| g.label == label) {
            Some(group) => group.categories.push(choice),
            None => groups.push(CategoryGroup { label, categories: vec![choice] }),
        }
    }
    groups
}

fn contact_field(
    field: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: &str,
    lang: Lang,
) -> ContactField {
    ContactField { field, kind, autocomplete, label: lang.t(&format!("field-{field}")), value: value.to_owned() }
}

fn new_form_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

async fn form_page(
    state: &AppState,
    lang: Lang,
    j: &Jurisdiction,
    form: SubmitForm,
    errors: Vec<FormError>,
    status: StatusCode,
) -> Response {
    let categories = match state.store.categories(&j.id).await {
        Ok(categories) => categories,
        Err(e) => return server_error(lang, "/submit", e),
    };
    let l = lang.code();
    let page = SubmitPage {
        lang,
        path: "/submit".into(),
        municipality: j.name.clone(),
        errors,
        kinds: choices(CaseKind::ALL, |k| k.code(), |k| k.name(l)),
        groups: category_groups(&categories, lang),
        roles: choices(SubmitterRole::ALL, |r| r.code(), |r| r.name(l)),
        methods: choices(ContactMethod::ALL, |m| m.code(), |m| m.name(l)),
        contact_fields: vec![
            contact_field("name", "text", "name", &form.name, lang),
            contact_field("email", "email", "email", &form.email, lang),
            contact_field("phone", "tel", "tel", &form.phone, lang),
            contact_field("postal_address", "text", "street-address", &form.postal_address, lang),
        ],
        form,
    };
    render(&page, status)
}

fn not_set_up(lang: Lang) -> Response {
    let page = MessagePage {
        lang,
        path: "/".into(),
        heading: lang.t("start-not-configured-title"),
        text: lang.t("start-not-configured-text"),
    };
    render(&page, StatusCode::NOT_FOUND)
}

pub async fn submit_form(State(state): State<AppState>, lang: Lang) -> Response {
    let j = match home_jurisdiction(&state).await {
        Ok(Some(j)) => j,
        Ok(None) => return not_set_up(lang),
        Err(e) => return server_error(lang, "/submit", e),
    };
    let form = SubmitForm {
        identity: "named".into(),
        form_key: new_form_key(),
        started: Utc::now().timestamp().to_string(),
        ..SubmitForm::default()
    };
    form_page(&state, lang, &j, form, Vec::new(), StatusCode::OK).await
}

fn field_message(lang: Lang, e: &FieldError) -> FormError {
    FormError { field: e.field, message: lang.t(&format!("error-{}-{}", e.field, e.code)) }
}

fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The submission the form describes, or every problem with it.
fn read_form(
    form: &SubmitForm,
    j: &Jurisdiction,
    categories: &[Category],
    lang: Lang,
) -> Result<(Submission, String), Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = form.kind.parse::<CaseKind>().ok();
    if kind.is_none() {
        errors.push(FieldError::new("kind", "required"));
    }
    let category = categories.iter().find(|c| c.code == form.category);
    match (category, kind) {
        (None, _) => errors.push(FieldError::new("category", "required")),
        (Some(c), Some(k)) if !c.accepts(k) => errors.push(FieldError::new("category", "kind_not_accepted")),
        _ => {}
    }
    let anonymous = form.identity == "anonymous";
    let submitter = if anonymous {
        Submitter {
            anonymous: true,
            role: form.role.parse().ok(),
            name: text(&form.name),
            email: text(&form.email),
            phone: text(&form.phone),
            postal_address: text(&form.postal_address),
            contact_method: None,
        }
    } else {
        Submitter {
            anonymous: false,
            role: form.role.parse().ok(),
            name: text(&form.name),
            email: text(&form.email),
            phone: text(&form.phone),
            postal_address: text(&form.postal_address),
            contact_method: form.contact_method.parse().ok(),
        }
    };
    let submission = Submission {
        jurisdiction: j.id.clone(),
        kind: kind.unwrap_or(CaseKind::Synpunkt),
        channel: domain::Channel::Web,
        category: form.category.clone(),
        description: form.description.trim().to_owned(),
        place: text(&form.place),
        position: Position::parse(&form.latitude, &form.longitude).unwrap_or_else(|e| {
            errors.push(e);
            None
        }),
        submitter,
        language: lang.code().into(),
        attachments: Vec::new(),
    };
    if let Err(more) = submission.validate() {
        // The category's own check above is more precise than "required".
        errors.extend(more.into_iter().filter(|e| e.field != "category"));
    }
    match (errors.is_empty(), category) {
        (true, Some(c)) => Ok((submission, c.node_id.clone())),
        _ => Err(errors),
    }
}

/// A file part of the form, as received.
struct Upload {
    name: String,
    bytes: Vec<u8>,
}

/// Reads the form, as `multipart/form-data` (with files) or URL-encoded (without).
async fn read_request<T: serde::de::DeserializeOwned + Default>(
    state: &AppState,
    request: Request,
) -> Result<(T, Vec<Upload>), Response> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(form) = Form::<T>::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        return Ok((form, Vec::new()));
    }
    let mut multipart = Multipart::from_request(request, state).await.map_err(IntoResponse::into_response)?;
    let mut fields = serde_json::Map::new();
    let mut uploads = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(IntoResponse::into_response)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "attachments" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(IntoResponse::into_response)?;
            // Browsers send an empty part when no file was chosen.
            if !(file_name.is_empty() && bytes.is_empty()) {
                uploads.push(Upload { name: file_name, bytes: bytes.to_vec() });
            }
        } else {
            let value = field.text().await.map_err(IntoResponse::into_response)?;
            fields.insert(name, serde_json::Value::String(value));
        }
    }
    let form = serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default();
    Ok((form, uploads))
}

/// A file that passed the checks, ready to store.
struct CheckedFile {
    name: String,
    kind: Kind,
    bytes: Vec<u8>,
}

/// Checks the files; every problem is named with its limit (E3).
fn check_uploads(uploads: &[Upload]) -> Result<Vec<CheckedFile>, Vec<FieldError>> {
    if uploads.len() > attachment::MAX_FILES {
        return Err(vec![FieldError::new("attachments", "too_many")]);
    }
    let mut checked = Vec::new();
    let mut errors = Vec::new();
    for upload in uploads {
        match attachment::prepare(&upload.bytes) {
            Ok((kind, bytes)) => {
                checked.push(CheckedFile { name: attachment::safe_name(&upload.name, kind), kind, bytes })
            }
            Err(AttachmentError::WrongType) => errors.push(FieldError::new("attachments", "wrong_type")),
            Err(AttachmentError::TooLarge) => errors.push(FieldError::new("attachments", "too_large")),
            Err(AttachmentError::Damaged) => errors.push(FieldError::new("attachments", "damaged")),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        errors.dedup();
        Err(errors)
    }
}

/// Stores checked files durably, before the case that refers to them is committed.
async fn store_files(state: &AppState, checked: Vec<CheckedFile>) -> std::io::Result<Vec<Attachment>> {
    let files = FileStore::new(&state.config.attachments_dir);
    tokio::task::spawn_blocking(move || {
        checked
            .into_iter()
            .map(|file| {
                let sha256 = files.put(&file.bytes)?;
                let content_type = file.kind.content_type().to_owned();
                Ok(Attachment { sha256, name: file.name, content_type, size: file.bytes.len() as u64 })
            })
            .collect()
    })
    .await
    .map_err(std::io::Error::other)?
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    request: Request,
) -> Response {
    let now = Utc::now();
    let j = match home_jurisdiction(&state).await {
        Ok(Some(j)) => j,
        Ok(None) => return not_set_up(lang),
        Err(e) => return server_error(lang, "/submit", e),
    };
    let (form, uploads) = match read_request(&state, request).await {
        Ok(read) => read,
        Err(rejection) => return rejection,
    };
    if let Some(reason) = suspicion(&state, &form, peer, now) {
        return quarantine(&state, lang, &j, &form, reason).await;
    }
    let categories = match state.store.categories(&j.id).await {
        Ok(categories) => categories,
        Err(e) => return server_error(lang, "/submit", e),
    };
    let checked = check_uploads(&uploads);
    let read = read_form(&form, &j, &categories, lang);
    let (checked, (submission, node_id)) = match (checked, read) {
        (Ok(checked), Ok(read)) => (checked, read),
        (checked, read) => {
            let mut errors: Vec<FormError> =
                read.err().unwrap_or_default().iter().map(|e| field_message(lang, e)).collect();
            match checked {
                Err(file_errors) => errors.extend(file_errors.iter().map(|e| field_message(lang, e))),
                // Files cannot be put back into a form: say so rather than lose them quietly.
                Ok(_) if !uploads.is_empty() => {
                    errors.push(FormError { field: "attachments", message: lang.t("error-attachments-again") })
                }
                Ok(_) => {}
            }
            return form_page(&state, lang, &j, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let attachments = match store_files(&state, checked).await {
        Ok(attachments) => attachments,
        Err(e) => return server_error(lang, "/submit", e),
    };
    let submission = Submission { attachments, ..submission };
    let email = submission.submitter.email.clone();
    let case = NewCase {
        submission,
        node_id,
        received_at: now,
        idempotency_key: text(&form.form_key).map(|k| format!("web:{k}")),
        actor: Actor::Citizen,
    };
    let receipt = match state.store.submit(case).await {
        Ok(receipt) => receipt,
        Err(e) => return server_error(lang, "/submit", e),
    };
    let token = match tracking_token(&state, receipt.case_id).await {
        Ok(token) => token,
        Err(e) => return server_error(lang, "/submit", e),
    };
    let page = match receipt_page(&state, lang, receipt.case_id, &token).await {
        Ok(page) => page,
        Err(e) => return server_error(lang, "/submit", e),
    };
    if let Some(recipient) = email {
        let message = OutboxMessage {
            case_id: receipt.case_id,
            purpose: "receipt".into(),
            recipient,
            subject: lang.t_with("receipt-mail-subject", &[("number", page.number.clone())]),
            body: page.as_text(),
            created_at: now,
            sent_at: None,
        };
        if let Err(e) = state.store.enqueue(&message).await {
            // The case is registered and the citizen has the receipt on screen.
            tracing::error!(error = %e, case = %receipt.case_id, "receipt e-mail not queued");
        }
    }
    render(&page, StatusCode::OK)
}

/// Why a submission looks automated, if it does (E6).
fn suspicion(
    state: &AppState,
    form: &SubmitForm,
    peer: SocketAddr,
    now: chrono::DateTime<Utc>,
) -> Option<&'static str> {
    if !form.website.trim().is_empty() {
        return Some("honeypot field filled in");
    }
    match form.started.parse::<i64>() {
        Ok(started) if now.timestamp() - started < MIN_FILL_SECONDS => return Some("form filled in too fast"),
        Err(_) => return Some("form not rendered by this site"),
        Ok(_) => {}
    }
    if !state.submit_limiter.allow(&peer.ip().to_string()) {
        return Some("too many submissions from one address");
    }
    None
}

/// Keeps everything that was sent for staff to look at, and says so kindly.
async fn quarantine(state: &AppState, lang: Lang, j: &Jurisdiction, form: &SubmitForm, reason: &str) -> Response {
    let payload = serde_json::to_string(form).unwrap_or_default();
    if let Err(e) = state.store.quarantine(&j.id, Utc::now(), reason, &payload).await {
        return server_error(lang, "/submit", e);
    }
    tracing::warn!(reason, "submission quarantined");
    let page = MessagePage {
        lang,
        path: "/submit".into(),
        heading: lang.t("quarantine-title"),
        text: lang.t("quarantine-text"),
    };
    render(&page, StatusCode::ACCEPTED)
}

// --- Tracking links ---------------------------------------------------------------------

/// The case's tracking token: an HMAC of its id under a server secret, so that a retried
/// submission shows the same link again while only the token's hash is stored (D1).
async fn tracking_token(state: &AppState, case_id: uuid::Uuid) -> Result<String, store::StoreError> {
    let mut candidate = [0u8; 32];
    rand::rng().fill_bytes(&mut candidate);
    let key = state.store.secret("tracking-links", &candidate).await?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(case_id.as_bytes());
    let token = hex::encode(mac.finalize().into_bytes());
    state.store.add_tracking_token(case_id, &token_hash(&token), Utc::now()).await?;
    Ok(token)
}

fn track_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    // Lax: the link arrives from an e-mail, another site's top-level navigation.
    format!("{TRACK_COOKIE}={token}; Path=/track; HttpOnly; SameSite=Lax{secure}")
}

/// Exchanges the link for a cookie and continues at an address without the token (D2).
pub async fn follow_link(State(state): State<AppState>, lang: Lang, Path(token): Path<String>) -> Response {
    if !valid_token_shape(&token) {
        return link_not_valid(lang);
    }
    match state.store.case_by_tracking_token(&token_hash(&token)).await {
        Ok(Some(_)) => {
            let cookie = track_cookie(&token, state.config.cookie_secure);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/track")).into_response()
        }
        Ok(None) => link_not_valid(lang),
        Err(e) => server_error(lang, "/track", e),
    }
}

fn valid_token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn link_not_valid(lang: Lang) -> Response {
    let page = MessagePage {
        lang,
        path: "/track".into(),
        heading: lang.t("track-invalid-title"),
        text: lang.t("track-invalid-text"),
    };
    render(&page, StatusCode::NOT_FOUND)
}

/// The case whose link this browser has followed, if any.
async fn followed_case(state: &AppState, parts: &Parts) -> Result<Option<CaseState>, store::StoreError> {
    match cookie(parts, TRACK_COOKIE).filter(|t| valid_token_shape(t)) {
        Some(token) => state.store.case_by_tracking_token(&token_hash(token)).await,
        None => Ok(None),
    }
}

// --- Receipt and tracking page ----------------------------------------------------------

pub struct ClockLine {
    pub name: String,
    pub due: String,
    pub state: String,
}

pub struct TimelineEntry {
    pub when: String,
    pub what: String,
    pub text: Option<String>,
}

/// Who handles the case and where, as the citizen is told.
struct Handling {
    unit: String,
    responsible: Option<String>,
}

async fn handling(state: &AppState, case: &CaseState) -> Result<Handling, store::StoreError> {
    let tree = state.store.org_tree(&case.jurisdiction).await?;
    let unit = tree.display_path(&case.node_id).unwrap_or_else(|_| case.node_id.clone());
    let responsible = tree.responsible(&case.node_id).ok().flatten().and_then(|n| n.manager_name.clone());
    Ok(Handling { unit, responsible })
}

fn clock_lines(clocks: &[ClockView], lang: Lang) -> Vec<ClockLine> {
    clocks
        .iter()
        .map(|c| ClockLine {
            name: if lang == Lang::En { c.name_en.clone() } else { c.name_sv.clone() },
            due: deadline(c.due_at, lang),
            state: lang.t(&format!("clock-{}", c.state.code())),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    lang: Lang,
    path: String,
    pub number: String,
    unit: String,
    responsible: Option<String>,
    clocks: Vec<ClockLine>,
    link: String,
    anonymous: bool,
    attachments: Vec<String>,
}

impl ReceiptPage {
    /// The same receipt as plain text, for the e-mail (issue 7 sends it).
    pub fn as_text(&self) -> String {
        let lang = self.lang;
        let mut text = format!(
            "{}\n\n{}: {}\n{}: {}\n",
            lang.t("receipt-title"),
            lang.t("receipt-number"),
            self.number,
            lang.t("receipt-unit"),
            self.unit
        );
        if let Some(responsible) = &self.responsible {
            text.push_str(&format!("{}: {responsible}\n", lang.t("receipt-responsible")));
        }
        text.push('\n');
        for clock in &self.clocks {
            text.push_str(&format!("{}: {}\n", clock.name, clock.due));
        }
        text.push_str(&format!("\n{}\n{}\n", lang.t("receipt-link-intro"), self.link));
        text
    }
}

async fn receipt_page(
    state: &AppState,
    lang: Lang,
    case_id: uuid::Uuid,
    token: &str,
) -> Result<ReceiptPage, store::StoreError> {
    let case = state.store.case(case_id).await?.ok_or(store::StoreError::NotFound)?;
    let handling = handling(state, &case).await?;
    let clocks = state.store.clocks(case_id, Utc::now()).await?;
    let events = state.store.events(case_id).await?;
    let attachments = match events.first().map(|e| e.payload()).transpose()? {
        Some(EventPayload::Received { submission, .. }) => submission.attachments.into_iter().map(|a| a.name).collect(),
        _ => Vec::new(),
    };
    Ok(ReceiptPage {
        lang,
        path: "/submit".into(),
        number: case.number.clone(),
        unit: handling.unit,
        responsible: handling.responsible,
        clocks: clock_lines(&clocks, lang),
        link: format!("{}/track/{token}", state.config.public_url.trim_end_matches('/')),
        anonymous: case.anonymous,
        attachments,
    })
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    lang: Lang,
    path: String,
    number: String,
    status: String,
    unit: String,
    responsible: Option<String>,
    clocks: Vec<ClockLine>,
    timeline: Vec<TimelineEntry>,
    can_reopen: bool,
    error: Option<String>,
    message: String,
    attachments: Vec<Attachment>,
}

/// What the citizen may see of an event; internal notes and routing details are not shown.
fn public_entry(
    at: chrono::DateTime<Utc>,
    payload: &EventPayload,
    lang: Lang,
    unit_of: &dyn Fn(&str) -> String,
) -> Option<TimelineEntry> {
    use EventPayload as P;
    let entry = |key: &str, text: Option<String>| TimelineEntry { when: short(at), what: lang.t(key), text };
    Some(match payload {
        P::Received { .. } => entry("event-received", None),
        P::Assigned { node_id, .. } => TimelineEntry {
            when: short(at),
            what: lang.t_with("event-assigned", &[("unit", unit_of(node_id))]),
            text: None,
        },
        P::WorkStarted => entry("event-work-started", None),
        P::InformationRequested { message } => entry("event-information-requested", Some(message.clone())),
        P::CitizenMessage { message, attachments } => {
            let names: Vec<&str> = attachments.iter().map(|a| a.name.as_str()).collect();
            let text = match (message.is_empty(), names.is_empty()) {
                (_, true) => message.clone(),
                (true, false) => format!("[{}]", names.join(", ")),
                (false, false) => format!("{message}\n[{}]", names.join(", ")),
            };
            entry("event-citizen-message", Some(text))
        }
        P::Answered { message } => entry("event-answered", Some(message.clone())),
        P::CitizenInformed { message } => entry("event-citizen-informed", Some(message.clone())),
        P::DecisionPromised { expected_by, message, .. } => TimelineEntry {
            when: short(at),
            what: lang.t_with("event-decision-promised", &[("date", expected_by.to_string())]),
            text: Some(message.clone()),
        },
        P::FixPromised { what, when, who } => TimelineEntry {
            when: short(at),
            what: lang.t_with("event-fix-promised", &[("date", when.to_string()), ("who", who.clone())]),
            text: Some(what.clone()),
        },
        P::ContactLogged { method, occurred_at, .. } => TimelineEntry {
            when: short(*occurred_at),
            what: lang.t_with("event-contact", &[("method", method.name(lang.code()).to_lowercase())]),
            text: None,
        },
        P::Closed { summary } => entry("event-closed", Some(summary.clone())),
        P::Reopened { .. } => entry("event-reopened", None),
        P::Classified { .. } | P::NoteAdded { .. } => return None,
    })
}

async fn track_page(
    state: &AppState,
    lang: Lang,
    case: &CaseState,
    error: Option<String>,
    message: String,
    status: StatusCode,
) -> Response {
    let built = async {
        let handling = handling(state, case).await?;
        let clocks = state.store.clocks(case.id, Utc::now()).await?;
        let events = state.store.events(case.id).await?;
        let tree = state.store.org_tree(&case.jurisdiction).await?;
        let unit_of = |id: &str| tree.display_path(id).unwrap_or_else(|_| id.to_owned());
        let mut timeline = Vec::new();
        let mut attachments = Vec::new();
        for event in &events {
            let payload = event.payload()?;
            attachments.extend(attachments_of(&payload).iter().cloned());
            if let Some(entry) = public_entry(event.at(), &payload, lang, &unit_of) {
                timeline.push(entry);
            }
        }
        Ok::<_, store::StoreError>(TrackPage {
            lang,
            path: "/track".into(),
            number: case.number.clone(),
            status: if lang == Lang::En { case.status.name_en() } else { case.status.name_sv() }.to_owned(),
            unit: handling.unit,
            responsible: handling.responsible,
            clocks: clock_lines(&clocks, lang),
            timeline,
            can_reopen: matches!(case.status, domain::Status::Answered | domain::Status::Closed),
            error,
            message,
            attachments,
        })
    };
    match built.await {
        Ok(page) => render(&page, status),
        Err(e) => server_error(lang, "/track", e),
    }
}

pub async fn track(State(state): State<AppState>, lang: Lang, parts: Parts) -> Response {
    match followed_case(&state, &parts).await {
        Ok(Some(case)) => track_page(&state, lang, &case, None, String::new(), StatusCode::OK).await,
        Ok(None) => link_not_valid(lang),
        Err(e) => server_error(lang, "/track", e),
    }
}

/// The files an event brought to the case.
fn attachments_of(payload: &EventPayload) -> &[Attachment] {
    match payload {
        EventPayload::Received { submission, .. } => &submission.attachments,
        EventPayload::CitizenMessage { attachments, .. } => attachments,
        _ => &[],
    }
}

/// A file of the followed case, offered for download only (never shown inline: E3).
pub async fn download(State(state): State<AppState>, lang: Lang, parts: Parts, Path(sha256): Path<String>) -> Response {
    let case = match followed_case(&state, &parts).await {
        Ok(Some(case)) => case,
        Ok(None) => return link_not_valid(lang),
        Err(e) => return server_error(lang, "/track", e),
    };
    let attachment = match state.store.events(case.id).await {
        Ok(events) => events
            .iter()
            .filter_map(|e| e.payload().ok())
            .find_map(|p| attachments_of(&p).iter().find(|a| a.sha256 == sha256).cloned()),
        Err(e) => return server_error(lang, "/track", e),
    };
    let Some(attachment) = attachment else {
        return link_not_valid(lang);
    };
    let files = FileStore::new(&state.config.attachments_dir);
    match tokio::task::spawn_blocking(move || files.get(&sha256)).await {
        Ok(Ok(bytes)) => {
            let disposition = format!("attachment; filename=\"{}\"", attachment.name.replace(['"', '\\'], "_"));
            (
                [
                    (header::CONTENT_TYPE, attachment.content_type),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(Err(e)) => server_error(lang, "/track", e),
        Err(e) => server_error(lang, "/track", e),
    }
}

#[derive(Default, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    message: String,
}

pub async fn add_message(State(state): State<AppState>, lang: Lang, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let case = match followed_case(&state, &parts).await {
        Ok(Some(case)) => case,
        Ok(None) => return link_not_valid(lang),
        Err(e) => return server_error(lang, "/track", e),
    };
    let (form, uploads) = match read_request::<MessageForm>(&state, Request::from_parts(parts, body)).await {
        Ok(read) => read,
        Err(rejection) => return rejection,
    };
    let message = form.message.trim().to_owned();
    let problem = if message.is_empty() && uploads.is_empty() {
        Some(lang.t("error-message-required"))
    } else if message.chars().count() > domain::submission::MAX_DESCRIPTION_CHARS {
        Some(lang.t("error-message-too_long"))
    } else {
        None
    };
    let checked = match (problem, check_uploads(&uploads)) {
        (None, Ok(checked)) => checked,
        (Some(problem), _) => {
            return track_page(&state, lang, &case, Some(problem), form.message, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
        (None, Err(errors)) => {
            let problem = errors.first().map(|e| field_message(lang, e).message);
            return track_page(&state, lang, &case, problem, form.message, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let attachments = match store_files(&state, checked).await {
        Ok(attachments) => attachments,
        Err(e) => return server_error(lang, "/track", e),
    };
    let event = NewEvent::new(Utc::now(), Actor::Citizen, EventPayload::CitizenMessage { message, attachments });
    match state.store.append(case.id, event).await {
        Ok(_) => Redirect::to("/track").into_response(),
        Err(e) => server_error(lang, "/track", e),
    }
}

pub async fn not_solved(
    State(state): State<AppState>,
    lang: Lang,
    parts: Parts,
    Form(form): Form<MessageForm>,
) -> Response {
    let case = match followed_case(&state, &parts).await {
        Ok(Some(case)) => case,
        Ok(None) => return link_not_valid(lang),
        Err(e) => return server_error(lang, "/track", e),
    };
    let reason = form.message.trim().to_owned();
    let event = NewEvent::new(Utc::now(), Actor::Citizen, EventPayload::Reopened { reason: reason.clone() });
    match state.store.append(case.id, event).await {
        Ok(_) if reason.is_empty() => Redirect::to("/track").into_response(),
        // The reason is also a message the handler should read.
        Ok(_) => {
            let message = NewEvent::new(
                Utc::now(),
                Actor::Citizen,
                EventPayload::CitizenMessage { message: reason, attachments: vec![] },
            );
            match state.store.append(case.id, message).await {
                Ok(_) => Redirect::to("/track").into_response(),
                Err(e) => server_error(lang, "/track", e),
            }
        }
        Err(store::StoreError::Projection(_)) => {
            track_page(&state, lang, &case, Some(lang.t("error-not-solved-open")), String::new(), StatusCode::CONFLICT)
                .await
        }
        Err(e) => server_error(lang, "/track", e),
    }
}

// --- Information pages ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "paper_form.html")]
struct PaperFormPage {
    lang: Lang,
    path: String,
    municipality: String,
    kinds: Vec<Choice>,
    groups: Vec<CategoryGroup>,
    roles: Vec<Choice>,
    methods: Vec<Choice>,
    ways: Vec<String>,
}

/// The same form on paper, for reception desks and libraries (S5). Printing it leaves out
/// the site's navigation.
pub async fn paper_form(State(state): State<AppState>, lang: Lang) -> Response {
    let j = match home_jurisdiction(&state).await {
        Ok(Some(j)) => j,
        Ok(None) => return not_set_up(lang),
        Err(e) => return server_error(lang, "/paper-form", e),
    };
    let categories = match state.store.categories(&j.id).await {
        Ok(categories) => categories,
        Err(e) => return server_error(lang, "/paper-form", e),
    };
    let l = lang.code();
    let mut ways = vec![lang.t("paper-way-desk")];
    if let Some(address) = &j.visiting_address {
        ways.push(lang.t1("paper-way-post", "address", address));
    }
    if let Some(email) = &j.email {
        ways.push(lang.t1("paper-way-scan", "email", email));
    }
    let page = PaperFormPage {
        lang,
        path: "/paper-form".into(),
        municipality: j.name.clone(),
        kinds: choices(CaseKind::ALL, |k| k.code(), |k| k.name(l)),
        groups: category_groups(&categories, lang),
        roles: choices(SubmitterRole::ALL, |r| r.code(), |r| r.name(l)),
        methods: choices(ContactMethod::ALL, |m| m.code(), |m| m.name(l)),
        ways,
    };
    render(&page, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    lang: Lang,
    path: String,
    municipality: String,
    contact: Option<String>,
}

pub async fn privacy(State(state): State<AppState>, lang: Lang) -> Response {
    match home_jurisdiction(&state).await {
        Ok(j) => {
            let (municipality, contact) = j.map_or((String::new(), None), |j| (j.name, j.email));
            render(&PrivacyPage { lang, path: "/privacy".into(), municipality, contact }, StatusCode::OK)
        }
        Err(e) => server_error(lang, "/privacy", e),
    }
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    lang: Lang,
    path: String,
    municipality: String,
    contact: Option<String>,
}

pub async fn accessibility(State(state): State<AppState>, lang: Lang) -> Response {
    match home_jurisdiction(&state).await {
        Ok(j) => {
            let (municipality, contact) = j.map_or((String::new(), None), |j| (j.name, j.email));
            render(&AccessibilityPage { lang, path: "/accessibility".into(), municipality, contact }, StatusCode::OK)
        }
        Err(e) => server_error(lang, "/accessibility", e),
    }
}
