//! Open311 GeoReport v2 contract tests: each document element by element in XML and
//! JSON, every error in the format asked for, media, the extensions and mySociety updates.

use crate::on_both_backends;
use crate::support::{App, PASSWORD, body};
use serde_json::json;

async fn get(app: &App, path: &str) -> (u16, String, String) {
    let response = reqwest::get(app.url(path)).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    (status, content_type, body(response).await)
}

const XML: &str = "text/xml; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

on_both_backends!(discovery_names_the_endpoint_in_both_formats, |app| {
    let app = app.with_demo(0).await;
    let (status, content_type, xml) = get(&app, "/open311/v2/discovery.xml").await;
    assert_eq!((status, content_type.as_str()), (200, XML));
    // The start of today in Sweden, as the spec's date-time with its offset.
    let here = domain::time::local(chrono::Utc::now());
    let today = format!("{}T00:00:00{}", here.format("%Y-%m-%d"), here.format("%:z"));
    assert!(chrono::DateTime::parse_from_rfc3339(&today).is_ok(), "{today}");
    let expected = format!(
        "{DECLARATION}<discovery><changeset>{today}</changeset><contact>kontaktcenter@vasteras.example</contact>\
         <key_service>An administrator issues keys under Administration › Keys for the Open311 API.</key_service>\
         <endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>\
         <url>http://127.0.0.1:8080/open311/v2</url><changeset>{today}</changeset><type>production</type>\
         <formats><format>text/xml</format><format>application/json</format></formats></endpoint></endpoints></discovery>"
    );
    assert_eq!(xml, expected);
    let (status, content_type, text) = get(&app, "/open311/v2/discovery.json").await;
    assert_eq!((status, content_type.as_str()), (200, JSON));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc,
        json!({
            "changeset": today,
            "contact": "kontaktcenter@vasteras.example",
            "key_service": "An administrator issues keys under Administration › Keys for the Open311 API.",
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": "http://127.0.0.1:8080/open311/v2",
                "changeset": today,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        })
    );
});

on_both_backends!(the_service_list_is_the_categories_in_both_formats, |app| {
    let app = app.with_demo(0).await;
    let categories = app.store.categories(&"vasteras".into()).await.unwrap();
    let first = &categories[0];
    let kinds: Vec<&str> = first.kinds.iter().map(|k| k.name_sv()).collect();
    assert!(!kinds.is_empty(), "the demo's first category takes some kinds only");

    let (status, content_type, xml) = get(&app, "/open311/v2/services.xml").await;
    assert_eq!((status, content_type.as_str()), (200, XML));
    assert!(xml.starts_with(&format!("{DECLARATION}<services><service>")));
    let first_xml = format!(
        "<service><service_code>{}</service_code><service_name>{}</service_name><description>{} › {}</description>\
         <metadata>true</metadata><type>realtime</type><keywords>{}</keywords><group>{}</group></service>",
        first.code,
        first.name_sv,
        first.group_sv,
        first.name_sv,
        kinds.join(", "),
        first.group_sv
    );
    assert!(xml.contains(&first_xml), "{xml}");
    assert_eq!(xml.matches("<service>").count(), categories.len());
    assert!(xml.ends_with("</service></services>"));

    let (_, content_type, text) = get(&app, "/open311/v2/services.json").await;
    assert_eq!(content_type, JSON);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc.as_array().unwrap().len(), categories.len(), "a top-level array");
    assert_eq!(
        doc[0],
        json!({
            "service_code": first.code,
            "service_name": first.name_sv,
            "description": format!("{} › {}", first.group_sv, first.name_sv),
            "metadata": true,
            "type": "realtime",
            "keywords": kinds.join(", "),
            "group": first.group_sv,
        })
    );
    // English names on request.
    let (_, _, text) = get(&app, "/open311/v2/services.json?lang=en").await;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc[0]["service_name"], json!(first.name_en));
    assert_eq!(doc[0]["group"], json!(first.group_en));
});

on_both_backends!(a_service_definition_asks_the_kind_the_submitter_and_the_categorys_questions, |app| {
    let app = app.with_demo(0).await;
    let category = app
        .store
        .categories(&"vasteras".into())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.code == "gatubelysning")
        .unwrap();
    let (status, content_type, text) = get(&app, "/open311/v2/services/gatubelysning.json").await;
    assert_eq!((status, content_type.as_str()), (200, JSON));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let kinds: Vec<serde_json::Value> =
        category.kinds.iter().map(|k| json!({"key": k.code(), "name": k.name_sv()})).collect();
    assert_eq!(
        doc,
        json!({
            "service_code": "gatubelysning",
            "attributes": [
                {"variable": true, "code": "kind", "datatype": "singlevaluelist", "required": false,
                 "datatype_description": null, "order": 1, "description": "Vad vill du lämna?", "values": kinds},
                {"variable": true, "code": "submitter_role", "datatype": "singlevaluelist", "required": false,
                 "datatype_description": null, "order": 2, "description": "Vem är du?", "values": [
                    {"key": "kund", "name": "Kund (använder tjänsten)"},
                    {"key": "invanare", "name": "Invånare"},
                    {"key": "foretag", "name": "Företag eller organisation"},
                    {"key": "other", "name": "Annat"}]},
                {"variable": true, "code": "fel", "datatype": "singlevaluelist", "required": false,
                 "datatype_description": null, "order": 3, "description": "Vad är fel på belysningen?", "values": [
                    {"key": "slackt", "name": "Lampan är släckt"},
                    {"key": "blinkar", "name": "Lampan blinkar"},
                    {"key": "lyser_dagtid", "name": "Lampan lyser på dagen"},
                    {"key": "skadad", "name": "Stolpen eller armaturen är skadad"}]},
                {"variable": true, "code": "stolpnummer", "datatype": "string", "required": false,
                 "datatype_description": "at most 200 characters", "order": 4,
                 "description": "Stolpens nummer, om du ser det", "values": []},
            ],
        })
    );
    let (_, content_type, xml) = get(&app, "/open311/v2/services/gatubelysning.xml").await;
    assert_eq!(content_type, XML);
    assert!(
        xml.starts_with(&format!(
            "{DECLARATION}<service_definition><service_code>gatubelysning</service_code><attributes><attribute>\
         <variable>true</variable><code>kind</code><datatype>singlevaluelist</datatype><required>false</required>\
         <datatype_description></datatype_description><order>1</order><description>Vad vill du lämna?</description>\
         <values><value><key>felanmalan</key><name>Felanmälan</name></value>"
        )),
        "{xml}"
    );
    assert!(xml.ends_with(
        "<code>stolpnummer</code><datatype>string</datatype><required>false</required>\
         <datatype_description>at most 200 characters</datatype_description><order>4</order>\
         <description>Stolpens nummer, om du ser det</description><values></values></attribute></attributes>\
         </service_definition>"
    ));
});

