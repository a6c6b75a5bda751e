//! The manager's view (B6): the units under them, their open cases by the state of
//! the nearest promise, and the promises that broke this week.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Duration, Utc};

use super::{Desk, StaffNav};
use crate::AppState;
use crate::auth::Staff;
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::render;
use app::dates::short;

const PATH: &str = "/staff/manager";
/// Broken promises listed at most.
const BROKEN_LIMIT: i64 = 200;

struct UnitRow {
    id: String,
    name: String,
    /// Depth below the manager's own unit, for indentation.
    depth: usize,
    broken: i64,
    reminded: i64,
    running: i64,
    none_running: i64,
}

struct BrokenRow {
    number: String,
    promise: String,
    due: String,
    stage: String,
    when: String,
    unit: String,
    handler: String,
    still_open: bool,
}

#[derive(Template)]
#[template(path = "staff_manager.html")]
struct ManagerPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    units: Vec<UnitRow>,
    totals: (i64, i64, i64, i64),
    week_from: String,
    broken: Vec<BrokenRow>,
    /// Manager posts in these units that alerts pass over (no active account).
    unlinked: Vec<String>,
}

pub async fn show(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let desk = Desk::open(&state, user).await?;
    let access = desk.access();
    if !access.can_manage() {
        return Err(Error::Forbidden.into());
    }
    let units = access.unit_ids();
    let now = Utc::now();
    let week_from = start_of_week(now);
    let found = tokio::try_join!(
        state.store.unit_clock_counts(&units, now),
        state.store.broken_since(&units, week_from, BROKEN_LIMIT)
    );
    let (counts, broken) = found?;
    let top_depth = units.first().and_then(|id| desk.tree.line(id).ok()).map_or(0, |line| line.len());
    let rows: Vec<UnitRow> = units
        .iter()
        .map(|id| {
            let c = counts.iter().find(|c| &c.node_id == id).cloned().unwrap_or_default();
            UnitRow {
                id: id.to_string(),
                name: desk.tree.node(id).map_or_else(|_| id.to_string(), |n| n.name.clone()),
                depth: desk.tree.line(id).map_or(0, |line| line.len().saturating_sub(top_depth)),
                broken: c.broken,
                reminded: c.reminded,
                running: c.running,
                none_running: c.none_running,
            }
        })
        .collect();
    let totals = rows
        .iter()
        .fold((0, 0, 0, 0), |t, r| (t.0 + r.broken, t.1 + r.reminded, t.2 + r.running, t.3 + r.none_running));
    let names = desk.staff_names();
    let broken = broken
        .iter()
        .map(|b| BrokenRow {
            number: b.case.number.clone(),
            promise: domain::alerts::label(&b.clock),
            due: short(b.due_at - Duration::minutes(1)),
            stage: lang.t(&format!("mark-alert-{}", b.stage.code())),
            when: short(b.at),
            unit: desk.unit_name(&b.case.node_id),
            handler: b.case.handler_id.and_then(|id| names.get(&id).map(|n| (*n).to_owned())).unwrap_or_default(),
            still_open: b.case.status.is_open() && b.case.due_at.is_some_and(|due| due <= now),
        })
        .collect();
    let view = ManagerPage {
        lang,
        path: PATH.into(),
        nav: StaffNav::new(&desk, "manager"),
        units: rows,
        totals,
        week_from: short(week_from),
        broken,
        unlinked: desk.unlinked_posts(|id| access.covers(id)),
    };
    Ok(render(&view, StatusCode::OK))
}

/// Monday 00:00 of this week, Swedish time.
fn start_of_week(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    let today = domain::time::local(now).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    domain::time::start_of_day(monday)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_week_starts_on_monday_at_midnight_in_sweden() {
        let sunday_evening = Utc.with_ymd_and_hms(2026, 11, 22, 20, 0, 0).unwrap();
        assert_eq!(start_of_week(sunday_evening), Utc.with_ymd_and_hms(2026, 11, 15, 23, 0, 0).unwrap());
    }
}
