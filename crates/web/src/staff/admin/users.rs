//! Staff accounts: roles, granted nodes, passwords.

use super::*;

pub async fn users_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/users").await?;
    let mut feedback = done_notice(lang, &params);
    if let Some(u) = desk.staff.iter().find(|u| u.id.to_string() == params.edit) {
        feedback.show(HashMap::from([
            ("id".into(), u.id.to_string()),
            ("username".into(), u.username.clone()),
            ("display_name".into(), u.display_name.clone()),
            ("email".into(), u.email.clone().unwrap_or_default()),
            ("role".into(), u.role.code().into()),
            ("node".into(), u.node_id.clone().unwrap_or_default().into_string()),
            ("disabled".into(), if u.disabled { "on".into() } else { String::new() }),
        ]));
    }
    page(&state, lang, &desk, "users", feedback, StatusCode::OK).await
}

/// Creates an account (no `id`) or changes one; a new account's password is shown once.
pub async fn save_user(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/users").await?;
    let mut feedback = Feedback::default();
    let existing =
        field(&form, "id").parse::<domain::UserId>().ok().and_then(|id| desk.staff.iter().find(|u| u.id == id));
    let username = field(&form, "username").to_owned();
    if existing.is_none() && !domain::is_valid_id(&username) {
        feedback.error("username", lang.t("error-id-invalid"));
    }
    let display_name = field(&form, "display_name").to_owned();
    if display_name.is_empty() {
        feedback.error("display_name", lang.t("error-text-required"));
    }
    let email = optional(&form, "email");
    if email.as_deref().is_some_and(|e| !domain::submission::is_plausible_email(e)) {
        feedback.error("email", lang.t("error-email-invalid"));
    }
    let role = field(&form, "role").parse::<Role>().ok();
    let node = optional(&form, "node").map(domain::NodeId::from);
    match role {
        None => feedback.error("role", lang.t("error-role-required")),
        Some(role)
            if node.is_none() && !matches!(role, Role::Administrator | Role::Registrator | Role::Arkivansvarig) =>
        {
            feedback.error("node", lang.t("error-node-required-for-role"))
        }
        _ => {}
    }
    if node.as_deref().is_some_and(|n| desk.tree.node(n).is_err()) {
        feedback.error("node", lang.t("error-unit-required"));
    }
    let disabled = field(&form, "disabled") == "on";
    if existing.is_some_and(|u| u.id == desk.user.id) && (disabled || role != Some(Role::Administrator)) {
        // Nobody locks themselves out of administration by mistake.
        feedback.error("role", lang.t("error-own-account"));
    }
    if !feedback.has_errors() {
        let role = role.expect("checked above");
        let result = match existing {
            Some(u) => {
                let update = UserUpdate { display_name, email, role, node_id: node, disabled };
                state.store.update_user(&desk.user.jurisdiction, u.id, &update).await.map(|()| None)
            }
            None => {
                let password = auth::generate_password();
                let for_hash = password.clone();
                let password_hash =
                    tokio::task::spawn_blocking(move || auth::hash_password(&for_hash)).await.unwrap_or_default();
                let new = NewUser {
                    jurisdiction: desk.user.jurisdiction.clone(),
                    username,
                    display_name,
                    email,
                    password_hash,
                    role,
                    node_id: node,
                };
                state.store.create_user(&new).await.map(|_| Some(password))
            }
        };
        match result {
            Ok(None) => return Ok(Redirect::to("/staff/admin/users?done=saved").into_response()),
            Ok(Some(password)) => {
                let desk = admin_desk(&state, desk.user, "/staff/admin/users").await?;
                let feedback = Feedback {
                    notice: Some(lang.t("admin-done-user-created")),
                    secret: Some(password),
                    ..Feedback::default()
                };
                return page(&state, lang, &desk, "users", feedback, StatusCode::OK).await;
            }
            Err(StoreError::Duplicate(_)) => feedback.error("username", lang.t("error-username-taken")),
            Err(e) => return Err(e.into()),
        }
    }
    refused(&mut feedback, &form);
    page(&state, lang, &desk, "users", feedback, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Gives an account a new password, shown once, and ends its sessions.
pub async fn new_password(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<domain::UserId>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/users").await?;
    let password = auth::generate_password();
    let for_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&for_hash)).await.unwrap_or_default();
    Ok(match state.store.set_password(&desk.user.jurisdiction, id, &hash).await {
        Ok(()) => {
            let feedback =
                Feedback { notice: Some(lang.t("admin-done-password")), secret: Some(password), ..Feedback::default() };
            page(&state, lang, &desk, "users", feedback, StatusCode::OK).await?
        }
        Err(StoreError::NotFound) => message_page(lang, "/staff/admin/users", "not-found", StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    })
}
