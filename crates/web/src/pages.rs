//! The pages of the thin shell: the citizens' start page, staff sign-in and inbox.

use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use store::{InboxQuery, Jurisdiction, Role, Units, User};

use crate::AppState;
use crate::auth::{self, Staff};
use crate::i18n::{LANG_COOKIE, Lang};

/// Renders a template, or a plain error page if rendering itself fails.
pub(crate) fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub(crate) fn server_error(lang: Lang, path: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, path, "request failed");
    message_page(lang, path, "error", StatusCode::INTERNAL_SERVER_ERROR)
}

/// A page with one heading and one paragraph: the texts `{key}-title` and `{key}-text`.
pub(crate) fn message_page(lang: Lang, path: &str, key: &str, status: StatusCode) -> Response {
    let page = MessagePage {
        lang,
        path: path.to_owned(),
        heading: lang.t(&format!("{key}-title")),
        text: lang.t(&format!("{key}-text")),
    };
    render(&page, status)
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    lang: Lang,
    path: String,
    heading: String,
    text: String,
}

pub async fn not_found(lang: Lang, uri: Uri) -> Response {
    message_page(lang, uri.path(), "not-found", StatusCode::NOT_FOUND)
}

// --- Language ---------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Remembers the chosen language and returns to the page the link was on.
pub async fn switch_language(Path(code): Path<String>, Query(back): Query<Back>) -> Response {
    let Some(lang) = Lang::from_code(&code) else {
        return (StatusCode::NOT_FOUND, "unknown language").into_response();
    };
    // Only a path on this site: never an open redirect.
    let back = back
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

// --- Start page -------------------------------------------------------------------------

struct Way {
    label: String,
    value: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    lang: Lang,
    path: String,
    title: String,
    jurisdiction: Option<Jurisdiction>,
    ways: Vec<Way>,
    promises: Vec<String>,
}

/// What the citizen can expect and when, from the clocks in force (not hard-coded).
fn promises(policy: &domain::clock::Policy, lang: Lang) -> Vec<String> {
    use domain::clock::Unit;
    policy
        .clocks
        .iter()
        .map(|c| {
            let unit = match c.unit {
                Unit::Hours => "hours",
                Unit::OfficeHours => "office-hours",
                Unit::WorkingDays => "working-days",
                Unit::Days => "days",
                Unit::Weeks => "weeks",
            };
            let number = if c.length == 1 { "one" } else { "other" };
            let within = format!("{} {}", c.length, lang.t(&format!("unit-{unit}-{number}")));
            let mut scope: Vec<String> = c.kinds.iter().map(|k| k.name(lang.code()).to_lowercase()).collect();
            scope.extend(c.channels.iter().map(|ch| ch.name(lang.code()).to_lowercase()));
            let line = lang.t_with("promise-line", &[("promise", c.name(lang.code()).to_owned()), ("within", within)]);
            if scope.is_empty() { line } else { format!("{line} ({})", scope.join(", ")) }
        })
        .collect()
}

fn ways_to_reach(j: &Jurisdiction, lang: Lang) -> Vec<Way> {
    let mut ways = Vec::new();
    if let Some(email) = &j.email {
        ways.push(Way {
            label: lang.t("start-way-email"),
            value: email.clone(),
            href: Some(format!("mailto:{email}")),
        });
    }
    if let Some(phone) = &j.phone {
        let dial: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        ways.push(Way { label: lang.t("start-way-phone"), value: phone.clone(), href: Some(format!("tel:{dial}")) });
    }
    if let Some(address) = &j.visiting_address {
        ways.push(Way { label: lang.t("start-way-visit"), value: address.clone(), href: None });
    }
    if let Some(hours) = &j.opening_hours {
        ways.push(Way { label: lang.t("start-way-hours"), value: hours.clone(), href: None });
    }
    ways.push(Way {
        label: lang.t("start-way-paper"),
        value: lang.t("start-way-paper-text"),
        href: Some("/paper-form".into()),
    });
    ways
}

pub async fn start(State(state): State<AppState>, lang: Lang) -> Response {
    let jurisdiction = match crate::citizen::home_jurisdiction(&state).await {
        Ok(j) => j,
        Err(e) => return server_error(lang, "/", e),
    };
    let title = match &jurisdiction {
        Some(j) => lang.t_with("start-title", &[("municipality", j.name.clone())]),
        None => lang.t("start-not-configured-title"),
    };
    let ways = jurisdiction.as_ref().map(|j| ways_to_reach(j, lang)).unwrap_or_default();
    let promises = jurisdiction.as_ref().map(|j| promises(&state.store.policy(&j.id), lang)).unwrap_or_default();
    render(&StartPage { lang, path: "/".into(), title, jurisdiction, ways, promises }, StatusCode::OK)
}

// --- Sign-in ----------------------------------------------------------------------------

/// One problem with one field of a form, shown in the summary and at the field.
pub(crate) struct FormError {
    pub field: &'static str,
    pub message: String,
}

/// The message for `field`, if it has one.
pub(crate) fn message_for<'a>(errors: &'a [FormError], field: &str) -> Option<&'a str> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    lang: Lang,
    path: String,
    username: String,
    errors: Vec<FormError>,
}

