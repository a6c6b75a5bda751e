//! Keeping promises before they break (V-S2, S7, B4–B6): reminders, breaches and
//! escalations up the line on the right working days, the FL 11/12 § checks of a formal
//! matter, the manager's view, and several instances sharing the work.

use chrono::{DateTime, TimeZone, Utc};
use domain::alerts::AlertStage;
use domain::{Actor, CaseKind, Channel, ContactMethod, EventPayload, NewEvent, Submission, Submitter};
use domain::{CaseId, UserId};
use lyhord::serve;
use store::{InboxQuery, NewCase, Role, Store, Units};

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};

/// A Swedish local time as UTC.
fn se(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    domain::time::STOCKHOLM.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc)
}

/// An e-mail about a park, received at `at`, as the intake registers it.
fn park_mail(at: DateTime<Utc>) -> NewCase {
    park_case(at, Channel::Email)
}

fn park_case(at: DateTime<Utc>, channel: Channel) -> NewCase {
    NewCase {
        submission: Submission::new(
            "vasteras",
            CaseKind::Synpunkt,
            channel,
            "parker",
            "Bänken i Vasaparken är trasig sedan i höstas.",
        )
        .with_submitter(Submitter {
            name: Some("Kim Invånare".into()),
            email: Some("kim@example.se".into()),
            contact_method: Some(ContactMethod::Email),
            ..Submitter::default()
        }),
        node_id: "vasteras.park".into(),
        received_at: at,
        idempotency_key: None,
        live: false,
        actor: Actor::Citizen,
    }
}

/// The demo's organisation with accounts along the park's line: a handläggare at the park
/// (whose manager is the demo's Johan Berg) and a manager for Gata och park above it.
async fn park_line(app: &App) -> (UserId, UserId, UserId) {
    park_line_in(&app.store).await
}

async fn park_line_in(store: &Store) -> (UserId, UserId, UserId) {
    let add = |username: &'static str, name: &'static str, role, unit: &'static str| async move {
        let email = format!("{username}@vasteras.example");
        lyhord::admin::add_user(store, Some("vasteras"), username, name, role, Some(unit), Some(&email), PASSWORD)
            .await
            .unwrap()
    };
    let anna = add("anna", "Anna Park", Role::Handlaggare, "vasteras.park").await;
    let mikael = add("mikael", "Mikael Åberg", Role::Chef, "vasteras.gp").await;
    let mut nodes = store.org_nodes(&"vasteras".into()).await.unwrap();
    for node in &mut nodes {
        if node.id == "vasteras.gp" {
            node.manager_user_id = Some(mikael);
        }
    }
    store.upsert_org(&"vasteras".into(), &nodes).await.unwrap();
    let johan = store.user_by_username("handlaggare").await.unwrap().unwrap().id;
    (anna, johan, mikael)
}

fn worker(app: &App) -> app::App {
    app::App::new(app.store.clone(), serve::app_config(&app.settings))
}

/// The alerts recorded on a case: (clock, stage, when, who was told).
async fn alerts_of(store: &Store, case: CaseId) -> Vec<(String, AlertStage, DateTime<Utc>, Option<UserId>)> {
    let mut out = Vec::new();
    for e in store.events(case).await.unwrap() {
        if let EventPayload::ClockAlert { clock, stage, notified, .. } = e.payload().unwrap() {
            out.push((clock, stage, e.at(), notified));
        }
    }
    out
}

async fn standing_mark(store: &Store, number: &str) -> Option<AlertStage> {
    let inbox = store.inbox(&InboxQuery::new(&"vasteras".into(), Units::All, 500)).await.unwrap();
    inbox.iter().find(|c| c.number == number).expect("the case is in the inbox").alert
}

