//! Embedded schema migrations, applied in order at start and by `lyhord migrate`. Each is
//! recorded with a checksum of its SQL; a database on which an applied migration reads
//! differently now is refused, since its schema is no longer what the program expects.

use sha2::{Digest, Sha256};
use sqlx::{Executor, Row};

use crate::backend::Backend;
use crate::sql;
use crate::{Result, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "citizen",
        sqlite: include_str!("../migrations/sqlite/0002_citizen.sql"),
        postgres: include_str!("../migrations/postgres/0002_citizen.sql"),
    },
    Migration {
        version: 3,
        name: "staff",
        sqlite: include_str!("../migrations/sqlite/0003_staff.sql"),
        postgres: include_str!("../migrations/postgres/0003_staff.sql"),
    },
    Migration {
        version: 4,
        name: "open311",
        sqlite: include_str!("../migrations/sqlite/0004_open311.sql"),
        postgres: include_str!("../migrations/postgres/0004_open311.sql"),
    },
    Migration {
        version: 5,
        name: "mail",
        sqlite: include_str!("../migrations/sqlite/0005_mail.sql"),
        postgres: include_str!("../migrations/postgres/0005_mail.sql"),
    },
    Migration {
        version: 6,
        name: "jobs",
        sqlite: include_str!("../migrations/sqlite/0006_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0006_jobs.sql"),
    },
    Migration {
        version: 7,
        name: "alerts",
        sqlite: include_str!("../migrations/sqlite/0007_alerts.sql"),
        postgres: include_str!("../migrations/postgres/0007_alerts.sql"),
    },
    Migration {
        version: 8,
        name: "analysis",
        sqlite: include_str!("../migrations/sqlite/0008_analysis.sql"),
        postgres: include_str!("../migrations/postgres/0008_analysis.sql"),
    },
    Migration {
        version: 9,
        name: "report_days",
        sqlite: include_str!("../migrations/sqlite/0009_report_days.sql"),
        postgres: include_str!("../migrations/postgres/0009_report_days.sql"),
    },
    Migration {
        version: 10,
        name: "dialogues",
        sqlite: include_str!("../migrations/sqlite/0010_dialogues.sql"),
        postgres: include_str!("../migrations/postgres/0010_dialogues.sql"),
    },
    Migration {
        version: 11,
        name: "privacy",
        sqlite: include_str!("../migrations/sqlite/0011_privacy.sql"),
        postgres: include_str!("../migrations/postgres/0011_privacy.sql"),
    },
    Migration {
        version: 12,
        name: "dialogue_history",
        sqlite: include_str!("../migrations/sqlite/0012_dialogue_history.sql"),
        postgres: include_str!("../migrations/postgres/0012_dialogue_history.sql"),
    },
    Migration {
        version: 13,
        name: "content_digests",
        sqlite: include_str!("../migrations/sqlite/0013_content_digests.sql"),
        postgres: include_str!("../migrations/postgres/0013_content_digests.sql"),
    },
    Migration {
        version: 14,
        name: "gallring",
        sqlite: include_str!("../migrations/sqlite/0014_gallring.sql"),
        postgres: include_str!("../migrations/postgres/0014_gallring.sql"),
    },
    Migration {
        version: 15,
        name: "rights",
        sqlite: include_str!("../migrations/sqlite/0015_rights.sql"),
        postgres: include_str!("../migrations/postgres/0015_rights.sql"),
    },
    Migration {
        version: 16,
        name: "register",
        sqlite: include_str!("../migrations/sqlite/0016_register.sql"),
        postgres: include_str!("../migrations/postgres/0016_register.sql"),
    },
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS lyhord_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

const RECORD: &str = "INSERT INTO lyhord_migrations (version, name, applied_at, checksum) VALUES ($1, $2, $3, $4)";

/// Databases from before checksums were kept get the column; their migrations get their
/// checksums on the next start (from the SQL as it is then: recorded, not checked, once).
const ADD_CHECKSUM: &str = "ALTER TABLE lyhord_migrations ADD COLUMN checksum TEXT";

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Applies each pending migration in its own transaction on `$pool`, with that backend's
/// SQL (`$sql`), after taking the dialect's migration lock if it has one. Evaluates to the
/// count.
macro_rules! apply_pending {
    ($pool:expr, $dialect:expr, $sql:ident) => {{
        let mut applied = 0;
        $pool.execute(CREATE_TABLE).await?;
        let has_checksums = "SELECT checksum FROM lyhord_migrations WHERE 1 = 0";
        // Another instance starting at the same moment may add the column first.
        if $pool.execute(has_checksums).await.is_err() && $pool.execute(ADD_CHECKSUM).await.is_err() {
            $pool.execute(has_checksums).await?;
        }
        for m in MIGRATIONS {
            let mut tx = $pool.begin_with($dialect.begin_write).await?;
            if let Some(lock) = $dialect.migration_lock {
                tx.execute(lock).await?;
            }
            let sum = checksum(m.$sql);
            let done = sqlx::query("SELECT checksum FROM lyhord_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = done {
                match row.try_get::<Option<String>, _>("checksum")? {
                    Some(recorded) if recorded != sum => {
                        return Err(StoreError::MigrationEdited { version: m.version, name: m.name });
                    }
                    Some(_) => {}
                    None => {
                        sqlx::query("UPDATE lyhord_migrations SET checksum = $1 WHERE version = $2")
                            .bind(&sum)
                            .bind(m.version)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                    }
                }
                continue;
            }
            let fail = |source| StoreError::Migration { version: m.version, name: m.name, source };
            tx.execute(sqlx::raw_sql(m.$sql)).await.map_err(fail)?;
            sqlx::query(RECORD).bind(m.version).bind(m.name).bind(now()).bind(&sum).execute(&mut *tx).await?;
            tx.commit().await?;
            applied += 1;
        }
        applied
    }};
}

/// Applies the migrations not yet applied; returns how many were.
pub async fn run(backend: &Backend) -> Result<usize> {
    Ok(match backend {
        Backend::Sqlite(db) => apply_pending!(&db.write, sql::sqlite::DIALECT, sqlite),
        // Several instances may start at once; one migrates, the others wait.
        Backend::Postgres(db) => apply_pending!(&db.write, sql::postgres::DIALECT, postgres),
    })
}
