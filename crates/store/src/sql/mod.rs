//! The store's SQL, written once and generated for each backend. The two dialects agree
//! on everything used here (`$n` parameters, `ON CONFLICT`, `RETURNING`, partial indexes);
//! what differs is described once per backend, in a [`Dialect`]. Each area's operations are
//! a macro in its own file (`cases`, `inbox`, `search`, `accounts`, …); [`sqlite`] and
//! [`postgres`] expand every area with their own types and dialect, so the store calls
//! `sql::sqlite::inbox(…)` or `sql::postgres::inbox(…)` with the same arguments.
//!
//! To add an operation: write it as `pub async fn name(db: &Pools, …)` in its area's macro,
//! reading through `&db.read` and writing through `&db.write` (or `begin(db)`), and add a
//! method to `Store` that calls it with `dispatch!`.

mod accounts;
mod alerts;
mod analysis;
mod breach;
mod cases;
mod chains;
mod dialogues;
mod gallring;
mod inbox;
mod jobs;
mod keys;
mod mail;
mod open311;
mod organisation;
mod quarantine;
mod register;
mod reports;
mod search;

use chrono::{DateTime, Utc};
use domain::event::{Event, EventPayload, Hash, NewEvent};
#[allow(unused_imports)]
pub(crate) use domain::{
    ApiKeyId, CaseId, ContributionId, DialogueId, HeldSubmissionId, ImprovementId, InboundMailId, JobId,
    JurisdictionId, MeetingId, MessageId, NodeId, ParticipantId, QuestionId, TemplateId, ThemeId, UserId,
};
use domain::{CaseNumber, CaseState, Category, OrgNode};
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use std::str::FromStr;

use crate::model::{
    AccessEntry, AnswerTemplate, ApiKey, CaseFilter, CaseSummary, InboxQuery, Jurisdiction, NewUser, PublicCase,
    PublicQuery, PublicUpdate, PublicUpdatesQuery, Publication, Quarantined, Readable, SearchQuery, SessionRecord,
    Units, User, UserUpdate,
};
use crate::policies::Policies;
use crate::projection::{NewCase, Projected, Receipt};
use crate::{Result, StoreError};

pub(crate) const CASE_COLUMNS: &str = "id, jurisdiction_id, number, kind, channel, category, node_id, handler_id, status, \
     anonymous, submitter_role, received_at, updated_at, event_count, head_hash, formal, restricted, subject";
pub(crate) const USER_COLUMNS: &str =
    "u.id, u.jurisdiction_id, u.username, u.display_name, u.email, u.password_hash, u.role, u.node_id, u.disabled";
pub(crate) const EVENTS_OF_CASE: &str = "SELECT case_id, seq, at, actor, payload, salt, digest, gallrad_by, prev_hash, hash FROM case_events \
     WHERE case_id = $1 ORDER BY seq";
/// Rows per multi-row INSERT: well inside both databases' limits on bound parameters.
pub(crate) const INSERT_CHUNK: usize = 400;

pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub(crate) fn from_micros(us: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| StoreError::corrupt(format!("time {us} out of range")))
}

pub(crate) fn parse<T: FromStr>(column: &str, value: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e| StoreError::corrupt(format!("{column}: {e}")))
}

pub(crate) fn hash_from(column: &str, bytes: &[u8]) -> Result<Hash> {
    Hash::from_slice(bytes).ok_or_else(|| StoreError::corrupt(format!("{column} is not a 32-byte hash")))
}

pub(crate) fn unique_violation(e: sqlx::Error, what: impl Into<String>) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what.into()),
        _ => StoreError::Database(e),
    }
}

/// The words of a search, as letters and digits only: nothing a user types can change the
/// shape of the full-text query.
pub(crate) fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// An FTS5 query: every word; the last also as the start of a longer word, as people type.
pub(crate) fn fts5_query(words: &[String]) -> String {
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| format!("\"{w}\"{}", if i == last { "*" } else { "" }))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A PostgreSQL tsquery: every word (stemmed as Swedish); the last also as a prefix. Whole
/// words keep the planner's estimates sound, so common words do not cost a full scan.
pub(crate) fn tsquery(words: &[String]) -> String {
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| format!("{w}{}", if i == last { ":*" } else { "" }))
        .collect::<Vec<_>>()
        .join(" & ")
}

pub(crate) const SUMMARY_COLUMNS: &str = "c.id, c.jurisdiction_id, c.number, c.kind, c.channel, c.category, c.node_id, c.handler_id, c.status, \
     c.received_at, c.due_at, c.alert, c.formal";

/// What differs between the two databases. Everything else is the same SQL.
pub(crate) struct Dialect {
    /// How a writing transaction begins. SQLite takes its write lock at once, so that two
    /// transactions never both read and then fail to upgrade.
    pub begin_write: &'static str,
    /// Locks the rows a read-modify-write reads. Only PostgreSQL needs it: SQLite has one
    /// writer, which its `BEGIN IMMEDIATE` already holds.
    pub for_update: &'static str,
    /// Claims queued rows that no other instance is working on.
    pub skip_locked: &'static str,
    /// Keeps report refreshes apart, so that an older count never overwrites a newer one.
    pub report_lock: &'static str,
    /// Keeps instances starting at the same moment from migrating at once.
    pub migration_lock: Option<&'static str>,
    /// Full-text search: the tables searched, the match condition around the bound query,
    /// the order of hits, and how a search's words become the engine's query.
    pub search_from: &'static str,
    pub search_match: (&'static str, &'static str),
    pub search_order: &'static str,
    pub fts_query: fn(&[String]) -> String,
}

