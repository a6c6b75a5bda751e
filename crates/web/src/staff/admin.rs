//! Administration: the organisation tree with its managers, categories and who owns them,
//! the policy clocks, answer templates, staff accounts and roles, Open311 API keys, and the
//! whole setup as TOML. Only administrators reach these pages; each change is checked as
//! strictly as `lyhord init` and `lyhord user add` check theirs.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{CaseKind, Category, NodeLevel, OrgNode};
use serde::Deserialize;
use std::collections::HashMap;
use store::{AnswerTemplate, ApiKey, NewUser, Role, StoreError, User, UserUpdate};
use uuid::Uuid;

use super::{Desk, StaffNav, role_name};
use crate::AppState;
use crate::auth::{self, Staff};
use crate::citizen::Choice;
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormError, message_for, message_page, render};
use crate::route_list::StaffRoutes;

pub(super) fn routes() -> StaffRoutes {
    StaffRoutes::default()
        .route("/staff/admin", get(index))
        .route("/staff/admin/org", get(org_page).post(save_node))
        .route("/staff/admin/categories", get(categories_page).post(save_category))
        .route("/staff/admin/policy", get(policy_page).post(save_policy))
        .route("/staff/admin/templates", get(templates_page).post(save_template))
        .route("/staff/admin/templates/{id}/delete", post(delete_template))
        .route("/staff/admin/mail", get(mail_page).post(save_mail_template))
        .route("/staff/admin/users", get(users_page).post(save_user))
        .route("/staff/admin/users/{id}/password", post(new_password))
        .route("/staff/admin/api-keys", get(keys_page).post(create_key))
        .route("/staff/admin/api-keys/{id}/revoke", post(revoke_key))
        .route("/staff/admin/setup.toml", get(export_setup))
        .route("/staff/admin/setup", post(import_setup))
}

/// The administrator's desk, or the refusal every other role gets.
async fn admin_desk(state: &AppState, user: User, path: &str) -> Result<Desk, PageError> {
    let desk = Desk::open(state, user).await?;
    if !desk.access().can_administer() {
        tracing::warn!(user = %desk.user.id, path, "administration refused");
        return Err(Error::Forbidden.into());
    }
    Ok(desk)
}

/// A form's values and problems, and what an administrator was just told.
#[derive(Default)]
struct Feedback {
    values: HashMap<String, String>,
    errors: Vec<FormError>,
    notice: Option<String>,
    /// A secret shown once (a new password or API key).
    secret: Option<String>,
}

impl Feedback {
    fn error(&mut self, field: &'static str, message: String) {
        self.errors.push(FormError { field, message });
    }

    fn notice(lang: Lang, key: &str) -> Feedback {
        Feedback { notice: Some(lang.t(key)), ..Feedback::default() }
    }
}

#[derive(Template)]
#[template(path = "admin_page.html")]
struct AdminPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    section: &'static str,
    heading: String,
    feedback: Feedback,
    nodes: Vec<NodeRow>,
    /// Manager posts that alerts pass over (no active account).
    unlinked: Vec<String>,
    categories: Vec<CategoryRow>,
    templates: Vec<AnswerTemplate>,
    users: Vec<UserRow>,
    keys: Vec<KeyRow>,
    mail_templates: Vec<MailTemplateRow>,
    levels: Vec<Choice>,
    units: Vec<Choice>,
    managers: Vec<Choice>,
    roles: Vec<Choice>,
    kinds: Vec<Choice>,
    languages: Vec<Choice>,
    policy_pinned: bool,
}

impl AdminPage {
    fn value(&self, id: &str) -> &str {
        self.feedback.values.get(id).map_or("", String::as_str)
    }

    fn checked(&self, id: &str) -> bool {
        matches!(self.value(id), "on" | "true" | "1")
    }

    fn error_for(&self, id: &str) -> Option<&str> {
        message_for(&self.feedback.errors, id)
    }

    fn has_kind(&self, code: &str) -> bool {
        self.value("kinds").split(',').any(|k| k == code)
    }
}

struct NodeRow {
    id: String,
    name: String,
    depth: usize,
    level: String,
    manager: String,
    account: String,
}

struct CategoryRow {
    code: String,
    name: String,
    group: String,
    unit: String,
    public: bool,
}

struct UserRow {
    id: String,
    username: String,
    display_name: String,
    role: String,
    unit: String,
    disabled: bool,
}

/// One kind of e-mail in one language, and whether the municipality has written its own.
struct MailTemplateRow {
    key: String,
    label: String,
    custom: bool,
}

