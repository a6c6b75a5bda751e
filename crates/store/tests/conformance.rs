//! The store's behaviour, asserted identically on SQLite and on PostgreSQL.
//! Each `conformance!` test expands to one test per backend.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::clock::ClockState;
use domain::{
    Actor, CaseKind, Category, Channel, ContactMethod, EventPayload, NewEvent, NodeLevel, OrgNode, ProjectionError,
    Status, Submission, Submitter, SubmitterRole,
};
use std::collections::HashSet;
use store::testing::TestDb;
use store::{CaseFilter, InboxQuery, Jurisdiction, NewCase, NewUser, Role, SearchQuery, Store, StoreError, Units};

macro_rules! conformance {
    ($name:ident, |$db:ident, $store:ident| $body:block) => {
        mod $name {
            use super::*;

            #[allow(unused_variables)]
            async fn run($db: TestDb) {
                let $store = $db.open().await;
                seed(&$store).await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(TestDb::sqlite()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = TestDb::postgres().await {
                    run(db).await;
                }
            }
        }
    };
}

fn node(id: &str, parent: Option<&str>, level: NodeLevel, manager: Option<&str>) -> OrgNode {
    OrgNode {
        id: id.into(),
        parent: parent.map(Into::into),
        level,
        name: format!("Nod {id}"),
        manager_name: manager.map(Into::into),
        manager_user_id: None,
    }
}

async fn seed(store: &Store) {
    use NodeLevel::*;
    for (id, name) in [("vasteras", "Västerås stad"), ("salem", "Salems kommun")] {
        let jurisdiction = Jurisdiction { id: id.into(), name: name.into(), ..Jurisdiction::default() };
        store.upsert_jurisdiction(&jurisdiction).await.unwrap();
    }
    // Children listed before parents on purpose: the store orders them.
    store
        .upsert_org(
            &"vasteras".into(),
            &[
                node("v.park", Some("v.tk"), Enhet, None),
                node("v.tk", Some("v.tn"), Forvaltning, Some("Eva Ek")),
                node("v.tn", Some("v"), Namnd, Some("Ordförande")),
                node("v", None, Kommun, Some("Stadsdirektör")),
                node("v.skola", Some("v"), Namnd, Some("Bo Berg")),
            ],
        )
        .await
        .unwrap();
    store.upsert_org(&"salem".into(), &[node("s", None, Kommun, Some("Kommunchef"))]).await.unwrap();
    for (i, (code, node_id)) in [("park", "v.park"), ("skola", "v.skola")].into_iter().enumerate() {
        let category = Category {
            code: code.into(),
            name_sv: format!("Kategori {code}"),
            name_en: format!("Category {code}"),
            group_sv: "Grupp".into(),
            group_en: "Group".into(),
            node_id: node_id.into(),
            kinds: vec![],
            public: true,
            sensitive: false,
            questions: vec![],
        };
        store.upsert_category(&"vasteras".into(), &category, i as i64).await.unwrap();
    }
}

fn submission(jurisdiction: &str, category: &str) -> Submission {
    let text = "Gungan i Vasaparken är trasig, åtgärda snarast.";
    Submission::new(jurisdiction, CaseKind::Klagomal, Channel::Web, category, text)
        .with_place("Vasaparken", None)
        .with_submitter(Submitter {
            role: Some(SubmitterRole::Invanare),
            email: Some("anna@example.se".into()),
            contact_method: Some(ContactMethod::Email),
            ..Submitter::default()
        })
}

fn new_case(at: DateTime<Utc>) -> NewCase {
    NewCase {
        submission: submission("vasteras", "park"),
        node_id: "v.park".into(),
        received_at: at,
        idempotency_key: None,
        live: true,
        actor: Actor::Citizen,
    }
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn event(payload: EventPayload) -> NewEvent {
    NewEvent::new(Utc::now(), Actor::System, payload)
}

conformance!(a_receipt_means_the_case_and_its_first_event_are_stored, |db, store| {
    let receipt = store.submit(new_case(at(2026, 3, 2, 9))).await.unwrap();
    assert_eq!(receipt.number, "2026-000001");
    assert!(!receipt.duplicate);
    // A new handle on the same database sees it: it was committed, not just queued.
    let again = db.open().await;
    let case = again.case(receipt.case_id).await.unwrap().expect("stored");
    assert_eq!(case.number, "2026-000001");
    assert_eq!(case.status, Status::Received);
    assert_eq!(case.node_id, "v.park");
    assert_eq!(case.received_at, at(2026, 3, 2, 9));
    let events = again.events(receipt.case_id).await.unwrap();
    assert_eq!(events.len(), 1);
    match events[0].payload().unwrap() {
        EventPayload::Received { submission, number, .. } => {
            assert_eq!(number, "2026-000001");
            assert_eq!(submission.description, "Gungan i Vasaparken är trasig, åtgärda snarast.");
        }
        other => panic!("first event is {other:?}"),
    }
    again.verify(receipt.case_id).await.unwrap();
    assert_eq!(again.case_by_number(&"vasteras".into(), "2026-000001").await.unwrap().unwrap().id, receipt.case_id);
    assert_eq!(again.case_by_number(&"salem".into(), "2026-000001").await.unwrap(), None);
});

conformance!(two_hundred_concurrent_submissions_get_two_hundred_consecutive_numbers, |db, store| {
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.submit(new_case(at(2026, 5, 4, 8) + Duration::seconds(i))).await.unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().number);
    }
    let distinct: HashSet<_> = numbers.iter().cloned().collect();
    assert_eq!(distinct.len(), 200, "no number twice");
    numbers.sort();
    let expected: Vec<String> = (1..=200).map(|n| format!("2026-{n:06}")).collect();
    assert_eq!(numbers, expected, "consecutive from 1, no gaps");
    assert_eq!(store.count_cases(&"vasteras".into()).await.unwrap(), 200);
});

