//! The SQL of citizen dialogues: plans, questionnaires, participants and their
//! contributions, meetings, moderation, themes and the population.

pub(crate) use chrono::NaiveDate;

pub(crate) use crate::model::{
    ChangeNote, Contribution, Dialogue, DialogueChange, DialogueQuestion, FieldChange, Meeting, Moderation,
    Participation, Theme,
};
pub(crate) use crate::sql::parse;
pub(crate) use crate::{Result, StoreError};
pub(crate) use domain::dialogue::{Demographics, Plan, PopulationRow};

pub(crate) const DIALOGUE_COLUMNS: &str = "id, title, purpose, question, open_to_influence, decision_node, decision_matter, \
     decision_date, decider, use_of_results, opens_on, closes_on, target_groups, methods, ladder, \
     political_body, political_date, political_paragraph, feedback_plan, published_at, outcome, decided_on, \
     decision_reason, feedback_sent_at";

pub(crate) fn date(field: &str, text: &str) -> Result<NaiveDate> {
    parse::<NaiveDate>(field, text)
}

/// The fields that differ between two lists of (field, value), in order.
pub(crate) fn differences(before: &[(&str, String)], after: &[(&str, String)]) -> Vec<FieldChange> {
    before
        .iter()
        .zip(after)
        .filter(|((_, old), (_, new))| old != new)
        .map(|((field, old), (_, new))| FieldChange {
            field: (*field).to_owned(),
            before: old.clone(),
            after: new.clone(),
        })
        .collect()
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(field: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{field}: {e}")))
}

macro_rules! dialogues {
    () => {
        /// Records a change to a dialogue in the transaction that makes it; nothing when no
        /// field changed.
        async fn record_change(
            tx: &mut sqlx::Transaction<'static, Db>,
            dialogue: DialogueId,
            what: &str,
            fields: Vec<FieldChange>,
            note: &ChangeNote,
            now: DateTime<Utc>,
        ) -> Result<()> {
            if fields.is_empty() {
                return Ok(());
            }
            let changes = serde_json::to_string(&fields).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query(
                "INSERT INTO dialogue_changes (id, dialogue_id, at, user_id, what, changes, reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(uuid::Uuid::now_v7())
            .bind(dialogue)
            .bind(micros(now))
            .bind(note.user_id)
            .bind(what)
            .bind(changes)
            .bind(&note.reason)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// Every recorded change to a dialogue, oldest first.
        pub async fn dialogue_changes(db: &Pools, dialogue: DialogueId) -> Result<Vec<DialogueChange>> {
            let rows = sqlx::query(
                "SELECT at, user_id, what, changes, reason FROM dialogue_changes WHERE dialogue_id = $1 ORDER BY at, id",
            )
            .bind(dialogue)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(DialogueChange {
                        at: from_micros(r.try_get("at")?)?,
                        user_id: r.try_get("user_id")?,
                        what: r.try_get("what")?,
                        fields: json("changes", r.try_get("changes")?)?,
                        reason: r.try_get("reason")?,
                    })
                })
                .collect()
        }

        /// Saves a plan, new (`id` none) or changed, and records what changed; returns its id.
        pub async fn save_dialogue(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: Option<DialogueId>,
            plan: &Plan,
            note: &ChangeNote,
            now: DateTime<Utc>,
        ) -> Result<DialogueId> {
            let methods = plan.methods.iter().map(|m| m.code()).collect::<Vec<_>>().join(",");
            let decision_date = plan.decision_date.map(|d| d.to_string());
            let political = plan.political_decision.as_ref();
            let mut tx = begin(db).await?;
            let (sql, id) = match id {
                Some(id) => {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {DIALOGUE_COLUMNS} FROM dialogues WHERE id = $1 AND jurisdiction_id = $2{}",
                        DIALECT.for_update
                    )))
                    .bind(id)
                    .bind(jurisdiction)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                    let before = Dialogue::from_row(&row)?;
                    let fields = differences(&before.plan.fields(), &plan.fields());
                    record_change(&mut tx, id, "plan", fields, note, now).await?;
                    (
                        "UPDATE dialogues SET title = $3, purpose = $4, question = $5, open_to_influence = $6, \
                         decision_node = $7, decision_matter = $8, decision_date = $9, decider = $10, \
                         use_of_results = $11, opens_on = $12, closes_on = $13, target_groups = $14, methods = $15, \
                         ladder = $16, political_body = $17, political_date = $18, political_paragraph = $19, \
                         feedback_plan = $20, updated_at = $21 WHERE id = $1 AND jurisdiction_id = $2",
                        id,
                    )
                }
                None => (
                    "INSERT INTO dialogues (id, jurisdiction_id, title, purpose, question, open_to_influence, \
                     decision_node, decision_matter, decision_date, decider, use_of_results, opens_on, closes_on, \
                     target_groups, methods, ladder, political_decision, political_body, political_date, \
                     political_paragraph, feedback_plan, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, '', $17, $18, $19, \
                     $20, $21, $21)",
                    DialogueId::new(),
                ),
            };
            let done = sqlx::query(sql)
                .bind(id)
                .bind(jurisdiction)
                .bind(&plan.title)
                .bind(&plan.purpose)
                .bind(&plan.question)
                .bind(&plan.open_to_influence)
                .bind(&plan.decision_node)
                .bind(&plan.decision_matter)
                .bind(decision_date)
                .bind(&plan.decider)
                .bind(&plan.use_of_results)
                .bind(plan.opens_on.to_string())
                .bind(plan.closes_on.to_string())
                .bind(&plan.target_groups)
                .bind(methods)
                .bind(plan.ladder.code())
                .bind(political.map(|d| d.body.clone()).unwrap_or_default())
                .bind(political.and_then(|d| d.date).map(|d| d.to_string()))
                .bind(political.and_then(|d| d.paragraph).map(i64::from))
                .bind(&plan.feedback_plan)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.commit().await?;
            Ok(id)
        }

        pub async fn publish_dialogue(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: DialogueId,
            now: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(
                "UPDATE dialogues SET published_at = COALESCE(published_at, $1) WHERE id = $2 AND jurisdiction_id = $3",
            )
            .bind(micros(now))
            .bind(id)
            .bind(jurisdiction)
            .execute(&db.write)
            .await?;
            Ok(())
        }

        /// The decision as made (V-D4), with the reason it came early if it did; recording
        /// it again corrects it, and either is recorded as a change.
        pub async fn record_outcome(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: DialogueId,
            outcome: &str,
            decided_on: NaiveDate,
            note: &ChangeNote,
            now: DateTime<Utc>,
        ) -> Result<()> {
            let mut tx = begin(db).await?;
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT outcome, decided_on FROM dialogues WHERE id = $1 AND jurisdiction_id = $2{}",
                DIALECT.for_update
            )))
            .bind(id)
            .bind(jurisdiction)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let before = [
                ("outcome", row.try_get::<String, _>("outcome")?),
                ("decided_on", row.try_get::<Option<String>, _>("decided_on")?.unwrap_or_default()),
            ];
            let after = [("outcome", outcome.to_owned()), ("decided_on", decided_on.to_string())];
            record_change(&mut tx, id, "outcome", differences(&before, &after), note, now).await?;
            sqlx::query(
                "UPDATE dialogues SET outcome = $1, decided_on = $2, decision_reason = $3 \
                 WHERE id = $4 AND jurisdiction_id = $5",
            )
            .bind(outcome)
            .bind(decided_on.to_string())
            .bind(&note.reason)
            .bind(id)
            .bind(jurisdiction)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        }

        /// Marks the feedback as sent (the first time is kept).
        pub async fn mark_feedback_sent(db: &Pools, id: DialogueId, now: DateTime<Utc>) -> Result<()> {
            sqlx::query("UPDATE dialogues SET feedback_sent_at = $1 WHERE id = $2 AND feedback_sent_at IS NULL")
                .bind(micros(now))
                .bind(id)
                .execute(&db.write)
                .await?;
            Ok(())
        }

        /// The dialogues of `jurisdiction` (published ones only, if asked), newest first.
        pub async fn dialogues(db: &Pools, jurisdiction: &JurisdictionId, published: bool) -> Result<Vec<Dialogue>> {
            let filter = if published { " AND published_at IS NOT NULL" } else { "" };
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {DIALOGUE_COLUMNS} FROM dialogues WHERE jurisdiction_id = $1{filter} ORDER BY opens_on DESC, created_at DESC"
            )))
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(Dialogue::from_row).collect()
        }

        pub async fn dialogue(db: &Pools, jurisdiction: &JurisdictionId, id: DialogueId) -> Result<Option<Dialogue>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {DIALOGUE_COLUMNS} FROM dialogues WHERE id = $1 AND jurisdiction_id = $2"
            )))
            .bind(id)
            .bind(jurisdiction)
            .fetch_optional(&db.read)
            .await?;
            row.as_ref().map(Dialogue::from_row).transpose()
        }

        pub async fn questions(db: &Pools, dialogue: DialogueId) -> Result<Vec<DialogueQuestion>> {
            let rows = sqlx::query(
                "SELECT id, kind, text, options FROM dialogue_questions WHERE dialogue_id = $1 ORDER BY position",
            )
            .bind(dialogue)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(DialogueQuestion {
                        id: r.try_get("id")?,
                        kind: parse("kind", r.try_get("kind")?)?,
                        text: r.try_get("text")?,
                        options: json("options", &r.try_get::<String, _>("options")?)?,
                    })
                })
                .collect()
        }

        /// Adds a question at the end, or removes one; refused once anyone has answered.
        pub async fn change_questions(
            db: &Pools,
            dialogue: DialogueId,
            add: Option<(domain::QuestionKind, &str, &[String])>,
            remove: Option<QuestionId>,
        ) -> Result<()> {
            let mut tx = db.write.begin_with(DIALECT.begin_write).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT id FROM dialogues WHERE id = $1{}", DIALECT.for_update)))
                .bind(dialogue)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            let answered: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM dialogue_answers a JOIN dialogue_questions q ON q.id = a.question_id \
                 WHERE q.dialogue_id = $1",
            )
            .bind(dialogue)
            .fetch_one(&mut *tx)
            .await?;
            if answered > 0 {
                return Err(StoreError::Locked);
            }
            if let Some((kind, text, options)) = add {
                let position: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM dialogue_questions WHERE dialogue_id = $1")
                        .bind(dialogue)
                        .fetch_one(&mut *tx)
                        .await?;
                sqlx::query(
                    "INSERT INTO dialogue_questions (id, dialogue_id, position, kind, text, options) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(QuestionId::new())
                .bind(dialogue)
                .bind(position)
                .bind(kind.code())
                .bind(text)
                .bind(serde_json::to_string(options).expect("strings serialize"))
                .execute(&mut *tx)
                .await?;
            }
            if let Some(question) = remove {
                sqlx::query("DELETE FROM dialogue_questions WHERE id = $1 AND dialogue_id = $2")
                    .bind(question)
                    .bind(dialogue)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        }

        /// The next contribution number of `dialogue`, with the dialogue locked (PostgreSQL)
        /// or the database (SQLite) so that two contributions never share one.
        async fn next_number(tx: &mut sqlx::Transaction<'static, Db>, dialogue: DialogueId) -> Result<i64> {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT id FROM dialogues WHERE id = $1{}", DIALECT.for_update)))
                .bind(dialogue)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            Ok(sqlx::query_scalar(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM dialogue_contributions WHERE dialogue_id = $1",
            )
            .bind(dialogue)
            .fetch_one(&mut **tx)
            .await?)
        }

        async fn insert_contribution(
            tx: &mut sqlx::Transaction<'static, Db>,
            dialogue: DialogueId,
            kind: domain::ContributionKind,
            body: &str,
            participant: Option<ParticipantId>,
            meeting: Option<MeetingId>,
            now: DateTime<Utc>,
        ) -> Result<i64> {
            let number = next_number(tx, dialogue).await?;
            sqlx::query(
                "INSERT INTO dialogue_contributions (id, dialogue_id, number, kind, body, participant_id, meeting_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(ContributionId::new())
            .bind(dialogue)
            .bind(number)
            .bind(kind.code())
            .bind(body)
            .bind(participant)
            .bind(meeting)
            .bind(micros(now))
            .execute(&mut **tx)
            .await?;
            Ok(number)
        }

        /// One person's taking part, all of it or nothing; returns the contribution's
        /// number, if they made one.
        pub async fn participate(
            db: &Pools,
            dialogue: DialogueId,
            p: &Participation,
            now: DateTime<Utc>,
        ) -> Result<Option<i64>> {
            let mut tx = db.write.begin_with(DIALECT.begin_write).await?;
            let id = ParticipantId::new();
            let d = &p.demographics;
            sqlx::query(
                "INSERT INTO dialogue_participants (id, dialogue_id, created_at, email, gender, age_band, district, born) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(dialogue)
            .bind(micros(now))
            .bind(&p.email)
            .bind(d.gender.map(|g| g.code()))
            .bind(d.age_band.map(|a| a.code()))
            .bind(&d.district)
            .bind(d.born.map(|b| b.code()))
            .execute(&mut *tx)
            .await?;
            for (question, value) in &p.answers {
                sqlx::query("INSERT INTO dialogue_answers (participant_id, question_id, value) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(question)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
            }
            let number = match &p.contribution {
                Some((kind, body)) => Some(insert_contribution(&mut tx, dialogue, *kind, body, Some(id), None, now).await?),
                None => None,
            };
            tx.commit().await?;
            Ok(number)
        }

        /// A meeting and the contributions raised at it, registered like the web's.
        pub async fn add_meeting(
            db: &Pools,
            dialogue: DialogueId,
            meeting: &Meeting,
            contributions: &[String],
            now: DateTime<Utc>,
        ) -> Result<()> {
            let mut tx = db.write.begin_with(DIALECT.begin_write).await?;
            sqlx::query(
                "INSERT INTO dialogue_meetings (id, dialogue_id, held_on, place, method, participants, notes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(meeting.id)
            .bind(dialogue)
            .bind(meeting.held_on.to_string())
            .bind(&meeting.place)
            .bind(meeting.method.code())
            .bind(meeting.participants)
            .bind(&meeting.notes)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            for body in contributions {
                let kind = domain::ContributionKind::Comment;
                insert_contribution(&mut tx, dialogue, kind, body, None, Some(meeting.id), now).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        pub async fn meetings(db: &Pools, dialogue: DialogueId) -> Result<Vec<Meeting>> {
            let rows = sqlx::query(
                "SELECT id, held_on, place, method, participants, notes FROM dialogue_meetings \
                 WHERE dialogue_id = $1 ORDER BY held_on, created_at",
            )
            .bind(dialogue)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Meeting {
                        id: r.try_get("id")?,
                        held_on: date("held_on", &r.try_get::<String, _>("held_on")?)?,
                        place: r.try_get("place")?,
                        method: parse("method", r.try_get("method")?)?,
                        participants: r.try_get("participants")?,
                        notes: r.try_get("notes")?,
                    })
                })
                .collect()
        }

        pub async fn contributions(db: &Pools, dialogue: DialogueId) -> Result<Vec<Contribution>> {
            let rows = sqlx::query(
                "SELECT id, number, kind, body, created_at, meeting_id, hidden, theme_id, consideration, reason \
                 FROM dialogue_contributions WHERE dialogue_id = $1 ORDER BY number",
            )
            .bind(dialogue)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Contribution {
                        id: r.try_get("id")?,
                        number: r.try_get("number")?,
                        kind: parse("kind", r.try_get("kind")?)?,
                        body: r.try_get("body")?,
                        created_at: from_micros(r.try_get("created_at")?)?,
                        meeting_id: r.try_get("meeting_id")?,
                        hidden: r.try_get::<i64, _>("hidden")? != 0,
                        theme_id: r.try_get("theme_id")?,
                        consideration: r.optional_parsed("consideration")?,
                        reason: r.try_get("reason")?,
                    })
                })
                .collect()
        }

        /// Hides a contribution or shows it again, and logs who did it and why.
        #[allow(clippy::too_many_arguments)]
        pub async fn moderate(
            db: &Pools,
            dialogue: DialogueId,
            contribution: ContributionId,
            hidden: bool,
            staff: UserId,
            reason: &str,
            now: DateTime<Utc>,
        ) -> Result<()> {
            let mut tx = db.write.begin_with(DIALECT.begin_write).await?;
            let done = sqlx::query("UPDATE dialogue_contributions SET hidden = $1 WHERE id = $2 AND dialogue_id = $3")
                .bind(i64::from(hidden))
                .bind(contribution)
                .bind(dialogue)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO dialogue_moderation (contribution_id, at, staff_id, hidden, reason) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(contribution)
            .bind(micros(now))
            .bind(staff)
            .bind(i64::from(hidden))
            .bind(reason)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        }

        pub async fn moderation_log(db: &Pools, dialogue: DialogueId) -> Result<Vec<Moderation>> {
            let rows = sqlx::query(
                "SELECT m.contribution_id, m.at, m.staff_id, m.hidden, m.reason FROM dialogue_moderation m \
                 JOIN dialogue_contributions c ON c.id = m.contribution_id WHERE c.dialogue_id = $1 ORDER BY m.at",
            )
            .bind(dialogue)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Moderation {
                        contribution_id: r.try_get("contribution_id")?,
                        at: from_micros(r.try_get("at")?)?,
                        staff_id: r.try_get("staff_id")?,
                        hidden: r.try_get::<i64, _>("hidden")? != 0,
                        reason: r.try_get("reason")?,
                    })
                })
                .collect()
        }

        /// How a contribution was considered, and the theme it belongs to.
        // What is judged, the judgement and who judged: one call records all three at once.
        #[allow(clippy::too_many_arguments)]
        pub async fn consider_contribution(
            db: &Pools,
            dialogue: DialogueId,
            contribution: ContributionId,
            theme: Option<ThemeId>,
            consideration: Option<domain::Consideration>,
            reason: &str,
            by: UserId,
            now: DateTime<Utc>,
        ) -> Result<()> {
            let mut tx = begin(db).await?;
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT number, consideration, reason, \
                 (SELECT name FROM dialogue_themes t WHERE t.id = c.theme_id) AS theme_name \
                 FROM dialogue_contributions c WHERE id = $1 AND dialogue_id = $2{}",
                DIALECT.for_update
            )))
            .bind(contribution)
            .bind(dialogue)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let number: i64 = row.try_get("number")?;
            let text = |v: Option<String>| v.unwrap_or_default();
            let before = [
                ("theme", text(row.try_get("theme_name")?)),
                ("consideration", text(row.try_get("consideration")?)),
                ("reason", row.try_get::<String, _>("reason")?),
            ];
            let theme_name: Option<String> = match theme {
                Some(theme) => {
                    sqlx::query_scalar("SELECT name FROM dialogue_themes WHERE id = $1 AND dialogue_id = $2")
                        .bind(theme)
                        .bind(dialogue)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                None => None,
            };
            let after = [
                ("theme", text(theme_name)),
                ("consideration", text(consideration.map(|c| c.code().to_owned()))),
                ("reason", reason.to_owned()),
            ];
            let done = sqlx::query(
                "UPDATE dialogue_contributions SET theme_id = $1, consideration = $2, reason = $3 \
                 WHERE id = $4 AND dialogue_id = $5 AND ($1 IS NULL OR $1 IN (SELECT id FROM dialogue_themes WHERE dialogue_id = $5))",
            )
            .bind(theme)
            .bind(consideration.map(|c| c.code()))
            .bind(reason)
            .bind(contribution)
            .bind(dialogue)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let note = ChangeNote { user_id: by, reason: String::new() };
            let what = format!("consideration {number}");
            record_change(&mut tx, dialogue, &what, differences(&before, &after), &note, now).await?;
            tx.commit().await?;
            Ok(())
        }

        pub async fn themes(db: &Pools, dialogue: DialogueId) -> Result<Vec<Theme>> {
            let rows = sqlx::query(
                "SELECT id, name, consideration, reason FROM dialogue_themes WHERE dialogue_id = $1 ORDER BY name",
            )
            .bind(dialogue)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Theme {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        consideration: r.optional_parsed("consideration")?,
                        reason: r.try_get("reason")?,
                    })
                })
                .collect()
        }

        /// A theme, new (`id` none) or changed.
        // What is judged, the judgement and who judged: one call records all three at once.
        #[allow(clippy::too_many_arguments)]
        pub async fn save_theme(
            db: &Pools,
            dialogue: DialogueId,
            id: Option<ThemeId>,
            name: &str,
            consideration: Option<domain::Consideration>,
            reason: &str,
            by: UserId,
            now: DateTime<Utc>,
        ) -> Result<ThemeId> {
            let consideration = consideration.map(|c| c.code());
            let after = [
                ("name", name.to_owned()),
                ("consideration", consideration.unwrap_or_default().to_owned()),
                ("reason", reason.to_owned()),
            ];
            let note = ChangeNote { user_id: by, reason: String::new() };
            let mut tx = begin(db).await?;
            let id = match id {
                Some(id) => {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT name, consideration, reason FROM dialogue_themes WHERE id = $1 AND dialogue_id = $2{}",
                        DIALECT.for_update
                    )))
                    .bind(id)
                    .bind(dialogue)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                    let before = [
                        ("name", row.try_get::<String, _>("name")?),
                        ("consideration", row.try_get::<Option<String>, _>("consideration")?.unwrap_or_default()),
                        ("reason", row.try_get::<String, _>("reason")?),
                    ];
                    record_change(&mut tx, dialogue, "theme", differences(&before, &after), &note, now).await?;
                    let done = sqlx::query(
                        "UPDATE dialogue_themes SET name = $1, consideration = $2, reason = $3 WHERE id = $4 AND dialogue_id = $5",
                    )
                    .bind(name)
                    .bind(consideration)
                    .bind(reason)
                    .bind(id)
                    .bind(dialogue)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    id
                }
                None => {
                    let id = ThemeId::new();
                    sqlx::query(
                        "INSERT INTO dialogue_themes (id, dialogue_id, name, consideration, reason) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(id)
                    .bind(dialogue)
                    .bind(name)
                    .bind(consideration)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
                    let before = [("name", String::new()), ("consideration", String::new()), ("reason", String::new())];
                    record_change(&mut tx, dialogue, "theme", differences(&before, &after), &note, now).await?;
                    id
                }
            };
            tx.commit().await?;
            Ok(id)
        }

        pub async fn demographics(db: &Pools, dialogue: DialogueId) -> Result<Vec<Demographics>> {
            let rows =
                sqlx::query("SELECT gender, age_band, district, born FROM dialogue_participants WHERE dialogue_id = $1")
                    .bind(dialogue)
                    .fetch_all(&db.read)
                    .await?;
            rows.iter()
                .map(|r| {
                    Ok(Demographics {
                        gender: r.optional_parsed("gender")?,
                        age_band: r.optional_parsed("age_band")?,
                        district: r.try_get("district")?,
                        born: r.optional_parsed("born")?,
                    })
                })
                .collect()
        }

        /// Every answer to the dialogue's questions: (question, value).
        pub async fn answers(db: &Pools, dialogue: DialogueId) -> Result<Vec<(QuestionId, String)>> {
            let rows = sqlx::query(
                "SELECT a.question_id, a.value FROM dialogue_answers a JOIN dialogue_questions q ON q.id = a.question_id \
                 WHERE q.dialogue_id = $1",
            )
            .bind(dialogue)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(|r| Ok((r.try_get("question_id")?, r.try_get("value")?))).collect()
        }

        /// The participants who left an address, for feedback: (participant, address).
        pub async fn feedback_recipients(db: &Pools, dialogue: DialogueId) -> Result<Vec<(ParticipantId, String)>> {
            let rows = sqlx::query(
                "SELECT id, email FROM dialogue_participants WHERE dialogue_id = $1 AND email IS NOT NULL ORDER BY created_at",
            )
            .bind(dialogue)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("email")?))).collect()
        }

        /// A participant's address, while it is kept.
        pub async fn participant_email(db: &Pools, participant: ParticipantId) -> Result<Option<String>> {
            Ok(sqlx::query_scalar("SELECT email FROM dialogue_participants WHERE id = $1")
                .bind(participant)
                .fetch_optional(&db.read)
                .await?
                .flatten())
        }

        /// Erases a participant's address: it was given for the feedback alone.
        /// Replaces the municipality's population table.
        pub async fn set_population(db: &Pools, jurisdiction: &JurisdictionId, rows: &[PopulationRow]) -> Result<()> {
            let mut tx = db.write.begin_with(DIALECT.begin_write).await?;
            sqlx::query("DELETE FROM population WHERE jurisdiction_id = $1").bind(jurisdiction).execute(&mut *tx).await?;
            for row in rows {
                sqlx::query(
                    "INSERT INTO population (jurisdiction_id, district, gender, age_band, count) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(jurisdiction)
                .bind(&row.district)
                .bind(row.gender.code())
                .bind(row.age_band.code())
                .bind(row.count)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        }

        pub async fn population(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<PopulationRow>> {
            let rows = sqlx::query(
                "SELECT district, gender, age_band, count FROM population WHERE jurisdiction_id = $1 \
                 ORDER BY district, gender, age_band",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(PopulationRow {
                        district: r.try_get("district")?,
                        gender: parse("gender", r.try_get("gender")?)?,
                        age_band: parse("age_band", r.try_get("age_band")?)?,
                        count: r.try_get("count")?,
                    })
                })
                .collect()
        }
    };
}
pub(crate) use dialogues;
