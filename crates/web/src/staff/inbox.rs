//! The inbox (open cases by the nearest clock) and search (all cases by text), with the
//! same filters and paging, and marks for promises broken or about to break.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use domain::calendar::Calendar;
use domain::{CaseKind, Channel, Status};
use serde::{Deserialize, Serialize};
use store::{CaseFilter, CaseSummary, InboxQuery, SearchQuery, Units};

use super::{Desk, StaffNav, role_name};
use crate::AppState;
use crate::auth::Staff;
use crate::citizen::Choice;
use crate::error::PageError;
use crate::i18n::{Lang, PageLang};
use crate::pages::render;

const PAGE_SIZE: i64 = 50;

/// The filters and page of a list, as they travel in the address.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListParams {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    category: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    unit: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    channel: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    handler: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<u32>,
}

impl ListParams {
    fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    /// This list's address on another page.
    fn link(&self, path: &str, page: u32) -> String {
        let params = ListParams { page: (page > 1).then_some(page), ..self.clone() };
        let query = serde_urlencoded::to_string(&params).unwrap_or_default();
        if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
    }

    /// The filter the parameters describe; values that are not choices on the page are ignored.
    fn filter(&self, desk: &Desk) -> CaseFilter {
        CaseFilter {
            kind: self.kind.parse::<CaseKind>().ok(),
            category: desk.categories.iter().find(|c| c.code == self.category).map(|c| c.code.clone()),
            status: self.status.parse::<Status>().ok(),
            channel: self.channel.parse::<Channel>().ok(),
            handler: match self.handler.as_str() {
                "me" => Some(desk.user.id),
                other => other.parse().ok(),
            },
        }
    }

    /// The units to list: the chosen unit and those below it, but never beyond the user's.
    fn units(&self, desk: &Desk) -> Units {
        let access = desk.access();
        if self.unit.is_empty() {
            return access.units();
        }
        if !access.covers(&self.unit) {
            return Units::Only(Vec::new());
        }
        let below = desk.tree.subtree(&self.unit).unwrap_or_default();
        Units::Only(below.into_iter().map(|n| n.id.clone()).collect())
    }
}

/// How close a case's nearest promise is to breaking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Breached,
    DueToday,
    DueNextWorkingDay,
}

impl Urgency {
    pub fn of(due: Option<DateTime<Utc>>, now: DateTime<Utc>, calendar: &Calendar) -> Option<Urgency> {
        let due = due?;
        if due <= now {
            return Some(Urgency::Breached);
        }
        // A deadline at midnight belongs to the day before it.
        let due_day = domain::time::local(due - Duration::seconds(1)).date_naive();
        let today = domain::time::local(now).date_naive();
        if due_day <= today {
            return Some(Urgency::DueToday);
        }
        let next = calendar.add_working_days(today, 1).ok()?;
        (due_day <= next).then_some(Urgency::DueNextWorkingDay)
    }

    pub fn class(self) -> &'static str {
        match self {
            Urgency::Breached => "mark breached",
            Urgency::DueToday => "mark due-today",
            Urgency::DueNextWorkingDay => "mark due-soon",
        }
    }

    pub fn text(self, lang: Lang) -> String {
        lang.t(match self {
            Urgency::Breached => "mark-breached",
            Urgency::DueToday => "mark-due-today",
            Urgency::DueNextWorkingDay => "mark-due-next-day",
        })
    }
}

pub struct Row {
    pub number: String,
    pub kind: String,
    pub category: String,
    pub unit: String,
    pub handler: String,
    pub status: String,
    pub received: String,
    pub due: String,
    pub mark: Option<(&'static str, String)>,
    /// The reminder or escalation standing on the case.
    pub alert: Option<String>,
    pub formal: bool,
}

pub struct Filters {
    pub params: ListParams,
    pub kinds: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub units: Vec<Choice>,
    pub channels: Vec<Choice>,
    pub handlers: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "staff_list.html")]
struct ListPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    search: bool,
    heading: String,
    signed_in_as: String,
    units: String,
    filters: Filters,
    rows: Vec<Row>,
    page: u32,
    previous: Option<String>,
    next: Option<String>,
}

fn local_time(at: DateTime<Utc>) -> String {
    domain::time::local(at).format("%Y-%m-%d %H:%M").to_string()
}

/// A deadline at midnight is the end of the day before: shown as that day's 23:59.
fn local_deadline(at: DateTime<Utc>) -> String {
    local_time(at - Duration::minutes(1))
}

fn filters(desk: &Desk, params: ListParams, lang: Lang, search: bool) -> Filters {
    let l = lang.code();
    let choice = |value: &str, label: String| Choice { value: value.to_owned(), label };
    let access = desk.access();
    let mut handlers = vec![choice("me", lang.t("filter-handler-me"))];
    handlers.extend(
        desk.staff
            .iter()
            .filter(|u| u.id != desk.user.id && !u.disabled && u.node_id.as_deref().is_some_and(|n| access.covers(n)))
            .map(|u| choice(&u.id.to_string(), u.display_name.clone())),
    );
    Filters {
        kinds: CaseKind::ALL.iter().map(|k| choice(k.code(), k.name(l).into())).collect(),
        categories: desk.categories.iter().map(|c| choice(&c.code, c.name(l).into())).collect(),
        statuses: Status::ALL
            .iter()
            // The inbox holds open cases; closed ones are found by searching.
            .filter(|s| search || s.is_open())
            .map(|s| choice(s.code(), if lang == Lang::En { s.name_en() } else { s.name_sv() }.into()))
            .collect(),
        units: access.unit_ids().iter().map(|id| choice(id, desk.unit_name(id))).collect(),
        channels: Channel::ALL.iter().map(|c| choice(c.code(), c.name(l).into())).collect(),
        handlers,
        params,
    }
}