conformance!(numbers_restart_each_swedish_year_and_per_jurisdiction, |db, store| {
    let first = store.submit(new_case(at(2026, 12, 31, 22))).await.unwrap();
    // 23:30 UTC on New Year's Eve is 00:30 on New Year's Day in Stockholm.
    let second = store.submit(new_case(at(2026, 12, 31, 23) + Duration::minutes(30))).await.unwrap();
    let mut salem = new_case(at(2026, 6, 1, 10));
    salem.submission = submission("salem", "allmant");
    salem.node_id = "s".into();
    let third = store.submit(salem).await.unwrap();
    let fourth = store.submit(new_case(at(2026, 6, 1, 10))).await.unwrap();
    assert_eq!(first.number, "2026-000001");
    assert_eq!(second.number, "2027-000001");
    assert_eq!(third.number, "2026-000001");
    assert_eq!(fourth.number, "2026-000002");
});

conformance!(a_repeated_idempotency_key_returns_the_first_case, |db, store| {
    let mut case = new_case(at(2026, 3, 2, 9));
    case.idempotency_key = Some("form-7f3a".into());
    let first = store.submit(case.clone()).await.unwrap();
    let retry = store.submit(case.clone()).await.unwrap();
    assert_eq!(retry.case_id, first.case_id);
    assert_eq!(retry.number, first.number);
    assert!(retry.duplicate && !first.duplicate);

    // A double click: the same key many times at once still makes one case.
    let mut burst = new_case(at(2026, 3, 2, 10));
    burst.idempotency_key = Some("double-click".into());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, burst) = (store.clone(), burst.clone());
            tokio::spawn(async move { store.submit(burst).await.unwrap() })
        })
        .collect();
    let mut ids = HashSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().case_id);
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(store.count_cases(&"vasteras".into()).await.unwrap(), 2);
    // The next new case follows without a gap.
    assert_eq!(store.submit(new_case(at(2026, 3, 3, 9))).await.unwrap().number, "2026-000003");
});

conformance!(one_bad_submission_does_not_fail_the_others_in_its_batch, |db, store| {
    let mut tasks = Vec::new();
    for i in 0..50 {
        let mut case = new_case(at(2026, 4, 1, 9));
        if i == 25 {
            case.node_id = "no-such-node".into();
        }
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.submit(case).await }));
    }
    let mut ok = 0;
    let mut failed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Database(_)) => failed += 1,
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert_eq!((ok, failed), (49, 1));
    assert_eq!(store.count_cases(&"vasteras".into()).await.unwrap(), 49);
    // Still no gap: the failed case's number went back.
    assert_eq!(store.submit(new_case(at(2026, 4, 2, 9))).await.unwrap().number, "2026-000050");
});

