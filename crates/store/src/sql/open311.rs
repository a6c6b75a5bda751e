//! What the open Open311 API reads: published cases and their updates.

macro_rules! open311 {
    () => {
        /// Cases of public categories for Open311, newest first, with their first event's text
        /// and the note staff wrote when closing.
        pub async fn public_cases(db: &Pools, query: &PublicQuery) -> Result<Vec<PublicCase>> {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT c.id, c.number, c.kind, c.category, c.node_id, c.status, c.channel, c.received_at, c.updated_at, \
                 c.due_at, c.restricted, \
                 e.payload, (SELECT x.payload FROM case_events x WHERE x.case_id = c.id \
                 AND x.type IN ('closed', 'forwarded_to_authority') ORDER BY x.seq DESC LIMIT 1) AS closing, \
                 (SELECT x.payload FROM case_events x WHERE x.case_id = c.id \
                 AND x.type = 'published' ORDER BY x.seq DESC LIMIT 1) AS published \
                 FROM cases c JOIN categories k ON k.jurisdiction_id = c.jurisdiction_id AND k.code = c.category \
                 JOIN case_events e ON e.case_id = c.id AND e.seq = 1 WHERE c.jurisdiction_id = ",
            );
            q.push_bind(query.jurisdiction.clone());
            q.push(" AND k.public = ").push_bind(true);
            if let Some(numbers) = &query.numbers {
                push_in(&mut q, "c.number", numbers.iter().cloned());
            } else {
                if !query.categories.is_empty() {
                    push_in(&mut q, "c.category", query.categories.iter().cloned());
                }
                if let Some((from, until)) = query.received {
                    q.push(" AND c.received_at >= ").push_bind(micros(from));
                    q.push(" AND c.received_at < ").push_bind(micros(until));
                }
                match query.open {
                    Some(true) => {
                        q.push(" AND c.status <> 'closed'");
                    }
                    Some(false) => {
                        q.push(" AND c.status = 'closed'");
                    }
                    None => {}
                }
            }
            q.push(" ORDER BY c.received_at DESC, c.number LIMIT ").push_bind(query.limit);
            q.push(" OFFSET ").push_bind(query.offset);
            let rows = q.build().persistent(false).fetch_all(&db.read).await?;
            rows.iter()
                .map(|r| {
                    let payload: String = r.try_get("payload")?;
                    let Ok(EventPayload::Received { submission, .. }) = serde_json::from_str(&payload) else {
                        return Err(StoreError::corrupt("a case's first event is not its receipt"));
                    };
                    let closing = r
                        .try_get::<Option<String>, _>("closing")?
                        .and_then(|p| serde_json::from_str::<EventPayload>(&p).ok())
                        .and_then(|p| match p {
                            EventPayload::Closed { summary } => Some(summary),
                            EventPayload::ForwardedToAuthority { message, .. } => Some(message),
                            _ => None,
                        });
                    // A restricted person's case shows no text until the restriction is lifted.
                    let restricted: bool = r.try_get("restricted")?;
                    let publication = r
                        .try_get::<Option<String>, _>("published")?
                        .filter(|_| !restricted)
                        .and_then(|p| serde_json::from_str::<EventPayload>(&p).ok())
                        .and_then(|p| match p {
                            EventPayload::Published { text, exact_position, pictures } => {
                                Some(Publication { text, exact_position, pictures })
                            }
                            _ => None,
                        });
                    let due: i64 = r.try_get("due_at")?;
                    Ok(PublicCase {
                        id: r.try_get("id")?,
                        number: r.try_get("number")?,
                        kind: parse("kind", r.try_get("kind")?)?,
                        category: r.try_get("category")?,
                        node_id: r.try_get("node_id")?,
                        status: parse("status", r.try_get("status")?)?,
                        channel: parse("channel", r.try_get("channel")?)?,
                        received_at: from_micros(r.try_get("received_at")?)?,
                        updated_at: from_micros(r.try_get("updated_at")?)?,
                        due_at: if due == NO_DUE { None } else { Some(from_micros(due)?) },
                        description: submission.description,
                        place: submission.place,
                        position: submission.position,
                        closing_note: closing,
                        attachments: submission.attachments,
                        media_url: submission.media_url,
                        answers: submission.answers,
                        publication,
                    })
                })
                .collect()
        }

        pub async fn public_updates(db: &Pools, query: &PublicUpdatesQuery) -> Result<Vec<PublicUpdate>> {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT c.number, c.kind, e.seq, e.at, e.payload FROM case_events e \
                 JOIN cases c ON c.id = e.case_id \
                 JOIN categories k ON k.jurisdiction_id = c.jurisdiction_id AND k.code = c.category \
                 WHERE c.jurisdiction_id = ",
            );
            q.push_bind(query.jurisdiction.clone());
            q.push(" AND k.public = ").push_bind(true);
            if let Some(numbers) = &query.numbers {
                push_in(&mut q, "c.number", numbers.iter().cloned());
            }
            if let Some((from, until)) = query.recorded {
                q.push(" AND e.at >= ").push_bind(micros(from));
                q.push(" AND e.at < ").push_bind(micros(until));
            }
            push_in(&mut q, "e.type", query.types.iter().map(|t| t.to_string()));
            q.push(" ORDER BY e.at, c.number, e.seq LIMIT ").push_bind(query.limit);
            q.push(" OFFSET ").push_bind(query.offset);
            let rows = q.build().persistent(false).fetch_all(&db.read).await?;
            rows.iter()
                .map(|r| {
                    let payload: String = r.try_get("payload")?;
                    Ok(PublicUpdate {
                        number: r.try_get("number")?,
                        kind: parse("kind", r.try_get("kind")?)?,
                        seq: r.try_get("seq")?,
                        at: from_micros(r.try_get("at")?)?,
                        payload: serde_json::from_str(&payload)
                            .map_err(|_| StoreError::corrupt("an event's payload is not readable"))?,
                    })
                })
                .collect()
        }
    };
}
pub(crate) use open311;
