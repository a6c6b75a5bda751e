//! The administration pages: accounts and roles, the organisation, categories,
//! the policy, answer templates, API keys, and the setup as TOML. Only administrators.

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};
use domain::CaseKind;
use std::collections::HashMap;

async fn post(client: &reqwest::Client, app: &App, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = client.post(app.url(path)).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, location.unwrap_or_default() + &body(response).await)
}

/// The secret an administration page shows once.
fn secret(html: &str) -> String {
    let start = html.find(r#"<code id="secret">"#).expect("a secret is shown") + 18;
    html[start..].split('<').next().unwrap().to_owned()
}

async fn user_id(app: &App, username: &str) -> String {
    app.store.user_by_username(username).await.unwrap().unwrap().id.to_string()
}

on_both_backends!(only_administrators_reach_the_administration, |app| {
    let app = app.with_demo(0).await;
    let paths = [
        "/staff/admin",
        "/staff/admin/org",
        "/staff/admin/categories",
        "/staff/admin/policy",
        "/staff/admin/templates",
        "/staff/admin/users",
        "/staff/admin/api-keys",
        "/staff/admin/setup.toml",
    ];
    for username in ["registrator", "handlaggare", "chef", "lasare"] {
        let client = app.signed_in(username, PASSWORD).await;
        for path in paths {
            let response = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 403, "{username} GET {path}");
        }
        for path in ["/staff/admin/users", "/staff/admin/api-keys", "/staff/admin/policy", "/staff/admin/setup"] {
            assert_eq!(post(&client, &app, path, &[("name", "x")]).await.0, 403, "{username} POST {path}");
        }
    }
    let admin = app.signed_in("admin", PASSWORD).await;
    for path in paths {
        assert_eq!(admin.get(app.url(path)).send().await.unwrap().status(), 200, "admin GET {path}");
    }
    let anonymous = app.browser();
    assert_eq!(anonymous.get(app.url("/staff/admin/users")).send().await.unwrap().status(), 303);
});

