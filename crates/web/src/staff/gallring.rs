//! Gallring (decision 62): the municipality's gallringsbeslut and their rules, runs planned
//! from them (a preview anyone keeping records can read), approved by an arkivansvarig and
//! then carried out, and each run's protocol as a page, CSV and tagged PDF.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::gallring::{Covers, Disposal, Outcome, Rule};
use domain::{CaseKind, Channel, GallringDecisionId, GallringRuleId, GallringRunId};
use std::collections::HashMap;

use super::{Desk, StaffNav};
use crate::AppState;
use crate::auth::Staff;
use crate::citizen::{Choice, choices};
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormState, render};
use crate::route_list::StaffRoutes;
use app::dates::short;
use app::gallring::{Protocol, rule_label};

pub(super) const PATH: &str = "/staff/gallring";
/// Items listed on a run's page; the CSV protocol has the counts of all.
const LISTED: i64 = 200;

pub(super) fn routes() -> StaffRoutes {
    use axum::routing::{get, post};
    StaffRoutes::default()
        .route(PATH, get(show))
        .route("/staff/gallring/decisions", post(record_decision))
        .route("/staff/gallring/rules", post(add_rule))
        .route("/staff/gallring/runs", post(plan))
        .route("/staff/gallring/erasures", post(plan_erasure))
        .route("/staff/gallring/runs/{id}", get(run_page))
        .route("/staff/gallring/runs/{id}/approve", post(approve))
        .route("/staff/gallring/runs/{id}/{file}", get(protocol_file))
}

struct DecisionRow {
    reference: String,
    body: String,
    decided_on: String,
    rules: Vec<String>,
}

struct RunRow {
    href: String,
    planned: String,
    state: String,
}

#[derive(Template)]
#[template(path = "staff_gallring.html")]
struct GallringPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    decisions: Vec<DecisionRow>,
    decision_choices: Vec<Choice>,
    runs: Vec<RunRow>,
    covers: Vec<Choice>,
    kinds: Vec<Choice>,
    channels: Vec<Choice>,
    outcomes: Vec<Choice>,
    units: Vec<Choice>,
    actions: Vec<Choice>,
    form: FormState,
}

/// Only those who keep the records (administrators, the arkivansvarig) come here.
async fn records_desk(state: &AppState, user: store::User) -> Result<Desk, PageError> {
    let desk = Desk::open(state, user).await?;
    if !desk.access().can_keep_records() {
        return Err(Error::Forbidden.into());
    }
    Ok(desk)
}

async fn page(state: &AppState, desk: &Desk, lang: Lang, form: FormState) -> Result<Response, PageError> {
    let j = &desk.user.jurisdiction;
    let (decisions, runs) = tokio::try_join!(state.store.gallring_decisions(j), state.store.gallring_runs(j))?;
    let l = lang.code();
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = GallringPage {
        lang,
        path: PATH.into(),
        nav: StaffNav::new(desk, "gallring"),
        decision_choices: decisions
            .iter()
            .map(|d| Choice { value: d.id.to_string(), label: format!("{} ({})", d.reference, d.body) })
            .collect(),
        decisions: decisions
            .iter()
            .map(|d| DecisionRow {
                reference: d.reference.clone(),
                body: d.body.clone(),
                decided_on: d.decided_on.to_string(),
                rules: d.rules.iter().map(|r| rule_label(r, &desk.tree, lang)).collect(),
            })
            .collect(),
        runs: runs
            .iter()
            .map(|r| RunRow {
                href: format!("{PATH}/runs/{}", r.id),
                planned: format!("{}, {}", short(r.planned_at), r.planned_by),
                state: lang.t(run_state(r)),
            })
            .collect(),
        covers: choices(Covers::ALL, |x| x.code(), |x| x.name(l)),
        kinds: choices(CaseKind::ALL, |x| x.code(), |x| x.name(l)),
        channels: choices(Channel::ALL, |x| x.code(), |x| x.name(l)),
        outcomes: choices(Outcome::ALL, |x| x.code(), |x| x.name(l)),
        units: desk.unit_choices(),
        actions: choices(Disposal::ALL, |x| x.code(), |x| x.name(l)),
        form,
    };
    Ok(render(&page, status))
}

fn run_state(run: &store::GallringRun) -> &'static str {
    match (run.approved_at, run.finished_at) {
        (_, Some(_)) => "gallring-state-done",
        (Some(_), None) => "gallring-state-running",
        (None, _) => "gallring-state-planned",
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let desk = records_desk(&state, user).await?;
    page(&state, &desk, lang, FormState::default()).await
}

type Fields = HashMap<String, String>;

