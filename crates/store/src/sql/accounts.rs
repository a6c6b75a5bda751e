//! Staff accounts and their sessions.

macro_rules! accounts {
    () => {
        pub async fn users(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<User>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE u.jurisdiction_id = $1 ORDER BY u.username"
            )))
            .bind(jurisdiction)
            .fetch_all(&db.read)
            .await?;
            rows.iter().map(User::from_row).collect()
        }

        /// Changes an account; disabling it also ends all of its sessions (D5).
        pub async fn update_user(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            id: UserId,
            update: &UserUpdate,
        ) -> Result<()> {
            let mut tx = begin(db).await?;
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

        pub async fn set_password(db: &Pools, jurisdiction: &JurisdictionId, id: UserId, phc: &str) -> Result<()> {
            let mut tx = begin(db).await?;
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

        pub async fn create_user(db: &Pools, user: &NewUser) -> Result<UserId> {
            let id = UserId::new();
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
            .execute(&db.write)
            .await
            .map_err(|e| unique_violation(e, format!("the username {}", user.username)))?;
            Ok(id)
        }

        pub async fn user(db: &Pools, id: UserId) -> Result<Option<User>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1")))
                .bind(id)
                .fetch_optional(&db.read)
                .await?;
            row.as_ref().map(User::from_row).transpose()
        }

        pub async fn user_by_username(db: &Pools, username: &str) -> Result<Option<User>> {
            let row =
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1")))
                    .bind(username)
                    .fetch_optional(&db.read)
                    .await?;
            row.as_ref().map(User::from_row).transpose()
        }

        pub async fn create_session(db: &Pools, id_hash: &[u8], user_id: UserId, now: DateTime<Utc>) -> Result<()> {
            sqlx::query(
                "INSERT INTO staff_sessions (id_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
            )
            .bind(id_hash.to_vec())
            .bind(user_id)
            .bind(micros(now))
            .execute(&db.write)
            .await?;
            Ok(())
        }

        pub async fn session(
            db: &Pools,
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
            .fetch_optional(&db.read)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let user = User::from_row(&row)?;
            let created_at = from_micros(row.try_get("session_created_at")?)?;
            let last_seen = from_micros(row.try_get("last_seen_at")?)?;
            if user.disabled || now - last_seen > idle || now - created_at > absolute {
                delete_session(db, id_hash).await?;
                return Ok(None);
            }
            sqlx::query("UPDATE staff_sessions SET last_seen_at = $2 WHERE id_hash = $1")
                .bind(id_hash.to_vec())
                .bind(micros(now))
                .execute(&db.write)
                .await?;
            Ok(Some(SessionRecord { user, created_at }))
        }

        pub async fn delete_session(db: &Pools, id_hash: &[u8]) -> Result<()> {
            sqlx::query("DELETE FROM staff_sessions WHERE id_hash = $1")
                .bind(id_hash.to_vec())
                .execute(&db.write)
                .await?;
            Ok(())
        }
    };
}
pub(crate) use accounts;
