//! Administration: the organisation tree with its managers, categories and who owns them,
//! the policy clocks, answer templates, staff accounts and roles, Open311 API keys, and the
//! whole setup as TOML. Only administrators reach these pages; each change is checked as
//! strictly as `lyhord init` and `lyhord user add` check theirs.

mod api_keys;
mod breach;
mod categories;
mod mail;
mod org;
mod policy;
mod setup;
mod templates;
mod users;

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

use super::{Desk, StaffNav, role_name};
use crate::AppState;
use crate::auth::{self, Staff};
use crate::citizen::Choice;
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormState, message_page, render};
use crate::route_list::StaffRoutes;

pub(super) fn routes() -> StaffRoutes {
    StaffRoutes::default()
        .route("/staff/admin", get(index))
        .route("/staff/admin/org", get(org::org_page).post(org::save_node))
        .route("/staff/admin/categories", get(categories::categories_page).post(categories::save_category))
        .route("/staff/admin/policy", get(policy::policy_page).post(policy::save_policy))
        .route("/staff/admin/templates", get(templates::templates_page).post(templates::save_template))
        .route("/staff/admin/templates/{id}/delete", post(templates::delete_template))
        .route("/staff/admin/mail", get(mail::mail_page).post(mail::save_mail_template))
        .route("/staff/admin/users", get(users::users_page).post(users::save_user))
        .route("/staff/admin/users/{id}/password", post(users::new_password))
        .route("/staff/admin/api-keys", get(api_keys::keys_page).post(api_keys::create_key))
        .route("/staff/admin/api-keys/{id}/revoke", post(api_keys::revoke_key))
        .route("/staff/admin/setup.toml", get(setup::export_setup))
        .route("/staff/admin/setup", post(setup::import_setup))
        .route("/staff/admin/breach", get(breach::breach_page))
        .route("/staff/admin/breach.csv", get(breach::breach_csv))
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
    form: FormState,
    notice: Option<String>,
    /// A secret shown once (a new password or API key).
    secret: Option<String>,
}

impl Feedback {
    fn error(&mut self, field: &'static str, message: String) {
        self.form.error(field, message);
    }

    fn has_errors(&self) -> bool {
        self.form.has_errors()
    }

    /// Shows these values in the form (an entry opened for editing).
    fn show(&mut self, values: impl IntoIterator<Item = (String, String)>) {
        self.form = FormState::new(values, std::mem::take(&mut self.form.errors));
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
    fn checked(&self, id: &str) -> bool {
        matches!(self.feedback.form.value(id), "on" | "true" | "1")
    }

    fn has_kind(&self, code: &str) -> bool {
        self.feedback.form.value("kinds").split(',').any(|k| k == code)
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
                id: n.id.to_string(),
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
        units: ordered.iter().map(|n| Choice { value: n.id.to_string(), label: desk.unit_name(&n.id) }).collect(),
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
    feedback.show(form.clone());
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
