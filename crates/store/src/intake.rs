//! Intake with group commit. Submissions queue for one writer task, which commits every
//! submission waiting at that moment in one transaction and only then answers each of them.
//! One fsync then covers many receipts, and no receipt is given before its commit (I1).

use chrono::{DateTime, Utc};
use domain::{Actor, Submission};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::backend::Backend;
use crate::ops;
use crate::policies::Policies;
use crate::{Result, StoreError};
use domain::alerts::{AlertCase, AlertStage};
use domain::clock::{CaseFacts, Clock, Policy};

/// The parts of a case's projection that follow from its clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Projected {
    /// Due time of the nearest running clock, for ordering inboxes.
    pub due: Option<DateTime<Utc>>,
    /// When the case next owes someone an alert.
    pub alert_at: Option<DateTime<Utc>>,
    /// The most serious alert still standing, for inboxes.
    pub alert: Option<AlertStage>,
    /// Each clock as it stands, for reports (`ClockRecord::summarize`).
    pub clocks: String,
    /// The latest analysis: justified or not, and the root-cause codes comma-separated.
    pub justified: Option<domain::Justified>,
    pub causes: String,
}

impl Projected {
    pub(crate) fn of(
        policy: &Policy,
        case: &AlertCase,
        clocks: &[Clock<'_>],
        events: &[(DateTime<Utc>, domain::EventPayload)],
    ) -> Result<Projected> {
        let invalid = |e: domain::calendar::CalendarError| StoreError::Invalid(e.to_string());
        let pending = policy.pending_alerts(case, clocks, events).map_err(invalid)?;
        let analysis = events.iter().rev().find_map(|(_, p)| match p {
            domain::EventPayload::Analysed { justified, causes, .. } => Some((*justified, causes.join(","))),
            _ => None,
        });
        Ok(Projected {
            due: Policy::nearest_due(clocks),
            alert_at: pending.iter().map(|a| a.at).min(),
            alert: policy.standing_alert(case, clocks, events).map_err(invalid)?,
            clocks: domain::clock::ClockRecord::summarize(clocks),
            justified: analysis.as_ref().map(|(j, _)| *j),
            causes: analysis.map(|(_, c)| c).unwrap_or_default(),
        })
    }
}

/// A submission ready to register: already validated and routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub submission: Submission,
    /// The organisation node the case is routed to (from its category, S7).
    pub node_id: String,
    /// Server receipt time (FL 22 §), also outside office hours.
    pub received_at: DateTime<Utc>,
    /// Chosen by the client; the same key always yields the same case (I3).
    pub idempotency_key: Option<String>,
    pub actor: Actor,
    /// A case arriving now. Its receipt is mailed to the submitter, if they gave an address
    /// (A4), and its promises are reminded of. History being loaded (the demo's, a
    /// benchmark's fill) is not live: no receipt, and no reminders until its next event.
    pub live: bool,
}

/// What the citizen is given once the case is durably stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub case_id: Uuid,
    pub number: String,
    pub received_at: DateTime<Utc>,
    /// True when an earlier submission with the same idempotency key made this case.
    pub duplicate: bool,
}

struct Job {
    case: NewCase,
    /// The case's deadlines, computed by the submitter, off the writer's path.
    projected: Projected,
    reply: oneshot::Sender<Result<Receipt>>,
}

pub(crate) struct Intake {
    queue: mpsc::Sender<Job>,
    policies: Policies,
    /// When the writer last committed (ms since the Unix epoch), so that background work
    /// can wait for a quiet moment.
    last_commit: Arc<AtomicI64>,
}

impl Intake {
    pub fn start(backend: Backend, policies: Policies, max_batch: usize) -> Intake {
        let (queue, jobs) = mpsc::channel(max_batch.max(1) * 4);
        let last_commit = Arc::new(AtomicI64::new(0));
        tokio::spawn(write_loop(backend, jobs, max_batch.max(1), last_commit.clone()));
        Intake { queue, policies, last_commit }
    }

    /// Whether submissions were committed within the last `window`.
    pub fn busy_within(&self, window: std::time::Duration) -> bool {
        let last = self.last_commit.load(Ordering::Relaxed);
        Utc::now().timestamp_millis() - last < window.as_millis() as i64
    }

    pub async fn submit(&self, case: NewCase) -> Result<Receipt> {
        if let Err(errors) = case.submission.validate() {
            let fields: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.code)).collect();
            return Err(StoreError::Invalid(fields.join(", ")));
        }
        // The nearest clock of the new case, from its jurisdiction's policy.
        let s = &case.submission;
        let facts =
            CaseFacts { kind: s.kind, channel: s.channel, category: &s.category, received_at: case.received_at };
        let policy = self.policies.get(&s.jurisdiction);
        let clocks = policy.clocks(&facts, &[], case.received_at).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let alert_case = AlertCase { status: domain::Status::Received, formal: false, received_at: case.received_at };
        let mut projected = Projected::of(&policy, &alert_case, &clocks, &[])?;
        if !case.live {
            projected.alert_at = None;
        }
        let (reply, answer) = oneshot::channel();
        self.queue.send(Job { case, projected, reply }).await.map_err(|_| StoreError::IntakeStopped)?;
        answer.await.map_err(|_| StoreError::IntakeStopped)?
    }
}

async fn write_loop(backend: Backend, mut jobs: mpsc::Receiver<Job>, max_batch: usize, last_commit: Arc<AtomicI64>) {
    let mut batch = Vec::with_capacity(max_batch);
    while jobs.recv_many(&mut batch, max_batch).await > 0 {
        // Submitters answered by the previous commit are waking up and submitting again;
        // let them join this commit rather than the next one. No fixed delay: stop as soon
        // as the queue stops growing.
        while batch.len() < max_batch {
            tokio::task::yield_now().await;
            let before = batch.len();
            while batch.len() < max_batch {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            if batch.len() == before {
                break;
            }
        }
        let cases: Vec<(&NewCase, &Projected)> = batch.iter().map(|job| (&job.case, &job.projected)).collect();
        let results = commit_isolated(&backend, &cases).await;
        last_commit.store(Utc::now().timestamp_millis(), Ordering::Relaxed);
        for (job, result) in batch.drain(..).zip(results) {
            // The submitter may have gone away; the case is stored all the same.
            let _ = job.reply.send(result);
        }
    }
}

/// Commits the batch; if that fails, commits each case alone so that one bad case (or a
/// lost race on an idempotency key) does not fail the others.
async fn commit_isolated(backend: &Backend, cases: &[(&NewCase, &Projected)]) -> Vec<Result<Receipt>> {
    match commit(backend, cases).await {
        Ok(receipts) => receipts.into_iter().map(Ok).collect(),
        Err(e) if cases.len() == 1 => vec![Err(e)],
        Err(e) => {
            tracing::warn!(error = %e, size = cases.len(), "batch commit failed; committing one by one");
            let mut results = Vec::with_capacity(cases.len());
            for case in cases {
                results.push(commit(backend, std::slice::from_ref(case)).await.map(|mut r| r.remove(0)));
            }
            results
        }
    }
}

async fn commit(backend: &Backend, cases: &[(&NewCase, &Projected)]) -> Result<Vec<Receipt>> {
    match backend {
        Backend::Sqlite { write, .. } => ops::sqlite::commit_batch(write, cases).await,
        Backend::Postgres { pool } => ops::postgres::commit_batch(pool, cases).await,
    }
}