on_both_backends!(errors_come_in_the_asked_format_with_the_right_status, |app| {
    let app = app.with_demo(0).await;
    let (status, content_type, xml) = get(&app, "/open311/v2/services/no-such-service.xml").await;
    assert_eq!((status, content_type.as_str()), (404, XML));
    assert_eq!(
        xml,
        format!(
            "{DECLARATION}<errors><error><code>404</code><description>service_code no-such-service not found</description></error></errors>"
        )
    );
    let (status, content_type, text) = get(&app, "/open311/v2/services/no-such-service.json").await;
    assert_eq!((status, content_type.as_str()), (404, JSON));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!([{"code": 404, "description": "service_code no-such-service not found"}])
    );
    let (status, _, text) = get(&app, "/open311/v2/services.json?jurisdiction_id=nowhere").await;
    assert_eq!(status, 404);
    assert!(text.contains("jurisdiction_id nowhere not found"));
    let (status, _, _) = get(&app, "/open311/v2/services.json?jurisdiction_id=vasteras").await;
    assert_eq!(status, 200, "naming the only jurisdiction is fine");
    let (status, _, _) = get(&app, "/open311/v2/services.json?jurisdiction_id=").await;
    assert_eq!(status, 200, "an empty parameter is like none");
    assert_eq!(get(&app, "/open311/v2/services.html").await.0, 404);
    assert_eq!(get(&app, "/open311/v2/nothing.json").await.0, 404);

    // With a second municipality the jurisdiction must be named.
    let app = app.with_second_jurisdiction().await;
    let (status, _, text) = get(&app, "/open311/v2/services.json").await;
    assert_eq!(status, 400);
    assert!(text.contains("jurisdiction_id is required"));
    let (status, _, xml) = get(&app, "/open311/v2/services.xml?jurisdiction_id=salem").await;
    assert_eq!((status, xml.as_str()), (200, &*format!("{DECLARATION}<services></services>")));
    let (_, _, text) = get(&app, "/open311/v2/services.json?jurisdiction_id=salem").await;
    assert_eq!(text, "[]");
});

async fn post(app: &App, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    // A program, not a browser: no Origin header, no cookies.
    let response = reqwest::Client::new().post(app.url(path)).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    (status, content_type, body(response).await)
}

fn descriptions(text: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(text).unwrap();
    doc.as_array().unwrap().iter().map(|e| e["description"].as_str().unwrap().to_owned()).collect()
}

on_both_backends!(a_request_posted_with_a_key_becomes_a_case_with_its_receipt, |app| {
    let app = app.with_demo(0).await;
    let key = lyhord::admin::create_api_key(&app.store, None, "FixaMinGata").await.unwrap();
    let form = [
        ("api_key", key.as_str()),
        ("service_code", "gatubelysning"),
        ("lat", "59.6099"),
        ("long", "16.5448"),
        ("description", "Lampan vid Stora torget är släckt."),
        ("email", "anna@example.se"),
        ("first_name", "Anna"),
        ("last_name", "Andersson"),
        ("attribute[kind]", "felanmalan"),
        ("attribute[submitter_role]", "invanare"),
    ];
    let (status, content_type, text) = post(&app, "/open311/v2/requests.json", &form).await;
    assert_eq!((status, content_type.as_str()), (200, JSON), "{text}");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let number = doc[0]["service_request_id"].as_str().unwrap().to_owned();
    assert_eq!(doc[0]["account_id"], serde_json::Value::Null);
    let notice = doc[0]["service_notice"].as_str().unwrap();
    assert!(
        notice.starts_with("Handläggs av: Tekniska nämnden › Tekniska kontoret › Gata och park › Gatuenheten."),
        "{notice}"
    );
    assert!(notice.contains("senast"), "when the citizen can expect an answer: {notice}");

    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    assert_eq!(
        (case.channel, case.kind, case.node_id.as_str()),
        (domain::Channel::Api, domain::CaseKind::Felanmalan, "vasteras.gata")
    );
    assert_eq!(case.submitter_role, Some(domain::SubmitterRole::Invanare));
    let events = app.store.events(case.id).await.unwrap();
    let domain::EventPayload::Received { submission, .. } = events[0].payload().unwrap() else {
        panic!("received first")
    };
    assert_eq!(submission.position.map(|p| (p.lat_e6, p.lon_e6)), Some((59_609_900, 16_544_800)));
    assert_eq!(submission.submitter.name.as_deref(), Some("Anna Andersson"));
    let outbox = app.store.outbox_for_case(case.id).await.unwrap();
    assert_eq!(
        (outbox[0].purpose.as_str(), outbox[0].recipient.as_str()),
        ("receipt", "anna@example.se"),
        "the same receipt e-mail"
    );

    // XML, with the key in the query string and an address instead of a point; anonymous.
    let form = [
        ("service_code", "gatubelysning"),
        ("address_string", "Vasagatan 12, Västerås"),
        ("description", "Blinkande lampa."),
        ("attribute[kind]", "felanmalan"),
    ];
    let (status, content_type, xml) = post(&app, &format!("/open311/v2/requests.xml?api_key={key}"), &form).await;
    assert_eq!((status, content_type.as_str()), (200, XML), "{xml}");
    assert!(xml.starts_with(&format!("{DECLARATION}<service_requests><request><service_request_id>")));
    assert!(xml.ends_with("</service_notice><account_id></account_id></request></service_requests>"), "{xml}");
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 2);
});

const LONG_ANSWER: &str = "12345678901234567890123456789012345678901234567890123456789012345678901234567890\
    12345678901234567890123456789012345678901234567890123456789012345678901234567890\
    12345678901234567890123456789012345678901234567890";

