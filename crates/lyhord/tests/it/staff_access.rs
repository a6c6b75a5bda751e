//! Staff sign-in, sessions, and who sees which cases (deny by default, D3, D6, D7, E2).

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};
use store::{InboxQuery, Role, Units};

/// The case numbers an inbox page lists, in order.
fn listed_numbers(html: &str) -> Vec<String> {
    html.split(r#"<th scope="row" class="nowrap"><a href="/staff/cases/"#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// What the inbox of the units below `top` must show: open cases, nearest deadline first.
async fn expected_inbox(app: &App, top: &str) -> Vec<String> {
    let tree = app.store.org_tree(&"vasteras".into()).await.unwrap();
    let node_ids = tree.subtree(top).unwrap().into_iter().map(|n| n.id.clone()).collect();
    let query = InboxQuery::new(&"vasteras".into(), Units::Only(node_ids), 50);
    app.store.inbox(&query).await.unwrap().into_iter().map(|c| c.number).collect()
}

on_both_backends!(staff_pages_are_denied_without_a_session, |app| {
    let browser = app.browser();
    let response = browser.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/staff/sign-in");
    let forged = browser.get(app.url("/staff")).header("cookie", format!("lyhord_staff={}", "a".repeat(64)));
    assert_eq!(forged.send().await.unwrap().status(), 303);
});

on_both_backends!(signing_in_gives_a_strict_http_only_session_and_the_inbox, |app| {
    let app = app.with_demo(40).await;
    let browser = app.browser();
    let response = browser
        .post(app.url("/staff/sign-in"))
        .form(&[("username", "chef"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/staff");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("lyhord_staff="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let page = browser.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = body(page).await;
    assert!(html.contains("Inloggad som Eva Ekström (Chef)"));
    assert!(html.contains("Dina enheter: Tekniska kontoret"));
    assert_eq!(listed_numbers(&html), expected_inbox(&app, "vasteras.tk").await);
});

on_both_backends!(a_handlaggare_sees_only_the_cases_of_their_own_units, |app| {
    let app = app.with_demo(120).await.with_second_jurisdiction().await;
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
    let park_html =
        body(app.signed_in("handlaggare", PASSWORD).await.get(app.url("/staff")).send().await.unwrap()).await;
    let park = listed_numbers(&park_html);
    assert!(!park.is_empty(), "the demo gives Gata och park open cases");
    assert_eq!(park, expected_inbox(&app, "vasteras.gp").await);

    let bygg_html = body(app.signed_in("bygg", PASSWORD).await.get(app.url("/staff")).send().await.unwrap()).await;
    let bygg = listed_numbers(&bygg_html);
    assert!(bygg.iter().all(|n| !park.contains(n)), "no Gata och park case reaches Bygglov");
    assert_eq!(bygg, expected_inbox(&app, "vasteras.bygglov").await);

    // Another municipality's administrator sees none of Västerås' cases.
    let salem = body(app.signed_in("salem-admin", PASSWORD).await.get(app.url("/staff")).send().await.unwrap()).await;
    assert!(listed_numbers(&salem).is_empty());
    assert!(salem.contains("Det finns inga öppna ärenden i dina enheter."));

    // The registrator routes for the whole municipality and sees every unit's cases.
    let all = body(app.signed_in("registrator", PASSWORD).await.get(app.url("/staff")).send().await.unwrap()).await;
    assert_eq!(listed_numbers(&all), expected_inbox(&app, "vasteras").await);
});

on_both_backends!(wrong_credentials_get_one_answer_that_reveals_nothing, |app| {
    let app = app.with_demo(1).await;
    let browser = app.browser();
    let mut pages = Vec::new();
    for (username, password) in [("chef", "wrong password"), ("nobody", "wrong password")] {
        let response = browser
            .post(app.url("/staff/sign-in"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert!(response.headers().get("set-cookie").is_none());
        let html = body(response).await;
        assert!(html.contains(r#"<p class="field-error" id="username-error">Fel användarnamn eller lösenord.</p>"#));
        assert!(html.contains(&format!(r#"value="{username}""#)), "what was typed is kept");
        pages.push(html.replace(username, "USER"));
    }
    assert_eq!(pages[0], pages[1], "an existing and a missing account look the same");
});

on_both_backends!(missing_fields_are_named_at_each_field_with_a_summary, |app| {
    let response =
        app.browser().post(app.url("/staff/sign-in")).form(&[("username", ""), ("password", "")]).send().await;
    let response = response.unwrap();
    assert_eq!(response.status(), 422);
    let html = body(response).await;
    assert!(html.contains(r##"<li><a href="#username">Skriv ditt användarnamn.</a></li>"##));
    assert!(html.contains(r##"<li><a href="#password">Skriv ditt lösenord.</a></li>"##));
    assert!(html.contains(r#"aria-describedby="username-error""#));
    assert!(html.contains(r#"aria-describedby="password-error""#));
});

on_both_backends!(sign_in_is_rate_limited, |app| {
    let app = app.with_demo(1).await;
    let browser = app.browser();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let response = browser
            .post(app.url("/staff/sign-in"))
            .form(&[("username", "chef"), ("password", "guess")])
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(&statuses[10..], &[429, 429]);
    // Even the right password waits now.
    let right = browser.post(app.url("/staff/sign-in")).form(&[("username", "chef"), ("password", PASSWORD)]);
    let response = right.send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert!(body(response).await.contains("För många inloggningsförsök"));
});

on_both_backends!(cross_site_posts_are_refused, |app| {
    let app = app.with_demo(1).await;
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [("username", "chef"), ("password", PASSWORD)];
    let no_origin = plain.post(app.url("/staff/sign-in")).form(&form).send().await.unwrap();
    assert_eq!(no_origin.status(), 403);
    let evil = plain.post(app.url("/staff/sign-in")).header("origin", "https://evil.example").form(&form);
    assert_eq!(evil.send().await.unwrap().status(), 403);
    let fetch = plain.post(app.url("/staff/sign-in")).header("sec-fetch-site", "cross-site").form(&form);
    assert_eq!(fetch.send().await.unwrap().status(), 403);
    // A signed-in user cannot be signed out from another site either.
    let client = app.signed_in("chef", PASSWORD).await;
    let forged = client.post(app.url("/staff/sign-out")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(client.get(app.url("/staff")).send().await.unwrap().status(), 200);
});

on_both_backends!(signing_out_ends_the_session_on_the_server, |app| {
    let app = app.with_demo(1).await;
    let client = app.browser();
    let response = client
        .post(app.url("/staff/sign-in"))
        .form(&[("username", "chef"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    // Keep a copy of the cookie, as someone who copied it would.
    let copied = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let with_copy = || reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let before = with_copy().get(app.url("/staff")).header("cookie", &copied).send().await.unwrap();
    assert_eq!(before.status(), 200);
    let out = client.post(app.url("/staff/sign-out")).send().await.unwrap();
    assert_eq!(out.status(), 303);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(client.get(app.url("/staff")).send().await.unwrap().status(), 303);
    let after = with_copy().get(app.url("/staff")).header("cookie", &copied).send().await.unwrap();
    assert_eq!(after.status(), 303, "the copied cookie is worthless once signed out");
});

/// Guessing one account's password from many addresses slows that account down, growing,
/// but locks nobody out: its owner signs in after a short wait, and colleagues at once.
async fn an_account_is_slowed_not_locked(db: store::testing::TestDb) {
    let settings = lyhord::Settings { trusted_proxies: vec!["127.0.0.1".into()], ..lyhord::Settings::default() };
    let app = App::start_with(db, settings).await.with_demo(0).await;
    let from = |address: String| {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", app.base.parse().unwrap());
        headers.insert("x-forwarded-for", address.parse().unwrap());
        reqwest::Client::builder().default_headers(headers).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    };
    let sign_in = |client: reqwest::Client, username: &'static str, password: &'static str| {
        let url = app.url("/staff/sign-in");
        async move {
            let response =
                client.post(url).form(&[("username", username), ("password", password)]).send().await.unwrap();
            (response.status().as_u16(), body(response).await)
        }
    };
    // Ten guesses, each from an address of its own: no address reaches its limit.
    for i in 0..10 {
        assert_eq!(sign_in(from(format!("203.0.113.{i}")), "chef", "gissning").await.0, 401, "guess {i}");
    }
    // The account now waits, from any address, even with the right password.
    let (status, page) = sign_in(from("203.0.113.50".into()), "chef", PASSWORD).await;
    assert_eq!(status, 429);
    assert!(page.contains("Många misslyckade försök för det här kontot. Vänta "), "{page}");
    // A colleague is not held up by it.
    assert_eq!(sign_in(from("203.0.113.51".into()), "handlaggare", PASSWORD).await.0, 303);
    // After the wait the owner signs in, and the count starts over.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(sign_in(from("203.0.113.52".into()), "chef", PASSWORD).await.0, 303);
    assert_eq!(sign_in(from("203.0.113.53".into()), "chef", "gissning").await.0, 401, "not slowed any more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_is_slowed_not_locked_sqlite() {
    an_account_is_slowed_not_locked(store::testing::TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_is_slowed_not_locked_postgres() {
    if let Some(db) = store::testing::TestDb::postgres().await {
        an_account_is_slowed_not_locked(db).await;
    }
}
