//! The register (OSL 5 kap. 1 §): each case's number, date, kind, unit and ärendemening,
//! newest first, searchable by number, date, unit and subject.

pub(crate) use crate::model::{RegisterEntry, RegisterQuery};

macro_rules! register {
    () => {
        pub async fn register_entries(db: &Pools, query: &RegisterQuery) -> Result<Vec<RegisterEntry>> {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT c.number, c.received_at, c.kind, c.category, c.node_id, c.subject, c.anonymous, \
                 c.submitter_role, e.payload AS receipt FROM cases c \
                 LEFT JOIN case_events e ON e.case_id = c.id AND e.seq = 1 AND c.submitter_role = 'foretag' \
                 WHERE c.jurisdiction_id = ",
            );
            q.push_bind(query.jurisdiction.clone());
            if let Some(number) = &query.number {
                q.push(" AND c.number LIKE ").push_bind(format!("{number}%"));
            }
            if let Some(from) = query.from {
                q.push(" AND c.received_at >= ").push_bind(micros(from));
            }
            if let Some(until) = query.until {
                q.push(" AND c.received_at < ").push_bind(micros(until));
            }
            if let Some(units) = &query.units {
                push_in(&mut q, "c.node_id", units.iter().cloned());
            }
            if let Some(subject) = &query.subject {
                // The words staff wrote, or, where they wrote none, the kind and category the
                // default ärendemening is made of.
                q.push(" AND (lower(c.subject) LIKE ").push_bind(format!("%{}%", subject.words.to_lowercase()));
                q.push(" OR (c.subject = '' AND (1 = 0");
                let kinds: Vec<String> = subject.kinds.iter().map(|k| k.code().to_owned()).collect();
                push_or_in(&mut q, &[("c.category", &subject.categories), ("c.kind", &kinds)]);
                q.push(")))");
            }
            q.push(" ORDER BY c.received_at DESC, c.number DESC LIMIT ").push_bind(query.limit);
            q.push(" OFFSET ").push_bind(query.offset);
            let rows = q.build().persistent(false).fetch_all(&db.read).await?;
            rows.iter()
                .map(|r| {
                    let organisation = r
                        .try_get::<Option<String>, _>("receipt")?
                        .and_then(|p| serde_json::from_str::<EventPayload>(&p).ok())
                        .and_then(|p| match p {
                            EventPayload::Received { submission, .. } => submission.submitter.name,
                            _ => None,
                        });
                    Ok(RegisterEntry {
                        number: r.try_get("number")?,
                        received_at: from_micros(r.try_get("received_at")?)?,
                        kind: parse("kind", r.try_get("kind")?)?,
                        category: r.try_get("category")?,
                        node_id: r.try_get("node_id")?,
                        subject: r.try_get("subject")?,
                        anonymous: r.try_get("anonymous")?,
                        submitter_role: r.optional_parsed("submitter_role")?,
                        organisation,
                    })
                })
                .collect()
        }
    };
}
pub(crate) use register;