on_both_backends!(a_bad_request_is_refused_with_every_problem_named, |app| {
    let app = app.with_demo(0).await.with_second_jurisdiction().await;
    let key = lyhord::admin::create_api_key(&app.store, Some("vasteras"), "App").await.unwrap();
    let salem_key = lyhord::admin::create_api_key(&app.store, Some("salem"), "Salem app").await.unwrap();
    let good = |extra: &[(&'static str, &'static str)]| {
        let mut form: Vec<(&str, String)> = vec![
            ("api_key", key.clone()),
            ("jurisdiction_id", "vasteras".into()),
            ("service_code", "gatubelysning".into()),
            ("lat", "59.6099".into()),
            ("long", "16.5448".into()),
            ("description", "Lampan är släckt.".into()),
            ("attribute[kind]", "felanmalan".into()),
        ];
        for (k, v) in extra {
            match form.iter_mut().find(|(name, _)| name == k) {
                Some(entry) => entry.1 = (*v).into(),
                None => form.push((k, (*v).into())),
            }
        }
        form
    };
    let send = |form: Vec<(&'static str, String)>| {
        let url = app.url("/open311/v2/requests.json");
        async move {
            let response = reqwest::Client::new().post(url).form(&form).send().await.unwrap();
            let status = response.status().as_u16();
            (status, descriptions(&body(response).await))
        }
    };
    let cases = [
        (good(&[("api_key", "")]), 403, vec!["api_key is missing"]),
        (good(&[("api_key", "lyh_wrong")]), 403, vec!["api_key is not valid"]),
        (good(&[("jurisdiction_id", "")]), 400, vec!["jurisdiction_id is required: this endpoint serves several"]),
        (good(&[("jurisdiction_id", "nowhere")]), 404, vec!["jurisdiction_id nowhere not found"]),
        (good(&[("service_code", "")]), 400, vec!["service_code is missing"]),
        (good(&[("service_code", "no-such")]), 404, vec!["service_code no-such not found"]),
        (
            good(&[("lat", ""), ("long", "")]),
            400,
            vec!["a location is required: lat and long, address_string or address_id"],
        ),
        (good(&[("long", "")]), 400, vec!["lat and long must both be given, as decimal degrees"]),
        (good(&[("lat", "48.85"), ("long", "2.35")]), 400, vec!["lat and long are outside Sweden"]),
        (good(&[("attribute[kind]", "berom")]), 400, vec!["attribute[kind] berom is not one of the service's values"]),
        (good(&[("attribute[fara]", "ja")]), 400, vec!["attribute[fara] is not an attribute of gatubelysning"]),
        (
            good(&[("attribute[submitter_role]", "kung")]),
            400,
            vec!["attribute[submitter_role] kung is not one of the service's values"],
        ),
        (good(&[("description", "")]), 400, vec!["description is required"]),
        (good(&[("attribute[fel]", "trasig")]), 400, vec!["attribute[fel] is not one of the service's values"]),
        (
            good(&[("attribute[stolpnummer]", LONG_ANSWER)]),
            400,
            vec!["attribute[stolpnummer] may be at most 200 characters"],
        ),
        (good(&[("email", "inte-en-adress")]), 400, vec!["email is not a valid e-mail address"]),
        (
            good(&[("attribute[kind]", ""), ("lat", ""), ("long", "")]),
            400,
            vec!["a location is required: lat and long, address_string or address_id"],
        ),
    ];
    for (form, status, expected) in cases {
        let shown = format!("{form:?}");
        assert_eq!(send(form).await, (status, expected.iter().map(|s| s.to_string()).collect()), "{shown}");
    }
    let long = "x".repeat(4001);
    let form =
        good(&[]).into_iter().map(|(k, v)| if k == "description" { (k, long.clone()) } else { (k, v) }).collect();
    assert_eq!(send(form).await, (400, vec!["description may be at most 4000 characters".to_owned()]));
    // Another municipality's key does not open this one.
    let form =
        good(&[]).into_iter().map(|(k, v)| if k == "api_key" { (k, salem_key.clone()) } else { (k, v) }).collect();
    assert_eq!(send(form).await, (403, vec!["api_key is not valid for this jurisdiction".to_owned()]));
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 0, "nothing refused was registered");
    // The error format follows the extension asked for.
    let (status, content_type, xml) =
        post(&app, "/open311/v2/requests.xml", &[("service_code", "gatubelysning")]).await;
    assert_eq!((status, content_type.as_str()), (403, XML));
    assert_eq!(
        xml,
        format!(
            "{DECLARATION}<errors><error><code>403</code><description>api_key is missing</description></error></errors>"
        )
    );
});

