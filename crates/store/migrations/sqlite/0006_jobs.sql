-- Background work in the database (issue 8): claimed with a lease, retried with backoff, never
-- lost when a process dies (its lease runs out and another takes the job). A job's key makes
-- scheduling the same work twice a no-op.
CREATE TABLE jobs (
    id             BLOB PRIMARY KEY,
    kind           TEXT NOT NULL,
    job_key        TEXT NOT NULL UNIQUE,
    payload        TEXT NOT NULL,
    run_at         INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    claimed_until  INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    done_at        INTEGER,
    failed_at      INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (kind, run_at) WHERE done_at IS NULL AND failed_at IS NULL;
