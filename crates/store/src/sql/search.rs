//! Full-text search over cases, and the background indexer that feeds it.

macro_rules! search {
    () => {
        /// Cases whose text matches every word of the query (as words or word starts),
        /// newest first, within the given units and filter.
        pub async fn search(db: &Pools, query: &SearchQuery) -> Result<Vec<CaseSummary>> {
            let words = search_words(&query.text);
            let mut q = QueryBuilder::<Db>::new(format!("SELECT {SUMMARY_COLUMNS} "));
            if words.is_empty() {
                q.push("FROM cases c WHERE c.jurisdiction_id = ");
            } else {
                q.push(DIALECT.search_from);
                q.push(" WHERE ");
                q.push(DIALECT.search_match.0);
                q.push_bind((DIALECT.fts_query)(&words));
                q.push(DIALECT.search_match.1);
                // A restricted person's words find nothing (GDPR art. 18).
                q.push(" AND NOT c.restricted AND c.jurisdiction_id = ");
            }
            q.push_bind(query.jurisdiction.clone());
            if let Units::Only(node_ids) = &query.units {
                if node_ids.is_empty() {
                    return Ok(Vec::new());
                }
                push_in(&mut q, "c.node_id", node_ids.iter().cloned());
            }
            push_filter(&mut q, &query.filter);
            if let Some(readable) = query.readable.as_ref().filter(|_| !words.is_empty()) {
                push_readable(&mut q, readable);
            }
            q.push(if words.is_empty() { " ORDER BY c.received_at DESC, c.id" } else { DIALECT.search_order });
            q.push(" LIMIT ");
            q.push_bind(query.limit);
            q.push(" OFFSET ");
            q.push_bind(query.offset);
            // Planned for its own words each time: a plan cached for one word (rare or in
            // every case) is the wrong plan for the next.
            let rows = q.build().persistent(false).fetch_all(&db.read).await?;
            rows.iter().map(CaseSummary::from_row).collect()
        }

        /// ` AND (the case is one whose text the person may read)`.
        fn push_readable(q: &mut QueryBuilder<Db>, readable: &Readable) {
            q.push(" AND (1 = 0");
            let units = readable.units.iter().map(|u| u.to_string()).collect::<Vec<_>>();
            push_or_in(q, &[("c.node_id", &units), ("c.category", &readable.categories)]);
            if let Some(handler) = readable.handler {
                q.push(" OR c.handler_id = ").push_bind(handler);
            }
            q.push(")");
        }

        /// Indexes up to `limit` received cases not yet searchable; returns how many. Several
        /// instances may run this at once: each takes rows the others have not locked.
        pub async fn index_pending(db: &Pools, limit: i64) -> Result<usize> {
            let mut tx = begin(db).await?;
            let ids: Vec<CaseId> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT case_id FROM search_pending LIMIT $1{}",
                DIALECT.skip_locked
            )))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            if ids.is_empty() {
                return Ok(0);
            }
            for chunk in ids.chunks(INSERT_CHUNK) {
                let mut q =
                    QueryBuilder::<Db>::new("SELECT case_id, payload FROM case_events WHERE seq = 1 AND case_id IN (");
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                list.push_unseparated(")");
                let rows = q.build().fetch_all(&mut *tx).await?;
                let mut texts = Vec::with_capacity(rows.len());
                for row in &rows {
                    let payload: String = row.try_get("payload")?;
                    let payload: EventPayload = serde_json::from_str(&payload)
                        .map_err(|e| StoreError::corrupt(format!("event payload: {e}")))?;
                    texts.push((row.try_get::<CaseId, _>("case_id")?, payload.search_text().unwrap_or_default()));
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
    };
}
pub(crate) use search;