struct KeyRow {
    id: String,
    name: String,
    created: String,
    revoked: Option<String>,
}

fn level_name(level: NodeLevel, lang: Lang) -> String {
    lang.t(&format!("level-{}", level.code()))
}

async fn page(
    state: &AppState,
    lang: Lang,
    desk: &Desk,
    section: &'static str,
    feedback: Feedback,
    status: StatusCode,
) -> Result<Response, PageError> {
    let path = format!("/staff/admin{}", if section == "index" { String::new() } else { format!("/{section}") });
    let j = &desk.user.jurisdiction;
    let l = lang.code();
    let names = desk.staff_names();
    let root = desk.tree.root().id.clone();
    let ordered = desk.tree.subtree(&root).unwrap_or_default();
    let mail_templates = if section == "mail" {
        let own = state.store.mail_templates(j).await?;
        app::mail::PURPOSES
            .iter()
            .flat_map(|purpose| ["sv", "en"].map(|l| (*purpose, l)))
            .map(|(purpose, l)| MailTemplateRow {
                key: format!("{purpose}.{l}"),
                label: format!(
                    "{} ({})",
                    lang.t(&format!("mail-kind-{purpose}")),
                    if l == "sv" { "svenska" } else { "English" }
                ),
                custom: own.iter().any(|t| t.purpose == purpose && t.lang == l),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (templates, keys) = match section {
        "templates" => match state.store.templates(j).await {
            Ok(t) => (t, Vec::new()),
            Err(e) => return Err(e.into()),
        },
        "api-keys" => match state.store.api_keys(j).await {
            Ok(k) => (Vec::new(), k),
            Err(e) => return Err(e.into()),
        },
        _ => (Vec::new(), Vec::new()),
    };
    let page = AdminPage {
        lang,
        path: path.clone(),
        nav: StaffNav::new(desk, "admin"),
        section,
        heading: lang.t(&format!("admin-{section}")),
        unlinked: desk.unlinked_posts(|_| true),
        nodes: ordered
            .iter()
            .map(|n| NodeRow {
                id: n.id.clone(),
                name: n.name.clone(),
                depth: desk.tree.line(&n.id).map_or(1, |line| line.len()),
                level: level_name(n.level, lang),
                manager: n.manager_name.clone().unwrap_or_default(),
                account: n.manager_user_id.and_then(|id| names.get(&id).map(|s| (*s).to_owned())).unwrap_or_default(),
            })
            .collect(),
        categories: desk
            .categories
            .iter()
            .map(|c| CategoryRow {
                code: c.code.clone(),
                name: c.name(l).to_owned(),
                group: c.group(l).to_owned(),
                unit: desk.unit_name(&c.node_id),
                public: c.public,
            })
            .collect(),
        templates,
        users: desk
            .staff
            .iter()
            .map(|u| UserRow {
                id: u.id.to_string(),
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                role: role_name(u.role, lang).to_owned(),
                unit: u.node_id.as_deref().map(|n| desk.unit_name(n)).unwrap_or_default(),
                disabled: u.disabled,
            })
            .collect(),
        keys: keys.iter().map(key_row).collect(),
        mail_templates,
        levels: NodeLevel::ALL.iter().map(|v| Choice { value: v.code().into(), label: level_name(*v, lang) }).collect(),
        units: ordered.iter().map(|n| Choice { value: n.id.clone(), label: desk.unit_name(&n.id) }).collect(),
        managers: desk
            .staff
            .iter()
            .filter(|u| !u.disabled)
            .map(|u| Choice { value: u.id.to_string(), label: format!("{} ({})", u.display_name, u.username) })
            .collect(),
        roles: Role::ALL.iter().map(|r| Choice { value: r.code().into(), label: role_name(*r, lang).into() }).collect(),
        kinds: CaseKind::ALL.iter().map(|k| Choice { value: k.code().into(), label: k.name(l).into() }).collect(),
        languages: vec![
            Choice { value: "sv".into(), label: "svenska".into() },
            Choice { value: "en".into(), label: "English".into() },
        ],
        policy_pinned: state.store.policy_is_pinned(j),
        feedback,
    };
    Ok(render(&page, status))
}

fn key_row(k: &ApiKey) -> KeyRow {
    KeyRow {
        id: k.id.to_string(),
        name: k.name.clone(),
        created: app::dates::short(k.created_at),
        revoked: k.revoked_at.map(app::dates::short),
    }
}

/// `?edit=…` on a list page fills the form with the thing to change.
#[derive(Debug, Default, Deserialize)]
pub struct EditParams {
    #[serde(default)]
    edit: String,
    #[serde(default)]
    done: String,
}

fn done_notice(lang: Lang, params: &EditParams) -> Feedback {
    if params.done.is_empty() || !params.done.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
        return Feedback::default();
    }
    Feedback::notice(lang, &format!("admin-done-{}", params.done))
}

type Fields = HashMap<String, String>;

fn field<'a>(form: &'a Fields, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.trim())
}

