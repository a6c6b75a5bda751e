//! A förvaltning's published routine for identifying, documenting and analysing complaints
//! (S8): public, linked from its reports.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::AppState;
use crate::error::PageError;
use crate::i18n::{Lang, PageLang};
use crate::pages::{message_page, render};

#[derive(Template)]
#[template(path = "routine.html")]
struct RoutinePage {
    lang: Lang,
    path: String,
    unit: String,
    paragraphs: Vec<String>,
}

pub async fn show(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path(node): Path<String>,
) -> Result<Response, PageError> {
    let path = format!("/routines/{node}");
    let found = async {
        for j in state.store.jurisdictions().await? {
            let settings = state.store.analysis_settings(&j.id).await?;
            if let Some(s) = settings.into_iter().find(|s| *s.node_id == *node && !s.routine.trim().is_empty()) {
                let tree = state.store.org_tree(&j.id).await?;
                return Ok(Some((tree.display_path(&node).unwrap_or_else(|_| node.clone()), s.routine)));
            }
        }
        Ok::<_, store::StoreError>(None)
    };
    Ok(match found.await {
        Ok(Some((unit, routine))) => {
            let paragraphs = routine.split("\n\n").map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
            render(&RoutinePage { lang, path, unit, paragraphs }, StatusCode::OK)
        }
        Ok(None) => message_page(lang, &path, "not-found", StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    })
}