on_both_backends!(a_friday_evening_email_is_reminded_and_escalated_on_working_days_around_christmas, |app| {
    let app = app.with_demo(0).await;
    let (anna, johan, mikael) = park_line(&app).await;
    let receipt = app.store.submit(park_mail(se(2026, 12, 18, 20, 0))).await.unwrap();
    let assign = EventPayload::Assigned { node_id: "vasteras.park".into(), handler_id: Some(anna) };
    app.store.append(receipt.case_id, NewEvent::new(se(2026, 12, 18, 20, 5), Actor::System, assign)).await.unwrap();

    // The worker's clock, an hour at a time over Christmas 2026: julafton (Thursday 24) and
    // juldagen (Friday 25) are not working days, nor is the weekend.
    let state = worker(&app);
    let mut now = se(2026, 12, 18, 21, 0);
    while now <= se(2026, 12, 31, 12, 0) {
        app::alerts::tick(&state, now).await.unwrap();
        now += chrono::Duration::hours(1);
    }

    use AlertStage::*;
    let expected = vec![
        // V-S2, two working days: Monday and Tuesday.
        ("v-s2".to_owned(), Halfway, se(2026, 12, 21, 8, 0), Some(anna)),
        // S2 (e-mail), "tre dygn": 72 hours, due Monday at 20.00. Its half-way mark fell on
        // Sunday, so on Monday morning only its last day is told.
        ("s2".to_owned(), LastDay, se(2026, 12, 21, 8, 0), Some(anna)),
        ("v-s2".to_owned(), LastDay, se(2026, 12, 22, 8, 0), Some(anna)),
        // S2 broke Monday evening: the park's manager is told the next working morning.
        ("s2".to_owned(), Breached, se(2026, 12, 22, 8, 0), Some(johan)),
        // V-S2 broke at the end of Tuesday.
        ("v-s2".to_owned(), Breached, se(2026, 12, 23, 8, 0), Some(johan)),
        // Two working days after each breach it goes one level up the line (S7); Thursday
        // 24 and Friday 25 are holidays.
        ("s2".to_owned(), Escalated, se(2026, 12, 28, 8, 0), Some(mikael)),
        ("v-s2".to_owned(), Escalated, se(2026, 12, 29, 8, 0), Some(mikael)),
    ];
    let mut given = alerts_of(&app.store, receipt.case_id).await;
    given.sort_by_key(|(clock, stage, at, _)| (*at, *stage, clock == "v-s2"));
    let mut expected = expected;
    expected.sort_by_key(|(clock, stage, at, _)| (*at, *stage, clock == "v-s2"));
    assert_eq!(given, expected);

    // Each went to its person by e-mail, with the case's number and link, and not a word of
    // what the citizen wrote.
    let outbox = app.store.outbox_for_case(receipt.case_id).await.unwrap();
    let mut told: Vec<(String, String)> = outbox.iter().map(|m| (m.purpose.clone(), m.recipient.clone())).collect();
    told.sort();
    assert_eq!(told.len(), 7, "{told:?}");
    assert_eq!(told.iter().filter(|(_, to)| to == "anna@vasteras.example").count(), 3);
    assert_eq!(told.iter().filter(|(_, to)| to == "handlaggare@vasteras.example").count(), 2);
    assert_eq!(told.iter().filter(|(_, to)| to == "mikael@vasteras.example").count(), 2);
    let sent = app.sent_mail(7).await;
    let escalation = sent.iter().find(|m| m.to == "mikael@vasteras.example").expect("the escalation was sent");
    assert!(escalation.subject.contains(&receipt.number), "{}", escalation.subject);
    assert!(escalation.text.contains(&format!("/staff/cases/{}", receipt.number)), "{}", escalation.text);
    assert!(escalation.text.contains("eskaleras till dig"), "{}", escalation.text);
    assert!(!sent.iter().any(|m| m.text.contains("Vasaparken") || m.text.contains("Kim")), "no personal data");
    assert!(escalation.headers.contains("Auto-Submitted: auto-generated"), "{}", escalation.headers);

    // The inbox shows the most serious alert until the promises are kept.
    assert_eq!(standing_mark(&app.store, &receipt.number).await, Some(Escalated));
    let answer = EventPayload::Answered { message: "Bänken lagas i januari.".into() };
    app.store.append(receipt.case_id, NewEvent::new(se(2026, 12, 31, 13, 0), Actor::System, answer)).await.unwrap();
    assert_eq!(standing_mark(&app.store, &receipt.number).await, None);
    let report = app::alerts::tick(&state, se(2027, 1, 8, 9, 0)).await.unwrap();
    assert_eq!((report.given, report.scheduled), (0, 0), "a kept promise is owed nothing");

    // The case page tells staff what was done, and the manager's view lists the breaches.
    let client = app.signed_in("mikael", PASSWORD).await;
    let page = body(client.get(app.url(&format!("/staff/cases/{}", receipt.number))).send().await.unwrap()).await;
    assert!(page.contains("eskalerat till Mikael Åberg, chef för"), "{page}");
    assert!(page.contains("Påminnelse till Anna Park: halva tiden för V-S2 har gått"), "{page}");
});

