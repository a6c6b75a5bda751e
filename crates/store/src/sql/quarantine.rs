//! Submissions held as suspected spam, and staff's decisions on them.

macro_rules! quarantine {
    () => {
        pub async fn quarantine(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            at: DateTime<Utc>,
            reason: &str,
            payload: &str,
        ) -> Result<HeldSubmissionId> {
            let id = HeldSubmissionId::new();
            sqlx::query(
                "INSERT INTO quarantine (id, jurisdiction_id, received_at, reason, payload) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(micros(at))
            .bind(reason)
            .bind(payload)
            .execute(&db.write)
            .await?;
            Ok(id)
        }

        pub async fn quarantined(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<Quarantined>> {
            let rows = sqlx::query(
                "SELECT id, jurisdiction_id, received_at, reason, payload, resolution, resolved_at, case_id \
                 FROM quarantine WHERE jurisdiction_id = $1 ORDER BY received_at",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Quarantined {
                        id: r.try_get("id")?,
                        jurisdiction: r.try_get("jurisdiction_id")?,
                        received_at: from_micros(r.try_get("received_at")?)?,
                        reason: r.try_get("reason")?,
                        payload: r.try_get("payload")?,
                        resolution: r.try_get("resolution")?,
                        resolved_at: r.try_get::<Option<i64>, _>("resolved_at")?.map(from_micros).transpose()?,
                        case_id: r.try_get("case_id")?,
                    })
                })
                .collect()
        }

        /// Records what staff decided about a quarantined submission, once: a second decision
        /// (two people at once) finds it resolved and changes nothing.
        pub async fn resolve_quarantine(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: HeldSubmissionId,
            decision: &QuarantineDecision,
        ) -> Result<bool> {
            let done = sqlx::query(
                "UPDATE quarantine SET resolution = $3, resolved_by = $4, case_id = $5, resolved_at = $6 \
                 WHERE id = $1 AND jurisdiction_id = $2 AND resolved_at IS NULL",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(decision.resolution)
            .bind(decision.by)
            .bind(decision.case_id)
            .bind(micros(decision.at))
            .execute(&db.write)
            .await?;
            Ok(done.rows_affected() == 1)
        }
    };
}
pub(crate) use quarantine;
