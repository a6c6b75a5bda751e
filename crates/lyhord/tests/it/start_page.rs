//! The citizens' start page, languages and the protections every page has.

use crate::on_both_backends;
use crate::support::body;

on_both_backends!(the_start_page_lists_the_ways_to_reach_the_municipality_in_swedish, |app| {
    let app = app.with_demo(5).await;
    let response = reqwest::get(app.url("/")).await.unwrap();
    assert_eq!(response.status(), 200);
    let html = body(response).await;
    assert!(html.contains(r#"<html lang="sv">"#));
    assert!(html.contains("<h1>Lämna synpunkter, klagomål, beröm och idéer till Västerås stad</h1>"));
    assert!(html.contains(r#"<a href="tel:021390000">021-39 00 00</a>"#));
    assert!(html.contains("Stadshuset, Fiskartorget 2, Västerås"));
    assert!(html.contains("Pappersblankett"));
});

on_both_backends!(english_comes_from_the_browser_or_the_language_link, |app| {
    let app = app.with_demo(5).await;
    let client = reqwest::Client::new();
    let html = body(client.get(app.url("/")).header("accept-language", "en-GB,en;q=0.9").send().await.unwrap()).await;
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("How to reach us"));

    // The link remembers the choice and goes back to the page it was on.
    let browser = app.browser();
    let switch = browser.get(app.url("/lang/en?back=/staff/sign-in")).send().await.unwrap();
    assert_eq!(switch.status(), 303);
    assert_eq!(switch.headers()["location"], "/staff/sign-in");
    let html = body(browser.get(app.url("/staff/sign-in")).send().await.unwrap()).await;
    assert!(html.contains(r#"<html lang="en">"#) && html.contains("Staff sign-in"));
    // ... and never sends anyone to another site.
    let away = browser.get(app.url("/lang/sv?back=//evil.example/x")).send().await.unwrap();
    assert_eq!(away.headers()["location"], "/");
});

on_both_backends!(an_empty_installation_says_how_to_set_it_up_and_invents_nothing, |app| {
    let html = body(reqwest::get(app.url("/")).await.unwrap()).await;
    assert!(html.contains("Lyhörd är inte konfigurerat ännu"));
    assert!(html.contains("lyhord init"));
    assert_eq!(app.store.jurisdictions().await.unwrap().len(), 0);
});

on_both_backends!(every_page_carries_the_security_headers, |app| {
    for path in ["/", "/staff/sign-in", "/no-such-page", "/healthz"] {
        let response = reqwest::get(app.url(path)).await.unwrap();
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
    assert!(
        reqwest::get(app.url("/")).await.unwrap().headers().get("strict-transport-security").is_none(),
        "not over http"
    );
    let missing = reqwest::get(app.url("/no-such-page")).await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(body(missing).await.contains("Sidan finns inte"));
});

on_both_backends!(health_and_readiness, |app| {
    assert_eq!(body(reqwest::get(app.url("/healthz")).await.unwrap()).await, "ok\n");
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    app.store.close().await;
    let closed = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(closed.status(), 503, "a closed database is reported, not hidden");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jurisdictions_own_policy_file_sets_its_clocks() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vasteras.toml");
    let five_days = domain::clock::Policy::defaults().to_toml().replacen("length = 2", "length = 5", 1);
    std::fs::write(&file, five_days).unwrap();
    let db = store::testing::TestDb::sqlite();
    let mut settings = lyhord::Settings { database_url: db.url.clone(), ..lyhord::Settings::default() };
    settings.policy_files.insert("vasteras".into(), file.display().to_string());
    let store = lyhord::serve::open_store(&settings).await.unwrap();
    lyhord::demo::load(&store, chrono::Utc::now(), 1).await.unwrap();
    let policy = store.policy(&"vasteras".into());
    assert_eq!(policy.clocks.iter().find(|c| c.id == "v-s2").unwrap().length, 5);
    assert_eq!(
        store.policy(&"salem".into()).clocks.iter().find(|c| c.id == "v-s2").unwrap().length,
        2,
        "others keep the defaults"
    );
}

on_both_backends!(every_answer_names_its_request_and_keeps_a_proxys_id, |app| {
    let client = reqwest::Client::new();
    let first = client.get(app.url("/")).send().await.unwrap();
    let second = client.get(app.url("/")).send().await.unwrap();
    let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id(&first).len(), 36, "a UUID: {}", id(&first));
    assert_ne!(id(&first), id(&second), "each request its own");
    // Behind the municipality's proxy, its id is the one the logs of both name.
    let proxied = client.get(app.url("/privacy")).header("x-request-id", "proxy-4711").send().await.unwrap();
    assert_eq!(id(&proxied), "proxy-4711");
});

/// With two municipalities the public site serves the one the setting names, never the one
/// whose id sorts first (Salem before Västerås).
async fn the_public_site_serves_the_municipality_chosen(db: store::testing::TestDb, chosen: Option<&str>) {
    let settings = lyhord::Settings { public_jurisdiction: chosen.map(Into::into), ..lyhord::Settings::default() };
    let app = crate::support::App::start_with(db, settings).await.with_demo(0).await.with_second_jurisdiction().await;
    let start = body(reqwest::get(app.url("/")).await.unwrap()).await;
    let form = reqwest::get(app.url("/submit")).await.unwrap();
    assert!(form.status().as_u16() < 500);
    let form = body(form).await;
    assert!(!start.contains("Salems kommun") && !form.contains("Salems kommun"), "never the first by sort order");
    match chosen {
        Some(_) => {
            assert!(start.contains("Västerås stad"), "{start}");
            assert!(form.contains("Lekplatser"), "Västerås's categories: {form}");
        }
        None => assert!(start.contains("public_jurisdiction"), "says which setting to make: {start}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_site_serves_the_municipality_chosen_sqlite() {
    the_public_site_serves_the_municipality_chosen(store::testing::TestDb::sqlite(), Some("vasteras")).await;
    the_public_site_serves_the_municipality_chosen(store::testing::TestDb::sqlite(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_site_serves_the_municipality_chosen_postgres() {
    for chosen in [Some("vasteras"), None] {
        if let Some(db) = store::testing::TestDb::postgres().await {
            the_public_site_serves_the_municipality_chosen(db, chosen).await;
        }
    }
}

/// Over https (as `public_url` says) a browser is told never to ask over plain http again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_sites_send_hsts() {
    let settings =
        lyhord::Settings { public_url: "https://synpunkter.example.se".into(), ..lyhord::Settings::default() };
    let app = crate::support::App::start_with(store::testing::TestDb::sqlite(), settings).await;
    for path in ["/", "/staff/sign-in", "/open311/v2/discovery.json"] {
        let response = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000", "{path}");
    }
}
