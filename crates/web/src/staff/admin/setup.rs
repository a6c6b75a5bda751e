//! The whole setup as TOML, out and in.

use super::*;

pub async fn export_setup(
    State(state): State<AppState>,
    Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin").await?;
    let text = app::setup::export(&state.store, &desk.user.jurisdiction).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"lyhord-{}.toml\"", desk.user.jurisdiction)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        text,
    )
        .into_response())
}

pub async fn import_setup(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin").await?;
    let text = form.get("setup").cloned().unwrap_or_default();
    let mut feedback = Feedback::default();
    match app::setup::import(&state.store, &desk.user.jurisdiction, &text).await {
        Ok(_) => return Ok(Redirect::to("/staff/admin?done=imported").into_response()),
        Err(app::setup::SetupError::Store(e)) => return Err(e.into()),
        Err(e) => feedback.error("setup", e.to_string()),
    }
    refused(&mut feedback, &form);
    page(&state, lang, &desk, "index", feedback, StatusCode::UNPROCESSABLE_ENTITY).await
}
