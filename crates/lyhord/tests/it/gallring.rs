//! Gallring by decision (decision 62): an approved run removes what people wrote from the
//! cases due under the demo's gallringsbeslut and from nowhere else, every chain still
//! verifies, and a run stopped midway leaves whole cases only.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{Actor, CaseKind, Channel, ContactMethod, EventPayload, NewEvent, Submission, Submitter};
use store::{NewCase, SearchQuery};

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};

const DECISION: &str = "KS 2025/123 § 45";

fn se(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    domain::time::STOCKHOLM.with_ymd_and_hms(y, m, d, 10, 0, 0).single().unwrap().with_timezone(&Utc)
}

/// A case of `kind` received at `at` with words and an address only it has, and a file.
async fn closed_case(app: &App, kind: CaseKind, at: DateTime<Utc>, words: &str) -> (domain::CaseId, String, String) {
    let files = app::files::FileStore::new(&app.settings.attachments_dir);
    let sha256 = files.put(format!("bilaga till {words}").as_bytes()).unwrap();
    let mut submission = Submission::new("vasteras", kind, Channel::Web, "parker", &format!("{words} i Vasaparken"))
        .with_submitter(Submitter {
            name: Some(format!("{words} Andersson")),
            email: Some(format!("{}@example.se", words.to_lowercase())),
            contact_method: Some(ContactMethod::Email),
            ..Submitter::default()
        });
    submission.attachments.push(domain::attachment::Attachment {
        sha256: sha256.clone(),
        name: "bild.jpg".into(),
        content_type: "image/jpeg".into(),
        size: 10,
    });
    let case = NewCase {
        submission,
        node_id: "vasteras.park".into(),
        received_at: at,
        idempotency_key: None,
        live: false,
        actor: Actor::Citizen,
    };
    let receipt = app.store.submit(case).await.unwrap();
    let steps = [
        EventPayload::Assigned { node_id: "vasteras.park".into(), handler_id: None },
        EventPayload::Answered { message: format!("Svar om {words}") },
        EventPayload::Closed { summary: format!("Avslutat: {words}") },
    ];
    for (i, payload) in steps.into_iter().enumerate() {
        let when = at + Duration::hours(i as i64 + 1);
        app.store.append(receipt.case_id, NewEvent::new(when, Actor::System, payload)).await.unwrap();
    }
    (receipt.case_id, receipt.number, sha256)
}

fn mentions(events: &[domain::Event], words: &str) -> bool {
    events.iter().any(|e| e.payload_json.contains(words))
}