on_both_backends!(a_posted_request_is_read_back_and_shows_its_closing, |app| {
    let app = app.with_demo(0).await;
    let key = lyhord::admin::create_api_key(&app.store, None, "FixaMinGata").await.unwrap();
    let form = [
        ("api_key", key.as_str()),
        ("service_code", "gatubelysning"),
        ("lat", "59.6099"),
        ("long", "16.5448"),
        ("address_string", "Stora torget, Västerås"),
        ("description", "Lampan vid Stora torget är släckt."),
        ("email", "anna@example.se"),
        ("first_name", "Anna"),
        ("phone", "070-123 45 67"),
        ("attribute[kind]", "felanmalan"),
    ];
    let (_, _, text) = post(&app, "/open311/v2/requests.json", &form).await;
    let number =
        serde_json::from_str::<serde_json::Value>(&text).unwrap()[0]["service_request_id"].as_str().unwrap().to_owned();
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    let local =
        |at: chrono::DateTime<chrono::Utc>| domain::time::local(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let due = app.store.clocks(case.id, chrono::Utc::now()).await.unwrap().iter().map(|c| c.due_at).min().unwrap();

    // Before staff publish anything: no text, no address, the point rounded to its square.
    let (status, content_type, text) = get(&app, &format!("/open311/v2/requests/{number}.json")).await;
    assert_eq!((status, content_type.as_str()), (200, JSON));
    let unpublished = &serde_json::from_str::<serde_json::Value>(&text).unwrap()[0];
    assert_eq!((&unpublished["description"], &unpublished["address"]), (&json!(null), &json!(null)), "{text}");
    let rounded = domain::publication::rounded(domain::Position { lat_e6: 59_609_900, lon_e6: 16_544_800 }, 100);
    assert_eq!((&unpublished["lat"], &unpublished["long"]), (&json!(rounded.latitude()), &json!(rounded.longitude())));
    assert_ne!(unpublished["lat"], json!(59.6099));

    // Staff publish the text as written, with the exact point (the hint on the page says so).
    let staff = app.signed_in("handlaggare", crate::support::PASSWORD).await;
    let page = body(staff.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    assert!(page.contains("Ingenting av ärendets text är publicerat."), "the page says nothing is published yet");
    let published = staff
        .post(app.url(&format!("/staff/cases/{number}/publish")))
        .form(&[("text", "Lampan vid Stora torget är släckt."), ("exact_position", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 303);

    let updated = app.store.case(case.id).await.unwrap().unwrap().updated_at;
    let (status, content_type, text) = get(&app, &format!("/open311/v2/requests/{number}.json")).await;
    assert_eq!((status, content_type.as_str()), (200, JSON));
    let expected = json!([{
        "service_request_id": number,
        "status": "open",
        "status_notes": "Handläggs av: Tekniska nämnden › Tekniska kontoret › Gata och park › Gatuenheten",
        "service_name": "Gatubelysning",
        "service_code": "gatubelysning",
        "description": "Lampan vid Stora torget är släckt.",
        "agency_responsible": "Tekniska nämnden › Tekniska kontoret › Gata och park › Gatuenheten",
        "service_notice": null,
        "requested_datetime": local(case.received_at),
        "updated_datetime": local(updated),
        "expected_datetime": local(due),
        "address": "Stora torget, Västerås",
        "address_id": null,
        "zipcode": null,
        "lat": 59.6099,
        "long": 16.5448,
        "media_url": null,
    }]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), expected);
    for personal in ["Anna", "anna@example.se", "070-123"] {
        assert!(!text.contains(personal), "no personal data: {personal}");
    }
    let (_, content_type, xml) = get(&app, &format!("/open311/v2/requests/{number}.xml")).await;
    assert_eq!(content_type, XML);
    assert_eq!(
        xml,
        format!(
            "{DECLARATION}<service_requests><request><service_request_id>{number}</service_request_id><status>open</status>\
             <status_notes>Handläggs av: Tekniska nämnden › Tekniska kontoret › Gata och park › Gatuenheten</status_notes>\
             <service_name>Gatubelysning</service_name><service_code>gatubelysning</service_code>\
             <description>Lampan vid Stora torget är släckt.</description>\
             <agency_responsible>Tekniska nämnden › Tekniska kontoret › Gata och park › Gatuenheten</agency_responsible>\
             <service_notice></service_notice><requested_datetime>{}</requested_datetime>\
             <updated_datetime>{}</updated_datetime><expected_datetime>{}</expected_datetime>\
             <address>Stora torget, Västerås</address><address_id></address_id><zipcode></zipcode>\
             <lat>59.6099</lat><long>16.5448</long><media_url></media_url></request></service_requests>",
            local(case.received_at),
            local(updated),
            local(due)
        )
    );
    let (_, _, list) = get(&app, "/open311/v2/requests.json?status=open&service_code=gatubelysning,parker").await;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&list).unwrap(), expected, "the list holds it too");

    // Staff answer and close: the request is closed, with what was done as its notes.
    for payload in [
        domain::EventPayload::Assigned { node_id: "vasteras.gata".into(), handler_id: None },
        domain::EventPayload::Answered { message: "Lampan är bytt.".into() },
        domain::EventPayload::Closed { summary: "Lampan bytt den 23 november.".into() },
    ] {
        let event = domain::NewEvent::new(chrono::Utc::now(), domain::Actor::System, payload);
        app.store.append(case.id, event).await.unwrap();
    }
    let (_, _, text) = get(&app, &format!("/open311/v2/requests/{number}.json")).await;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc[0]["status"], json!("closed"));
    assert_eq!(doc[0]["status_notes"], json!("Lampan bytt den 23 november."));
    assert_eq!(doc[0]["expected_datetime"], serde_json::Value::Null);
    let (_, _, open) = get(&app, "/open311/v2/requests.json?status=open").await;
    assert_eq!(open, "[]");
    let (_, _, closed) = get(&app, "/open311/v2/requests.json?status=closed").await;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&closed).unwrap().as_array().unwrap().len(), 1);
});

on_both_backends!(private_categories_and_web_text_never_appear, |app| {
    let app = app.with_demo(0).await;
    let key = lyhord::admin::create_api_key(&app.store, None, "App").await.unwrap();
    let social = app
        .store
        .categories(&"vasteras".into())
        .await
        .unwrap()
        .into_iter()
        .find(|c| !c.public)
        .expect("a non-public category");
    let form = [
        ("api_key", key.as_str()),
        ("service_code", social.code.as_str()),
        ("address_string", "Stadshuset"),
        ("description", "Känsliga uppgifter om min familj."),
        ("attribute[kind]", "klagomal"),
    ];
    let (status, _, text) = post(&app, "/open311/v2/requests.json", &form).await;
    assert_eq!(status, 200, "{text}");
    let hidden =
        serde_json::from_str::<serde_json::Value>(&text).unwrap()[0]["service_request_id"].as_str().unwrap().to_owned();
    assert_eq!(get(&app, &format!("/open311/v2/requests/{hidden}.json")).await.0, 404);
    let (_, _, list) = get(&app, "/open311/v2/requests.json").await;
    assert_eq!(list, "[]", "a non-public category never appears");
    assert_eq!(get(&app, &format!("/open311/v2/requests.json?service_request_id={hidden}")).await.2, "[]");

    // A case from the web form is listed without the citizen's own words.
    let registrator = app.signed_in("registrator", crate::support::PASSWORD).await;
    let form = [
        ("channel", "phone"),
        ("kind", "klagomal"),
        ("category", "lekplatser"),
        ("description", "Min granne Kalle slängde skräp i sandlådan."),
        ("identity", "anonymous"),
        ("form_key", "open311-private"),
    ];
    let response = registrator.post(app.url("/staff/register")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let (_, _, list) = get(&app, "/open311/v2/requests.json").await;
    let doc: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(doc.as_array().unwrap().len(), 1);
    assert_eq!(doc[0]["description"], serde_json::Value::Null);
    assert!(!list.contains("Kalle"));
});

on_both_backends!(bad_list_arguments_are_named, |app| {
    let app = app.with_demo(0).await;
    for (query, expected) in [
        (
            "start_date=2026-05-02",
            "start_date must be a W3C date and time with a time zone, e.g. 2026-05-02T08:15:30+02:00",
        ),
        ("end_date=yesterday", "end_date must be a W3C date and time with a time zone, e.g. 2026-05-02T08:15:30+02:00"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "the date range may be at most 90 days"),
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "end_date is before start_date"),
        ("status=pending", "status may be open, closed or both"),
        ("page=0", "page must be a whole number from 1 to 4294967295"),
        ("page_size=5000", "page_size must be a whole number from 1 to 1000"),
    ] {
        let (status, _, text) = get(&app, &format!("/open311/v2/requests.json?{query}")).await;
        assert_eq!((status, descriptions(&text)), (400, vec![expected.to_owned()]), "{query}");
    }
    let (status, _, xml) = get(&app, "/open311/v2/requests/2026-999999.xml").await;
    assert_eq!(status, 404);
    assert_eq!(
        xml,
        format!(
            "{DECLARATION}<errors><error><code>404</code><description>service_request_id 2026-999999 not found</description></error></errors>"
        )
    );
    let (status, _, text) = get(&app, "/open311/v2/requests.json?start_date=2026-01-01T00:00:00%2B01:00&end_date=2026-03-31T00:00:00%2B02:00&status=open,closed&page=2&page_size=10").await;
    assert_eq!((status, text.as_str()), (200, "[]"));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_limited_per_address() {
    let settings = lyhord::Settings { api_requests_per_hour: 3, ..lyhord::Settings::default() };
    let app = App::start_with(store::testing::TestDb::sqlite(), settings).await.with_demo(0).await;
    for _ in 0..3 {
        assert_eq!(get(&app, "/open311/v2/services.json").await.0, 200);
    }
    let (status, content_type, text) = get(&app, "/open311/v2/services.json").await;
    assert_eq!((status, content_type.as_str()), (429, JSON));
    assert_eq!(descriptions(&text), ["too many requests; try again later"]);
    // The citizens' pages are not counted against the API.
    assert_eq!(reqwest::get(app.url("/")).await.unwrap().status(), 200);
}

on_both_backends!(unknown_resources_answer_in_open311_form, |app| {
    let app = app.with_demo(0).await;
    let (status, content_type, text) = get(&app, "/open311/v2/tokens/abc123.json").await;
    assert_eq!((status, content_type.as_str()), (404, JSON));
    assert_eq!(descriptions(&text), ["unknown resource tokens"]);
    let (status, content_type, _) = get(&app, "/open311/v2/tokens/abc123.xml").await;
    assert_eq!((status, content_type.as_str()), (404, XML));
});

const GATA: &str = "Tekniska nämnden › Tekniska kontoret › Gata och park › Gatuenheten";

fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    domain::time::local(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A fault report about a street light through the API; its case number.
async fn report_light(app: &App, key: &str) -> String {
    let form = [
        ("api_key", key),
        ("service_code", "gatubelysning"),
        ("address_string", "Stora torget"),
        ("description", "Lampan är släckt."),
        ("first_name", "Anna"),
        ("email", "anna@example.se"),
        ("attribute[kind]", "felanmalan"),
        ("attribute[fel]", "blinkar"),
        ("attribute[stolpnummer]", "Stolpe 4711 vid Annas hus"),
    ];
    let (status, _, text) = post(app, "/open311/v2/requests.json", &form).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str::<serde_json::Value>(&text).unwrap()[0]["service_request_id"].as_str().unwrap().to_owned()
}

/// Staff's steps on a case, recorded as events.
async fn record(app: &App, number: &str, payloads: Vec<domain::EventPayload>) -> domain::CaseId {
    let case = app.store.case_by_number(&"vasteras".into(), number).await.unwrap().unwrap();
    for payload in payloads {
        let event = domain::NewEvent::new(chrono::Utc::now(), domain::Actor::System, payload);
        app.store.append(case.id, event).await.unwrap();
    }
    case.id
}

async fn post_owned(app: &App, path: &str, form: Vec<(&str, String)>) -> (u16, String, String) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(app, path, &form).await
}

fn api_multipart(fields: &[(&str, &str)], files: Vec<(&str, Vec<u8>)>) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (file_name, bytes) in files {
        form = form.part("media", reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()));
    }
    form
}

