//! Reports to the nämnder (S8, S9, V-S4): built from the projection, shown to staff as
//! a page, downloaded as CSV, HTML or tagged PDF, and printed by `lyhord report`.

pub(crate) mod public;
pub(crate) mod routine;

pub use app::reports::ReportView;
pub use app::reports::{Report, build};

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::period::Period;

use crate::AppState;
use crate::auth::Staff;
use crate::citizen::Choice;
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormError, FormState, render};
use crate::route_list::StaffRoutes;
use crate::staff::{Desk, StaffNav};

const PATH: &str = "/staff/reports";

#[derive(Debug, Default, serde::Deserialize)]
pub struct ReportParams {
    #[serde(default)]
    node: String,
    #[serde(default)]
    period: String,
}

#[derive(Template)]
#[template(path = "staff_report.html")]
struct ReportPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    form_action: &'static str,
    units: Vec<Choice>,
    node: String,
    period: String,
    form: FormState,
    report: Option<ReportView>,
    query: String,
}

/// The nämnd's report, behind staff sign-in.
pub(crate) fn staff_routes() -> StaffRoutes {
    StaffRoutes::default()
        .route("/staff/reports", axum::routing::get(page))
        .route("/staff/reports/{file}", axum::routing::get(download))
}

/// The report the parameters ask for, or the problems with them.
async fn report_for(
    state: &AppState,
    desk: &Desk,
    params: &ReportParams,
    lang: Lang,
) -> Result<Result<Report, Vec<FormError>>, store::StoreError> {
    let mut errors = Vec::new();
    let units = desk.access().unit_ids();
    if !units.iter().any(|u| *u == *params.node) {
        errors.push(FormError { field: "node", message: lang.t("report-error-node") });
    }
    let period = params.period.parse::<Period>();
    if period.is_err() {
        errors.push(FormError { field: "period", message: lang.t("report-error-period") });
    }
    let period = match period {
        Ok(period) if errors.is_empty() => period,
        _ => return Ok(Err(errors)),
    };
    let j = &desk.user.jurisdiction;
    let min_group = state.config.report_min_group;
    build(&state.store, j, &desk.tree, &desk.categories, &params.node, period, min_group, lang, Utc::now())
        .await
        .map(Ok)
}

pub async fn page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<ReportParams>,
) -> Result<Response, PageError> {
    let desk = Desk::open(&state, user).await?;
    let asked = !params.node.is_empty() || !params.period.is_empty();
    let (report, errors) = if asked {
        match report_for(&state, &desk, &params, lang).await {
            Ok(Ok(report)) => (Some(ReportView::of(&report, lang)), Vec::new()),
            Ok(Err(errors)) => (None, errors),
            Err(e) => return Err(e.into()),
        }
    } else {
        (None, Vec::new())
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let query = serde_urlencoded::to_string([("node", &params.node), ("period", &params.period)]).unwrap_or_default();
    let page = ReportPage {
        lang,
        path: PATH.into(),
        nav: StaffNav::new(&desk, "reports"),
        form_action: PATH,
        units: desk
            .access()
            .unit_ids()
            .iter()
            .map(|id| Choice { value: id.to_string(), label: desk.unit_name(id) })
            .collect(),
        node: if params.node.is_empty() {
            desk.user.node_id.clone().unwrap_or_default().into_string()
        } else {
            params.node
        },
        period: if params.period.is_empty() {
            domain::time::local(Utc::now()).format("%Y").to_string()
        } else {
            params.period
        },
        form: FormState::with_errors(errors),
        report,
        query,
    };
    Ok(render(&page, status))
}

/// `/staff/reports/report.{csv,html,pdf}`: the same report to keep or to attach to the papers.
pub async fn download(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(params): Query<ReportParams>,
) -> Result<Response, PageError> {
    let desk = Desk::open(&state, user).await?;
    let report = match report_for(&state, &desk, &params, lang).await {
        Ok(Ok(report)) => report,
        Ok(Err(_)) => return Ok(crate::pages::message_page(lang, PATH, "not-found", StatusCode::NOT_FOUND)),
        Err(e) => return Err(e.into()),
    };
    let view = ReportView::of(&report, lang);
    let name = format!("lyhord-{}-{}", params.node, report.period);
    let (body, kind, ext) = match file.as_str() {
        "report.csv" => (view.csv().into_bytes(), "text/csv; charset=utf-8", "csv"),
        "report.html" => (view.html(lang).into_bytes(), "text/html; charset=utf-8", "html"),
        "report.pdf" => match view.pdf(lang, &state.config.public_url) {
            Ok(pdf) => (pdf, "application/pdf", "pdf"),
            Err(e) => return Err(Error::Internal(e.to_string()).into()),
        },
        _ => return Ok(crate::pages::message_page(lang, PATH, "not-found", StatusCode::NOT_FOUND)),
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.{ext}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
