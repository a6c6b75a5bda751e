//! Open statistics (issue 9; S9, G2): the reports' aggregated figures for everyone, per nämnd
//! (or the whole municipality) and period. The same counts and the same small-group rule as
//! the staff report, without the examples staff wrote.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use domain::NodeLevel;
use domain::period::Period;

use super::{ReportParams, ReportView, build};
use crate::AppState;
use crate::citizen::{Choice, home_jurisdiction};
use crate::i18n::Lang;
use crate::pages::{FormError, message_for, render, server_error};

const PATH: &str = "/statistics";

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    lang: Lang,
    path: String,
    units: Vec<Choice>,
    node: String,
    period: String,
    errors: Vec<FormError>,
    report: Option<ReportView>,
}

impl StatisticsPage {
    fn error_for(&self, id: &str) -> Option<&str> {
        message_for(&self.errors, id)
    }
}

pub async fn show(State(state): State<AppState>, lang: Lang, Query(params): Query<ReportParams>) -> Response {
    let found = async {
        let Some(j) = home_jurisdiction(&state).await? else { return Ok(None) };
        let (tree, categories) = tokio::try_join!(state.store.org_tree(&j.id), state.store.categories(&j.id))?;
        Ok::<_, store::StoreError>(Some((j, tree, categories)))
    };
    let (j, tree, categories) = match found.await {
        Ok(Some(found)) => found,
        Ok(None) => return crate::pages::message_page(lang, PATH, "not-found", StatusCode::NOT_FOUND),
        Err(e) => return server_error(lang, PATH, e),
    };
    // The municipality as a whole, and each nämnd.
    let root = tree.root().id.clone();
    let units: Vec<Choice> = tree
        .subtree(&root)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.id == root || n.level == NodeLevel::Namnd)
        .map(|n| Choice { value: n.id.clone(), label: n.name.clone() })
        .collect();
    let node = if params.node.is_empty() { root } else { params.node.clone() };
    let period_text =
        if params.period.is_empty() { domain::time::local(Utc::now()).format("%Y").to_string() } else { params.period };
    let mut errors = Vec::new();
    if !units.iter().any(|u| u.value == node) {
        errors.push(FormError { field: "node", message: lang.t("statistics-error-node") });
    }
    let period = period_text.parse::<Period>();
    if period.is_err() {
        errors.push(FormError { field: "period", message: lang.t("report-error-period") });
    }
    let report = match period {
        Ok(period) if errors.is_empty() => {
            let min_group = state.config.report_min_group;
            match build(&state.store, &j.id, &tree, &categories, &node, period, min_group, lang, Utc::now()).await {
                Ok(mut report) => {
                    report.examples.clear();
                    let mut view = ReportView::of(&report, lang);
                    view.title = lang.t("statistics-title");
                    view.show_examples = false;
                    Some(view)
                }
                Err(e) => return server_error(lang, PATH, e),
            }
        }
        _ => None,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = StatisticsPage { lang, path: PATH.into(), units, node, period: period_text, errors, report };
    render(&page, status)
}
