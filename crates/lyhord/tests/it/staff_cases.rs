//! Handling a case from receipt to closure through the staff pages: every action,
//! what reaches the citizen, and who may do what (D3, D6, C5, E2).

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};
use chrono::{Duration, Utc};
use domain::{Actor, Channel, EventPayload, NewEvent, Status};
use store::Role;

/// A phone call as the kontaktcenter registers it.
fn phone_call(description: &str) -> Vec<(&'static str, String)> {
    vec![
        ("channel", "phone".into()),
        ("kind", "klagomal".into()),
        ("category", "lekplatser".into()),
        ("description", description.into()),
        ("place", "Vasaparken".into()),
        ("role", "invanare".into()),
        ("identity", "named".into()),
        ("name", "Örjan Åström".into()),
        ("email", "orjan@example.se".into()),
        ("phone", "021-123 45".into()),
        ("postal_address", String::new()),
        ("contact_method", "email".into()),
        ("form_key", format!("{:x}", rand_key())),
    ]
}

fn rand_key() -> u128 {
    uuid::Uuid::now_v7().as_u128()
}

/// Registers a case as staff and returns its number.
async fn register(app: &App, client: &reqwest::Client, form: &[(&'static str, String)]) -> String {
    let response = client.post(app.url("/staff/register")).form(form).send().await.unwrap();
    assert_eq!(response.status(), 303, "registering should succeed");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("?done=register#notice"), "{location}");
    location.trim_start_matches("/staff/cases/").split('?').next().unwrap().to_owned()
}

async fn act(app: &App, client: &reqwest::Client, number: &str, action: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = client.post(app.url(&format!("/staff/cases/{number}/{action}"))).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, location.unwrap_or_else(String::new) + &body(response).await)
}

/// Performs an action that must succeed.
async fn done(app: &App, client: &reqwest::Client, number: &str, action: &str, form: &[(&str, &str)]) {
    let (status, text) = act(app, client, number, action, form).await;
    assert_eq!(status, 303, "{action} should succeed: {text}");
}

async fn case_page(app: &App, client: &reqwest::Client, number: &str) -> (u16, String) {
    let response = client.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap();
    (response.status().as_u16(), body(response).await)
}

async fn case_of(app: &App, number: &str) -> domain::CaseState {
    app.store.case_by_number(&"vasteras".into(), number).await.unwrap().expect("the case exists")
}

async fn event_types(app: &App, number: &str) -> Vec<&'static str> {
    let case = case_of(app, number).await;
    let events = app.store.events(case.id).await.unwrap();
    events.iter().map(|e| e.payload().unwrap().type_code()).collect()
}

async fn user_id(app: &App, username: &str) -> domain::UserId {
    app.store.user_by_username(username).await.unwrap().unwrap().id
}

fn local_now(offset: Duration) -> (String, String) {
    let at = domain::time::local(Utc::now() + offset);
    (at.format("%Y-%m-%d").to_string(), at.format("%H:%M").to_string())
}

