//! Reports to the nämnder and the analysis register (S8, S9, V-S4, G6): a golden
//! report over a data set whose totals the test counts itself, the small-group rule, no
//! personal data anywhere, CSV for Swedish Excel, the same report from the command line, and
//! improvement actions with a user who must not see them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    Actor, CaseKind, Channel, ContactMethod, EventPayload, Justified, NewEvent, Submission, Submitter, SubmitterRole,
};
use store::{NewCase, Role, Store};

use crate::on_both_backends;
use crate::support::{PASSWORD, body, read_pdf};

fn se(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    domain::time::STOCKHOLM.with_ymd_and_hms(y, m, d, h, 0, 0).single().unwrap().with_timezone(&Utc)
}

/// One case of the data set.
struct Spec {
    kind: CaseKind,
    category: &'static str,
    node: &'static str,
    channel: Channel,
    role: Option<SubmitterRole>,
    received: DateTime<Utc>,
    /// Hours after receipt the citizen was answered, if they were.
    answered_after: Option<i64>,
    analysis: Option<(Justified, &'static str)>,
}

fn data_set() -> Vec<Spec> {
    let mut all = Vec::new();
    let spec = |kind, category, channel, role, received, answered_after, analysis| Spec {
        kind,
        category,
        node: if category == "skolskjuts" { "vasteras.buf" } else { "vasteras.park" },
        channel,
        role,
        received,
        answered_after,
        analysis,
    };
    // 2026-T2: twelve complaints about parks, eight answered within two hours, three after a
    // month, one not at all; ten analysed.
    for i in 0..12 {
        let answered = match i {
            0..8 => Some(2),
            8..11 => Some(24 * 30),
            _ => None,
        };
        let analysis = match i {
            0..6 => Some((Justified::Befogat, "vantetid")),
            6..9 => Some((Justified::Delvis, "bemotande")),
            9 => Some((Justified::Obefogat, "information")),
            _ => None,
        };
        let received = se(2026, 5, 4, 10) + Duration::days(i);
        all.push(spec(
            CaseKind::Klagomal,
            "parker",
            Channel::Web,
            Some(SubmitterRole::Invanare),
            received,
            answered,
            analysis,
        ));
    }
    // Seven suggestions from customers, three about playgrounds (a small area); none answered.
    for i in 0..7 {
        let category = if i < 3 { "lekplatser" } else { "parker" };
        let received = se(2026, 6, 1, 9) + Duration::days(i);
        all.push(spec(CaseKind::Synpunkt, category, Channel::Web, Some(SubmitterRole::Kund), received, None, None));
    }
    // Four questions left as phone messages, nobody saying who they are: small groups everywhere.
    for i in 0..4 {
        let received = se(2026, 7, 6, 11) + Duration::days(i);
        all.push(spec(CaseKind::Fraga, "parker", Channel::PhoneMessage, None, received, None, None));
    }
    // Outside the nämnd: a school-transport complaint. Before the period: six complaints.
    all.push(spec(
        CaseKind::Klagomal,
        "skolskjuts",
        Channel::Web,
        Some(SubmitterRole::Invanare),
        se(2026, 5, 5, 9),
        None,
        None,
    ));
    for i in 0..6 {
        let received = se(2026, 2, 2, 10) + Duration::days(i);
        all.push(spec(
            CaseKind::Klagomal,
            "parker",
            Channel::Web,
            Some(SubmitterRole::Invanare),
            received,
            Some(1),
            None,
        ));
    }
    all
}

async fn load(store: &Store, specs: &[Spec]) {
    for (n, s) in specs.iter().enumerate() {
        let submitter = Submitter {
            name: Some(format!("Kim Invånare {n}")),
            email: Some(format!("kim{n}@example.se")),
            contact_method: Some(ContactMethod::Email),
            role: s.role,
            ..Submitter::default()
        };
        let case = NewCase {
            submission: Submission::new(
                "vasteras",
                s.kind,
                s.channel,
                s.category,
                &format!("Hemlig beskrivning nummer {n}"),
            )
            .with_submitter(submitter),
            node_id: s.node.into(),
            received_at: s.received,
            idempotency_key: None,
            live: false,
            actor: Actor::Citizen,
        };
        let id = store.submit(case).await.unwrap().case_id;
        if let Some(hours) = s.answered_after {
            let assign = EventPayload::Assigned { node_id: s.node.into(), handler_id: None };
            store.append(id, NewEvent::new(s.received + Duration::minutes(1), Actor::System, assign)).await.unwrap();
            let answer = EventPayload::Answered { message: "Svar".into() };
            store.append(id, NewEvent::new(s.received + Duration::hours(hours), Actor::System, answer)).await.unwrap();
        }
        if let Some((justified, cause)) = s.analysis {
            let example = if n == 0 { "Boende hörde av sig från kim0@example.se om en trasig bänk." } else { "" };
            let analysis = EventPayload::Analysed {
                justified,
                causes: vec![cause.into()],
                measures: "Rutinen ses över.".into(),
                example: example.into(),
            };
            store.append(id, NewEvent::new(s.received + Duration::days(40), Actor::System, analysis)).await.unwrap();
        }
    }
}

/// The cells of the row labelled `label` in the table under `heading`.
fn row(html: &str, heading: &str, label: &str) -> Vec<String> {
    let section = html.split(&format!(">{heading}</h2>")).nth(1).unwrap_or_else(|| panic!("no table {heading}"));
    let section = section.split("</table>").next().unwrap();
    let start = section
        .find(&format!("<th scope=\"row\">{label}</th>"))
        .unwrap_or_else(|| panic!("no row {label} in {heading}"));
    let tr = &section[start..section[start..].find("</tr>").unwrap() + start];
    tr.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap().to_owned()).collect()
}