on_both_backends!(pictures_sent_with_a_request_are_published_at_its_media_url, |app| {
    let app = app.with_demo(0).await;
    let key = lyhord::admin::create_api_key(&app.store, None, "FixaMinGata").await.unwrap();
    let fields = [
        ("api_key", key.as_str()),
        ("service_code", "gatubelysning"),
        ("address_string", "Stora torget"),
        ("description", "Stolpen lutar."),
        ("attribute[kind]", "felanmalan"),
    ];
    let pdf = b"%PDF-1.7\nKarta med namn".to_vec();
    let form = api_multipart(&fields, vec![("stolpe.jpg", crate::support::jpeg_with_gps()), ("karta.pdf", pdf)]);
    let response =
        reqwest::Client::new().post(app.url("/open311/v2/requests.json")).multipart(form).send().await.unwrap();
    let text = body(response).await;
    let number = serde_json::from_str::<serde_json::Value>(&text).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{text}"))
        .to_owned();
    // Both files are on the case, like files sent with the web form.
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    let events = app.store.events(case.id).await.unwrap();
    let Ok(domain::EventPayload::Received { submission, .. }) = events[0].payload() else { panic!("a receipt") };
    let names: Vec<&str> = submission.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["stolpe.jpg", "karta.pdf"]);

    // Not shown until staff publish the pictures.
    let (_, _, text) = get(&app, &format!("/open311/v2/requests/{number}.json")).await;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap()[0]["media_url"], json!(null));
    let url = app.url(&format!("/open311/v2/media/vasteras/{number}/1.jpg"));
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
    let staff = app.signed_in("handlaggare", crate::support::PASSWORD).await;
    let publish = |number: String, pictures: bool| {
        let staff = staff.clone();
        let url = app.url(&format!("/staff/cases/{number}/publish"));
        async move {
            let mut form = vec![("text", "Stolpen lutar.")];
            if pictures {
                form.push(("pictures", "on"));
            }
            assert_eq!(staff.post(url).form(&form).send().await.unwrap().status(), 303);
        }
    };
    publish(number.clone(), true).await;

    let (_, _, text) = get(&app, &format!("/open311/v2/requests/{number}.json")).await;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc[0]["media_url"], json!(format!("http://127.0.0.1:8080/open311/v2/media/vasteras/{number}/1.jpg")));
    let picture = reqwest::get(app.url(&format!("/open311/v2/media/vasteras/{number}/1.jpg"))).await.unwrap();
    assert_eq!(picture.status(), 200);
    assert_eq!(picture.headers()["content-type"], "image/jpeg");
    assert_eq!(picture.headers()["x-content-type-options"], "nosniff");
    let bytes = picture.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && !crate::support::contains(&bytes, b"GPSLatitude"));
    // The document stays with staff; nothing else answers.
    for path in ["2.pdf", "2.jpg", "3.jpg", "1.png", "x.jpg"] {
        let url = app.url(&format!("/open311/v2/media/vasteras/{number}/{path}"));
        assert_eq!(reqwest::get(url).await.unwrap().status(), 404, "{path}");
    }
    assert_eq!(reqwest::get(app.url(&format!("/open311/v2/media/salem/{number}/1.jpg"))).await.unwrap().status(), 404);

    // A link instead of a file is kept as given, and shown.
    let mut linked = fields.to_vec();
    linked.push(("media_url", "https://bilder.example/stolpe.jpg"));
    let (status, _, text) = post(&app, "/open311/v2/requests.json", &linked).await;
    assert_eq!(status, 200, "{text}");
    let other = serde_json::from_str::<serde_json::Value>(&text).unwrap()[0]["service_request_id"].clone();
    publish(other.as_str().unwrap().to_owned(), true).await;
    let (_, _, text) = get(&app, &format!("/open311/v2/requests/{}.json", other.as_str().unwrap())).await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap()[0]["media_url"],
        "https://bilder.example/stolpe.jpg"
    );

    // Staff see the link without Lyhörd fetching it, and are told that closing notes are public.
    let answered = vec![
        domain::EventPayload::Assigned { node_id: "vasteras.gata".into(), handler_id: None },
        domain::EventPayload::Answered { message: "Tack!".into() },
    ];
    record(&app, other.as_str().unwrap(), answered).await;
    let page =
        body(staff.get(app.url(&format!("/staff/cases/{}", other.as_str().unwrap()))).send().await.unwrap()).await;
    assert!(page.contains(r#"<a href="https://bilder.example/stolpe.jpg" rel="noopener noreferrer nofollow">"#));
    assert!(page.contains("Kategorin är offentlig"), "gatubelysning is a public category");

    // Bad files and links are refused by name, and nothing is registered.
    let before = app.store.count_cases(&"vasteras".into()).await.unwrap();
    let form = api_multipart(&fields, vec![("program.exe", b"MZ\x90\x00".to_vec())]);
    let response =
        reqwest::Client::new().post(app.url("/open311/v2/requests.json")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(descriptions(&body(response).await), ["media: only JPEG, PNG and PDF files are accepted"]);
    let mut bad_link = fields.to_vec();
    bad_link.push(("media_url", "javascript:alert(1)"));
    let (status, _, text) = post(&app, "/open311/v2/requests.json", &bad_link).await;
    assert_eq!((status, descriptions(&text)), (400, vec!["media_url must be an http or https address".to_owned()]));
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), before);
});