conformance!(invalid_submissions_are_refused_before_they_reach_the_database, |db, store| {
    let mut case = new_case(at(2026, 3, 2, 9));
    case.submission.description = " ".into();
    match store.submit(case).await {
        Err(StoreError::Invalid(why)) => assert_eq!(why, "description: required"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(store.count_cases(&"vasteras".into()).await.unwrap(), 0);
});

conformance!(the_lifecycle_is_enforced_and_every_step_is_an_event, |db, store| {
    let receipt = store.submit(new_case(at(2026, 3, 2, 9))).await.unwrap();
    let id = receipt.case_id;
    let err = store.append(id, event(EventPayload::Closed { summary: "för tidigt".into() })).await.unwrap_err();
    assert!(matches!(err, StoreError::Projection(ProjectionError::IllegalTransition(_))), "{err}");
    assert_eq!(store.case(id).await.unwrap().unwrap().event_count, 1, "a refused event leaves no trace");

    let handler = domain::UserId::new();
    for payload in [
        EventPayload::Assigned { node_id: "v.tk".into(), handler_id: Some(handler) },
        EventPayload::WorkStarted,
        EventPayload::NoteAdded { text: "Ringde parkenheten.".into() },
        EventPayload::Answered { message: "Gungan lagas i veckan.".into() },
        EventPayload::Closed { summary: "Gunga lagad.".into() },
    ] {
        store.append(id, event(payload)).await.unwrap();
    }
    let case = store.case(id).await.unwrap().unwrap();
    assert_eq!((case.status, case.handler_id, case.node_id.as_str()), (Status::Closed, Some(handler), "v.tk"));
    assert_eq!(case.event_count, 6);
    let events = store.events(id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
    assert_eq!(domain::CaseState::replay(&events).unwrap(), case, "the projection equals the replayed events");
    store.verify(id).await.unwrap();
    assert!(matches!(
        store.append(domain::CaseId::new(), event(EventPayload::WorkStarted)).await,
        Err(StoreError::NotFound)
    ));
});

conformance!(events_are_append_only_and_tampering_is_detected, |db, store| {
    let id = store.submit(new_case(at(2026, 3, 2, 9))).await.unwrap().case_id;
    store.append(id, event(EventPayload::NoteAdded { text: "Original".into() })).await.unwrap();
    store.append(id, event(EventPayload::NoteAdded { text: "Andra".into() })).await.unwrap();

    // The database itself refuses to change or remove events (C1).
    let update =
        "UPDATE case_events SET payload = replace(payload, 'Original', 'Ändrad') WHERE payload LIKE '%Original%'";
    let err = db.execute_raw(update).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(db.execute_raw("DELETE FROM case_events").await.is_err());

    // Nor may content be blanked outside a gallring run (none is named here).
    let blank = "UPDATE case_events SET payload = '{}', salt = NULL WHERE payload LIKE '%Andra%'";
    let err = db.execute_raw(blank).await.unwrap_err();
    assert!(err.to_string().contains("only a gallring run"), "{err}");

    // Someone who disables that protection is still caught by the hash chain.
    db.execute_raw(disable_guard(&db)).await.unwrap();
    assert_eq!(db.execute_raw(update).await.unwrap(), 1);
    let err = store.verify(id).await.unwrap_err();
    assert_eq!(err.to_string(), "event 2 has been altered: its content does not match its hash");
    // Content removed by hand, without a gallring recorded in the chain, is found too.
    let id3 = store.submit(new_case(at(2026, 3, 2, 11))).await.unwrap().case_id;
    store.append(id3, event(EventPayload::NoteAdded { text: "Tredje".into() })).await.unwrap();
    let blank = "UPDATE case_events SET payload = '{}', salt = NULL WHERE payload LIKE '%Tredje%'";
    assert_eq!(db.execute_raw(blank).await.unwrap(), 1);
    let err = store.verify(id3).await.unwrap_err();
    assert_eq!(err.to_string(), "the content of event 2 is gone without a gallring that removed it");

    let id2 = store.submit(new_case(at(2026, 3, 2, 10))).await.unwrap().case_id;
    for text in ["a", "b", "c"] {
        store.append(id2, event(EventPayload::NoteAdded { text: text.into() })).await.unwrap();
    }
    let remove = |seq: i64| {
        let hex_id = id2.uuid().simple().to_string();
        if db.backend == "postgres" {
            format!("DELETE FROM case_events WHERE case_id = '{hex_id}' AND seq = {seq}")
        } else {
            format!("DELETE FROM case_events WHERE hex(case_id) = upper('{hex_id}') AND seq = {seq}")
        }
    };
    db.execute_raw(&remove(4)).await.unwrap();
    assert!(matches!(store.verify(id2).await, Err(StoreError::Chain(domain::ChainError::Truncated { .. }))));
    db.execute_raw(&remove(2)).await.unwrap();
    assert!(matches!(store.verify(id2).await, Err(StoreError::Chain(domain::ChainError::Missing { seq: 2 }))));
});

conformance!(the_inbox_lists_open_cases_of_the_units_nearest_deadline_first, |db, store| {
    // Received on different days, so their V-S2 promises fall due on different days.
    let mut ids = Vec::new();
    for (day, node) in [(5, "v.park"), (3, "v.park"), (4, "v.tk"), (2, "v.skola")] {
        let mut case = new_case(at(2026, 3, day, 9));
        case.node_id = node.into();
        ids.push(store.submit(case).await.unwrap().case_id);
    }
    // A synpunkt whose sender was told in time where it is handled: its only promise (V-S2)
    // is kept, so no clock runs on it.
    let mut synpunkt = new_case(at(2026, 3, 2, 9));
    synpunkt.submission.kind = CaseKind::Synpunkt;
    let kept = store.submit(synpunkt).await.unwrap().case_id;
    let informed = EventPayload::CitizenInformed { message: "Parkenheten har ärendet.".into() };
    store.append(kept, NewEvent::new(at(2026, 3, 2, 12), Actor::System, informed)).await.unwrap();
    // A closed case leaves the inbox.
    let closed = store.submit(new_case(at(2026, 3, 1, 9))).await.unwrap().case_id;
    for payload in [
        EventPayload::Assigned { node_id: "v.park".into(), handler_id: None },
        EventPayload::Answered { message: "Svar".into() },
        EventPayload::Closed { summary: "Klart".into() },
    ] {
        store.append(closed, event(payload)).await.unwrap();
    }
    let query = InboxQuery::new(&"vasteras".into(), Units::Only(vec!["v.park".into(), "v.tk".into()]), 10);
    let inbox = store.inbox(&query).await.unwrap();
    let got: Vec<_> = inbox.iter().map(|c| c.id).collect();
    assert_eq!(got, vec![ids[1], ids[2], ids[0], kept]);
    // Tuesday 3 March plus two working days: the end of Thursday 5 March, Swedish time.
    assert_eq!(inbox[0].due_at, Some(Utc.with_ymd_and_hms(2026, 3, 5, 23, 0, 0).unwrap()));
    assert_eq!(inbox[3].due_at, None);
    let other_jurisdiction = InboxQuery { jurisdiction: "salem".into(), ..query.clone() };
    assert!(store.inbox(&other_jurisdiction).await.unwrap().is_empty());
    assert_eq!(store.inbox(&InboxQuery { limit: 2, ..query.clone() }).await.unwrap().len(), 2);
    let everything = InboxQuery { units: Units::All, ..query.clone() };
    let all: Vec<_> = store.inbox(&everything).await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(all, vec![ids[3], ids[1], ids[2], ids[0], kept], "every unit, the closed case still left out");
    assert!(store.inbox(&InboxQuery { units: Units::Only(vec![]), ..query }).await.unwrap().is_empty());
});

/// Swedish local time as UTC.
/// SQL that removes the database's protection of events, as someone with direct access could.
fn disable_guard(db: &TestDb) -> &'static str {
    if db.backend == "postgres" {
        "ALTER TABLE case_events DISABLE TRIGGER case_events_guard; \
         ALTER TABLE case_events DROP CONSTRAINT case_events_digest"
    } else {
        "DROP TRIGGER case_events_guard; DROP TRIGGER case_events_no_delete"
    }
}

/// A byte string and an id as SQL literals of the backend.
fn bytes_sql(db: &TestDb, bytes: &[u8]) -> String {
    if db.backend == "postgres" { format!("'\\x{}'::bytea", hex(bytes)) } else { format!("X'{}'", hex(bytes)) }
}

fn id_sql(db: &TestDb, id: domain::CaseId) -> String {
    let hex_id = id.uuid().simple().to_string();
    if db.backend == "postgres" { format!("case_id = '{hex_id}'") } else { format!("hex(case_id) = upper('{hex_id}')") }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Puts a case's events back as they were stored before content digests: no salt or digest,
/// each hash over the payload itself (version 1). Returns the case's head then.
async fn as_before_digests(db: &TestDb, store: &Store, id: domain::CaseId) -> domain::Hash {
    let mut prev = domain::Hash::GENESIS;
    let mut sql = String::new();
    for e in store.events(id).await.unwrap() {
        let hash = domain::event::event_hash_v1(id, e.seq, e.at_micros, &e.actor_json, &e.payload_json, &prev);
        sql.push_str(&format!(
            "UPDATE case_events SET salt = NULL, digest = NULL, prev_hash = {}, hash = {} WHERE {} AND seq = {};\n",
            bytes_sql(db, &prev.0),
            bytes_sql(db, &hash.0),
            id_sql(db, id),
            e.seq
        ));
        prev = hash;
    }
    let case = id_sql(db, id).replace("case_id", "id");
    sql.push_str(&format!("UPDATE cases SET head_hash = {} WHERE {case};", bytes_sql(db, &prev.0)));
    db.execute_raw(&sql).await.unwrap();
    prev
}

conformance!(a_database_from_before_content_digests_is_re_expressed_once, |db, store| {
    let id = store.submit(new_case(at(2026, 3, 2, 9))).await.unwrap().case_id;
    store.append(id, event(EventPayload::NoteAdded { text: "Gammal anteckning".into() })).await.unwrap();
    let before = store.events(id).await.unwrap();
    db.execute_raw(disable_guard(&db)).await.unwrap();
    let old_head = as_before_digests(&db, &store, id).await;
    store.close().await;

    // The next start re-expresses the chain over digests and records the old head.
    let store = db.open().await;
    store.verify(id).await.unwrap();
    let after = store.events(id).await.unwrap();
    assert_eq!(
        after.iter().map(|e| &e.payload_json).collect::<Vec<_>>(),
        before.iter().map(|e| &e.payload_json).collect::<Vec<_>>()
    );
    let (recorded_old, recorded_new, _) = store.chain_reexpression(id).await.unwrap().expect("recorded");
    assert_eq!((recorded_old, recorded_new), (old_head, store.case(id).await.unwrap().unwrap().head));

    // A chain already broken before is refused, not rewritten: the start fails and says which.
    let second = store.submit(new_case(at(2026, 3, 3, 9))).await.unwrap();
    as_before_digests(&db, &store, second.case_id).await;
    let tamper = format!(
        "UPDATE case_events SET payload = replace(payload, 'Gungan', 'Bänken') WHERE {}",
        id_sql(&db, second.case_id)
    );
    assert_eq!(db.execute_raw(&tamper).await.unwrap(), 1);
    store.close().await;
    let refused = Store::open(&db.url, store::ConnectOptions::default()).await.err().expect("refused");
    assert!(refused.to_string().contains(&second.number), "{refused}");
});

fn se(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    domain::time::STOCKHOLM.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc)
}

conformance!(clocks_are_visible_through_the_store_with_the_right_due_times, |db, store| {
    let submit = |kind: CaseKind, channel: Channel, received: DateTime<Utc>| {
        let store = store.clone();
        async move {
            let mut case = new_case(received);
            case.submission.kind = kind;
            case.submission.channel = channel;
            store.submit(case).await.unwrap().case_id
        }
    };
    let due = |clocks: &[store::ClockView], id: &str| clocks.iter().find(|c| c.id == id).map(|c| (c.due_at, c.state));

    // A complaint by e-mail on a Friday evening.
    let friday = submit(CaseKind::Klagomal, Channel::Email, se(2026, 11, 27, 20, 15)).await;
    let clocks = store.clocks(friday, se(2026, 11, 30, 9, 0)).await.unwrap();
    assert_eq!(clocks.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["v-s2", "s2", "s6"]);
    assert_eq!(due(&clocks, "v-s2"), Some((se(2026, 12, 2, 0, 0), ClockState::Running)));
    // "Inom tre dygn": 72 hours around the clock.
    assert_eq!(due(&clocks, "s2"), Some((se(2026, 11, 30, 20, 15), ClockState::Running)));
    assert_eq!(due(&clocks, "s6"), Some((se(2026, 12, 5, 0, 0), ClockState::Running)));
    assert_eq!(store.case(friday).await.unwrap().unwrap().updated_at, se(2026, 11, 27, 20, 15));
    let late = store.clocks(friday, se(2026, 12, 2, 8, 0)).await.unwrap();
    assert_eq!(due(&late, "v-s2").unwrap().1, ClockState::Breached);

    // A question the day before midsommarafton.
    let midsummer = submit(CaseKind::Fraga, Channel::Web, se(2026, 6, 18, 14, 0)).await;
    let clocks = store.clocks(midsummer, se(2026, 6, 18, 15, 0)).await.unwrap();
    assert_eq!(due(&clocks, "s3"), Some((se(2026, 6, 19, 14, 0), ClockState::Running)), "24 hours");
    assert_eq!(due(&clocks, "v-s2"), Some((se(2026, 6, 24, 0, 0), ClockState::Running)));

    // An e-mail between Christmas and New Year, answered in time.
    let christmas = submit(CaseKind::Synpunkt, Channel::Email, se(2026, 12, 28, 10, 0)).await;
    let clocks = store.clocks(christmas, se(2026, 12, 28, 10, 0)).await.unwrap();
    assert_eq!(due(&clocks, "s2"), Some((se(2026, 12, 31, 10, 0), ClockState::Running)), "72 hours");
    for payload in [
        EventPayload::Assigned { node_id: "v.park".into(), handler_id: None },
        EventPayload::Answered { message: "Tack, vi åtgärdar det.".into() },
    ] {
        let e = NewEvent::new(se(2026, 12, 31, 9, 0), Actor::System, payload);
        store.append(christmas, e).await.unwrap();
    }
    let clocks = store.clocks(christmas, se(2027, 2, 1, 0, 0)).await.unwrap();
    // In time for the e-mail promise (72 hours: nyårsafton at ten), late for V-S2 (two
    // working days: the end of 30 December).
    assert_eq!(due(&clocks, "s2"), Some((se(2026, 12, 31, 10, 0), ClockState::Met)));
    assert_eq!(due(&clocks, "v-s2"), Some((se(2026, 12, 31, 0, 0), ClockState::Breached)));
    assert!(clocks.iter().all(|c| c.kept_at == Some(se(2026, 12, 31, 9, 0))));
    // Every promise kept: the case no longer waits in the inbox for a deadline.
    let inbox = store.inbox(&InboxQuery::new(&"vasteras".into(), Units::All, 10)).await.unwrap();
    assert_eq!(inbox.iter().find(|c| c.id == christmas).unwrap().due_at, None);
    assert!(store.clocks(domain::CaseId::new(), se(2027, 2, 1, 0, 0)).await.is_err());
});

conformance!(organisation_and_categories_round_trip_and_bad_trees_are_refused, |db, store| {
    let tree = store.org_tree(&"vasteras".into()).await.unwrap();
    assert_eq!(tree.len(), 5);
    assert_eq!(tree.responsible("v.park").unwrap().unwrap().manager_name.as_deref(), Some("Eva Ek"));
    let err = store
        .upsert_org(&"vasteras".into(), &[node("v.loop", Some("v.ghost"), NodeLevel::Enhet, None)])
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "node v.loop names parent v.ghost, which does not exist");
    let categories = store.categories(&"vasteras".into()).await.unwrap();
    assert_eq!(categories.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["park", "skola"]);
    assert_eq!(categories[0].name_en, "Category park");
    assert!(store.categories(&"salem".into()).await.unwrap().is_empty());
    let jurisdictions = store.jurisdictions().await.unwrap();
    assert_eq!((jurisdictions[1].id.as_str(), jurisdictions[1].name.as_str()), ("vasteras", "Västerås stad"));
});

/// A handläggare of v.tk, as the account tests use her.
fn eva() -> NewUser {
    NewUser {
        jurisdiction: "vasteras".into(),
        username: "eva".into(),
        display_name: "Eva Ek".into(),
        email: None,
        password_hash: "$argon2id$stand-in".into(),
        role: Role::Handlaggare,
        node_id: Some("v.tk".into()),
    }
}

conformance!(users_and_sessions, |db, store| {
    let user = eva();
    let id = store.create_user(&user).await.unwrap();
    assert!(matches!(store.create_user(&user).await, Err(StoreError::Duplicate(_))));
    assert_eq!(store.user_by_username("eva").await.unwrap().unwrap().id, id);

    let now = at(2026, 3, 2, 9);
    let (idle, absolute) = (Duration::minutes(30), Duration::hours(10));
    store.create_session(b"session-hash", id, now).await.unwrap();
    let s = store.session(b"session-hash", now + Duration::minutes(20), idle, absolute).await.unwrap();
    assert_eq!(s.unwrap().user.username, "eva");
    // Activity keeps it alive past the first half hour ...
    assert!(store.session(b"session-hash", now + Duration::minutes(45), idle, absolute).await.unwrap().is_some());
    // ... but not past a silent half hour, and the expired session is gone for good.
    assert!(store.session(b"session-hash", now + Duration::minutes(80), idle, absolute).await.unwrap().is_none());
    assert!(store.session(b"session-hash", now + Duration::minutes(81), idle, absolute).await.unwrap().is_none());
    store.create_session(b"other", id, now).await.unwrap();
    assert!(store.session(b"other", now + Duration::hours(11), Duration::hours(12), absolute).await.unwrap().is_none());
    assert!(store.session(b"unknown", now, idle, absolute).await.unwrap().is_none());
});

conformance!(migrations_are_applied_once, |db, store| {
    assert_eq!(Store::migrate_only(&db.url, Default::default()).await.unwrap(), 0);
});

fn all_of(jurisdiction: &str, text: &str) -> SearchQuery {
    SearchQuery {
        jurisdiction: jurisdiction.into(),
        units: Units::All,
        text: text.into(),
        filter: CaseFilter::default(),
        limit: 50,
        offset: 0,
        readable: None,
    }
}

conformance!(inbox_filters_and_pages_on_the_server, |db, store| {
    let mut ids = Vec::new();
    for (i, kind) in [CaseKind::Klagomal, CaseKind::Berom, CaseKind::Klagomal, CaseKind::Fraga].into_iter().enumerate()
    {
        let mut case = new_case(at(2026, 3, 2 + i as u32, 9));
        case.submission.kind = kind;
        ids.push(store.submit(case).await.unwrap().case_id);
    }
    let handler = domain::UserId::new();
    store
        .append(ids[2], event(EventPayload::Assigned { node_id: "v.park".into(), handler_id: Some(handler) }))
        .await
        .unwrap();
    let base = InboxQuery::new(&"vasteras".into(), Units::Only(vec!["v.park".into()]), 10);
    let listed = |cases: Vec<store::CaseSummary>| cases.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let klagomal =
        InboxQuery { filter: CaseFilter { kind: Some(CaseKind::Klagomal), ..CaseFilter::default() }, ..base.clone() };
    assert_eq!(listed(store.inbox(&klagomal).await.unwrap()), vec![ids[0], ids[2]]);
    let mine = InboxQuery { filter: CaseFilter { handler: Some(handler), ..CaseFilter::default() }, ..base.clone() };
    assert_eq!(listed(store.inbox(&mine).await.unwrap()), vec![ids[2]]);
    let assigned =
        InboxQuery { filter: CaseFilter { status: Some(Status::Assigned), ..CaseFilter::default() }, ..base.clone() };
    assert_eq!(listed(store.inbox(&assigned).await.unwrap()), vec![ids[2]]);
    let all = listed(store.inbox(&base).await.unwrap());
    assert_eq!(all.len(), 4);
    let page_two = InboxQuery { limit: 2, offset: 2, ..base.clone() };
    assert_eq!(listed(store.inbox(&page_two).await.unwrap()), all[2..].to_vec(), "the second page of the same order");
    let beyond = InboxQuery { offset: 4, ..base.clone() };
    assert!(store.inbox(&beyond).await.unwrap().is_empty());
});

conformance!(search_matches_words_and_word_starts_keeping_swedish_letters, |db, store| {
    let mut case = new_case(at(2026, 3, 2, 9));
    case.submission.description = "Trasig gungställning vid Råbyskolan".into();
    case.submission.submitter.name = Some("Örjan Åström".into());
    let receipt = store.submit(case).await.unwrap();
    let other = store.submit(new_case(at(2026, 3, 3, 9))).await.unwrap();
    let found = |q: &'static str| {
        let store = store.clone();
        async move { store.search(&all_of("vasteras", q)).await.unwrap().into_iter().map(|c| c.id).collect::<Vec<_>>() }
    };
    for q in ["Råbyskolan", "råbyskolan", "RÅBYSKOLAN", "gungställ", "åström trasig", "örjan"] {
        assert_eq!(found(q).await, vec![receipt.case_id], "{q}");
    }
    let by_number = store.search(&all_of("vasteras", &receipt.number)).await.unwrap();
    assert_eq!(by_number.iter().map(|c| c.id).collect::<Vec<_>>(), vec![receipt.case_id]);
    assert!(found("rabyskolan").await.is_empty(), "å is not a");
    assert!(found("trasig cykel").await.is_empty(), "every word must match");
    // Words added by events are found; anything that looks like query syntax is only words.
    store
        .append(other.case_id, event(EventPayload::NoteAdded { text: "Kättingen är beställd.".into() }))
        .await
        .unwrap();
    assert_eq!(found("kättingen").await, vec![other.case_id]);
    assert!(found("trasig OR NEAR(cykel)").await.is_empty(), "OR and NEAR are just words");
    assert_eq!(found("\" * ( - : ^").await, vec![other.case_id, receipt.case_id], "no words: every case, newest first");
    assert!(store.search(&all_of("salem", "Råbyskolan")).await.unwrap().is_empty(), "jurisdictions never meet");
    // Text added by an event before the receipt's text was indexed is kept beside it.
    let mut late = new_case(at(2026, 3, 4, 9));
    late.submission.description = "Bryggan vid Johannisbergs strand har lossnat".into();
    let late = store.submit(late).await.unwrap().case_id;
    store.append(late, event(EventPayload::NoteAdded { text: "Dykare har sett sjöbotten.".into() })).await.unwrap();
    let both = store.search(&all_of("vasteras", "bryggan sjöbotten")).await.unwrap();
    assert_eq!(both.iter().map(|c| c.id).collect::<Vec<_>>(), vec![late]);
    assert_eq!(store.index_pending().await.unwrap(), 0, "searching indexed everything received");
    let skola_only = SearchQuery { units: Units::Only(vec!["v.skola".into()]), ..all_of("vasteras", "Råbyskolan") };
    assert!(store.search(&skola_only).await.unwrap().is_empty(), "only the given units");
    // Words are looked for only in cases whose text the searcher may read (OSL 8 kap. 1 §);
    // without words, the same cases are listed as before.
    let readable = |units: &[&str], categories: &[&str]| store::Readable {
        units: units.iter().map(|u| domain::NodeId::from(*u)).collect(),
        categories: categories.iter().map(|c| c.to_string()).collect(),
        handler: None,
    };
    let closed = SearchQuery { readable: Some(readable(&["v.skola"], &[])), ..all_of("vasteras", "Råbyskolan") };
    assert!(store.search(&closed).await.unwrap().is_empty(), "not another unit's closed category");
    let public = SearchQuery { readable: Some(readable(&[], &["park"])), ..all_of("vasteras", "Råbyskolan") };
    assert_eq!(store.search(&public).await.unwrap().len(), 1, "a public category's words are found");
    let listed = SearchQuery { readable: Some(readable(&[], &[])), ..all_of("vasteras", "") };
    assert_eq!(store.search(&listed).await.unwrap().len(), 3, "a list without words is not narrowed");
});

