//! The SQL of e-mail: the outbox as a queue with leases and backoff, the
//! administrators' mail templates, and the log of received messages. Generated for each
//! backend like `ops`.

pub(crate) use crate::model::{InboundMail, MailTemplate, OutboxMessage, QuarantineDecision};

pub(crate) const OUTBOX_COLUMNS: &str = "id, case_id, purpose, recipient, subject, body, language, created_at, sent_at, \
     attempts, last_error, failed_at";
pub(crate) const INBOUND_COLUMNS: &str = "id, jurisdiction_id, received_at, message_id, sender, subject, raw_sha256, size, \
     outcome, reason, case_id, resolution";

macro_rules! mail {
    () => {
        pub async fn outbox_for_case(db: &Pools, case_id: CaseId) -> Result<Vec<OutboxMessage>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE case_id = $1 ORDER BY created_at, id"
            )))
            .bind(case_id)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(OutboxMessage::from_row).collect()
        }

        /// Takes up to `limit` messages due at `now` that nobody holds, for `until`: each is
        /// counted as tried. Several senders never take the same message while its lease runs.
        pub async fn claim_mail(
            db: &Pools,
            now: DateTime<Utc>,
            until: DateTime<Utc>,
            limit: i64,
        ) -> Result<Vec<OutboxMessage>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $2 \
                 AND claimed_until <= $2 ORDER BY next_attempt_at LIMIT $3{}) RETURNING {OUTBOX_COLUMNS}",
                DIALECT.skip_locked
            )))
            .bind(micros(until))
            .bind(micros(now))
            .bind(limit)
            .fetch_all(&db.write)
            .await?;
            let mut claimed = rows.iter().map(OutboxMessage::from_row).collect::<Result<Vec<_>>>()?;
            claimed.sort_by_key(|m| (m.created_at, m.id));
            Ok(claimed)
        }

        pub async fn mail_sent(db: &Pools, id: MessageId, at: DateTime<Utc>) -> Result<()> {
            sqlx::query("UPDATE outbox SET sent_at = $1, claimed_until = 0, last_error = NULL WHERE id = $2")
                .bind(micros(at))
                .bind(id)
                .execute(&db.write)
                .await?;
            Ok(())
        }

        /// A failed try: again at `retry_at`, or given up (`None`), with the reason.
        pub async fn mail_failed(
            db: &Pools,
            id: MessageId,
            error: &str,
            retry_at: Option<DateTime<Utc>>,
            now: DateTime<Utc>,
        ) -> Result<()> {
            let query = match retry_at {
                Some(at) => sqlx::query(
                    "UPDATE outbox SET next_attempt_at = $1, claimed_until = 0, last_error = $2 WHERE id = $3",
                )
                .bind(micros(at)),
                None => sqlx::query(
                    "UPDATE outbox SET failed_at = $1, claimed_until = 0, last_error = $2 WHERE id = $3",
                )
                .bind(micros(now)),
            };
            query.bind(error).bind(id).execute(&db.write).await?;
            Ok(())
        }

        /// The message an e-mail refers to by its Message-ID, if it is ours.
        pub async fn outbox_message(db: &Pools, id: MessageId) -> Result<Option<OutboxMessage>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1")))
                .bind(id)
                .fetch_optional(&db.read)
                .await?;
            row.as_ref().map(OutboxMessage::from_row).transpose()
        }

        pub async fn mail_templates(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<MailTemplate>> {
            let rows = sqlx::query(
                "SELECT purpose, lang, subject, body FROM mail_templates WHERE jurisdiction_id = $1 \
                 ORDER BY purpose, lang",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(MailTemplate {
                        purpose: r.try_get("purpose")?,
                        lang: r.try_get("lang")?,
                        subject: r.try_get("subject")?,
                        body: r.try_get("body")?,
                    })
                })
                .collect()
        }

        pub async fn save_mail_template(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            t: &MailTemplate,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO mail_templates (jurisdiction_id, purpose, lang, subject, body, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (jurisdiction_id, purpose, lang) \
                 DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at",
            )
            .bind(jurisdiction)
            .bind(t.purpose.as_str())
            .bind(t.lang.as_str())
            .bind(t.subject.as_str())
            .bind(t.body.as_str())
            .bind(micros(Utc::now()))
            .execute(&db.write)
            .await?;
            Ok(())
        }

        pub async fn delete_mail_template(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            purpose: &str,
            lang: &str,
        ) -> Result<()> {
            sqlx::query("DELETE FROM mail_templates WHERE jurisdiction_id = $1 AND purpose = $2 AND lang = $3")
                .bind(jurisdiction)
                .bind(purpose)
                .bind(lang)
                .execute(&db.write)
                .await?;
            Ok(())
        }

        pub async fn record_inbound(db: &Pools, m: &InboundMail) -> Result<()> {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO inbound_mail ({INBOUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            )))
            .bind(m.id)
            .bind(m.jurisdiction.as_str())
            .bind(micros(m.received_at))
            .bind(m.message_id.as_str())
            .bind(m.sender.as_str())
            .bind(m.subject.as_str())
            .bind(m.raw_sha256.as_str())
            .bind(m.size)
            .bind(m.outcome.code())
            .bind(m.reason.as_deref())
            .bind(m.case_id)
            .bind(m.resolution.as_deref())
            .execute(&db.write)
            .await?;
            Ok(())
        }

        /// An earlier delivery of the same message, so that a redelivery changes nothing.
        pub async fn inbound_by_message_id(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            message_id: &str,
        ) -> Result<Option<InboundMail>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {INBOUND_COLUMNS} FROM inbound_mail WHERE jurisdiction_id = $1 AND message_id = $2 \
                 ORDER BY received_at LIMIT 1"
            )))
            .bind(jurisdiction)
            .bind(message_id)
            .fetch_optional(&db.read)
            .await?;
            row.as_ref().map(InboundMail::from_row).transpose()
        }

        /// New cases made from one sender's messages since `since` (the per-sender limit).
        pub async fn inbound_cases_from(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            sender: &str,
            since: DateTime<Utc>,
        ) -> Result<i64> {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM inbound_mail WHERE jurisdiction_id = $1 AND sender = $2 AND received_at >= $3 \
                 AND outcome = 'case'",
            )
            .bind(jurisdiction)
            .bind(sender)
            .bind(micros(since))
            .fetch_one(&db.read)
            .await?)
        }

        /// Held messages staff have not decided about, newest first.
        pub async fn held_mail(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<InboundMail>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {INBOUND_COLUMNS} FROM inbound_mail WHERE jurisdiction_id = $1 AND outcome = 'held' \
                 AND resolution IS NULL ORDER BY received_at DESC LIMIT 500"
            )))
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(InboundMail::from_row).collect()
        }

        pub async fn inbound_mail(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: InboundMailId,
        ) -> Result<Option<InboundMail>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {INBOUND_COLUMNS} FROM inbound_mail WHERE jurisdiction_id = $1 AND id = $2"
            )))
            .bind(jurisdiction)
            .bind(id)
            .fetch_optional(&db.read)
            .await?;
            row.as_ref().map(InboundMail::from_row).transpose()
        }

        pub async fn inbound_for_case(db: &Pools, case_id: CaseId) -> Result<Vec<InboundMail>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {INBOUND_COLUMNS} FROM inbound_mail WHERE case_id = $1 ORDER BY received_at"
            )))
            .bind(case_id)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(InboundMail::from_row).collect()
        }

        /// Records staff's decision on a held message; false if it was already decided.
        pub async fn resolve_held_mail(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: InboundMailId,
            decision: &QuarantineDecision,
        ) -> Result<bool> {
            let done = sqlx::query(
                "UPDATE inbound_mail SET resolution = $1, resolved_by = $2, resolved_at = $3, \
                 case_id = COALESCE($4, case_id) WHERE jurisdiction_id = $5 AND id = $6 AND resolution IS NULL",
            )
            .bind(decision.resolution)
            .bind(decision.by)
            .bind(micros(decision.at))
            .bind(decision.case_id)
            .bind(jurisdiction)
            .bind(id)
            .execute(&db.write)
            .await?;
            Ok(done.rows_affected() == 1)
        }
    };
}
pub(crate) use mail;
