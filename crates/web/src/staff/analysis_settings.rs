//! Each förvaltning's way of learning from complaints (S8): the root causes its cases
//! are analysed by, and its routine for identifying, documenting and analysing complaints,
//! published at `/routines/{unit}` and linked from its reports. Administrators edit every
//! förvaltning's; a manager their own.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::NodeLevel;
use domain::analysis::{default_causes, format_causes, parse_causes};
use std::collections::HashMap;
use store::{AnalysisSettings, Role};

use super::{Desk, StaffNav};
use crate::AppState;
use crate::auth::Staff;
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{message_page, render};

const PATH: &str = "/staff/analysis";

struct Unit {
    id: String,
    name: String,
    causes: String,
    routine: String,
    /// Problems with what was sent for this unit, at their fields.
    causes_error: Option<String>,
    routine_error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff_analysis.html")]
struct AnalysisPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    units: Vec<Unit>,
    saved: bool,
}

/// The förvaltningar this user may set up.
fn editable(desk: &Desk) -> Vec<&domain::OrgNode> {
    let access = desk.access();
    let root = desk.tree.root().id.clone();
    desk.tree
        .subtree(&root)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.level == NodeLevel::Forvaltning)
        .filter(|n| desk.user.role == Role::Administrator || (desk.user.role == Role::Chef && access.covers(&n.id)))
        .collect()
}

fn page(
    desk: &Desk,
    lang: Lang,
    sent: Option<(&str, &HashMap<String, String>, &'static str, String)>,
    saved: bool,
) -> Response {
    let units: Vec<Unit> = editable(desk)
        .into_iter()
        .map(|n| {
            let own = desk.analysis.iter().find(|s| s.node_id == n.id);
            let mut unit = Unit {
                id: n.id.to_string(),
                name: desk.unit_name(&n.id),
                causes: format_causes(&own.map_or_else(default_causes, |s| s.causes.clone())),
                routine: own.map(|s| s.routine.clone()).unwrap_or_default(),
                causes_error: None,
                routine_error: None,
            };
            if let Some((node, form, field, message)) = &sent
                && n.id == **node
            {
                {
                    unit.causes = form.get("causes").cloned().unwrap_or_default();
                    unit.routine = form.get("routine").cloned().unwrap_or_default();
                    if *field == "causes" {
                        unit.causes_error = Some(message.clone());
                    } else {
                        unit.routine_error = Some(message.clone());
                    }
                }
            }
            unit
        })
        .collect();
    if units.is_empty() {
        return message_page(lang, PATH, "forbidden", StatusCode::FORBIDDEN);
    }
    let status = if sent.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(&AnalysisPage { lang, path: PATH.into(), nav: StaffNav::new(desk, "analysis"), units, saved }, status)
}

#[derive(serde::Deserialize)]
pub struct ShowParams {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    axum::extract::Query(params): axum::extract::Query<ShowParams>,
) -> Result<Response, PageError> {
    let desk = match Desk::open(&state, user).await {
        Ok(desk) => desk.with_analysis(&state).await,
        Err(e) => Err(e),
    };
    let desk = desk?;
    Ok(page(&desk, lang, None, params.saved.is_some()))
}

pub async fn save(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let desk = match Desk::open(&state, user).await {
        Ok(desk) => desk.with_analysis(&state).await,
        Err(e) => Err(e),
    };
    let desk = desk?;
    let node = form.get("node").cloned().unwrap_or_default();
    if !editable(&desk).iter().any(|n| *n.id == *node) {
        return Err(Error::Forbidden.into());
    }
    let causes = match parse_causes(form.get("causes").map_or("", String::as_str)) {
        Ok(causes) => causes,
        Err(problem) => {
            let message = lang.t1("error-causes", "problem", &problem);
            return Ok(page(&desk, lang, Some((&node, &form, "causes", message)), false));
        }
    };
    let routine = form.get("routine").map_or("", |r| r.trim()).to_owned();
    if routine.chars().count() > 20_000 {
        return Ok(page(&desk, lang, Some((&node, &form, "routine", lang.t("error-text-too-long"))), false));
    }
    let settings = AnalysisSettings { node_id: node.into(), causes, routine };
    state.store.save_analysis_settings(&desk.user.jurisdiction, &settings).await?;
    Ok(Redirect::to(&format!("{PATH}?saved=1")).into_response())
}
