//! The SQL of learning from complaints: each förvaltning's causes and routine,
//! improvement actions with their cases, and the examples a report quotes.

pub(crate) use chrono::NaiveDate;

pub(crate) use crate::model::{AnalysisSettings, Improvement, ImprovementInput};
pub(crate) use crate::sql::parse;

macro_rules! analysis {
    () => {
        pub async fn analysis_settings(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<AnalysisSettings>> {
            let rows = sqlx::query(
                "SELECT node_id, causes, routine FROM analysis_settings WHERE jurisdiction_id = $1 ORDER BY node_id",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    let causes: String = r.try_get("causes")?;
                    Ok(AnalysisSettings {
                        node_id: r.try_get("node_id")?,
                        causes: serde_json::from_str(&causes)
                            .map_err(|e| crate::StoreError::Corrupt(format!("causes: {e}")))?,
                        routine: r.try_get("routine")?,
                    })
                })
                .collect()
        }

        pub async fn save_analysis_settings(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            settings: &AnalysisSettings,
            now: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO analysis_settings (node_id, jurisdiction_id, causes, routine, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (node_id) DO UPDATE SET causes = excluded.causes, \
                 routine = excluded.routine, updated_at = excluded.updated_at",
            )
            .bind(&settings.node_id)
            .bind(jurisdiction)
            .bind(serde_json::to_string(&settings.causes).expect("causes serialize"))
            .bind(&settings.routine)
            .bind(micros(now))
            .execute(&db.write)
            .await?;
            Ok(())
        }

        /// The improvement actions of `jurisdiction` (of `nodes`, or linked to `case`, when
        /// given), with their cases.
        pub async fn improvements(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            nodes: Option<&[NodeId]>,
            case: Option<CaseId>,
        ) -> Result<Vec<Improvement>> {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, node_id, description, owner_id, due_date, status, follow_up, worked, created_at, done_at \
                 FROM improvements WHERE jurisdiction_id = ",
            );
            q.push_bind(jurisdiction.to_owned());
            if let Some(nodes) = nodes {
                if nodes.is_empty() {
                    return Ok(Vec::new());
                }
                push_in(&mut q, "node_id", nodes.iter().cloned());
            }
            if let Some(case) = case {
                q.push(" AND id IN (SELECT improvement_id FROM improvement_cases WHERE case_id = ");
                q.push_bind(case);
                q.push(")");
            }
            q.push(" ORDER BY due_date, created_at");
            let rows = q.build().fetch_all(&db.read).await?;
            let mut all = rows.iter().map(Improvement::from_row).collect::<Result<Vec<_>>>()?;
            if all.is_empty() {
                return Ok(all);
            }
            // The cases of the actions found, not of every action of the municipality.
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT l.improvement_id, c.id, c.number FROM improvement_cases l JOIN cases c ON c.id = l.case_id \
                 WHERE l.improvement_id IN (",
            );
            let mut list = q.separated(", ");
            for i in &all {
                list.push_bind(i.id);
            }
            q.push(") ORDER BY c.number");
            let links = q.build().fetch_all(&db.read).await?;
            for l in &links {
                let id: ImprovementId = l.try_get("improvement_id")?;
                if let Some(i) = all.iter_mut().find(|i| i.id == id) {
                    i.cases.push((l.try_get("id")?, l.try_get("number")?));
                }
            }
            Ok(all)
        }

        /// Records a new action, or changes one (`id`); links the given cases to it.
        pub async fn save_improvement(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: Option<ImprovementId>,
            input: &ImprovementInput,
            cases: &[CaseId],
            now: DateTime<Utc>,
        ) -> Result<ImprovementId> {
            let mut tx = db.write.begin().await?;
            let done_at = (input.status == domain::ImprovementStatus::Done).then(|| micros(now));
            let id = match id {
                None => {
                    let id = ImprovementId::new();
                    sqlx::query(
                        "INSERT INTO improvements (id, jurisdiction_id, node_id, description, owner_id, due_date, \
                         status, follow_up, worked, created_at, updated_at, done_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
                    )
                    .bind(id)
                    .bind(jurisdiction)
                    .bind(&input.node_id)
                    .bind(&input.description)
                    .bind(input.owner_id)
                    .bind(input.due_date.to_string())
                    .bind(input.status.code())
                    .bind(&input.follow_up)
                    .bind(input.worked.map(|w| w.code()))
                    .bind(micros(now))
                    .bind(done_at)
                    .execute(&mut *tx)
                    .await?;
                    id
                }
                Some(id) => {
                    // Done keeps the day it was first marked done.
                    let changed = sqlx::query(
                        "UPDATE improvements SET node_id = $3, description = $4, owner_id = $5, due_date = $6, \
                         status = $7, follow_up = $8, worked = $9, updated_at = $10, \
                         done_at = CASE WHEN $7 = 'done' THEN COALESCE(done_at, $10) ELSE NULL END \
                         WHERE id = $1 AND jurisdiction_id = $2",
                    )
                    .bind(id)
                    .bind(jurisdiction)
                    .bind(&input.node_id)
                    .bind(&input.description)
                    .bind(input.owner_id)
                    .bind(input.due_date.to_string())
                    .bind(input.status.code())
                    .bind(&input.follow_up)
                    .bind(input.worked.map(|w| w.code()))
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await?;
                    if changed.rows_affected() != 1 {
                        return Err(crate::StoreError::NotFound);
                    }
                    id
                }
            };
            for case in cases {
                sqlx::query(
                    "INSERT INTO improvement_cases (improvement_id, case_id) VALUES ($1, $2) \
                     ON CONFLICT (improvement_id, case_id) DO NOTHING",
                )
                .bind(id)
                .bind(case)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(id)
        }

        /// `{t}jurisdiction_id = … AND {t}received_at` within the period `AND {t}node_id IN (…)`,
        /// where `t` is the cases table's alias (with its dot) or nothing.
        fn push_cases_in(
            q: &mut sqlx::QueryBuilder<Db>,
            t: &str,
            jurisdiction: &JurisdictionId,
            nodes: &[NodeId],
            from: DateTime<Utc>,
            to: DateTime<Utc>,
        ) {
            q.push(format!("{t}jurisdiction_id = "));
            q.push_bind(jurisdiction.to_owned());
            q.push(format!(" AND {t}received_at >= "));
            q.push_bind(micros(from));
            q.push(format!(" AND {t}received_at < "));
            q.push_bind(micros(to));
            push_in(q, &format!("{t}node_id"), nodes.iter().cloned());
        }

        /// The examples staff wrote for reports in the period's analyses of `nodes`, newest first.
        pub async fn report_examples(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            nodes: &[NodeId],
            from: DateTime<Utc>,
            to: DateTime<Utc>,
            limit: usize,
        ) -> Result<Vec<String>> {
            if nodes.is_empty() {
                return Ok(Vec::new());
            }
            let mut q = sqlx::QueryBuilder::<Db>::new(
                // CROSS JOIN keeps SQLite reading the analyses (a partial index) first.
                "SELECT e.payload FROM case_events e CROSS JOIN cases c WHERE c.id = e.case_id \
                 AND e.type = 'analysed' AND ",
            );
            push_cases_in(&mut q, "c.", jurisdiction, nodes, from, to);
            q.push(" ORDER BY e.at DESC");
            let rows = q.build().fetch_all(&db.read).await?;
            let mut out = Vec::new();
            for r in &rows {
                let payload: String = r.try_get("payload")?;
                if let Ok(domain::EventPayload::Analysed { example, .. }) = serde_json::from_str(&payload) {
                    if !example.trim().is_empty() && !out.contains(&example) {
                        out.push(example);
                    }
                }
                if out.len() >= limit {
                    break;
                }
            }
            Ok(out)
        }

        /// Cases whose clocks the projection has not kept yet (older than this column).
        pub async fn unprojected(db: &Pools, limit: i64) -> Result<Vec<CaseId>> {
            Ok(sqlx::query_scalar("SELECT id FROM cases WHERE clock_summary = '' LIMIT $1")
                .bind(limit)
                .fetch_all(&db.read)
                .await?)
        }

        pub async fn set_clock_summary(db: &Pools, case_id: CaseId, event_count: i64, summary: &str) -> Result<()> {
            sqlx::query("UPDATE cases SET clock_summary = $1 WHERE id = $2 AND event_count = $3")
                .bind(summary)
                .bind(case_id)
                .bind(event_count)
                .execute(&db.write)
                .await?;
            Ok(())
        }
    };
}
pub(crate) use analysis;
