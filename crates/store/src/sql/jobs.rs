//! The SQL of the job queue: scheduling with a key, claiming with a lease (`FOR
//! UPDATE SKIP LOCKED` on PostgreSQL, so several instances share the work), retry, give-up.
//! Finishing a job that records an event is done in the event's own transaction (see
//! `ops::append`), so such work happens exactly once.

pub(crate) use crate::model::{Job, NewJob};

pub(crate) const JOB_COLUMNS: &str = "id, kind, job_key, payload, run_at, attempts, last_error, done_at";

macro_rules! jobs {
    () => {
        /// Schedules jobs; a key already scheduled (done or not) is left alone. Returns how
        /// many were new.
        pub async fn schedule(db: &Pools, jobs: &[NewJob], now: DateTime<Utc>) -> Result<u64> {
            let mut added = 0;
            for chunk in jobs.chunks(400) {
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "INSERT INTO jobs (id, kind, job_key, payload, run_at, created_at) ",
                );
                q.push_values(chunk, |mut b, j| {
                    b.push_bind(JobId::new())
                        .push_bind(j.kind.clone())
                        .push_bind(j.key.clone())
                        .push_bind(j.payload.clone())
                        .push_bind(micros(j.run_at))
                        .push_bind(micros(now));
                });
                q.push(" ON CONFLICT (job_key) DO NOTHING");
                added += q.build().execute(&db.write).await?.rows_affected();
            }
            Ok(added)
        }

        /// Takes up to `limit` due jobs of `kind` that nobody holds, until `until`; each
        /// counts as tried.
        pub async fn claim_jobs(
            db: &Pools,
            kind: &str,
            now: DateTime<Utc>,
            until: DateTime<Utc>,
            limit: i64,
        ) -> Result<Vec<Job>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE jobs SET claimed_until = $1, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM jobs WHERE kind = $2 AND done_at IS NULL AND failed_at IS NULL AND run_at <= $3 \
                 AND claimed_until <= $3 ORDER BY run_at LIMIT $4{}) RETURNING {JOB_COLUMNS}",
                DIALECT.skip_locked
            )))
            .bind(micros(until))
            .bind(kind)
            .bind(micros(now))
            .bind(limit)
            .fetch_all(&db.write)
            .await?;
            let mut jobs = rows.iter().map(Job::from_row).collect::<Result<Vec<_>>>()?;
            jobs.sort_by_key(|j| (j.run_at, j.id));
            Ok(jobs)
        }

        /// Marks a job done; false if it already was.
        pub async fn finish_job(db: &Pools, id: JobId, now: DateTime<Utc>) -> Result<bool> {
            let done = sqlx::query("UPDATE jobs SET done_at = $1, claimed_until = 0 WHERE id = $2 AND done_at IS NULL")
                .bind(micros(now))
                .bind(id)
                .execute(&db.write)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        /// A failed try: again at `retry_at`, or given up (`None`), with the reason.
        pub async fn fail_job(
            db: &Pools,
            id: JobId,
            error: &str,
            retry_at: Option<DateTime<Utc>>,
            now: DateTime<Utc>,
        ) -> Result<()> {
            let query = match retry_at {
                Some(at) => sqlx::query("UPDATE jobs SET run_at = $1, claimed_until = 0, last_error = $2 WHERE id = $3")
                    .bind(micros(at)),
                None => sqlx::query("UPDATE jobs SET failed_at = $1, claimed_until = 0, last_error = $2 WHERE id = $3")
                    .bind(micros(now)),
            };
            query.bind(error).bind(id).execute(&db.write).await?;
            Ok(())
        }

        /// A recurring job done for now: due again at `run_at`, as if never tried.
        pub async fn repeat_job(db: &Pools, id: JobId, run_at: DateTime<Utc>) -> Result<()> {
            sqlx::query(
                "UPDATE jobs SET run_at = $1, claimed_until = 0, attempts = 0, last_error = NULL WHERE id = $2",
            )
            .bind(micros(run_at))
            .bind(id)
            .execute(&db.write)
            .await?;
            Ok(())
        }

        pub async fn job_by_key(db: &Pools, key: &str) -> Result<Option<Job>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE job_key = $1")))
                .bind(key)
                .fetch_optional(&db.read)
                .await?;
            row.as_ref().map(Job::from_row).transpose()
        }
    };
}
pub(crate) use jobs;