/// The connections of one backend: a pool to read and one to write. SQLite writes through a
/// single connection (it allows one writer; queuing in-process beats busy-waiting) and reads
/// through several; PostgreSQL uses one pool for both.
#[derive(Clone)]
pub struct Pools<P> {
    pub read: P,
    pub write: P,
}

impl<P: Clone> Pools<P> {
    /// One pool for reading and writing.
    pub fn shared(pool: P) -> Pools<P> {
        Pools { read: pool.clone(), write: pool }
    }
}

/// Reading a column of a row the same way on both backends; what row mapping is written with.
pub(crate) trait Columns {
    fn get<T>(&self, column: &str) -> Result<T>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>;

    /// A code stored as text (a status, a kind), read back into its type.
    fn parsed<T: FromStr>(&self, column: &str) -> Result<T>
    where
        T::Err: std::fmt::Display,
    {
        parse(column, &self.get::<String>(column)?)
    }

    fn optional_parsed<T: FromStr>(&self, column: &str) -> Result<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        self.get::<Option<String>>(column)?.map(|v| parse(column, &v)).transpose()
    }

    /// An instant stored as microseconds since 1970.
    fn time(&self, column: &str) -> Result<DateTime<Utc>> {
        from_micros(self.get(column)?)
    }

    fn optional_time(&self, column: &str) -> Result<Option<DateTime<Utc>>> {
        self.get::<Option<i64>>(column)?.map(from_micros).transpose()
    }
}

impl Columns for sqlx::sqlite::SqliteRow {
    fn get<T>(&self, column: &str) -> Result<T>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        Ok(self.try_get(column)?)
    }
}

impl Columns for sqlx::postgres::PgRow {
    fn get<T>(&self, column: &str) -> Result<T>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        Ok(self.try_get(column)?)
    }
}

/// Every area's operations, for one backend.
macro_rules! operations {
    () => {
        #[allow(unused_imports)]
        use super::{
            accounts::*, alerts::*, analysis::*, breach::*, cases::*, chains::*, dialogues::*, gallring::*, inbox::*,
            jobs::*, keys::*, mail::*, open311::*, organisation::*, quarantine::*, register::*, reports::*, search::*,
            *,
        };
        pub(crate) type Pools = super::Pools<Pool>;
        type DbRow = <Db as sqlx::Database>::Row;

        super::accounts::accounts!();
        super::alerts::alerts!();
        super::analysis::analysis!();
        super::breach::breach!();
        super::cases::cases!();
        super::chains::chains!();
        super::dialogues::dialogues!();
        super::gallring::gallring!();
        super::inbox::inbox!();
        super::jobs::jobs!();
        super::keys::keys!();
        super::mail::mail!();
        super::open311::open311!();
        super::organisation::organisation!();
        super::quarantine::quarantine!();
        super::register::register!();
        super::reports::reports!();
        super::search::search!();
    };
}

pub mod sqlite {
    pub(crate) type Db = sqlx::Sqlite;
    pub(crate) type Pool = sqlx::SqlitePool;
    pub(crate) const DIALECT: super::Dialect = super::Dialect {
        begin_write: "BEGIN IMMEDIATE",
        for_update: "",
        skip_locked: "",
        report_lock: "SELECT 1",
        migration_lock: None,
        // CROSS JOIN fixes the order: the index finds the matches, then their cases. Left to
        // itself the planner may walk every case and ask the index about each one.
        search_from: "FROM case_fts CROSS JOIN case_search s ON s.id = case_fts.rowid \
                      CROSS JOIN cases c ON c.id = s.case_id",
        search_match: ("case_fts MATCH ", ""),
        // The index's own order (cases are indexed as they arrive) lets FTS5 stop at the
        // first page instead of sorting every match of a common word.
        search_order: " ORDER BY case_fts.rowid DESC",
        fts_query: super::fts5_query,
    };
    operations!();
}

pub mod postgres {
    pub(crate) type Db = sqlx::Postgres;
    pub(crate) type Pool = sqlx::PgPool;
    pub(crate) const DIALECT: super::Dialect = super::Dialect {
        begin_write: "BEGIN",
        for_update: " FOR UPDATE",
        skip_locked: " FOR UPDATE SKIP LOCKED",
        report_lock: "SELECT pg_advisory_xact_lock(9009)",
        migration_lock: Some("SELECT pg_advisory_xact_lock(7170697)"),
        search_from: "FROM case_search s JOIN cases c ON c.id = s.case_id",
        search_match: ("s.tsv @@ to_tsquery('swedish', ", ")"),
        search_order: " ORDER BY c.received_at DESC, c.id",
        fts_query: super::tsquery,
    };
    operations!();
}