conformance!(messages_are_queued_with_their_event_or_not_at_all, |db, store| {
    let case = store.submit(new_case(at(2026, 3, 2, 9))).await.unwrap().case_id;
    let message = store::OutboxMessage {
        case_id: case,
        purpose: "answer".into(),
        recipient: "anna@example.se".into(),
        subject: "Svar".into(),
        body: "Hej".into(),
        language: "sv".into(),
        created_at: Utc::now(),
        ..store::OutboxMessage::default()
    };
    // Answering a case nobody is assigned to is refused, and so is its message.
    let messages = [message.clone()];
    let refused = store.append_with(case, event(EventPayload::Answered { message: "Hej".into() }), &messages).await;
    assert!(matches!(refused, Err(StoreError::Projection(_))));
    let queued: Vec<String> = store.outbox_for_case(case).await.unwrap().into_iter().map(|m| m.purpose).collect();
    assert_eq!(queued, ["receipt"], "only the receipt, queued with the case");
    store.append(case, event(EventPayload::Assigned { node_id: "v.park".into(), handler_id: None })).await.unwrap();
    store.append_with(case, event(EventPayload::Answered { message: "Hej".into() }), &messages).await.unwrap();
    store.append(case, event(EventPayload::Reopened { reason: String::new() })).await.unwrap();
    store.append_with(case, event(EventPayload::Answered { message: "Igen".into() }), &[message]).await.unwrap();
    let purposes: Vec<String> = store.outbox_for_case(case).await.unwrap().into_iter().map(|m| m.purpose).collect();
    assert_eq!(purposes, ["receipt", "answer:3", "answer:5"], "each answer is its own message");
});

