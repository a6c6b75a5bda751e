//! What the open Open311 API shows of a case: nothing a person wrote until staff publish it,
//! never a place typed on another channel, positions rounded unless staff publish the point,
//! and nothing at all when the municipality turns reading off (F-requirements on personal
//! data; OSL; the privacy notice says the same).

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};
use domain::{Actor, CaseKind, Channel, ContactMethod, Position, Submission, Submitter};
use serde_json::{Value, json};
use store::NewCase;

async fn read(app: &App, number: &str) -> Value {
    let response = reqwest::get(app.url(&format!("/open311/v2/requests/{number}.json"))).await.unwrap();
    assert_eq!(response.status(), 200);
    serde_json::from_str::<Value>(&body(response).await).unwrap()[0].clone()
}

/// A complaint phoned in to the kontaktcenter about a lamp outside the caller's home.
fn phoned_in() -> NewCase {
    NewCase {
        submission: Submission::new(
            "vasteras",
            CaseKind::Felanmalan,
            Channel::Phone,
            "gatubelysning",
            "Lampan utanför min port är släckt, ring mig på 070-1234567.",
        )
        .with_place("Storgatan 5, lgh 1102", Some(Position { lat_e6: 59_611_234, lon_e6: 16_546_789 }))
        .with_submitter(Submitter {
            name: Some("Karin Lund".into()),
            phone: Some("070-1234567".into()),
            contact_method: Some(ContactMethod::Phone),
            ..Submitter::default()
        }),
        node_id: "vasteras.gata".into(),
        received_at: chrono::Utc::now(),
        idempotency_key: None,
        live: false,
        actor: Actor::Citizen,
    }
}

/// A street-lighting request posted through the API at a known point, with `more` fields:
/// the answer's status and the case number.
async fn post_request(app: &App, key: &str, more: &[(&str, &str)]) -> (u16, String) {
    let mut form = vec![("api_key", key), ("service_code", "gatubelysning"), ("lat", "59.6099"), ("long", "16.5448")];
    form.extend_from_slice(more);
    let response = reqwest::Client::new().post(app.url("/open311/v2/requests.json")).form(&form).send().await.unwrap();
    let status = response.status().as_u16();
    let number = serde_json::from_str::<Value>(&body(response).await).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (status, number)
}

async fn publish(app: &App, staff: &reqwest::Client, number: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = staff.post(app.url(&format!("/staff/cases/{number}/publish"))).form(form).send().await.unwrap();
    (response.status().as_u16(), body(response).await)
}

