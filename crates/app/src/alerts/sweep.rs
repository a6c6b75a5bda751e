//! Finding the alerts that are due: cases whose `alert_at` has come get one job per alert
//! due now, and their `alert_at` moves on to the next one.

use chrono::{DateTime, Utc};
use domain::CaseId;
use domain::alerts::{Alert, due_now};
use store::{NewJob, StoreError};

use super::ALERT_JOB;
use crate::App;

/// Cases looked at per query; a sweep goes on until fewer come back.
const CASES_PER_ROUND: i64 = 500;
/// At most this many rounds per tick, so that a tick also gives alerts.
const ROUNDS: usize = 20;

/// What a job to give an alert carries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct AlertJob {
    pub case_id: CaseId,
    pub clock: String,
    pub stage: domain::alerts::AlertStage,
    pub due_at: DateTime<Utc>,
}

impl AlertJob {
    /// The job's key: the same alert is scheduled once, however many sweeps find it.
    fn key(&self) -> String {
        format!("alert:{}:{}:{}:{}", self.case_id, self.clock, self.stage.code(), self.due_at.timestamp_micros())
    }
}

/// Schedules every alert due at `now`; returns how many jobs were new.
pub(super) async fn sweep(state: &App, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut scheduled = 0;
    for _ in 0..ROUNDS {
        let cases = state.store.alerts_due(now, CASES_PER_ROUND).await?;
        for &case_id in &cases {
            scheduled += sweep_case(state, case_id, now).await?;
        }
        if (cases.len() as i64) < CASES_PER_ROUND {
            break;
        }
    }
    Ok(scheduled)
}

async fn sweep_case(state: &App, case_id: CaseId, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let Some(case) = state.store.case(case_id).await? else { return Ok(0) };
    let events = state.store.events(case_id).await?;
    let pending = pending_alerts(state, &case, &events, now)?;
    let jobs: Vec<NewJob> = due_now(&pending, now)
        .into_iter()
        .map(|alert| {
            let job = AlertJob { case_id, clock: alert.clock.clone(), stage: alert.stage, due_at: alert.due_at };
            NewJob {
                kind: ALERT_JOB.into(),
                key: job.key(),
                payload: serde_json::to_string(&job).expect("an alert job serializes"),
                run_at: now,
            }
        })
        .collect();
    let added = state.store.schedule(&jobs, now).await?;
    // The alerts due now are jobs; the case is looked at again when the next one comes
    // (or at once after an event, which sets this anew).
    let next = pending.iter().map(|a| a.at).filter(|at| *at > now).min();
    state.store.set_alert_at(case_id, case.event_count, next).await?;
    Ok(added)
}

/// The alerts the case owes at `now`, from its events.
pub(super) fn pending_alerts(
    state: &App,
    case: &domain::CaseState,
    events: &[domain::Event],
    now: DateTime<Utc>,
) -> Result<Vec<Alert>, StoreError> {
    let timeline = domain::Event::timeline(events)?;
    let policy = state.store.policy(&case.jurisdiction);
    let invalid = |e: domain::calendar::CalendarError| StoreError::Invalid(e.to_string());
    let clocks = policy.clocks(&case.clock_facts(), &timeline, now).map_err(invalid)?;
    policy.pending_alerts(&case.alert_case(), &clocks, &timeline).map_err(invalid)
}
