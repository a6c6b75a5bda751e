//! E-mail held for staff: automatic messages, list mail, unreadable messages and
//! floods, shown with the quarantined web submissions. Staff download a message as it came,
//! register it as a case (or as the message on the case it answers) whatever held it, or set
//! it aside. Nothing is deleted.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::InboundMailId;
use store::InboundMail;

use super::quarantine::{PATH, decision, open, page, set_aside};
use crate::AppState;
use crate::auth::Staff;
use crate::citizen::send_file;
use crate::error::{Error, PageError};
use crate::i18n::PageLang;
use crate::pages::message_page;
use app::files::FileStore;

/// The held message, if it is held and undecided in the user's jurisdiction.
async fn held(
    state: &AppState,
    jurisdiction: &domain::JurisdictionId,
    id: InboundMailId,
) -> Result<Option<InboundMail>, store::StoreError> {
    Ok(state.store.inbound_mail(jurisdiction, id).await?.filter(|m| m.resolution.is_none() && m.case_id.is_none()))
}

/// The message as it came, to open in a mail program.
pub async fn download(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<InboundMailId>,
) -> Result<Response, PageError> {
    let desk = open(&state, user).await?;
    Ok(match state.store.inbound_mail(&desk.user.jurisdiction, id).await {
        Ok(Some(mail)) => send_file(&state, super::case_page::original_file(&mail)).await?,
        Ok(None) => message_page(lang, PATH, "not-found", StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    })
}

/// Takes the message as if nothing had held it: a new case (with its receipt) or a message on
/// the case it answers.
pub async fn register(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<InboundMailId>,
) -> Result<Response, PageError> {
    let desk = open(&state, user).await?;
    let j = desk.user.jurisdiction.clone();
    let mail = held(&state, &j, id).await?.ok_or(Error::NotFound)?;
    let files = FileStore::new(&state.config.attachments_dir);
    let sha256 = mail.raw_sha256.clone();
    let raw = match tokio::task::spawn_blocking(move || files.get(&sha256)).await {
        Ok(Ok(raw)) => raw,
        Ok(Err(e)) => return Err(e.into()),
        Err(e) => return Err(Error::Internal(e.to_string()).into()),
    };
    let done = app::mail::ingest(&state, &j, &raw, Some(id)).await?;
    let Some(number) = done.case_number else {
        let reason = done.reason.unwrap_or_default();
        let problem = (id.to_string(), lang.t1("held-cannot-register", "reasons", &reason));
        return page(&state, lang, &desk, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let case_id = match state.store.case_by_number(&j, &number).await {
        Ok(case) => case.map(|c| c.id),
        Err(e) => return Err(e.into()),
    };
    state.store.resolve_held_mail(&j, id, &decision(&desk, "registered", case_id)).await?;
    Ok(Redirect::to(&format!("/staff/cases/{number}?done=register#notice")).into_response())
}

/// Sets the message aside; it stays stored.
pub async fn dismiss(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<InboundMailId>,
) -> Result<Response, PageError> {
    let desk = open(&state, user).await?;
    let dismissed = decision(&desk, "dismissed", None);
    set_aside(lang, state.store.resolve_held_mail(&desk.user.jurisdiction, id, &dismissed).await)
}