fn rows(desk: &Desk, cases: &[CaseSummary], lang: Lang, calendar: &Calendar) -> Vec<Row> {
    let now = Utc::now();
    let names = desk.staff_names();
    cases
        .iter()
        .map(|c| Row {
            number: c.number.clone(),
            kind: c.kind.name(lang.code()).to_owned(),
            category: desk.category_name(&c.category, lang),
            unit: desk.unit_name(&c.node_id),
            handler: c.handler_id.and_then(|id| names.get(&id).map(|n| (*n).to_owned())).unwrap_or_default(),
            status: if lang == Lang::En { c.status.name_en() } else { c.status.name_sv() }.to_owned(),
            received: local_time(c.received_at),
            due: c.due_at.filter(|_| c.status.is_open()).map_or_else(|| lang.t("due-none"), local_deadline),
            mark: Urgency::of(c.due_at.filter(|_| c.status.is_open()), now, calendar)
                .map(|u| (u.class(), u.text(lang))),
            alert: c.alert.map(|a| lang.t(&format!("mark-alert-{}", a.code()))),
            formal: c.formal,
        })
        .collect()
}

async fn list(
    state: AppState,
    lang: Lang,
    user: store::User,
    params: ListParams,
    search: bool,
) -> Result<Response, PageError> {
    let path = if search { "/staff/search" } else { "/staff" };
    let desk = Desk::open(&state, user).await?;
    let page = params.page();
    let offset = i64::from(page - 1) * PAGE_SIZE;
    let (jurisdiction, units, filter) = (desk.user.jurisdiction.clone(), params.units(&desk), params.filter(&desk));
    // One more than a page tells whether there is a next page.
    let found = if search {
        let readable = desk.access().readable();
        let query =
            SearchQuery { jurisdiction, units, text: params.q.clone(), filter, limit: PAGE_SIZE + 1, offset, readable };
        state.store.search(&query).await
    } else {
        let query = InboxQuery { jurisdiction, units, filter, limit: PAGE_SIZE + 1, offset };
        state.store.inbox(&query).await
    };
    let mut cases = found?;
    let has_next = cases.len() as i64 > PAGE_SIZE;
    cases.truncate(PAGE_SIZE as usize);
    let policy = state.store.policy(&desk.user.jurisdiction);
    let rows = rows(&desk, &cases, lang, &policy.calendar);
    let signed_in_as = lang.t_with(
        "staff-signed-in-as",
        &[("name", desk.user.display_name.clone()), ("role", role_name(desk.user.role, lang).to_owned())],
    );
    let top_units: Vec<String> = match desk.access().units() {
        Units::All => vec![desk.tree.root().name.clone()],
        Units::Only(_) => desk
            .user
            .node_id
            .as_deref()
            .and_then(|n| desk.tree.node(n).ok())
            .map(|n| n.name.clone())
            .into_iter()
            .collect(),
    };
    let units = lang.t_with("staff-units", &[("units", top_units.join(", "))]);
    let page_view = ListPage {
        units,
        lang,
        path: params.link(path, page),
        nav: StaffNav::new(&desk, if search { "search" } else { "inbox" }),
        search,
        heading: lang.t(if search { "search-title" } else { "staff-title" }),
        signed_in_as,
        previous: (page > 1).then(|| params.link(path, page - 1)),
        next: has_next.then(|| params.link(path, page + 1)),
        filters: filters(&desk, params, lang, search),
        rows,
        page,
    };
    Ok(render(&page_view, StatusCode::OK))
}

pub async fn inbox(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    list(state, lang, user, params, false).await
}

pub async fn search(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    list(state, lang, user, params, true).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn marks_name_breached_today_and_next_working_day() {
        let calendar = Calendar::new(vec![]);
        // Friday 2026-11-27 10:00 Swedish time.
        let now = chrono_tz::Europe::Stockholm.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap().to_utc();
        let at = |d, h| chrono_tz::Europe::Stockholm.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap().to_utc();
        assert_eq!(Urgency::of(Some(at(27, 9)), now, &calendar), Some(Urgency::Breached));
        assert_eq!(Urgency::of(Some(at(28, 0)), now, &calendar), Some(Urgency::DueToday), "end of Friday");
        // The next working day after Friday is Monday the 30th.
        assert_eq!(Urgency::of(Some(at(30, 16)), now, &calendar), Some(Urgency::DueNextWorkingDay));
        assert_eq!(Urgency::of(Some(at(29, 12)), now, &calendar), Some(Urgency::DueNextWorkingDay), "weekend");
        let tuesday = chrono_tz::Europe::Stockholm.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap().to_utc();
        assert_eq!(Urgency::of(Some(tuesday), now, &calendar), None);
        assert_eq!(Urgency::of(None, now, &calendar), None);
    }
}
