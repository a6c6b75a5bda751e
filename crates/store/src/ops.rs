//! The store's SQL, written once and generated for each backend. The two dialects agree
//! on everything used here (`$n` parameters, `ON CONFLICT`, `RETURNING`, partial indexes);
//! where they differ, the difference is a macro argument: how a writing transaction
//! begins, and row locking, which only PostgreSQL needs (SQLite has a single writer).

use chrono::{DateTime, Utc};
use domain::event::{Event, EventPayload, Hash, NewEvent};
use domain::{CaseNumber, CaseState, Category, OrgNode};
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use uuid::Uuid;

use crate::intake::{NewCase, Projected, Receipt};
use crate::model::{
    AccessEntry, AnswerTemplate, ApiKey, CaseFilter, CaseSummary, InboxQuery, Jurisdiction, NO_DUE, NewUser,
    OutboxMessage, PublicCase, PublicQuery, PublicUpdate, PublicUpdatesQuery, Publication, QuarantineDecision,
    Quarantined, SearchQuery, SessionRecord, Units, User, UserUpdate,
};
use crate::policies::Policies;
use crate::{Result, StoreError};

const CASE_COLUMNS: &str = "id, jurisdiction_id, number, kind, channel, category, node_id, handler_id, status, \
     anonymous, submitter_role, received_at, updated_at, event_count, head_hash, formal";
const USER_COLUMNS: &str =
    "u.id, u.jurisdiction_id, u.username, u.display_name, u.email, u.password_hash, u.role, u.node_id, u.disabled";
const EVENTS_OF_CASE: &str =
    "SELECT case_id, seq, at, actor, payload, prev_hash, hash FROM case_events WHERE case_id = $1 ORDER BY seq";
/// Rows per multi-row INSERT: well inside both databases' limits on bound parameters.
const INSERT_CHUNK: usize = 400;

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

fn hash_from(column: &str, bytes: &[u8]) -> Result<Hash> {
    Hash::from_slice(bytes).ok_or_else(|| StoreError::corrupt(format!("{column} is not a 32-byte hash")))
}

fn unique_violation(e: sqlx::Error, what: impl Into<String>) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what.into()),
        _ => StoreError::Database(e),
    }
}

