//! Intake with group commit. Submissions queue for one writer task, which commits every
//! submission waiting at that moment in one transaction and only then answers each of them.
//! One fsync then covers many receipts, and no receipt is given before its commit (I1).

use chrono::Utc;
use domain::alerts::AlertCase;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::{mpsc, oneshot};

use crate::backend::Backend;
use crate::policies::Policies;
use crate::projection::{NewCase, Projected, Receipt};
use crate::sql;
use crate::{Result, StoreError};
use domain::clock::CaseFacts;

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
    on_backend!(backend, commit_batch(cases))
}
