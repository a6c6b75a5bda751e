//! The submission form and what happens when it is sent.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use domain::{
    Actor, CaseKind, Category, Channel, ContactMethod, FieldError, Position, Submission, Submitter, SubmitterRole,
};
use rand::RngCore;
use serde::Deserialize;
use store::Jurisdiction;

use super::tracking::{ReceiptPage, receipt_page};
use super::uploads::read_request;
use super::*;
use crate::AppState;
use crate::error::PageError;
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormError, FormState, render};
use crate::security::ClientAddr;
use app::intake::{check_uploads, store_files};

/// A human takes longer than this to fill in the form; a robot often does not.
const MIN_FILL_SECONDS: i64 = 3;

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
    /// How it reached the municipality, when staff register it (phone, visit, letter, e-mail).
    #[serde(default)]
    pub channel: String,
    /// One per rendered form: a double click or a retry registers one case (I3).
    #[serde(default)]
    pub(crate) form_key: String,
    /// When the form was rendered (Unix seconds), for the minimum fill time.
    #[serde(default)]
    started: String,
    /// The site's seal over `form_key` and `started` (neither can be made up).
    #[serde(default)]
    pub(crate) form_seal: String,
    /// The sender was told the text seems to hold a personnummer and sends it anyway.
    #[serde(default)]
    personal_number_ok: String,
    /// A field people never see; robots fill it in.
    #[serde(default)]
    website: String,
    /// The category whose extra questions the form showed: they are asked before sending.
    #[serde(default)]
    questions_for: String,
    /// Everything else; the answers to the category's questions are the `q_{code}` fields.
    #[serde(flatten)]
    others: std::collections::BTreeMap<String, String>,
}

impl SubmitForm {
    fn answer(&self, code: &str) -> Option<&str> {
        self.others.get(&format!("q_{code}")).map(String::as_str)
    }
}

/// Whether the form must have shown a category's questions before it is taken: yes for the
/// people filling it in, no for a held submission staff register as it came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Questions {
    Asked,
    AsGiven,
}

/// One of the chosen category's extra questions, as the form shows it.
pub struct QuestionField {
    pub code: String,
    pub label: String,
    pub required: bool,
    /// Empty for free text.
    pub choices: Vec<Choice>,
    pub value: String,
    pub error: Option<String>,
}