async fn wait_until_finished(app: &App, run: domain::GallringRunId) {
    for _ in 0..200 {
        let found = app.store.gallring_run(&"vasteras".into(), run).await.unwrap().unwrap();
        if found.finished_at.is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the gallring run did not finish");
}

on_both_backends!(an_approved_run_gallrar_what_is_due_and_nothing_else, |app| {
    let app = app.with_demo(0).await;
    let long_ago = se(2023, 1, 10);
    let (due, due_number, due_file) = closed_case(&app, CaseKind::Synpunkt, long_ago, "Duefall").await;
    let (kept, _, kept_file) = closed_case(&app, CaseKind::Klagomal, long_ago, "Bevarat").await;
    let (uncovered, _, _) = closed_case(&app, CaseKind::Felanmalan, long_ago, "Oreglerat").await;
    let (recent, _, _) = closed_case(&app, CaseKind::Synpunkt, Utc::now() - Duration::days(40), "Nyligen").await;
    let before = app.store.case(due).await.unwrap().unwrap();
    let admin_id = app.store.user_by_username("admin").await.unwrap().unwrap().id;
    app.store.log_access(due, admin_id, long_ago, "view").await.unwrap();
    app.store.log_access(kept, admin_id, Utc::now(), "view").await.unwrap();
    let j: domain::JurisdictionId = "vasteras".into();
    app.store.quarantine(&j, long_ago, "honeypot field filled in", r#"{"description":"Gammalt skräp"}"#).await.unwrap();
    app.store.quarantine(&j, Utc::now(), "honeypot field filled in", r#"{"description":"Nytt skräp"}"#).await.unwrap();
    // An old held form with a picture kept with it: the picture goes with the form.
    let held_file = app::files::FileStore::new(&app.settings.attachments_dir).put(b"gammal bild").unwrap();
    let held_payload = serde_json::json!({
        "description": "Gammalt skräp med bild",
        store::HELD_FILES: [{"sha256": held_file, "name": "bild.jpg", "content_type": "image/jpeg", "size": 11}],
    });
    app.store.quarantine(&j, long_ago, "form filled in too fast", &held_payload.to_string()).await.unwrap();

    // The administrator plans a run: a preview that names the due case, and nothing else.
    let admin = app.signed_in("admin", PASSWORD).await;
    let planned = admin.post(app.url("/staff/gallring/runs")).send().await.unwrap();
    assert_eq!(planned.status().as_u16(), 303);
    let run_path = planned.headers()["location"].to_str().unwrap().to_owned();
    let run: domain::GallringRunId = run_path.rsplit('/').next().unwrap().parse().unwrap();
    let preview = body(admin.get(app.url(&run_path)).send().await.unwrap()).await;
    assert!(preview.contains(&due_number), "the preview lists the due case: {preview}");
    assert!(preview.contains(DECISION));
    assert!(mentions(&app.store.events(due).await.unwrap(), "Duefall"), "planning removes nothing");

    // Only an arkivansvarig approves.
    let refused = admin.post(app.url(&format!("{run_path}/approve"))).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let archivist = app.signed_in("arkivansvarig", PASSWORD).await;
    let approved = archivist.post(app.url(&format!("{run_path}/approve"))).send().await.unwrap();
    assert_eq!(approved.status().as_u16(), 303);
    wait_until_finished(&app, run).await;

    // The due case: its words, its sender and its file are gone, its facts and proof remain.
    let events = app.store.events(due).await.unwrap();
    for gone in ["Duefall", "duefall@example.se"] {
        assert!(!mentions(&events, gone), "{gone} is still in the events");
    }
    app.store.verify(due).await.unwrap();
    let after = app.store.case(due).await.unwrap().unwrap();
    assert_eq!(
        (&after.number, after.received_at, after.kind, &after.node_id, after.status),
        (&before.number, before.received_at, before.kind, &before.node_id, before.status)
    );
    let last = events.last().unwrap().payload().unwrap();
    assert!(matches!(last, EventPayload::Gallrad { ref decision, .. } if decision == DECISION), "{last:?}");
    let files = app::files::FileStore::new(&app.settings.attachments_dir);
    assert!(files.get(&due_file).is_err(), "the due case's file is removed");
    assert!(files.get(&kept_file).is_ok(), "the kept case's file stays");
    assert!(files.get(&held_file).is_err(), "the old held form's picture is removed");
    for message in app.store.outbox_for_case(due).await.unwrap() {
        assert_eq!((message.recipient.as_str(), message.body.as_str()), ("", ""), "the receipt's copy is emptied");
    }
    let search = |words: &str| SearchQuery {
        jurisdiction: "vasteras".into(),
        text: words.into(),
        units: store::Units::All,
        filter: store::CaseFilter::default(),
        readable: None,
        limit: 10,
        offset: 0,
    };
    assert!(app.store.search(&search("Duefall")).await.unwrap().is_empty(), "the index forgot the words");
    assert_eq!(app.store.search(&search(&due_number)).await.unwrap().len(), 1, "the number is still found");
    assert!(app.store.access_log(due).await.unwrap().is_empty(), "the old access log rows are gone");
    assert_eq!(app.store.access_log(kept).await.unwrap().len(), 1, "recent rows stay");

    let held: Vec<String> = app.store.quarantined(&j).await.unwrap().into_iter().map(|q| q.payload).collect();
    assert_eq!(held, [r#"{"description":"Nytt skräp"}"#], "held spam goes after three months");

    // Kept under a bevaras rule, under no rule, or not yet due: untouched.
    for (case, words) in [(kept, "Bevarat"), (uncovered, "Oreglerat"), (recent, "Nyligen")] {
        let events = app.store.events(case).await.unwrap();
        assert!(mentions(&events, words), "{words} was removed");
        assert!(!events.iter().any(|e| e.gallrad_by.is_some()));
        app.store.verify(case).await.unwrap();
    }

    // The protocol counts what the database shows, and the case page says what happened.
    let counts = app.store.gallring_counts(run).await.unwrap();
    let cases_line = counts.iter().find(|(_, covers, ..)| *covers == domain::gallring::Covers::Cases).unwrap();
    assert_eq!((cases_line.2, cases_line.3), (1, 1));
    let csv = body(archivist.get(app.url(&format!("{run_path}/protocol.csv"))).send().await.unwrap()).await;
    assert!(csv.contains(DECISION) && csv.contains("Ingrid Ek"), "{csv}");
    let pdf = archivist.get(app.url(&format!("{run_path}/protocol.pdf"))).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let page = body(handler.get(app.url(&format!("/staff/cases/{due_number}"))).send().await.unwrap()).await;
    assert!(page.contains("Gallrat enligt KS 2025/123 § 45"), "the case page tells: {page}");
    assert!(!page.contains("Duefall"));
    // Nobody else reaches the protocol.
    assert_eq!(handler.get(app.url(&run_path)).send().await.unwrap().status().as_u16(), 403);
});

on_both_backends!(a_decision_and_its_rule_are_recorded_with_errors_at_their_fields, |app| {
    let app = app.with_demo(0).await;
    let archivist = app.signed_in("arkivansvarig", PASSWORD).await;
    let bad = [("decision-reference", ""), ("decision-body", "Tekniska nämnden"), ("decision-date", "igår")];
    let page = archivist.post(app.url("/staff/gallring/decisions")).form(&bad).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 422);
    let html = body(page).await;
    assert!(html.contains("id=\"decision-reference-error\"") && html.contains("id=\"decision-date-error\""));
    assert!(html.contains("value=\"Tekniska nämnden\""), "what was typed is kept");
    let good = [
        ("decision-reference", "TN 2026/7 § 12"),
        ("decision-body", "Tekniska nämnden"),
        ("decision-date", "2026-02-03"),
    ];
    let done = archivist.post(app.url("/staff/gallring/decisions")).form(&good).send().await.unwrap();
    assert_eq!(done.status().as_u16(), 303);
    let again = archivist.post(app.url("/staff/gallring/decisions")).form(&good).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 422, "a reference is recorded once");
    let decisions = app.store.gallring_decisions(&"vasteras".into()).await.unwrap();
    let tn = decisions.iter().find(|d| d.reference == "TN 2026/7 § 12").unwrap();
    let rule = [
        ("rule-decision", tn.id.to_string()),
        ("rule-covers", "access_log".into()),
        ("rule-kind", "synpunkt".into()),
        ("rule-months", "12".into()),
        ("rule-action", "gallras".into()),
    ];
    let refused = archivist.post(app.url("/staff/gallring/rules")).form(&rule).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 422, "only case rules take case filters");
    let rule = [&rule[..1], &[("rule-covers", "cases".into())], &rule[2..]].concat();
    let added = archivist.post(app.url("/staff/gallring/rules")).form(&rule).send().await.unwrap();
    assert_eq!(added.status().as_u16(), 303);
    let decisions = app.store.gallring_decisions(&"vasteras".into()).await.unwrap();
    let tn = decisions.iter().find(|d| d.reference == "TN 2026/7 § 12").unwrap();
    assert_eq!(tn.rules.len(), 1);
    assert_eq!((tn.rules[0].kind, tn.rules[0].after_months), (Some(CaseKind::Synpunkt), 12));
});

/// Whether a case is whole: every event as written and no `gallrad` event, or every event
/// that held what people wrote emptied, with the run recorded. Anything between is half a case.
fn whole(events: &[domain::Event]) -> Option<bool> {
    let recorded = events.iter().any(|e| matches!(e.payload(), Ok(EventPayload::Gallrad { .. })));
    let holding_text = events.iter().filter(|e| e.gallrad_by.is_none()).any(|e| {
        let payload = e.payload().unwrap();
        !matches!(payload, EventPayload::Gallrad { .. }) && payload.redacted() != payload
    });
    let emptied = events.iter().any(|e| e.gallrad_by.is_some());
    match (emptied, recorded, holding_text) {
        (false, false, true) => Some(false),
        (true, true, false) => Some(true),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_midway_leaves_whole_cases_and_resumes() {
    let app = App::start(store::testing::TestDb::sqlite()).await.with_demo(0).await;
    let mut cases = Vec::new();
    for i in 0..120 {
        cases.push(
            closed_case(&app, CaseKind::Berom, se(2023, 2, 1) + Duration::minutes(i), &format!("Tack{i}")).await.0,
        );
    }
    let run = app::gallring::plan(&app.store, &"vasteras".into(), "test", Utc::now()).await.unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lyhord"))
        .args(["gallring", "run", "--approve", &run.to_string(), "--by", "Ingrid Ek"])
        .env("LYHORD_DATABASE_URL", &app.database_url)
        .env("LYHORD_ATTACHMENTS_DIR", &app.settings.attachments_dir)
        .env("LYHORD_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Stopped hard while it works (SIGKILL: no chance to tidy up).
    for _ in 0..400 {
        let done = app.store.gallring_counts(run).await.unwrap().iter().map(|c| c.3).sum::<i64>();
        if done > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut done = 0;
    for case in &cases {
        let events = app.store.events(*case).await.unwrap();
        match whole(&events) {
            Some(gallrad) => done += usize::from(gallrad),
            None => panic!("a case is half gallrad: {events:?}"),
        }
        app.store.verify(*case).await.unwrap();
    }
    assert!(done < cases.len(), "the run was stopped before it finished ({done} done)");

    // The next start finishes it.
    assert_eq!(app::gallring::resume(&app.store, &app.disk()).await.unwrap(), 1);
    for case in &cases {
        assert_eq!(whole(&app.store.events(*case).await.unwrap()), Some(true));
    }
    let counts = app.store.gallring_counts(run).await.unwrap();
    assert_eq!(counts.iter().find(|c| c.1 == domain::gallring::Covers::Cases).map(|c| (c.2, c.3)), Some((120, 120)));
}

on_both_backends!(files_report_examples_and_referred_cases_go_under_their_own_rules, |app| {
    let app = app.with_demo(0).await;
    let long_ago = se(2023, 3, 1);
    let j: domain::JurisdictionId = "vasteras".into();
    // A complaint is kept (the demo's decision), but its pictures and its report example go
    // after a year under a decision of the nämnd.
    let (complaint, _, complaint_file) = closed_case(&app, CaseKind::Klagomal, long_ago, "Klagobild").await;
    let analysed = EventPayload::Analysed {
        justified: domain::Justified::Befogat,
        causes: vec![],
        measures: "Rutinen ändrad".into(),
        example: "En förälder saknade staket".into(),
    };
    // Recorded back then, before the closing: the case's time under the rules is unchanged.
    app.store
        .append(complaint, NewEvent::new(long_ago + Duration::minutes(30), Actor::System, analysed))
        .await
        .unwrap();
    // A view with a picture: both the picture rule and the demo's two-year rule for views.
    let (view, _, view_file) = closed_case(&app, CaseKind::Synpunkt, long_ago, "Vybild").await;
    // A fault report sent on to another authority: only the demo's rule for referred cases.
    let (referred, ..) = closed_case(&app, CaseKind::Felanmalan, long_ago, "Hänvisat").await;
    let forwarded = EventPayload::ForwardedToAuthority {
        authority: "Trafikverket".into(),
        how: "e-post".into(),
        message: "Vägen är statlig.".into(),
    };
    let reopened = EventPayload::Reopened { reason: "Fel myndighet".into() };
    for (i, payload) in [reopened, forwarded].into_iter().enumerate() {
        let at = long_ago + Duration::hours(10 + i as i64);
        app.store.append(referred, NewEvent::new(at, Actor::System, payload)).await.unwrap();
    }

    let decision = store::NewGallringDecision {
        reference: "TN 2026/4 § 9".into(),
        body: "Tekniska nämnden".into(),
        decided_on: chrono::NaiveDate::from_ymd_opt(2026, 2, 10).unwrap(),
        recorded_by: None,
    };
    let id = app.store.save_gallring_decision(&j, &decision).await.unwrap();
    for covers in [domain::gallring::Covers::Attachments, domain::gallring::Covers::ReportExamples] {
        let rule = domain::gallring::Rule {
            id: domain::GallringRuleId::new(),
            covers,
            kind: None,
            category: None,
            node_id: None,
            channel: None,
            outcome: None,
            after_months: 12,
            action: domain::gallring::Disposal::Gallras,
        };
        app.store.add_gallring_rule(&j, id, &rule).await.unwrap();
    }
    let run = app::gallring::plan(&app.store, &j, "test", Utc::now()).await.unwrap();
    app.store.approve_gallring_run(&j, run, "Ingrid Ek").await.unwrap();
    let run = app.store.gallring_run(&j, run).await.unwrap().unwrap();
    let files = app::files::FileStore::new(&app.settings.attachments_dir);
    app::gallring::carry_out(&app.store, &app.disk(), &run).await.unwrap();

    // The complaint keeps its words and its analysis, not its picture or its example.
    let events = app.store.events(complaint).await.unwrap();
    assert!(mentions(&events, "Klagobild i Vasaparken") && mentions(&events, "Rutinen ändrad"));
    assert!(!mentions(&events, "staket") && !mentions(&events, "bild.jpg"), "{events:?}");
    assert!(files.get(&complaint_file).is_err(), "the picture is removed from disk");
    app.store.verify(complaint).await.unwrap();
    // The view lost its picture and its text, in the same run.
    let events = app.store.events(view).await.unwrap();
    assert!(!mentions(&events, "Vybild"));
    assert!(files.get(&view_file).is_err());
    app.store.verify(view).await.unwrap();
    // The referred fault report went under the rule for referred cases.
    let events = app.store.events(referred).await.unwrap();
    assert!(!mentions(&events, "Hänvisat") && !mentions(&events, "Vägen är statlig"));
    app.store.verify(referred).await.unwrap();
    let protocol = app::gallring::Protocol::of(&app.store, run, app::lang::Lang::Sv).await.unwrap();
    let rules: Vec<&str> = protocol.lines.iter().map(|l| l.rule.as_str()).collect();
    assert!(rules.iter().any(|r| r.starts_with("Bilagor och bilder i ärenden")), "{rules:?}");
    assert!(rules.iter().any(|r| r.contains("överlämnat till annan myndighet")), "{rules:?}");
});
