//! The paper form, the privacy page and the accessibility statement.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::{CaseKind, ContactMethod, SubmitterRole};

use super::*;
use crate::AppState;
use crate::error::PageError;
use crate::i18n::{Lang, PageLang};
use crate::pages::render;

// --- Information pages ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "paper_form.html")]
struct PaperFormPage {
    lang: Lang,
    path: String,
    municipality: String,
    kinds: Vec<Choice>,
    groups: Vec<CategoryGroup>,
    roles: Vec<Choice>,
    methods: Vec<Choice>,
    ways: Vec<String>,
}

/// The same form on paper, for reception desks and libraries (S5). Printing it leaves out
/// the site's navigation.
pub async fn paper_form(State(state): State<AppState>, PageLang(lang): PageLang) -> Result<Response, PageError> {
    let j = match home_jurisdiction(&state).await {
        Ok(Some(j)) => j,
        Ok(None) => return Ok(not_set_up(lang)),
        Err(e) => return Err(e.into()),
    };
    let categories = state.store.categories(&j.id).await?;
    let l = lang.code();
    let mut ways = vec![lang.t("paper-way-desk")];
    if let Some(address) = &j.visiting_address {
        ways.push(lang.t1("paper-way-post", "address", address));
    }
    if let Some(email) = &j.email {
        ways.push(lang.t1("paper-way-scan", "email", email));
    }
    let page = PaperFormPage {
        lang,
        path: "/paper-form".into(),
        municipality: j.name.clone(),
        kinds: choices(CaseKind::ALL, |k| k.code(), |k| k.name(l)),
        groups: category_groups(&categories, lang),
        roles: choices(SubmitterRole::ALL, |r| r.code(), |r| r.name(l)),
        methods: choices(ContactMethod::ALL, |m| m.code(), |m| m.name(l)),
        ways,
    };
    Ok(render(&page, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    lang: Lang,
    path: String,
    municipality: String,
    contact: Option<String>,
    /// The nämnder, each the controller of the cases it is responsible for.
    controllers: Vec<String>,
    /// How to reach the data protection officer (the setup's `dpo_contact`).
    dpo: Option<String>,
    /// What the open API shows, as this installation is set up.
    published: String,
    /// The gallringsbeslut in force, each with its rules as people read them.
    retention: Vec<(String, Vec<String>)>,
}

/// The privacy notice, from the setup as it is: the nämnder as controllers, the data
/// protection officer, what is published, and the gallring rules in force.
pub async fn privacy(State(state): State<AppState>, PageLang(lang): PageLang) -> Result<Response, PageError> {
    let published = match state.config.open311_public_reads {
        app::PublicReads::Off => lang.t("privacy-published-off"),
        app::PublicReads::Published => {
            lang.t1("privacy-published", "metres", &state.config.open311_position_metres.to_string())
        }
    };
    let Some(j) = home_jurisdiction(&state).await? else {
        return Ok(not_set_up(lang));
    };
    let (tree, decisions) = tokio::try_join!(state.store.org_tree(&j.id), state.store.gallring_decisions(&j.id))?;
    let retention = decisions
        .iter()
        .map(|d| {
            let heading = format!("{}, {} {}", d.body, d.reference, d.decided_on);
            (heading, d.rules.iter().map(|r| app::gallring::rule_label(r, &tree, lang)).collect())
        })
        .collect();
    let controllers = tree
        .subtree(&tree.root().id)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.level == domain::NodeLevel::Namnd)
        .map(|n| n.name.clone())
        .collect();
    let page = PrivacyPage {
        lang,
        path: "/privacy".into(),
        municipality: j.name,
        contact: j.email,
        controllers,
        dpo: j.dpo_contact,
        published,
        retention,
    };
    Ok(render(&page, StatusCode::OK))
}

/// A page about the municipality: its name and contact address, or blanks before set-up.
async fn info_page<T: Template>(
    state: &AppState,
    path: &str,
    page: impl FnOnce(String, String, Option<String>) -> T,
) -> Result<Response, PageError> {
    let j = home_jurisdiction(state).await?;
    let (municipality, contact) = j.map_or((String::new(), None), |j| (j.name, j.email));
    Ok(render(&page(path.to_owned(), municipality, contact), StatusCode::OK))
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    lang: Lang,
    path: String,
    municipality: String,
    contact: Option<String>,
}

pub async fn accessibility(State(state): State<AppState>, PageLang(lang): PageLang) -> Result<Response, PageError> {
    info_page(&state, "/accessibility", |path, municipality, contact| AccessibilityPage {
        lang,
        path,
        municipality,
        contact,
    })
    .await
}