on_both_backends!(a_retried_post_with_its_idempotency_key_makes_one_case, |app| {
    let app = app.with_demo(0).await;
    let key = lyhord::admin::create_api_key(&app.store, None, "App").await.unwrap();
    let form = [
        ("api_key", key.as_str()),
        ("service_code", "gatubelysning"),
        ("address_string", "Stora torget"),
        ("description", "Lampan blinkar."),
        ("attribute[kind]", "felanmalan"),
    ];
    let send = |idempotency_key: &'static str| {
        let request = reqwest::Client::new().post(app.url("/open311/v2/requests.json")).form(&form);
        async move {
            let text = body(request.header("Idempotency-Key", idempotency_key).send().await.unwrap()).await;
            serde_json::from_str::<serde_json::Value>(&text).unwrap()[0]["service_request_id"].clone()
        }
    };
    let first = send("app-1234").await;
    assert_eq!(send("app-1234").await, first, "the retry answers with the same case");
    assert_ne!(send("app-5678").await, first);
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 2);
});

on_both_backends!(extensions_add_the_attributes_the_channel_and_the_public_history, |app| {
    let app = app.with_demo(0).await;
    let key = lyhord::admin::create_api_key(&app.store, None, "App").await.unwrap();
    let number = report_light(&app, &key).await;
    use domain::EventPayload as P;
    let today = chrono::Utc::now().date_naive();
    record(
        &app,
        &number,
        vec![
            P::Assigned { node_id: "vasteras.gata".into(), handler_id: None },
            P::NoteAdded { text: "Ring Anna i morgon.".into() },
            P::ContactLogged {
                method: domain::ContactMethod::Phone,
                occurred_at: chrono::Utc::now(),
                summary: "Anna berättade om grannen.".into(),
            },
            P::WorkStarted,
            P::FixPromised { what: "Lampan byts".into(), when: today, who: "Elbolaget, Per Persson".into() },
            P::Answered { message: "Hej Anna! Lampan byts i veckan.".into() },
            P::Closed { summary: "Lampan bytt.".into() },
        ],
    )
    .await;
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    let events = app.store.events(case.id).await.unwrap();
    let at = |seq: usize| local(chrono::DateTime::from_timestamp_micros(events[seq - 1].at_micros).unwrap());

    let (_, _, text) = get(&app, &format!("/open311/v2/requests/{number}.json?extensions=true")).await;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc[0]["attributes"],
        json!([
            {"label": "Vad vill du lämna?", "name": "Felanmälan", "value": "felanmalan", "code": "kind"},
            {"label": "Vad är fel på belysningen?", "name": "Lampan blinkar", "value": "blinkar", "code": "fel"},
        ]),
        "answers chosen from the service's values are shown; free text is not"
    );
    let received = events[0].payload().unwrap();
    let domain::EventPayload::Received { submission, .. } = received else { panic!("a receipt") };
    assert_eq!(
        submission.answers,
        [
            domain::Answer { code: "fel".into(), value: "blinkar".into() },
            domain::Answer { code: "stolpnummer".into(), value: "Stolpe 4711 vid Annas hus".into() },
        ]
    );
    assert_eq!(doc[0]["extended_attributes"], json!({"channel": "api", "photos": []}));
    assert_eq!(
        doc[0]["notes"],
        json!([
            {"datetime": at(1), "description": "Mottaget", "type": "open"},
            {"datetime": at(2), "description": format!("Handläggs av {GATA}"), "type": "open"},
            {"datetime": at(5), "description": "Arbetet har börjat", "type": "in_progress"},
            {"datetime": at(6), "description": format!("Lampan byts (senast {today})"), "type": "action_scheduled"},
            {"datetime": at(7), "description": "Ett svar har skickats", "type": "in_progress"},
            {"datetime": at(8), "description": "Lampan bytt.", "type": "fixed"},
        ])
    );
    for private in ["Anna", "anna@", "grannen", "Per Persson", "Elbolaget", "4711"] {
        assert!(!text.contains(private), "{private}");
    }
    let (_, _, xml) = get(&app, &format!("/open311/v2/requests/{number}.xml?extensions=true")).await;
    assert!(
        xml.contains(&format!(
            "<media_url></media_url><attributes><attribute><label>Vad vill du lämna?</label><name>Felanmälan</name>\
             <value>felanmalan</value><code>kind</code></attribute><attribute><label>Vad är fel på belysningen?</label>\
             <name>Lampan blinkar</name><value>blinkar</value><code>fel</code></attribute></attributes><extended_attributes>\
             <channel>api</channel><photos></photos></extended_attributes><notes><note><datetime>{}</datetime>\
             <description>Mottaget</description><type>open</type></note>",
            at(1)
        )),
        "{xml}"
    );
    assert!(xml.ends_with("<type>fixed</type></note></notes></request></service_requests>"));
    // In English, in the list too; without the parameter, the core fields only.
    let (_, _, text) = get(&app, "/open311/v2/requests.json?extensions=true&lang=en").await;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc[0]["notes"][1]["description"], json!(format!("Handled by {GATA}")));
    assert_eq!(doc[0]["attributes"][0]["name"], json!("Fault report"));
    let (_, _, text) = get(&app, "/open311/v2/requests.json").await;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc[0].as_object().unwrap().len(), 17, "the core fields only: {text}");
});

