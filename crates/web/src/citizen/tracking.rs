//! The receipt, the tracking link and the tracking page.

use askama::Template;
use axum::extract::{Form, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use domain::attachment::Attachment;
use domain::{Actor, CaseState, EventPayload, NewEvent};
use serde::Deserialize;

use super::uploads::read_request;
use super::*;
use crate::AppState;
use crate::auth::token_hash;
use crate::error::PageError;
use crate::i18n::{Lang, PageLang, cookie};
use crate::pages::{message_page, render};
use app::dates::short;
use app::files::FileStore;
use app::intake::{ClockLine, ReceiptDetails, attachments_of, check_uploads, clock_lines, handling, store_files};

/// The cookie that holds the tracking token once the link has been followed (D2).
pub const TRACK_COOKIE: &str = "lyhord_track";

// --- Tracking links ---------------------------------------------------------------------

fn track_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    // Lax: the link arrives from an e-mail, another site's top-level navigation.
    format!("{TRACK_COOKIE}={token}; Path=/track; HttpOnly; SameSite=Lax{secure}")
}

/// Exchanges the link for a cookie and continues at an address without the token (D2).
pub async fn follow_link(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if !valid_token_shape(&token) {
        return Ok(link_not_valid(lang));
    }
    Ok(match state.store.case_by_tracking_token(&token_hash(&token)).await {
        Ok(Some(_)) => {
            let cookie = track_cookie(&token, state.config.cookie_secure);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/track")).into_response()
        }
        Ok(None) => link_not_valid(lang),
        Err(e) => return Err(e.into()),
    })
}

fn valid_token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn link_not_valid(lang: Lang) -> Response {
    message_page(lang, "/track", "track-invalid", StatusCode::NOT_FOUND)
}

/// The case whose link this browser has followed, if any.
async fn followed_case(state: &AppState, parts: &Parts) -> Result<Option<CaseState>, store::StoreError> {
    match cookie(parts, TRACK_COOKIE).filter(|t| valid_token_shape(t)) {
        Some(token) => state.store.case_by_tracking_token(&token_hash(token)).await,
        None => Ok(None),
    }
}

// --- Receipt and tracking page ----------------------------------------------------------

pub struct TimelineEntry {
    pub when: String,
    pub what: String,
    pub text: Option<String>,
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    lang: Lang,
    path: String,
    details: ReceiptDetails,
}

impl std::ops::Deref for ReceiptPage {
    type Target = ReceiptDetails;

    fn deref(&self) -> &ReceiptDetails {
        &self.details
    }
}

/// The receipt of a registered case as a page.
pub(crate) async fn receipt_page(
    state: &AppState,
    lang: Lang,
    case_id: domain::CaseId,
    token: &str,
) -> Result<ReceiptPage, store::StoreError> {
    let details = ReceiptDetails::of(state, lang, case_id, token).await?;
    Ok(ReceiptPage { lang, path: "/submit".into(), details })
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
    handler: Option<String>,
    clocks: Vec<ClockLine>,
    timeline: Vec<TimelineEntry>,
    can_reopen: bool,
    error: Option<String>,
    message: String,
    attachments: Vec<Attachment>,
}

/// What the citizen may see of an event; internal notes and routing details are not shown.
pub(crate) fn public_entry(
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
        // Where it went, not why: the reason is written for colleagues.
        P::Forwarded { node_id, .. } => TimelineEntry {
            when: short(at),
            what: lang.t_with("event-forwarded", &[("unit", unit_of(node_id))]),
            text: None,
        },
        P::ForwardedToAuthority { authority, message, .. } => TimelineEntry {
            when: short(at),
            what: lang.t_with("event-forwarded-to-authority", &[("authority", authority.clone())]),
            text: Some(message.clone()),
        },
        P::WorkStarted => entry("event-work-started", None),
        P::InformationRequested { message } => entry("event-information-requested", Some(message.clone())),
        P::CitizenMessage { message, attachments, .. } => {
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
            what: lang.t_with("event-decision-promised", &[("date", app::dates::day_in_words(*expected_by, lang))]),
            text: Some(message.clone()),
        },
        P::FixPromised { what, when, who } => TimelineEntry {
            when: short(at),
            what: lang
                .t_with("event-fix-promised", &[("date", app::dates::day_in_words(*when, lang)), ("who", who.clone())]),
            text: Some(what.clone()),
        },
        P::ContactLogged { method, occurred_at, .. } => TimelineEntry {
            when: short(*occurred_at),
            what: lang.t_with("event-contact", &[("method", method.name(lang.code()).to_lowercase())]),
            text: None,
        },
        P::Closed { summary } => entry("event-closed", Some(summary.clone())),
        P::Reopened { .. } => entry("event-reopened", None),
        // The citizen learns that a decision will come and when, not the internal reason.
        P::MadeFormal { decide_by, .. } => TimelineEntry {
            when: short(at),
            what: lang.t_with("event-made-formal", &[("date", decide_by.to_string())]),
            text: None,
        },
        P::DelayNotified { expected_by, message, .. } => TimelineEntry {
            when: short(at),
            what: lang.t_with("event-delay-notified", &[("date", expected_by.to_string())]),
            text: Some(message.clone()),
        },
        P::Classified { .. }
        | P::NoteAdded { .. }
        | P::ClockAlert { .. }
        | P::Analysed { .. }
        | P::Published { .. }
        | P::TrackingLinkReplaced
        | P::ContactCorrected { .. }
        | P::Restricted { .. }
        | P::RestrictionLifted { .. }
        | P::LanguageRecorded { .. }
        | P::SubjectSet { .. }
        | P::Gallrad { .. } => return None,
    })
}

