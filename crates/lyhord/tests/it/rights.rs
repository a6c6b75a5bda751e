//! The person's rights (GDPR art. 16-18): details corrected as a new event with the original
//! kept until gallring, data restricted to those handling the case and out of search and the
//! open API, and erasure on request only where a gallras rule covers the case, carried out
//! as a minuted run of one.

use chrono::{Duration, Utc};
use domain::{Actor, CaseKind, Channel, ContactMethod, EventPayload, NewEvent, Submission, Submitter};
use store::NewCase;

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};

const PARK: &str = "vasteras.park";

/// A case at the park unit from Rut, handled by the demo's handläggare.
async fn handled_case(app: &App, kind: CaseKind, words: &str) -> (domain::CaseId, String) {
    let submission = Submission::new("vasteras", kind, Channel::Web, "parker", &format!("{words} i Rättparken"))
        .with_submitter(Submitter {
            name: Some("Rut Rättad".into()),
            email: Some("rut@example.se".into()),
            contact_method: Some(ContactMethod::Email),
            ..Submitter::default()
        });
    let receipt = app
        .store
        .submit(NewCase {
            submission,
            node_id: PARK.into(),
            received_at: Utc::now() - Duration::hours(2),
            idempotency_key: None,
            live: false,
            actor: Actor::Citizen,
        })
        .await
        .unwrap();
    let handler = app.store.user_by_username("handlaggare").await.unwrap().unwrap().id;
    let assigned = EventPayload::Assigned { node_id: PARK.into(), handler_id: Some(handler) };
    app.store.append(receipt.case_id, NewEvent::new(Utc::now(), Actor::System, assigned)).await.unwrap();
    (receipt.case_id, receipt.number)
}

async fn post(client: &reqwest::Client, app: &App, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = client.post(app.url(path)).form(form).send().await.unwrap();
    (response.status().as_u16(), body(response).await)
}

async fn page(client: &reqwest::Client, app: &App, number: &str) -> String {
    body(client.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await
}

async fn get(client: &reqwest::Client, app: &App, path: &str) -> String {
    body(client.get(app.url(path)).send().await.unwrap()).await
}

async fn erase(admin: &reqwest::Client, app: &App, number: &str) -> reqwest::Response {
    let form = [("erase-number", number), ("erase-reason", "Begäran från Rut 2026-12-01, dnr KS 2026/99")];
    admin.post(app.url("/staff/gallring/erasures")).form(&form).send().await.unwrap()
}

fn words_of(events: &[domain::Event], words: &str) -> bool {
    events.iter().any(|e| e.payload_json.contains(words))
}

on_both_backends!(details_are_corrected_as_a_new_event_and_used_from_then_on, |app| {
    let app = app.with_demo(0).await;
    let (case, number) = handled_case(&app, CaseKind::Synpunkt, "Gungan är trasig").await;
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let path = format!("/staff/cases/{number}/correct-contact");

    // A mistyped address is refused at its field, with what was typed kept.
    let typed = [("name", "Rut Rättad"), ("email", "rut-at-example"), ("reason", "Rut ringde den 3 december")];
    let (status, html) = post(&handler, &app, &path, &typed).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"correct-contact-email-error\""), "{html}");
    assert!(html.contains("value=\"rut-at-example\""), "what was typed is kept");

    let right = [("name", "Rut Rättad"), ("email", "rut.ny@example.se"), ("reason", "Rut ringde den 3 december")];
    assert_eq!(post(&handler, &app, &path, &right).await.0, 303);
    let shown = page(&handler, &app, &number).await;
    assert!(shown.contains("rut.ny@example.se"), "the page shows the corrected address");
    assert!(shown.contains("Kontaktuppgifterna rättades på personens begäran"), "the timeline says so");
    // The original stays in the receipt until gallring; the chain holds.
    let events = app.store.events(case).await.unwrap();
    assert!(words_of(&events[..1], "rut@example.se"));
    app.store.verify(case).await.unwrap();

    // An answer goes to the corrected address.
    let answered =
        post(&handler, &app, &format!("/staff/cases/{number}/answer"), &[("message", "Tack, vi lagar den.")]).await;
    assert_eq!(answered.0, 303);
    let outbox = app.store.outbox_for_case(case).await.unwrap();
    let answer = outbox.iter().find(|m| m.purpose.starts_with("answer")).expect("an answer in the outbox");
    assert_eq!(answer.recipient, "rut.ny@example.se");

    // A läsare in another nämnd can do none of it.
    let reader = app.signed_in("lasare", PASSWORD).await;
    assert!([403, 404].contains(&post(&reader, &app, &path, &right).await.0));
});