fn optional(form: &Fields, name: &str) -> Option<String> {
    Some(field(form, name).to_owned()).filter(|v| !v.is_empty())
}

fn refused(feedback: &mut Feedback, form: &Fields) {
    feedback.values = form.clone();
}

pub async fn index(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin").await?;
    page(&state, lang, &desk, "index", done_notice(lang, &params), StatusCode::OK).await
}

// --- Organisation -----------------------------------------------------------------------

pub async fn org_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/org").await?;
    let mut feedback = done_notice(lang, &params);
    if let Ok(node) = desk.tree.node(&params.edit) {
        feedback.values = HashMap::from([
            ("id".into(), node.id.clone()),
            ("parent".into(), node.parent.clone().unwrap_or_default()),
            ("level".into(), node.level.code().into()),
            ("name".into(), node.name.clone()),
            ("manager_name".into(), node.manager_name.clone().unwrap_or_default()),
            ("manager_user".into(), node.manager_user_id.map(|id| id.to_string()).unwrap_or_default()),
        ]);
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
        Some(v) => match v.parse::<Uuid>().ok().filter(|id| desk.staff.iter().any(|u| u.id == *id)) {
            Some(id) => Some(id),
            None => {
                feedback.error("manager_user", lang.t("error-handler-invalid"));
                None
            }
        },
    };
    if feedback.errors.is_empty() {
        let node = OrgNode {
            id: id.clone(),
            parent: if is_root { None } else { parent },
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

// --- Categories -------------------------------------------------------------------------

pub async fn categories_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/categories").await?;
    let mut feedback = done_notice(lang, &params);
    if let Some(c) = desk.categories.iter().find(|c| c.code == params.edit) {
        let kinds: Vec<&str> = c.kinds.iter().map(|k| k.code()).collect();
        feedback.values = HashMap::from([
            ("code".into(), c.code.clone()),
            ("name_sv".into(), c.name_sv.clone()),
            ("name_en".into(), c.name_en.clone()),
            ("group_sv".into(), c.group_sv.clone()),
            ("group_en".into(), c.group_en.clone()),
            ("node".into(), c.node_id.clone()),
            ("kinds".into(), kinds.join(",")),
            ("public".into(), if c.public { "on".into() } else { String::new() }),
            ("questions".into(), questions_toml(&c.questions)),
        ]);
    } else {
        feedback.values.insert("public".into(), "on".into());
    }
    page(&state, lang, &desk, "categories", feedback, StatusCode::OK).await
}

pub async fn save_category(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/categories").await?;
    // Checkboxes repeat a name (`kinds=a&kinds=b`): read every pair, keep them joined.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut form: Fields = HashMap::new();
    for (k, v) in pairs {
        form.entry(k)
            .and_modify(|e: &mut String| {
                e.push(',');
                e.push_str(&v)
            })
            .or_insert(v);
    }
    let mut feedback = Feedback::default();
    let code = field(&form, "code").to_owned();
    if !domain::is_valid_id(&code) {
        feedback.error("code", lang.t("error-id-invalid"));
    }
    for name in ["name_sv", "name_en", "group_sv", "group_en"] {
        if field(&form, name).is_empty() {
            feedback.error(name, lang.t("error-text-required"));
        }
    }
    let node = field(&form, "node").to_owned();
    if desk.tree.node(&node).is_err() {
        feedback.error("node", lang.t("error-unit-required"));
    }
    let kinds: Vec<CaseKind> = field(&form, "kinds").split(',').filter_map(|k| k.parse().ok()).collect();
    let questions = match read_questions(field(&form, "questions")) {
        Ok(questions) => questions,
        Err(problem) => {
            feedback.error("questions", lang.t1("error-questions", "problem", &problem));
            Vec::new()
        }
    };
    if feedback.errors.is_empty() {
        let position = desk.categories.iter().position(|c| c.code == code).unwrap_or(desk.categories.len());
        let category = Category {
            code,
            name_sv: field(&form, "name_sv").into(),
            name_en: field(&form, "name_en").into(),
            group_sv: field(&form, "group_sv").into(),
            group_en: field(&form, "group_en").into(),
            node_id: node,
            kinds,
            public: field(&form, "public") == "on",
            questions,
        };
        state.store.upsert_category(&desk.user.jurisdiction, &category, position as i64).await?;
        return Ok(Redirect::to("/staff/admin/categories?done=saved").into_response());
    }
    refused(&mut feedback, &form);
    page(&state, lang, &desk, "categories", feedback, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A category's questions as administrators write them: `[[questions]]` tables in TOML.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionsToml {
    #[serde(default)]
    questions: Vec<domain::Question>,
}

fn questions_toml(questions: &[domain::Question]) -> String {
    toml::to_string(&QuestionsToml { questions: questions.to_vec() }).unwrap_or_default()
}

fn read_questions(text: &str) -> Result<Vec<domain::Question>, String> {
    let read: QuestionsToml = toml::from_str(text).map_err(|e| e.message().to_owned())?;
    let category = Category { questions: read.questions, ..Category::default() };
    category.check_questions().map_err(|e| e.to_string())?;
    Ok(category.questions)
}

// --- Policy -----------------------------------------------------------------------------

pub async fn policy_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/policy").await?;
    let mut feedback = done_notice(lang, &params);
    feedback.values.insert("policy".into(), state.store.policy(&desk.user.jurisdiction).to_toml());
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

// --- E-mail templates -------------------------------------------------------------------

/// The kind and language named by `answer.sv`, if both are known.
fn mail_template_key(key: &str) -> Option<(&str, &str)> {
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
        feedback.values = HashMap::from([
            ("key".into(), params.edit.clone()),
            ("subject".into(), t.subject),
            ("body".into(), t.body),
        ]);
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
    if feedback.errors.is_empty() {
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

// --- Answer templates -------------------------------------------------------------------

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
        feedback.values = HashMap::from([
            ("id".into(), t.id.to_string()),
            ("name".into(), t.name.clone()),
            ("language".into(), t.language.clone()),
            ("body".into(), t.body.clone()),
        ]);
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
    if feedback.errors.is_empty() {
        let id = field(&form, "id").parse::<Uuid>().unwrap_or_else(|_| Uuid::now_v7());
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
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/templates").await?;
    Ok(match state.store.delete_template(&desk.user.jurisdiction, id).await {
        Ok(()) => Redirect::to("/staff/admin/templates?done=deleted").into_response(),
        Err(StoreError::NotFound) => message_page(lang, "/staff/admin/templates", "not-found", StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    })
}

// --- Staff accounts ---------------------------------------------------------------------

pub async fn users_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/users").await?;
    let mut feedback = done_notice(lang, &params);
    if let Some(u) = desk.staff.iter().find(|u| u.id.to_string() == params.edit) {
        feedback.values = HashMap::from([
            ("id".into(), u.id.to_string()),
            ("username".into(), u.username.clone()),
            ("display_name".into(), u.display_name.clone()),
            ("email".into(), u.email.clone().unwrap_or_default()),
            ("role".into(), u.role.code().into()),
            ("node".into(), u.node_id.clone().unwrap_or_default()),
            ("disabled".into(), if u.disabled { "on".into() } else { String::new() }),
        ]);
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
    let existing = field(&form, "id").parse::<Uuid>().ok().and_then(|id| desk.staff.iter().find(|u| u.id == id));
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
    let node = optional(&form, "node");
    match role {
        None => feedback.error("role", lang.t("error-role-required")),
        Some(role) if node.is_none() && !matches!(role, Role::Administrator | Role::Registrator) => {
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
    if feedback.errors.is_empty() {
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
    Path(id): Path<Uuid>,
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

// --- API keys ---------------------------------------------------------------------------

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
    Ok(match state.store.create_api_key(&desk.user.jurisdiction, &name, &hash).await {
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
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/api-keys").await?;
    Ok(match state.store.revoke_api_key(&desk.user.jurisdiction, id, chrono::Utc::now()).await {
        Ok(()) => Redirect::to("/staff/admin/api-keys?done=revoked").into_response(),
        // Another municipality's key, or none: say so rather than "revoked".
        Err(StoreError::NotFound) => message_page(lang, "/staff/admin/api-keys", "not-found", StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    })
}

// --- Setup as TOML ----------------------------------------------------------------------

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