impl SignInPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        message_for(&self.errors, field)
    }
}

pub async fn sign_in_form(State(state): State<AppState>, lang: Lang, parts: axum::http::request::Parts) -> Response {
    if auth::current_staff(&state, &parts).await.is_some() {
        return Redirect::to("/staff").into_response();
    }
    let page = SignInPage { lang, path: "/staff/sign-in".into(), username: String::new(), errors: vec![] };
    render(&page, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    Form(form): Form<SignInForm>,
) -> Response {
    let username = form.username.trim().to_owned();
    let refuse = |status, errors| {
        let page = SignInPage { lang, path: "/staff/sign-in".into(), username: username.clone(), errors };
        render(&page, status)
    };
    let mut missing = Vec::new();
    if username.is_empty() {
        missing.push(FormError { field: "username", message: lang.t("username-required") });
    }
    if form.password.is_empty() {
        missing.push(FormError { field: "password", message: lang.t("password-required") });
    }
    if !missing.is_empty() {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, missing);
    }
    let limiter = &state.sign_in_limiter;
    // Both limits count every attempt, so neither a guessed address nor a guessed name helps.
    let by_address = limiter.allow(&format!("ip:{}", peer.ip()));
    let by_name = limiter.allow(&format!("user:{}", username.to_lowercase()));
    if !(by_address && by_name) {
        let error = FormError { field: "username", message: lang.t("sign-in-too-many") };
        return refuse(StatusCode::TOO_MANY_REQUESTS, vec![error]);
    }
    let user = match state.store.user_by_username(&username).await {
        Ok(user) => user.filter(|u| !u.disabled),
        Err(e) => return server_error(lang, "/staff/sign-in", e),
    };
    let phc = user.as_ref().map_or_else(|| auth::dummy_hash().to_owned(), |u| u.password_hash.clone());
    let password = form.password;
    let verified = tokio::task::spawn_blocking(move || auth::verify_password(&password, &phc)).await.unwrap_or(false);
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!(peer = %peer.ip(), "sign-in refused");
        let error = FormError { field: "username", message: lang.t("sign-in-failed") };
        return refuse(StatusCode::UNAUTHORIZED, vec![error]);
    };
    let (token, hash) = auth::new_token();
    if let Err(e) = state.store.create_session(&hash, user.id, chrono::Utc::now()).await {
        return server_error(lang, "/staff/sign-in", e);
    }
    tracing::info!(user = %user.id, "signed in");
    let cookie = auth::session_cookie(&token, state.config.cookie_secure);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/staff")).into_response()
}

