//! The SQL behind reminders and escalation: which cases owe an alert now, and the
//! manager's view of their units.

pub(crate) use chrono::{DateTime, Utc};
pub(crate) use sqlx::Row;

pub(crate) use crate::Result;
pub(crate) use crate::model::{BrokenPromise, NO_DUE, UnitClockCounts};
pub(crate) use crate::sql::{SUMMARY_COLUMNS, from_micros, micros};
pub(crate) use domain::alerts::AlertStage;

macro_rules! alerts {
    () => {
        /// Open cases that owe an alert at `now`, the longest waiting first.
        pub async fn alerts_due(db: &Pools, now: DateTime<Utc>, limit: i64) -> Result<Vec<CaseId>> {
            Ok(sqlx::query_scalar(
                "SELECT id FROM cases WHERE status <> 'closed' AND alert_at <= $1 ORDER BY alert_at LIMIT $2",
            )
            .bind(micros(now))
            .bind(limit)
            .fetch_all(&db.read)
            .await?)
        }

        /// Sets when the case next owes an alert, unless an event came in between (the event
        /// has set it then).
        pub async fn set_alert_at(
            db: &Pools,
            case_id: CaseId,
            event_count: i64,
            at: Option<DateTime<Utc>>,
        ) -> Result<bool> {
            let done = sqlx::query("UPDATE cases SET alert_at = $1 WHERE id = $2 AND event_count = $3")
                .bind(at.map_or(NO_DUE, micros))
                .bind(case_id)
                .bind(event_count)
                .execute(&db.write)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        /// Open cases of each unit by the state of their nearest promise at `now`.
        pub async fn unit_clock_counts(
            db: &Pools,
            nodes: &[NodeId],
            now: DateTime<Utc>,
        ) -> Result<Vec<UnitClockCounts>> {
            if nodes.is_empty() {
                return Ok(Vec::new());
            }
            let mut q = sqlx::QueryBuilder::<Db>::new("SELECT node_id, SUM(CASE WHEN due_at <= ");
            q.push_bind(micros(now));
            q.push(" THEN 1 ELSE 0 END) AS broken, SUM(CASE WHEN due_at > ");
            q.push_bind(micros(now));
            q.push(" AND due_at < ");
            q.push_bind(NO_DUE);
            q.push(" AND alert IN ('halfway', 'last_day') THEN 1 ELSE 0 END) AS reminded, SUM(CASE WHEN due_at > ");
            q.push_bind(micros(now));
            q.push(" AND due_at < ");
            q.push_bind(NO_DUE);
            q.push(" AND (alert IS NULL OR alert NOT IN ('halfway', 'last_day')) THEN 1 ELSE 0 END) AS running, ");
            q.push("SUM(CASE WHEN due_at = ");
            q.push_bind(NO_DUE);
            q.push(" THEN 1 ELSE 0 END) AS none_running FROM cases WHERE status <> 'closed'");
            push_in(&mut q, "node_id", nodes.iter().cloned());
            q.push(" GROUP BY node_id");
            let rows = q.build().fetch_all(&db.read).await?;
            rows.iter()
                .map(|r| {
                    Ok(UnitClockCounts {
                        node_id: r.try_get("node_id")?,
                        broken: r.try_get::<Option<i64>, _>("broken")?.unwrap_or(0),
                        reminded: r.try_get::<Option<i64>, _>("reminded")?.unwrap_or(0),
                        running: r.try_get::<Option<i64>, _>("running")?.unwrap_or(0),
                        none_running: r.try_get::<Option<i64>, _>("none_running")?.unwrap_or(0),
                    })
                })
                .collect()
        }

        /// Breaches and escalations of the units' promises given since `since`, newest first.
        pub async fn broken_since(
            db: &Pools,
            nodes: &[NodeId],
            since: DateTime<Utc>,
            limit: i64,
        ) -> Result<Vec<BrokenPromise>> {
            if nodes.is_empty() {
                return Ok(Vec::new());
            }
            let mut q = sqlx::QueryBuilder::<Db>::new(format!(
                "SELECT {SUMMARY_COLUMNS}, e.at AS alert_at, e.payload AS alert_payload FROM case_events e \
                 JOIN cases c ON c.id = e.case_id WHERE e.type = 'clock_alert' AND e.at >= "
            ));
            q.push_bind(micros(since));
            push_in(&mut q, "c.node_id", nodes.iter().cloned());
            q.push(" ORDER BY e.at DESC LIMIT ");
            q.push_bind(limit);
            let rows = q.build().fetch_all(&db.read).await?;
            let mut out = Vec::new();
            for r in &rows {
                let payload: String = r.try_get("alert_payload")?;
                let parsed: domain::EventPayload = serde_json::from_str(&payload)
                    .map_err(|e| crate::StoreError::Corrupt(format!("event payload: {e}")))?;
                if let domain::EventPayload::ClockAlert { clock, stage, due_at, .. } = parsed {
                    if matches!(stage, AlertStage::Breached | AlertStage::Escalated) {
                        let at = from_micros(r.try_get("alert_at")?)?;
                        out.push(BrokenPromise { case: CaseSummary::from_row(r)?, clock, stage, due_at, at });
                    }
                }
            }
            Ok(out)
        }
    };
}
pub(crate) use alerts;
