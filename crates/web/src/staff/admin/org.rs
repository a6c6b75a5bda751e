//! The organisation tree: its nodes, their levels and managers.

use super::*;

pub async fn org_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/org").await?;
    let mut feedback = done_notice(lang, &params);
    if let Ok(node) = desk.tree.node(&params.edit) {
        feedback.show(HashMap::from([
            ("id".into(), node.id.to_string()),
            ("parent".into(), node.parent.clone().unwrap_or_default().into_string()),
            ("level".into(), node.level.code().into()),
            ("name".into(), node.name.clone()),
            ("manager_name".into(), node.manager_name.clone().unwrap_or_default()),
            ("manager_user".into(), node.manager_user_id.map(|id| id.to_string()).unwrap_or_default()),
        ]));
    }
    page(&state, lang, &desk, "org", feedback, StatusCode::OK).await
}

pub async fn save_node(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/org").await?;
    let mut feedback = Feedback::default();
    let id = field(&form, "id").to_owned();
    if !domain::is_valid_id(&id) {
        feedback.error("id", lang.t("error-id-invalid"));
    }
    let level = field(&form, "level").parse::<NodeLevel>().ok();
    if level.is_none() {
        feedback.error("level", lang.t("error-level-required"));
    }
    let name = field(&form, "name").to_owned();
    if name.is_empty() {
        feedback.error("name", lang.t("error-text-required"));
    }
    let existing = desk.tree.node(&id).ok();
    let parent = optional(&form, "parent");
    // Only the root has no parent, and the root stays the root.
    let is_root = existing.is_some_and(|n| n.parent.is_none());
    if !is_root && parent.as_deref().is_none_or(|p| desk.tree.node(p).is_err()) {
        feedback.error("parent", lang.t("error-parent-required"));
    }
    let manager_user_id = match optional(&form, "manager_user") {
        None => None,
        Some(v) => match v.parse::<domain::UserId>().ok().filter(|id| desk.staff.iter().any(|u| u.id == *id)) {
            Some(id) => Some(id),
            None => {
                feedback.error("manager_user", lang.t("error-handler-invalid"));
                None
            }
        },
    };
    if !feedback.has_errors() {
        let node = OrgNode {
            id: id.as_str().into(),
            parent: if is_root { None } else { parent.map(Into::into) },
            level: level.unwrap_or(NodeLevel::Enhet),
            name,
            manager_name: optional(&form, "manager_name"),
            manager_user_id,
        };
        match state.store.upsert_org(&desk.user.jurisdiction, &[node]).await {
            Ok(()) => return Ok(Redirect::to("/staff/admin/org?done=saved").into_response()),
            // A cycle, or an id taken by another municipality: say so at the field.
            Err(StoreError::Org(e)) => feedback.error("parent", e.to_string()),
            Err(StoreError::Duplicate(what)) => feedback.error("id", lang.t1("error-taken", "what", &what)),
            Err(e) => return Err(e.into()),
        }
    }
    refused(&mut feedback, &form);
    page(&state, lang, &desk, "org", feedback, StatusCode::UNPROCESSABLE_ENTITY).await
}
