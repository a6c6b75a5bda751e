//! Submissions held back as suspected spam (E6): the kontaktcenter looks at each and either
//! registers it as the case it was meant to be, with its original time of receipt, or sets it
//! aside. Nothing is deleted either way.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use domain::{Actor, Channel, Submission};
use domain::{CaseId, HeldSubmissionId};
use store::{QuarantineDecision, Quarantined};

use super::{Desk, StaffNav};
use crate::AppState;
use crate::auth::Staff;
use crate::citizen::{Questions, SubmitForm, field_message, read_form};
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{message_page, render};
use app::dates::short;

pub(super) const PATH: &str = "/staff/quarantine";

pub struct Held {
    id: String,
    /// The reference the sender was given.
    reference: String,
    received: String,
    reason: String,
    summary: Vec<(String, String)>,
}

/// A received e-mail message held for staff.
pub struct HeldMail {
    id: String,
    received: String,
    sender: String,
    subject: String,
    reason: String,
}

pub struct Decided {
    received: String,
    resolution: String,
    case: Option<String>,
}

#[derive(Template)]
#[template(path = "staff_quarantine.html")]
struct QuarantinePage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    held: Vec<Held>,
    mail: Vec<HeldMail>,
    decided: Vec<Decided>,
    problem: Option<(String, String)>,
}

pub(super) async fn open(state: &AppState, user: store::User) -> Result<Desk, PageError> {
    let desk = Desk::open(state, user).await?;
    if !desk.access().can_triage_quarantine() {
        return Err(Error::Forbidden.into());
    }
    Ok(desk)
}

fn summary(q: &Quarantined, lang: Lang) -> Vec<(String, String)> {
    let form: serde_json::Value = serde_json::from_str(&q.payload).unwrap_or_default();
    let mut lines: Vec<(String, String)> = ["kind", "category", "description", "place", "name", "email", "phone"]
        .iter()
        .filter_map(|field| {
            let value = form.get(field)?.as_str()?.trim();
            (!value.is_empty()).then(|| (lang.t(&format!("held-field-{field}")), value.to_owned()))
        })
        .collect();
    let files: Vec<String> = store::held_files(&q.payload).into_iter().map(|a| a.name).collect();
    if !files.is_empty() {
        lines.push((lang.t("held-field-files"), files.join(", ")));
    }
    lines
}

pub(super) async fn page(
    state: &AppState,
    lang: Lang,
    desk: &Desk,
    problem: Option<(String, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let j = &desk.user.jurisdiction;
    let (all, held_mail) = tokio::try_join!(state.store.quarantined(j), state.store.held_mail(j))?;
    let mail = held_mail
        .iter()
        .map(|m| HeldMail {
            id: m.id.to_string(),
            received: short(m.received_at),
            sender: m.sender.clone(),
            subject: m.subject.clone(),
            reason: m.reason.clone().unwrap_or_default(),
        })
        .collect();
    let held = all
        .iter()
        .filter(|q| q.resolution.is_none())
        .map(|q| Held {
            id: q.id.to_string(),
            reference: app::intake::held_reference(q.id),
            received: short(q.received_at),
            reason: q.reason.clone(),
            summary: summary(q, lang),
        })
        .collect();
    // The latest decisions only, and the case numbers of those alone.
    let mut decided = Vec::new();
    for q in all.iter().rev().filter(|q| q.resolution.is_some()).take(50) {
        let case = match q.case_id {
            Some(id) => match state.store.case(id).await {
                Ok(case) => case.map(|c| c.number),
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        decided.push(Decided {
            received: short(q.received_at),
            resolution: lang.t(&format!("held-{}", q.resolution.as_deref().unwrap_or("dismissed"))),
            case,
        });
    }
    let nav = StaffNav::new(desk, "quarantine");
    let view = QuarantinePage { lang, path: PATH.into(), nav, held, mail, decided, problem };
    Ok(render(&view, status))
}

pub async fn list(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let desk = open(&state, user).await?;
    page(&state, lang, &desk, None, StatusCode::OK).await
}

async fn held(state: &AppState, desk: &Desk, id: HeldSubmissionId) -> Result<Option<Quarantined>, store::StoreError> {
    let all = state.store.quarantined(&desk.user.jurisdiction).await?;
    Ok(all.into_iter().find(|q| q.id == id && q.resolution.is_none()))
}

/// Registers the submission as the case it was meant to be, received when it arrived.
pub async fn register(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<HeldSubmissionId>,
) -> Result<Response, PageError> {
    let desk = open(&state, user).await?;
    let q = held(&state, &desk, id).await?.ok_or(Error::NotFound)?;
    // The form as it was sent; the files kept with it are not among its fields.
    let mut sent: serde_json::Value = serde_json::from_str(&q.payload).unwrap_or_default();
    if let Some(fields) = sent.as_object_mut() {
        fields.remove(store::HELD_FILES);
    }
    let form: SubmitForm = serde_json::from_value(sent).unwrap_or_default();
    let j = desk.jurisdiction(&state).await?;
    let (submission, node_id) = match read_form(&form, &j, &desk.categories, Lang::Sv, Channel::Web, Questions::AsGiven)
    {
        // The files that came with it, kept while it was held.
        Ok((submission, node_id)) => (Submission { attachments: store::held_files(&q.payload), ..submission }, node_id),
        Err(errors) => {
            let reasons: Vec<String> = errors.iter().map(|e| field_message(lang, e).message).collect();
            let problem = (q.id.to_string(), lang.t1("held-cannot-register", "reasons", &reasons.join(" ")));
            return page(&state, lang, &desk, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    // The same key for the same held submission: two clicks register one case.
    let key = Some(format!("quarantine:{}", q.id));
    let actor = Actor::Staff { user_id: desk.user.id };
    let receipt = match app::intake::register(&state, submission, node_id, key, actor, q.received_at).await {
        Ok(registered) => registered.receipt,
        Err(e) => return Err(e.into()),
    };
    let registered = decision(&desk, "registered", Some(receipt.case_id));
    state.store.resolve_quarantine(&desk.user.jurisdiction, q.id, &registered).await?;
    Ok(Redirect::to(&format!("/staff/cases/{}?done=register#notice", receipt.number)).into_response())
}

/// A decision by this desk's user, now.
pub(super) fn decision(desk: &Desk, resolution: &'static str, case_id: Option<CaseId>) -> QuarantineDecision {
    QuarantineDecision { resolution, by: desk.user.id, case_id, at: Utc::now() }
}

/// Back to the list once something is set aside; 404 when it was decided before.
pub(super) fn set_aside(lang: Lang, recorded: Result<bool, store::StoreError>) -> Result<Response, PageError> {
    Ok(match recorded {
        Ok(true) => Redirect::to(PATH).into_response(),
        Ok(false) => message_page(lang, PATH, "not-found", StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    })
}

/// Sets a submission aside as spam; it stays stored.
pub async fn dismiss(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<HeldSubmissionId>,
) -> Result<Response, PageError> {
    let desk = open(&state, user).await?;
    let dismissed = decision(&desk, "dismissed", None);
    set_aside(lang, state.store.resolve_quarantine(&desk.user.jurisdiction, id, &dismissed).await)
}
