//! Registering cases, their events and projection, and who read them.

use domain::CaseState;
use domain::event::Event;

use super::{Columns, hash_from};
use crate::Result;

pub(crate) fn case_from_row(row: &impl Columns) -> Result<CaseState> {
    Ok(CaseState {
        id: row.get("id")?,
        jurisdiction: row.get("jurisdiction_id")?,
        number: row.get("number")?,
        kind: row.parsed("kind")?,
        channel: row.parsed("channel")?,
        category: row.get("category")?,
        node_id: row.get("node_id")?,
        handler_id: row.get("handler_id")?,
        status: row.parsed("status")?,
        received_at: row.time("received_at")?,
        updated_at: row.time("updated_at")?,
        anonymous: row.get("anonymous")?,
        submitter_role: row.optional_parsed("submitter_role")?,
        event_count: row.get("event_count")?,
        head: hash_from("head_hash", &row.get::<Vec<u8>>("head_hash")?)?,
        formal: row.get("formal")?,
        restricted: row.get("restricted")?,
        subject: row.get("subject")?,
    })
}

pub(crate) fn event_from_row(row: &impl Columns) -> Result<Event> {
    Ok(Event {
        case_id: row.get("case_id")?,
        seq: row.get("seq")?,
        at_micros: row.get("at")?,
        actor_json: row.get("actor")?,
        payload_json: row.get("payload")?,
        salt: row
            .get::<Option<Vec<u8>>>("salt")?
            .map(|s| s.try_into().map_err(|_| crate::StoreError::corrupt("salt is not 16 bytes")))
            .transpose()?,
        digest: hash_from("digest", &row.get::<Option<Vec<u8>>>("digest")?.unwrap_or_default())?,
        gallrad_by: row.get("gallrad_by")?,
        prev_hash: hash_from("prev_hash", &row.get::<Vec<u8>>("prev_hash")?)?,
        hash: hash_from("hash", &row.get::<Vec<u8>>("hash")?)?,
    })
}

macro_rules! cases {
    () => {
        async fn begin(db: &Pools) -> Result<sqlx::Transaction<'static, Db>> {
            Ok(db.write.begin_with(DIALECT.begin_write).await?)
        }

        /// The case, locked against other writers until the transaction ends.
        async fn locked_case(tx: &mut sqlx::Transaction<'static, Db>, case_id: CaseId) -> Result<CaseState> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE id = $1{}",
                DIALECT.for_update
            )))
            .bind(case_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            case_from_row(&row)
        }

        /// Inserts events, each with its payload's type tag.
        async fn insert_events(tx: &mut sqlx::Transaction<'static, Db>, events: &[(&Event, &'static str)]) -> Result<()> {
            for chunk in events.chunks(INSERT_CHUNK) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO case_events (case_id, seq, at, type, actor, payload, salt, digest, prev_hash, hash) ",
                );
                q.push_values(chunk, |mut b, (e, type_code)| {
                    b.push_bind(e.case_id)
                        .push_bind(e.seq)
                        .push_bind(e.at_micros)
                        .push_bind(*type_code)
                        .push_bind(e.actor_json.as_str())
                        .push_bind(e.payload_json.as_str())
                        .push_bind(e.salt.as_ref().map(|s| &s[..]))
                        .push_bind(&e.digest.0[..])
                        .push_bind(&e.prev_hash.0[..])
                        .push_bind(&e.hash.0[..]);
                });
                q.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        async fn insert_outbox<'e, E>(executor: E, m: &OutboxMessage) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = Db>,
        {
            sqlx::query(
                "INSERT INTO outbox (id, case_id, purpose, recipient, subject, body, language, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_id, purpose) DO NOTHING",
            )
            .bind(MessageId::new())
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

        pub async fn ping(db: &Pools) -> Result<()> {
            sqlx::query("SELECT 1").execute(&db.read).await?;
            Ok(())
        }

        /// Registers new cases in one transaction: idempotency, numbers, projection, events.
        /// Each case comes with the due time of its nearest clock.
        pub async fn commit_batch(db: &Pools, batch: &[(&NewCase, &Projected)]) -> Result<Vec<Receipt>> {
            let cases: Vec<&NewCase> = batch.iter().map(|(case, _)| *case).collect();
            let mut tx = begin(db).await?;
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
                let case_id = CaseId::new();
                let payload = EventPayload::Received {
                    number: number.clone(),
                    node_id: case.node_id.clone(),
                    submission: Box::new(case.submission.clone()),
                };
                let event = NewEvent::new(case.received_at, case.actor, payload).seal(case_id, 1, Hash::GENESIS, rand::random());
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
                        .push_bind(None::<JobId>)
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
            let receipts_to: Vec<(CaseId, &str, &str)> = rows
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
                    b.push_bind(MessageId::new())
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
            db: &Pools,
            case_id: CaseId,
            event: &NewEvent,
            messages: &[OutboxMessage],
            job: Option<JobId>,
            policies: &Policies,
        ) -> Result<CaseState> {
            let mut tx = begin(db).await?;
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
            let state = locked_case(&mut tx, case_id).await?;
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
            let sealed = event.seal(case_id, state.event_count + 1, state.head, rand::random());
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
                 alert = $14, clock_summary = $15, justified = $16, causes = $17, restricted = $18, subject = $19 \
                 WHERE id = $1 AND event_count = $11",
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
            .bind(next.restricted)
            .bind(&next.subject)
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

        pub async fn case(db: &Pools, case_id: CaseId) -> Result<Option<CaseState>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1")))
                .bind(case_id)
                .fetch_optional(&db.read)
                .await?;
            row.as_ref().map(case_from_row).transpose()
        }

        pub async fn case_by_number(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            number: &str,
        ) -> Result<Option<CaseState>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE jurisdiction_id = $1 AND number = $2"
            )))
            .bind(jurisdiction)
            .bind(number)
            .fetch_optional(&db.read)
            .await?;
            row.as_ref().map(case_from_row).transpose()
        }

        pub async fn events(db: &Pools, case_id: CaseId) -> Result<Vec<Event>> {
            let rows = sqlx::query(EVENTS_OF_CASE).bind(case_id).fetch_all(&db.read).await?;
            rows.iter().map(event_from_row).collect()
        }

        pub async fn count_cases(db: &Pools, jurisdiction: &JurisdictionId) -> Result<i64> {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE jurisdiction_id = $1")
                .bind(jurisdiction)
                .fetch_one(&db.read)
                .await?)
        }

        pub async fn log_access(
            db: &Pools,
            case_id: CaseId,
            user_id: UserId,
            at: DateTime<Utc>,
            action: &str,
        ) -> Result<()> {
            sqlx::query("INSERT INTO access_log (id, case_id, user_id, at, action) VALUES ($1, $2, $3, $4, $5)")
                .bind(uuid::Uuid::now_v7())
                .bind(case_id)
                .bind(user_id)
                .bind(micros(at))
                .bind(action)
                .execute(&db.write)
                .await?;
            Ok(())
        }

        pub async fn access_log(db: &Pools, case_id: CaseId) -> Result<Vec<AccessEntry>> {
            let rows = sqlx::query(
                "SELECT a.user_id, u.username, a.at, a.action FROM access_log a JOIN users u ON u.id = a.user_id \
                 WHERE a.case_id = $1 ORDER BY a.at, a.id",
            )
            .bind(case_id)
            .fetch_all(&db.read)
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
    };
}
pub(crate) use cases;
