//! The citizens' front door over HTTP: form, receipt, tracking link, tracking page.

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body, contains, jpeg_with_gps};
use domain::{Actor, EventPayload, NewEvent, Status};

const COMPLAINT: &str = "Gungan i Vasaparken har en trasig kedja sedan en vecka.";

/// A filled-in form as a browser sends it, rendered a minute ago.
fn complaint(form_key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "klagomal".into()),
        ("category", "lekplatser".into()),
        ("description", COMPLAINT.into()),
        ("place", "Vasaparken".into()),
        ("role", "invanare".into()),
        ("identity", "named".into()),
        ("name", "Anna Andersson".into()),
        ("email", "anna@example.se".into()),
        ("phone", String::new()),
        ("postal_address", String::new()),
        ("contact_method", "email".into()),
        ("form_key", form_key.into()),
        ("started", (chrono::Utc::now().timestamp() - 60).to_string()),
        ("website", String::new()),
    ]
}

fn with(mut form: Vec<(&'static str, String)>, field: &'static str, value: &str) -> Vec<(&'static str, String)> {
    match form.iter_mut().find(|(k, _)| *k == field) {
        Some((_, v)) => *v = value.into(),
        None => form.push((field, value.into())),
    }
    form
}

fn tracking_path(html: &str) -> String {
    let start = html.find("/track/").expect("a tracking link");
    html[start..start + 7 + 64].to_owned()
}

fn case_number(html: &str) -> String {
    let start = html.find(r#"<p class="case-number">"#).expect("a case number") + 23;
    html[start..start + 11].to_owned()
}

async fn submit(app: &App, client: &reqwest::Client, form: &[(&'static str, String)]) -> (u16, String) {
    let response = client.post(app.url("/submit")).form(&app.sealed(form).await).send().await.unwrap();
    (response.status().as_u16(), body(response).await)
}

on_both_backends!(a_complaint_gets_a_receipt_and_can_be_followed, |app| {
    let app = app.with_demo(3).await;
    let citizen = app.browser();
    let form = body(citizen.get(app.url("/submit")).send().await.unwrap()).await;
    assert!(form.contains("Lekplatser") && form.contains("Så hanterar vi dina personuppgifter"));
    assert!(form.contains(r#"name="form_key" value=""#));

    let (status, receipt) = submit(&app, &citizen, &complaint("k1")).await;
    assert_eq!(status, 200, "{receipt}");
    let number = case_number(&receipt);
    assert!(receipt.contains("Tekniska nämnden › Tekniska kontoret › Gata och park › Parkenheten"), "{receipt}");
    assert!(receipt.contains("Johan Berg"), "the responsible manager (S7)");
    assert!(receipt.contains("Klagomål möts:</strong> senast "), "each clock in plain words");
    let path = tracking_path(&receipt);

    // A double click or a retry registers nothing new and shows the same case, with a link of
    // its own (links are random; each leads to the case until staff withdraw them).
    let (_, again) = submit(&app, &citizen, &complaint("k1")).await;
    assert_eq!(case_number(&again), number);
    assert_ne!(tracking_path(&again), path);
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 4);

    // The same receipt is e-mailed, queued with the case and sent once (A4).
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    let outbox = app.store.outbox_for_case(case.id).await.unwrap();
    assert_eq!((outbox.len(), outbox[0].recipient.as_str()), (1, "anna@example.se"));
    let sent = app.sent_mail(1).await;
    assert_eq!(sent.len(), 1, "the repeated form sent no second receipt");
    assert_eq!(
        (sent[0].to.as_str(), sent[0].subject.clone()),
        ("anna@example.se", format!("Vi har tagit emot ditt ärende {number}"))
    );
    let mailed = sent[0].tracking_path();
    let text = &sent[0].text;
    assert!(text.starts_with("Hej!\n\nTack, vi har tagit emot ditt ärende"), "{text}");
    assert!(text.contains("Ansvarig: Johan Berg") && text.contains("Klagomål möts: "), "{text}");
    assert!(sent[0].html.contains(&format!("<a href=\"http://127.0.0.1:8080{mailed}\">")), "{}", sent[0].html);
    for link in [&path, &tracking_path(&again), &mailed] {
        let found = app.store.case_by_tracking_token(&app::accounts::token_hash(&link["/track/".len()..])).await;
        assert_eq!(found.unwrap().map(|c| c.number), Some(number.clone()), "{link} leads to the case");
    }
    assert!(sent[0].headers.contains("Auto-Submitted: auto-generated"));

    // The link is exchanged for a cookie and leads to an address without the token (D2).
    let followed = citizen.get(app.url(&path)).send().await.unwrap();
    assert_eq!(followed.status(), 303);
    assert_eq!(followed.headers()["location"], "/track");
    assert_eq!(followed.headers()["referrer-policy"], "no-referrer");
    let cookie = followed.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("Path=/track"), "{cookie}");
    let page = body(citizen.get(app.url("/track")).send().await.unwrap()).await;
    assert!(page.contains(&format!("Ärende {number}")));
    assert!(page.contains("Vi tog emot ditt ärende."));

    let sent = citizen.post(app.url("/track/message")).form(&[("message", "Kedjan är nu helt av.")]).send().await;
    assert_eq!(sent.unwrap().status(), 303);
    let page = body(citizen.get(app.url("/track")).send().await.unwrap()).await;
    assert!(page.contains("Kedjan är nu helt av."));
    let events = app.store.events(case.id).await.unwrap();
    assert_eq!(events.last().unwrap().actor().unwrap(), Actor::Citizen);
});

on_both_backends!(another_citizen_cannot_reach_the_case_by_any_url, |app| {
    let app = app.with_demo(1).await;
    let first = app.browser();
    let (_, receipt) = submit(&app, &first, &complaint("first")).await;
    let number = case_number(&receipt);
    let first_case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();

    let second = app.browser();
    let (_, second_receipt) =
        submit(&app, &second, &with(complaint("second"), "description", "Ett annat ärende.")).await;
    second.get(app.url(&tracking_path(&second_receipt))).send().await.unwrap();
    let own = body(second.get(app.url("/track")).send().await.unwrap()).await;
    assert!(own.contains(&case_number(&second_receipt)) && !own.contains(&number));

    let stranger = app.browser();
    for path in [
        "/track".to_owned(),
        format!("/track/{}", "0".repeat(64)),
        format!("/track/{number}"),
        format!("/track/{}", first_case.id),
    ] {
        let response = stranger.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(!body(response).await.contains(COMPLAINT), "{path}");
    }
    let forged = stranger.get(app.url("/track")).header("cookie", format!("lyhord_track={}", "f".repeat(64)));
    assert_eq!(forged.send().await.unwrap().status(), 404);
    let posted = stranger.post(app.url("/track/message")).form(&[("message", "Intrång")]).send().await.unwrap();
    assert_eq!(posted.status(), 404);
    assert_eq!(app.store.events(first_case.id).await.unwrap().len(), 1, "nothing reached the first case");
});

on_both_backends!(the_citizen_reads_the_answer_and_can_say_it_is_not_solved, |app| {
    let app = app.with_demo(1).await;
    let citizen = app.browser();
    let (_, receipt) = submit(&app, &citizen, &complaint("answer")).await;
    let case = app.store.case_by_number(&"vasteras".into(), &case_number(&receipt)).await.unwrap().unwrap();
    citizen.get(app.url(&tracking_path(&receipt))).send().await.unwrap();

    let open = citizen.post(app.url("/track/not-solved")).form(&[("message", "")]).send().await.unwrap();
    assert_eq!(open.status(), 409, "an open case cannot be reopened");
    assert!(body(open).await.contains("Ärendet är redan öppet"));

    for payload in [
        EventPayload::Assigned { node_id: "vasteras.park".into(), handler_id: None },
        EventPayload::NoteAdded { text: "Intern anteckning som medborgaren inte ska se".into() },
        EventPayload::Answered { message: "Vi byter kedjan på torsdag.".into() },
    ] {
        app.store.append(case.id, NewEvent::new(chrono::Utc::now(), Actor::System, payload)).await.unwrap();
    }
    let page = body(citizen.get(app.url("/track")).send().await.unwrap()).await;
    assert!(page.contains("Vi byter kedjan på torsdag.") && page.contains("Besvarat"));
    assert!(!page.contains("Intern anteckning"), "internal notes are never shown (D4)");
    assert!(page.contains("Det här är inte löst"));

    let reopened = citizen.post(app.url("/track/not-solved")).form(&[("message", "Kedjan är fortfarande trasig.")]);
    assert_eq!(reopened.send().await.unwrap().status(), 303);
    let case = app.store.case(case.id).await.unwrap().unwrap();
    assert_eq!(case.status, Status::InProgress);
    let page = body(citizen.get(app.url("/track")).send().await.unwrap()).await;
    assert!(page.contains("Ärendet öppnades igen.") && page.contains("Kedjan är fortfarande trasig."));
});

on_both_backends!(every_problem_is_named_at_its_field_and_what_was_typed_is_kept, |app| {
    let app = app.with_demo(1).await;
    let citizen = app.browser();
    let empty = with(with(with(complaint("bad"), "kind", ""), "category", ""), "description", "  ");
    let (status, html) = submit(&app, &citizen, &empty).await;
    assert_eq!(status, 422);
    for (field, message) in [
        ("kind", "Välj vad du vill lämna."),
        ("category", "Välj vad det gäller."),
        ("description", "Beskriv vad det gäller."),
    ] {
        assert!(html.contains(&format!(r##"<li><a href="#{field}">{message}</a></li>"##)), "{field}");
        assert!(html.contains(&format!(r#"id="{field}-error">{message}</p>"#)), "{field}");
    }
    assert!(html.contains(r#"value="Anna Andersson""#), "typed values are kept");

    let anonymous = with(complaint("anon"), "identity", "anonymous");
    let (status, html) = submit(&app, &citizen, &anonymous).await;
    assert_eq!(status, 422);
    assert!(html.contains("Du har valt att vara anonym. Ta bort e-postadressen"));
    assert!(html.contains(COMPLAINT), "the description is kept");

    let phone = with(complaint("phone"), "contact_method", "phone");
    let (_, html) = submit(&app, &citizen, &phone).await;
    assert!(html.contains("Skriv ditt telefonnummer om du vill bli uppringd."));
    let wrong_kind = with(complaint("wrong"), "category", "gatubelysning");
    let wrong_kind = with(wrong_kind, "kind", "berom");
    let (_, html) = submit(&app, &citizen, &wrong_kind).await;
    assert!(html.contains("Det här området tar inte emot den typen av ärende."));
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 1, "nothing registered");

    // Anonymous done right is accepted, and the receipt says the link is the only way back.
    let anonymous = with(
        with(with(with(complaint("anon-ok"), "identity", "anonymous"), "email", ""), "name", ""),
        "contact_method",
        "",
    );
    let (status, html) = submit(&app, &citizen, &anonymous).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Du är anonym. Länken är det enda sättet att läsa vårt svar."));
});

on_both_backends!(suspected_spam_is_quarantined_never_dropped, |app| {
    let app = app.with_demo(1).await;
    let citizen = app.browser();
    let honeypot = with(complaint("spam1"), "website", "http://spam.example");
    let now = chrono::Utc::now().timestamp().to_string();
    let too_fast = with(complaint("spam2"), "started", &now);
    let forged = with(complaint("spam3"), "started", "");
    // A robot that keeps a real form's seal but sets its own start (0: long ago) or key.
    let sealed = app.sealed(&complaint("spam4")).await;
    let backdated = with(sealed.clone(), "started", "0");
    let rekeyed = with(sealed, "form_key", "spam5");
    for form in [honeypot, too_fast, forged, backdated, rekeyed] {
        let (status, html) = submit(&app, &citizen, &form).await;
        assert_eq!(status, 202);
        assert!(html.contains("Vi behöver kontrollera det innan det registreras."));
    }
    let held = app.store.quarantined(&"vasteras".into()).await.unwrap();
    let reasons: Vec<_> = held.iter().map(|q| q.reason.as_str()).collect();
    let forged = "form not rendered by this site";
    assert_eq!(reasons, ["honeypot field filled in", "form filled in too fast", forged, forged, forged]);
    assert!(held.iter().all(|q| q.payload.contains(COMPLAINT)), "everything received is kept");
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 1);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_submissions_from_one_address_go_to_quarantine() {
    let settings = lyhord::Settings { submissions_per_hour: 2, ..lyhord::Settings::default() };
    let app = App::start_with(store::testing::TestDb::sqlite(), settings).await.with_demo(1).await;
    let citizen = app.browser();
    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(submit(&app, &citizen, &complaint(&format!("burst{i}"))).await.0);
    }
    assert_eq!(statuses, [200, 200, 202]);
    assert_eq!(
        app.store.quarantined(&"vasteras".into()).await.unwrap()[0].reason,
        "too many submissions from one address"
    );
}

on_both_backends!(the_start_page_promises_what_the_clocks_say_and_links_the_required_pages, |app| {
    let app = app.with_demo(1).await;
    let html = body(reqwest::get(app.url("/")).await.unwrap()).await;
    assert!(html.contains("Svar eller besked om var ärendet hanteras: inom 2 arbetsdagar"));
    assert!(html.contains("Klagomål möts: inom 1 vecka (klagomål)"));
    // The policies' words as read here: "tre dygn" as 72 hours, for e-mail.
    assert!(html.contains("Svar på e-post: inom 72 timmar (e-post)"), "{html}");
    // ... and each reading is said beside its promise.
    assert!(html.contains("&#34;Inom tre dygn&#34; läses som 72 timmar från att e-posten kom, dygnet runt."), "{html}");
    assert!(html.contains("&#34;Inom två dagar&#34; läses som två arbetsdagar"), "{html}");
    assert!(html.contains("Återkoppling på telefonmeddelande: inom 24 timmar (telefonmeddelande eller röstbrevlåda)"));
    assert!(html.contains(r#"href="/submit""#));
    for (path, heading) in [("/accessibility", "Tillgänglighetsredogörelse"), ("/privacy", "Personuppgifter")] {
        assert!(html.contains(&format!(r#"href="{path}""#)), "linked from every page");
        let page = body(reqwest::get(app.url(path)).await.unwrap()).await;
        assert!(page.contains(&format!("<h1>{heading}</h1>")), "{path}");
    }
    let a11y = body(reqwest::get(app.url("/accessibility")).await.unwrap()).await;
    assert!(a11y.contains("digg.se/tdosanmalan") && a11y.contains("WCAG 2.1"));
});

on_both_backends!(the_paper_form_has_the_same_fields_and_says_how_to_hand_it_in, |app| {
    let app = app.with_demo(1).await;
    let start = body(reqwest::get(app.url("/")).await.unwrap()).await;
    assert!(start.contains(r#"href="/paper-form""#), "the start page links the paper form (S5)");
    let paper = body(reqwest::get(app.url("/paper-form")).await.unwrap()).await;
    for text in ["Klagomål", "Felanmälan", "Lekplatser", "Sophämtning och återvinning", "E-postadress", "Telefonsamtal"]
    {
        assert!(paper.contains(text), "{text}");
    }
    assert!(paper.contains("Skicka den med post till Stadshuset, Fiskartorget 2, Västerås."));
    assert!(paper.contains("Så hanterar vi dina personuppgifter"));
});

fn multipart(form: &[(&'static str, String)], files: Vec<(&str, Vec<u8>)>) -> reqwest::multipart::Form {
    let mut multipart = reqwest::multipart::Form::new();
    for (name, value) in form {
        multipart = multipart.text(*name, value.clone());
    }
    for (file_name, bytes) in files {
        multipart =
            multipart.part("attachments", reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()));
    }
    multipart
}

async fn submit_files(
    app: &App,
    client: &reqwest::Client,
    form: &[(&'static str, String)],
    files: Vec<(&str, Vec<u8>)>,
) -> (u16, String) {
    let form = app.sealed(form).await;
    let response = client.post(app.url("/submit")).multipart(multipart(&form, files)).send().await.unwrap();
    (response.status().as_u16(), body(response).await)
}

on_both_backends!(pictures_and_documents_are_attached_without_their_position, |app| {
    let app = app.with_demo(1).await;
    let citizen = app.browser();
    let pdf = b"%PDF-1.7\nRitning over lekplatsen".to_vec();
    let files = vec![("gunga.jpg", jpeg_with_gps()), ("../ritning.pdf", pdf.clone())];
    let (status, receipt) = submit_files(&app, &citizen, &complaint("files"), files).await;
    assert_eq!(status, 200, "{receipt}");
    assert!(receipt.contains("<li>gunga.jpg</li>") && receipt.contains("<li>ritning.pdf</li>"));

    // On disk before the receipt: the picture without its GPS position, the PDF as it was.
    let stored: Vec<Vec<u8>> = walk(app.files.path());
    assert_eq!(stored.len(), 2);
    assert!(
        stored.iter().any(|f| f.starts_with(&[0xFF, 0xD8]) && !contains(f, b"GPSLatitude") && contains(f, b"JFIF"))
    );
    assert!(stored.contains(&pdf));

    citizen.get(app.url(&tracking_path(&receipt))).send().await.unwrap();
    let page = body(citizen.get(app.url("/track")).send().await.unwrap()).await;
    let start = page.find("/track/files/").expect("a download link");
    let link = page[start..start + 13 + 64].to_owned();
    let download = citizen.get(app.url(&link)).send().await.unwrap();
    assert_eq!(download.status(), 200);
    let disposition = download.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    let bytes = download.bytes().await.unwrap();
    assert!(!contains(&bytes, b"GPSLatitude"));

    // Nobody else gets the file, not even with its address.
    let stranger = app.browser();
    assert_eq!(stranger.get(app.url(&link)).send().await.unwrap().status(), 404);
    let (_, other) = submit(&app, &stranger, &complaint("other")).await;
    stranger.get(app.url(&tracking_path(&other))).send().await.unwrap();
    assert_eq!(stranger.get(app.url(&link)).send().await.unwrap().status(), 404, "another case's file");
});

fn walk(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(std::fs::read(path).unwrap());
        }
    }
    files
}

on_both_backends!(wrong_too_large_or_too_many_files_are_refused_with_the_limit_named, |app| {
    let app = app.with_demo(1).await;
    let citizen = app.browser();
    let (status, html) =
        submit_files(&app, &citizen, &complaint("exe"), vec![("gunga.jpg", b"MZ\x90\0 program".to_vec())]).await;
    assert_eq!(status, 422);
    assert!(html.contains("Det går bara att bifoga bilder (JPEG, PNG) och PDF-dokument."));
    assert!(html.contains(COMPLAINT), "what was typed is kept");
    let mut huge = b"%PDF-".to_vec();
    huge.resize(10 * 1024 * 1024 + 1, b' ');
    let (_, html) = submit_files(&app, &citizen, &complaint("huge"), vec![("stor.pdf", huge)]).await;
    assert!(html.contains("En fil får vara högst 10 MB."));
    let six = (0..6).map(|_| ("a.pdf", b"%PDF-1.7".to_vec())).collect();
    let (_, html) = submit_files(&app, &citizen, &complaint("six"), six).await;
    assert!(html.contains("Du kan bifoga högst 5 filer."));
    let (_, html) = submit_files(
        &app,
        &citizen,
        &with(complaint("again"), "description", ""),
        vec![("a.pdf", b"%PDF-1.7".to_vec())],
    )
    .await;
    assert!(html.contains("Bifoga filerna igen"), "a good file is not silently lost when something else is wrong");
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 1, "nothing registered");
    assert!(walk(app.files.path()).is_empty(), "nothing stored for refused forms");
});

on_both_backends!(a_position_is_kept_and_files_can_follow_in_a_message, |app| {
    let app = app.with_demo(1).await;
    let citizen = app.browser();
    let swapped = with(with(complaint("swapped"), "latitude", "16.5448"), "longitude", "59.6099");
    let (status, html) = submit(&app, &citizen, &swapped).await;
    assert_eq!(status, 422);
    assert!(html.contains("Positionen ligger utanför Sverige."));
    assert!(html.contains(r#"value="16.5448""#), "what was typed is kept");

    let placed = with(with(complaint("placed"), "latitude", "59,6099"), "longitude", "16,5448");
    let (status, receipt) = submit(&app, &citizen, &placed).await;
    assert_eq!(status, 200, "{receipt}");
    let case = app.store.case_by_number(&"vasteras".into(), &case_number(&receipt)).await.unwrap().unwrap();
    let first = app.store.events(case.id).await.unwrap()[0].payload().unwrap();
    let EventPayload::Received { submission, .. } = first else { panic!("first event") };
    assert_eq!(submission.position, Some(domain::Position { lat_e6: 59_609_900, lon_e6: 16_544_800 }));

    citizen.get(app.url(&tracking_path(&receipt))).send().await.unwrap();
    let message = multipart(&[("message", "Här är en bild.".to_owned())], vec![("kedja.jpg", jpeg_with_gps())]);
    let sent = citizen.post(app.url("/track/message")).multipart(message).send().await.unwrap();
    assert_eq!(sent.status(), 303);
    let page = body(citizen.get(app.url("/track")).send().await.unwrap()).await;
    assert!(page.contains("Här är en bild.") && page.contains("kedja.jpg"));
    let start = page.find("/track/files/").expect("a download link");
    let download = citizen.get(app.url(&page[start..start + 13 + 64])).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert!(!contains(&download.bytes().await.unwrap(), b"GPSLatitude"));
    let wrong = multipart(&[("message", "Fel fil".to_owned())], vec![("x.jpg", b"not a picture".to_vec())]);
    let refused = citizen.post(app.url("/track/message")).multipart(wrong).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(body(refused).await.contains("Det går bara att bifoga bilder"));
});

on_both_backends!(staff_register_or_set_aside_what_was_quarantined, |app| {
    let app = app.with_demo(0).await;
    let citizen = app.browser();
    let now = chrono::Utc::now().timestamp().to_string();
    for key in ["q1", "q2"] {
        let (status, _) = submit(&app, &citizen, &with(complaint(key), "started", &now)).await;
        assert_eq!(status, 202);
    }
    let held = app.store.quarantined(&"vasteras".into()).await.unwrap();
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    assert_eq!(handler.get(app.url("/staff/quarantine")).send().await.unwrap().status(), 403);
    let response = handler.post(app.url(&format!("/staff/quarantine/{}/register", held[0].id))).send().await.unwrap();
    assert_eq!(response.status(), 403);

    let registrator = app.signed_in("registrator", PASSWORD).await;
    let page = body(registrator.get(app.url("/staff/quarantine")).send().await.unwrap()).await;
    assert!(page.contains(COMPLAINT) && page.contains("form filled in too fast"));
    let register = format!("/staff/quarantine/{}/register", held[0].id);
    let response = registrator.post(app.url(&register)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let number = response.headers()["location"].to_str().unwrap()[13..24].to_owned();
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    assert_eq!(case.received_at.timestamp_micros(), held[0].received_at.timestamp_micros(), "FL 22 §: when it arrived");
    assert_eq!(case.channel, domain::Channel::Web);
    assert_eq!(registrator.post(app.url(&register)).send().await.unwrap().status(), 404, "registered once");

    let dismiss = format!("/staff/quarantine/{}/dismiss", held[1].id);
    assert_eq!(registrator.post(app.url(&dismiss)).send().await.unwrap().status(), 303);
    let after = app.store.quarantined(&"vasteras".into()).await.unwrap();
    assert_eq!(after.len(), 2, "nothing is deleted");
    assert_eq!(after[0].resolution.as_deref(), Some("registered"));
    assert_eq!(after[0].case_id, Some(case.id));
    assert_eq!(after[1].resolution.as_deref(), Some("dismissed"));
    assert!(after[1].payload.contains(COMPLAINT));
    let page = body(registrator.get(app.url("/staff/quarantine")).send().await.unwrap()).await;
    assert!(page.contains("Inget väntar på granskning.") && page.contains(&format!("/staff/cases/{number}")));
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 1);
});

on_both_backends!(a_category_asks_its_own_questions_before_the_case_is_sent, |app| {
    let app = app.with_demo(0).await;
    let citizen = app.browser();
    let light = with(with(complaint("light"), "kind", "felanmalan"), "category", "gatubelysning");

    // Sent without having seen the questions: the form comes back with them, nothing lost.
    let (status, html) = submit(&app, &citizen, &light).await;
    assert_eq!(status, 422);
    assert!(html.contains("Området har några frågor till."), "{html}");
    assert!(html.contains("<legend>Några frågor om Gatubelysning</legend>"));
    assert!(html.contains(r#"<input type="hidden" name="questions_for" value="gatubelysning">"#));
    assert!(html.contains(r#"<label for="q_fel">Vad är fel på belysningen? (frivilligt)</label>"#));
    assert!(html.contains(r#"<option value="blinkar">Lampan blinkar</option>"#));
    assert!(html.contains(r#"<input id="q_stolpnummer" name="q_stolpnummer" type="text""#));
    assert!(html.contains(COMPLAINT), "what was typed is kept");
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 0);

    // A wrong answer is named at its question, and the other answer is kept.
    let shown = with(light.clone(), "questions_for", "gatubelysning");
    let wrong = with(with(shown.clone(), "q_fel", "trasig"), "q_stolpnummer", "4711");
    let (status, html) = submit(&app, &citizen, &wrong).await;
    assert_eq!(status, 422);
    assert!(html.contains(r#"<p class="field-error" id="q_fel-error">Välj ett av svaren i listan.</p>"#), "{html}");
    assert!(html.contains(r#"value="4711""#));

    // Answered: the case holds the answers, and staff read them with the questions.
    let answered = with(with(shown, "q_fel", "blinkar"), "q_stolpnummer", "4711");
    let (status, receipt) = submit(&app, &citizen, &answered).await;
    assert_eq!(status, 200, "{receipt}");
    let number = case_number(&receipt);
    let staff = app.signed_in("registrator", PASSWORD).await;
    let page = body(staff.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    assert!(page.contains("<dt>Vad är fel på belysningen?</dt><dd>Lampan blinkar</dd>"), "{page}");
    assert!(page.contains("<dt>Stolpens nummer, om du ser det</dt><dd>4711</dd>"));
    // Staff find the case by an answer.
    let found = body(staff.get(app.url("/staff/search?q=4711")).send().await.unwrap()).await;
    assert!(found.contains(&number), "{found}");

    // A link that names the category shows its questions at once; other categories ask none.
    let form = body(citizen.get(app.url("/submit?category=gatubelysning")).send().await.unwrap()).await;
    assert!(
        form.contains("Några frågor om Gatubelysning") && form.contains(r#"<option value="gatubelysning" selected>"#)
    );
    let (status, _) = submit(&app, &citizen, &complaint("playground")).await;
    assert_eq!(status, 200);
});

/// Behind the municipality's reverse proxy every request comes from the proxy's address: with
/// the proxy trusted, each citizen is counted by the address it names; staff signing in right
/// are never stopped; and a held form gets a receipt of its own.
async fn behind_a_trusted_proxy(db: store::testing::TestDb) {
    let settings = lyhord::Settings { trusted_proxies: vec!["127.0.0.1".into()], ..lyhord::Settings::default() };
    let app = App::start_with(db, settings).await.with_demo(0).await;
    let from = |client: String| {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", app.base.parse().unwrap());
        headers.insert("x-forwarded-for", client.parse().unwrap());
        reqwest::Client::builder().default_headers(headers).build().unwrap()
    };
    // 25 citizens in an hour, one proxy: every form is registered.
    for i in 0..25 {
        let (status, html) = submit(&app, &from(format!("198.51.100.{i}")), &complaint(&format!("p{i}"))).await;
        assert_eq!(status, 200, "citizen {i}: {html}");
    }
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 25);
    // One address sending more than its hourly share is still held, with a receipt that says
    // when it came and gives a reference staff see too; what a client writes left of the
    // proxy's own entry is not believed.
    let busy = from("1.2.3.4, 203.0.113.7".into());
    for i in 0..20 {
        assert_eq!(submit(&app, &busy, &complaint(&format!("b{i}"))).await.0, 200);
    }
    let (status, receipt) = submit(&app, &busy, &complaint("b20")).await;
    assert_eq!(status, 202);
    assert!(receipt.contains("Kom in") && receipt.contains("Referens"), "{receipt}");
    assert!(receipt.contains("räknas det som inkommet vid tiden ovan"), "{receipt}");
    let held = app.store.quarantined(&"vasteras".into()).await.unwrap();
    let reference = app::intake::held_reference(held[0].id);
    assert!(receipt.contains(&reference), "{reference} in {receipt}");
    let staff = app.signed_in("registrator", PASSWORD).await;
    let list = body(staff.get(app.url("/staff/quarantine")).send().await.unwrap()).await;
    assert!(list.contains(&reference), "staff find it by the sender's reference");

    // Fifteen correct sign-ins from behind the proxy: none is refused.
    for _ in 0..15 {
        app.signed_in("handlaggare", PASSWORD).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_sqlite() {
    behind_a_trusted_proxy(store::testing::TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_postgres() {
    if let Some(db) = store::testing::TestDb::postgres().await {
        behind_a_trusted_proxy(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_forwarded_for_header_changes_nothing() {
    let settings = lyhord::Settings { submissions_per_hour: 2, ..lyhord::Settings::default() };
    let app = App::start_with(store::testing::TestDb::sqlite(), settings).await.with_demo(0).await;
    let mut statuses = Vec::new();
    for i in 0..3 {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", app.base.parse().unwrap());
        headers.insert("x-forwarded-for", format!("198.51.100.{i}").parse().unwrap());
        let client = reqwest::Client::builder().default_headers(headers).build().unwrap();
        statuses.push(submit(&app, &client, &complaint(&format!("u{i}"))).await.0);
    }
    assert_eq!(statuses, [200, 200, 202], "no proxy is trusted by default");
}

/// A PNG of `side` × `side` pixels that is only a few bytes: what unpacks into gigabytes.
fn png_of_side(side: u32) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    };
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &[0; 32]));
    png.extend(chunk(b"IEND", &[]));
    png
}

on_both_backends!(huge_and_truncated_pictures_are_refused_at_the_field, |app| {
    let app = app.with_demo(1).await;
    let citizen = app.browser();
    let bomb = vec![("stor.png", png_of_side(30_000))];
    let (status, page) = submit_files(&app, &citizen, &complaint("bomb"), bomb).await;
    assert_eq!(status, 422);
    assert!(page.contains("En bild är för stor: högst 50 megapixel."), "{page}");
    let whole = jpeg_with_gps();
    let cut = vec![("halv.jpg", whole[..whole.len() - 2].to_vec())];
    let (status, page) = submit_files(&app, &citizen, &complaint("cut"), cut).await;
    assert_eq!(status, 422);
    assert!(page.contains("En bild är skadad och går inte att läsa."));
    assert!(walk(app.files.path()).is_empty(), "nothing of either was stored");
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 1, "no case was made");

    // Through the API too, in its own error format.
    let key = lyhord::admin::create_api_key(&app.store, None, "Appen").await.unwrap();
    let form = reqwest::multipart::Form::new()
        .text("api_key", key)
        .text("service_code", "parker")
        .text("description", "Se bilden")
        .text("lat", "59.61")
        .text("long", "16.54")
        .part("media", reqwest::multipart::Part::bytes(png_of_side(30_000)).file_name("stor.png"));
    let response =
        reqwest::Client::new().post(app.url("/open311/v2/requests.json")).multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert!(body(response).await.contains("media: a picture may be at most 50 megapixels"));
});

on_both_backends!(a_held_form_keeps_its_files_and_registering_it_keeps_them, |app| {
    let app = app.with_demo(1).await;
    let citizen = app.browser();
    let now = chrono::Utc::now().timestamp().to_string();
    let pdf = b"%PDF-1.7\nRitning".to_vec();
    let files = vec![("gunga.jpg", jpeg_with_gps()), ("ritning.pdf", pdf)];
    let (status, _) = submit_files(&app, &citizen, &with(complaint("held-files"), "started", &now), files).await;
    assert_eq!(status, 202, "sent too fast: held, and the sender told it was received");
    assert_eq!(walk(app.files.path()).len(), 2, "its files are kept with it");

    let registrator = app.signed_in("registrator", PASSWORD).await;
    let page = body(registrator.get(app.url("/staff/quarantine")).send().await.unwrap()).await;
    assert!(page.contains("gunga.jpg, ritning.pdf"), "staff see what came with it: {page}");
    let held = app.store.quarantined(&"vasteras".into()).await.unwrap().remove(0);
    let registered =
        registrator.post(app.url(&format!("/staff/quarantine/{}/register", held.id))).send().await.unwrap();
    assert_eq!(registered.status().as_u16(), 303);
    let number = registered.headers()["location"].to_str().unwrap().split(['/', '?']).nth(3).unwrap().to_owned();
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    let events = app.store.events(case.id).await.unwrap();
    let domain::EventPayload::Received { submission, .. } = events[0].payload().unwrap() else { panic!() };
    let names: Vec<&str> = submission.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["gunga.jpg", "ritning.pdf"], "the case has the files");
});

on_both_backends!(a_personnummer_is_pointed_out_before_sending_and_to_staff, |app| {
    let app = app.with_demo(1).await;
    let citizen = app.browser();
    let text = "Gungan är trasig. Ring mig, mitt personnummer är 19121212-1212.";
    let form = with(complaint("pnr"), "description", text);
    let (status, page) = submit(&app, &citizen, &form).await;
    assert_eq!(status, 422, "told before anything is registered");
    assert!(page.contains("Det ser ut som att texten innehåller ett personnummer"), "{page}");
    assert!(page.contains(text), "what was typed is kept");
    assert!(page.contains("name=\"personal_number_ok\""), "and it may be sent anyway");
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 1);
    // A number that only looks like one (a wrong check digit) is no reason to stop anyone.
    let (status, _) =
        submit(&app, &citizen, &with(complaint("nr"), "description", "Stolpe 19121212-1213 lyser inte")).await;
    assert_eq!(status, 200);

    let (status, receipt) = submit(&app, &citizen, &with(form, "personal_number_ok", "on")).await;
    assert_eq!(status, 200, "sent anyway: {receipt}");
    let start = receipt.find(r#"<p class="case-number">"#).unwrap() + 23;
    let number = &receipt[start..start + 11];
    let staff = app.signed_in("handlaggare", PASSWORD).await;
    let case_page = body(staff.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    assert!(case_page.contains("Personnummer i texten:</strong> <mark>19121212-1212</mark>"), "{case_page}");
    // It never stands in the register.
    let subject = [("subject", "Trasig gunga, 19121212-1212")];
    let refused =
        staff.post(app.url(&format!("/staff/cases/{number}/set-subject"))).form(&subject).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    assert!(body(refused).await.contains("skriv den utan personnummer"));
});
