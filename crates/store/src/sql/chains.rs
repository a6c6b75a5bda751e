//! Re-expressing the hash chains of events stored before content digests (decision 62): once
//! per database, at the first start after migration 13.

pub(crate) use domain::event::{content_digest, event_hash, event_hash_v1};

macro_rules! chains {
    () => {
        /// The case's chain head before and after re-expression, and when, if it was.
        pub async fn chain_reexpression(db: &Pools, case_id: CaseId) -> Result<Option<(Hash, Hash, DateTime<Utc>)>> {
            let row = sqlx::query("SELECT old_head, new_head, at FROM chain_reexpressions WHERE case_id = $1")
                .bind(case_id)
                .fetch_optional(&db.read)
                .await?;
            row.map(|r| {
                Ok((
                    hash_from("old_head", &Columns::get::<Vec<u8>>(&r, "old_head")?)?,
                    hash_from("new_head", &Columns::get::<Vec<u8>>(&r, "new_head")?)?,
                    r.time("at")?,
                ))
            })
            .transpose()
        }

        /// Every case by id, a page at a time after `after`: (id, jurisdiction, number).
        pub async fn case_index(
            db: &Pools,
            after: Option<CaseId>,
            limit: i64,
        ) -> Result<Vec<(CaseId, JurisdictionId, String)>> {
            let rows = sqlx::query(
                "SELECT id, jurisdiction_id, number FROM cases WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("jurisdiction_id")?, r.try_get("number")?))).collect()
        }

        /// Up to `limit` cases with events that have no content digest yet.
        pub async fn unexpressed_cases(db: &Pools, limit: i64) -> Result<Vec<CaseId>> {
            Ok(sqlx::query_scalar("SELECT DISTINCT case_id FROM case_events WHERE digest IS NULL LIMIT $1")
                .bind(limit)
                .fetch_all(&db.read)
                .await?)
        }

        /// Checks each case's chain as it was (version 1, over the payloads), then gives every
        /// event a salt and digest and hashes the chain again over the digests, recording the
        /// old and new heads. A chain already broken is refused, not rewritten.
        pub async fn reexpress(db: &Pools, cases: &[CaseId], now: DateTime<Utc>) -> Result<()> {
            let mut tx = begin(db).await?;
            for &case_id in cases {
                let case = sqlx::query("SELECT number, event_count, head_hash FROM cases WHERE id = $1")
                    .bind(case_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let number: String = case.try_get("number")?;
                let broken =
                    || StoreError::corrupt(format!("the events of case {number} do not verify; not re-expressed"));
                let rows = sqlx::query(
                    "SELECT seq, at, actor, payload, prev_hash, hash FROM case_events WHERE case_id = $1 ORDER BY seq",
                )
                .bind(case_id)
                .fetch_all(&mut *tx)
                .await?;
                let (mut old, mut new) = (Hash::GENESIS, Hash::GENESIS);
                for (i, row) in rows.iter().enumerate() {
                    let seq: i64 = row.try_get("seq")?;
                    let at: i64 = row.try_get("at")?;
                    let actor: String = row.try_get("actor")?;
                    let payload: String = row.try_get("payload")?;
                    let prev = hash_from("prev_hash", &row.try_get::<Vec<u8>, _>("prev_hash")?)?;
                    let hash = hash_from("hash", &row.try_get::<Vec<u8>, _>("hash")?)?;
                    if seq != i as i64 + 1
                        || prev != old
                        || event_hash_v1(case_id, seq, at, &actor, &payload, &prev) != hash
                    {
                        return Err(broken());
                    }
                    old = hash;
                    let salt: domain::event::Salt = rand::random();
                    let digest = content_digest(&salt, &payload);
                    let rehashed = event_hash(case_id, seq, at, &actor, &digest, &new);
                    sqlx::query(
                        "UPDATE case_events SET salt = $3, digest = $4, prev_hash = $5, hash = $6 \
                         WHERE case_id = $1 AND seq = $2",
                    )
                    .bind(case_id)
                    .bind(seq)
                    .bind(&salt[..])
                    .bind(&digest.0[..])
                    .bind(&new.0[..])
                    .bind(&rehashed.0[..])
                    .execute(&mut *tx)
                    .await?;
                    new = rehashed;
                }
                let head = hash_from("head_hash", &case.try_get::<Vec<u8>, _>("head_hash")?)?;
                if old != head || rows.len() as i64 != case.try_get::<i64, _>("event_count")? {
                    return Err(broken());
                }
                sqlx::query("UPDATE cases SET head_hash = $2 WHERE id = $1")
                    .bind(case_id)
                    .bind(&new.0[..])
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO chain_reexpressions (case_id, old_head, new_head, at) VALUES ($1, $2, $3, $4)",
                )
                .bind(case_id)
                .bind(&old.0[..])
                .bind(&new.0[..])
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        }
    };
}
pub(crate) use chains;
