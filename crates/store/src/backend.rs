//! Opening the database: SQLite tuned for durability, or a PostgreSQL pool.

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub use crate::sql::Pools;
use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Connections for reading (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
    /// Most submissions committed together by the intake writer.
    pub max_batch: usize,
    pub busy_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions { max_connections: 8, max_batch: 512, busy_timeout: Duration::from_secs(10) }
    }
}

/// The two databases Lyhörd runs on, each with its connections (see [`Pools`]).
#[derive(Clone)]
pub enum Backend {
    Sqlite(Pools<SqlitePool>),
    Postgres(Pools<PgPool>),
}

impl Backend {
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Backend> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, options).await
        } else if url.contains("://") && !url.starts_with("sqlite://") {
            let scheme = url.split("://").next().unwrap_or_default();
            Err(StoreError::Connect(format!(
                "the database URL must start with sqlite: or postgres://, not {scheme}://"
            )))
        } else {
            Self::connect_sqlite(url, options).await
        }
    }

    async fn connect_postgres(url: &str, options: &ConnectOptions) -> Result<Backend> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Connect(format!("the PostgreSQL URL is not valid: {e}")))?
            // A receipt must survive a crash: never let a session relax this (I1).
            .options([("synchronous_commit", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(connect)
            .await
            .map_err(|e| StoreError::Connect(format!("cannot connect to PostgreSQL: {}", describe(&e))))?;
        Ok(Backend::Postgres(Pools::shared(pool)))
    }

    async fn connect_sqlite(url: &str, options: &ConnectOptions) -> Result<Backend> {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() || path == ":memory:" {
            return Err(StoreError::Connect(
                "an in-memory SQLite database would lose every case: give a file path".into(),
            ));
        }
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Connect(format!("cannot create the data directory {}: {e}", dir.display())))?;
            check_writable(dir)?;
        }
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout)
            .pragma("temp_store", "memory")
            // Checkpoint every 64 MB of WAL instead of every 4 MB: fewer fsyncs of the
            // database file, and a page changed by many commits is copied back once.
            .pragma("wal_autocheckpoint", "16384");
        let open_error =
            |e: sqlx::Error| StoreError::Connect(format!("cannot open the SQLite database {path}: {}", describe(&e)));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(connect.clone())
            .await
            .map_err(open_error)?;
        let read = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .connect_with(connect.read_only(true))
            .await
            .map_err(open_error)?;
        Ok(Backend::Sqlite(Pools { read, write }))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Backend::Sqlite(db) => db.write.is_closed(),
            Backend::Postgres(db) => db.write.is_closed(),
        }
    }

    pub async fn close(&self) {
        match self {
            Backend::Sqlite(db) => {
                db.read.close().await;
                db.write.close().await;
            }
            Backend::Postgres(db) => db.write.close().await,
        }
    }
}

/// SQLite needs to create its journal files beside the database: say so plainly up front
/// rather than failing later with "unable to open database file".
fn check_writable(dir: &Path) -> Result<()> {
    let probe = dir.join(format!(".lyhord-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| StoreError::Connect(format!("the data directory {} is not writable: {e}", dir.display())))
}

/// One readable sentence for a connection error.
fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}