/// The words of a search, as letters and digits only: nothing a user types can change the
/// shape of the full-text query.
fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// An FTS5 query: every word; the last also as the start of a longer word, as people type.
fn fts5_query(words: &[String]) -> String {
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
fn tsquery(words: &[String]) -> String {
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

macro_rules! backend_ops {
    (
        db = $Db:ty,
        pool = $Pool:ty,
        begin = $begin:literal,
        for_update = $for_update:literal,
        search_from = $search_from:literal,
        search_match = ($match_before:literal, $match_after:literal),
        search_order = $search_order:literal,
        skip_locked = $skip_locked:literal,
        fts_query = $fts_query:path
    ) => {
        use super::*;

        type Db = $Db;
        type Pool = $Pool;
        type DbRow = <Db as sqlx::Database>::Row;

        async fn begin(write: &Pool) -> Result<sqlx::Transaction<'static, Db>> {
            Ok(write.begin_with($begin).await?)
        }

        fn case_from_row(row: &DbRow) -> Result<CaseState> {
            Ok(CaseState {
                id: row.try_get("id")?,
                jurisdiction: row.try_get("jurisdiction_id")?,
                number: row.try_get("number")?,
                kind: parse("kind", row.try_get("kind")?)?,
                channel: parse("channel", row.try_get("channel")?)?,
                category: row.try_get("category")?,
                node_id: row.try_get("node_id")?,
                handler_id: row.try_get("handler_id")?,
                status: parse("status", row.try_get("status")?)?,
                received_at: from_micros(row.try_get("received_at")?)?,
                updated_at: from_micros(row.try_get("updated_at")?)?,
                anonymous: row.try_get("anonymous")?,
                submitter_role: row
                    .try_get::<Option<String>, _>("submitter_role")?
                    .map(|r| parse("submitter_role", &r))
                    .transpose()?,
                event_count: row.try_get("event_count")?,
                head: hash_from("head_hash", row.try_get("head_hash")?)?,
                formal: row.try_get("formal")?,
            })
        }

        fn event_from_row(row: &DbRow) -> Result<Event> {
            Ok(Event {
                case_id: row.try_get("case_id")?,
                seq: row.try_get("seq")?,
                at_micros: row.try_get("at")?,
                actor_json: row.try_get("actor")?,
                payload_json: row.try_get("payload")?,
                prev_hash: hash_from("prev_hash", row.try_get("prev_hash")?)?,
                hash: hash_from("hash", row.try_get("hash")?)?,
            })
        }

        fn user_from_row(row: &DbRow) -> Result<User> {
            Ok(User {
                id: row.try_get("id")?,
                jurisdiction: row.try_get("jurisdiction_id")?,
                username: row.try_get("username")?,
                display_name: row.try_get("display_name")?,
                email: row.try_get("email")?,
                password_hash: row.try_get("password_hash")?,
                role: parse("role", row.try_get("role")?)?,
                node_id: row.try_get("node_id")?,
                disabled: row.try_get("disabled")?,
            })
        }

        /// Inserts events, each with its payload's type tag.
        async fn insert_events(tx: &mut sqlx::Transaction<'static, Db>, events: &[(&Event, &'static str)]) -> Result<()> {
            for chunk in events.chunks(INSERT_CHUNK) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO case_events (case_id, seq, at, type, actor, payload, prev_hash, hash) ",
                );
                q.push_values(chunk, |mut b, (e, type_code)| {
                    b.push_bind(e.case_id)
                        .push_bind(e.seq)
                        .push_bind(e.at_micros)
                        .push_bind(*type_code)
                        .push_bind(e.actor_json.as_str())
                        .push_bind(e.payload_json.as_str())
                        .push_bind(&e.prev_hash.0[..])
                        .push_bind(&e.hash.0[..]);
                });
                q.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        pub async fn ping(read: &Pool, _write: &Pool) -> Result<()> {
            sqlx::query("SELECT 1").execute(read).await?;
            Ok(())
        }

        /// Registers new cases in one transaction: idempotency, numbers, projection, events.
        /// Each case comes with the due time of its nearest clock.
        pub async fn commit_batch(write: &Pool, batch: &[(&NewCase, &Projected)]) -> Result<Vec<Receipt>> {
            let cases: Vec<&NewCase> = batch.iter().map(|(case, _)| *case).collect();
            let mut tx = begin(write).await?;
            let mut receipts: Vec<Option<Receipt>> = vec![None; cases.len()];
            let mut same_as: Vec<Option<usize>> = vec![None; cases.len()];
            let mut first_with_key: HashMap<(&str, &str), usize> = HashMap::new();
            let mut fresh = Vec::with_capacity(cases.len());

            for (i, case) in cases.iter().enumerate() {
                let jurisdiction = case.submission.jurisdiction.as_str();
                if let Some(key) = case.idempotency_key.as_deref() {
                    if let Some(&first) = first_with_key.get(&(jurisdiction, key)) {
                        same_as[i] = Some(first);
                        continue;
                    }
                    let existing = sqlx::query(
                        "SELECT id, number, received_at FROM cases WHERE jurisdiction_id = $1 AND idempotency_key = $2",
                    )
                    .bind(jurisdiction)
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(row) = existing {
                        receipts[i] = Some(Receipt {
                            case_id: row.try_get("id")?,
                            number: row.try_get("number")?,
                            received_at: from_micros(row.try_get("received_at")?)?,
                            duplicate: true,
                        });
                        continue;
                    }
                    first_with_key.insert((jurisdiction, key), i);
                }
                fresh.push(i);
            }

            // Reserve consecutive serials per jurisdiction and year. The counter row is
            // locked until commit, and a rollback returns the serials: no gaps, no repeats.
            let mut wanted: BTreeMap<(&str, i32), i64> = BTreeMap::new();
            for &i in &fresh {
                let case = cases[i];
                let year = domain::time::case_year(case.received_at);
                *wanted.entry((case.submission.jurisdiction.as_str(), year)).or_default() += 1;
            }
            let mut next_serial = HashMap::new();
            for ((jurisdiction, year), count) in wanted {
                let last: i64 = sqlx::query_scalar(
                    "INSERT INTO case_counters (jurisdiction_id, year, last_serial) VALUES ($1, $2, $3) \
                     ON CONFLICT (jurisdiction_id, year) \
                     DO UPDATE SET last_serial = case_counters.last_serial + excluded.last_serial \
                     RETURNING last_serial",
                )
                .bind(jurisdiction)
                .bind(i64::from(year))
                .bind(count)
                .fetch_one(&mut *tx)
                .await?;
                next_serial.insert((jurisdiction, year), last - count + 1);
            }

            let mut rows = Vec::with_capacity(fresh.len());
            for &i in &fresh {
                let case = cases[i];
                let year = domain::time::case_year(case.received_at);
                let slot = next_serial
                    .get_mut(&(case.submission.jurisdiction.as_str(), year))
                    .expect("a serial was reserved for every fresh case");
                let number = CaseNumber { year, serial: *slot as u32 }.to_string();
                *slot += 1;
                let case_id = Uuid::now_v7();
                let payload = EventPayload::Received {
                    number: number.clone(),
                    node_id: case.node_id.clone(),
                    submission: Box::new(case.submission.clone()),
                };
                let event = NewEvent::new(case.received_at, case.actor, payload).seal(case_id, 1, Hash::GENESIS);
                rows.push((i, number, event));
            }

            for chunk in rows.chunks(INSERT_CHUNK) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO cases (id, jurisdiction_id, number, kind, channel, category, node_id, handler_id, \
                     status, anonymous, submitter_role, received_at, updated_at, due_at, event_count, head_hash, \
                     idempotency_key, alert_at, alert, clock_summary) ",
                );
                q.push_values(chunk, |mut b, (i, number, event)| {
                    let case = cases[*i];
                    let s = &case.submission;
                    b.push_bind(event.case_id)
                        .push_bind(s.jurisdiction.as_str())
                        .push_bind(number.as_str())
                        .push_bind(s.kind.code())
                        .push_bind(s.channel.code())
                        .push_bind(s.category.as_str())
                        .push_bind(case.node_id.as_str())
                        .push_bind(None::<Uuid>)
                        .push_bind(domain::Status::Received.code())
                        .push_bind(s.submitter.anonymous)
                        .push_bind(s.submitter.role.map(|r| r.code()))
                        .push_bind(event.at_micros)
                        .push_bind(event.at_micros)
                        .push_bind(batch[*i].1.due.map_or(NO_DUE, micros))
                        .push_bind(1_i64)
                        .push_bind(&event.hash.0[..])
                        .push_bind(case.idempotency_key.as_deref())
                        .push_bind(batch[*i].1.alert_at.map_or(NO_DUE, micros))
                        .push_bind(batch[*i].1.alert.map(|a| a.code()))
                        .push_bind(batch[*i].1.clocks.as_str());
                });
                q.build().execute(&mut *tx).await?;
            }
            let events: Vec<(&Event, &'static str)> = rows.iter().map(|(_, _, e)| (e, "received")).collect();
            insert_events(&mut tx, &events).await?;
            // The receipt e-mail is queued with the case (A4): it is written from the case when
            // it is sent, so only who gets it is decided here.
            let receipts_to: Vec<(Uuid, &str, &str)> = rows
                .iter()
                .filter_map(|(i, _, event)| {
                    let s = &cases[*i].submission;
                    let wanted = cases[*i].live && !s.submitter.anonymous;
                    let to = s.submitter.email.as_deref().filter(|e| wanted && !e.is_empty())?;
                    Some((event.case_id, to, s.language.as_str()))
                })
                .collect();
            for chunk in receipts_to.chunks(INSERT_CHUNK) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO outbox (id, case_id, purpose, recipient, subject, body, language, created_at) ",
                );
                q.push_values(chunk, |mut b, (case_id, to, language)| {
                    b.push_bind(Uuid::now_v7())
                        .push_bind(*case_id)
                        .push_bind("receipt")
                        .push_bind(*to)
                        .push_bind("")
                        .push_bind("")
                        .push_bind(*language)
                        .push_bind(micros(Utc::now()));
                });
                q.build().execute(&mut *tx).await?;
            }
            // Full-text indexing costs a third of a submission: it happens after the receipt.
            for chunk in rows.chunks(INSERT_CHUNK) {
                let mut q = QueryBuilder::<Db>::new("INSERT INTO search_pending (case_id) ");
                q.push_values(chunk, |mut b, (_, _, event)| {
                    b.push_bind(event.case_id);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;

            for (i, number, event) in rows {
                receipts[i] = Some(Receipt {
                    case_id: event.case_id,
                    number,
                    received_at: event.at(),
                    duplicate: false,
                });
            }
            for (i, first) in same_as.iter().enumerate() {
                if let Some(first) = first {
                    let mut receipt = receipts[*first].clone().expect("first of its key is registered");
                    receipt.duplicate = true;
                    receipts[i] = Some(receipt);
                }
            }
            Ok(receipts.into_iter().map(|r| r.expect("every case has a receipt")).collect())
        }

        pub async fn append(
            _read: &Pool,
            write: &Pool,
            case_id: Uuid,
            event: &NewEvent,
            messages: &[OutboxMessage],
            job: Option<Uuid>,
            policies: &Policies,
        ) -> Result<CaseState> {
            let mut tx = begin(write).await?;
            // A job's event is recorded once: the job is marked done in the same transaction,
            // and a second finisher finds it done (PostgreSQL makes it wait for the first).
            if let Some(job) = job {
                let done = sqlx::query("UPDATE jobs SET done_at = $1, claimed_until = 0 WHERE id = $2 AND done_at IS NULL")
                    .bind(micros(Utc::now()))
                    .bind(job)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Duplicate("the job is already done".into()));
                }
            }
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE id = $1{}",
                $for_update
            )))
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let state = case_from_row(&row)?;
            // The case's events, read once: for the check below and for the clocks.
            let rows = sqlx::query(EVENTS_OF_CASE).bind(case_id).fetch_all(&mut *tx).await?;
            let mut events = rows.iter().map(event_from_row).collect::<Result<Vec<_>>>()?;
            // A message another system names (its own id) is recorded once, also when two
            // deliveries race: the case row is locked (or the database is) until commit.
            if let EventPayload::CitizenMessage { reference: Some(reference), .. } = &event.payload {
                let known = events.iter().any(|e| {
                    matches!(e.payload(), Ok(EventPayload::CitizenMessage { reference: Some(r), .. }) if &r == reference)
                });
                if known {
                    return Err(StoreError::Duplicate(format!("the message {reference}")));
                }
            }
            let next = state.apply(&event.payload)?;
            let sealed = event.seal(case_id, state.event_count + 1, state.head);
            insert_events(&mut tx, &[(&sealed, event.payload.type_code())]).await?;
            let next = next.advance(&sealed);

            // The clocks follow from all the events, this one included.
            events.push(sealed.clone());
            let policy = policies.get(&next.jurisdiction);
            let timeline = Event::timeline(&events)?;
            let clocks = policy
                .clocks(&next.clock_facts(), &timeline, sealed.at())
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let projected = Projected::of(&policy, &next.alert_case(), &clocks, &timeline)?;

            let updated = sqlx::query(
                "UPDATE cases SET kind = $2, category = $3, node_id = $4, handler_id = $5, status = $6, \
                 updated_at = $7, event_count = $8, head_hash = $9, due_at = $10, formal = $12, alert_at = $13, \
                 alert = $14, clock_summary = $15, justified = $16, causes = $17 WHERE id = $1 AND event_count = $11",
            )
            .bind(case_id)
            .bind(next.kind.code())
            .bind(next.category.clone())
            .bind(next.node_id.clone())
            .bind(next.handler_id)
            .bind(next.status.code())
            .bind(sealed.at_micros)
            .bind(next.event_count)
            .bind(next.head.0.to_vec())
            .bind(projected.due.map_or(NO_DUE, micros))
            .bind(state.event_count)
            .bind(next.formal)
            .bind(projected.alert_at.map_or(NO_DUE, micros))
            .bind(projected.alert.map(|a| a.code()))
            .bind(&projected.clocks)
            .bind(projected.justified.map(|j| j.code()))
            .bind(&projected.causes)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Conflict);
            }
            if let Some(text) = event.payload.search_text() {
                // Added to what is indexed, or kept until the receipt's text is indexed.
                sqlx::query(
                    "INSERT INTO case_search (case_id, body) VALUES ($1, $2) ON CONFLICT (case_id) \
                     DO UPDATE SET body = case_search.body || ' ' || excluded.body",
                )
                .bind(case_id)
                .bind(text)
                .execute(&mut *tx)
                .await?;
            }
            // Messages the event causes are sent only if it is recorded, and then surely
            // (the mail sender reads the outbox). Each is keyed by the event.
            for m in messages {
                let keyed = OutboxMessage { case_id, purpose: format!("{}:{}", m.purpose, sealed.seq), ..m.clone() };
                insert_outbox(&mut *tx, &keyed).await?;
            }
            tx.commit().await?;
            Ok(next)
        }

        pub async fn case(read: &Pool, _write: &Pool, case_id: Uuid) -> Result<Option<CaseState>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1")))
                .bind(case_id)
                .fetch_optional(read)
                .await?;
            row.as_ref().map(case_from_row).transpose()
        }

        pub async fn case_by_number(
            read: &Pool,
            _write: &Pool,
            jurisdiction: &str,
            number: &str,
        ) -> Result<Option<CaseState>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE jurisdiction_id = $1 AND number = $2"
            )))
            .bind(jurisdiction)
            .bind(number)
            .fetch_optional(read)
            .await?;
            row.as_ref().map(case_from_row).transpose()
        }

        pub async fn events(read: &Pool, _write: &Pool, case_id: Uuid) -> Result<Vec<Event>> {
            let rows = sqlx::query(EVENTS_OF_CASE).bind(case_id).fetch_all(read).await?;
            rows.iter().map(event_from_row).collect()
        }

        pub(crate) fn summary_from_row(row: &DbRow) -> Result<CaseSummary> {
            let due: i64 = row.try_get("due_at")?;
            Ok(CaseSummary {
                id: row.try_get("id")?,
                number: row.try_get("number")?,
                kind: parse("kind", row.try_get("kind")?)?,
                channel: parse("channel", row.try_get("channel")?)?,
                category: row.try_get("category")?,
                node_id: row.try_get("node_id")?,
                handler_id: row.try_get("handler_id")?,
                status: parse("status", row.try_get("status")?)?,
                received_at: from_micros(row.try_get("received_at")?)?,
                due_at: if due == NO_DUE { None } else { Some(from_micros(due)?) },
                alert: row.try_get::<Option<String>, _>("alert")?.map(|a| parse("alert", &a)).transpose()?,
                formal: row.try_get("formal")?,
            })
        }

        /// ` AND column IN (…)` with each value bound.
        pub(crate) fn push_in(q: &mut QueryBuilder<Db>, column: &str, values: impl Iterator<Item = String>) {
            q.push(" AND ").push(column).push(" IN (");
            let mut list = q.separated(", ");
            for value in values {
                list.push_bind(value);
            }
            list.push_unseparated(")");
        }

        /// ` AND …` for each condition of the filter, on the columns of `c`.
        fn push_filter(q: &mut QueryBuilder<Db>, filter: &CaseFilter) {
            if let Some(kind) = filter.kind {
                q.push(" AND c.kind = ").push_bind(kind.code());
            }
            if let Some(category) = &filter.category {
                q.push(" AND c.category = ").push_bind(category.clone());
            }
            if let Some(status) = filter.status {
                q.push(" AND c.status = ").push_bind(status.code());
            }
            if let Some(channel) = filter.channel {
                q.push(" AND c.channel = ").push_bind(channel.code());
            }
            if let Some(handler) = filter.handler {
                q.push(" AND c.handler_id = ").push_bind(handler);
            }
        }

        /// Open cases by deadline. Each unit's first cases come straight off its inbox
        /// index and only those few are merged, so the cost grows with the number of units,
        /// not with the number of open cases. One handler's cases come off the handler index.
        pub async fn inbox(read: &Pool, write: &Pool, query: &InboxQuery) -> Result<Vec<CaseSummary>> {
            let node_ids: Vec<String> = match &query.units {
                Units::All => org_nodes(read, write, &query.jurisdiction).await?.into_iter().map(|n| n.id).collect(),
                Units::Only(node_ids) => node_ids.clone(),
            };
            if node_ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut q = QueryBuilder::<Db>::new("");
            if query.filter.handler.is_some() {
                q.push(format!("SELECT {SUMMARY_COLUMNS} FROM cases c WHERE c.status <> 'closed' AND c.jurisdiction_id = "));
                q.push_bind(query.jurisdiction.clone());
                push_in(&mut q, "c.node_id", node_ids.iter().cloned());
                push_filter(&mut q, &query.filter);
            } else {
                for (i, node_id) in node_ids.iter().enumerate() {
                    if i > 0 {
                        q.push(" UNION ALL ");
                    }
                    // The unit picks the index; the jurisdiction is checked on the rows it yields.
                    q.push(format!("SELECT * FROM (SELECT {SUMMARY_COLUMNS} FROM cases c WHERE c.node_id = "));
                    q.push_bind(node_id.clone());
                    q.push(" AND c.status <> 'closed'");
                    push_filter(&mut q, &query.filter);
                    q.push(" ORDER BY c.due_at, c.received_at, c.id LIMIT ");
                    q.push_bind(query.offset + query.limit);
                    q.push(format!(") AS unit{i} WHERE jurisdiction_id = "));
                    q.push_bind(query.jurisdiction.clone());
                }
            }
            q.push(" ORDER BY due_at, received_at, id LIMIT ");
            q.push_bind(query.limit);
            q.push(" OFFSET ");
            q.push_bind(query.offset);
            let rows = q.build().fetch_all(read).await?;
            rows.iter().map(summary_from_row).collect()
        }

        /// Cases whose text matches every word of the query (as words or word starts),
        /// newest first, within the given units and filter.
        pub async fn search(read: &Pool, _write: &Pool, query: &SearchQuery) -> Result<Vec<CaseSummary>> {
            let words = search_words(&query.text);
            let mut q = QueryBuilder::<Db>::new(format!("SELECT {SUMMARY_COLUMNS} "));
            if words.is_empty() {
                q.push("FROM cases c WHERE c.jurisdiction_id = ");
            } else {
                q.push($search_from);
                q.push(" WHERE ");
                q.push($match_before);
                q.push_bind($fts_query(&words));
                q.push($match_after);
                q.push(" AND c.jurisdiction_id = ");
            }
            q.push_bind(query.jurisdiction.clone());
            if let Units::Only(node_ids) = &query.units {
                if node_ids.is_empty() {
                    return Ok(Vec::new());
                }
                push_in(&mut q, "c.node_id", node_ids.iter().cloned());
            }
            push_filter(&mut q, &query.filter);
            q.push(if words.is_empty() { " ORDER BY c.received_at DESC, c.id" } else { $search_order });
            q.push(" LIMIT ");
            q.push_bind(query.limit);
            q.push(" OFFSET ");
            q.push_bind(query.offset);
            // Planned for its own words each time: a plan cached for one word (rare or in
            // every case) is the wrong plan for the next.
            let rows = q.build().persistent(false).fetch_all(read).await?;
            rows.iter().map(summary_from_row).collect()
        }

        /// Indexes up to `limit` received cases not yet searchable; returns how many. Several
        /// instances may run this at once: each takes rows the others have not locked.
        pub async fn index_pending(_read: &Pool, write: &Pool, limit: i64) -> Result<usize> {
            let mut tx = begin(write).await?;
            let ids: Vec<Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT case_id FROM search_pending LIMIT $1{}",
                $skip_locked
            )))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            if ids.is_empty() {
                return Ok(0);
            }
            for chunk in ids.chunks(INSERT_CHUNK) {
                let mut q = QueryBuilder::<Db>::new("SELECT case_id, payload FROM case_events WHERE seq = 1 AND case_id IN (");
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                list.push_unseparated(")");
                let rows = q.build().fetch_all(&mut *tx).await?;
                let mut texts = Vec::with_capacity(rows.len());
                for row in &rows {
                    let payload: String = row.try_get("payload")?;
                    let payload: EventPayload =
                        serde_json::from_str(&payload).map_err(|e| StoreError::corrupt(format!("event payload: {e}")))?;
                    texts.push((row.try_get::<Uuid, _>("case_id")?, payload.search_text().unwrap_or_default()));
                }
                if !texts.is_empty() {
                    // Text that later events already added stays after the receipt's.
                    let mut q = QueryBuilder::<Db>::new("INSERT INTO case_search (case_id, body) ");
                    q.push_values(&texts, |mut b, (id, text)| {
                        b.push_bind(*id).push_bind(text.clone());
                    });
                    q.push(" ON CONFLICT (case_id) DO UPDATE SET body = excluded.body || ' ' || case_search.body");
                    q.build().execute(&mut *tx).await?;
                }
                let mut q = QueryBuilder::<Db>::new("DELETE FROM search_pending WHERE case_id IN (");
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                list.push_unseparated(")");
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(ids.len())
        }

        pub async fn log_access(
            _read: &Pool,
            write: &Pool,
            case_id: Uuid,
            user_id: Uuid,
            at: DateTime<Utc>,
            action: &str,
        ) -> Result<()> {
            sqlx::query("INSERT INTO access_log (id, case_id, user_id, at, action) VALUES ($1, $2, $3, $4, $5)")
                .bind(Uuid::now_v7())
                .bind(case_id)
                .bind(user_id)
                .bind(micros(at))
                .bind(action)
                .execute(write)
                .await?;
            Ok(())
        }

        pub async fn access_log(read: &Pool, _write: &Pool, case_id: Uuid) -> Result<Vec<AccessEntry>> {
            let rows = sqlx::query(
                "SELECT a.user_id, u.username, a.at, a.action FROM access_log a JOIN users u ON u.id = a.user_id \
                 WHERE a.case_id = $1 ORDER BY a.at, a.id",
            )
            .bind(case_id)
            .fetch_all(read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AccessEntry {
                        user_id: r.try_get("user_id")?,
                        username: r.try_get("username")?,
                        at: from_micros(r.try_get("at")?)?,
                        action: r.try_get("action")?,
                    })
                })
                .collect()
        }

        pub async fn users(read: &Pool, _write: &Pool, jurisdiction: &str) -> Result<Vec<User>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE u.jurisdiction_id = $1 ORDER BY u.username"
            )))
            .bind(jurisdiction)
            .fetch_all(read)
            .await?;
            rows.iter().map(user_from_row).collect()
        }

        /// Changes an account; disabling it also ends all of its sessions (D5).
        pub async fn update_user(
            _read: &Pool,
            write: &Pool,
            jurisdiction: &str,
            id: Uuid,
            update: &UserUpdate,
        ) -> Result<()> {
            let mut tx = begin(write).await?;
            let done = sqlx::query(
                "UPDATE users SET display_name = $3, email = $4, role = $5, node_id = $6, disabled = $7 \
                 WHERE id = $1 AND jurisdiction_id = $2",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(update.display_name.as_str())
            .bind(update.email.as_deref())
            .bind(update.role.code())
            .bind(update.node_id.as_deref())
            .bind(update.disabled)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            if update.disabled {
                sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        pub async fn set_password(_read: &Pool, write: &Pool, jurisdiction: &str, id: Uuid, phc: &str) -> Result<()> {
            let mut tx = begin(write).await?;
            let done = sqlx::query("UPDATE users SET password_hash = $3 WHERE id = $1 AND jurisdiction_id = $2")
                .bind(id)
                .bind(jurisdiction)
                .bind(phc)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            // A new password ends the sessions opened with the old one.
            sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        }

        pub async fn save_template(
            _read: &Pool,
            write: &Pool,
            jurisdiction: &str,
            t: &AnswerTemplate,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO answer_templates (id, jurisdiction_id, name, language, body, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                 language = excluded.language, body = excluded.body, updated_at = excluded.updated_at \
                 WHERE answer_templates.jurisdiction_id = excluded.jurisdiction_id",
            )
            .bind(t.id)
            .bind(jurisdiction)
            .bind(t.name.as_str())
            .bind(t.language.as_str())
            .bind(t.body.as_str())
            .bind(micros(Utc::now()))
            .execute(write)
            .await
            .map_err(|e| unique_violation(e, format!("a template named {} in that language", t.name)))?;
            Ok(())
        }

        pub async fn templates(read: &Pool, _write: &Pool, jurisdiction: &str) -> Result<Vec<AnswerTemplate>> {
            let rows = sqlx::query(
                "SELECT id, name, language, body FROM answer_templates WHERE jurisdiction_id = $1 \
                 ORDER BY name, language",
            )
            .bind(jurisdiction)
            .fetch_all(read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AnswerTemplate {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        language: r.try_get("language")?,
                        body: r.try_get("body")?,
                    })
                })
                .collect()
        }

        /// `NotFound` when the jurisdiction has no such template (another's is not touched).
        pub async fn delete_template(_read: &Pool, write: &Pool, jurisdiction: &str, id: Uuid) -> Result<()> {
            let done = sqlx::query("DELETE FROM answer_templates WHERE id = $1 AND jurisdiction_id = $2")
                .bind(id)
                .bind(jurisdiction)
                .execute(write)
                .await?;
            if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        }

        pub async fn create_api_key(
            _read: &Pool,
            write: &Pool,
            jurisdiction: &str,
            name: &str,
            key_hash: &[u8],
        ) -> Result<Uuid> {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO api_keys (id, jurisdiction_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(name)
            .bind(key_hash)
            .bind(micros(Utc::now()))
            .execute(write)
            .await?;
            Ok(id)
        }

        fn api_key_from_row(r: &DbRow) -> Result<ApiKey> {
            Ok(ApiKey {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: from_micros(r.try_get("created_at")?)?,
                revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(from_micros).transpose()?,
            })
        }

        pub async fn api_keys(read: &Pool, _write: &Pool, jurisdiction: &str) -> Result<Vec<ApiKey>> {
            let rows = sqlx::query(
                "SELECT id, name, created_at, revoked_at FROM api_keys WHERE jurisdiction_id = $1 ORDER BY created_at",
            )
            .bind(jurisdiction)
            .fetch_all(read)
            .await?;
            rows.iter().map(api_key_from_row).collect()
        }

        /// The jurisdiction and key a live (unrevoked) key hash belongs to.
        pub async fn api_key_by_hash(read: &Pool, _write: &Pool, key_hash: &[u8]) -> Result<Option<(String, ApiKey)>> {
            let row = sqlx::query(
                "SELECT jurisdiction_id, id, name, created_at, revoked_at FROM api_keys \
                 WHERE key_hash = $1 AND revoked_at IS NULL",
            )
            .bind(key_hash)
            .fetch_optional(read)
            .await?;
            row.map(|r| Ok((r.try_get("jurisdiction_id")?, api_key_from_row(&r)?))).transpose()
        }

        pub async fn revoke_api_key(
            _read: &Pool,
            write: &Pool,
            jurisdiction: &str,
            id: Uuid,
            at: DateTime<Utc>,
        ) -> Result<()> {
            // A key revoked before stays revoked from then; another jurisdiction's is not found.
            let done = sqlx::query(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND jurisdiction_id = $2",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(micros(at))
            .execute(write)
            .await?;
            if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        }

        pub async fn save_policy_toml(_read: &Pool, write: &Pool, jurisdiction: &str, toml: &str) -> Result<()> {
            sqlx::query(
                "INSERT INTO jurisdiction_policies (jurisdiction_id, toml, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (jurisdiction_id) DO UPDATE SET toml = excluded.toml, updated_at = excluded.updated_at",
            )
            .bind(jurisdiction)
            .bind(toml)
            .bind(micros(Utc::now()))
            .execute(write)
            .await?;
            Ok(())
        }

        pub async fn stored_policies(read: &Pool, _write: &Pool) -> Result<Vec<(String, String)>> {
            let rows = sqlx::query("SELECT jurisdiction_id, toml FROM jurisdiction_policies ORDER BY jurisdiction_id")
                .fetch_all(read)
                .await?;
            rows.iter().map(|r| Ok((r.try_get("jurisdiction_id")?, r.try_get("toml")?))).collect()
        }

        /// Cases of public categories for Open311, newest first, with their first event's text
        /// and the note staff wrote when closing.
        pub async fn public_cases(read: &Pool, _write: &Pool, query: &PublicQuery) -> Result<Vec<PublicCase>> {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT c.id, c.number, c.kind, c.category, c.node_id, c.status, c.channel, c.received_at, c.updated_at, \
                 c.due_at, \
                 e.payload, (SELECT x.payload FROM case_events x WHERE x.case_id = c.id \
                 AND x.type IN ('closed', 'forwarded_to_authority') ORDER BY x.seq DESC LIMIT 1) AS closing, \
                 (SELECT x.payload FROM case_events x WHERE x.case_id = c.id \
                 AND x.type = 'published' ORDER BY x.seq DESC LIMIT 1) AS published \
                 FROM cases c JOIN categories k ON k.jurisdiction_id = c.jurisdiction_id AND k.code = c.category \
                 JOIN case_events e ON e.case_id = c.id AND e.seq = 1 WHERE c.jurisdiction_id = ",
            );
            q.push_bind(query.jurisdiction.clone());
            q.push(" AND k.public = ").push_bind(true);
            if let Some(numbers) = &query.numbers {
                push_in(&mut q, "c.number", numbers.iter().cloned());
            } else {
                if !query.categories.is_empty() {
                    push_in(&mut q, "c.category", query.categories.iter().cloned());
                }
                if let Some((from, until)) = query.received {
                    q.push(" AND c.received_at >= ").push_bind(micros(from));
                    q.push(" AND c.received_at < ").push_bind(micros(until));
                }
                match query.open {
                    Some(true) => {
                        q.push(" AND c.status <> 'closed'");
                    }
                    Some(false) => {
                        q.push(" AND c.status = 'closed'");
                    }
                    None => {}
                }
            }
            q.push(" ORDER BY c.received_at DESC, c.number LIMIT ").push_bind(query.limit);
            q.push(" OFFSET ").push_bind(query.offset);
            let rows = q.build().persistent(false).fetch_all(read).await?;
            rows.iter()
                .map(|r| {
                    let payload: String = r.try_get("payload")?;
                    let Ok(EventPayload::Received { submission, .. }) = serde_json::from_str(&payload) else {
                        return Err(StoreError::corrupt("a case's first event is not its receipt"));
                    };
                    let closing = r
                        .try_get::<Option<String>, _>("closing")?
                        .and_then(|p| serde_json::from_str::<EventPayload>(&p).ok())
                        .and_then(|p| match p {
                            EventPayload::Closed { summary } => Some(summary),
                            EventPayload::ForwardedToAuthority { message, .. } => Some(message),
                            _ => None,
                        });
                    let publication = r
                        .try_get::<Option<String>, _>("published")?
                        .and_then(|p| serde_json::from_str::<EventPayload>(&p).ok())
                        .and_then(|p| match p {
                            EventPayload::Published { text, exact_position, pictures } => {
                                Some(Publication { text, exact_position, pictures })
                            }
                            _ => None,
                        });
                    let due: i64 = r.try_get("due_at")?;
                    Ok(PublicCase {
                        id: r.try_get("id")?,
                        number: r.try_get("number")?,
                        kind: parse("kind", r.try_get("kind")?)?,
                        category: r.try_get("category")?,
                        node_id: r.try_get("node_id")?,
                        status: parse("status", r.try_get("status")?)?,
                        channel: parse("channel", r.try_get("channel")?)?,
                        received_at: from_micros(r.try_get("received_at")?)?,
                        updated_at: from_micros(r.try_get("updated_at")?)?,
                        due_at: if due == NO_DUE { None } else { Some(from_micros(due)?) },
                        description: submission.description,
                        place: submission.place,
                        position: submission.position,
                        closing_note: closing,
                        attachments: submission.attachments,
                        media_url: submission.media_url,
                        answers: submission.answers,
                        publication,
                    })
                })
                .collect()
        }

        pub async fn public_updates(read: &Pool, _write: &Pool, query: &PublicUpdatesQuery) -> Result<Vec<PublicUpdate>> {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT c.number, c.kind, e.seq, e.at, e.payload FROM case_events e \
                 JOIN cases c ON c.id = e.case_id \
                 JOIN categories k ON k.jurisdiction_id = c.jurisdiction_id AND k.code = c.category \
                 WHERE c.jurisdiction_id = ",
            );
            q.push_bind(query.jurisdiction.clone());
            q.push(" AND k.public = ").push_bind(true);
            if let Some(numbers) = &query.numbers {
                push_in(&mut q, "c.number", numbers.iter().cloned());
            }
            if let Some((from, until)) = query.recorded {
                q.push(" AND e.at >= ").push_bind(micros(from));
                q.push(" AND e.at < ").push_bind(micros(until));
            }
            push_in(&mut q, "e.type", query.types.iter().map(|t| t.to_string()));
            q.push(" ORDER BY e.at, c.number, e.seq LIMIT ").push_bind(query.limit);
            q.push(" OFFSET ").push_bind(query.offset);
            let rows = q.build().persistent(false).fetch_all(read).await?;
            rows.iter()
                .map(|r| {
                    let payload: String = r.try_get("payload")?;
                    Ok(PublicUpdate {
                        number: r.try_get("number")?,
                        kind: parse("kind", r.try_get("kind")?)?,
                        seq: r.try_get("seq")?,
                        at: from_micros(r.try_get("at")?)?,
                        payload: serde_json::from_str(&payload)
                            .map_err(|_| StoreError::corrupt("an event's payload is not readable"))?,
                    })
                })
                .collect()
        }

        pub async fn count_cases(read: &Pool, _write: &Pool, jurisdiction: &str) -> Result<i64> {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE jurisdiction_id = $1")
                .bind(jurisdiction)
                .fetch_one(read)
                .await?)
        }

        pub async fn upsert_jurisdiction(_read: &Pool, write: &Pool, j: &Jurisdiction) -> Result<()> {
            sqlx::query(
                "INSERT INTO jurisdictions (id, name, email, phone, visiting_address, opening_hours, created_at, \
                 dpo_contact) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET \
                 name = excluded.name, email = excluded.email, phone = excluded.phone, \
                 visiting_address = excluded.visiting_address, opening_hours = excluded.opening_hours, \
                 dpo_contact = excluded.dpo_contact",
            )
            .bind(j.id.clone())
            .bind(j.name.clone())
            .bind(j.email.clone())
            .bind(j.phone.clone())
            .bind(j.visiting_address.clone())
            .bind(j.opening_hours.clone())
            .bind(micros(Utc::now()))
            .bind(j.dpo_contact.clone())
            .execute(write)
            .await?;
            Ok(())
        }

        pub async fn jurisdictions(read: &Pool, _write: &Pool) -> Result<Vec<Jurisdiction>> {
            let rows = sqlx::query(
                "SELECT id, name, email, phone, visiting_address, opening_hours, dpo_contact FROM jurisdictions \
                 ORDER BY id",
            )
            .fetch_all(read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Jurisdiction {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        email: r.try_get("email")?,
                        phone: r.try_get("phone")?,
                        visiting_address: r.try_get("visiting_address")?,
                        opening_hours: r.try_get("opening_hours")?,
                        dpo_contact: r.try_get("dpo_contact")?,
                    })
                })
                .collect()
        }

        /// Nodes must come parents first (the caller orders them).
        pub async fn upsert_org(_read: &Pool, write: &Pool, jurisdiction: &str, nodes: &[OrgNode]) -> Result<()> {
            let mut tx = begin(write).await?;
            for node in nodes {
                let done = sqlx::query(
                    "INSERT INTO org_nodes (id, jurisdiction_id, parent_id, level, name, manager_name, manager_user_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, level = excluded.level, \
                     name = excluded.name, manager_name = excluded.manager_name, \
                     manager_user_id = excluded.manager_user_id \
                     WHERE org_nodes.jurisdiction_id = excluded.jurisdiction_id",
                )
                .bind(node.id.clone())
                .bind(jurisdiction)
                .bind(node.parent.clone())
                .bind(node.level.code())
                .bind(node.name.clone())
                .bind(node.manager_name.clone())
                .bind(node.manager_user_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Duplicate(format!("node id {} (in another jurisdiction)", node.id)));
                }
            }
            tx.commit().await?;
            Ok(())
        }

        pub async fn org_nodes(read: &Pool, _write: &Pool, jurisdiction: &str) -> Result<Vec<OrgNode>> {
            let rows = sqlx::query(
                "SELECT id, parent_id, level, name, manager_name, manager_user_id FROM org_nodes \
                 WHERE jurisdiction_id = $1 ORDER BY id",
            )
            .bind(jurisdiction)
            .fetch_all(read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(OrgNode {
                        id: r.try_get("id")?,
                        parent: r.try_get("parent_id")?,
                        level: parse("level", r.try_get("level")?)?,
                        name: r.try_get("name")?,
                        manager_name: r.try_get("manager_name")?,
                        manager_user_id: r.try_get("manager_user_id")?,
                    })
                })
                .collect()
        }

        pub async fn upsert_category(
            _read: &Pool,
            write: &Pool,
            jurisdiction: &str,
            c: &Category,
            position: i64,
        ) -> Result<()> {
            let kinds: Vec<&str> = c.kinds.iter().map(|k| k.code()).collect();
            sqlx::query(
                "INSERT INTO categories (jurisdiction_id, code, name_sv, name_en, group_sv, group_en, node_id, kinds, \
                 public, position, questions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (jurisdiction_id, code) DO UPDATE SET name_sv = excluded.name_sv, \
                 name_en = excluded.name_en, group_sv = excluded.group_sv, group_en = excluded.group_en, \
                 node_id = excluded.node_id, kinds = excluded.kinds, public = excluded.public, \
                 position = excluded.position, questions = excluded.questions",
            )
            .bind(jurisdiction)
            .bind(c.code.clone())
            .bind(c.name_sv.clone())
            .bind(c.name_en.clone())
            .bind(c.group_sv.clone())
            .bind(c.group_en.clone())
            .bind(c.node_id.clone())
            .bind(kinds.join(","))
            .bind(c.public)
            .bind(position)
            .bind(serde_json::to_string(&c.questions).map_err(StoreError::corrupt)?)
            .execute(write)
            .await?;
            Ok(())
        }

        pub async fn categories(read: &Pool, _write: &Pool, jurisdiction: &str) -> Result<Vec<Category>> {
            let rows = sqlx::query(
                "SELECT code, name_sv, name_en, group_sv, group_en, node_id, kinds, public, questions FROM categories \
                 WHERE jurisdiction_id = $1 ORDER BY position, code",
            )
            .bind(jurisdiction)
            .fetch_all(read)
            .await?;
            rows.iter()
                .map(|r| {
                    let kinds: String = r.try_get("kinds")?;
                    Ok(Category {
                        code: r.try_get("code")?,
                        name_sv: r.try_get("name_sv")?,
                        name_en: r.try_get("name_en")?,
                        group_sv: r.try_get("group_sv")?,
                        group_en: r.try_get("group_en")?,
                        node_id: r.try_get("node_id")?,
                        kinds: kinds
                            .split(',')
                            .filter(|k| !k.is_empty())
                            .map(|k| parse("kinds", k))
                            .collect::<Result<_>>()?,
                        public: r.try_get("public")?,
                        questions: serde_json::from_str(&r.try_get::<String, _>("questions")?)
                            .map_err(|_| StoreError::corrupt("a category's questions are not readable"))?,
                    })
                })
                .collect()
        }

        pub async fn create_user(_read: &Pool, write: &Pool, user: &NewUser) -> Result<Uuid> {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO users (id, jurisdiction_id, username, display_name, email, password_hash, role, node_id, \
                 disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(user.jurisdiction.clone())
            .bind(user.username.clone())
            .bind(user.display_name.clone())
            .bind(user.email.clone())
            .bind(user.password_hash.clone())
            .bind(user.role.code())
            .bind(user.node_id.clone())
            .bind(false)
            .bind(micros(Utc::now()))
            .execute(write)
            .await
            .map_err(|e| unique_violation(e, format!("the username {}", user.username)))?;
            Ok(id)
        }

        pub async fn user(read: &Pool, _write: &Pool, id: Uuid) -> Result<Option<User>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1")))
                .bind(id)
                .fetch_optional(read)
                .await?;
            row.as_ref().map(user_from_row).transpose()
        }

        pub async fn user_by_username(read: &Pool, _write: &Pool, username: &str) -> Result<Option<User>> {
            let row =
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1")))
                    .bind(username)
                    .fetch_optional(read)
                    .await?;
            row.as_ref().map(user_from_row).transpose()
        }

        pub async fn secret(read: &Pool, write: &Pool, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
            sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(candidate)
                .execute(write)
                .await?;
            Ok(sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1").bind(name).fetch_one(read).await?)
        }

        pub async fn add_tracking_token(
            _read: &Pool,
            write: &Pool,
            case_id: Uuid,
            token_hash: &[u8],
            now: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO tracking_tokens (token_hash, case_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (token_hash) DO NOTHING",
            )
            .bind(token_hash)
            .bind(case_id)
            .bind(micros(now))
            .execute(write)
            .await?;
            Ok(())
        }

        /// Withdraws every tracking link of a case: none of them leads to it any more.
        pub async fn revoke_tracking_tokens(_read: &Pool, write: &Pool, case_id: Uuid, now: DateTime<Utc>) -> Result<u64> {
            let done = sqlx::query(
                "UPDATE tracking_tokens SET revoked_at = $2 WHERE case_id = $1 AND revoked_at IS NULL",
            )
            .bind(case_id)
            .bind(micros(now))
            .execute(write)
            .await?;
            Ok(done.rows_affected())
        }

        pub async fn case_by_tracking_token(read: &Pool, _write: &Pool, token_hash: &[u8]) -> Result<Option<CaseState>> {
            let columns = CASE_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM tracking_tokens t JOIN cases c ON c.id = t.case_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
            )))
            .bind(token_hash)
            .fetch_optional(read)
            .await?;
            row.as_ref().map(case_from_row).transpose()
        }

        pub async fn quarantine(
            _read: &Pool,
            write: &Pool,
            jurisdiction: &str,
            at: DateTime<Utc>,
            reason: &str,
            payload: &str,
        ) -> Result<Uuid> {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO quarantine (id, jurisdiction_id, received_at, reason, payload) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(micros(at))
            .bind(reason)
            .bind(payload)
            .execute(write)
            .await?;
            Ok(id)
        }

        pub async fn quarantined(read: &Pool, _write: &Pool, jurisdiction: &str) -> Result<Vec<Quarantined>> {
            let rows = sqlx::query(
                "SELECT id, jurisdiction_id, received_at, reason, payload, resolution, resolved_at, case_id \
                 FROM quarantine WHERE jurisdiction_id = $1 ORDER BY received_at",
            )
            .bind(jurisdiction)
            .fetch_all(read)
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
            _read: &Pool,
            write: &Pool,
            jurisdiction: &str,
            id: Uuid,
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
            .execute(write)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn insert_outbox<'e, E>(executor: E, m: &OutboxMessage) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = Db>,
        {
            sqlx::query(
                "INSERT INTO outbox (id, case_id, purpose, recipient, subject, body, language, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_id, purpose) DO NOTHING",
            )
            .bind(Uuid::now_v7())
            .bind(m.case_id)
            .bind(m.purpose.as_str())
            .bind(m.recipient.as_str())
            .bind(m.subject.as_str())
            .bind(m.body.as_str())
            .bind(if m.language.is_empty() { "sv" } else { m.language.as_str() })
            .bind(micros(m.created_at))
            .execute(executor)
            .await?;
            Ok(())
        }

        pub async fn create_session(
            _read: &Pool,
            write: &Pool,
            id_hash: &[u8],
            user_id: Uuid,
            now: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query("INSERT INTO staff_sessions (id_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
                .bind(id_hash.to_vec())
                .bind(user_id)
                .bind(micros(now))
                .execute(write)
                .await?;
            Ok(())
        }

        pub async fn session(
            read: &Pool,
            write: &Pool,
            id_hash: &[u8],
            now: DateTime<Utc>,
            idle: chrono::Duration,
            absolute: chrono::Duration,
        ) -> Result<Option<SessionRecord>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS}, s.created_at AS session_created_at, s.last_seen_at \
                 FROM staff_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
            )))
            .bind(id_hash.to_vec())
            .fetch_optional(read)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let user = user_from_row(&row)?;
            let created_at = from_micros(row.try_get("session_created_at")?)?;
            let last_seen = from_micros(row.try_get("last_seen_at")?)?;
            if user.disabled || now - last_seen > idle || now - created_at > absolute {
                delete_session(read, write, id_hash).await?;
                return Ok(None);
            }
            sqlx::query("UPDATE staff_sessions SET last_seen_at = $2 WHERE id_hash = $1")
                .bind(id_hash.to_vec())
                .bind(micros(now))
                .execute(write)
                .await?;
            Ok(Some(SessionRecord { user, created_at }))
        }

        pub async fn delete_session(_read: &Pool, write: &Pool, id_hash: &[u8]) -> Result<()> {
            sqlx::query("DELETE FROM staff_sessions WHERE id_hash = $1")
                .bind(id_hash.to_vec())
                .execute(write)
                .await?;
            Ok(())
        }
    };
}