on_both_backends!(updates_list_what_happened_with_extended_statuses, |app| {
    let app = app.with_demo(0).await;
    let key = lyhord::admin::create_api_key(&app.store, None, "App").await.unwrap();
    let number = report_light(&app, &key).await;
    use domain::EventPayload as P;
    record(
        &app,
        &number,
        vec![
            P::Assigned { node_id: "vasteras.gata".into(), handler_id: None },
            P::Forwarded { node_id: "vasteras.park".into(), reason: "Lampan står i parken, Anna vet".into() },
            P::InformationRequested { message: "Anna, vilken lampa?".into() },
            P::CitizenMessage { message: "Den vid kiosken.".into(), attachments: vec![], reference: None },
            P::Answered { message: "Hej Anna".into() },
            P::Closed { summary: "Lampan bytt.".into() },
            P::Reopened { reason: "Släckt igen".into() },
        ],
    )
    .await;
    // A case in a category that is not public never shows.
    let social = app.store.categories(&"vasteras".into()).await.unwrap().into_iter().find(|c| !c.public).unwrap();
    let form = [
        ("api_key", key.as_str()),
        ("service_code", social.code.as_str()),
        ("address_string", "Stadshuset"),
        ("description", "Om min familj."),
        ("attribute[kind]", "klagomal"),
    ];
    assert_eq!(post(&app, "/open311/v2/requests.json", &form).await.0, 200);

    let (status, content_type, text) = get(&app, "/open311/v2/servicerequestupdates.json").await;
    assert_eq!((status, content_type.as_str()), (200, JSON));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows: Vec<(String, String, String, String)> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let s = |k: &str| u[k].as_str().unwrap().to_owned();
            assert_eq!(u["media_url"], serde_json::Value::Null);
            assert!(chrono::DateTime::parse_from_rfc3339(&s("updated_datetime")).is_ok());
            (s("update_id"), s("service_request_id"), s("status"), s("description"))
        })
        .collect();
    let row = |seq: i64, status: &str, description: &str| {
        (format!("{number}-{seq}"), number.clone(), status.to_owned(), description.to_owned())
    };
    assert_eq!(
        rows,
        [
            row(1, "open", "Mottaget"),
            row(2, "open", &format!("Handläggs av {GATA}")),
            row(
                3,
                "internal_referral",
                "Skickat vidare till Tekniska nämnden › Tekniska kontoret › Gata och park › Parkenheten"
            ),
            row(4, "investigating", "Handläggaren har bett om mer information"),
            row(5, "unchanged", "Mer information har kommit in"),
            row(6, "in_progress", "Ett svar har skickats"),
            row(7, "fixed", "Lampan bytt."),
            row(8, "reopen", "Öppnat igen"),
        ]
    );
    for private in ["Anna", "kiosken", "familj", "Släckt igen"] {
        assert!(!text.contains(private), "{private}");
    }
    let (_, content_type, xml) = get(&app, "/open311/v2/servicerequestupdates.xml?page_size=1").await;
    assert_eq!(content_type, XML);
    let updated = doc[0]["updated_datetime"].as_str().unwrap();
    assert_eq!(
        xml,
        format!(
            "{DECLARATION}<service_request_updates><request_update><update_id>{number}-1</update_id>\
             <service_request_id>{number}</service_request_id><status>open</status>\
             <updated_datetime>{updated}</updated_datetime><description>Mottaget</description><media_url></media_url>\
             </request_update></service_request_updates>"
        )
    );
    // Paging and the time window.
    let (_, _, text) = get(&app, "/open311/v2/servicerequestupdates.json?page=2&page_size=3").await;
    let page: Vec<&str> = serde_json::from_str::<serde_json::Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["update_id"].as_str().unwrap().to_owned())
        .map(|s| &*s.leak())
        .collect();
    assert_eq!(page, [format!("{number}-4"), format!("{number}-5"), format!("{number}-6")]);
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let (_, _, text) =
        get(&app, &format!("/open311/v2/servicerequestupdates.json?start_date={}", later.format("%Y-%m-%dT%H:%M:%SZ")))
            .await;
    assert_eq!(text, "[]");
    let (status, _, text) = get(
        &app,
        "/open311/v2/servicerequestupdates.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z",
    )
    .await;
    assert_eq!((status, descriptions(&text)), (400, vec!["the date range may be at most 90 days".to_owned()]));
});