conformance!(mail_is_claimed_with_a_lease_retried_and_given_up, |db, store| {
    // Whole seconds: times are stored to the microsecond.
    let now = at(2026, 3, 2, 12);
    let first = store.submit(new_case(at(2026, 3, 2, 9))).await.unwrap().case_id;
    // No receipt for an anonymous case, nor for one loaded as history.
    let mut anonymous = new_case(at(2026, 3, 2, 10));
    anonymous.submission.submitter = domain::Submitter { anonymous: true, ..domain::Submitter::default() };
    let mut history = new_case(at(2026, 3, 2, 11));
    history.live = false;
    for case in [anonymous, history] {
        let id = store.submit(case).await.unwrap().case_id;
        assert!(store.outbox_for_case(id).await.unwrap().is_empty());
    }
    let lease = |at: chrono::DateTime<Utc>| at + Duration::minutes(5);
    let claimed = store.claim_mail(now, lease(now), 10).await.unwrap();
    assert_eq!((claimed.len(), claimed[0].case_id, claimed[0].attempts), (1, first, 1));
    assert!(store.claim_mail(now, lease(now), 10).await.unwrap().is_empty(), "held while its lease runs");
    // A sender that died: the lease runs out and another takes the message.
    let later = now + Duration::minutes(6);
    let again = store.claim_mail(later, lease(later), 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2));
    store.mail_failed(again[0].id, "refused (451)", Some(later + Duration::seconds(30)), later).await.unwrap();
    assert!(store.claim_mail(later, lease(later), 10).await.unwrap().is_empty(), "not before its retry time");
    let retry = later + Duration::seconds(31);
    let third = store.claim_mail(retry, lease(retry), 10).await.unwrap();
    assert_eq!(third[0].attempts, 3);
    store.mail_sent(third[0].id, retry).await.unwrap();
    let far = now + Duration::days(1);
    assert!(store.claim_mail(far, lease(far), 10).await.unwrap().is_empty(), "sent is done");
    let sent = &store.outbox_for_case(first).await.unwrap()[0];
    assert_eq!((sent.sent_at, sent.last_error.as_deref()), (Some(retry), None));
    assert_eq!(store.outbox_message(sent.id).await.unwrap().unwrap().case_id, first);

    // Given up: kept with the reason, never taken again.
    let second = store.submit(new_case(at(2026, 3, 2, 12))).await.unwrap().case_id;
    let claimed = store.claim_mail(far, lease(far), 10).await.unwrap();
    assert_eq!(claimed[0].case_id, second);
    store.mail_failed(claimed[0].id, "no such user (550)", None, far).await.unwrap();
    let far = far + Duration::days(1);
    assert!(store.claim_mail(far, lease(far), 10).await.unwrap().is_empty());
    let failed = &store.outbox_for_case(second).await.unwrap()[0];
    assert_eq!((failed.failed_at.is_some(), failed.last_error.as_deref()), (true, Some("no such user (550)")));
});

