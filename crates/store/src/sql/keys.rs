//! Answer templates, Open311 API keys, the server secret and citizens' tracking tokens.

macro_rules! keys {
    () => {
        pub async fn save_template(db: &Pools, jurisdiction: &JurisdictionId, t: &AnswerTemplate) -> Result<()> {
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
            .execute(&db.write)
            .await
            .map_err(|e| unique_violation(e, format!("a template named {} in that language", t.name)))?;
            Ok(())
        }

        pub async fn templates(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<AnswerTemplate>> {
            let rows = sqlx::query(
                "SELECT id, name, language, body FROM answer_templates WHERE jurisdiction_id = $1 \
                 ORDER BY name, language",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
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
        pub async fn delete_template(db: &Pools, jurisdiction: &JurisdictionId, id: TemplateId) -> Result<()> {
            let done = sqlx::query("DELETE FROM answer_templates WHERE id = $1 AND jurisdiction_id = $2")
                .bind(id)
                .bind(jurisdiction)
                .execute(&db.write)
                .await?;
            if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        }

        pub async fn create_api_key(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            name: &str,
            key_hash: &[u8],
        ) -> Result<ApiKeyId> {
            let id = ApiKeyId::new();
            sqlx::query(
                "INSERT INTO api_keys (id, jurisdiction_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(name)
            .bind(key_hash)
            .bind(micros(Utc::now()))
            .execute(&db.write)
            .await?;
            Ok(id)
        }

        pub async fn api_keys(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<ApiKey>> {
            let rows = sqlx::query(
                "SELECT id, name, created_at, revoked_at, own_requests_only FROM api_keys WHERE jurisdiction_id = $1 \
             ORDER BY created_at",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(ApiKey::from_row).collect()
        }

        /// The jurisdiction and key a live (unrevoked) key hash belongs to.
        pub async fn api_key_by_hash(db: &Pools, key_hash: &[u8]) -> Result<Option<(JurisdictionId, ApiKey)>> {
            let row = sqlx::query(
                "SELECT jurisdiction_id, id, name, created_at, revoked_at, own_requests_only FROM api_keys \
                 WHERE key_hash = $1 AND revoked_at IS NULL",
            )
            .bind(key_hash)
            .fetch_optional(&db.read)
            .await?;
            row.map(|r| Ok((r.try_get("jurisdiction_id")?, ApiKey::from_row(&r)?))).transpose()
        }

        /// Limits a key to updating the requests it sent (or lifts the limit).
        pub async fn limit_api_key(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: ApiKeyId,
            own_requests_only: bool,
        ) -> Result<()> {
            let done = sqlx::query("UPDATE api_keys SET own_requests_only = $3 WHERE id = $1 AND jurisdiction_id = $2")
                .bind(id)
                .bind(jurisdiction)
                .bind(own_requests_only)
                .execute(&db.write)
                .await?;
            if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        }

        pub async fn revoke_api_key(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: ApiKeyId,
            at: DateTime<Utc>,
        ) -> Result<()> {
            // A key revoked before stays revoked from then; another jurisdiction's is not found.
            let done = sqlx::query(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND jurisdiction_id = $2",
            )
            .bind(id)
            .bind(jurisdiction)
            .bind(micros(at))
            .execute(&db.write)
            .await?;
            if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        }

        pub async fn secret(db: &Pools, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
            sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(candidate)
                .execute(&db.write)
                .await?;
            Ok(sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1").bind(name).fetch_one(&db.read).await?)
        }

        pub async fn add_tracking_token(
            db: &Pools,
            case_id: CaseId,
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
            .execute(&db.write)
            .await?;
            Ok(())
        }

        /// Withdraws every tracking link of a case: none of them leads to it any more.
        pub async fn revoke_tracking_tokens(db: &Pools, case_id: CaseId, now: DateTime<Utc>) -> Result<u64> {
            let done =
                sqlx::query("UPDATE tracking_tokens SET revoked_at = $2 WHERE case_id = $1 AND revoked_at IS NULL")
                    .bind(case_id)
                    .bind(micros(now))
                    .execute(&db.write)
                    .await?;
            Ok(done.rows_affected())
        }

        pub async fn case_by_tracking_token(db: &Pools, token_hash: &[u8]) -> Result<Option<CaseState>> {
            let columns = CASE_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM tracking_tokens t JOIN cases c ON c.id = t.case_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
            )))
            .bind(token_hash)
            .fetch_optional(&db.read)
            .await?;
            row.as_ref().map(case_from_row).transpose()
        }
    };
}
pub(crate) use keys;
