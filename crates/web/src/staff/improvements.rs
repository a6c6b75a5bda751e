//! Förbättringsåtgärder (S8, V-S4): what is done because of complaints, by whom and
//! by when, linked to the cases that led to it, and followed up: did it work? A manager sees
//! the open actions of their units here.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use domain::{CaseId, ImprovementId, UserId};
use domain::{ImprovementStatus, Worked};
use std::collections::HashMap;
use store::{Improvement, ImprovementInput, Role};

use super::{Desk, StaffNav};
use crate::AppState;
use crate::auth::Staff;
use crate::citizen::Choice;
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormError, FormState, render};
use app::dates::short;

const PATH: &str = "/staff/improvements";

struct Row {
    href: String,
    description: String,
    unit: String,
    owner: String,
    due: String,
    status: String,
    overdue: bool,
    cases: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff_improvements.html")]
struct ListPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    /// Open actions, then done and cancelled ones: (id, heading, rows).
    sections: Vec<(&'static str, String, Vec<Row>)>,
    can_edit: bool,
}

#[derive(Template)]
#[template(path = "staff_improvement.html")]
struct EditPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    /// Where the form is sent: `/staff/improvements/new` or the action's own address.
    action: String,
    created: Option<String>,
    form: FormState,
    units: Vec<Choice>,
    owners: Vec<Choice>,
    statuses: Vec<Choice>,
    worked: Vec<Choice>,
}

impl EditPage {}

/// Who may record and change actions: those who handle cases, and managers.
fn can_edit(desk: &Desk) -> bool {
    matches!(desk.user.role, Role::Administrator | Role::Handlaggare | Role::Chef)
}

fn row(desk: &Desk, i: &Improvement, lang: Lang, today: NaiveDate) -> Row {
    let names = desk.staff_names();
    let open = matches!(i.status, ImprovementStatus::Planned | ImprovementStatus::Ongoing);
    Row {
        href: format!("{PATH}/{}", i.id),
        description: i.description.clone(),
        unit: desk.unit_name(&i.node_id),
        owner: i.owner_id.and_then(|id| names.get(&id).map(|n| (*n).to_owned())).unwrap_or_default(),
        due: i.due_date.to_string(),
        status: i.status.name(lang.code()).to_owned(),
        overdue: open && i.due_date < today,
        cases: i.cases.iter().map(|(_, n)| n.clone()).collect(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let desk = Desk::open(&state, user).await?;
    let units = desk.access().unit_ids();
    let all = state.store.improvements(&desk.user.jurisdiction, Some(&units)).await?;
    let today = domain::time::local(Utc::now()).date_naive();
    let (open, closed): (Vec<&Improvement>, Vec<&Improvement>) =
        all.iter().partition(|i| matches!(i.status, ImprovementStatus::Planned | ImprovementStatus::Ongoing));
    let page = ListPage {
        lang,
        path: PATH.into(),
        nav: StaffNav::new(&desk, "improvements"),
        sections: vec![
            ("open", lang.t("improvements-open"), open.iter().map(|i| row(&desk, i, lang, today)).collect()),
            ("closed", lang.t("improvements-closed"), closed.iter().map(|i| row(&desk, i, lang, today)).collect()),
        ],
        can_edit: can_edit(&desk),
    };
    Ok(render(&page, StatusCode::OK))
}

fn edit_page(
    desk: &Desk,
    lang: Lang,
    action: String,
    values: HashMap<String, String>,
    errors: Vec<FormError>,
) -> Response {
    let l = lang.code();
    let access = desk.access();
    let page = EditPage {
        lang,
        path: action.clone(),
        nav: StaffNav::new(desk, "improvements"),
        created: values.get("created").cloned(),
        action,
        form: FormState::new(values, errors),
        units: access.unit_ids().iter().map(|id| Choice { value: id.to_string(), label: desk.unit_name(id) }).collect(),
        owners: desk
            .staff
            .iter()
            .filter(|u| !u.disabled && u.node_id.as_deref().is_some_and(|n| access.covers(n)))
            .map(|u| Choice { value: u.id.to_string(), label: u.display_name.clone() })
            .collect(),
        statuses: ImprovementStatus::ALL
            .iter()
            .map(|s| Choice { value: s.code().into(), label: s.name(l).into() })
            .collect(),
        worked: Worked::ALL.iter().map(|w| Choice { value: w.code().into(), label: w.name(l).into() }).collect(),
    };
    let status = if page.form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(&page, status)
}

#[derive(serde::Deserialize)]
pub struct NewParams {
    #[serde(default)]
    case: String,
}

async fn open_desk(state: &AppState, user: store::User) -> Result<Desk, PageError> {
    let desk = Desk::open(state, user).await?;
    if !can_edit(&desk) {
        return Err(Error::Forbidden.into());
    }
    Ok(desk)
}

pub async fn new_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<NewParams>,
) -> Result<Response, PageError> {
    let path = format!("{PATH}/new");
    let desk = open_desk(&state, user).await?;
    let mut values = HashMap::new();
    values.insert("cases".into(), params.case);
    values.insert("status".into(), ImprovementStatus::Planned.code().into());
    values.insert("node".into(), desk.user.node_id.clone().unwrap_or_default().into_string());
    Ok(edit_page(&desk, lang, path, values, Vec::new()))
}

pub async fn edit_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<ImprovementId>,
) -> Result<Response, PageError> {
    let path = format!("{PATH}/{id}");
    let desk = open_desk(&state, user).await?;
    let found = visible(&state, &desk, id).await?.ok_or(Error::NotFound)?;
    let values = HashMap::from([
        ("node".to_owned(), found.node_id.to_string()),
        ("description".to_owned(), found.description.clone()),
        ("owner".to_owned(), found.owner_id.map(|o| o.to_string()).unwrap_or_default()),
        ("due".to_owned(), found.due_date.to_string()),
        ("status".to_owned(), found.status.code().to_owned()),
        ("follow_up".to_owned(), found.follow_up.clone()),
        ("worked".to_owned(), found.worked.map(|w| w.code().to_owned()).unwrap_or_default()),
        ("cases".to_owned(), found.cases.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>().join(", ")),
        ("created".to_owned(), short(found.created_at)),
    ]);
    Ok(edit_page(&desk, lang, path, values, Vec::new()))
}