conformance!(accounts_change_and_disabling_ends_every_session, |db, store| {
    let user = eva();
    let id = store.create_user(&user).await.unwrap();
    let now = Utc::now();
    let (idle, absolute) = (Duration::minutes(30), Duration::hours(10));
    store.create_session(b"one", id, now).await.unwrap();
    store.create_session(b"two", id, now).await.unwrap();
    let update = store::UserUpdate {
        display_name: "Eva Ekström".into(),
        email: Some("eva@example.se".into()),
        role: Role::Chef,
        node_id: Some("v.tn".into()),
        disabled: false,
    };
    store.update_user(&"vasteras".into(), id, &update).await.unwrap();
    assert!(store.session(b"one", now, idle, absolute).await.unwrap().is_some(), "a change keeps sessions");
    assert!(
        matches!(store.update_user(&"salem".into(), id, &update).await, Err(StoreError::NotFound)),
        "not across jurisdictions"
    );
    store.update_user(&"vasteras".into(), id, &store::UserUpdate { disabled: true, ..update }).await.unwrap();
    assert!(store.session(b"one", now, idle, absolute).await.unwrap().is_none());
    assert!(store.session(b"two", now, idle, absolute).await.unwrap().is_none());
    let users = store.users(&"vasteras".into()).await.unwrap();
    assert_eq!((users[0].role, users[0].disabled, users[0].node_id.as_deref()), (Role::Chef, true, Some("v.tn")));
    assert!(store.users(&"salem".into()).await.unwrap().is_empty());
});