on_both_backends!(a_reminder_is_given_once_and_a_kept_promise_is_not_reminded, |app| {
    let app = app.with_demo(0).await;
    let (anna, ..) = park_line(&app).await;
    let received = se(2026, 12, 7, 9, 0);
    let receipt = app.store.submit(park_mail(received)).await.unwrap();
    let assign = EventPayload::Assigned { node_id: "vasteras.park".into(), handler_id: Some(anna) };
    app.store.append(receipt.case_id, NewEvent::new(received, Actor::System, assign)).await.unwrap();
    let kept = app.store.submit(park_mail(received)).await.unwrap();
    let informed = EventPayload::CitizenInformed { message: "Parkenheten handlägger det.".into() };
    app.store.append(kept.case_id, NewEvent::new(se(2026, 12, 7, 10, 0), Actor::System, informed)).await.unwrap();

    // Two instances tick at the same moment, and again. V-S2 (due at the end of Wednesday)
    // is half gone on Tuesday at 16.30; S2 (end of Thursday) on Wednesday morning.
    let (one, two) = (worker(&app), worker(&app));
    let at = se(2026, 12, 8, 17, 0);
    let (a, b) = tokio::join!(app::alerts::tick(&one, at), app::alerts::tick(&two, at));
    let (a, b) = (a.unwrap(), b.unwrap());
    app::alerts::tick(&one, at).await.unwrap();
    let given = alerts_of(&app.store, receipt.case_id).await;
    assert_eq!(given, [("v-s2".to_owned(), AlertStage::Halfway, at, Some(anna))]);
    assert_eq!(a.given + b.given, 1, "each alert given by exactly one instance");
    assert!(alerts_of(&app.store, kept.case_id).await.is_empty());

    // Wednesday morning: V-S2's last day and S2's half-way on the first case; on the other,
    // whose V-S2 was kept (the citizen was told where it is handled), only S2's.
    let wednesday = se(2026, 12, 9, 9, 0);
    app::alerts::tick(&two, wednesday).await.unwrap();
    let stages = |alerts: Vec<(String, AlertStage, DateTime<Utc>, Option<UserId>)>| {
        let mut s: Vec<(String, AlertStage)> = alerts.into_iter().map(|(c, s, ..)| (c, s)).collect();
        s.sort();
        s
    };
    assert_eq!(
        stages(alerts_of(&app.store, receipt.case_id).await),
        [
            ("s2".to_owned(), AlertStage::Halfway),
            ("v-s2".to_owned(), AlertStage::Halfway),
            ("v-s2".to_owned(), AlertStage::LastDay)
        ]
    );
    assert_eq!(stages(alerts_of(&app.store, kept.case_id).await), [("s2".to_owned(), AlertStage::Halfway)]);
});

