//! The SQL of gallring (decision 62): decisions and rules, what falls due, runs and their
//! items, and removing content, one case (or record) per transaction.

pub(crate) use crate::model::{
    CaseGallring, ClosedCase, GallringItem, GallringRun, NewGallringDecision, gallring_rule_from_row,
};
pub(crate) use domain::gallring::{Covers, Decision, Rule};
pub(crate) use domain::{GallringDecisionId, GallringRuleId, GallringRunId};

pub(crate) const RUN_COLUMNS: &str =
    "id, jurisdiction_id, planned_at, planned_by, approved_at, approved_by, finished_at, reason";
/// A closed case as its gallring rules read it, from `cases c`; `referred` tells the outcome.
pub(crate) const CLOSED_CASE_COLUMNS: &str = "c.id, c.number, c.kind, c.category, c.node_id, c.channel, c.updated_at, \
     EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'forwarded_to_authority') AS referred";
pub(crate) const ITEM_COLUMNS: &str = "covers, target, rule_id, label, amount, done_at";

macro_rules! gallring {
    () => {
        pub async fn save_gallring_decision(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            decision: &NewGallringDecision,
            now: DateTime<Utc>,
        ) -> Result<GallringDecisionId> {
            let id = GallringDecisionId::new();
            let done = sqlx::query(
                "INSERT INTO gallring_decisions (id, jurisdiction_id, reference, body, decided_on, recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (jurisdiction_id, reference) DO NOTHING",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(&decision.reference)
            .bind(&decision.body)
            .bind(decision.decided_on.to_string())
            .bind(micros(now))
            .bind(decision.recorded_by)
            .execute(&db.write)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Duplicate(format!("the decision {}", decision.reference)));
            }
            Ok(id)
        }

        /// Adds a rule to a decision of the jurisdiction, after its others.
        pub async fn add_gallring_rule(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            decision: GallringDecisionId,
            rule: &Rule,
        ) -> Result<()> {
            let mut tx = begin(db).await?;
            let position: Option<i64> = sqlx::query_scalar(
                "SELECT (SELECT count(*) FROM gallring_rules r WHERE r.decision_id = d.id) \
                 FROM gallring_decisions d WHERE d.id = $1 AND d.jurisdiction_id = $2",
            )
            .bind(decision)
            .bind(jurisdiction)
            .fetch_optional(&mut *tx)
            .await?;
            let position = position.ok_or(StoreError::NotFound)?;
            sqlx::query(
                "INSERT INTO gallring_rules (id, decision_id, position, covers, kind, category, node_id, channel, \
                 after_months, action, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(rule.id)
            .bind(decision)
            .bind(position)
            .bind(rule.covers.code())
            .bind(rule.kind.map(|k| k.code()))
            .bind(rule.category.as_deref())
            .bind(rule.node_id.as_ref())
            .bind(rule.channel.map(|c| c.code()))
            .bind(i64::from(rule.after_months))
            .bind(rule.action.code())
            .bind(rule.outcome.map(|o| o.code()))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        }

        /// The jurisdiction's decisions, newest first, each with its rules in order.
        pub async fn gallring_decisions(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<Decision>> {
            let rows = sqlx::query(
                "SELECT id, jurisdiction_id, reference, body, decided_on FROM gallring_decisions \
                 WHERE jurisdiction_id = $1 ORDER BY decided_on DESC, reference",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            let rules = sqlx::query(
                "SELECT r.id, r.decision_id, r.covers, r.kind, r.category, r.node_id, r.channel, r.after_months, \
                 r.action, r.outcome FROM gallring_rules r JOIN gallring_decisions d ON d.id = r.decision_id \
                 WHERE d.jurisdiction_id = $1 ORDER BY r.position",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            let mut decisions = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: GallringDecisionId = row.try_get("id")?;
                let mut own = Vec::new();
                for r in rules.iter().filter(|r| r.try_get::<GallringDecisionId, _>("decision_id").ok() == Some(id)) {
                    own.push(gallring_rule_from_row(r)?);
                }
                decisions.push(Decision {
                    id,
                    jurisdiction: row.try_get("jurisdiction_id")?,
                    reference: row.try_get("reference")?,
                    body: row.try_get("body")?,
                    decided_on: parse("decided_on", &row.try_get::<String, _>("decided_on")?)?,
                    rules: own,
                });
            }
            Ok(decisions)
        }

        /// Closed cases last changed before `before`, not yet gallrad.
        pub async fn closed_cases(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            covers: Covers,
            before: DateTime<Utc>,
        ) -> Result<Vec<ClosedCase>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CLOSED_CASE_COLUMNS} FROM cases c \
                 WHERE c.jurisdiction_id = $1 AND c.status = 'closed' AND c.updated_at < $2 \
                 AND NOT EXISTS (SELECT 1 FROM gallring_items g WHERE g.covers IN ('cases', $3) AND g.target = c.id \
                 AND g.done_at IS NOT NULL AND g.amount > 0) ORDER BY c.updated_at"
            )))
            .bind(jurisdiction)
            .bind(micros(before))
            .bind(covers.code())
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(ClosedCase::from_row).collect()
        }

        /// One case as its gallring rules read it, if it is closed.
        pub async fn closed_case(db: &Pools, case_id: CaseId) -> Result<Option<ClosedCase>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CLOSED_CASE_COLUMNS} FROM cases c WHERE c.id = $1 AND c.status = 'closed'"
            )))
            .bind(case_id)
            .fetch_optional(&db.read)
            .await?;
            row.as_ref().map(ClosedCase::from_row).transpose()
        }

        /// Records of one kind (not cases) that started before `before`: (id, label).
        pub async fn due_records(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            covers: Covers,
            before: DateTime<Utc>,
        ) -> Result<Vec<(uuid::Uuid, String, i64)>> {
            let sql = match covers {
                Covers::HeldSubmissions => {
                    "SELECT id, reason AS label, CAST(1 AS BIGINT) AS amount FROM quarantine \
                     WHERE jurisdiction_id = $1 AND received_at < $2 ORDER BY received_at"
                }
                Covers::InboundMail => {
                    "SELECT id, subject AS label, CAST(1 AS BIGINT) AS amount FROM inbound_mail \
                     WHERE jurisdiction_id = $1 AND received_at < $2 AND case_id IS NULL AND sender <> '' \
                     ORDER BY received_at"
                }
                Covers::DialogueAddresses => {
                    "SELECT p.id, d.title AS label, CAST(1 AS BIGINT) AS amount FROM dialogue_participants p \
                     JOIN dialogues d ON d.id = p.dialogue_id WHERE d.jurisdiction_id = $1 \
                     AND d.feedback_sent_at < $2 AND p.email IS NOT NULL ORDER BY p.created_at"
                }
                Covers::AccessLog => {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT count(*) FROM access_log l JOIN cases c ON c.id = l.case_id \
                         WHERE c.jurisdiction_id = $1 AND l.at < $2",
                    )
                    .bind(jurisdiction)
                    .bind(micros(before))
                    .fetch_one(&db.read)
                    .await?;
                    let day = domain::time::local(before).format("%Y-%m-%d").to_string();
                    return Ok(if n == 0 { Vec::new() } else { vec![(uuid::Uuid::now_v7(), day, n)] });
                }
                Covers::Cases | Covers::Attachments | Covers::ReportExamples => {
                    return Err(StoreError::Invalid("cases are read with closed_cases".into()));
                }
            };
            let rows = sqlx::query(sql).bind(jurisdiction).bind(micros(before)).fetch_all(&db.read).await?;
            rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("label")?, r.try_get("amount")?))).collect()
        }

        pub async fn plan_gallring_run(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            planned_by: &str,
            reason: Option<&str>,
            items: &[GallringItem],
            now: DateTime<Utc>,
        ) -> Result<GallringRunId> {
            let id = GallringRunId::new();
            let mut tx = begin(db).await?;
            sqlx::query(
                "INSERT INTO gallring_runs (id, jurisdiction_id, planned_at, planned_by, reason) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(micros(now))
            .bind(planned_by)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
            for chunk in items.chunks(INSERT_CHUNK / 2) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO gallring_items (run_id, covers, target, rule_id, label, amount) ",
                );
                q.push_values(chunk, |mut b, item| {
                    b.push_bind(id)
                        .push_bind(item.covers.code())
                        .push_bind(item.target)
                        .push_bind(item.rule)
                        .push_bind(item.label.clone())
                        .push_bind(item.amount);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(id)
        }

        pub async fn gallring_runs(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<GallringRun>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM gallring_runs WHERE jurisdiction_id = $1 ORDER BY planned_at DESC"
            )))
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(GallringRun::from_row).collect()
        }

        pub async fn gallring_run(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            run: GallringRunId,
        ) -> Result<Option<GallringRun>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM gallring_runs WHERE id = $1 AND jurisdiction_id = $2"
            )))
            .bind(run)
            .bind(jurisdiction)
            .fetch_optional(&db.read)
            .await?;
            row.as_ref().map(GallringRun::from_row).transpose()
        }

        /// Approved runs not yet finished, of every jurisdiction (to resume after a restart).
        pub async fn unfinished_gallring_runs(db: &Pools) -> Result<Vec<GallringRun>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM gallring_runs WHERE approved_at IS NOT NULL AND finished_at IS NULL"
            )))
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(GallringRun::from_row).collect()
        }

        /// The run's items in the order they were planned; only those not yet done when `open`.
        pub async fn gallring_items(
            db: &Pools,
            run: GallringRunId,
            open: bool,
            limit: i64,
        ) -> Result<Vec<GallringItem>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ITEM_COLUMNS} FROM gallring_items WHERE run_id = $1 {} ORDER BY covers, label LIMIT $2",
                if open { "AND done_at IS NULL" } else { "" }
            )))
            .bind(run)
            .bind(limit)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(GallringItem::from_row).collect()
        }

        /// Per rule and kind of record: how much the run covers and how much is done.
        pub async fn gallring_counts(
            db: &Pools,
            run: GallringRunId,
        ) -> Result<Vec<(GallringRuleId, Covers, i64, i64)>> {
            let rows = sqlx::query(
                "SELECT rule_id, covers, CAST(sum(amount) AS BIGINT) AS total, \
                 CAST(sum(CASE WHEN done_at IS NULL THEN 0 ELSE amount END) AS BIGINT) AS done \
                 FROM gallring_items WHERE run_id = $1 GROUP BY rule_id, covers",
            )
            .bind(run)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("rule_id")?, r.parsed("covers")?, r.try_get("total")?, r.try_get("done")?)))
                .collect()
        }

        /// Approves a planned run; false if it already was.
        pub async fn approve_gallring_run(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            run: GallringRunId,
            approved_by: &str,
            now: DateTime<Utc>,
        ) -> Result<bool> {
            let done = sqlx::query(
                "UPDATE gallring_runs SET approved_at = $3, approved_by = $4 \
                 WHERE id = $1 AND jurisdiction_id = $2 AND approved_at IS NULL",
            )
            .bind(run)
            .bind(jurisdiction)
            .bind(micros(now))
            .bind(approved_by)
            .execute(&db.write)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        pub async fn finish_gallring_run(db: &Pools, run: GallringRunId, now: DateTime<Utc>) -> Result<()> {
            sqlx::query("UPDATE gallring_runs SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL")
                .bind(run)
                .bind(micros(now))
                .execute(&db.write)
                .await?;
            Ok(())
        }

        /// Removes what people wrote in a case and who they are, in one transaction with the
        /// `gallrad` event that records it and the item marked done: the events' content, the
        /// search text, the outbox's bodies and addresses, tracking links and the senders of
        /// received mail. Returns the digests of the files the case named (attachments, mail
        /// originals), which the caller removes from disk once no live case names them.
        pub async fn gallra_case(
            db: &Pools,
            case_id: CaseId,
            step: &CaseGallring<'_>,
            now: DateTime<Utc>,
        ) -> Result<Vec<String>> {
            let CaseGallring { run, decision, rule, part, closed_before } = *step;
            let mut tx = begin(db).await?;
            let state = locked_case(&mut tx, case_id).await?;
            // Reopened, or changed after its closing, since the run was planned: no longer due.
            if state.status.is_open() || closed_before.is_some_and(|t| state.updated_at >= t) {
                sqlx::query(
                    "UPDATE gallring_items SET done_at = $4, amount = 0, label = label || ' (ej längre aktuellt)' \
                     WHERE run_id = $1 AND covers = $2 AND target = $3",
                )
                .bind(run)
                .bind(part.code())
                .bind(case_id.uuid())
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                return Ok(Vec::new());
            }
            let events: Vec<Event> = sqlx::query(EVENTS_OF_CASE)
                .bind(case_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(event_from_row)
                .collect::<Result<_>>()?;
            let mut files = Vec::new();
            let mut changed = false;
            for e in &events {
                let payload = e.payload()?;
                // What stays: nothing people wrote, or the case without its files or example.
                let left = match part {
                    Covers::Attachments => payload.without_attachments(),
                    Covers::ReportExamples => payload.without_report_example(),
                    _ => payload.redacted(),
                };
                if left == payload {
                    continue;
                }
                if part != Covers::ReportExamples {
                    files.extend(payload.attachments().iter().map(|a| a.sha256.clone()));
                }
                let kept = serde_json::to_string(&left).map_err(|e| StoreError::corrupt(e))?;
                sqlx::query("UPDATE case_events SET payload = $3, salt = NULL, gallrad_by = $4 WHERE case_id = $1 AND seq = $2")
                    .bind(case_id)
                    .bind(e.seq)
                    .bind(kept)
                    .bind(run)
                    .execute(&mut *tx)
                    .await?;
                changed = true;
            }
            if changed {
                let record = EventPayload::Gallrad { run, decision: decision.to_owned(), rule: rule.to_owned() };
                let sealed = NewEvent::new(now, domain::Actor::System, record).seal(
                    case_id,
                    state.event_count + 1,
                    state.head,
                    rand::random(),
                );
                insert_events(&mut tx, &[(&sealed, "gallrad")]).await?;
                sqlx::query("UPDATE cases SET event_count = $2, head_hash = $3 WHERE id = $1")
                    .bind(case_id)
                    .bind(sealed.seq)
                    .bind(&sealed.hash.0[..])
                    .execute(&mut *tx)
                    .await?;
            }
            if part != Covers::Cases {
                files.sort();
                files.dedup();
                mark_done(&mut tx, run, part, case_id.uuid(), &files.join(" "), now).await?;
                tx.commit().await?;
                return Ok(files);
            }
            let number_text = format!("{} {}", state.number, state.number.replace('-', " "));
            sqlx::query("UPDATE case_search SET body = $2 WHERE case_id = $1")
                .bind(case_id)
                .bind(number_text)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE outbox SET recipient = '', subject = '', body = '' WHERE case_id = $1")
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM tracking_tokens WHERE case_id = $1").bind(case_id).execute(&mut *tx).await?;
            let originals: Vec<String> =
                sqlx::query_scalar("SELECT raw_sha256 FROM inbound_mail WHERE case_id = $1 AND sender <> ''")
                    .bind(case_id)
                    .fetch_all(&mut *tx)
                    .await?;
            files.extend(originals);
            sqlx::query("UPDATE inbound_mail SET sender = '', subject = '' WHERE case_id = $1")
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
            files.sort();
            files.dedup();
            mark_done(&mut tx, run, Covers::Cases, case_id.uuid(), &files.join(" "), now).await?;
            tx.commit().await?;
            Ok(files)
        }

        /// Removes one record that is not a case (a held submission or message, a participant's
        /// address, the access log before a day) and marks its item done, in one transaction.
        /// Returns the digest of a file to remove (a held message's original).
        pub async fn gallra_record(
            db: &Pools,
            run: GallringRunId,
            item: &GallringItem,
            jurisdiction: &JurisdictionId,
            before: DateTime<Utc>,
            now: DateTime<Utc>,
        ) -> Result<Vec<String>> {
            let mut tx = begin(db).await?;
            let mut files: Vec<String> = Vec::new();
            match item.covers {
                Covers::HeldSubmissions => {
                    // The files kept with it go too, unless a case or another held form names them.
                    let payload: Option<String> =
                        sqlx::query_scalar("SELECT payload FROM quarantine WHERE id = $1 AND jurisdiction_id = $2")
                            .bind(item.target)
                            .bind(jurisdiction)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let held = payload.map(|p| crate::model::held_files(&p)).unwrap_or_default();
                    files.extend(held.into_iter().map(|a| a.sha256));
                    sqlx::query("DELETE FROM quarantine WHERE id = $1 AND jurisdiction_id = $2")
                        .bind(item.target)
                        .bind(jurisdiction)
                        .execute(&mut *tx)
                        .await?;
                }
                Covers::InboundMail => {
                    let file: Option<String> = sqlx::query_scalar(
                        "SELECT raw_sha256 FROM inbound_mail WHERE id = $1 AND jurisdiction_id = $2 AND case_id IS NULL",
                    )
                    .bind(item.target)
                    .bind(jurisdiction)
                    .fetch_optional(&mut *tx)
                    .await?;
                    files.extend(file);
                    sqlx::query("UPDATE inbound_mail SET sender = '', subject = '' WHERE id = $1 AND case_id IS NULL")
                        .bind(item.target)
                        .execute(&mut *tx)
                        .await?;
                }
                Covers::DialogueAddresses => {
                    sqlx::query("UPDATE dialogue_participants SET email = NULL WHERE id = $1")
                        .bind(item.target)
                        .execute(&mut *tx)
                        .await?;
                }
                Covers::AccessLog => {
                    sqlx::query(
                        "DELETE FROM access_log WHERE at < $2 AND case_id IN \
                         (SELECT id FROM cases WHERE jurisdiction_id = $1)",
                    )
                    .bind(jurisdiction)
                    .bind(micros(before))
                    .execute(&mut *tx)
                    .await?;
                }
                Covers::Cases | Covers::Attachments | Covers::ReportExamples => {
                    return Err(StoreError::Invalid("a case is gallrad with gallra_case".into()));
                }
            }
            mark_done(&mut tx, run, item.covers, item.target, &files.join(" "), now).await?;
            tx.commit().await?;
            Ok(files)
        }

        async fn mark_done(
            tx: &mut sqlx::Transaction<'static, Db>,
            run: GallringRunId,
            covers: Covers,
            target: uuid::Uuid,
            files: &str,
            now: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(
                "UPDATE gallring_items SET done_at = $4, files = $5 WHERE run_id = $1 AND covers = $2 AND target = $3",
            )
            .bind(run)
            .bind(covers.code())
            .bind(target)
            .bind(micros(now))
            .bind(files)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// Done items whose files are still to be removed from disk: (kind, target, digests).
        pub async fn gallring_files_pending(
            db: &Pools,
            run: GallringRunId,
        ) -> Result<Vec<(Covers, uuid::Uuid, Vec<String>)>> {
            let rows = sqlx::query(
                "SELECT covers, target, files FROM gallring_items WHERE run_id = $1 AND done_at IS NOT NULL AND files <> ''",
            )
            .bind(run)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    let files: String = r.try_get("files")?;
                    Ok((r.parsed("covers")?, r.try_get("target")?, files.split(' ').map(str::to_owned).collect()))
                })
                .collect()
        }

        pub async fn gallring_files_removed(
            db: &Pools,
            run: GallringRunId,
            covers: Covers,
            target: uuid::Uuid,
        ) -> Result<()> {
            sqlx::query("UPDATE gallring_items SET files = '' WHERE run_id = $1 AND covers = $2 AND target = $3")
                .bind(run)
                .bind(covers.code())
                .bind(target)
                .execute(&db.write)
                .await?;
            Ok(())
        }

        /// Whether a case not gallrad, or a received message kept, still names the file.
        pub async fn file_in_use(db: &Pools, sha256: &str) -> Result<bool> {
            let pattern = format!("%{sha256}%");
            let used: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM case_events WHERE gallrad_by IS NULL AND payload LIKE $1 \
                 UNION ALL SELECT 1 FROM quarantine WHERE payload LIKE $1 \
                 UNION ALL SELECT 1 FROM inbound_mail WHERE raw_sha256 = $2 AND sender <> '' LIMIT 1",
            )
            .bind(pattern)
            .bind(sha256)
            .fetch_optional(&db.read)
            .await?;
            Ok(used.is_some())
        }
    };
}
pub(crate) use gallring;