on_both_backends!(accounts_are_created_changed_and_disabled_everywhere_at_once, |app| {
    let app = app.with_demo(0).await;
    let admin = app.signed_in("admin", PASSWORD).await;
    let bad = [("username", "Nina Ny!"), ("display_name", "Nina Ny"), ("role", "handlaggare"), ("node", "")];
    let (status, page) = post(&admin, &app, "/staff/admin/users", &bad).await;
    assert_eq!(status, 422);
    assert!(page.contains(r#"id="username-error""#) && page.contains(r#"id="node-error""#));
    assert!(page.contains(r#"value="Nina Ny""#), "what was typed is kept");

    let good = [
        ("username", "nina"),
        ("display_name", "Nina Ny"),
        ("email", ""),
        ("role", "handlaggare"),
        ("node", "vasteras.park"),
    ];
    let (status, page) = post(&admin, &app, "/staff/admin/users", &good).await;
    assert_eq!(status, 200);
    let password = secret(&page);
    assert_eq!(password.len(), 16);
    let nina = app.signed_in("nina", &password).await;
    assert_eq!(nina.get(app.url("/staff")).send().await.unwrap().status(), 200);
    let (status, _) = post(&admin, &app, "/staff/admin/users", &good).await;
    assert_eq!(status, 422, "a username is taken once");

    // Disabling signs the account out everywhere (D5).
    let id = user_id(&app, "nina").await;
    let disable = [
        ("id", id.as_str()),
        ("username", "nina"),
        ("display_name", "Nina Ny"),
        ("role", "chef"),
        ("node", "vasteras.park"),
        ("disabled", "on"),
    ];
    assert_eq!(post(&admin, &app, "/staff/admin/users", &disable).await.0, 303);
    assert_eq!(nina.get(app.url("/staff")).send().await.unwrap().status(), 303, "signed out at once");
    let user = app.store.user_by_username("nina").await.unwrap().unwrap();
    assert!(user.disabled && user.role == store::Role::Chef);
    let again = app.browser().post(app.url("/staff/sign-in")).form(&[("username", "nina"), ("password", &password)]);
    assert_eq!(again.send().await.unwrap().status(), 401);

    // A new password is shown once; nobody locks themselves out by mistake.
    let (status, page) = post(&admin, &app, &format!("/staff/admin/users/{id}/password"), &[]).await;
    assert_eq!(status, 200);
    assert_ne!(secret(&page), password);
    let own = user_id(&app, "admin").await;
    let lock_out =
        [("id", own.as_str()), ("display_name", "Maria Lind"), ("role", "handlaggare"), ("node", "vasteras.slk")];
    let (status, page) = post(&admin, &app, "/staff/admin/users", &lock_out).await;
    assert_eq!(status, 422);
    assert!(page.contains("Du kan inte stänga av ditt eget konto"));
});

on_both_backends!(the_organisation_categories_and_policy_are_edited_in_the_pages, |app| {
    let app = app.with_demo(0).await;
    let admin = app.signed_in("admin", PASSWORD).await;
    let johan = user_id(&app, "handlaggare").await;
    let unit = [
        ("id", "vasteras.utegym"),
        ("name", "Utegymmen"),
        ("level", "enhet"),
        ("parent", "vasteras.park"),
        ("manager_name", "Johan Berg"),
        ("manager_user", johan.as_str()),
    ];
    assert_eq!(post(&admin, &app, "/staff/admin/org", &unit).await.0, 303);
    let tree = app.store.org_tree(&"vasteras".into()).await.unwrap();
    let node = tree.node("vasteras.utegym").unwrap();
    assert_eq!(
        (node.parent.as_deref(), node.manager_user_id.map(|id| id.to_string())),
        (Some("vasteras.park"), Some(johan))
    );
    // A unit cannot be moved below itself.
    let cycle = [("id", "vasteras.park"), ("name", "Parkenheten"), ("level", "enhet"), ("parent", "vasteras.utegym")];
    let (status, page) = post(&admin, &app, "/staff/admin/org", &cycle).await;
    assert_eq!(status, 422);
    assert!(page.contains(r#"id="parent-error""#));
    assert_eq!(
        app.store.org_tree(&"vasteras".into()).await.unwrap().node("vasteras.park").unwrap().parent.as_deref(),
        Some("vasteras.gp")
    );

    let category = [
        ("code", "utegym"),
        ("name_sv", "Utegym"),
        ("name_en", "Outdoor gyms"),
        ("group_sv", "Parker och natur"),
        ("group_en", "Parks and nature"),
        ("node", "vasteras.utegym"),
        ("kinds", "felanmalan"),
        ("kinds", "synpunkt"),
        ("public", "on"),
    ];
    assert_eq!(post(&admin, &app, "/staff/admin/categories", &category).await.0, 303);
    let saved =
        app.store.categories(&"vasteras".into()).await.unwrap().into_iter().find(|c| c.code == "utegym").unwrap();
    assert_eq!(saved.kinds, vec![CaseKind::Felanmalan, CaseKind::Synpunkt]);
    assert_eq!(saved.node_id, "vasteras.utegym");
    assert!(body(app.browser().get(app.url("/submit")).send().await.unwrap()).await.contains("Utegym"));
    assert!(saved.questions.is_empty());

    // Extra questions in TOML: refused at the field with the reason and kept as typed, or saved
    // and then asked on the form.
    let questions = "[[questions]]\ncode = \"redskap\"\nlabel_sv = \"Vilket redskap?\"\nlabel_en = \"Which apparatus?\"\n\
                     required = true\n";
    let mut with_questions = category.to_vec();
    with_questions.push(("questions", "[[questions]]\ncode = \"Redskap!\"\nlabel_sv = \"x\"\nlabel_en = \"y\"\n"));
    let (status, page) = post(&admin, &app, "/staff/admin/categories", &with_questions).await;
    assert_eq!(status, 422);
    assert!(
        page.contains(r#"id="questions-error""#) && page.contains("Frågorna kan inte användas: question code"),
        "{page}"
    );
    assert!(page.contains("Redskap!"), "what was typed is kept");
    with_questions.pop();
    with_questions.push(("questions", questions));
    assert_eq!(post(&admin, &app, "/staff/admin/categories", &with_questions).await.0, 303);
    let saved =
        app.store.categories(&"vasteras".into()).await.unwrap().into_iter().find(|c| c.code == "utegym").unwrap();
    assert_eq!(saved.questions.len(), 1);
    assert_eq!((saved.questions[0].label_sv.as_str(), saved.questions[0].required), ("Vilket redskap?", true));
    let edit = body(admin.get(app.url("/staff/admin/categories?edit=utegym")).send().await.unwrap()).await;
    assert!(edit.contains("label_sv = &#34;Vilket redskap?&#34;"), "{edit}");
    let form = body(app.browser().get(app.url("/submit?category=utegym")).send().await.unwrap()).await;
    assert!(form.contains(r#"<label for="q_redskap">Vilket redskap?</label>"#));
    let (status, page) =
        post(&admin, &app, "/staff/admin/categories", &[("code", "Ute gym"), ("node", "nowhere")]).await;
    assert_eq!(status, 422);
    assert!(
        page.contains(r#"id="code-error""#)
            && page.contains(r#"id="node-error""#)
            && page.contains(r#"id="name_sv-error""#)
    );

    // The policy: a broken one is refused at the field and kept; a good one is in force
    // at once and after a restart.
    let (status, page) = post(&admin, &app, "/staff/admin/policy", &[("policy", "[[clocks]]\nid = 'x'")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Löftena kan inte läsas") && page.contains("id = &#39;x&#39;"));
    let mut config = domain::clock::Policy::defaults().config();
    let first = config.clocks[0].id.clone();
    config.clocks[0].length += 1;
    let wanted = config.clocks[0].length;
    let text = domain::clock::Policy::new(config).unwrap().to_toml();
    assert_eq!(post(&admin, &app, "/staff/admin/policy", &[("policy", text.as_str())]).await.0, 303);
    assert_eq!(app.store.policy(&"vasteras".into()).clocks[0].length, wanted);
    let restarted = store::Store::open(&app.database_url, store::ConnectOptions::default()).await.unwrap();
    let clock = restarted.policy(&"vasteras".into()).clocks.iter().find(|c| c.id == first).unwrap().length;
    assert_eq!(clock, wanted, "the saved policy is in force after a restart");
});

on_both_backends!(answer_templates_fill_in_the_case_and_api_keys_are_shown_once, |app| {
    let app = app.with_demo(0).await;
    let admin = app.signed_in("admin", PASSWORD).await;
    let template = [
        ("name", "Lagat"),
        ("language", "sv"),
        ("body", "Hej {name}! Ärende {number} hos {unit} är klart. /{handler}"),
    ];
    assert_eq!(post(&admin, &app, "/staff/admin/templates", &template).await.0, 303);
    let saved = app.store.templates(&"vasteras".into()).await.unwrap().into_iter().find(|t| t.name == "Lagat").unwrap();

    let registrator = app.signed_in("registrator", PASSWORD).await;
    let form: Vec<(&str, String)> = vec![
        ("channel", "visit".into()),
        ("kind", "felanmalan".into()),
        ("category", "lekplatser".into()),
        ("description", "Rutschkanan har en vass kant.".into()),
        ("identity", "named".into()),
        ("name", "Åsa Öberg".into()),
        ("email", "asa@example.se".into()),
        ("contact_method", "email".into()),
        ("form_key", "visit-1".into()),
    ];
    let response = registrator.post(app.url("/staff/register")).form(&form).send().await.unwrap();
    let number = response.headers()["location"].to_str().unwrap()[13..24].to_owned();
    let johan = user_id(&app, "handlaggare").await;
    let (status, _) = post(&registrator, &app, &format!("/staff/cases/{number}/assign"), &[("handler", &johan)]).await;
    assert_eq!(status, 303);
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let page =
        body(handler.get(app.url(&format!("/staff/cases/{number}?template={}", saved.id))).send().await.unwrap()).await;
    let expected = format!(
        "Hej Åsa Öberg! Ärende {number} hos Tekniska nämnden › Tekniska kontoret › Gata och park › Parkenheten är klart. /Johan Berg"
    );
    assert!(page.contains(&format!(">{expected}</textarea>")), "the answer starts from the filled-in template");
    assert_eq!(post(&admin, &app, &format!("/staff/admin/templates/{}/delete", saved.id), &[]).await.0, 303);
    assert!(app.store.templates(&"vasteras".into()).await.unwrap().iter().all(|t| t.name != "Lagat"));

    // API keys: shown once, kept as a hash, revocable.
    let (status, page) = post(&admin, &app, "/staff/admin/api-keys", &[("name", "FixaMinGata")]).await;
    assert_eq!(status, 200);
    let key = secret(&page);
    assert!(key.starts_with("lyh_") && key.len() == 68);
    let hash = app::accounts::token_hash(&key);
    let (jurisdiction, found) = app.store.api_key_by_hash(&hash).await.unwrap().expect("the key works");
    assert_eq!((jurisdiction.as_str(), found.name.as_str()), ("vasteras", "FixaMinGata"));
    let list = body(admin.get(app.url("/staff/admin/api-keys")).send().await.unwrap()).await;
    assert!(list.contains("FixaMinGata") && !list.contains(&key), "the key is never shown again");
    assert_eq!(post(&admin, &app, &format!("/staff/admin/api-keys/{}/revoke", found.id), &[]).await.0, 303);
    assert!(app.store.api_key_by_hash(&hash).await.unwrap().is_none(), "a revoked key no longer works");
});

on_both_backends!(the_setup_is_exported_and_imported_as_toml, |app| {
    let app = app.with_demo(0).await.with_second_jurisdiction().await;
    let admin = app.signed_in("admin", PASSWORD).await;
    let response = admin.get(app.url("/staff/admin/setup.toml")).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/toml; charset=utf-8");
    let text = body(response).await;
    let parsed: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(parsed["jurisdiction"]["id"].as_str(), Some("vasteras"));
    assert_eq!(
        parsed["categories"].as_array().unwrap().len(),
        app.store.categories(&"vasteras".into()).await.unwrap().len()
    );
    assert_eq!(parsed["org"].as_array().unwrap().len(), app.store.org_nodes(&"vasteras".into()).await.unwrap().len());

    assert!(text.contains("[[categories.questions]]\ncode = \"fel\""), "the categories' questions too");
    let edited = text.replace("name_sv = \"Lekplatser\"", "name_sv = \"Lekplatser och utegym\"");
    assert_ne!(edited, text);
    assert_eq!(post(&admin, &app, "/staff/admin/setup", &[("setup", edited.as_str())]).await.0, 303);
    let names: HashMap<String, String> =
        app.store.categories(&"vasteras".into()).await.unwrap().into_iter().map(|c| (c.code, c.name_sv)).collect();
    assert_eq!(names["lekplatser"], "Lekplatser och utegym");

    // Another municipality's setup, or a broken one, changes nothing and says why.
    let salem = text.replace("id = \"vasteras\"\nname = \"Västerås stad\"", "id = \"salem\"\nname = \"Salems kommun\"");
    let (status, page) = post(&admin, &app, "/staff/admin/setup", &[("setup", salem.as_str())]).await;
    assert_eq!(status, 422);
    assert!(page.contains("the setup is for salem, not vasteras"));
    let bad_question = edited.replace("code = \"stolpnummer\"", "code = \"kind\"");
    let (status, page) = post(&admin, &app, "/staff/admin/setup", &[("setup", bad_question.as_str())]).await;
    assert_eq!(status, 422);
    assert!(page.contains("category gatubelysning: question code &#34;kind&#34;"), "{page}");
    let broken = edited.replace("node_id = \"vasteras.park\"", "node_id = \"vasteras.nowhere\"");
    let (status, _) = post(&admin, &app, "/staff/admin/setup", &[("setup", broken.as_str())]).await;
    assert_eq!(status, 422);
    assert!(app.store.categories(&"vasteras".into()).await.unwrap().iter().all(|c| c.node_id != "vasteras.nowhere"));
});