on_both_backends!(a_posted_update_is_the_citizens_message_recorded_once, |app| {
    let app = app.with_demo(0).await;
    let key = lyhord::admin::create_api_key(&app.store, None, "FixMyStreet").await.unwrap();
    let number = report_light(&app, &key).await;
    let path = "/open311/v2/servicerequestupdates.json";

    // Every missing or bad field is named; the key is checked first.
    let (status, _, text) = post(&app, path, &[("api_key", key.as_str())]).await;
    assert_eq!(status, 400);
    assert_eq!(
        descriptions(&text),
        [
            "service_request_id is required",
            "update_id is required",
            "status is required",
            "updated_datetime is required",
            "description is required"
        ]
    );
    let update = |update_id: &'static str, status: &'static str, description: &'static str| {
        vec![
            ("api_key", key.clone()),
            ("service_request_id", number.clone()),
            ("update_id", update_id.to_owned()),
            ("status", status.to_owned()),
            ("updated_datetime", "2026-11-22T09:00:00+01:00".to_owned()),
            ("description", description.to_owned()),
            ("email", "anna@example.se".to_owned()),
        ]
    };
    let mut bad = update("fms-0", "MAYBE", "Hej");
    bad[4].1 = "igår".into();
    let (status, _, text) = post_owned(&app, path, bad).await;
    assert_eq!(status, 400);
    assert_eq!(
        descriptions(&text),
        [
            "status MAYBE is not one of the extended statuses",
            "updated_datetime must be a W3C date and time with a time zone, e.g. 2026-05-02T08:15:30+02:00"
        ]
    );
    let mut keyless = update("fms-0", "OPEN", "Hej");
    keyless.remove(0);
    assert_eq!(post_owned(&app, path, keyless).await.0, 403);
    let mut wrong = update("fms-0", "OPEN", "Hej");
    wrong[1].1 = "2026-999999".into();
    let (status, _, text) = post_owned(&app, path, wrong).await;
    assert_eq!((status, descriptions(&text)), (404, vec!["service_request_id 2026-999999 not found".to_owned()]));

    // Staff asked for more: the update is the citizen's answer and the case moves on.
    use domain::EventPayload as P;
    let case_id = record(
        &app,
        &number,
        vec![
            P::Assigned { node_id: "vasteras.gata".into(), handler_id: None },
            P::InformationRequested { message: "Vilken lampa?".into() },
        ],
    )
    .await;
    let form: Vec<(&str, String)> = update("fms-1", "OPEN", "Den vid kiosken.");
    let as_pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, content_type, xml) = post(&app, "/open311/v2/servicerequestupdates.xml", &as_pairs).await;
    assert_eq!((status, content_type.as_str()), (200, XML));
    assert_eq!(
        xml,
        format!(
            "{DECLARATION}<service_request_updates><request_update><update_id>{number}-4</update_id>\
             <account_id></account_id></request_update></service_request_updates>"
        )
    );
    let case = app.store.case(case_id).await.unwrap().unwrap();
    assert_eq!(case.status, domain::Status::InProgress, "the clock paused for the citizen runs again");
    // Sent again (a retry): recorded once, answered the same.
    let (_, _, again) = post(&app, "/open311/v2/servicerequestupdates.xml", &as_pairs).await;
    assert_eq!(again, xml);
    let messages = |events: &[domain::Event]| -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e.payload().unwrap() {
                P::CitizenMessage { message, .. } => Some(message),
                _ => None,
            })
            .collect()
    };
    assert_eq!(messages(&app.store.events(case_id).await.unwrap()), ["Den vid kiosken."]);

    // Answered and closed, then the user says it is broken again: the case reopens.
    record(&app, &number, vec![P::Answered { message: "Bytt.".into() }, P::Closed { summary: "Bytt.".into() }]).await;
    let (status, _, text) = post_owned(&app, path, update("fms-2", "REOPEN", "Släckt igen.")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!([{"update_id": format!("{number}-8"), "account_id": null}])
    );
    let events = app.store.events(case_id).await.unwrap();
    assert_eq!(events[6].payload().unwrap(), P::Reopened { reason: "Släckt igen.".into() });
    assert_eq!(app.store.case(case_id).await.unwrap().unwrap().status, domain::Status::InProgress);
    // A user who says it is fixed is quoted; staff decide when the case is done.
    assert_eq!(post_owned(&app, path, update("fms-3", "FIXED", "Nu lyser den.")).await.0, 200);
    let events = app.store.events(case_id).await.unwrap();
    assert_eq!(
        messages(&events),
        ["Den vid kiosken.", "Släckt igen.", "Nu lyser den.\n\n(Avsändaren anger att det är åtgärdat.)"]
    );
    assert!(app.store.case(case_id).await.unwrap().unwrap().status.is_open());
    assert!(
        !events.iter().any(|e| e.payload_json.contains("anna@example.se") && e.seq > 1),
        "the address is not kept again"
    );
});

on_both_backends!(generic_clients_are_served_without_lyhords_extensions, |app| {
    let app = app.with_demo(0).await;
    // A published client library asks for a definition at `service/` (singular).
    let (_, _, plural) = get(&app, "/open311/v2/services/gatubelysning.json").await;
    let (status, content_type, singular) = get(&app, "/open311/v2/service/gatubelysning.json").await;
    assert_eq!((status, content_type.as_str(), singular), (200, JSON, plural));
    let (status, _, _) = get(&app, "/open311/v2/service/finns-inte.xml").await;
    assert_eq!(status, 404);

    // A request without the `kind` attribute gets the service's own kind (fault reports for
    // street lighting), or a synpunkt where the service takes every kind.
    let key = lyhord::admin::create_api_key(&app.store, None, "Generisk klient").await.unwrap();
    for (service, kind) in [("gatubelysning", domain::CaseKind::Felanmalan), ("ovrigt", domain::CaseKind::Synpunkt)] {
        let form = [
            ("api_key", key.as_str()),
            ("service_code", service),
            ("lat", "59.6099"),
            ("long", "16.5448"),
            ("description", "Något att rätta till."),
        ];
        let (status, _, text) = post(&app, "/open311/v2/requests.json", &form).await;
        assert_eq!(status, 200, "{service}: {text}");
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let number = doc[0]["service_request_id"].as_str().unwrap();
        let case = app.store.case_by_number(&"vasteras".into(), number).await.unwrap().unwrap();
        assert_eq!(case.kind, kind, "{service}");
    }
});

on_both_backends!(an_update_names_its_client_and_a_limited_key_updates_only_its_own, |app| {
    let app = app.with_demo(0).await;
    let sender = lyhord::admin::create_api_key(&app.store, None, "FixMyStreet").await.unwrap();
    let neighbour = lyhord::admin::create_api_key(&app.store, None, "Grannappen").await.unwrap();
    let number = report_light(&app, &sender).await;
    let path = "/open311/v2/servicerequestupdates.json";
    let update = |key: &str, id: &str| {
        vec![
            ("api_key", key.to_owned()),
            ("service_request_id", number.clone()),
            ("update_id", id.to_owned()),
            ("status", "OPEN".to_owned()),
            ("updated_datetime", "2026-11-22T09:00:00+01:00".to_owned()),
            ("description", "Fortfarande släckt.".to_owned()),
        ]
    };
    // Another client's update is recorded as that client's, not as the citizen's.
    assert_eq!(post_owned(&app, path, update(&neighbour, "g-1")).await.0, 200);
    let chef = app.signed_in("chef", PASSWORD).await;
    let page = crate::support::body(chef.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    assert!(page.contains("Grannappen (Open311)") && page.contains("FixMyStreet (Open311)"), "{page}");

    // Limited to its own requests, a key may no longer update someone else's.
    let keys = app.store.api_keys(&"vasteras".into()).await.unwrap();
    for name in ["FixMyStreet", "Grannappen"] {
        let id = keys.iter().find(|k| k.name == name).unwrap().id;
        app.store.limit_api_key(&"vasteras".into(), id, true).await.unwrap();
    }
    let (status, _, text) = post_owned(&app, path, update(&neighbour, "g-2")).await;
    assert_eq!(
        (status, descriptions(&text)),
        (403, vec!["this api_key may update only the requests it sent".to_owned()])
    );
    assert_eq!(post_owned(&app, path, update(&sender, "f-1")).await.0, 200, "its own request, still");
    // The administrator issues a key limited so from the start.
    let admin = app.signed_in("admin", PASSWORD).await;
    let form = [("name", "Skolappen"), ("own_requests_only", "on")];
    assert_eq!(admin.post(app.url("/staff/admin/api-keys")).form(&form).send().await.unwrap().status(), 200);
    let keys = app.store.api_keys(&"vasteras".into()).await.unwrap();
    assert!(keys.iter().any(|k| k.name == "Skolappen" && k.own_requests_only));
});
