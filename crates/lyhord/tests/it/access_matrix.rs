//! Every staff route × every role and every outsider (no session, another unit, another
//! municipality), generated from the router's own route list (`web::staff_paths`) and the
//! application's action list (`Action::ALL`): a route or an action added without a check
//! fails here without anyone writing it down (D3, D6, D7, C5).

use crate::on_both_backends;
use crate::support::{App, PASSWORD, add_staff};
use app::access::{Access, Action};
use domain::{
    ApiKeyId, CaseId, DialogueId, GallringRunId, HeldSubmissionId, ImprovementId, InboundMailId, TemplateId, UserId,
};
use store::Role;

/// The Västerås objects the routes name, and texts that belong to them alone.
struct World {
    number: String,
    case_id: CaseId,
    file: String,
    original: InboundMailId,
    held_mail: InboundMailId,
    held_form: HeldSubmissionId,
    improvement: ImprovementId,
    dialogue: DialogueId,
    user: UserId,
    key: ApiKeyId,
    template: TemplateId,
    gallring_run: GallringRunId,
    /// Texts of Västerås that nobody outside may read (not the case number: it is in the
    /// address the outsider typed, and the other municipality numbers its own cases alike).
    markers: Vec<String>,
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn world(app: &App) -> World {
    let core = app::App::new(app.store.clone(), lyhord::serve::app_config(&app.settings));
    let case = app::mail::ingest(&core, &"vasteras".into(), &fixture("attachments.eml"), None).await.unwrap();
    assert_eq!(case.outcome, store::MailOutcome::Case);
    let number = case.case_number.unwrap();
    let state = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    let events = app.store.events(state.id).await.unwrap();
    let file = match events[0].payload().unwrap() {
        domain::EventPayload::Received { submission, .. } => submission.attachments[0].sha256.clone(),
        other => panic!("the first event is the submission, not {other:?}"),
    };
    let original = app.store.inbound_for_case(state.id).await.unwrap()[0].id;
    let held = app::mail::ingest(&core, &"vasteras".into(), &fixture("auto-reply.eml"), None).await.unwrap();
    assert_eq!(held.outcome, store::MailOutcome::Held);
    let held_mail = app.store.held_mail(&"vasteras".into()).await.unwrap()[0].id;
    let held_form =
        app.store.quarantine(&"vasteras".into(), chrono::Utc::now(), "honeypot field filled in", "{}").await.unwrap();
    let improvement_text = "Förbättring som bara Västerås känner till";
    let improvement = app
        .store
        .save_improvement(
            &"vasteras".into(),
            None,
            &store::ImprovementInput {
                node_id: "vasteras.kc".into(),
                description: improvement_text.into(),
                owner_id: None,
                due_date: chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
                status: domain::ImprovementStatus::Planned,
                follow_up: String::new(),
                worked: None,
            },
            &[state.id],
        )
        .await
        .unwrap();
    let dialogue = app.store.dialogues(&"vasteras".into(), false).await.unwrap().remove(0);
    let users = app.store.users(&"vasteras".into()).await.unwrap();
    let user = users.iter().find(|u| u.username == "lasare").unwrap().id;
    let (_, key_hash) = app::accounts::new_api_key();
    let key = app.store.create_api_key(&"vasteras".into(), "Västerås testnyckel", &key_hash).await.unwrap();
    let template = match app.store.templates(&"vasteras".into()).await.unwrap().first() {
        Some(t) => t.id,
        None => TemplateId::new(),
    };
    let gallring_run = app::gallring::plan(&app.store, &"vasteras".into(), "Testet", chrono::Utc::now()).await.unwrap();
    World {
        markers: vec![
            "Klotter på skolan".into(),
            "anna@example.se".into(),
            improvement_text.into(),
            dialogue.plan.title.clone(),
        ],
        number,
        case_id: state.id,
        file,
        original,
        held_mail,
        held_form,
        improvement,
        dialogue: dialogue.id,
        user,
        key,
        template,
        gallring_run,
    }
}

/// The concrete addresses of a route pattern, each parameter filled with a Västerås object.
fn addresses(pattern: &str, w: &World) -> Vec<String> {
    let id = if pattern.starts_with("/staff/improvements/") {
        w.improvement.to_string()
    } else if pattern.starts_with("/staff/dialogues/") {
        w.dialogue.to_string()
    } else if pattern.starts_with("/staff/quarantine/mail/") {
        w.held_mail.to_string()
    } else if pattern.starts_with("/staff/quarantine/") {
        w.held_form.to_string()
    } else if pattern.starts_with("/staff/cases/") {
        w.original.to_string()
    } else if pattern.starts_with("/staff/admin/users/") {
        w.user.to_string()
    } else if pattern.starts_with("/staff/admin/api-keys/") {
        w.key.to_string()
    } else if pattern.starts_with("/staff/gallring/runs/") {
        w.gallring_run.to_string()
    } else {
        w.template.to_string()
    };
    let filled = pattern.replace("{number}", &w.number).replace("{sha256}", &w.file).replace("{id}", &id);
    let values: Vec<String> = if filled.contains("{action}") {
        Action::ALL.iter().map(|a| a.code().to_owned()).chain(["no-such-action".to_owned()]).collect()
    } else if filled.contains("{what}") {
        [
            "publish",
            "questions",
            "meetings",
            "moderate",
            "themes",
            "consider",
            "outcome",
            "redovisning",
            "redovisning.pdf",
        ]
        .map(String::from)
        .to_vec()
    } else if filled.contains("{file}") && filled.starts_with("/staff/gallring/") {
        ["protocol.csv", "protocol.pdf"].map(String::from).to_vec()
    } else if filled.contains("{file}") {
        ["report.csv", "report.html", "report.pdf"].map(String::from).to_vec()
    } else {
        return vec![filled];
    };
    values.iter().map(|v| filled.replace("{action}", v).replace("{what}", v).replace("{file}", v)).collect()
}

/// Whether an address names one particular Västerås object (not a list or a new-form page).
fn names_an_object(pattern: &str) -> bool {
    pattern.contains("{number}") || pattern.contains("{id}")
}

struct Answer {
    status: u16,
    location: String,
    body: String,
}

async fn send(app: &App, client: &reqwest::Client, method: &str, path: &str) -> Answer {
    let request = match method {
        "GET" => client.get(app.url(path)),
        _ => client.post(app.url(path)).form(&[("", "")][..0]),
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = String::from_utf8_lossy(&response.bytes().await.unwrap()).into_owned();
    Answer { status, location, body }
}

on_both_backends!(every_staff_route_is_checked_for_every_role_and_every_outsider, |app| {
    let app = app.with_demo(0).await.with_second_jurisdiction().await;
    // The case comes in by e-mail to Kontaktcenter: every role there, and one elsewhere.
    add_staff(&app.store, "bygg", "Bo Bygg", Role::Handlaggare, "vasteras.bygglov").await;
    add_staff(&app.store, "kc-handlaggare", "Kim Kontakt", Role::Handlaggare, "vasteras.kc").await;
    add_staff(&app.store, "kc-lasare", "Lo Läsare", Role::Lasare, "vasteras.kc").await;
    let w = world(&app).await;
    let tree = app.store.org_tree(&"vasteras".into()).await.unwrap();
    let categories = app.store.categories(&"vasteras".into()).await.unwrap();
    let before = app.store.case(w.case_id).await.unwrap().unwrap();
    let users = app.store.users(&"vasteras".into()).await.unwrap();

    let staff = [
        "admin",
        "registrator",
        "handlaggare",
        "chef",
        "lasare",
        "arkivansvarig",
        "bygg",
        "kc-handlaggare",
        "kc-lasare",
    ];
    let mut clients = Vec::new();
    for username in staff.iter().chain(&["salem-admin"]) {
        clients.push((*username, app.signed_in(username, PASSWORD).await));
    }
    let anonymous = app.browser();

    let mut paths = web::staff_paths();
    assert!(paths.len() > 40, "the route list is the router's ({} routes)", paths.len());
    // Signing out ends the sessions the rest of the walk needs: it goes last.
    paths.sort_by_key(|p| *p == "/staff/sign-out");
    let mut checked = 0;
    for pattern in paths {
        for address in addresses(pattern, &w) {
            for method in ["GET", "POST"] {
                // A method the route does not take is not a route (asked signed in: the
                // sign-in check answers before the router can say so).
                if send(&app, &clients[0].1, method, &address).await.status == 405 {
                    continue;
                }
                // Without a session: sent to sign in, whatever the method.
                let answer = send(&app, &anonymous, method, &address).await;
                let to_sign_in = answer.status == 303 && answer.location == "/staff/sign-in"
                    || answer.status == 200 && answer.body.contains("action=\"/staff/sign-in\"");
                assert!(to_sign_in, "{method} {address} without a session: {}", answer.status);
                for marker in &w.markers {
                    assert!(
                        !answer.body.contains(marker.as_str()),
                        "{method} {address} without a session shows {marker}"
                    );
                }
                checked += 1;

                for (username, client) in &clients {
                    let case_before = app.store.case(w.case_id).await.unwrap().unwrap();
                    let answer = send(&app, client, method, &address).await;
                    assert!(answer.status < 500, "{method} {address} as {username}: {}", answer.status);
                    if *username == "salem-admin" {
                        // Another municipality learns nothing of Västerås, not even that the
                        // object exists.
                        for marker in &w.markers {
                            assert!(!answer.body.contains(marker.as_str()), "{method} {address}: salem reads {marker}");
                        }
                        if names_an_object(pattern) {
                            assert!(
                                [403, 404].contains(&answer.status),
                                "{method} {address} as salem-admin: {}",
                                answer.status
                            );
                        }
                        continue;
                    }
                    let user = users.iter().find(|u| u.username == *username).unwrap();
                    let access = Access::new(user, &tree, &categories);
                    // As it stood when asked: an allowed action before may have started work on it.
                    let case = case_before;
                    if pattern.starts_with("/staff/cases/{number}") {
                        let expected_refusal = if !access.can_see(&case) {
                            Some(404)
                        } else if pattern.ends_with("{action}") {
                            match address.rsplit('/').next().and_then(Action::from_code) {
                                None => Some(404),
                                Some(action) if !access.can(action, &case) => Some(403),
                                Some(_) => None,
                            }
                        } else if pattern.ends_with("/receipt") && !access.can_register() {
                            Some(403)
                        } else {
                            None
                        };
                        match expected_refusal {
                            Some(status) => assert_eq!(answer.status, status, "{method} {address} as {username}"),
                            None => assert!(
                                ![403, 404].contains(&answer.status),
                                "{method} {address} as {username} is refused: {}",
                                answer.status
                            ),
                        }
                        if !access.can_see(&case) {
                            assert!(!answer.body.contains("Klotter på skolan"), "{address}: {username} reads the case");
                        }
                    } else if pattern.starts_with("/staff/gallring") && answer.location != "/staff/sign-in" {
                        // (A session an earlier administrator's request ended is sent to sign in.)
                        // Gallring is for those who keep the records; approving, for the
                        // arkivansvarig alone (F8).
                        let refused = !access.can_keep_records()
                            || pattern.ends_with("/approve") && !access.can_approve_gallring();
                        assert_eq!(
                            answer.status == 403,
                            refused,
                            "{method} {address} as {username}: {}",
                            answer.status
                        );
                        assert_ne!(answer.status, 404, "{method} {address} as {username}");
                    }
                    if !pattern.starts_with("/staff/cases/{number}") && !access.can_see(&case) {
                        // Pages that are not the case's own show nothing of a case out of sight.
                        assert!(
                            !answer.body.contains("Klotter på skolan"),
                            "{method} {address}: {username} reads the case"
                        );
                    }
                }
            }
        }
    }
    assert!(checked > 60, "every route was walked ({checked} addresses and methods)");
    // A refused request changed nothing: the case was only read and shown.
    let after = app.store.case(w.case_id).await.unwrap().unwrap();
    assert_eq!(after.node_id, before.node_id, "nobody moved the case by a refused request");
});

/// A home-care complaint: the Äldrenämnd's case, in a category that is not public.
async fn care_case(app: &App) -> String {
    let form = [
        ("kind", "klagomal"),
        ("category", "hemtjanst"),
        ("description", "Mamma glömmer medicinen och hemtjänsten kommer för sent."),
        ("place", ""),
        ("role", "invanare"),
        ("identity", "named"),
        ("name", "Greta Gren"),
        ("email", "greta@example.se"),
        ("phone", ""),
        ("postal_address", ""),
        ("contact_method", "email"),
        ("form_key", "care-1"),
        ("started", &(chrono::Utc::now().timestamp() - 60).to_string()),
        ("website", ""),
    ];
    let response = app.browser().post(app.url("/submit")).form(&app.sealed(&form).await).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.unwrap();
    let start = html.find(r#"<p class="case-number">"#).expect("a case number") + 23;
    html[start..start + 11].to_owned()
}

on_both_backends!(a_closed_category_is_read_only_in_the_namnd_granted, |app| {
    let app = app.with_demo(0).await;
    // A registrator of the Äldrenämnd, a handläggare in home care, an administrator granted
    // nothing; the demo's registrator works at Kontaktcenter and its administrator at the
    // Stadsledningskontoret, both under Kommunstyrelsen.
    add_staff(&app.store, "an-registrator", "Rut Registrator", Role::Registrator, "vasteras.an").await;
    add_staff(&app.store, "hemtjanst", "Hedda Hem", Role::Handlaggare, "vasteras.hemtjanst").await;
    let number = care_case(&app).await;
    let case_id = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap().id;
    let tree = app.store.org_tree(&"vasteras".into()).await.unwrap();
    let categories = app.store.categories(&"vasteras".into()).await.unwrap();
    let users = app.store.users(&"vasteras".into()).await.unwrap();
    let markers = ["Mamma glömmer medicinen", "greta@example.se", "Greta Gren"];

    let staff = ["admin", "registrator", "handlaggare", "chef", "lasare", "an-registrator", "hemtjanst"];
    let mut readers = Vec::new();
    for username in staff {
        let client = app.signed_in(username, PASSWORD).await;
        let user = users.iter().find(|u| u.username == username).unwrap();
        // Searching for the case's words finds it only for those who may read them.
        let found = send(&app, &client, "GET", "/staff/search?q=medicinen").await;
        let access = Access::new(user, &tree, &categories);
        let case = app.store.case(case_id).await.unwrap().unwrap();
        assert_eq!(found.body.contains(&number), access.can_read(&case), "{username} searching its words");
        if access.can_read(&case) {
            readers.push(username);
        }
        for pattern in web::staff_paths().into_iter().filter(|p| p.starts_with("/staff/cases/{number}")) {
            let filled = pattern.replace("{number}", &number).replace("{sha256}", &"0".repeat(64));
            let filled = filled.replace("{id}", &uuid::Uuid::now_v7().to_string());
            let actions: Vec<Option<Action>> =
                if filled.contains("{action}") { Action::ALL.iter().copied().map(Some).collect() } else { vec![None] };
            for action in actions {
                let address = action.map_or(filled.clone(), |a| filled.replace("{action}", a.code()));
                let method = if action.is_some() { "POST" } else { "GET" };
                let case = app.store.case(case_id).await.unwrap().unwrap();
                let answer = send(&app, &client, method, &address).await;
                let expected = if !access.can_see(&case) {
                    Some(404)
                } else if let Some(action) = action {
                    (!access.can(action, &case)).then_some(403)
                } else if pattern.ends_with("/receipt") {
                    (!(access.can_register() && access.can_read(&case))).then_some(403)
                } else if pattern.contains("/files/") || pattern.contains("/mail/") {
                    // Nothing by that name: a reader is told so, anyone else is refused first.
                    Some(if access.can_read(&case) { 404 } else { 403 })
                } else {
                    None
                };
                match expected {
                    Some(status) => assert_eq!(answer.status, status, "{method} {address} as {username}"),
                    None => assert!(
                        answer.status < 400 || answer.status == 422,
                        "{method} {address} as {username}: {}",
                        answer.status
                    ),
                }
                if !access.can_read(&case) {
                    for marker in markers {
                        assert!(!answer.body.contains(marker), "{method} {address} shows {username} {marker}");
                    }
                } else if pattern == "/staff/cases/{number}" {
                    assert!(answer.body.contains(markers[0]), "{username} reads the case");
                }
            }
        }
    }
    // Those of the Äldrenämnd read it; the kontaktcenter routes it without reading it, and the
    // administrator, granted the Stadsledningskontoret, does not even list it.
    assert_eq!(readers, ["an-registrator", "hemtjanst"]);
    let registrator = app.signed_in("registrator", PASSWORD).await;
    let page = send(&app, &registrator, "GET", &format!("/staff/cases/{number}")).await.body;
    assert!(page.contains("Hemtjänst") && page.contains("hör till en annan nämnd"), "{page}");
    assert!(page.contains("/forward"), "the registrator can send it on");
});