pub struct ContactField {
    pub field: &'static str,
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "submit.html")]
pub(crate) struct SubmitPage {
    lang: Lang,
    path: String,
    /// Where the form is sent: the public form, or staff registering on a citizen's behalf.
    action: &'static str,
    heading: String,
    intro: String,
    /// The ways in staff choose from; empty on the public form.
    channels: Vec<Choice>,
    nav: Option<crate::staff_nav::StaffNav>,
    municipality: String,
    /// What was typed, shown again.
    typed: SubmitForm,
    /// The text seems to hold a personnummer: the sender may confirm sending it anyway.
    personal_number_in_text: bool,
    form: FormState,
    kinds: Vec<Choice>,
    groups: Vec<CategoryGroup>,
    roles: Vec<Choice>,
    methods: Vec<Choice>,
    contact_fields: Vec<ContactField>,
    /// The chosen category's name and its extra questions, if it has any.
    questions_of: String,
    questions: Vec<QuestionField>,
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

/// Who fills in the form: a citizen on the public page, or staff for a citizen.
pub(crate) enum Filler {
    Citizen,
    Staff(crate::staff_nav::StaffNav),
}

async fn form_page(
    state: &AppState,
    lang: Lang,
    j: &Jurisdiction,
    form: SubmitForm,
    errors: Vec<FormError>,
    status: StatusCode,
) -> Result<Response, PageError> {
    form_page_for(state, lang, j, Filler::Citizen, form, errors, status).await
}

pub(crate) async fn form_page_for(
    state: &AppState,
    lang: Lang,
    j: &Jurisdiction,
    filler: Filler,
    form: SubmitForm,
    errors: Vec<FormError>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let categories = state.store.categories(&j.id).await?;
    let l = lang.code();
    let (action, heading, intro, channels, nav) = match filler {
        Filler::Citizen => ("/submit", lang.t("submit-title"), lang.t("submit-intro"), Vec::new(), None),
        Filler::Staff(nav) => (
            "/staff/register",
            lang.t("register-title"),
            lang.t("register-intro"),
            choices(STAFF_CHANNELS, |c| c.code(), |c| c.name(l)),
            Some(nav),
        ),
    };
    let (questions_of, questions) = question_fields(&categories, &form, &errors, lang);
    // Sealed as shown: a form sent back with its problems keeps its key and its start.
    let form = SubmitForm { form_seal: app::intake::form_seal(state, &form.form_key, &form.started).await?, ..form };
    let page = SubmitPage {
        lang,
        path: action.into(),
        action,
        heading,
        intro,
        channels,
        nav,
        municipality: j.name.clone(),
        form: FormState::with_errors(errors),
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
        questions_of,
        questions,
        personal_number_in_text: !domain::publication::personal_numbers(&form.description).is_empty(),
        typed: form,
    };
    Ok(render(&page, status))
}

/// The chosen category's questions with what was answered, and each answer's problem once
/// the form has been sent with them.
fn question_fields(
    categories: &[Category],
    form: &SubmitForm,
    errors: &[FormError],
    lang: Lang,
) -> (String, Vec<QuestionField>) {
    let Some(category) = categories.iter().find(|c| c.code == form.category) else {
        return (String::new(), Vec::new());
    };
    let l = lang.code();
    let sent = form.questions_for == category.code && errors.iter().any(|e| e.field == "questions");
    let problems = if sent { category.read_answers(|code| form.answer(code)).1 } else { Vec::new() };
    let fields = category
        .questions
        .iter()
        .map(|q| QuestionField {
            code: q.code.clone(),
            label: q.label(l).to_owned(),
            required: q.required,
            choices: q.choices.iter().map(|c| Choice { value: c.key.clone(), label: c.name(l).to_owned() }).collect(),
            value: form.answer(&q.code).unwrap_or_default().to_owned(),
            error: problems
                .iter()
                .find(|(code, _)| *code == q.code)
                .map(|(_, problem)| lang.t(&format!("error-question-{problem}"))),
        })
        .collect();
    (category.name(l).to_owned(), fields)
}

/// The ways in staff register for a citizen (the web and the API register themselves).
pub(crate) const STAFF_CHANNELS: &[Channel] =
    &[Channel::Phone, Channel::PhoneMessage, Channel::Visit, Channel::Letter, Channel::Email];

pub(crate) fn new_form(identity: &str) -> SubmitForm {
    SubmitForm {
        identity: identity.into(),
        form_key: new_form_key(),
        started: Utc::now().timestamp().to_string(),
        ..SubmitForm::default()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FormParams {
    /// A category chosen before the form (a link from elsewhere): its questions show at once.
    #[serde(default)]
    category: String,
}

pub async fn submit_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    axum::extract::Query(params): axum::extract::Query<FormParams>,
) -> Result<Response, PageError> {
    let j = match home_jurisdiction(&state).await {
        Ok(Some(j)) => j,
        Ok(None) => return Ok(not_set_up(lang)),
        Err(e) => return Err(e.into()),
    };
    let form = SubmitForm { category: params.category, ..new_form("named") };
    form_page(&state, lang, &j, form, Vec::new(), StatusCode::OK).await
}

/// The submission the form describes, or every problem with it.
pub(crate) fn read_form(
    form: &SubmitForm,
    j: &Jurisdiction,
    categories: &[Category],
    lang: Lang,
    channel: Channel,
    asking: Questions,
) -> Result<(Submission, domain::NodeId), Vec<FieldError>> {
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
    let answers = match category.filter(|c| !c.questions.is_empty()) {
        None => Vec::new(),
        // The category's questions are shown first, and then checked.
        Some(c) if asking == Questions::Asked && form.questions_for != c.code => {
            errors.push(FieldError::new("questions", "unanswered"));
            Vec::new()
        }
        Some(c) => match c.read_answers(|code| form.answer(code)) {
            (_, problems) if asking == Questions::Asked && !problems.is_empty() => {
                errors.push(FieldError::new("questions", "invalid"));
                Vec::new()
            }
            // A held submission keeps the answers that can be used.
            (answers, _) => answers,
        },
    };
    let anonymous = form.identity == "anonymous";
    // Anonymous forms keep what was typed in the contact fields, so that validation can
    // name it at its field instead of dropping it (A5).
    let submitter = Submitter {
        anonymous,
        role: form.role.parse().ok(),
        name: text(&form.name),
        email: text(&form.email),
        phone: text(&form.phone),
        postal_address: text(&form.postal_address),
        contact_method: if anonymous { None } else { form.contact_method.parse().ok() },
    };
    let submission = Submission {
        jurisdiction: j.id.clone(),
        kind: kind.unwrap_or(CaseKind::Synpunkt),
        channel,
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
        media_url: None,
        answers,
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

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageLang(lang): PageLang,
    request: Request,
) -> Result<Response, PageError> {
    let now = Utc::now();
    let j = match home_jurisdiction(&state).await {
        Ok(Some(j)) => j,
        Ok(None) => return Ok(not_set_up(lang)),
        Err(e) => return Err(e.into()),
    };
    let (form, uploads): (SubmitForm, _) = match read_request(&state, request).await {
        Ok(read) => read,
        Err(rejection) => return Ok(rejection),
    };
    let sealed = app::intake::form_seal_holds(&state, &form.form_key, &form.started, &form.form_seal).await?;
    if let Some(reason) = suspicion(&state, &form, sealed, client, now) {
        // Nothing received is lost: the files that pass the checks are kept with it.
        let kept = uploads
            .iter()
            .filter_map(|u| check_uploads(std::slice::from_ref(u)).ok())
            .flatten()
            .take(domain::attachment::MAX_FILES)
            .collect();
        let files = store_files(&state, kept).await?;
        return quarantine(&state, lang, &j, &form, &files, reason).await;
    }
    let categories = state.store.categories(&j.id).await?;
    let checked = check_uploads(&uploads);
    let read = read_form(&form, &j, &categories, lang, Channel::Web, Questions::Asked);
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
    // Nobody needs to give a personnummer here; say so gently before anything is sent.
    if !domain::publication::personal_numbers(&submission.description).is_empty() && form.personal_number_ok != "on" {
        let mut errors = vec![FormError { field: "description", message: lang.t("warning-personal-number") }];
        if !uploads.is_empty() {
            errors.push(FormError { field: "attachments", message: lang.t("error-attachments-again") });
        }
        return form_page(&state, lang, &j, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let attachments = store_files(&state, checked).await?;
    let submission = Submission { attachments, ..submission };
    let key = text(&form.form_key).map(|k| format!("web:{k}"));
    Ok(match register_case(&state, lang, submission, node_id, key, Actor::Citizen, now).await {
        Ok((_, page)) => render(&page, StatusCode::OK),
        Err(e) => return Err(e.into()),
    })
}

/// Registers a case through the application's intake and builds the receipt page.
pub(crate) async fn register_case(
    state: &AppState,
    lang: Lang,
    submission: Submission,
    node_id: domain::NodeId,
    idempotency_key: Option<String>,
    actor: Actor,
    now: chrono::DateTime<Utc>,
) -> Result<(store::Receipt, ReceiptPage), store::StoreError> {
    let registered = app::intake::register(state, submission, node_id, idempotency_key, actor, now).await?;
    let page = receipt_page(state, lang, registered.receipt.case_id, &registered.token).await?;
    Ok((registered.receipt, page))
}

/// Why a submission looks automated, if it does (E6).
fn suspicion(
    state: &AppState,
    form: &SubmitForm,
    sealed: bool,
    client: std::net::IpAddr,
    now: chrono::DateTime<Utc>,
) -> Option<&'static str> {
    if !form.website.trim().is_empty() {
        return Some("honeypot field filled in");
    }
    if !sealed {
        return Some("form not rendered by this site");
    }
    match form.started.parse::<i64>() {
        Ok(started) if now.timestamp() - started < MIN_FILL_SECONDS => return Some("form filled in too fast"),
        Err(_) => return Some("form not rendered by this site"),
        Ok(_) => {}
    }
    if !state.submit_limiter.allow(&client.to_string()) {
        return Some("too many submissions from one address");
    }
    None
}

/// Keeps everything that was sent for staff to look at, and says so kindly.
#[derive(Template)]
#[template(path = "held_receipt.html")]
struct HeldPage {
    lang: Lang,
    path: String,
    received: String,
    reference: String,
}

async fn quarantine(
    state: &AppState,
    lang: Lang,
    j: &Jurisdiction,
    form: &SubmitForm,
    files: &[domain::attachment::Attachment],
    reason: &str,
) -> Result<Response, PageError> {
    let mut payload = serde_json::to_value(form).unwrap_or_default();
    if let (Some(fields), false) = (payload.as_object_mut(), files.is_empty()) {
        fields.insert(store::HELD_FILES.into(), serde_json::to_value(files).unwrap_or_default());
    }
    let payload = payload.to_string();
    let now = Utc::now();
    let held = state.store.quarantine(&j.id, now, reason, &payload).await?;
    tracing::warn!(jurisdiction = %j.id, %held, reason, "submission quarantined");
    // A receipt of its own: when it came (the time it is registered with when released, A1)
    // and a reference, though it has no case number yet.
    let page = HeldPage {
        lang,
        path: "/submit".into(),
        received: app::dates::short(now),
        reference: app::intake::held_reference(held),
    };
    Ok(render(&page, StatusCode::ACCEPTED))
}