on_both_backends!(nothing_a_person_wrote_is_public_until_staff_publish_it, |app| {
    let app = app.with_demo(0).await;
    let staff = app.signed_in("handlaggare", PASSWORD).await;

    // A phone complaint: its place is the caller's home and is never published; the point is
    // shown only rounded, and the text only as staff publish it.
    let phoned = app.store.submit(phoned_in()).await.unwrap();
    let before = read(&app, &phoned.number).await;
    assert_eq!((&before["description"], &before["address"]), (&json!(null), &json!(null)));
    let rounded = domain::publication::rounded(Position { lat_e6: 59_611_234, lon_e6: 16_546_789 }, 100);
    assert_eq!(
        (before["lat"].as_f64().unwrap(), before["long"].as_f64().unwrap()),
        (rounded.latitude(), rounded.longitude())
    );
    let (status, _) = publish(&app, &staff, &phoned.number, &[("text", "Släckt lampa på Storgatan.")]).await;
    assert_eq!(status, 303);
    let after = read(&app, &phoned.number).await;
    assert_eq!(after["description"], json!("Släckt lampa på Storgatan."), "the edited text is what is shown");
    assert_eq!(after["address"], json!(null), "a place told by phone is never published");
    assert_eq!(after["lat"], before["lat"], "still rounded without the exact point");
    let text = serde_json::to_string(&after).unwrap();
    for private in ["lgh 1102", "070-1234567", "Karin", "min port"] {
        assert!(!text.contains(private), "{private} is not published");
    }

    // Through the API, a personnummer typed into the description is published by nobody: staff
    // are stopped at the field, with what they typed kept, until they edit it out.
    let key = lyhord::admin::create_api_key(&app.store, None, "Klient").await.unwrap();
    let typed_in = "Jag heter Tolvan Tolvansson, 19121212-1212, tel 070-7654321. Lampan är trasig.";
    let (_, number) = post_request(&app, &key, &[("address_string", "Stora torget"), ("description", typed_in)]).await;
    let unpublished = serde_json::to_string(&read(&app, &number).await).unwrap();
    for private in ["Tolvan", "19121212", "070-7654321", "Stora torget"] {
        assert!(!unpublished.contains(private), "{private} is not public before staff publish");
    }
    let typed = "Tolvan Tolvansson, 19121212-1212: lampan är trasig.";
    let (status, page) = publish(&app, &staff, &number, &[("text", typed)]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Texten innehåller ett personnummer."), "flagged at the field");
    assert!(page.contains(typed), "what was typed is kept");
    assert!(!serde_json::to_string(&read(&app, &number).await).unwrap().contains("Tolvan"));
    let (status, _) = publish(&app, &staff, &number, &[("text", "Lampan är trasig."), ("exact_position", "on")]).await;
    assert_eq!(status, 303);
    let shown = read(&app, &number).await;
    assert_eq!(shown["description"], json!("Lampan är trasig."));
    assert_eq!((&shown["lat"], &shown["long"]), (&json!(59.6099), &json!(16.5448)), "the exact point, as chosen");
    assert_eq!(shown["address"], json!("Stora torget"), "a place sent through the API, once published");

    // The original stays with staff, and the publication is an event on the case.
    let case_page = body(staff.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    assert!(case_page.contains("19121212-1212"), "staff still read the original");
    assert!(case_page.contains("Publicerat i det öppna API:et"), "the timeline names the publication");
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    let events = app.store.events(case.id).await.unwrap();
    let published: Vec<_> = events
        .iter()
        .filter_map(|e| match e.payload().unwrap() {
            domain::EventPayload::Published { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(published, ["Lampan är trasig."]);

    // The privacy notice says the same, with this installation's rounding.
    let privacy = body(reqwest::get(app.url("/privacy")).await.unwrap()).await;
    assert!(
        privacy.contains("Din text och dina bilder visas först när en handläggare har granskat och publicerat dem")
    );
    assert!(privacy.contains("avrundad till ungefär 100 meter"));
    // It names the controllers, the data protection officer from the setup, and the gallring
    // rules in force, as the demo's decision records them (F8).
    assert!(privacy.contains("<li>Tekniska nämnden</li>") && privacy.contains("<li>Kommunstyrelsen</li>"), "{privacy}");
    assert!(privacy.contains("dataskyddsombud@vasteras.example"));
    assert!(privacy.contains("Kommunstyrelsen, KS 2025/123 § 45 2025-05-20"), "{privacy}");
    assert!(privacy.contains("<li>Ärenden, klagomål: bevaras"), "{privacy}");
    assert!(privacy.contains("Det som inget beslut omfattar sparas."));

    // A reader may not publish.
    let reader = app.signed_in("lasare", PASSWORD).await;
    assert_eq!(publish(&app, &reader, &number, &[("text", "x")]).await.0, 403);
});

async fn reading_can_be_turned_off(db: store::testing::TestDb) {
    let settings = lyhord::Settings { open311_public_reads: "off".into(), ..lyhord::Settings::default() };
    let app = App::start_with(db, settings).await.with_demo(0).await;
    let key = lyhord::admin::create_api_key(&app.store, None, "Klient").await.unwrap();
    let (status, number) = post_request(&app, &key, &[("description", "Lampan är trasig.")]).await;
    assert_eq!(status, 200, "submitting still works");
    for path in [
        "/open311/v2/requests.json".to_owned(),
        format!("/open311/v2/requests/{number}.xml"),
        "/open311/v2/servicerequestupdates.json".to_owned(),
    ] {
        let response = reqwest::get(app.url(&path)).await.unwrap();
        assert_eq!(response.status(), 403, "{path}");
        assert!(body(response).await.contains("reading requests is turned off"), "{path}");
    }
    let media = reqwest::get(app.url(&format!("/open311/v2/media/vasteras/{number}/1.jpg"))).await.unwrap();
    assert_eq!(media.status(), 404);
    let privacy = body(reqwest::get(app.url("/privacy")).await.unwrap()).await;
    assert!(privacy.contains("Kommunen visar inga ärenden öppet på internet."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_can_be_turned_off_sqlite() {
    reading_can_be_turned_off(store::testing::TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_can_be_turned_off_postgres() {
    if let Some(db) = store::testing::TestDb::postgres().await {
        reading_can_be_turned_off(db).await;
    }
}

on_both_backends!(a_personnummer_staff_wrote_is_masked_in_the_open_api, |app| {
    let app = app.with_demo(0).await;
    let phoned = app.store.submit(phoned_in()).await.unwrap();
    use domain::EventPayload as P;
    for payload in [
        P::Assigned { node_id: "vasteras.gata".into(), handler_id: None },
        P::Answered { message: "Lampan är lagad.".into() },
        P::Closed { summary: "Lagad. Kontakt: Karin, 19121212-1212.".into() },
    ] {
        let event = domain::NewEvent::new(chrono::Utc::now(), Actor::System, payload);
        app.store.append(phoned.case_id, event).await.unwrap();
    }
    let shown = read(&app, &phoned.number).await;
    assert_eq!(shown["status_notes"], json!("Lagad. Kontakt: Karin, [personnummer]."));
    let updates = body(reqwest::get(app.url("/open311/v2/servicerequestupdates.json")).await.unwrap()).await;
    assert!(!updates.contains("19121212-1212") && updates.contains("[personnummer]"), "{updates}");
});
