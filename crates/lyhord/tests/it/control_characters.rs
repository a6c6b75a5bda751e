//! Text with a NUL or another control character, at every way text comes in: refused at its
//! field (or, from e-mail, kept with a visible replacement), never a 500, and never a store
//! that answers differently per backend. Staff search keeps working throughout.

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};

const NUL: &str = "Trasig\u{0}lampa";

fn form(description: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "synpunkt".into()),
        ("category", "parker".into()),
        ("description", description.into()),
        ("place", String::new()),
        ("role", "invanare".into()),
        ("identity", "anonymous".into()),
        ("contact_method", String::new()),
        ("form_key", "nul-1".into()),
        ("started", (chrono::Utc::now().timestamp() - 60).to_string()),
        ("website", String::new()),
    ]
}

fn multipart(form: &[(&'static str, String)]) -> reqwest::multipart::Form {
    form.iter().fold(reqwest::multipart::Form::new(), |m, (k, v)| m.text(*k, v.clone()))
}

async fn search_works(app: &App, staff: &reqwest::Client) {
    let response = staff.get(app.url("/staff/search?q=lampa")).send().await.unwrap();
    assert_eq!(response.status(), 200, "staff search");
}

on_both_backends!(a_nul_is_refused_at_its_field_and_never_breaks_the_store, |app| {
    let app = app.with_demo(0).await;
    let staff = app.signed_in("registrator", PASSWORD).await;
    let before = app.store.count_cases(&"vasteras".into()).await.unwrap();

    // The citizen's form: the problem at the field, what was typed kept (without the NUL
    // nobody typed), nothing registered.
    let sent = app.sealed(&form(NUL)).await;
    let response = app.browser().post(app.url("/submit")).multipart(multipart(&sent)).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = body(response).await;
    assert!(page.contains("id=\"description-error\"") && page.contains("osynligt styrtecken"), "{page}");
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), before);

    // Open311: the error document names the field.
    let key = lyhord::admin::create_api_key(&app.store, None, "Klient").await.unwrap();
    let posted = reqwest::Client::new()
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "gatubelysning"),
            ("lat", "59.6099"),
            ("long", "16.5448"),
            ("description", NUL),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 400);
    assert!(body(posted).await.contains("description: control_character"));
    for path in ["/open311/v2/requests/2026-0%00.json", "/open311/v2/requests.json?service_request_id=%00"] {
        let status = reqwest::get(app.url(path)).await.unwrap().status().as_u16();
        assert!(status < 500, "{path}: {status}");
    }

    // Bytes that are not UTF-8 (here a lone surrogate's encoding): never a 500, never a case.
    let bad = reqwest::multipart::Form::new()
        .text("kind", "synpunkt")
        .text("category", "parker")
        .part("description", reqwest::multipart::Part::bytes(b"Trasig \xed\xa0\x80 lampa".to_vec()));
    let status = app.browser().post(app.url("/submit")).multipart(bad).send().await.unwrap().status().as_u16();
    assert!(status < 500, "the form (refused, or held for staff with what came): {status}");
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), before);
    let bad_api = reqwest::Client::new()
        .post(app.url("/open311/v2/requests.json"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("api_key={key}&service_code=gatubelysning&lat=59.6&long=16.5&description=a%ED%A0%80b"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    // Read as the replacement character, as every form decoder here reads such bytes.
    assert!(bad_api < 500, "the API: {bad_api}");
    let bad_note = staff
        .post(app.url("/staff/search"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("q=%ED%A0%80")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert!(bad_note < 500, "a staff form: {bad_note}");

    // A staff form without files: one clear page, nothing stored.
    let (_, number) = {
        let ok = app.sealed(&form("Lampan vid busshållplatsen är trasig.")).await;
        let response = app.browser().post(app.url("/submit")).multipart(multipart(&ok)).send().await.unwrap();
        let html = body(response).await;
        let start = html.find(r#"<p class="case-number">"#).unwrap_or_else(|| panic!("a case number: {html}")) + 23;
        ((), html[start..start + 11].to_owned())
    };
    let note = staff
        .post(app.url(&format!("/staff/cases/{number}/note")))
        .form(&[("text", format!("Ring{}", '\u{0}'))])
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 422);
    assert!(body(note).await.contains("Texten kan inte sparas"));
    let search = staff.get(app.url("/staff/search?q=lampa%00")).send().await.unwrap();
    assert_eq!(search.status(), 422, "a search for a NUL is refused, not a 500");

    // E-mail cannot be refused at a field: the text is kept with a visible replacement and
    // the raw message as it came.
    let core = app::App::new(app.store.clone(), lyhord::serve::app_config(&app.settings));
    let raw = b"From: Anna <anna@example.se>\r\nTo: kontakt@vasteras.example\r\nSubject: Trasig\x00lampa\r\n\
Message-ID: <nul@example.se>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Lampan\x00 lyser inte.\r\n";
    let taken = app::mail::ingest(&core, &"vasteras".into(), raw, None).await.unwrap();
    assert_eq!(taken.outcome, store::MailOutcome::Case, "{taken:?}");
    let case = app.store.case_by_number(&"vasteras".into(), &taken.case_number.unwrap()).await.unwrap().unwrap();
    let first = app.store.events(case.id).await.unwrap()[0].payload().unwrap();
    let domain::EventPayload::Received { submission, .. } = first else { panic!("the first event") };
    assert!(submission.description.contains("Trasig\u{FFFD}lampa"), "{}", submission.description);

    // Text stored before entry was checked (here written straight to the store) is indexed
    // without its NUL: the index does not stop, and search answers.
    let note = domain::EventPayload::NoteAdded { text: "Gammal\u{0}anteckning om lampa".into() };
    app.store.append(case.id, domain::NewEvent::new(chrono::Utc::now(), domain::Actor::System, note)).await.unwrap();
    app.store.index_pending().await.unwrap();
    search_works(&app, &staff).await;
    let found = body(staff.get(app.url("/staff/search?q=anteckning")).send().await.unwrap()).await;
    assert!(found.contains(&case.number), "{found}");
});
