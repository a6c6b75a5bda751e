//! Open statistics (S9, G2): the reports' aggregated figures for everyone, per nämnd
//! (or the whole municipality) and period. The same counts and the same small-group rule as
//! the staff report, without the examples staff wrote.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use domain::NodeLevel;
use domain::period::Period;
use std::collections::HashMap;

use super::{ReportParams, ReportView, build};
use crate::AppState;
use crate::citizen::{Choice, home_jurisdiction};
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormError, FormState, render};

const PATH: &str = "/statistics";
/// How long a computed page is served again as it is.
const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(300);
/// Pages kept at most; the cache is emptied when full.
const CACHED_PAGES: usize = 200;

/// Anyone may ask, and a year over a large municipality takes seconds: pages are computed one
/// at a time and kept for a few minutes, so that asking again and again costs nothing.
pub struct Cache {
    gate: tokio::sync::Semaphore,
    pages: std::sync::Mutex<HashMap<String, (std::time::Instant, String)>>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache { gate: tokio::sync::Semaphore::new(1), pages: std::sync::Mutex::new(HashMap::new()) }
    }
}

impl Cache {
    fn get(&self, key: &str) -> Option<String> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.get(key).filter(|(at, _)| at.elapsed() < FRESH_FOR).map(|(_, html)| html.clone())
    }

    fn keep(&self, key: String, html: &str) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= CACHED_PAGES {
            pages.clear();
        }
        pages.insert(key, (std::time::Instant::now(), html.to_owned()));
    }
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    lang: Lang,
    path: String,
    form_action: &'static str,
    units: Vec<Choice>,
    node: String,
    period: String,
    form: FormState,
    report: Option<ReportView>,
}

pub async fn show(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Query(params): Query<ReportParams>,
) -> Result<Response, PageError> {
    let key = format!("{}|{}|{}", lang.code(), params.node, params.period);
    let cache = &state.statistics;
    if let Some(html) = cache.get(&key) {
        return Ok(page_response(html));
    }
    let Ok(_turn) = cache.gate.acquire().await else {
        return Err(PageError::internal("the statistics gate is closed"));
    };
    // Someone else may have computed it while this request waited its turn.
    if let Some(html) = cache.get(&key) {
        return Ok(page_response(html));
    }
    let found = async {
        let Some(j) = home_jurisdiction(&state).await? else { return Ok(None) };
        let (tree, categories) = tokio::try_join!(state.store.org_tree(&j.id), state.store.categories(&j.id))?;
        Ok::<_, store::StoreError>(Some((j, tree, categories)))
    };
    let (j, tree, categories) = found.await?.ok_or(Error::NotFound)?;
    // The municipality as a whole, and each nämnd.
    let root = tree.root().id.clone();
    let units: Vec<Choice> = tree
        .subtree(&root)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.id == root || n.level == NodeLevel::Namnd)
        .map(|n| Choice { value: n.id.to_string(), label: n.name.clone() })
        .collect();
    let node = if params.node.is_empty() { root.to_string() } else { params.node.clone() };
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
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    let page = StatisticsPage {
        lang,
        path: PATH.into(),
        form_action: PATH,
        units,
        node,
        period: period_text,
        form: FormState::with_errors(errors),
        report,
    };
    if page.form.has_errors() {
        return Ok(render(&page, StatusCode::UNPROCESSABLE_ENTITY));
    }
    Ok(match page.render() {
        Ok(html) => {
            state.statistics.keep(key, &html);
            page_response(html)
        }
        Err(e) => return Err(PageError::internal(e)),
    })
}

fn page_response(html: String) -> Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CACHE_CONTROL, "public, max-age=300")], axum::response::Html(html)).into_response()
}