pub mod sqlite {
    backend_ops!(
        db = sqlx::Sqlite,
        pool = sqlx::SqlitePool,
        begin = "BEGIN IMMEDIATE",
        for_update = "",
        // CROSS JOIN fixes the order: the index finds the matches, then their cases. Left to
        // itself the planner may walk every case and ask the index about each one.
        search_from = "FROM case_fts CROSS JOIN case_search s ON s.id = case_fts.rowid \
                       CROSS JOIN cases c ON c.id = s.case_id",
        search_match = ("case_fts MATCH ", ""),
        // The index's own order (cases are indexed as they arrive) lets FTS5 stop at the
        // first page instead of sorting every match of a common word.
        search_order = " ORDER BY case_fts.rowid DESC",
        skip_locked = "",
        fts_query = super::fts5_query
    );
}

pub mod postgres {
    backend_ops!(
        db = sqlx::Postgres,
        pool = sqlx::PgPool,
        begin = "BEGIN",
        for_update = " FOR UPDATE",
        search_from = "FROM case_search s JOIN cases c ON c.id = s.case_id",
        search_match = ("s.tsv @@ to_tsquery('swedish', ", ")"),
        search_order = " ORDER BY c.received_at DESC, c.id",
        skip_locked = " FOR UPDATE SKIP LOCKED",
        fts_query = super::tsquery
    );
}