pub async fn sign_out(State(state): State<AppState>, parts: axum::http::request::Parts) -> Response {
    if let Some(token) = crate::i18n::cookie(&parts, auth::SESSION_COOKIE)
        && let Err(e) = state.store.delete_session(&auth::token_hash(token)).await
    {
        tracing::error!(error = %e, "sign-out failed");
    }
    let cookie = auth::cleared_session_cookie(state.config.cookie_secure);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/staff/sign-in")).into_response()
}

// --- Staff home -------------------------------------------------------------------------

struct InboxRow {
    number: String,
    kind: String,
    category: String,
    unit: String,
    status: String,
    received: String,
    due: String,
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct StaffHome {
    lang: Lang,
    path: String,
    signed_in_as: String,
    units: String,
    rows: Vec<InboxRow>,
}

fn role_name(role: Role, lang: Lang) -> &'static str {
    if lang == Lang::En { role.name_en() } else { role.name_sv() }
}

fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    domain::time::local(at).format("%Y-%m-%d %H:%M").to_string()
}

/// A deadline at midnight is the end of the day before: shown as that day's 23:59, since
/// "2026-08-04 00:00" would read as a day later than the promise.
fn local_deadline(at: chrono::DateTime<chrono::Utc>) -> String {
    local_time(at - chrono::Duration::minutes(1))
}

/// The units whose cases this user sees: their node and everything below it; the whole
/// jurisdiction for administrators and registrators, who route for all of it. A user
/// without a unit sees none (deny by default).
fn visible_units(user: &User, tree: &domain::OrgTree) -> Units {
    if matches!(user.role, Role::Administrator | Role::Registrator) {
        return Units::All;
    }
    let nodes = user.node_id.as_deref().and_then(|id| tree.subtree(id).ok()).unwrap_or_default();
    Units::Only(nodes.into_iter().map(|n| n.id.clone()).collect())
}

pub async fn staff_home(
    State(state): State<AppState>,
    lang: Lang,
    Extension(Staff(user)): Extension<Staff>,
) -> Response {
    let path = "/staff";
    let store = &state.store;
    let (tree, categories) =
        match tokio::try_join!(store.org_tree(&user.jurisdiction), store.categories(&user.jurisdiction)) {
            Ok(found) => found,
            Err(e) => return server_error(lang, path, e),
        };
    let query = InboxQuery { jurisdiction: user.jurisdiction.clone(), units: visible_units(&user, &tree), limit: 50 };
    let cases = match store.inbox(&query).await {
        Ok(cases) => cases,
        Err(e) => return server_error(lang, path, e),
    };
    let category_names: HashMap<&str, &str> =
        categories.iter().map(|c| (c.code.as_str(), c.name(lang.code()))).collect();
    let node_name = |id: &str| tree.node(id).map_or_else(|_| id.to_owned(), |n| n.name.clone());
    let rows = cases
        .iter()
        .map(|c| InboxRow {
            number: c.number.clone(),
            kind: c.kind.name(lang.code()).to_owned(),
            category: category_names.get(c.category.as_str()).map_or_else(|| c.category.clone(), |n| (*n).to_owned()),
            unit: node_name(&c.node_id),
            status: if lang == Lang::En { c.status.name_en() } else { c.status.name_sv() }.to_owned(),
            received: local_time(c.received_at),
            due: c.due_at.map_or_else(|| lang.t("due-none"), local_deadline),
        })
        .collect();
    let top_units: Vec<String> = match user.role {
        Role::Administrator | Role::Registrator => vec![tree.root().name.clone()],
        _ => user.node_id.as_deref().map(node_name).into_iter().collect(),
    };
    let page = StaffHome {
        lang,
        path: path.into(),
        signed_in_as: lang.t_with(
            "staff-signed-in-as",
            &[("name", user.display_name.clone()), ("role", role_name(user.role, lang).to_owned())],
        ),
        units: lang.t_with("staff-units", &[("units", top_units.join(", "))]),
        rows,
    };
    render(&page, StatusCode::OK)
}
