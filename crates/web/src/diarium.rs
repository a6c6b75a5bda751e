//! The register of cases (OSL 5 kap. 1-2 §§) as pages: `/staff/diarium` for staff, and
//! `/register` for anyone when the municipality sets `public_register`. Both show the same
//! lines (a private person is never named) and download as CSV.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Staff;
use crate::citizen::{Choice, home_jurisdiction};
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormState, render};
use crate::route_list::StaffRoutes;
use crate::staff::Desk;
use crate::staff_nav::StaffNav;
use app::register::{EXPORT_LIMIT, Line, PAGE, Typed};

const STAFF_PATH: &str = "/staff/diarium";
const PUBLIC_PATH: &str = "/register";

pub fn staff_routes() -> StaffRoutes {
    use axum::routing::get;
    StaffRoutes::default().route(STAFF_PATH, get(staff_page)).route("/staff/diarium.csv", get(staff_csv))
}

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    number: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    page: i64,
}

impl Params {
    fn typed(&self) -> Typed {
        Typed {
            number: self.number.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            unit: self.unit.clone(),
            subject: self.subject.clone(),
        }
    }

    fn link(&self, base: &str, page: Option<i64>) -> String {
        let mut pairs = vec![
            ("number", self.number.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("unit", self.unit.clone()),
            ("subject", self.subject.clone()),
        ];
        pairs.retain(|(_, v)| !v.is_empty());
        if let Some(page) = page {
            pairs.push(("page", page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() { base.to_owned() } else { format!("{base}?{query}") }
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    lang: Lang,
    path: String,
    nav: Option<StaffNav>,
    form: FormState,
    units: Vec<Choice>,
    columns: Vec<String>,
    lines: Vec<Line>,
    /// Links to the cases, for staff.
    link_cases: bool,
    previous: Option<String>,
    next: Option<String>,
    csv: String,
}

/// What a register of `jurisdiction` shows for these parameters, or the form with problems.
async fn read(
    state: &AppState,
    jurisdiction: &domain::JurisdictionId,
    params: &Params,
    lang: Lang,
    limit: Option<i64>,
) -> Result<(Vec<Line>, bool, FormState, Vec<Choice>), PageError> {
    let (tree, categories) =
        tokio::try_join!(state.store.org_tree(jurisdiction), state.store.categories(jurisdiction))?;
    let typed = params.typed();
    let values = [
        ("number", typed.number.clone()),
        ("from", typed.from.clone()),
        ("to", typed.to.clone()),
        ("unit", typed.unit.clone()),
        ("subject", typed.subject.clone()),
    ];
    let mut form = FormState::new(values.map(|(k, v)| (k.to_owned(), v)), Vec::new());
    let units = tree
        .subtree(&tree.root().id)
        .unwrap_or_default()
        .iter()
        .map(|n| Choice { value: n.id.to_string(), label: tree.display_path(&n.id).unwrap_or_default() })
        .collect();
    match typed.query(jurisdiction, &tree, &categories, params.page) {
        Ok(mut query) => {
            if let Some(limit) = limit {
                (query.limit, query.offset) = (limit, 0);
            }
            let entries = state.store.register_entries(&query).await?;
            let more = limit.is_none() && entries.len() as i64 > PAGE;
            let shown = if limit.is_none() { &entries[..entries.len().min(PAGE as usize)] } else { &entries[..] };
            Ok((app::register::lines(shown, &tree, &categories, lang), more, form, units))
        }
        Err(problems) => {
            for (field, key) in problems {
                form.error(field, lang.t(key));
            }
            Ok((Vec::new(), false, form, units))
        }
    }
}

async fn page(
    state: &AppState,
    jurisdiction: &domain::JurisdictionId,
    params: Params,
    lang: Lang,
    base: &'static str,
    nav: Option<StaffNav>,
) -> Result<Response, PageError> {
    let (lines, more, form, units) = read(state, jurisdiction, &params, lang, None).await?;
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let current = params.page.max(1);
    let page = RegisterPage {
        lang,
        path: base.into(),
        link_cases: nav.is_some(),
        nav,
        form,
        units,
        columns: app::register::columns(lang),
        lines,
        previous: (current > 1).then(|| params.link(base, Some(current - 1))),
        next: more.then(|| params.link(base, Some(current + 1))),
        csv: params.link(&format!("{base}.csv"), None),
    };
    Ok(render(&page, status))
}

async fn csv(
    state: &AppState,
    jurisdiction: &domain::JurisdictionId,
    params: Params,
    lang: Lang,
) -> Result<Response, PageError> {
    let (lines, _, form, _) = read(state, jurisdiction, &params, lang, Some(EXPORT_LIMIT)).await?;
    if form.has_errors() {
        return Err(Error::NotFound.into());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"diarium.csv\""),
        ],
        app::register::csv(&lines, Utc::now(), lang),
    )
        .into_response())
}

pub async fn staff_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<Params>,
) -> Result<Response, PageError> {
    let desk = Desk::open(&state, user).await?;
    let nav = StaffNav::new(&desk, "diarium");
    page(&state, &desk.user.jurisdiction, params, lang, STAFF_PATH, Some(nav)).await
}

pub async fn staff_csv(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<Params>,
) -> Result<Response, PageError> {
    csv(&state, &user.jurisdiction, params, lang).await
}

/// The public register, where the municipality has chosen to publish it.
async fn public_jurisdiction(state: &AppState) -> Result<domain::JurisdictionId, PageError> {
    if !state.config.public_register {
        return Err(Error::NotFound.into());
    }
    Ok(home_jurisdiction(state).await?.ok_or(Error::NotFound)?.id)
}

pub async fn public_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Query(params): Query<Params>,
) -> Result<Response, PageError> {
    let j = public_jurisdiction(&state).await?;
    page(&state, &j, params, lang, PUBLIC_PATH, None).await
}

pub async fn public_csv(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Query(params): Query<Params>,
) -> Result<Response, PageError> {
    let j = public_jurisdiction(&state).await?;
    csv(&state, &j, params, lang).await
}
