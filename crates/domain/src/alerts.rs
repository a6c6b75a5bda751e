//! Keeping promises before they break: when a clock's handler is reminded, when its
//! manager is told that it broke, when the manager one level up is told that it stays broken
//! (S7, B6), and the statutory checks of a formal matter (FL 11 §, FL 12 §).
//!
//! Like the clocks, alerts are derived from the case's events alone: an alert is pending until
//! an event records it, so a reminder is never sent twice and never forgotten, whichever process
//! records it and whenever.

use chrono::{DateTime, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::calendar::{CalendarError, LAST_YEAR, end_of_day};
use crate::clock::{Clock, ClockState, Policy};
use crate::event::EventPayload;
use crate::lifecycle::Status;
use crate::time::{STOCKHOLM, local};

/// The pseudo-clock of FL 11 §: a formal matter's decision is late.
pub const FL11: &str = "fl-11";
/// The pseudo-clock of FL 12 §: a formal matter undecided after six months.
pub const FL12: &str = "fl-12";

crate::vocabulary! {
    /// How far along a promise is, in the order they come; a later stage covers the earlier
    /// ones of the same promise (nobody is reminded halfway of a promise already broken).
    AlertStage {
        /// The handler: half the time has passed.
        Halfway => "halfway", "Halvvägs", "Halfway";
        /// The handler: this is the last working day.
        LastDay => "last_day", "Sista dagen", "Last day";
        /// FL 11 §: the decision will be late; the handler is asked to send a delay notice.
        DelayLikely => "delay_likely", "Försening trolig", "Delay likely";
        /// The responsible manager: the promise broke.
        Breached => "breached", "Brutet löfte", "Broken promise";
        /// The manager one level up the line: it stays broken.
        Escalated => "escalated", "Eskalerat", "Escalated";
        /// FL 12 §: undecided six months after it was received.
        Undecided => "undecided", "Obeslutat efter sex månader", "Undecided after six months";
    }
}

impl AlertStage {
    /// Whether the handler is told (else a manager).
    pub fn to_handler(self) -> bool {
        matches!(self, AlertStage::Halfway | AlertStage::LastDay | AlertStage::DelayLikely)
    }
}

/// An alert a case is owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub clock: String,
    pub stage: AlertStage,
    /// The due time it is about (see `EventPayload::ClockAlert`).
    pub due_at: DateTime<Utc>,
    /// When it is to be given: always within office hours on a working day.
    pub at: DateTime<Utc>,
}

/// What alerts depend on besides the clocks and the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertCase {
    pub status: Status,
    pub formal: bool,
    pub received_at: DateTime<Utc>,
}

impl AlertCase {
    /// A formal matter is decided when it is answered or closed.
    fn undecided(&self) -> bool {
        !matches!(self.status, Status::Answered | Status::Closed)
    }
}

impl Policy {
    /// `at`, or the next moment the office is open when it is not (staff are told at work).
    pub fn at_office_hours(&self, at: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        let here = local(at);
        let day = here.date_naive();
        if self.calendar.is_working_day(day)? {
            let time = here.time();
            if time < self.office_hours.opens {
                return Ok(self.opening(day));
            }
            if time < self.office_hours.closes {
                return Ok(at);
            }
        }
        Ok(self.opening(self.calendar.add_working_days(day, 1)?))
    }

    /// When the office opens on `day`.
    fn opening(&self, day: NaiveDate) -> DateTime<Utc> {
        at_local(day, self.office_hours.opens)
    }

