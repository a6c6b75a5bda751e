//! Keeping promises before they break: the background work of every `lyhord serve`.
//!
//! Each tick, an instance looks for cases that owe an alert (the projection's `alert_at`),
//! schedules one job per alert with a key that names it, and works through the due jobs.
//! Several instances on one database share the jobs (leases, SKIP LOCKED on PostgreSQL); an
//! alert's event is recorded in the transaction that marks its job done, so nobody is
//! reminded twice; a job whose holder dies is taken again when its lease runs out.
//!
//! Time is a parameter: `tick(state, now)` is what the worker runs, and what tests run with
//! a clock of their own.

mod give;
mod sweep;

pub use give::{officials, posts_without_account};

use chrono::{DateTime, Utc};
use std::time::Duration;
use store::StoreError;

use crate::App;

/// The job kind of one alert to give.
pub(crate) const ALERT_JOB: &str = "alert";
/// Jobs taken at a time.
const BATCH: i64 = 50;
/// The wait before an alert is tried again; it doubles with each failure.
const FIRST_RETRY: Duration = Duration::from_secs(2);
/// A job that keeps failing is given up after this many tries (its reason is kept).
const MAX_ATTEMPTS: i64 = 10;

/// What one tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    /// Alerts found due and scheduled as jobs (new ones only).
    pub scheduled: u64,
    /// Alerts recorded on cases.
    pub given: usize,
    /// Jobs that found their alert no longer owed (the promise was kept, the case closed).
    pub stale: usize,
}

/// One round of the work at `now`: bring clocks and report tallies up to date, sweep, then
/// give every due alert.
#[tracing::instrument(name = "alerts_tick", skip_all)]
pub async fn tick(state: &App, now: DateTime<Utc>) -> Result<TickReport, StoreError> {
    catch_up_clock_summaries(state).await?;
    // Reports count from per-day tallies: keeping them current here spares the next report.
    for j in state.store.jurisdictions().await? {
        state.store.refresh_report_days(&j.id).await?;
    }
    let mut report = TickReport { scheduled: sweep::sweep(state, now).await?, ..TickReport::default() };
    let mut directory = give::Directory::new();
    loop {
        let jobs = state.store.claim_jobs(ALERT_JOB, now, now + state.config.job_lease, BATCH).await?;
        if jobs.is_empty() {
            return Ok(report);
        }
        for job in jobs {
            match give::give(state, &mut directory, &job, now).await {
                Ok(true) => report.given += 1,
                Ok(false) => report.stale += 1,
                // Another instance recorded it first (or this one, before a crash).
                Err(StoreError::Duplicate(_)) => {}
                // The case was closed between the check and the record: nothing is owed.
                Err(StoreError::Projection(_)) => {
                    state.store.finish_job(job.id, now).await?;
                    report.stale += 1;
                }
                Err(e) => {
                    let retry =
                        (job.attempts < MAX_ATTEMPTS).then(|| now + crate::retry::wait(FIRST_RETRY, job.attempts));
                    tracing::warn!(job = %job.key, error = %e, given_up = retry.is_none(), "an alert could not be given");
                    state.store.fail_job(job.id, &e.to_string(), retry, now).await?;
                }
            }
        }
    }
}

/// Cases stored before the projection kept their clocks for reports get them, a
/// batch per tick: as they stood after each case's last event, as an append would have kept.
async fn catch_up_clock_summaries(state: &App) -> Result<(), StoreError> {
    for case_id in state.store.unprojected(500).await? {
        let Some(case) = state.store.case(case_id).await? else { continue };
        let events = state.store.events(case_id).await?;
        let Some(last) = events.last().map(domain::Event::at) else { continue };
        let timeline = domain::Event::timeline(&events)?;
        let policy = state.store.policy(&case.jurisdiction);
        let clocks =
            policy.clocks(&case.clock_facts(), &timeline, last).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let summary = domain::clock::ClockRecord::summarize(&clocks);
        state.store.set_clock_summary(case_id, case.event_count, &summary).await?;
    }
    Ok(())
}

/// The worker in `lyhord serve`: a tick every `every`, at the real time.
pub async fn run_worker(state: App, every: Duration, mut shutdown: crate::Shutdown) {
    while !shutdown.is_stopped() {
        if let Err(e) = tick(&state, Utc::now()).await {
            tracing::error!(error = %e, "reminders and escalations could not be worked through");
        }
        shutdown.sleep(every).await;
    }
}
