//! The register of cases (OSL 5 kap. 1 §) and the person's language (FL 13 §): every case is
//! listed with its number, date, kind, unit and ärendemening, a private person is never
//! named, staff set the ärendemening as an event, and the public register exists only where
//! the municipality turns it on.

use chrono::Utc;
use domain::{Actor, CaseKind, Channel, ContactMethod, Submission, Submitter, SubmitterRole};
use store::NewCase;

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};

async fn case(app: &App, kind: CaseKind, category: &str, node: &str, submitter: Submitter) -> String {
    let submission =
        Submission::new("vasteras", kind, Channel::Web, category, "Det här gäller saken").with_submitter(submitter);
    let new = NewCase {
        submission,
        node_id: node.into(),
        received_at: Utc::now(),
        idempotency_key: None,
        live: false,
        actor: Actor::Citizen,
    };
    app.store.submit(new).await.unwrap().number
}

fn person(name: &str, role: SubmitterRole) -> Submitter {
    Submitter {
        name: Some(name.into()),
        email: Some("someone@example.se".into()),
        role: Some(role),
        contact_method: Some(ContactMethod::Email),
        ..Submitter::default()
    }
}

async fn get(client: &reqwest::Client, app: &App, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), body(response).await)
}

async fn the_register_names_no_private_person(db: store::testing::TestDb) {
    let settings = lyhord::Settings { public_register: true, ..lyhord::Settings::default() };
    let app = App::start_with(db, settings).await.with_demo(0).await;
    let private =
        case(&app, CaseKind::Synpunkt, "parker", "vasteras.park", person("Pia Privat", SubmitterRole::Invanare)).await;
    let company =
        case(&app, CaseKind::Klagomal, "bygglov", "vasteras.bygglov", person("Bygg AB", SubmitterRole::Foretag)).await;
    let anonymous = Submitter { anonymous: true, ..Submitter::default() };
    let nameless = case(&app, CaseKind::Felanmalan, "parker", "vasteras.park", anonymous).await;

    let staff = app.signed_in("handlaggare", PASSWORD).await;
    let (status, page) = get(&staff, &app, "/staff/diarium").await;
    assert_eq!(status, 200);
    for number in [&private, &company, &nameless] {
        assert!(page.contains(&format!("<a href=\"/staff/cases/{number}\">")), "{number} is listed");
    }
    assert!(!page.contains("Pia Privat"), "a private person is never named");
    assert!(page.contains("(skyddad)") && page.contains("Bygg AB") && page.contains("Anonym"));
    assert!(page.contains("Synpunkt: Parker och grönområden"), "the default ärendemening");

    // Staff write the ärendemening; it is an event, and the register shows and finds it.
    let subject = [("subject", "Trasig gunga i Vasaparken")];
    let set = staff.post(app.url(&format!("/staff/cases/{private}/set-subject"))).form(&subject).send().await.unwrap();
    assert_eq!(set.status().as_u16(), 303);
    let (_, found) = get(&staff, &app, "/staff/diarium?subject=gunga").await;
    assert!(found.contains("Trasig gunga i Vasaparken") && found.contains(&private), "{found}");
    assert!(!found.contains(&nameless) && !found.contains(&company));
    let (_, by_category) = get(&staff, &app, "/staff/diarium?subject=gr%C3%B6nomr%C3%A5den").await;
    assert!(by_category.contains(&nameless) && !by_category.contains(&company), "default subjects are searched too");
    let (_, by_unit) = get(&staff, &app, "/staff/diarium?unit=vasteras.bygglov").await;
    assert!(by_unit.contains(&company) && !by_unit.contains(&nameless));
    let (_, by_number) = get(&staff, &app, &format!("/staff/diarium?number={company}")).await;
    assert!(by_number.contains(&company) && !by_number.contains(&private));
    let (status, wrong) = get(&staff, &app, "/staff/diarium?from=ig%C3%A5r").await;
    assert_eq!(status, 422);
    assert!(wrong.contains("id=\"from-error\"") && wrong.contains("value=\"igår\""));
    let (_, csv) = get(&staff, &app, "/staff/diarium.csv?unit=vasteras.park").await;
    assert!(csv.contains(&private) && csv.contains("Trasig gunga i Vasaparken") && !csv.contains("Pia Privat"));

    // Anyone reads the public register, without links into the staff pages.
    let anyone = reqwest::Client::new();
    let (status, public) = get(&anyone, &app, "/register").await;
    assert_eq!(status, 200);
    assert!(public.contains(&private) && public.contains("(skyddad)") && !public.contains("Pia Privat"));
    assert!(!public.contains("/staff/cases/"));
    assert_eq!(get(&anyone, &app, "/register.csv").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_names_no_private_person_sqlite() {
    the_register_names_no_private_person(store::testing::TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_names_no_private_person_postgres() {
    if let Some(db) = store::testing::TestDb::postgres().await {
        the_register_names_no_private_person(db).await;
    }
}

on_both_backends!(the_public_register_is_off_unless_the_municipality_turns_it_on, |app| {
    let app = app.with_demo(0).await;
    let anyone = reqwest::Client::new();
    assert_eq!(get(&anyone, &app, "/register").await.0, 404);
    assert_eq!(get(&anyone, &app, "/register.csv").await.0, 404);
    // Staff read it all the same; nobody without a session does.
    assert_eq!(get(&app.signed_in("lasare", PASSWORD).await, &app, "/staff/diarium").await.0, 200);
    let anonymous = app.browser().get(app.url("/staff/diarium")).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 303);
});

on_both_backends!(the_persons_language_and_interpreter_need_stand_first_on_the_case, |app| {
    let app = app.with_demo(0).await;
    let number =
        case(&app, CaseKind::Fraga, "parker", "vasteras.park", person("Amal Aziz", SubmitterRole::Invanare)).await;
    let staff = app.signed_in("handlaggare", PASSWORD).await;
    let path = format!("/staff/cases/{number}/record-language");
    let empty = staff.post(app.url(&path)).form(&[("language", ""), ("interpreter", "on")]).send().await.unwrap();
    assert_eq!(empty.status().as_u16(), 422);
    assert!(body(empty).await.contains("id=\"record-language-language-error\""));
    let form = [("language", "arabiska"), ("interpreter", "on")];
    assert_eq!(staff.post(app.url(&path)).form(&form).send().await.unwrap().status().as_u16(), 303);
    let (_, page) = get(&staff, &app, &format!("/staff/cases/{number}")).await;
    let top = &page[..page.find("case-facts").expect("the case's facts")];
    assert!(top.contains("Personens språk:</strong> arabiska, behöver tolk"), "{top}");
    // A reader of another nämnd neither sees the case nor records anything on it.
    let reader = app.signed_in("lasare", PASSWORD).await;
    let refused = reader.post(app.url(&path)).form(&form).send().await.unwrap();
    assert!([403, 404].contains(&refused.status().as_u16()));
});
