//! Answer templates staff start an answer from.

use super::*;

pub async fn templates_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/templates").await?;
    let mut feedback = done_notice(lang, &params);
    let templates = state.store.templates(&desk.user.jurisdiction).await.unwrap_or_default();
    if let Some(t) = templates.iter().find(|t| t.id.to_string() == params.edit) {
        feedback.show(HashMap::from([
            ("id".into(), t.id.to_string()),
            ("name".into(), t.name.clone()),
            ("language".into(), t.language.clone()),
            ("body".into(), t.body.clone()),
        ]));
    }
    page(&state, lang, &desk, "templates", feedback, StatusCode::OK).await
}

pub async fn save_template(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/templates").await?;
    let mut feedback = Feedback::default();
    let name = field(&form, "name").to_owned();
    if name.is_empty() {
        feedback.error("name", lang.t("error-text-required"));
    }
    let language = field(&form, "language").to_owned();
    if Lang::from_code(&language).is_none() {
        feedback.error("language", lang.t("error-language-required"));
    }
    let body = field(&form, "body").to_owned();
    if body.is_empty() {
        feedback.error("body", lang.t("error-text-required"));
    }
    if !feedback.has_errors() {
        let id = field(&form, "id").parse::<domain::TemplateId>().unwrap_or_else(|_| domain::TemplateId::new());
        let template = AnswerTemplate { id, name, language, body };
        match state.store.save_template(&desk.user.jurisdiction, &template).await {
            Ok(()) => return Ok(Redirect::to("/staff/admin/templates?done=saved").into_response()),
            Err(StoreError::Duplicate(what)) => feedback.error("name", lang.t1("error-taken", "what", &what)),
            Err(e) => return Err(e.into()),
        }
    }
    refused(&mut feedback, &form);
    page(&state, lang, &desk, "templates", feedback, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn delete_template(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<domain::TemplateId>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/templates").await?;
    Ok(match state.store.delete_template(&desk.user.jurisdiction, id).await {
        Ok(()) => Redirect::to("/staff/admin/templates?done=deleted").into_response(),
        Err(StoreError::NotFound) => message_page(lang, "/staff/admin/templates", "not-found", StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    })
}
