//! The e-mail templates, per purpose and language.

use super::*;

/// The kind and language named by `answer.sv`, if both are known.
pub(super) fn mail_template_key(key: &str) -> Option<(&str, &str)> {
    let (purpose, l) = key.split_once('.')?;
    (app::mail::PURPOSES.contains(&purpose) && matches!(l, "sv" | "en")).then_some((purpose, l))
}

pub async fn mail_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/mail").await?;
    let mut feedback = done_notice(lang, &params);
    if let Some((purpose, l)) = mail_template_key(&params.edit) {
        let own = match state.store.mail_templates(&desk.user.jurisdiction).await {
            Ok(own) => own.into_iter().find(|t| t.purpose == purpose && t.lang == l),
            Err(e) => return Err(e.into()),
        };
        let t = own.unwrap_or_else(|| app::mail::default_template(purpose, l));
        feedback.show(HashMap::from([
            ("key".into(), params.edit.clone()),
            ("subject".into(), t.subject),
            ("body".into(), t.body),
        ]));
    }
    page(&state, lang, &desk, "mail", feedback, StatusCode::OK).await
}

/// Saves a kind of e-mail's own text, or goes back to the built-in one (`reset`).
pub async fn save_mail_template(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/mail").await?;
    let j = &desk.user.jurisdiction;
    let Some((purpose, l)) = mail_template_key(field(&form, "key")) else {
        return Err(Error::NotFound.into());
    };
    if field(&form, "reset") == "1" {
        state.store.delete_mail_template(j, purpose, l).await?;
        return Ok(Redirect::to("/staff/admin/mail?done=mail-reset").into_response());
    }
    let mut feedback = Feedback::default();
    let subject = field(&form, "subject");
    if subject.is_empty() || subject.chars().count() > 200 || subject.chars().any(char::is_control) {
        feedback.error("subject", lang.t("error-mail-subject"));
    }
    let body = form.get("body").map_or("", |b| b.trim_end());
    if !body.contains("{message}") {
        feedback.error("body", lang.t("error-mail-body"));
    }
    if !feedback.has_errors() {
        let template = store::MailTemplate {
            purpose: purpose.into(),
            lang: l.into(),
            subject: subject.into(),
            body: body.replace("\r\n", "\n"),
        };
        state.store.save_mail_template(j, &template).await?;
        return Ok(Redirect::to("/staff/admin/mail?done=saved").into_response());
    }
    refused(&mut feedback, &form);
    page(&state, lang, &desk, "mail", feedback, StatusCode::UNPROCESSABLE_ENTITY).await
}
