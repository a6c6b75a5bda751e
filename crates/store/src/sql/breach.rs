//! What a breach report reads (GDPR art. 33-34): the cases whose personal data were stored,
//! shown or sent in a time window, each with the receipt as it stands now.

pub(crate) use crate::model::BreachCase;

macro_rules! breach {
    () => {
        /// The cases of `jurisdiction` (within `units`, when given) whose personal data were
        /// written, shown to staff or sent by mail between `from` and `until`, oldest first.
        pub async fn breach_cases(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            units: Option<&[NodeId]>,
            from: DateTime<Utc>,
            until: DateTime<Utc>,
        ) -> Result<Vec<BreachCase>> {
            let (from, until) = (micros(from), micros(until));
            // A query over rows written in the window, of the jurisdiction's cases in scope.
            let windowed = |select: &str, at: &str| {
                let mut q = QueryBuilder::<Db>::new(select);
                q.push(" AND ").push(at).push(" >= ").push_bind(from);
                q.push(" AND ").push(at).push(" < ").push_bind(until);
                q.push(" AND c.jurisdiction_id = ").push_bind(jurisdiction.clone());
                if let Some(units) = units {
                    push_in(&mut q, "c.node_id", units.iter().cloned());
                }
                q
            };
            let mut found: std::collections::BTreeMap<CaseId, BreachCase> = Default::default();
            let mut q = windowed("SELECT c.id AS case_id FROM cases c WHERE 1 = 1", "c.received_at");
            for row in q.build().persistent(false).fetch_all(&db.read).await? {
                found.entry(row.try_get("case_id")?).or_default().stored = true;
            }
            // Written later: the person's own messages and corrected details.
            let mut q = windowed(
                "SELECT e.case_id FROM case_events e JOIN cases c ON c.id = e.case_id \
                 WHERE e.type IN ('citizen_message', 'contact_corrected')",
                "e.at",
            );
            for row in q.build().persistent(false).fetch_all(&db.read).await? {
                found.entry(row.try_get("case_id")?).or_default().stored = true;
            }
            let mut q = windowed(
                "SELECT a.case_id, u.username FROM access_log a JOIN cases c ON c.id = a.case_id \
                 JOIN users u ON u.id = a.user_id WHERE 1 = 1",
                "a.at",
            );
            for row in q.build().persistent(false).fetch_all(&db.read).await? {
                let shown = &mut found.entry(row.try_get("case_id")?).or_default().shown_to;
                let who: String = row.try_get("username")?;
                if !shown.contains(&who) {
                    shown.push(who);
                }
            }
            let mut q = windowed(
                "SELECT o.case_id, o.recipient FROM outbox o JOIN cases c ON c.id = o.case_id \
                 WHERE o.sent_at IS NOT NULL",
                "o.sent_at",
            );
            for row in q.build().persistent(false).fetch_all(&db.read).await? {
                let sent = &mut found.entry(row.try_get("case_id")?).or_default().sent_to;
                let to: String = row.try_get("recipient")?;
                if !to.is_empty() && !sent.contains(&to) {
                    sent.push(to);
                }
            }

            // Each case's facts and receipt, and its corrected details, in chunks.
            let ids: Vec<CaseId> = found.keys().copied().collect();
            for chunk in ids.chunks(INSERT_CHUNK) {
                let mut q = QueryBuilder::<Db>::new(
                    "SELECT c.id, c.number, c.node_id, c.category, c.received_at, e.payload FROM cases c \
                     JOIN case_events e ON e.case_id = c.id AND e.seq = 1 WHERE 1 = 1",
                );
                push_in(&mut q, "c.id", chunk.iter().copied());
                for row in q.build().persistent(false).fetch_all(&db.read).await? {
                    let id: CaseId = row.try_get("id")?;
                    let case = found.get_mut(&id).ok_or_else(|| StoreError::corrupt("a case read twice"))?;
                    case.case_id = id;
                    case.number = row.try_get("number")?;
                    case.node_id = row.try_get("node_id")?;
                    case.category = row.try_get("category")?;
                    case.received_at = from_micros(row.try_get("received_at")?)?;
                    let payload: String = row.try_get("payload")?;
                    if let Ok(EventPayload::Received { submission, .. }) = serde_json::from_str(&payload) {
                        case.submission = Some(*submission);
                    }
                }
                let mut q = QueryBuilder::<Db>::new(
                    "SELECT case_id, payload FROM case_events WHERE type = 'contact_corrected'",
                );
                push_in(&mut q, "case_id", chunk.iter().copied());
                q.push(" ORDER BY case_id, seq");
                for row in q.build().persistent(false).fetch_all(&db.read).await? {
                    let id: CaseId = row.try_get("case_id")?;
                    let payload: String = row.try_get("payload")?;
                    if let (Some(case), Ok(EventPayload::ContactCorrected { contact, .. })) =
                        (found.get_mut(&id), serde_json::from_str(&payload))
                    {
                        case.corrections.push(contact);
                    }
                }
            }
            let mut cases: Vec<BreachCase> = found.into_values().collect();
            cases.sort_by(|a, b| (a.received_at, &a.number).cmp(&(b.received_at, &b.number)));
            Ok(cases)
        }
    };
}
pub(crate) use breach;