async fn track_page(
    state: &AppState,
    lang: Lang,
    case: &CaseState,
    error: Option<String>,
    message: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let built = async {
        let (tree, staff) =
            tokio::try_join!(state.store.org_tree(&case.jurisdiction), state.store.users(&case.jurisdiction))?;
        let handling = handling(&tree, case);
        // Once someone handles the case, the citizen knows who (S3).
        let handler = case.handler_id.and_then(|id| staff.iter().find(|u| u.id == id)).map(|u| u.display_name.clone());
        let events = state.store.events(case.id).await?;
        let clocks = state.store.clocks_of(case, &events, Utc::now())?;
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
            handler,
            clocks: clock_lines(&clocks, lang),
            timeline,
            can_reopen: matches!(case.status, domain::Status::Answered | domain::Status::Closed),
            error,
            message,
            attachments,
        })
    };
    let page = built.await?;
    Ok(render(&page, status))
}

pub async fn track(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    parts: Parts,
) -> Result<Response, PageError> {
    Ok(match followed_case(&state, &parts).await {
        Ok(Some(case)) => track_page(&state, lang, &case, None, String::new(), StatusCode::OK).await?,
        Ok(None) => link_not_valid(lang),
        Err(e) => return Err(e.into()),
    })
}

/// A file of the followed case, offered for download only (never shown inline: E3).
pub async fn download(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    parts: Parts,
    Path(sha256): Path<String>,
) -> Result<Response, PageError> {
    let case = match followed_case(&state, &parts).await {
        Ok(Some(case)) => case,
        Ok(None) => return Ok(link_not_valid(lang)),
        Err(e) => return Err(e.into()),
    };
    let attachment = match state.store.events(case.id).await {
        Ok(events) => events
            .iter()
            .filter_map(|e| e.payload().ok())
            .find_map(|p| attachments_of(&p).iter().find(|a| a.sha256 == sha256).cloned()),
        Err(e) => return Err(e.into()),
    };
    let Some(attachment) = attachment else {
        return Ok(link_not_valid(lang));
    };
    send_file(&state, attachment).await
}

/// A stored file as a download (never shown inline: E3).
pub(crate) async fn send_file(state: &AppState, attachment: Attachment) -> Result<Response, PageError> {
    let files = FileStore::new(&state.config.attachments_dir);
    let sha256 = attachment.sha256.clone();
    Ok(match tokio::task::spawn_blocking(move || files.get(&sha256)).await {
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
        Ok(Err(e)) => return Err(e.into()),
        Err(e) => return Err(PageError::internal(e)),
    })
}

#[derive(Default, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    message: String,
}

pub async fn add_message(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    request: Request,
) -> Result<Response, PageError> {
    let (parts, body) = request.into_parts();
    let case = match followed_case(&state, &parts).await {
        Ok(Some(case)) => case,
        Ok(None) => return Ok(link_not_valid(lang)),
        Err(e) => return Err(e.into()),
    };
    let (form, uploads) = match read_request::<MessageForm>(&state, Request::from_parts(parts, body)).await {
        Ok(read) => read,
        Err(rejection) => return Ok(rejection),
    };
    let message = form.message.trim().to_owned();
    let problem = if message.is_empty() && uploads.is_empty() {
        Some(lang.t("error-message-required"))
    } else if message.chars().count() > domain::submission::MAX_DESCRIPTION_CHARS {
        Some(lang.t("error-message-too_long"))
    } else if domain::submission::has_control_characters(&message) {
        Some(lang.t("error-control-character"))
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
    let attachments = store_files(&state, checked).await?;
    let event = NewEvent::new(
        Utc::now(),
        Actor::Citizen,
        EventPayload::CitizenMessage { message, attachments, reference: None },
    );
    let _ = state.store.append(case.id, event).await?;
    Ok(Redirect::to("/track").into_response())
}

pub async fn not_solved(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    parts: Parts,
    Form(form): Form<MessageForm>,
) -> Result<Response, PageError> {
    let case = match followed_case(&state, &parts).await {
        Ok(Some(case)) => case,
        Ok(None) => return Ok(link_not_valid(lang)),
        Err(e) => return Err(e.into()),
    };
    let reason = form.message.trim().to_owned();
    let event = NewEvent::new(Utc::now(), Actor::Citizen, EventPayload::Reopened { reason: reason.clone() });
    Ok(match state.store.append(case.id, event).await {
        Ok(_) if reason.is_empty() => Redirect::to("/track").into_response(),
        // The reason is also a message the handler should read.
        Ok(_) => {
            let message = NewEvent::new(
                Utc::now(),
                Actor::Citizen,
                EventPayload::CitizenMessage { message: reason, attachments: vec![], reference: None },
            );
            match state.store.append(case.id, message).await {
                Ok(_) => Redirect::to("/track").into_response(),
                Err(e) => return Err(e.into()),
            }
        }
        Err(store::StoreError::Projection(_)) => {
            track_page(&state, lang, &case, Some(lang.t("error-not-solved-open")), String::new(), StatusCode::CONFLICT)
                .await?
        }
        Err(e) => return Err(e.into()),
    })
}
