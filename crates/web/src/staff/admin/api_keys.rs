//! Open311 API keys: issued (shown once) and revoked.

use super::*;

/// A new Open311 API key: shown once, only its hash is kept.
pub async fn keys_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/api-keys").await?;
    page(&state, lang, &desk, "api-keys", done_notice(lang, &params), StatusCode::OK).await
}

pub async fn create_key(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/api-keys").await?;
    let name = field(&form, "name").to_owned();
    if name.is_empty() {
        let mut feedback = Feedback::default();
        feedback.error("name", lang.t("error-text-required"));
        return page(&state, lang, &desk, "api-keys", feedback, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (key, hash) = app::accounts::new_api_key();
    let j = &desk.user.jurisdiction;
    let created = async {
        let id = state.store.create_api_key(j, &name, &hash).await?;
        if field(&form, "own_requests_only") == "on" {
            state.store.limit_api_key(j, id, true).await?;
        }
        Ok::<_, StoreError>(id)
    };
    Ok(match created.await {
        Ok(_) => {
            let feedback =
                Feedback { notice: Some(lang.t("admin-done-key-created")), secret: Some(key), ..Feedback::default() };
            page(&state, lang, &desk, "api-keys", feedback, StatusCode::OK).await?
        }
        Err(e) => return Err(e.into()),
    })
}

pub async fn revoke_key(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<domain::ApiKeyId>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/api-keys").await?;
    Ok(match state.store.revoke_api_key(&desk.user.jurisdiction, id, chrono::Utc::now()).await {
        Ok(()) => Redirect::to("/staff/admin/api-keys?done=revoked").into_response(),
        // Another municipality's key, or none: say so rather than "revoked".
        Err(StoreError::NotFound) => message_page(lang, "/staff/admin/api-keys", "not-found", StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    })
}
