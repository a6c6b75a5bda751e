//! Registering on a citizen's behalf: the kontaktcenter records a phone call, a visit, a
//! letter or a paper form through the same form, checks and receipt as the web (V-S1, A1).

use axum::Extension;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use domain::{Actor, Channel, FieldError, Submission};

use super::{Desk, StaffNav};
use crate::AppState;
use crate::auth::Staff;
use crate::citizen::read_request;
use crate::citizen::{
    Filler, Questions, STAFF_CHANNELS, SubmitForm, field_message, form_page_for, new_form, read_form, register_case,
    text,
};
use crate::error::{Error, PageError};
use crate::i18n::PageLang;
use crate::pages::{FormError, render};
use app::intake::{check_uploads, store_files};

async fn open(state: &AppState, user: store::User) -> Result<(Desk, store::Jurisdiction), PageError> {
    let desk = Desk::open(state, user).await?;
    if !desk.access().can_register() {
        return Err(Error::Forbidden.into());
    }
    let j = desk.jurisdiction(state).await?;
    Ok((desk, j))
}

pub async fn form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    axum::Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let (desk, j) = open(&state, user).await?;
    let nav = StaffNav::new(&desk, "register");
    form_page_for(&state, lang, &j, Filler::Staff(nav), new_form("named"), Vec::new(), StatusCode::OK).await
}

pub async fn register(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    request: Request,
) -> Result<Response, PageError> {
    let (desk, j) = open(&state, user).await?;
    let (form, uploads) = match read_request::<SubmitForm>(&state, request).await {
        Ok(read) => read,
        Err(rejection) => return Ok(rejection),
    };
    let channel = form.channel.parse::<Channel>().ok().filter(|c| STAFF_CHANNELS.contains(c));
    let mut errors: Vec<FormError> = Vec::new();
    if channel.is_none() {
        errors.push(field_message(lang, &FieldError::new("channel", "required")));
    }
    let checked = check_uploads(&uploads);
    let read = read_form(&form, &j, &desk.categories, lang, channel.unwrap_or(Channel::Phone), Questions::Asked);
    match (&read, &checked) {
        (Ok(_), Ok(_)) if errors.is_empty() => {}
        _ => {
            errors.extend(read.as_ref().err().into_iter().flatten().map(|e| field_message(lang, e)));
            match &checked {
                Err(file_errors) => errors.extend(file_errors.iter().map(|e| field_message(lang, e))),
                Ok(_) if !uploads.is_empty() => {
                    errors.push(FormError { field: "attachments", message: lang.t("error-attachments-again") })
                }
                Ok(_) => {}
            }
            let nav = StaffNav::new(&desk, "register");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page_for(&state, lang, &j, Filler::Staff(nav), form, errors, status).await;
        }
    }
    let (Ok((submission, node_id)), Ok(checked)) = (read, checked) else { unreachable!("checked above") };
    let attachments = store_files(&state, checked).await?;
    let submission = Submission { attachments, ..submission };
    let key = text(&form.form_key).map(|k| format!("staff:{k}"));
    let actor = Actor::Staff { user_id: desk.user.id };
    let (receipt, page) = register_case(&state, lang, submission, node_id, key, actor, Utc::now()).await?;
    // Straight to the new case when this user may follow it; otherwise the receipt.
    Ok(match state.store.case(receipt.case_id).await {
        Ok(Some(case)) if desk.access().can_see(&case) => {
            Redirect::to(&format!("/staff/cases/{}?done=register#notice", receipt.number)).into_response()
        }
        Ok(_) => render(&page, StatusCode::OK),
        Err(e) => return Err(e.into()),
    })
}
