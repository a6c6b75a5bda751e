//! Breach support (GDPR art. 33-34): for a window and a unit, the persons and cases whose data
//! were written, shown or sent, by category of data, on the administrator's page, as CSV and
//! from `lyhord breach-report`; nothing outside the window or the unit, nobody else reads it.

use chrono::{Duration, Utc};
use domain::{Actor, CaseKind, Channel, ContactMethod, Submission, Submitter};
use store::NewCase;

use crate::on_both_backends;
use crate::support::{App, PASSWORD, add_staff, body};

/// A case received at `at` in `category` at `node`, from `name` (anonymous when `None`).
async fn case(app: &App, category: &str, node: &str, at: chrono::DateTime<Utc>, name: Option<&str>) -> String {
    let mut submission = Submission::new("vasteras", CaseKind::Klagomal, Channel::Web, category, "Det som hände");
    if let Some(name) = name {
        submission = submission.with_submitter(Submitter {
            name: Some(name.into()),
            email: Some(format!("{}@example.se", name.split(' ').next().unwrap().to_lowercase())),
            contact_method: Some(ContactMethod::Email),
            ..Submitter::default()
        });
    }
    let new = NewCase {
        submission,
        node_id: node.into(),
        received_at: at,
        idempotency_key: None,
        live: false,
        actor: Actor::Citizen,
    };
    app.store.submit(new).await.unwrap().number
}

on_both_backends!(a_breach_report_names_the_persons_and_cases_of_a_window_by_category, |app| {
    let app = app.with_demo(0).await;
    let now = Utc::now();
    let care = case(&app, "hemtjanst", "vasteras.hemtjanst", now - Duration::hours(1), Some("Greta Gren")).await;
    let park = case(&app, "parker", "vasteras.park", now - Duration::days(60), Some("Per Park")).await;
    let anonymous = case(&app, "parker", "vasteras.park", now - Duration::hours(2), None).await;
    let untouched = case(&app, "parker", "vasteras.park", now - Duration::days(90), Some("Ulla Orörd")).await;
    // The old park case was shown to the handläggare today.
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    assert_eq!(handler.get(app.url(&format!("/staff/cases/{park}"))).send().await.unwrap().status(), 200);

    let day = domain::time::local(now).format("%Y-%m-%d").to_string();
    // An administrator granted the whole municipality (the demo's is granted its office).
    add_staff(&app.store, "kommunadmin", "Kim Kommun", store::Role::Administrator, "vasteras").await;
    let admin = app.signed_in("kommunadmin", PASSWORD).await;
    let page =
        body(admin.get(app.url(&format!("/staff/admin/breach?from={day}&to={day}"))).send().await.unwrap()).await;
    for number in [&care, &park, &anonymous] {
        assert!(page.contains(number.as_str()), "{number} is listed: {page}");
    }
    assert!(!page.contains(untouched.as_str()), "a case nobody touched in the window is not");
    assert!(page.contains("Greta Gren, greta@example.se") && page.contains("Känsliga uppgifter"));
    assert!(page.contains("visades för handlaggare"), "who was shown the old case");
    assert!(page.contains("(anonym eller gallrad)"));

    // One unit: the Äldrenämnd's home care only; the CSV has the same.
    let csv = body(
        admin
            .get(app.url(&format!("/staff/admin/breach.csv?from={day}&to={day}&node=vasteras.an")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(csv.contains(&care) && !csv.contains(&park), "{csv}");
    assert!(csv.contains("Känsliga uppgifter (t.ex. hälsa);1;1"), "one case, one person: {csv}");

    // What was typed wrong is named at its field and kept.
    let wrong = admin.get(app.url(&format!("/staff/admin/breach?from=ig%C3%A5r&to={day}"))).send().await.unwrap();
    assert_eq!(wrong.status(), 422);
    let wrong = body(wrong).await;
    assert!(wrong.contains("id=\"from-error\"") && wrong.contains("value=\"igår\""));
    // An administrator granted one office reads only its cases; nobody but an administrator
    // reads it at all.
    let office = app.signed_in("admin", PASSWORD).await;
    let theirs =
        body(office.get(app.url(&format!("/staff/admin/breach?from={day}&to={day}"))).send().await.unwrap()).await;
    assert!(!theirs.contains(&care) && !theirs.contains(&park), "{theirs}");
    let chef = app.signed_in("chef", PASSWORD).await;
    let refused = chef.get(app.url(&format!("/staff/admin/breach.csv?from={day}&to={day}"))).send().await.unwrap();
    assert_eq!(refused.status(), 403);

    // The command line gives the same list.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lyhord"))
        .args(["breach-report", "--from", &day, "--to", &day, "--node", "vasteras.an"])
        .env("LYHORD_DATABASE_URL", &app.database_url)
        .env("LYHORD_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed.contains(&care) && printed.contains("Greta Gren") && !printed.contains(&park), "{printed}");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_lyhord"))
        .args(["breach-report", "--from", &day, "--to", "2020-01-01"])
        .env("LYHORD_DATABASE_URL", &app.database_url)
        .env("LYHORD_LOG", "warn")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--to must come after --from"));
});