conformance!(access_templates_and_api_keys_are_kept_per_jurisdiction, |db, store| {
    let case = store.submit(new_case(at(2026, 3, 2, 9))).await.unwrap().case_id;
    let user = eva();
    let eva = store.create_user(&user).await.unwrap();
    store.log_access(case, eva, at(2026, 3, 2, 10), "view").await.unwrap();
    store.log_access(case, eva, at(2026, 3, 2, 11), "download").await.unwrap();
    let log = store.access_log(case).await.unwrap();
    assert_eq!(
        log.iter().map(|e| (e.username.as_str(), e.action.as_str())).collect::<Vec<_>>(),
        [("eva", "view"), ("eva", "download")]
    );

    let template = store::AnswerTemplate {
        id: domain::TemplateId::new(),
        name: "Tack".into(),
        language: "sv".into(),
        body: "Hej {name}".into(),
    };
    store.save_template(&"vasteras".into(), &template).await.unwrap();
    store
        .save_template(&"vasteras".into(), &store::AnswerTemplate { body: "Hej igen".into(), ..template.clone() })
        .await
        .unwrap();
    assert_eq!(store.templates(&"vasteras".into()).await.unwrap()[0].body, "Hej igen", "saving again changes it");
    let twin = store::AnswerTemplate { id: domain::TemplateId::new(), ..template.clone() };
    assert!(matches!(store.save_template(&"vasteras".into(), &twin).await, Err(StoreError::Duplicate(_))));
    assert!(store.templates(&"salem".into()).await.unwrap().is_empty());
    assert!(
        matches!(store.delete_template(&"salem".into(), template.id).await, Err(StoreError::NotFound)),
        "not salem's to delete"
    );
    assert_eq!(store.templates(&"vasteras".into()).await.unwrap().len(), 1, "not deleted from another jurisdiction");

    let key = store.create_api_key(&"vasteras".into(), "App", b"hash-of-key").await.unwrap();
    assert_eq!(store.api_key_by_hash(b"hash-of-key").await.unwrap().unwrap().0, "vasteras");
    assert!(
        matches!(store.revoke_api_key(&"salem".into(), key, Utc::now()).await, Err(StoreError::NotFound)),
        "not salem's key"
    );
    assert!(store.api_key_by_hash(b"hash-of-key").await.unwrap().is_some(), "only its own jurisdiction revokes");
    store.revoke_api_key(&"vasteras".into(), key, Utc::now()).await.unwrap();
    assert!(store.api_key_by_hash(b"hash-of-key").await.unwrap().is_none());
    let revoked = store.api_keys(&"vasteras".into()).await.unwrap()[0].revoked_at;
    assert!(revoked.is_some());
    store.revoke_api_key(&"vasteras".into(), key, Utc::now() + Duration::hours(1)).await.unwrap();
    assert_eq!(store.api_keys(&"vasteras".into()).await.unwrap()[0].revoked_at, revoked, "revoked once, from then on");
});

conformance!(a_saved_policy_is_in_force_and_survives_a_restart, |db, store| {
    let mut config = domain::clock::Policy::defaults().config();
    config.clocks.truncate(1);
    config.clocks[0].length = 5;
    let text = domain::clock::Policy::new(config).unwrap().to_toml();
    assert!(matches!(store.save_policy(&"vasteras".into(), "not = [toml").await, Err(StoreError::Invalid(_))));
    store.save_policy(&"vasteras".into(), &text).await.unwrap();
    assert_eq!(store.policy(&"vasteras".into()).clocks.len(), 1);
    assert_eq!(store.policy(&"salem".into()).clocks.len(), domain::clock::Policy::defaults().clocks.len());
    let reopened = db.open().await;
    assert_eq!(reopened.policy(&"vasteras".into()).clocks[0].length, 5);
    // A policy from the configuration file wins and cannot be changed in the pages.
    reopened.set_policy(&"vasteras".into(), domain::clock::Policy::defaults());
    assert!(reopened.policy_is_pinned(&"vasteras".into()));
    assert!(matches!(reopened.save_policy(&"vasteras".into(), &text).await, Err(StoreError::Invalid(_))));
});

