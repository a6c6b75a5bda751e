//! The staff inbox: open cases by deadline, and the list filters other areas share.

macro_rules! inbox {
    () => {
        /// ` AND column IN (…)` with each value bound; no values match nothing (PostgreSQL
        /// refuses an empty `IN ()`, SQLite takes it).
        pub(crate) fn push_in<T>(q: &mut QueryBuilder<Db>, column: &str, values: impl Iterator<Item = T>)
        where
            T: for<'t> sqlx::Encode<'t, Db> + sqlx::Type<Db>,
        {
            let mut values = values.peekable();
            if values.peek().is_none() {
                q.push(" AND 1 = 0");
                return;
            }
            q.push(" AND ").push(column).push(" IN (");
            let mut list = q.separated(", ");
            for value in values {
                list.push_bind(value);
            }
            list.push_unseparated(")");
        }

        /// ` OR column IN (…)` for each column with values: alternatives inside `(1 = 0 …)`.
        pub(crate) fn push_or_in(q: &mut QueryBuilder<Db>, alternatives: &[(&str, &[String])]) {
            for (column, values) in alternatives {
                if !values.is_empty() {
                    q.push(" OR ").push(*column).push(" IN (");
                    let mut list = q.separated(", ");
                    for value in values.iter() {
                        list.push_bind(value.clone());
                    }
                    list.push_unseparated(")");
                }
            }
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
        pub async fn inbox(db: &Pools, query: &InboxQuery) -> Result<Vec<CaseSummary>> {
            let node_ids: Vec<NodeId> = match &query.units {
                Units::All => org_nodes(db, &query.jurisdiction).await?.into_iter().map(|n| n.id).collect(),
                Units::Only(node_ids) => node_ids.clone(),
            };
            if node_ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut q = QueryBuilder::<Db>::new("");
            if query.filter.handler.is_some() {
                q.push(format!(
                    "SELECT {SUMMARY_COLUMNS} FROM cases c WHERE c.status <> 'closed' AND c.jurisdiction_id = "
                ));
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
            let rows = q.build().fetch_all(&db.read).await?;
            rows.iter().map(CaseSummary::from_row).collect()
        }
    };
}
pub(crate) use inbox;
