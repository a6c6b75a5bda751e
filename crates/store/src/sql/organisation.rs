//! Jurisdictions, their organisation tree, categories and stored policies.

macro_rules! organisation {
    () => {
        pub async fn save_policy_toml(db: &Pools, jurisdiction: &JurisdictionId, toml: &str) -> Result<()> {
            sqlx::query(
                "INSERT INTO jurisdiction_policies (jurisdiction_id, toml, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (jurisdiction_id) DO UPDATE SET toml = excluded.toml, updated_at = excluded.updated_at",
            )
            .bind(jurisdiction)
            .bind(toml)
            .bind(micros(Utc::now()))
            .execute(&db.write)
            .await?;
            Ok(())
        }

        pub async fn stored_policies(db: &Pools) -> Result<Vec<(String, String)>> {
            let rows = sqlx::query("SELECT jurisdiction_id, toml FROM jurisdiction_policies ORDER BY jurisdiction_id")
                .fetch_all(&db.read)
                .await?;
            rows.iter().map(|r| Ok((r.try_get("jurisdiction_id")?, r.try_get("toml")?))).collect()
        }

        pub async fn upsert_jurisdiction(db: &Pools, j: &Jurisdiction) -> Result<()> {
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
            .execute(&db.write)
            .await?;
            Ok(())
        }

        pub async fn jurisdictions(db: &Pools) -> Result<Vec<Jurisdiction>> {
            let rows = sqlx::query(
                "SELECT id, name, email, phone, visiting_address, opening_hours, dpo_contact FROM jurisdictions \
                 ORDER BY id",
            )
            .fetch_all(&db.read)
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
        pub async fn upsert_org(db: &Pools, jurisdiction: &JurisdictionId, nodes: &[OrgNode]) -> Result<()> {
            let mut tx = begin(db).await?;
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

        pub async fn org_nodes(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<OrgNode>> {
            let rows = sqlx::query(
                "SELECT id, parent_id, level, name, manager_name, manager_user_id FROM org_nodes \
                 WHERE jurisdiction_id = $1 ORDER BY id",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
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
            db: &Pools,
            jurisdiction: &JurisdictionId,
            c: &Category,
            position: i64,
        ) -> Result<()> {
            let kinds: Vec<&str> = c.kinds.iter().map(|k| k.code()).collect();
            sqlx::query(
                "INSERT INTO categories (jurisdiction_id, code, name_sv, name_en, group_sv, group_en, node_id, kinds, \
                 public, position, questions, sensitive) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (jurisdiction_id, code) DO UPDATE SET name_sv = excluded.name_sv, \
                 name_en = excluded.name_en, group_sv = excluded.group_sv, group_en = excluded.group_en, \
                 node_id = excluded.node_id, kinds = excluded.kinds, public = excluded.public, \
                 position = excluded.position, questions = excluded.questions, sensitive = excluded.sensitive",
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
            .bind(c.sensitive)
            .execute(&db.write)
            .await?;
            Ok(())
        }

        pub async fn categories(db: &Pools, jurisdiction: &JurisdictionId) -> Result<Vec<Category>> {
            let rows = sqlx::query(
                "SELECT code, name_sv, name_en, group_sv, group_en, node_id, kinds, public, questions, sensitive \
                 FROM categories \
                 WHERE jurisdiction_id = $1 ORDER BY position, code",
            )
            .bind(jurisdiction)
            .fetch_all(&db.read)
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
                        sensitive: r.try_get("sensitive")?,
                        questions: serde_json::from_str(&r.try_get::<String, _>("questions")?)
                            .map_err(|_| StoreError::corrupt("a category's questions are not readable"))?,
                    })
                })
                .collect()
        }
    };
}
pub(crate) use organisation;