    /// Every alert the case is owed and has not had, earliest first. A closed case is owed
    /// nothing.
    pub fn pending_alerts(
        &self,
        case: &AlertCase,
        clocks: &[Clock<'_>],
        events: &[(DateTime<Utc>, EventPayload)],
    ) -> Result<Vec<Alert>, CalendarError> {
        if !case.status.is_open() {
            return Ok(Vec::new());
        }
        let mut owed = Vec::new();
        for clock in clocks {
            self.clock_alerts(clock, &mut owed)?;
        }
        if case.formal && case.undecided() {
            owed.extend(self.delay_alert(events)?);
            owed.push(self.six_months_alert(case)?);
        }
        let recorded = recorded(events);
        owed.retain(|a| {
            !recorded.iter().any(|(clock, stage, due)| *clock == a.clock && *due == a.due_at && *stage >= a.stage)
        });
        owed.sort_by(|a, b| a.at.cmp(&b.at).then(a.stage.cmp(&b.stage)));
        Ok(owed)
    }

    fn clock_alerts(&self, clock: &Clock<'_>, owed: &mut Vec<Alert>) -> Result<(), CalendarError> {
        if !clock.is_owed() {
            return Ok(());
        }
        let (start, due) = (clock.started_at, clock.due_at);
        let alert = |stage, at| Alert { clock: clock.def.id.clone(), stage, due_at: due, at };
        let breach_at = self.at_office_hours(due)?;
        if clock.state == ClockState::Running {
            let last_day = self.last_working_day_opening(start, due)?.filter(|_| self.reminders.last_day);
            let share = i32::from(self.reminders.halfway_percent);
            if share > 0 {
                let halfway = self.at_office_hours(start + (due - start) * share / 100)?;
                if halfway < due && last_day.is_none_or(|last| halfway < last) {
                    owed.push(alert(AlertStage::Halfway, halfway));
                }
            }
            if let Some(last) = last_day {
                owed.push(alert(AlertStage::LastDay, last));
            }
        }
        owed.push(alert(AlertStage::Breached, breach_at));
        let after = self.reminders.escalate_after_working_days;
        if after > 0 {
            let day = self.calendar.add_working_days(local(breach_at).date_naive(), after)?;
            owed.push(alert(AlertStage::Escalated, self.opening(day)));
        }
        Ok(())
    }

    /// The morning of the last working day before `due`, when that lies within the promise.
    fn last_working_day_opening(
        &self,
        start: DateTime<Utc>,
        due: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, CalendarError> {
        let mut day = local(due - Duration::microseconds(1)).date_naive();
        while !self.calendar.is_working_day(day)? {
            day = day.pred_opt().ok_or(CalendarError::YearOutOfRange(LAST_YEAR + 1))?;
        }
        let opening = self.opening(day);
        Ok((start < opening && opening < due).then_some(opening))
    }

    /// FL 11 §: the decision is due on the matter's target day (or the day the last delay
    /// notice gave). The handler is asked on that morning, or at once when their own forecast
    /// to the citizen already passes it by more than the margin.
    fn delay_alert(&self, events: &[(DateTime<Utc>, EventPayload)]) -> Result<Option<Alert>, CalendarError> {
        let mut target: Option<(DateTime<Utc>, NaiveDate)> = None;
        let mut forecast: Option<(DateTime<Utc>, NaiveDate)> = None;
        for (at, payload) in events {
            match payload {
                EventPayload::MadeFormal { decide_by, .. } => target = Some((*at, *decide_by)),
                EventPayload::DelayNotified { expected_by, .. } => target = Some((*at, *expected_by)),
                EventPayload::DecisionPromised { expected_by, .. } => forecast = Some((*at, *expected_by)),
                _ => {}
            }
        }
        let Some((set_at, target_day)) = target else { return Ok(None) };
        let margin = Duration::days(i64::from(self.reminders.delay_margin_days));
        let slipped = forecast.filter(|(at, day)| *at >= set_at && *day > target_day + margin);
        let at = match slipped {
            Some((promised_at, _)) => self.at_office_hours(promised_at)?,
            None => self.at_office_hours(at_local(target_day, NaiveTime::MIN))?,
        };
        Ok(Some(Alert { clock: FL11.into(), stage: AlertStage::DelayLikely, due_at: end_of_day(target_day), at }))
    }

    /// FL 12 §: six months after the matter was received (not after it became formal).
    fn six_months_alert(&self, case: &AlertCase) -> Result<Alert, CalendarError> {
        let day = local(case.received_at).date_naive();
        let six = day.checked_add_months(Months::new(6)).ok_or(CalendarError::YearOutOfRange(LAST_YEAR + 1))?;
        let due_at = at_local(six, NaiveTime::MIN);
        Ok(Alert { clock: FL12.into(), stage: AlertStage::Undecided, due_at, at: self.at_office_hours(due_at)? })
    }

    /// The most serious alert still standing. It marks the case in inboxes until the
    /// promise is kept.
    pub fn standing_alert(
        &self,
        case: &AlertCase,
        clocks: &[Clock<'_>],
        events: &[(DateTime<Utc>, EventPayload)],
    ) -> Result<Option<AlertStage>, CalendarError> {
        Ok(self.standing_alerts(case, clocks, events)?.into_iter().map(|a| a.stage).max())
    }

    /// The latest alert of each promise still open as it was when the alert was given: what
    /// staff are asked to act on. `at` is when it was given.
    pub fn standing_alerts(
        &self,
        case: &AlertCase,
        clocks: &[Clock<'_>],
        events: &[(DateTime<Utc>, EventPayload)],
    ) -> Result<Vec<Alert>, CalendarError> {
        if !case.status.is_open() {
            return Ok(Vec::new());
        }
        let mut open: Vec<(String, DateTime<Utc>)> =
            clocks.iter().filter(|c| c.is_owed()).map(|c| (c.def.id.clone(), c.due_at)).collect();
        if case.formal && case.undecided() {
            if let Some(delay) = self.delay_alert(events)? {
                open.push((delay.clock, delay.due_at));
            }
            let six = self.six_months_alert(case)?;
            open.push((six.clock, six.due_at));
        }
        let mut standing: Vec<Alert> = Vec::new();
        for (at, payload) in events {
            let EventPayload::ClockAlert { clock, stage, due_at, .. } = payload else { continue };
            if !open.iter().any(|(id, due)| id == clock && due == due_at) {
                continue;
            }
            let alert = Alert { clock: clock.clone(), stage: *stage, due_at: *due_at, at: *at };
            match standing.iter_mut().find(|a| a.clock == *clock) {
                Some(existing) if existing.stage <= *stage => *existing = alert,
                Some(_) => {}
                None => standing.push(alert),
            }
        }
        Ok(standing)
    }
}

/// How staff read a promise's name in alerts: the policy clause's code, or the paragraph of
/// the law.
pub fn label(clock: &str) -> String {
    match clock {
        FL11 => "FL 11 §".into(),
        FL12 => "FL 12 §".into(),
        other => other.to_uppercase(),
    }
}

/// The alerts to give now: of each promise's alerts that are due, only the latest stage.
pub fn due_now(pending: &[Alert], now: DateTime<Utc>) -> Vec<&Alert> {
    let mut due: Vec<&Alert> = Vec::new();
    for alert in pending.iter().filter(|a| a.at <= now) {
        match due.iter_mut().find(|d| d.clock == alert.clock && d.due_at == alert.due_at) {
            Some(existing) if existing.stage < alert.stage => *existing = alert,
            Some(_) => {}
            None => due.push(alert),
        }
    }
    due
}

/// The alerts already recorded on the case: clock, stage and the due time they were about.
fn recorded(events: &[(DateTime<Utc>, EventPayload)]) -> Vec<(&str, AlertStage, DateTime<Utc>)> {
    events
        .iter()
        .filter_map(|(_, payload)| match payload {
            EventPayload::ClockAlert { clock, stage, due_at, .. } => Some((clock.as_str(), *stage, *due_at)),
            _ => None,
        })
        .collect()
}

/// A Swedish wall-clock time as UTC (office hours and midnight never fall in a DST gap).
fn at_local(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    STOCKHOLM
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .unwrap_or_else(|| STOCKHOLM.from_utc_datetime(&day.and_time(time)))
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::CaseFacts;
    use crate::kinds::{CaseKind, Channel};

    /// A Swedish local time as UTC.
    fn se(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        STOCKHOLM.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc)
    }

    fn open_case(received_at: DateTime<Utc>) -> AlertCase {
        AlertCase { status: Status::Received, formal: false, received_at }
    }

    /// The alerts owed to an e-mail received on the Friday evening before Christmas 2026.
    fn christmas_email(events: &[(DateTime<Utc>, EventPayload)], now: DateTime<Utc>) -> Vec<Alert> {
        let policy = Policy::defaults();
        let received = se(2026, 12, 18, 20, 0);
        let facts =
            CaseFacts { kind: CaseKind::Synpunkt, channel: Channel::Email, category: "x", received_at: received };
        let clocks = policy.clocks(&facts, events, now).unwrap();
        policy.pending_alerts(&open_case(received), &clocks, events).unwrap()
    }

    fn plan(alerts: &[Alert], clock: &str) -> Vec<(AlertStage, DateTime<Utc>)> {
        alerts.iter().filter(|a| a.clock == clock).map(|a| (a.stage, a.at)).collect()
    }

    /// V-S2 and S2 over a weekend and Christmas (julafton and juldagen are not working days):
    /// reminders on working mornings, the manager told the morning after, the next one up
    /// two working days later. S2 counts 72 hours around the clock: due Monday at 20.00, so
    /// its half-way and last-day reminders fall on Monday morning together and only the later
    /// stage is given.
    #[test]
    fn a_friday_evening_email_is_reminded_and_escalated_on_working_days_around_christmas() {
        let alerts = christmas_email(&[], se(2026, 12, 18, 20, 0));
        use AlertStage::*;
        assert_eq!(
            plan(&alerts, "v-s2"),
            [
                (Halfway, se(2026, 12, 21, 8, 0)),
                (LastDay, se(2026, 12, 22, 8, 0)),
                (Breached, se(2026, 12, 23, 8, 0)),
                (Escalated, se(2026, 12, 29, 8, 0)),
            ]
        );
        assert_eq!(
            plan(&alerts, "s2"),
            [
                (LastDay, se(2026, 12, 21, 8, 0)),
                (Breached, se(2026, 12, 22, 8, 0)),
                (Escalated, se(2026, 12, 28, 8, 0))
            ]
        );
    }

    #[test]
    fn only_the_latest_due_stage_of_a_promise_is_given_and_recording_it_covers_the_earlier() {
        let alerts = christmas_email(&[], se(2026, 12, 23, 9, 0));
        let due = due_now(&alerts, se(2026, 12, 23, 9, 0));
        let given: Vec<(&str, AlertStage)> = due.iter().map(|a| (a.clock.as_str(), a.stage)).collect();
        assert_eq!(given, [("s2", AlertStage::Breached), ("v-s2", AlertStage::Breached)]);

        let v_s2 = due[1];
        let recorded = EventPayload::ClockAlert {
            clock: "v-s2".into(),
            stage: AlertStage::Breached,
            due_at: v_s2.due_at,
            notified: None,
            node_id: None,
        };
        let alerts = christmas_email(&[(se(2026, 12, 23, 9, 0), recorded)], se(2026, 12, 23, 9, 1));
        assert_eq!(plan(&alerts, "v-s2"), [(AlertStage::Escalated, se(2026, 12, 29, 8, 0))]);
    }

    #[test]
    fn a_kept_promise_is_owed_nothing_and_a_closed_case_nothing_at_all() {
        let answer = (se(2026, 12, 21, 9, 0), EventPayload::Answered { message: "Svar".into() });
        let alerts = christmas_email(&[answer], se(2026, 12, 21, 9, 0));
        assert!(alerts.is_empty(), "{alerts:?}");

        let policy = Policy::defaults();
        let received = se(2026, 12, 18, 20, 0);
        let facts = CaseFacts { kind: CaseKind::Synpunkt, channel: Channel::Web, category: "x", received_at: received };
        let clocks = policy.clocks(&facts, &[], received).unwrap();
        let closed = AlertCase { status: Status::Closed, ..open_case(received) };
        assert!(policy.pending_alerts(&closed, &clocks, &[]).unwrap().is_empty());
    }

    #[test]
    fn staff_are_told_at_office_hours_only() {
        let policy = Policy::defaults();
        // In office hours: at once. Evening: next working morning. Sunday: Monday.
        assert_eq!(policy.at_office_hours(se(2026, 12, 21, 13, 5)).unwrap(), se(2026, 12, 21, 13, 5));
        assert_eq!(policy.at_office_hours(se(2026, 12, 21, 18, 0)).unwrap(), se(2026, 12, 22, 8, 0));
        assert_eq!(policy.at_office_hours(se(2026, 12, 20, 10, 0)).unwrap(), se(2026, 12, 21, 8, 0));
        // Nyårsafton and nyårsdagen are not working days.
        assert_eq!(policy.at_office_hours(se(2026, 12, 30, 17, 30)).unwrap(), se(2027, 1, 4, 8, 0));
    }

    fn formal_case(received_at: DateTime<Utc>) -> AlertCase {
        AlertCase { status: Status::InProgress, formal: true, received_at }
    }

    fn formal(decide_by: NaiveDate) -> (DateTime<Utc>, EventPayload) {
        (se(2026, 3, 2, 9, 0), EventPayload::MadeFormal { reason: "Ansökan".into(), decide_by })
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// FL 11 § and FL 12 § for a formal matter (B4, B5).
    #[test]
    fn a_formal_matter_is_checked_for_delay_and_flagged_after_six_months() {
        let policy = Policy { clocks: Vec::new(), ..Policy::defaults() };
        let case = formal_case(se(2026, 2, 27, 15, 0));
        let events = [formal(day(2026, 4, 15))];
        let alerts = policy.pending_alerts(&case, &[], &events).unwrap();
        let planned: Vec<(&str, AlertStage, DateTime<Utc>)> =
            alerts.iter().map(|a| (a.clock.as_str(), a.stage, a.at)).collect();
        assert_eq!(
            planned,
            [
                // The morning the decision is due; six months from the day it was received
                // (2026-08-27), not from the day it became formal.
                (FL11, AlertStage::DelayLikely, se(2026, 4, 15, 8, 0)),
                (FL12, AlertStage::Undecided, se(2026, 8, 27, 8, 0)),
            ]
        );

        // A forecast to the citizen more than 14 days past the target asks for a notice at once.
        let promised = (
            se(2026, 3, 10, 11, 0),
            EventPayload::DecisionPromised {
                handler_id: None,
                expected_by: day(2026, 5, 20),
                message: "Beslut".into(),
            },
        );
        let events = [formal(day(2026, 4, 15)), promised];
        let alerts = policy.pending_alerts(&case, &[], &events).unwrap();
        assert_eq!((alerts[0].clock.as_str(), alerts[0].at), (FL11, se(2026, 3, 10, 11, 0)));

        // A delay notice moves the target; the check comes again on the new day.
        let notice = (
            se(2026, 3, 11, 9, 0),
            EventPayload::DelayNotified { reason: "Remiss".into(), expected_by: day(2026, 5, 20), message: "".into() },
        );
        let events = [formal(day(2026, 4, 15)), events[1].clone(), notice];
        let alerts = policy.pending_alerts(&case, &[], &events).unwrap();
        assert_eq!((alerts[0].clock.as_str(), alerts[0].at), (FL11, se(2026, 5, 20, 8, 0)));

        // Decided: nothing more.
        let decided = AlertCase { status: Status::Answered, ..case };
        assert!(policy.pending_alerts(&decided, &[], &events).unwrap().is_empty());
    }

    #[test]
    fn a_standing_alert_marks_the_case_until_the_promise_is_kept() {
        let policy = Policy::defaults();
        let received = se(2026, 12, 18, 20, 0);
        let facts = CaseFacts { kind: CaseKind::Synpunkt, channel: Channel::Web, category: "x", received_at: received };
        let now = se(2026, 12, 23, 9, 0);
        let clocks = policy.clocks(&facts, &[], now).unwrap();
        let due_at = clocks[0].due_at;
        let alert =
            |stage| EventPayload::ClockAlert { clock: "v-s2".into(), stage, due_at, notified: None, node_id: None };
        let mut events = vec![(se(2026, 12, 21, 8, 0), alert(AlertStage::Halfway)), (now, alert(AlertStage::Breached))];
        let clocks = policy.clocks(&facts, &events, now).unwrap();
        assert_eq!(policy.standing_alert(&open_case(received), &clocks, &events).unwrap(), Some(AlertStage::Breached));

        events.push((se(2026, 12, 23, 10, 0), EventPayload::Answered { message: "Svar".into() }));
        let clocks = policy.clocks(&facts, &events, now).unwrap();
        assert_eq!(policy.standing_alert(&open_case(received), &clocks, &events).unwrap(), None);
    }
}