on_both_backends!(a_formal_matter_prompts_a_delay_notice_and_is_flagged_after_six_months, |app| {
    let app = app.with_demo(0).await;
    let (anna, ..) = park_line(&app).await;
    let received = Utc::now();
    // From the web, and told where it is handled: V-S2 is kept, only the FL checks remain.
    let receipt = app.store.submit(park_case(received, Channel::Web)).await.unwrap();
    let assign = EventPayload::Assigned { node_id: "vasteras.park".into(), handler_id: Some(anna) };
    app.store.append(receipt.case_id, NewEvent::new(received, Actor::System, assign)).await.unwrap();
    let informed = EventPayload::CitizenInformed { message: "Parkenheten handlägger det.".into() };
    app.store.append(receipt.case_id, NewEvent::new(received, Actor::System, informed)).await.unwrap();
    let client = app.signed_in("anna", PASSWORD).await;
    let case_url = app.url(&format!("/staff/cases/{}", receipt.number));

    // A8: made formal with a reason and the day a decision is due; a missing reason is named.
    let today = domain::time::local(Utc::now()).date_naive();
    let target = today + chrono::Duration::days(20);
    let refused = client
        .post(format!("{case_url}/make-formal"))
        .form(&[("reason", ""), ("date", &target.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let page = body(refused).await;
    assert!(page.contains(&target.to_string()), "what was typed is kept");
    let made = client
        .post(format!("{case_url}/make-formal"))
        .form(&[("reason", "Ansökan om att ta bort ett träd"), ("date", &target.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 303);
    let page = body(client.get(&case_url).send().await.unwrap()).await;
    assert!(!page.contains("/make-formal\""), "conversion is one-way");

    // FL 11 §: the morning the decision is due, the handler is asked.
    let state = worker(&app);
    let morning = domain::time::STOCKHOLM
        .from_local_datetime(&target.and_hms_opt(8, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc);
    let morning = app.store.policy(&"vasteras".into()).at_office_hours(morning).unwrap();
    app::alerts::tick(&state, morning - chrono::Duration::minutes(1)).await.unwrap();
    assert!(!alerts_of(&app.store, receipt.case_id).await.iter().any(|(c, ..)| c == "fl-11"));
    app::alerts::tick(&state, morning).await.unwrap();
    let fl11: Vec<_> =
        alerts_of(&app.store, receipt.case_id).await.into_iter().filter(|(c, ..)| c == "fl-11").collect();
    assert_eq!(fl11.len(), 1);
    assert_eq!((fl11[0].1, fl11[0].3), (AlertStage::DelayLikely, Some(anna)));
    let page = body(client.get(&case_url).send().await.unwrap()).await;
    assert!(page.contains("FL 11 §: beslutet ska komma senast"), "{page}");
    assert_eq!(standing_mark(&app.store, &receipt.number).await, Some(AlertStage::DelayLikely));

    // The notice with its reason goes to the citizen and is recorded; the prompt is answered.
    let later = target + chrono::Duration::days(30);
    let sent = client
        .post(format!("{case_url}/notify-delay"))
        .form(&[
            ("reason", "Vi väntar på ett yttrande från Länsstyrelsen."),
            ("date", &later.to_string()),
            ("message", "Ditt ärende tar längre tid än vi lovade."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 303);
    let events = app.store.events(receipt.case_id).await.unwrap();
    let notice = events.iter().rev().find_map(|e| match e.payload().unwrap() {
        EventPayload::DelayNotified { reason, expected_by, .. } => Some((reason, expected_by)),
        _ => None,
    });
    assert_eq!(notice, Some(("Vi väntar på ett yttrande från Länsstyrelsen.".to_owned(), later)));
    let outbox = app.store.outbox_for_case(receipt.case_id).await.unwrap();
    let mail = outbox.iter().find(|m| m.purpose.starts_with("delay-notice")).expect("the notice is mailed");
    assert_eq!(mail.recipient, "kim@example.se");
    assert!(mail.body.contains("Länsstyrelsen") && mail.body.contains(&later.to_string()), "{}", mail.body);
    let page = body(client.get(&case_url).send().await.unwrap()).await;
    assert!(!page.contains("FL 11 §: beslutet ska komma senast"), "the prompt is answered: {page}");
    assert_eq!(standing_mark(&app.store, &receipt.number).await, None);
    let tracking = app.store.case(receipt.case_id).await.unwrap().unwrap();
    assert!(tracking.formal);

    // FL 12 §: undecided six months after it was received (not after it became formal).
    let six = domain::time::local(received).date_naive().checked_add_months(chrono::Months::new(6)).unwrap();
    let six_morning = app
        .store
        .policy(&"vasteras".into())
        .at_office_hours(
            domain::time::STOCKHOLM.from_local_datetime(&six.and_hms_opt(0, 0, 0).unwrap()).single().unwrap().to_utc(),
        )
        .unwrap();
    app::alerts::tick(&state, six_morning).await.unwrap();
    let fl12: Vec<_> =
        alerts_of(&app.store, receipt.case_id).await.into_iter().filter(|(c, ..)| c == "fl-12").collect();
    assert_eq!(fl12.len(), 1, "{fl12:?}");
    assert_eq!(fl12[0].2, six_morning);
    assert_eq!(standing_mark(&app.store, &receipt.number).await, Some(AlertStage::Undecided));
    let inbox = body(client.get(app.url("/staff")).send().await.unwrap()).await;
    assert!(inbox.contains("FL 12 §: sex månader") && inbox.contains("Formellt ärende"), "{inbox}");
});

on_both_backends!(the_manager_sees_their_units_and_the_promises_broken_this_week, |app| {
    let app = app.with_demo(0).await;
    let (anna, ..) = park_line(&app).await;
    // Received four working days ago or more: V-S2 has broken, and its manager is told now.
    let received = Utc::now() - chrono::Duration::days(8);
    let receipt = app.store.submit(park_mail(received)).await.unwrap();
    let assign = EventPayload::Assigned { node_id: "vasteras.park".into(), handler_id: Some(anna) };
    app.store.append(receipt.case_id, NewEvent::new(received, Actor::System, assign)).await.unwrap();
    app::alerts::tick(&worker(&app), Utc::now()).await.unwrap();
    assert!(!alerts_of(&app.store, receipt.case_id).await.is_empty());

    // Eva Ekström leads Tekniska kontoret, above Gata och park.
    let eva = app.signed_in("chef", PASSWORD).await;
    let page = body(eva.get(app.url("/staff/manager")).send().await.unwrap()).await;
    assert!(page.contains("Parkenheten") && page.contains("Trafik och mobilitet"), "{page}");
    assert!(page.contains(&format!("/staff/cases/{}", receipt.number)), "{page}");
    assert!(page.contains("<strong class=\"mark breached\">1</strong>"), "{page}");

    // A manager elsewhere sees neither the park nor its case; a handläggare has no such view.
    crate::support::add_staff(&app.store, "olle", "Olle Skola", Role::Chef, "vasteras.buf").await;
    let olle = app.signed_in("olle", PASSWORD).await;
    let page = body(olle.get(app.url("/staff/manager")).send().await.unwrap()).await;
    assert!(page.contains("Grundskola") && !page.contains("Parkenheten"), "{page}");
    assert!(!page.contains(&receipt.number), "{page}");
    let anna_client = app.signed_in("anna", PASSWORD).await;
    assert_eq!(anna_client.get(app.url("/staff/manager")).send().await.unwrap().status(), 403);
    assert_eq!(app.browser().get(app.url("/staff/manager")).send().await.unwrap().status(), 303, "signed out");
});

/// A child process that is killed when the test ends, also when it fails.
struct Instance(std::process::Child);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two `lyhord serve` processes on one PostgreSQL share 1 000 due escalations; one is killed
/// with SIGKILL midway. Every alert is recorded once and mailed once (I5).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_give_1000_alerts_once_each_even_when_one_is_killed() {
    let Some(db) = store::testing::TestDb::postgres().await else { return };
    let store = db.open().await;
    lyhord::demo::load(&store, Utc::now(), 0).await.unwrap();
    let (_, _, mikael) = park_line_in(&store).await;
    // Received ten days ago from the web: V-S2 broke long since and stays broken, so each
    // case owes one escalation to the manager of Gata och park.
    let received = Utc::now() - chrono::Duration::days(10);
    let mut submitted = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let store = store.clone();
        // Live, as if they had just come in after a long outage; without an address, so
        // that the only mail is the alerts'.
        let mut case = park_case(received, Channel::Web);
        case.live = true;
        case.submission.submitter.email = None;
        case.submission.submitter.contact_method = None;
        submitted.spawn(async move { store.submit(case).await.unwrap().case_id });
    }
    let cases: Vec<CaseId> = submitted.join_all().await;

    let mail = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let instance = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_lyhord"))
            .arg("serve")
            .env_remove("RUST_LOG")
            .env("LYHORD_LOG", "warn")
            .env("LYHORD_DATABASE_URL", &db.url)
            .env("LYHORD_LISTEN", "127.0.0.1:0")
            .env("LYHORD_ALERTS_TICK_SECONDS", "1")
            // What the killed instance held is taken over seconds later, not after the
            // production leases (half a minute for alerts, a minute for messages).
            .env("LYHORD_JOB_LEASE_SECONDS", "3")
            .env("LYHORD_MAIL_LEASE_SECONDS", "3")
            .env("LYHORD_MAIL_DIR", mail.path())
            .env("LYHORD_ATTACHMENTS_DIR", files.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = Instance(instance());
    let mut second = Instance(instance());

    let given = || async {
        let inbox = store.inbox(&InboxQuery::new(&"vasteras".into(), Units::All, 2000)).await.unwrap();
        inbox.iter().filter(|c| c.alert.is_some()).count()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while given().await < 100 {
        assert!(std::time::Instant::now() < deadline, "the instances gave no alerts");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let killed_at = given().await;

    // The other instance finishes, taking over what the killed one held once its leases end.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while given().await < 1000 {
        assert!(std::time::Instant::now() < deadline, "only {} of 1000 alerts were given", given().await);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Messages the killed instance held are sent when their lease runs out.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let eml = || {
        std::fs::read_dir(mail.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml"))
            .count()
    };
    while eml() < 1000 {
        assert!(std::time::Instant::now() < deadline, "only {} of 1000 messages were sent", eml());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let sent = crate::support::mail_in(mail.path(), 1000).await;
    second.0.kill().unwrap();
    second.0.wait().unwrap();

    for case in &cases {
        let alerts = alerts_of(&store, *case).await;
        assert_eq!(alerts.len(), 1, "case {case}: {alerts:?}");
        assert_eq!((alerts[0].1, alerts[0].3), (AlertStage::Escalated, Some(mikael)));
        let outbox = store.outbox_for_case(*case).await.unwrap();
        assert_eq!(outbox.len(), 1, "one message per alert");
        assert!(outbox[0].sent_at.is_some());
    }
    // One file per message (named by its Message-ID), each to the manager.
    assert_eq!(sent.len(), 1000);
    assert!(sent.iter().all(|m| m.to == "mikael@vasteras.example"));
    assert!(killed_at < 1000, "the kill came midway ({killed_at} given by then)");
}

on_both_backends!(history_owes_no_reminders_until_someone_works_on_it, |app| {
    let app = app.with_demo(0).await;
    park_line(&app).await;
    // Loaded as history (not live): long broken, but nobody is told of it out of the blue.
    let received = Utc::now() - chrono::Duration::days(20);
    let receipt = app.store.submit(park_case(received, Channel::Web)).await.unwrap();
    let state = worker(&app);
    let report = app::alerts::tick(&state, Utc::now()).await.unwrap();
    assert_eq!(report.given, 0);
    assert!(alerts_of(&app.store, receipt.case_id).await.is_empty());

    // Once someone records something on it, it is live: its manager's manager hears of it.
    let note = EventPayload::NoteAdded { text: "Tittar på det nu.".into() };
    app.store.append(receipt.case_id, NewEvent::new(Utc::now(), Actor::System, note)).await.unwrap();
    app::alerts::tick(&state, Utc::now()).await.unwrap();
    let given = alerts_of(&app.store, receipt.case_id).await;
    assert_eq!(given.len(), 1, "only the latest stage of a long-broken promise: {given:?}");
    assert_eq!(given[0].1, AlertStage::Escalated);
});

// Escalation reaches a person: posts without an account are passed over, and a nämnd — a
// political board — is never told; an alert nobody could receive says so.
on_both_backends!(escalation_passes_empty_posts_and_never_reaches_a_namnd, |app| {
    let app = app.with_demo(0).await;
    let state = worker(&app);
    let eva = app.store.user_by_username("chef").await.unwrap().unwrap().id;
    let v_s2 = |alerts: Vec<(String, AlertStage, DateTime<Utc>, Option<UserId>)>| {
        alerts.into_iter().filter(|a| a.0 == "v-s2").map(|a| (a.1, a.3)).collect::<Vec<_>>()
    };
    let submit = |node: &'static str| {
        let store = app.store.clone();
        async move {
            let mut case = park_case(se(2026, 12, 1, 10, 0), Channel::Web);
            case.node_id = node.into();
            case.live = true;
            store.submit(case).await.unwrap()
        }
    };
    // Gatuenheten's and Gata och park's managers have no accounts: the breach goes to Eva
    // Ekström, who heads Tekniska kontoret. Above her is Tekniska nämnden, never told, and the
    // kommundirektör's post has no account: the escalation reaches nobody, and says so.
    let gata = submit("vasteras.gata").await;
    app::alerts::tick(&state, se(2026, 12, 4, 9, 0)).await.unwrap();
    app::alerts::tick(&state, se(2026, 12, 8, 9, 0)).await.unwrap();
    let given = v_s2(alerts_of(&app.store, gata.case_id).await);
    assert_eq!(given, [(AlertStage::Breached, Some(eva)), (AlertStage::Escalated, None)]);
    let lasare = app.store.user_by_username("lasare").await.unwrap().unwrap();
    assert!(!given.iter().any(|(_, who)| *who == Some(lasare.id)), "nobody at the nämnd");
    let chef = app.signed_in("chef", PASSWORD).await;
    let page = body(chef.get(app.url(&format!("/staff/cases/{}", gata.number))).send().await.unwrap()).await;
    assert!(page.contains("ingen kunde underrättas, eftersom ingen chefspost uppåt i linjen har ett konto"), "{page}");
    let staff = app.signed_in("admin", PASSWORD).await;
    // The administrator is warned of the posts alerts pass over, the nämnder's excepted.
    let org = body(staff.get(app.url("/staff/admin/org")).send().await.unwrap()).await;
    assert!(org.contains("Chefsposter som påminnelser och eskaleringar går förbi"));
    assert!(org.contains("Gatuenheten (Fatima Haddad)") && org.contains("Västerås stad (Karin Lindqvist)"));
    assert!(!org.contains("Tekniska nämnden (Per Sundberg)"), "a nämnd is never told, so never missed");
    let manager =
        body(app.signed_in("chef", PASSWORD).await.get(app.url("/staff/manager")).send().await.unwrap()).await;
    assert!(manager.contains("Gatuenheten (Fatima Haddad)"), "the manager sees the posts below them");

    // With an account for the kommundirektör, a förvaltning's broken promise is escalated to
    // her, past the nämnd.
    let karin = lyhord::admin::add_user(
        &app.store,
        Some("vasteras"),
        "karin",
        "Karin Lindqvist",
        Role::Chef,
        Some("vasteras"),
        Some("karin@vasteras.example"),
        PASSWORD,
    )
    .await
    .unwrap();
    let mut nodes = app.store.org_nodes(&"vasteras".into()).await.unwrap();
    for node in &mut nodes {
        if node.id == "vasteras" {
            node.manager_user_id = Some(karin);
        }
    }
    app.store.upsert_org(&"vasteras".into(), &nodes).await.unwrap();
    let tk = submit("vasteras.tk").await;
    let state = worker(&app);
    app::alerts::tick(&state, se(2026, 12, 4, 9, 0)).await.unwrap();
    app::alerts::tick(&state, se(2026, 12, 8, 9, 0)).await.unwrap();
    assert_eq!(
        v_s2(alerts_of(&app.store, tk.case_id).await),
        [(AlertStage::Breached, Some(eva)), (AlertStage::Escalated, Some(karin))]
    );
});