on_both_backends!(a_report_counts_what_the_test_counts_and_hides_small_groups, |app| {
    let app = app.with_demo(0).await;
    let specs = data_set();
    load(&app.store, &specs).await;
    // The nämnd's own läsare reports on Tekniska nämnden (everyone reports on their own units).
    let client = app.signed_in("lasare", PASSWORD).await;
    let response = client.get(app.url("/staff/reports?node=vasteras.tn&period=2026-T2")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let html = body(response).await;

    // Counted independently: the nämnd's cases in the period and in the one before.
    let in_tn = |s: &&Spec| s.node != "vasteras.buf";
    let t2 = |s: &&Spec| s.received >= se(2026, 5, 1, 0) && s.received < se(2026, 9, 1, 0);
    let t1 = |s: &&Spec| s.received >= se(2026, 1, 1, 0) && s.received < se(2026, 5, 1, 0);
    let now: Vec<&Spec> = specs.iter().filter(in_tn).filter(t2).collect();
    let before: Vec<&Spec> = specs.iter().filter(in_tn).filter(t1).collect();
    let count = |set: &[&Spec], f: &dyn Fn(&Spec) -> bool| set.iter().filter(|s| f(s)).count().to_string();
    let hidden = "färre än 5".to_owned();
    assert_eq!(row(&html, "Antal ärenden", "Alla ärenden"), [now.len().to_string(), before.len().to_string()]);
    assert_eq!(
        row(&html, "Efter typ", "Klagomål"),
        [count(&now, &|s| s.kind == CaseKind::Klagomal), count(&before, &|s| s.kind == CaseKind::Klagomal)]
    );
    assert_eq!(row(&html, "Efter typ", "Synpunkt"), ["7", "0"]);
    assert_eq!(row(&html, "Efter typ", "Fråga"), [hidden.clone(), "0".into()], "four questions: too few to show");
    assert_eq!(row(&html, "Efter kanal", "Telefonmeddelande eller röstbrevlåda"), [hidden.clone(), "0".into()]);
    assert_eq!(row(&html, "Efter vem som skrev (kund eller invånare)", "Inte angivet"), [hidden.clone(), "0".into()]);
    assert_eq!(
        row(&html, "Efter område", "Parker och grönområden"),
        [count(&now, &|s| s.category == "parker"), "6".into()]
    );
    // The three about playgrounds are merged with the other small areas, and still too few.
    assert!(!html.contains("<th scope=\"row\">Lekplatser</th>"), "a small area is not shown by itself");
    assert_eq!(row(&html, "Efter område", "Övriga områden"), [hidden.clone(), "0".into()]);
    assert_eq!(row(&html, "Var klagomålet befogat?", "Befogat"), ["6", "0"]);
    assert_eq!(row(&html, "Var klagomålet befogat?", "Delvis befogat"), [hidden.clone(), "0".into()]);
    assert_eq!(row(&html, "Var klagomålet befogat?", "Obefogat"), [hidden.clone(), "0".into()]);
    // Only complaints are assessed: the praise and questions of the period are not "not analysed".
    let unanalysed = now.iter().filter(|s| s.kind == CaseKind::Klagomal && s.analysis.is_none()).count();
    assert_eq!(unanalysed, 2);
    assert_eq!(row(&html, "Var klagomålet befogat?", "Inte analyserat"), [hidden.clone(), "6".into()]);
    // The justified share: wholly or partly justified of those assessed; none assessed before.
    let assessed = |js: &[Justified]| now.iter().filter(|s| s.analysis.is_some_and(|(j, _)| js.contains(&j))).count();
    let share = 100.0 * assessed(&[Justified::Befogat, Justified::Delvis]) as f64
        / assessed(&[Justified::Befogat, Justified::Delvis, Justified::Obefogat]) as f64;
    assert_eq!(
        row(&html, "Var klagomålet befogat?", "Andel befogade helt eller delvis, av de bedömda"),
        [format!("{share:.1} %").replace('.', ","), "–".into()]
    );
    assert_eq!(row(&html, "Orsaker", "Väntetid"), ["6", "0"]);
    assert_eq!(row(&html, "Orsaker", "Bemötande"), [hidden.clone(), "0".into()]);

    // V-S2 (two working days): kept when answered within two hours; the median and the 90th
    // percentile of the times until kept, by nearest rank, counted here.
    let met = now.iter().filter(|s| s.answered_after == Some(2)).count();
    let mut hours: Vec<i64> = now.iter().filter_map(|s| s.answered_after).collect();
    hours.sort();
    let rank = |p: usize| hours[(p * hours.len()).div_ceil(100) - 1];
    let share = format!("{:.1} %", 100.0 * met as f64 / now.len() as f64).replace('.', ",");
    assert_eq!(
        row(&html, "Hur löftena hölls", "Svar eller besked om var ärendet hanteras (V-S2)"),
        [
            met.to_string(),
            (now.len() - met).to_string(),
            "0".into(),
            share,
            format!("{},0 h", rank(50)),
            format!("{},0 h", rank(90)),
        ]
    );
    // S1 (a call back on a phone message) has four cases: nothing about it is shown.
    assert_eq!(
        row(&html, "Hur löftena hölls", "Återkoppling på telefonmeddelande (S1)")[..3],
        ["0".to_owned(), hidden.clone(), "0".into()]
    );

    // Each volume also as a chart, with the same numbers as its text alternative.
    assert!(
        html.contains("<desc id=\"kinds-desc\">Synpunkt: 7 (föregående period 0); Klagomål: 12 (föregående period 6)"),
        "{html}"
    );

    // Examples as staff wrote them, without the address that slipped in; no personal data.
    assert!(html.contains("Boende hörde av sig från […] om en trasig bänk."), "{html}");
    for secret in ["Kim Invånare", "example.se", "Hemlig beskrivning", "skolskjuts"] {
        assert!(!html.contains(secret), "{secret} must not appear in a report");
    }

    // The open statistics: the same figures for everyone, without staff's examples.
    let open =
        body(app.browser().get(app.url("/statistics?node=vasteras.tn&period=2026-T2")).send().await.unwrap()).await;
    assert_eq!(row(&open, "Antal ärenden", "Alla ärenden"), row(&html, "Antal ärenden", "Alla ärenden"));
    assert_eq!(row(&open, "Efter typ", "Fråga"), [hidden.clone(), "0".into()]);
    assert!(!open.contains("Boende hörde") && !open.contains("Kim Invånare"), "{open}");
    let other = app.browser().get(app.url("/statistics?node=vasteras.park&period=2026-T2")).send().await.unwrap();
    assert_eq!(other.status(), 422, "open statistics are per nämnd or for the whole municipality");

    // CSV for Swedish Excel, and the same report from the command line.
    let csv = client.get(app.url("/staff/reports/report.csv?node=vasteras.tn&period=2026-T2")).send().await.unwrap();
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("lyhord-vasteras.tn-2026-T2.csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark");
    assert!(csv.contains("Efter typ;Klagomål;12;6\r\n"), "{csv}");
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_lyhord"))
        .args(["report", "--node", "vasteras.tn", "--period", "2026-T2", "--format", "csv"])
        .env("LYHORD_DATABASE_URL", &app.database_url)
        .env("LYHORD_LOG", "warn")
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    assert_eq!(String::from_utf8(cli.stdout).unwrap().trim_end(), csv.trim_end());
    // The PDF for the nämnd's papers: tagged, titled, and with the same figures in its text.
    let pdf = client.get(app.url("/staff/reports/report.pdf?node=vasteras.tn&period=2026-T2")).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    let (info, text) = read_pdf(&pdf);
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(info.contains("Title:           Rapport om synpunkter och klagomål: Tekniska nämnden"), "{info}");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for (label, now, before) in [("Klagomål", "12", "6"), ("Synpunkt", "7", "0")] {
        assert!(lines.iter().any(|l| l.split_whitespace().collect::<Vec<_>>() == [label, now, before]), "{text}");
    }
    assert!(text.contains("Boende hörde av sig från […] om en trasig bänk."), "{text}");
    for secret in ["Kim Invånare", "example.se", "Hemlig beskrivning", "skolskjuts"] {
        assert!(!text.contains(secret), "{secret} must not appear in the PDF");
    }
    let cli_pdf = std::process::Command::new(env!("CARGO_BIN_EXE_lyhord"))
        .args(["report", "--node", "vasteras.tn", "--period", "2026-T2", "--format", "pdf"])
        .env("LYHORD_DATABASE_URL", &app.database_url)
        .env("LYHORD_LOG", "warn")
        .output()
        .unwrap();
    assert!(cli_pdf.status.success(), "{}", String::from_utf8_lossy(&cli_pdf.stderr));
    assert_eq!(read_pdf(&cli_pdf.stdout).1, text, "the command line writes the same PDF");
    // The minimum group is the municipality's choice: at three, the four questions show.
    let three = std::process::Command::new(env!("CARGO_BIN_EXE_lyhord"))
        .args(["report", "--node", "vasteras.tn", "--period", "2026-T2", "--format", "csv"])
        .env("LYHORD_DATABASE_URL", &app.database_url)
        .env("LYHORD_REPORT_MIN_GROUP", "3")
        .env("LYHORD_LOG", "warn")
        .output()
        .unwrap();
    let three = String::from_utf8(three.stdout).unwrap();
    assert!(three.contains("Efter typ;Fråga;4;0\r\n") && three.contains("Lekplatser;3;0"), "{three}");

    // A bad period is named at its field, with what was typed kept.
    let response = client.get(app.url("/staff/reports?node=vasteras.tn&period=2026-T9")).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = body(response).await;
    assert!(page.contains("id=\"period-error\"") && page.contains("value=\"2026-T9\""), "{page}");
    // A unit outside the user's own is refused: Eva Ekström leads Tekniska kontoret only.
    let eva = app.signed_in("chef", PASSWORD).await;
    let tn = eva.get(app.url("/staff/reports?node=vasteras.tn&period=2026-T2")).send().await.unwrap();
    assert_eq!(tn.status(), 422);
    let csv = eva.get(app.url("/staff/reports/report.csv?node=vasteras.tn&period=2026-T2")).send().await.unwrap();
    assert_eq!(csv.status(), 404);
});

on_both_backends!(improvement_actions_are_recorded_linked_and_followed_up, |app| {
    let app = app.with_demo(0).await;
    let specs = data_set();
    load(&app.store, &specs[..2]).await;
    let number = app.store.inbox(&store::InboxQuery::new(&"vasteras".into(), store::Units::All, 10)).await.unwrap()[0]
        .number
        .clone();
    let eva = app.signed_in("chef", PASSWORD).await;
    let today = domain::time::local(Utc::now()).date_naive();
    let form = |description: &str, due: String, status: &str, cases: &str| {
        vec![
            ("description".to_owned(), description.to_owned()),
            ("node".to_owned(), "vasteras.park".to_owned()),
            ("owner".to_owned(), String::new()),
            ("due".to_owned(), due),
            ("status".to_owned(), status.to_owned()),
            ("cases".to_owned(), cases.to_owned()),
            ("follow_up".to_owned(), String::new()),
            ("worked".to_owned(), String::new()),
        ]
    };
    // Each problem at its field, with what was typed kept.
    let refused = eva
        .post(app.url("/staff/improvements/new"))
        .form(&form("", "i morgon".into(), "planned", "2099-000001"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let page = body(refused).await;
    assert!(page.contains("id=\"description-error\"") && page.contains("id=\"due-error\""), "{page}");
    assert!(page.contains("Ärende 2099-000001 finns inte bland dina ärenden.") && page.contains("value=\"i morgon\""));

    let made = eva
        .post(app.url("/staff/improvements/new"))
        .form(&form("Tätare tillsyn av bänkarna", (today - Duration::days(1)).to_string(), "ongoing", &number))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 303);
    let list = body(eva.get(app.url("/staff/improvements")).send().await.unwrap()).await;
    assert!(
        list.contains("Tätare tillsyn av bänkarna") && list.contains("Försenad") && list.contains(&number),
        "{list}"
    );
    let case_page = body(eva.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    assert!(case_page.contains("Tätare tillsyn av bänkarna"), "the case links to the action");

    // Done, with the follow-up: the report of this month counts it.
    let id = app.store.improvements(&"vasteras".into(), None).await.unwrap()[0].id;
    let mut done = form("Tätare tillsyn av bänkarna", today.to_string(), "done", "");
    done[6].1 = "Inga fler klagomål på bänkarna.".into();
    done[7].1 = "yes".into();
    let saved = eva.post(app.url(&format!("/staff/improvements/{id}"))).form(&done).send().await.unwrap();
    assert_eq!(saved.status(), 303);
    let stored = &app.store.improvements(&"vasteras".into(), None).await.unwrap()[0];
    assert_eq!(
        (stored.status, stored.worked, stored.cases.len()),
        (domain::ImprovementStatus::Done, Some(domain::Worked::Yes), 1)
    );
    let month = domain::time::local(Utc::now()).format("%Y-%m").to_string();
    let report =
        body(eva.get(app.url(&format!("/staff/reports?node=vasteras.tk&period={month}"))).send().await.unwrap()).await;
    assert!(report.contains("<dt>Genomförda under perioden</dt><dd>1</dd>"), "{report}");

    // Someone in another förvaltning neither sees nor changes it; a reader cannot record one.
    crate::support::add_staff(&app.store, "olle", "Olle Skola", Role::Chef, "vasteras.buf").await;
    let olle = app.signed_in("olle", PASSWORD).await;
    assert!(!body(olle.get(app.url("/staff/improvements")).send().await.unwrap()).await.contains("bänkarna"));
    assert_eq!(olle.get(app.url(&format!("/staff/improvements/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(
        olle.post(app.url(&format!("/staff/improvements/{id}"))).form(&done).send().await.unwrap().status(),
        404
    );
    let lasare = app.signed_in("lasare", PASSWORD).await;
    assert_eq!(lasare.get(app.url("/staff/improvements/new")).send().await.unwrap().status(), 403);
});

on_both_backends!(the_handler_records_the_analysis_on_the_case, |app| {
    let app = app.with_demo(0).await;
    load(&app.store, &data_set()[11..12]).await;
    let number = app.store.inbox(&store::InboxQuery::new(&"vasteras".into(), store::Units::All, 10)).await.unwrap()[0]
        .number
        .clone();
    let johan = app.signed_in("handlaggare", PASSWORD).await;
    let url = app.url(&format!("/staff/cases/{number}/analyse"));
    let refused = johan.post(&url).form(&[("measures", "Skyltning"), ("cause_vantetid", "on")]).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let page = body(refused).await;
    assert!(page.contains("id=\"analyse-justified-error\"") && page.contains("Skyltning"), "{page}");
    let saved = johan
        .post(&url)
        .form(&[
            ("justified", "befogat"),
            ("cause_vantetid", "on"),
            ("cause_information", "on"),
            ("measures", "Skyltning"),
            ("example", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);
    let page = body(johan.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    assert!(page.contains("Analys: Befogat; orsaker: Information, Väntetid"), "{page}");

    // An example for the reports comes back as the reports would show it, without the
    // submitter's name or a number before a comma, and is saved only when sent again so.
    let typed = "Kim Invånare ringde från 070-1234567, om skylten.";
    let analysis = |example: &str| {
        [("justified", "befogat"), ("measures", "Skyltning"), ("example", example)]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
    };
    let checked = johan.post(&url).form(&analysis(typed)).send().await.unwrap();
    assert_eq!(checked.status(), 422);
    let page = body(checked).await;
    let shown = "[…] […] ringde från […], om skylten.";
    assert!(page.contains("Så här står det i rapporten") && page.contains(shown), "{page}");
    assert_eq!(johan.post(&url).form(&analysis(shown)).send().await.unwrap().status(), 303);
    assert!(
        page.contains("id=\"analyse-cause_vantetid\" name=\"cause_vantetid\" value=\"on\" checked"),
        "the latest analysis is shown"
    );
});

on_both_backends!(a_forvaltning_sets_its_causes_and_publishes_its_routine, |app| {
    let app = app.with_demo(0).await;
    load(&app.store, &data_set()[11..12]).await;
    let number = app.store.inbox(&store::InboxQuery::new(&"vasteras".into(), store::Units::All, 10)).await.unwrap()[0]
        .number
        .clone();
    // Eva Ekström leads Tekniska kontoret: she sets its causes; a mistake is named, kept.
    let eva = app.signed_in("chef", PASSWORD).await;
    fn form(causes: &str) -> [(&'static str, String); 3] {
        let routine = "Vi läser varje klagomål samma dag.\n\nVarje månad går vi igenom orsakerna.";
        [("node", "vasteras.tk".into()), ("causes", causes.into()), ("routine", routine.into())]
    }
    let refused =
        eva.post(app.url("/staff/analysis")).form(&form("skotsel = Skötsel\nskotsel = Igen")).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let page = body(refused).await;
    assert!(page.contains("line 2: the code skotsel is used twice") && page.contains("skotsel = Igen"), "{page}");
    let saved = eva
        .post(app.url("/staff/analysis"))
        .form(&form("skotsel = Skötsel / Upkeep\nvantetid = Väntetid"))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);

    // The park's cases are analysed by Tekniska kontoret's causes now.
    let case_page = body(eva.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    assert!(case_page.contains("name=\"cause_skotsel\"") && !case_page.contains("name=\"cause_bemotande\""));
    // The routine is published for everyone, and linked from the report.
    let public = body(app.browser().get(app.url("/routines/vasteras.tk")).send().await.unwrap()).await;
    assert!(public.contains("Varje månad går vi igenom orsakerna."), "{public}");
    let report = body(eva.get(app.url("/staff/reports?node=vasteras.tk&period=2026")).send().await.unwrap()).await;
    assert!(report.contains("href=\"/routines/vasteras.tk\""), "{report}");
    assert_eq!(app.browser().get(app.url("/routines/vasteras.buf")).send().await.unwrap().status(), 404);

    // Another förvaltning's manager may not change it; a handläggare has no such page.
    crate::support::add_staff(&app.store, "olle", "Olle Skola", Role::Chef, "vasteras.buf").await;
    let olle = app.signed_in("olle", PASSWORD).await;
    let denied = olle.post(app.url("/staff/analysis")).form(&form("x = X")).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    let johan = app.signed_in("handlaggare", PASSWORD).await;
    assert_eq!(johan.get(app.url("/staff/analysis")).send().await.unwrap().status(), 403);
});

on_both_backends!(the_per_day_tallies_follow_every_change_to_a_case, |app| {
    // Reports read per-unit, per-day tallies kept from marks left by the database itself;
    // moving a case, analysing it and a promise falling due must all show at once.
    let app = app.with_demo(0).await;
    let specs = data_set();
    load(&app.store, &specs).await;
    let store = &app.store;
    let nodes = |n: &[&str]| n.iter().map(|s| domain::NodeId::from(*s)).collect::<Vec<_>>();
    let (from, to) = (se(2026, 5, 1, 0), se(2026, 9, 1, 0));
    let total = |t: &store::ReportTally| t.groups.iter().map(|g| g.count).sum::<i64>();
    let justified = |t: &store::ReportTally, j: Justified| {
        t.groups.iter().filter(|g| g.justified == Some(j)).map(|g| g.count).sum::<i64>()
    };
    let in_t2 = |s: &&Spec| s.received >= from && s.received < to;
    let park = store.report_tally(&"vasteras".into(), &nodes(&["vasteras.park"]), from, to).await.unwrap();
    let expected = specs.iter().filter(in_t2).filter(|s| s.node == "vasteras.park").count() as i64;
    assert_eq!(total(&park), expected);
    assert_eq!(store.refresh_report_days(&"vasteras".into()).await.unwrap(), 0, "nothing left to recompute");

    // The last T2 question (received 2026-07-09, in the middle of the period) moves to the
    // school administration and is analysed as not justified.
    let cases = store.inbox(&store::InboxQuery::new(&"vasteras".into(), store::Units::All, 100)).await.unwrap();
    let question = cases.iter().find(|c| c.kind == CaseKind::Fraga && c.received_at == se(2026, 7, 9, 11)).unwrap();
    let at = se(2026, 8, 1, 9);
    let moved = EventPayload::Assigned { node_id: "vasteras.buf".into(), handler_id: None };
    store.append(question.id, NewEvent::new(at, Actor::System, moved)).await.unwrap();
    let analysis = EventPayload::Analysed {
        justified: Justified::Obefogat,
        causes: vec!["information".into()],
        measures: String::new(),
        example: String::new(),
    };
    store.append(question.id, NewEvent::new(at, Actor::System, analysis)).await.unwrap();

    let park_after = store.report_tally(&"vasteras".into(), &nodes(&["vasteras.park"]), from, to).await.unwrap();
    assert_eq!(total(&park_after), expected - 1);
    let buf = store.report_tally(&"vasteras".into(), &nodes(&["vasteras.buf"]), from, to).await.unwrap();
    let buf_before = specs.iter().filter(in_t2).filter(|s| s.node == "vasteras.buf").count() as i64;
    assert_eq!(total(&buf), buf_before + 1);
    assert_eq!(justified(&buf, Justified::Obefogat), 1);
    // The whole nämnd and a period cut mid-day count the same cases as the cases themselves.
    let both =
        store.report_tally(&"vasteras".into(), &nodes(&["vasteras.park", "vasteras.buf"]), from, to).await.unwrap();
    assert_eq!(total(&both), specs.iter().filter(in_t2).count() as i64);
    let noon = se(2026, 7, 7, 12);
    let half = store.report_tally(&"vasteras".into(), &nodes(&["vasteras.park"]), from, noon).await.unwrap();
    let expected_half = specs.iter().filter(|s| s.node == "vasteras.park" && s.received >= from && s.received < noon);
    assert_eq!(total(&half), expected_half.count() as i64);
});

on_both_backends!(a_csv_cell_never_runs_as_a_formula, |app| {
    let app = app.with_demo(0).await;
    let name = "=HYPERLINK(\"http://evil.example\";\"Klicka\")";
    let category = domain::Category {
        code: "formel".into(),
        name_sv: name.into(),
        name_en: name.into(),
        group_sv: "Parker".into(),
        group_en: "Parks".into(),
        node_id: "vasteras.park".into(),
        kinds: Vec::new(),
        public: true,
        sensitive: false,
        questions: Vec::new(),
    };
    app.store.upsert_category(&"vasteras".into(), &category, 99).await.unwrap();
    // Enough cases that the category is named, not folded into "other" (small groups are).
    for _ in 0..5 {
        let submission = Submission::new("vasteras", CaseKind::Synpunkt, Channel::Web, "formel", "Text");
        let case = NewCase {
            submission,
            node_id: "vasteras.park".into(),
            received_at: Utc::now(),
            idempotency_key: None,
            live: false,
            actor: Actor::Citizen,
        };
        app.store.submit(case).await.unwrap();
    }
    app.store.refresh_report_days(&"vasteras".into()).await.unwrap();
    let chef = app.signed_in("chef", PASSWORD).await;
    let year = domain::time::local(Utc::now()).format("%Y").to_string();
    let csv = chef
        .get(app.url(&format!("/staff/reports/report.csv?node=vasteras.tk&period={year}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\";\"\"Klicka\"\")\""), "{csv}");
    assert!(!csv.contains(";=HYPERLINK") && !csv.contains("\n=HYPERLINK"), "{csv}");
});