fn field<'a>(form: &'a Fields, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.trim())
}

/// Who planned or approved a run, as its protocol names them for ever.
fn signed(desk: &Desk) -> String {
    format!("{} ({})", desk.user.display_name, desk.user.username)
}

/// The desk of someone keeping records, and the sent form as the page shows it again.
async fn sent(state: &AppState, user: store::User, fields: &Fields) -> Result<(Desk, FormState), PageError> {
    Ok((records_desk(state, user).await?, FormState::new(fields.clone(), Vec::new())))
}

pub async fn record_decision(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response, PageError> {
    let (desk, mut form) = sent(&state, user, &fields).await?;
    let reference = field(&fields, "decision-reference");
    let body = field(&fields, "decision-body");
    if reference.is_empty() {
        form.error("decision-reference", lang.t("error-text-required"));
    }
    if body.is_empty() {
        form.error("decision-body", lang.t("error-text-required"));
    }
    let decided_on = field(&fields, "decision-date").parse::<chrono::NaiveDate>();
    if decided_on.is_err() {
        form.error("decision-date", lang.t("error-date-invalid"));
    }
    if let (false, Ok(decided_on)) = (form.has_errors(), decided_on) {
        let decision = store::NewGallringDecision {
            reference: reference.to_owned(),
            body: body.to_owned(),
            decided_on,
            recorded_by: Some(desk.user.id),
        };
        match state.store.save_gallring_decision(&desk.user.jurisdiction, &decision).await {
            Ok(_) => return Ok(Redirect::to(PATH).into_response()),
            Err(store::StoreError::Duplicate(_)) => {
                form.error("decision-reference", lang.t("gallring-error-reference-taken"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    page(&state, &desk, lang, form).await
}

pub async fn add_rule(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response, PageError> {
    let (desk, mut form) = sent(&state, user, &fields).await?;
    let decision = field(&fields, "rule-decision").parse::<GallringDecisionId>().ok();
    if decision.is_none() {
        form.error("rule-decision", lang.t("gallring-error-decision"));
    }
    let covers = field(&fields, "rule-covers").parse::<Covers>().ok();
    if covers.is_none() {
        form.error("rule-covers", lang.t("gallring-error-covers"));
    }
    let action = field(&fields, "rule-action").parse::<Disposal>().ok();
    if action.is_none() {
        form.error("rule-action", lang.t("gallring-error-action"));
    }
    let after_months = field(&fields, "rule-months").parse::<u32>().ok().filter(|m| *m <= 1200);
    if after_months.is_none() {
        form.error("rule-months", lang.t("gallring-error-months"));
    }
    let optional = |name: &str| Some(field(&fields, name)).filter(|v| !v.is_empty());
    let kind = optional("rule-kind").map(str::parse::<CaseKind>).transpose().ok().flatten();
    let channel = optional("rule-channel").map(str::parse::<Channel>).transpose().ok().flatten();
    let outcome = optional("rule-outcome").map(str::parse::<Outcome>).transpose().ok().flatten();
    let category = optional("rule-category").map(str::to_owned);
    if category.as_deref().is_some_and(|c| !desk.categories.iter().any(|k| k.code == c)) {
        form.error("rule-category", lang.t("gallring-error-category"));
    }
    let node_id = optional("rule-node").map(domain::NodeId::from);
    if node_id.as_deref().is_some_and(|n| desk.tree.node(n).is_err()) {
        form.error("rule-node", lang.t("error-unit-required"));
    }
    let filters = kind.is_some() || channel.is_some() || category.is_some() || node_id.is_some() || outcome.is_some();
    if covers.is_some_and(|c| !c.is_of_cases()) && filters {
        form.error("rule-covers", lang.t("gallring-error-filters"));
    }
    if let (false, Some(decision), Some(covers), Some(action), Some(after_months)) =
        (form.has_errors(), decision, covers, action, after_months)
    {
        let id = GallringRuleId::new();
        let rule = Rule { id, covers, kind, category, node_id, channel, outcome, after_months, action };
        match state.store.add_gallring_rule(&desk.user.jurisdiction, decision, &rule).await {
            Ok(()) => return Ok(Redirect::to(PATH).into_response()),
            Err(store::StoreError::NotFound) => form.error("rule-decision", lang.t("gallring-error-decision")),
            Err(e) => return Err(e.into()),
        }
    }
    page(&state, &desk, lang, form).await
}

pub async fn plan(
    State(state): State<AppState>,
    Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let desk = records_desk(&state, user).await?;
    let by = signed(&desk);
    let run = app::gallring::plan(&state.store, &desk.user.jurisdiction, &by, chrono::Utc::now()).await?;
    Ok(Redirect::to(&format!("{PATH}/runs/{run}")).into_response())
}

/// GDPR art. 17: a closed case that a gallras rule covers, erased as a run of one.
pub async fn plan_erasure(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response, PageError> {
    let (desk, mut form) = sent(&state, user, &fields).await?;
    let number = field(&fields, "erase-number");
    let reason = field(&fields, "erase-reason");
    if number.is_empty() {
        form.error("erase-number", lang.t("error-text-required"));
    }
    if reason.is_empty() {
        form.error("erase-reason", lang.t("error-text-required"));
    }
    if !form.has_errors() {
        let by = signed(&desk);
        match app::gallring::plan_erasure(&state.store, &desk.user.jurisdiction, number, &by, reason).await? {
            Ok(run) => return Ok(Redirect::to(&format!("{PATH}/runs/{run}")).into_response()),
            Err(refused) => form.error("erase-number", lang.t(refused.text_key())),
        }
    }
    page(&state, &desk, lang, form).await
}

struct ItemRow {
    label: String,
    covers: String,
    done: bool,
}

#[derive(Template)]
#[template(path = "staff_gallring_run.html")]
struct RunPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    title: String,
    state: String,
    facts: Vec<(String, String)>,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    items: Vec<ItemRow>,
    more: bool,
    can_approve: bool,
    base: String,
}

async fn protocol_of(state: &AppState, desk: &Desk, id: GallringRunId, lang: Lang) -> Result<Protocol, PageError> {
    let run = state.store.gallring_run(&desk.user.jurisdiction, id).await?.ok_or(Error::NotFound)?;
    Ok(Protocol::of(&state.store, run, lang).await?)
}

pub async fn run_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<GallringRunId>,
) -> Result<Response, PageError> {
    let desk = records_desk(&state, user).await?;
    let protocol = protocol_of(&state, &desk, id, lang).await?;
    let items = state.store.gallring_items(id, false, LISTED + 1).await?;
    let l = lang.code();
    let page = RunPage {
        lang,
        path: format!("{PATH}/runs/{id}"),
        nav: StaffNav::new(&desk, "gallring"),
        title: protocol.title(lang),
        state: lang.t(run_state(&protocol.run)),
        facts: protocol.facts(lang),
        columns: Protocol::columns(lang),
        rows: protocol.rows(lang),
        more: items.len() as i64 > LISTED,
        items: items
            .iter()
            .take(LISTED as usize)
            .map(|i| ItemRow { label: i.label.clone(), covers: i.covers.name(l).into(), done: i.done_at.is_some() })
            .collect(),
        can_approve: desk.access().can_approve_gallring() && protocol.run.approved_at.is_none(),
        base: format!("{PATH}/runs/{id}"),
    };
    Ok(render(&page, StatusCode::OK))
}

/// Approves the run and carries it out in the background: the page shows how far it got.
pub async fn approve(
    State(state): State<AppState>,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<GallringRunId>,
) -> Result<Response, PageError> {
    let desk = records_desk(&state, user).await?;
    if !desk.access().can_approve_gallring() {
        return Err(Error::Forbidden.into());
    }
    let j = &desk.user.jurisdiction;
    let by = signed(&desk);
    state.store.gallring_run(j, id).await?.ok_or(Error::NotFound)?;
    if state.store.approve_gallring_run(j, id, &by).await? {
        let run = state.store.gallring_run(j, id).await?.ok_or(Error::NotFound)?;
        let disk = app::gallring::Disk::new(&state.config.attachments_dir, &state.config.mail.dir);
        let store = state.store.clone();
        tokio::spawn(async move {
            if let Err(e) = app::gallring::carry_out(&store, &disk, &run).await {
                tracing::error!(run = %run.id, error = %e, "a gallring run stopped; it resumes at the next start");
            }
        });
    }
    Ok(Redirect::to(&format!("{PATH}/runs/{id}")).into_response())
}

pub async fn protocol_file(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path((id, file)): Path<(GallringRunId, String)>,
) -> Result<Response, PageError> {
    let desk = records_desk(&state, user).await?;
    let (kind, body) = match file.as_str() {
        "protocol.csv" => {
            ("text/csv; charset=utf-8", protocol_of(&state, &desk, id, lang).await?.csv(lang).into_bytes())
        }
        "protocol.pdf" => (
            "application/pdf",
            protocol_of(&state, &desk, id, lang).await?.pdf(lang).map_err(|e| Error::Internal(e.to_string()))?,
        ),
        _ => return Err(Error::NotFound.into()),
    };
    let name = format!("gallringsprotokoll-{id}.{}", file.rsplit('.').next().unwrap_or("bin"));
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