on_both_backends!(restricted_data_are_read_only_by_the_handler_and_leave_search_and_the_api, |app| {
    let app = app.with_demo(0).await;
    let (case, number) = handled_case(&app, CaseKind::Synpunkt, "Bänken är sönder").await;
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let chef = app.signed_in("chef", PASSWORD).await;
    let published = [("text", "Bänken är sönder i parken.")];
    assert_eq!(post(&handler, &app, &format!("/staff/cases/{number}/publish"), &published).await.0, 303);
    let api = format!("/open311/v2/requests/{number}.json");
    let anyone = reqwest::Client::new();
    assert!(get(&anyone, &app, &api).await.contains("Bänken är sönder i parken."));
    let search = "/staff/search?q=B%C3%A4nken";
    assert!(get(&chef, &app, search).await.contains(&number), "found before the restriction");

    let (status, html) = post(&handler, &app, &format!("/staff/cases/{number}/restrict"), &[("reason", "")]).await;
    assert_eq!(status, 422, "a restriction names its reason");
    assert!(html.contains("id=\"restrict-reason-error\""));
    let reason = [("reason", "Rut bestrider att uppgifterna stämmer")];
    assert_eq!(post(&handler, &app, &format!("/staff/cases/{number}/restrict"), &reason).await.0, 303);
    assert!(app.store.case(case).await.unwrap().unwrap().restricted);

    // The handler reads on; the chef above sees the case, not what it says or who wrote it.
    assert!(page(&handler, &app, &number).await.contains("Bänken är sönder i Rättparken"));
    let chefs = page(&chef, &app, &number).await;
    assert!(chefs.contains("Personens uppgifter är begränsade"), "{chefs}");
    for hidden in ["Bänken är sönder", "rut@example.se", "Rut Rättad"] {
        assert!(!chefs.contains(hidden), "the chef reads {hidden}");
    }
    assert!(!get(&chef, &app, search).await.contains(&number), "its words find nothing");
    assert!(!get(&handler, &app, search).await.contains(&number), "not even for the handler");
    assert!(!get(&anyone, &app, &api).await.contains("Bänken"), "the open API shows no text");
    // Only the handler lifts it.
    let lift = [("reason", "Uppgifterna är rättade")];
    assert_eq!(post(&chef, &app, &format!("/staff/cases/{number}/lift-restriction"), &lift).await.0, 403);
    assert_eq!(post(&handler, &app, &format!("/staff/cases/{number}/lift-restriction"), &lift).await.0, 303);
    assert!(page(&chef, &app, &number).await.contains("Bänken är sönder i Rättparken"));
    assert!(get(&anyone, &app, &api).await.contains("Bänken är sönder i parken."));
    app.store.verify(case).await.unwrap();
});

on_both_backends!(erasure_on_request_is_a_minuted_run_of_one_where_a_rule_allows_it, |app| {
    let app = app.with_demo(0).await;
    let (case, number) = handled_case(&app, CaseKind::Synpunkt, "Radera mig").await;
    let (_, complaint) = handled_case(&app, CaseKind::Klagomal, "Klagomål som bevaras").await;
    let admin = app.signed_in("admin", PASSWORD).await;

    // Still being handled: refused, at the field.
    let open = erase(&admin, &app, &number).await;
    assert_eq!(open.status().as_u16(), 422);
    assert!(body(open).await.contains("Ärendet handläggs fortfarande"));
    // The handler answers by e-mail (without an SMTP server, a copy lands in mail_dir), then
    // the case is closed.
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let answer = [("message", "Svar till Rut")];
    assert_eq!(post(&handler, &app, &format!("/staff/cases/{number}/answer"), &answer).await.0, 303);
    let sent_copy = |app: &App| {
        std::fs::read_dir(&app.settings.mail_dir)
            .unwrap()
            .filter_map(Result::ok)
            .find(|f| std::fs::read_to_string(f.path()).is_ok_and(|text| text.contains("rut@example.se")))
    };
    for _ in 0..200 {
        if sent_copy(&app).is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(sent_copy(&app).is_some(), "the answer was sent");
    let closed = EventPayload::Closed { summary: "Klart".into() };
    app.store.append(case, NewEvent::new(Utc::now(), Actor::System, closed)).await.unwrap();
    // A complaint is kept by the demo's decision, and no rule covers a missing number.
    let complaint_id = app.store.case_by_number(&"vasteras".into(), &complaint).await.unwrap().unwrap().id;
    for payload in [EventPayload::Answered { message: "Svar".into() }, EventPayload::Closed { summary: "Klart".into() }]
    {
        app.store.append(complaint_id, NewEvent::new(Utc::now(), Actor::System, payload)).await.unwrap();
    }
    let kept = erase(&admin, &app, &complaint).await;
    assert_eq!(kept.status().as_u16(), 422);
    assert!(body(kept).await.contains("ska bevaras"));
    assert!(body(erase(&admin, &app, "2026-999999").await).await.contains("inget ärende med det numret"));

    // Covered by a gallras rule whose two years have not passed: the request makes it due.
    let planned = erase(&admin, &app, &number).await;
    assert_eq!(planned.status().as_u16(), 303);
    let run_path = planned.headers()["location"].to_str().unwrap().to_owned();
    let run: domain::GallringRunId = run_path.rsplit('/').next().unwrap().parse().unwrap();
    assert!(words_of(&app.store.events(case).await.unwrap(), "Radera mig"), "nothing leaves before approval");
    let archivist = app.signed_in("arkivansvarig", PASSWORD).await;
    assert_eq!(archivist.post(app.url(&format!("{run_path}/approve"))).send().await.unwrap().status().as_u16(), 303);
    for _ in 0..200 {
        if app.store.gallring_run(&"vasteras".into(), run).await.unwrap().unwrap().finished_at.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let events = app.store.events(case).await.unwrap();
    for gone in ["Radera mig", "rut@example.se", "Svar till Rut"] {
        assert!(!words_of(&events, gone), "{gone} is still there");
    }
    app.store.verify(case).await.unwrap();
    assert!(sent_copy(&app).is_none(), "the copy of the mail sent is gone too");
    let csv = body(archivist.get(app.url(&format!("{run_path}/protocol.csv"))).send().await.unwrap()).await;
    assert!(csv.contains("Radering på begäran") && csv.contains("dnr KS 2026/99"), "{csv}");
    let complaint_events = app.store.events(complaint_id).await.unwrap();
    assert!(words_of(&complaint_events, "Klagomål som bevaras"), "the complaint is untouched");
});