fn job(key: &str, run_at: DateTime<Utc>) -> store::NewJob {
    store::NewJob { kind: "reminder".into(), key: key.into(), payload: "{}".into(), run_at }
}

conformance!(jobs_are_scheduled_once_claimed_with_a_lease_retried_and_given_up, |db, store| {
    let now = at(2026, 3, 2, 12);
    let lease = |t: DateTime<Utc>| t + Duration::minutes(5);
    let jobs = [job("a", now), job("b", now + Duration::hours(1))];
    assert_eq!(store.schedule(&jobs, now).await.unwrap(), 2);
    assert_eq!(store.schedule(&jobs, now).await.unwrap(), 0, "a key is scheduled once");
    assert!(store.claim_jobs("mail", now, lease(now), 10).await.unwrap().is_empty(), "other kinds only");
    let claimed = store.claim_jobs("reminder", now, lease(now), 10).await.unwrap();
    assert_eq!((claimed.len(), claimed[0].key.as_str(), claimed[0].attempts), (1, "a", 1), "only what is due");
    assert!(store.claim_jobs("reminder", now, lease(now), 10).await.unwrap().is_empty(), "held while leased");
    // The holder died: when the lease runs out another takes it.
    let later = now + Duration::minutes(6);
    let again = store.claim_jobs("reminder", later, lease(later), 10).await.unwrap();
    assert_eq!((again[0].id, again[0].attempts), (claimed[0].id, 2));
    store.fail_job(again[0].id, "the store was busy", Some(later + Duration::minutes(1)), later).await.unwrap();
    let retry = later + Duration::minutes(2);
    let third = store.claim_jobs("reminder", retry, lease(retry), 10).await.unwrap();
    assert_eq!(third[0].last_error.as_deref(), Some("the store was busy"));
    assert!(store.finish_job(third[0].id, retry).await.unwrap());
    assert!(!store.finish_job(third[0].id, retry).await.unwrap(), "done once");
    let hour = now + Duration::hours(2);
    let b = store.claim_jobs("reminder", hour, lease(hour), 10).await.unwrap();
    assert_eq!(b.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(), ["b"], "a done job is not taken again");
    store.fail_job(b[0].id, "cannot be done", None, hour).await.unwrap();
    let day = now + Duration::days(1);
    assert!(store.claim_jobs("reminder", day, lease(day), 10).await.unwrap().is_empty(), "given up");
    assert!(store.job_by_key("a").await.unwrap().unwrap().done_at.is_some());
});

conformance!(a_jobs_event_is_recorded_once, |db, store| {
    let case = store.submit(new_case(at(2026, 3, 2, 9))).await.unwrap().case_id;
    let now = Utc::now();
    store.schedule(&[job("note-once", now)], now).await.unwrap();
    let claimed = store.claim_jobs("reminder", now, now + Duration::minutes(5), 1).await.unwrap();
    let note = || event(EventPayload::NoteAdded { text: "Påminnelse".into() });
    store.append_for_job(claimed[0].id, case, note(), &[]).await.unwrap();
    let again = store.append_for_job(claimed[0].id, case, note(), &[]).await;
    assert!(matches!(again, Err(StoreError::Duplicate(_))), "{again:?}");
    assert_eq!(store.events(case).await.unwrap().len(), 2, "the receipt and one note");
});

conformance!(two_instances_never_hold_the_same_job, |db, store| {
    let now = Utc::now();
    let jobs: Vec<store::NewJob> = (0..1000).map(|n| job(&format!("j{n}"), now)).collect();
    store.schedule(&jobs, now).await.unwrap();
    let other = db.open().await;
    let take = |s: store::Store| async move {
        let mut mine = Vec::new();
        loop {
            let batch = s.claim_jobs("reminder", now, now + Duration::minutes(5), 25).await.unwrap();
            if batch.is_empty() {
                return mine;
            }
            mine.extend(batch.into_iter().map(|j| j.id));
        }
    };
    let (a, b) = tokio::join!(tokio::spawn(take(store.clone())), tokio::spawn(take(other)));
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut all: Vec<_> = a.iter().chain(b.iter()).copied().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), a.len() + b.len(), "no job was held by both");
    assert_eq!(all.len(), 1000, "every job was taken");
});

conformance!(a_message_another_system_names_is_recorded_once, |db, store| {
    let case = store.submit(new_case(at(2026, 3, 2, 9))).await.unwrap().case_id;
    let message = |reference: &str| {
        event(EventPayload::CitizenMessage {
            message: "Den vid kiosken.".into(),
            attachments: vec![],
            reference: Some(reference.into()),
        })
    };
    store.append(case, message("key:fms_1")).await.unwrap();
    let again = store.append(case, message("key:fms_1")).await;
    assert!(matches!(again, Err(StoreError::Duplicate(_))), "{again:?}");
    store.append(case, message("key:fmsx1")).await.expect("another name, however alike");
    store.append(case, message("key:fms_%")).await.expect("no wildcards");
    assert_eq!(store.events(case).await.unwrap().len(), 4);
});

conformance!(an_edited_applied_migration_is_refused_and_old_records_get_their_checksums, |db, store| {
    store.close().await;
    // A database from before checksums: its records have none; the next start records them.
    db.execute_raw("UPDATE lyhord_migrations SET checksum = NULL").await.unwrap();
    let store = db.open().await;
    store.close().await;
    let missing = db.execute_raw("UPDATE lyhord_migrations SET name = name WHERE checksum IS NULL").await.unwrap();
    assert_eq!(missing, 0, "every applied migration has its checksum again");
    // A migration that reads differently from what was applied stops the start, by name.
    db.execute_raw("UPDATE lyhord_migrations SET checksum = 'edited' WHERE version = 3").await.unwrap();
    let options = store::ConnectOptions::default();
    let refused = Store::open(&db.url, options).await.err().expect("an edited migration is refused");
    assert!(matches!(refused, StoreError::MigrationEdited { version: 3, .. }), "{refused}");
    assert!(refused.to_string().contains("migration 3 (staff)"), "{refused}");
});