on_both_backends!(a_phone_complaint_is_registered_handled_answered_and_closed, |app| {
    let app = app.with_demo(0).await;
    let registrator = app.signed_in("registrator", PASSWORD).await;
    let form = body(registrator.get(app.url("/staff/register")).send().await.unwrap()).await;
    assert!(form.contains("Hur kom ärendet in?") && form.contains(r#"action="/staff/register""#));
    let number = register(&app, &registrator, &phone_call("Gungan vid Vasaparken har gått sönder.")).await;
    let case = case_of(&app, &number).await;
    assert_eq!(case.channel, Channel::Phone);
    assert_eq!(case.node_id, "vasteras.park", "routed by its category");
    let outbox = app.store.outbox_for_case(case.id).await.unwrap();
    assert_eq!(outbox.len(), 1, "the same receipt as on the web");
    assert_eq!((outbox[0].purpose.as_str(), outbox[0].recipient.as_str()), ("receipt", "orjan@example.se"));
    let receipt = app.sent_mail(1).await.remove(0);
    assert_eq!(receipt.to, "orjan@example.se");
    let tracking = receipt.tracking_path()["/track/".len()..].to_owned();

    // The kontaktcenter routes: the unit's manager is suggested as handler (S7).
    let johan = user_id(&app, "handlaggare").await;
    let (_, page) = case_page(&app, &registrator, &number).await;
    assert!(page.contains(&format!(r#"<option value="{johan}" selected>Johan Berg"#)), "S7 default");
    done(&app, &registrator, &number, "classify", &[("kind", "klagomal"), ("category", "lekplatser")]).await;
    done(&app, &registrator, &number, "assign", &[("handler", &johan.to_string())]).await;
    let (date, time) = local_now(Duration::minutes(-30));
    let call = [("method", "phone"), ("date", date.as_str()), ("time", time.as_str()), ("summary", "Ringde upp.")];
    done(&app, &registrator, &number, "log-contact", &call).await;
    done(&app, &registrator, &number, "note", &[("text", "Kedjan är av, enligt vaktmästaren.")]).await;
    let (status, _) = act(&app, &registrator, &number, "answer", &[("message", "Svar")]).await;
    assert_eq!(status, 403, "the kontaktcenter routes; the unit answers");

    // The handläggare finds it among their own cases and works it through.
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let mine = body(handler.get(app.url("/staff?handler=me")).send().await.unwrap()).await;
    assert!(mine.contains(&format!("/staff/cases/{number}")));
    done(&app, &handler, &number, "request-information", &[("message", "Vilken gunga gäller det?")]).await;
    assert_eq!(case_of(&app, &number).await.status, Status::WaitingForCitizen);
    let reply = EventPayload::CitizenMessage { message: "Den stora.".into(), attachments: vec![], reference: None };
    app.store.append(case.id, NewEvent::new(Utc::now(), Actor::Citizen, reply)).await.unwrap();
    done(&app, &handler, &number, "inform", &[("message", "Parkenheten handlägger ditt ärende.")]).await;
    let in_a_week = (domain::time::local(Utc::now()) + Duration::days(7)).format("%Y-%m-%d").to_string();
    let promise = [("date", in_a_week.as_str()), ("message", "Du får besked inom en vecka.")];
    done(&app, &handler, &number, "promise-decision", &promise).await;
    let fix = [("what", "Ny kedja monteras."), ("date", in_a_week.as_str()), ("who", "Parkenheten")];
    done(&app, &handler, &number, "promise-fix", &fix).await;
    done(&app, &handler, &number, "answer", &[("message", "Gungan är lagad. Tack för att du hörde av dig!")]).await;
    done(&app, &handler, &number, "close", &[("summary", "Kedjan bytt.")]).await;
    assert_eq!(case_of(&app, &number).await.status, Status::Closed);
    let (_, closed) = case_page(&app, &handler, &number).await;
    assert!(closed.contains("Återöppna ärendet") && !closed.contains("Skicka svaret"), "only reopening is left");
    done(&app, &handler, &number, "reopen", &[("reason", "Invånaren ringde: kedjan lossnade igen.")]).await;

    assert_eq!(
        event_types(&app, &number).await,
        [
            "received",
            "classified",
            "assigned",
            "contact_logged",
            "note_added",
            "information_requested",
            "citizen_message",
            "citizen_informed",
            "decision_promised",
            "fix_promised",
            "answered",
            "closed",
            "reopened",
        ]
    );
    app.store.verify(case.id).await.unwrap();
    let events = app.store.events(case.id).await.unwrap();
    let Actor::Staff { user_id } = events[1].actor().unwrap() else { panic!("classified by staff") };
    assert_eq!(user_id, super::user_id(&app, "registrator").await, "who did it is recorded");

    // Each message to the citizen went to the outbox with the event, keyed by it.
    let purposes: Vec<String> =
        app.store.outbox_for_case(case.id).await.unwrap().into_iter().map(|m| m.purpose).collect();
    for expected in [
        "receipt",
        "handler-assigned:3",
        "information-request:6",
        "information:8",
        "decision-promised:9",
        "fix-promised:10",
    ] {
        assert!(purposes.iter().any(|p| p == expected), "{expected} in {purposes:?}");
    }
    // ... and was sent, framed by its template with the link to follow the case.
    let sent = app.sent_mail(7).await;
    // S3 and S4 in the system's own words: when (in words) and who, whatever staff wrote.
    let week = chrono::NaiveDate::parse_from_str(&in_a_week, "%Y-%m-%d").unwrap();
    let in_words = app::dates::day_in_words(week, app::lang::Lang::Sv);
    let mail_with = |subject: String| sent.iter().find(|m| m.subject == subject).expect("sent").text.clone();
    let decision = mail_with(format!("När du får beslut i ärende {number}"));
    assert!(decision.contains(&format!("Beslut eller besked får du senast {in_words}.")), "{decision}");
    assert!(decision.contains("Handläggare: Johan Berg"), "{decision}");
    let fix = mail_with(format!("Vad vi gör i ärende {number}"));
    assert!(fix.contains("Vad vi gör: Ny kedja monteras.\nNär: senast ") && fix.contains(&in_words), "{fix}");
    assert!(fix.contains("Ansvarig: Parkenheten"), "{fix}");
    let assigned = mail_with(format!("Din handläggare i ärende {number}"));
    assert!(assigned.contains("Ditt ärende handläggs nu av Johan Berg."), "{assigned}");
    let answer = sent.iter().find(|m| m.subject == format!("Svar i ditt ärende {number}")).expect("the answer is sent");
    assert!(answer.text.contains("Gungan är lagad."));
    let answer_link = answer.tracking_path();
    let leads_to = |link: String| {
        let store = app.store.clone();
        async move {
            let hash = app::accounts::token_hash(&link["/track/".len()..]);
            store.case_by_tracking_token(&hash).await.unwrap().map(|c| c.number)
        }
    };
    assert_eq!(leads_to(answer_link.clone()).await, Some(number.clone()), "the answer's link leads to the case");
    assert!(!answer.headers.contains("Auto-Submitted"), "a person wrote it");
    assert!(sent.iter().all(|m| m.to == "orjan@example.se"));

    // The citizen reads the answer, never the internal note.
    let citizen = app.browser();
    citizen.get(app.url(&format!("/track/{tracking}"))).send().await.unwrap();
    let tracked = body(citizen.get(app.url("/track")).send().await.unwrap()).await;
    assert!(tracked.contains("Gungan är lagad. Tack för att du hörde av dig!"));
    assert!(tracked.contains("Ny kedja monteras."));
    assert!(tracked.contains("<dt>Handläggare</dt><dd>Johan Berg</dd>"), "the handler is named");
    assert!(tracked.contains(&format!("Beslut eller besked kommer senast {in_words}.")), "the date in words");
    assert!(!tracked.contains("vaktmästaren"), "internal notes stay internal");
    // The staff page marks what the citizen sees.
    let (_, page) = case_page(&app, &handler, &number).await;
    let note_at = page.find("Kedjan är av").unwrap();
    let internal = page[..note_at].rfind("badge internal").unwrap();
    let public = page[..note_at].rfind("badge public").unwrap_or(0);
    assert!(internal > public, "the note is marked internal");

    // The link reached the wrong person: the registrator withdraws every link, and the citizen
    // is mailed a new one; the old ones lead nowhere, the new one to the case.
    done(&app, &registrator, &number, "new-link", &[]).await;
    for old in [format!("/track/{tracking}"), answer_link] {
        assert_eq!(leads_to(old.clone()).await, None, "{old} no longer works");
        let refused = app.browser().get(app.url(&old)).send().await.unwrap();
        assert_ne!(refused.status(), 303, "no cookie for a withdrawn link");
    }
    let withdrawn = body(citizen.get(app.url("/track")).send().await.unwrap()).await;
    assert!(!withdrawn.contains("Gungan är lagad."), "a browser holding an old link sees the case no more");
    let sent = app.sent_mail(8).await;
    let fresh = sent.iter().find(|m| m.subject == format!("En ny länk till ditt ärende {number}")).expect("mailed");
    assert!(fresh.text.contains("Den gamla länken fungerar inte längre."), "{}", fresh.text);
    assert_eq!(leads_to(fresh.tracking_path()).await, Some(number.clone()));
    assert!(event_types(&app, &number).await.contains(&"tracking_link_replaced"), "recorded on the case");
    let reader = app.signed_in("lasare", PASSWORD).await;
    assert_eq!(act(&app, &reader, &number, "new-link", &[]).await.0, 403);
});

on_both_backends!(cases_are_forwarded_to_a_unit_or_to_another_authority, |app| {
    let app = app.with_demo(0).await;
    lyhord::admin::add_user(
        &app.store,
        Some("vasteras"),
        "bygg",
        "Bo Bygg",
        Role::Handlaggare,
        Some("vasteras.bygglov"),
        None,
        PASSWORD,
    )
    .await
    .unwrap();
    let registrator = app.signed_in("registrator", PASSWORD).await;
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let bygg = app.signed_in("bygg", PASSWORD).await;

    let number = register(&app, &registrator, &phone_call("Grannen bygger ett plank utan lov.")).await;
    let (status, text) = act(&app, &handler, &number, "forward", &[("unit", "vasteras.bygglov"), ("reason", "")]).await;
    assert_eq!(status, 422);
    assert!(
        text.contains(r#"id="forward-reason-error""#) && text.contains(r#"<option value="vasteras.bygglov" selected>"#)
    );
    let (status, location) =
        act(&app, &handler, &number, "forward", &[("unit", "vasteras.bygglov"), ("reason", "Gäller bygglov.")]).await;
    assert_eq!((status, location.as_str()), (303, "/staff"), "out of sight, back to the inbox");
    let case = case_of(&app, &number).await;
    assert_eq!((case.node_id.as_str(), case.handler_id), ("vasteras.bygglov", None));
    assert_eq!(case_page(&app, &handler, &number).await.0, 404, "Gata och park no longer sees it");
    let inbox = body(bygg.get(app.url("/staff")).send().await.unwrap()).await;
    assert!(inbox.contains(&format!("/staff/cases/{number}")), "Bygglov has it");

    // FL 6 §: a case for another authority is sent there and the citizen is told where.
    let other = register(&app, &registrator, &phone_call("Älgen på E18 står still på vägen.")).await;
    let to_authority = [
        ("authority", "Trafikverket"),
        ("how", "E-post till trafikverket@trafikverket.se"),
        ("message", "Statliga vägar sköts av Trafikverket. Vi har skickat ditt ärende dit."),
    ];
    done(&app, &registrator, &other, "forward-to-authority", &to_authority).await;
    let case = case_of(&app, &other).await;
    assert_eq!(case.status, Status::Closed);
    let clocks = app.store.clocks(case.id, Utc::now()).await.unwrap();
    let vs2 = clocks.iter().find(|c| c.id == "v-s2").expect("the V-S2 clock");
    assert_eq!(vs2.state, domain::clock::ClockState::Met, "telling where it went keeps the promise");
    let mail = app.store.outbox_for_case(case.id).await.unwrap();
    assert!(mail.iter().any(|m| m.purpose.starts_with("forwarded:") && m.body.contains("Trafikverket")));
});

on_both_backends!(every_case_route_denies_those_who_must_not_see_it, |app| {
    let app = app.with_demo(0).await.with_second_jurisdiction().await;
    lyhord::admin::add_user(
        &app.store,
        Some("vasteras"),
        "bygg",
        "Bo Bygg",
        Role::Handlaggare,
        Some("vasteras.bygglov"),
        None,
        PASSWORD,
    )
    .await
    .unwrap();
    let registrator = app.signed_in("registrator", PASSWORD).await;
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in phone_call("Skylten vid lekplatsen är borta.") {
        form = form.text(name, value);
    }
    form = form.part(
        "attachments",
        reqwest::multipart::Part::bytes(pdf).file_name("skylt.pdf").mime_str("application/pdf").unwrap(),
    );
    let response = registrator.post(app.url("/staff/register")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let number = case_of_latest(&app).await;
    let (_, page) = case_page(&app, &registrator, &number).await;
    let file = page.split(&format!("/staff/cases/{number}/files/")).nth(1).unwrap()[..64].to_owned();
    let file_path = format!("/staff/cases/{number}/files/{file}");

    // Each signs in once: sign-in is rate limited per address.
    let mut clients = std::collections::HashMap::new();
    clients.insert("registrator", registrator.clone());
    for username in ["handlaggare", "chef", "lasare", "admin", "bygg", "salem-admin"] {
        clients.insert(username, app.signed_in(username, PASSWORD).await);
    }
    let visitors = [
        ("handlaggare", 200),
        ("chef", 200),
        ("lasare", 200),
        ("registrator", 200),
        // Administrators administer settings; this one is granted the Stadsledningskontoret only.
        ("admin", 404),
        ("bygg", 404),
        ("salem-admin", 404),
    ];
    for (username, status) in visitors {
        let client = &clients[username];
        assert_eq!(case_page(&app, client, &number).await.0, status, "{username} reads the case page");
        let download = client.get(app.url(&file_path)).send().await.unwrap();
        assert_eq!(download.status().as_u16(), status, "{username} downloads the file");
        if status == 200 {
            assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        }
    }
    // The receipt carries the citizen's link: not for readers, nor for those who cannot see the case.
    let receipt = format!("/staff/cases/{number}/receipt");
    for (username, status) in
        [("registrator", 200), ("handlaggare", 200), ("lasare", 403), ("bygg", 404), ("salem-admin", 404)]
    {
        let response = clients[username].get(app.url(&receipt)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{username} prints the receipt");
    }
    let anonymous = app.browser();
    for path in [format!("/staff/cases/{number}"), file_path.clone(), receipt.clone()] {
        let response = anonymous.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path} without a session");
    }

    // Every action: 404 for those who cannot see the case, 403 for those who may not act.
    // Every action there is (the route × role matrix in access_matrix.rs has each role's).
    let actions: Vec<&str> = app::access::Action::ALL.iter().map(|a| a.code()).collect();
    for action in actions {
        assert_eq!(act(&app, &clients["bygg"], &number, action, &[]).await.0, 404, "bygg: {action}");
        assert_eq!(act(&app, &clients["admin"], &number, action, &[]).await.0, 404, "admin: {action}");
        assert_eq!(act(&app, &clients["salem-admin"], &number, action, &[]).await.0, 404, "salem: {action}");
        assert_eq!(act(&app, &clients["lasare"], &number, action, &[]).await.0, 403, "läsare: {action}");
        assert_eq!(act(&app, &anonymous, &number, action, &[]).await.0, 303, "no session: {action}");
    }
    for action in ["answer", "request-information", "promise-decision", "promise-fix", "start-work"] {
        assert_eq!(act(&app, &registrator, &number, action, &[]).await.0, 403, "registrator: {action}");
    }
    assert_eq!(act(&app, &registrator, &number, "no-such-action", &[]).await.0, 404);
    let forged = &clients["handlaggare"];
    let cross_site = forged
        .post(app.url(&format!("/staff/cases/{number}/note")))
        .header("origin", "https://evil.example")
        .form(&[("text", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403, "CSRF");
    assert!(!event_types(&app, &number).await.contains(&"note_added"), "nothing was changed by a refused request");

    // C5: every view is logged; managers and administrators read the log.
    let case = case_of(&app, &number).await;
    let log = app.store.access_log(case.id).await.unwrap();
    let viewers: Vec<&str> = log.iter().map(|e| e.username.as_str()).collect();
    for username in ["handlaggare", "chef", "lasare", "registrator"] {
        assert!(viewers.contains(&username), "{username} in {viewers:?}");
    }
    for username in ["bygg", "salem-admin", "admin"] {
        assert!(!viewers.contains(&username), "a refused view shows nothing: {username}");
    }
    assert!(log.iter().any(|e| e.action == "download"));
    assert!(case_page(&app, &clients["chef"], &number).await.1.contains("Vem har läst ärendet"));
    assert!(!case_page(&app, forged, &number).await.1.contains("Vem har läst ärendet"));
});

async fn case_of_latest(app: &App) -> String {
    let query = store::SearchQuery {
        jurisdiction: "vasteras".into(),
        units: store::Units::All,
        text: String::new(),
        filter: store::CaseFilter::default(),
        limit: 1,
        offset: 0,
        readable: None,
    };
    app.store.search(&query).await.unwrap().remove(0).number
}

on_both_backends!(refused_forms_name_each_problem_and_keep_what_was_typed, |app| {
    let app = app.with_demo(0).await;
    let registrator = app.signed_in("registrator", PASSWORD).await;
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let number = register(&app, &registrator, &phone_call("Papperskorgen är full.")).await;
    done(&app, &registrator, &number, "assign", &[("handler", &user_id(&app, "handlaggare").await.to_string())]).await;

    let (date, time) = local_now(Duration::days(2));
    let future =
        [("method", "visit"), ("date", date.as_str()), ("time", time.as_str()), ("summary", "Besök i parken.")];
    let (status, page) = act(&app, &handler, &number, "log-contact", &future).await;
    assert_eq!(status, 422);
    assert!(page.contains("En kontakt kan inte ha skett i framtiden."));
    assert!(page.contains(">Besök i parken.</textarea>"), "the summary is kept");
    assert!(page.contains(r##"<a href="#log-contact-date">"##), "the summary links to the field");

    let (status, page) =
        act(&app, &handler, &number, "classify", &[("kind", "berom"), ("category", "gatubelysning")]).await;
    assert_eq!(status, 422);
    assert!(page.contains(r#"id="classify-category-error""#));

    let yesterday = (domain::time::local(Utc::now()) - Duration::days(1)).format("%Y-%m-%d").to_string();
    let past = [("date", yesterday.as_str()), ("message", "Snart.")];
    let (status, page) = act(&app, &handler, &number, "promise-decision", &past).await;
    assert_eq!(status, 422);
    assert!(page.contains("Datumet kan inte ha passerat.") && page.contains(">Snart.</textarea>"));

    let (status, page) = act(&app, &handler, &number, "answer", &[("message", "   ")]).await;
    assert_eq!(status, 422);
    assert!(page.contains(r#"id="answer-message-error""#));
    assert_eq!(event_types(&app, &number).await, ["received", "assigned"], "nothing refused was recorded");
    // The lifecycle has the last word: a case nobody answered cannot be closed.
    let (status, _) = act(&app, &handler, &number, "close", &[("summary", "Klart")]).await;
    assert_eq!(status, 403);
});

on_both_backends!(the_inbox_filters_pages_and_marks_broken_promises, |app| {
    let app = app.with_demo(300).await;
    let registrator = app.signed_in("registrator", PASSWORD).await;
    let expected = app.store.inbox(&store::InboxQuery::new(&"vasteras".into(), store::Units::All, 200)).await.unwrap();
    assert!(expected.len() > 50, "the demo leaves more than a page of open cases");
    let numbers = |html: &str| -> Vec<String> {
        html.split(r#"<th scope="row" class="nowrap"><a href="/staff/cases/"#)
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_owned())
            .collect()
    };
    let first = body(registrator.get(app.url("/staff")).send().await.unwrap()).await;
    let want: Vec<String> = expected.iter().map(|c| c.number.clone()).collect();
    assert_eq!(numbers(&first), want[..50]);
    assert!(first.contains(r#"<a href="/staff?page=2" rel="next">"#));
    let second = body(registrator.get(app.url("/staff?page=2")).send().await.unwrap()).await;
    assert_eq!(numbers(&second), want[50..want.len().min(100)]);
    assert!(second.contains(r#"href="/staff" rel="prev""#));
    // Demo cases are months old: their first promise is broken, and the inbox says so.
    assert!(expected[0].due_at.unwrap() < Utc::now());
    let first_row = &first[first.find("<tbody>").unwrap()..];
    assert!(
        first_row[..first_row.find("</tr>").unwrap()].contains(r#"<strong class="mark breached">Försenat</strong>"#)
    );

    // Filters narrow the list on the server, and stay in the paging links.
    let klagomal = body(registrator.get(app.url("/staff?kind=klagomal&channel=web")).send().await.unwrap()).await;
    let want: Vec<&str> = expected
        .iter()
        .filter(|c| c.kind == domain::CaseKind::Klagomal && c.channel == Channel::Web)
        .map(|c| c.number.as_str())
        .take(50)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(numbers(&klagomal), want);
    assert!(klagomal.contains(r#"<option value="klagomal" selected>"#));
    let park =
        body(registrator.get(app.url("/staff?unit=vasteras.park&status=in_progress")).send().await.unwrap()).await;
    let want: Vec<&str> = expected
        .iter()
        .filter(|c| c.node_id == "vasteras.park" && c.status == Status::InProgress)
        .map(|c| c.number.as_str())
        .collect();
    assert_eq!(numbers(&park), want);
    // A unit outside one's own lists nothing, whatever the address says.
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let outside = body(handler.get(app.url("/staff?unit=vasteras.bygglov")).send().await.unwrap()).await;
    assert!(numbers(&outside).is_empty());
});

on_both_backends!(search_finds_words_with_swedish_letters_within_ones_units, |app| {
    let app = app.with_demo(20).await;
    lyhord::admin::add_user(
        &app.store,
        Some("vasteras"),
        "bygg",
        "Bo Bygg",
        Role::Handlaggare,
        Some("vasteras.bygglov"),
        None,
        PASSWORD,
    )
    .await
    .unwrap();
    let registrator = app.signed_in("registrator", PASSWORD).await;
    let number = register(&app, &registrator, &phone_call("Gungställningen vid Råbyskolan är trasig.")).await;
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    for q in ["råbyskolan", "RÅBYSKOLAN", "gungställningen trasig", "Gungställ", "Åström", "orjan@example.se"] {
        let found = search(&app, &handler, q).await;
        assert!(found.contains(&format!("/staff/cases/{number}")), "{q} finds the case");
    }
    assert!(search(&app, &handler, &number).await.contains(&format!("/staff/cases/{number}")), "by its number");
    for q in ["rabyskolan", "gungstallningen", "trasig cykel"] {
        assert!(!search(&app, &handler, q).await.contains(&format!("/staff/cases/{number}")), "{q} does not");
    }
    // Text the handler adds is found too, and quotes or operators are only words.
    done(&app, &handler, &number, "note", &[("text", "Beställt ny kätting från leverantören.")]).await;
    assert!(search(&app, &handler, "kätting").await.contains(&format!("/staff/cases/{number}")));
    assert_eq!(handler.get(app.url("/staff/search?q=%22%20OR%20*%20NEAR(")).send().await.unwrap().status(), 200);
    // Other units' cases are not found.
    let bygg = app.signed_in("bygg", PASSWORD).await;
    assert!(!search(&app, &bygg, "Råbyskolan").await.contains(&format!("/staff/cases/{number}")));
});

async fn search(app: &App, client: &reqwest::Client, q: &str) -> String {
    body(client.get(app.url(&format!("/staff/search?q={}", urlencode(q)))).send().await.unwrap()).await
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

on_both_backends!(an_answer_sent_after_the_session_ended_is_not_lost, |app| {
    let app = app.with_demo(0).await;
    let registrator = app.signed_in("registrator", PASSWORD).await;
    let number = register(&app, &registrator, &phone_call("Lampan vid Djäkneberget är trasig.")).await;
    done(&app, &registrator, &number, "assign", &[("handler", &user_id(&app, "handlaggare").await.to_string())]).await;

    // A handläggare writes for an hour; meanwhile the session ends.
    let expired = app.browser();
    let answer = "Hej! Lampan byts på torsdag. Med vänlig hälsning, Johan";
    let response = expired
        .post(app.url(&format!("/staff/cases/{number}/answer")))
        .header("cookie", format!("lyhord_staff={}", "0".repeat(64)))
        .form(&[("message", answer)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let page = body(response).await;
    assert!(page.contains("Logga in igen, så kan du skicka det du skrev."));
    let resume =
        page.split(r#"name="resume" value=""#).nth(1).unwrap().split('"').next().unwrap().replace("&#38;", "&");
    assert!(resume.starts_with("message="), "{resume}");

    let form = [
        ("username", "handlaggare"),
        ("password", PASSWORD),
        ("resume_to", &format!("/staff/cases/{number}/answer")),
        ("resume", &resume),
    ];
    let response = expired.post(app.url("/staff/sign-in")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let page = body(response).await;
    assert!(page.contains(&format!(r#"<form method="post" action="/staff/cases/{number}/answer">"#)));
    assert!(page.contains(answer), "what was written is shown again");
    assert_eq!(event_types(&app, &number).await, ["received", "assigned"], "nothing sent before the press");
    done(&app, &expired, &number, "answer", &[("message", answer)]).await;
    assert_eq!(event_types(&app, &number).await, ["received", "assigned", "answered"]);

    // Only staff pages are resumed: nothing leads elsewhere.
    let outside =
        [("username", "handlaggare"), ("password", PASSWORD), ("resume_to", "//evil.example/x"), ("resume", "a=b")];
    let response = app.browser().post(app.url("/staff/sign-in")).form(&outside).send().await.unwrap();
    assert_eq!((response.status().as_u16(), response.headers()["location"].to_str().unwrap()), (303, "/staff"));
});
