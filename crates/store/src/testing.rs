//! Throwaway databases for tests: a SQLite file in a temporary directory, or a fresh
//! database on the PostgreSQL server named by `LYHORD_TEST_POSTGRES_URL`.
//!
//! PostgreSQL tests fail when that variable is missing, so that a run that was meant to
//! cover both backends cannot quietly cover one. `LYHORD_TEST_SKIP_POSTGRES=1` skips them
//! on purpose (for a quick local run); `scripts/test` always provides a server.

use std::time::Duration;

use crate::{ConnectOptions, Store};

pub const POSTGRES_URL_VAR: &str = "LYHORD_TEST_POSTGRES_URL";
pub const SKIP_POSTGRES_VAR: &str = "LYHORD_TEST_SKIP_POSTGRES";

/// A database that lives as long as this value (SQLite) or the test server (PostgreSQL).
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("lyhord.db").display());
        TestDb { url, backend: "sqlite", _dir: Some(dir) }
    }

    /// A new, empty database on the test server; `None` when PostgreSQL is skipped.
    pub async fn postgres() -> Option<TestDb> {
        if std::env::var(SKIP_POSTGRES_VAR).is_ok_and(|v| v == "1") {
            eprintln!("PostgreSQL skipped ({SKIP_POSTGRES_VAR}=1)");
            return None;
        }
        let admin_url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
            panic!("{POSTGRES_URL_VAR} is not set: run scripts/test, or set {SKIP_POSTGRES_VAR}=1 to skip PostgreSQL")
        });
        let name = format!("lyhord_test_{}", uuid::Uuid::now_v7().simple());
        let admin = sqlx::PgPool::connect(&admin_url).await.expect("connect to the test PostgreSQL server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create a test database");
        admin.close().await;
        let (base, query) = admin_url.split_once('?').map_or((admin_url.as_str(), ""), |(b, q)| (b, q));
        let base = base.rsplit_once('/').map_or(base, |(server, _db)| server);
        let url = if query.is_empty() { format!("{base}/{name}") } else { format!("{base}/{name}?{query}") };
        Some(TestDb { url, backend: "postgres", _dir: None })
    }

    pub async fn open(&self) -> Store {
        let options = ConnectOptions { busy_timeout: Duration::from_secs(30), ..ConnectOptions::default() };
        Store::open(&self.url, options).await.expect("open the test store")
    }

    /// Runs SQL behind the store's back, as someone with direct database access could.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        if self.backend == "postgres" {
            let pool = sqlx::PgPool::connect(&self.url).await?;
            let done = sqlx::raw_sql(sql).execute(&pool).await?;
            pool.close().await;
            Ok(done.rows_affected())
        } else {
            let pool = sqlx::SqlitePool::connect(&self.url).await?;
            let done = sqlx::raw_sql(sql).execute(&pool).await?;
            pool.close().await;
            Ok(done.rows_affected())
        }
    }
}
