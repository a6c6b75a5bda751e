//! The policy clocks as TOML, unless the configuration pins them.

use super::*;

pub async fn policy_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/policy").await?;
    let mut feedback = done_notice(lang, &params);
    feedback.form.set("policy", state.store.policy(&desk.user.jurisdiction).to_toml());
    page(&state, lang, &desk, "policy", feedback, StatusCode::OK).await
}

pub async fn save_policy(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/policy").await?;
    let mut feedback = Feedback::default();
    let text = form.get("policy").cloned().unwrap_or_default();
    if state.store.policy_is_pinned(&desk.user.jurisdiction) {
        feedback.error("policy", lang.t("admin-policy-pinned"));
    } else if let Err(reason) = domain::clock::Policy::from_toml(&text) {
        feedback.error("policy", lang.t1("error-policy-invalid", "reason", &reason));
    } else {
        state.store.save_policy(&desk.user.jurisdiction, &text).await?;
        return Ok(Redirect::to("/staff/admin/policy?done=saved").into_response());
    }
    refused(&mut feedback, &form);
    page(&state, lang, &desk, "policy", feedback, StatusCode::UNPROCESSABLE_ENTITY).await
}