/// The action, if it belongs to one of the user's units (deny by default).
async fn visible(state: &AppState, desk: &Desk, id: ImprovementId) -> Result<Option<Improvement>, store::StoreError> {
    let units = desk.access().unit_ids();
    let all = state.store.improvements(&desk.user.jurisdiction, Some(&units)).await?;
    Ok(all.into_iter().find(|i| i.id == id))
}

/// Reads the form: what it says, the cases it names (each one the user can see), and the
/// problems, each at its field.
async fn read(
    state: &AppState,
    desk: &Desk,
    form: &HashMap<String, String>,
    lang: Lang,
) -> Result<(ImprovementInput, Vec<CaseId>, Vec<FormError>), store::StoreError> {
    let get = |name: &str| form.get(name).map_or("", |v| v.trim());
    let mut errors = Vec::new();
    let mut fail = |field: &'static str, key: &str| errors.push(FormError { field, message: lang.t(key) });
    let access = desk.access();
    let node = domain::NodeId::from(get("node"));
    if !access.unit_ids().contains(&node) {
        fail("node", "error-unit-required");
    }
    let description = get("description").to_owned();
    if description.is_empty() {
        fail("description", "error-text-required");
    }
    let owner_id = match get("owner") {
        "" => None,
        id => {
            let found = id.parse::<UserId>().ok().filter(|id| desk.staff.iter().any(|u| u.id == *id));
            if found.is_none() {
                fail("owner", "error-handler-invalid");
            }
            found
        }
    };
    let due_date = NaiveDate::parse_from_str(get("due"), "%Y-%m-%d").ok();
    if due_date.is_none() {
        fail("due", "error-date-invalid");
    }
    let status = get("status").parse::<ImprovementStatus>().ok();
    if status.is_none() {
        fail("status", "error-status-required");
    }
    let worked = get("worked").parse::<Worked>().ok();
    let mut cases = Vec::new();
    for number in get("cases").split([',', ' ', ';']).map(str::trim).filter(|n| !n.is_empty()) {
        match state.store.case_by_number(&desk.user.jurisdiction, number).await? {
            Some(case) if access.can_see(&case) => cases.push(case.id),
            _ => {
                errors.push(FormError { field: "cases", message: lang.t1("error-case-unknown", "number", number) });
            }
        }
    }
    let input = ImprovementInput {
        node_id: node,
        description,
        owner_id,
        due_date: due_date.unwrap_or_default(),
        status: status.unwrap_or(ImprovementStatus::Planned),
        follow_up: get("follow_up").to_owned(),
        worked,
    };
    Ok((input, cases, errors))
}

async fn save(
    state: AppState,
    lang: Lang,
    user: store::User,
    id: Option<ImprovementId>,
    form: HashMap<String, String>,
) -> Result<Response, PageError> {
    let path = id.map_or_else(|| format!("{PATH}/new"), |id| format!("{PATH}/{id}"));
    let desk = open_desk(&state, user).await?;
    if let Some(id) = id {
        match visible(&state, &desk, id).await {
            Ok(Some(_)) => {}
            Ok(None) => return Err(Error::NotFound.into()),
            Err(e) => return Err(e.into()),
        }
    }
    let (input, cases, errors) = read(&state, &desk, &form, lang).await?;
    if !errors.is_empty() {
        return Ok(edit_page(&desk, lang, path, form, errors));
    }
    let _ = state.store.save_improvement(&desk.user.jurisdiction, id, &input, &cases).await?;
    Ok(Redirect::to(PATH).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    save(state, lang, user, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<ImprovementId>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    save(state, lang, user, Some(id), form).await
}
