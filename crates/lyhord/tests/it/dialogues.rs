//! Invånardialog from plan to feedback (V-D1–V-D7, G7), through the pages.

use chrono::{Duration, Utc};
use store::Role;

use crate::on_both_backends;
use crate::support::{PASSWORD, add_staff, body, read_pdf};

/// Two districts; women and men of two age bands.
const POPULATION: &str = "\"region\";\"ålder\";\"kön\";\"2025\"\n\
\"Centrum\";\"20-24 år\";\"kvinnor\";\"3 000\"\n\
\"Centrum\";\"20-24 år\";\"män\";\"3 000\"\n\
\"Centrum\";\"45-49 år\";\"kvinnor\";2000\n\
\"Centrum\";\"45-49 år\";\"män\";2000\n\
\"Bäckby\";\"45-49 år\";\"kvinnor\";0\n\
\"Bäckby\";\"20-24 år\";\"män\";\"10 000\"\n\
\"Bäckby\";\"totalt\";\"män\";99999\n";

/// The plan form; `political` is the decision's body, date and paragraph as typed.
fn plan(ladder: &str, political: [&str; 3]) -> Vec<(&'static str, String)> {
    let today = domain::time::local(Utc::now()).date_naive();
    vec![
        ("title", "Ny lekplats i Centrum".into()),
        ("purpose", "Att höra vad barn och vuxna vill ha på lekplatsen.".into()),
        ("question", "Vad ska finnas på den nya lekplatsen?".into()),
        ("open_to_influence", "Utrustning och växter; inte platsen eller budgeten.".into()),
        ("decision_node", "vasteras.tn".into()),
        ("decision_matter", "Gestaltning av lekplatsen i Centrum".into()),
        ("decision_date", (today + Duration::days(30)).to_string()),
        ("decider", "Tekniska nämnden".into()),
        ("use_of_results", "Underlag till gestaltningen.".into()),
        ("opens_on", (today - Duration::days(1)).to_string()),
        ("closes_on", (today + Duration::days(10)).to_string()),
        ("target_groups", "Barnfamiljer och boende i Centrum.".into()),
        ("methods", "comments".into()),
        ("methods", "walk".into()),
        ("ladder", ladder.into()),
        ("political_body", political[0].into()),
        ("political_date", political[1].into()),
        ("political_paragraph", political[2].into()),
        ("feedback_plan", "Alla som lämnat e-post får beslutet och redovisningen.".into()),
    ]
}

on_both_backends!(a_dialogue_runs_from_plan_to_feedback, |app| {
    let app = app.with_demo(0).await;
    let admin = app.signed_in("admin", PASSWORD).await;

    // The population, from a table in SCB's layout; a bad table is refused and kept.
    let bad = "region;ålder;kön;2025\nCentrum;15-24 år;män;10\n";
    let response = admin.post(app.url("/staff/population")).form(&[("csv", bad)]).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = body(response).await;
    assert!(page.contains("line 2") && page.contains("15-24 år") && page.contains("id=\"csv-error\""), "{page}");
    let response = admin.post(app.url("/staff/population")).form(&[("csv", POPULATION)]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let page = body(admin.get(app.url("/staff/population")).send().await.unwrap()).await;
    assert!(page.contains("20000 personer"), "the totals were skipped: {page}");

    // Co-decision is saved as a draft but not published without its political decision (V-D6).
    let response =
        admin.post(app.url("/staff/dialogues/new")).form(&plan("medbestammande", ["", "", ""])).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let home = response.headers()["location"].to_str().unwrap().to_owned();
    let id = home.rsplit('/').next().unwrap().to_owned();
    let public = format!("/dialogues/{id}");
    assert_eq!(app.browser().get(app.url(&public)).send().await.unwrap().status(), 404, "a draft is not public");
    let mut publish = plan("medbestammande", ["", "", ""]);
    publish.push(("publish", "1".into()));
    let response = admin.post(app.url(&home)).form(&publish).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = body(response).await;
    assert!(page.contains("id=\"political_body-error\"") && page.contains("politiska beslut"), "{page}");
    assert!(page.contains("Ny lekplats i Centrum"), "what was typed is kept");
    // The reference is its parts (11c): a body, a meeting's date and a paragraph number.
    let mut publish = plan("medbestammande", ["Kommunfullmäktige", "2026-02-05", "tolv"]);
    publish.push(("publish", "1".into()));
    let response = admin.post(app.url(&home)).form(&publish).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = body(response).await;
    assert!(page.contains("id=\"political_paragraph-error\"") && page.contains("value=\"tolv\""), "{page}");
    assert!(!page.contains("id=\"political_body-error\""), "the body was given");
    let mut publish = plan("medbestammande", ["Kommunfullmäktige", "2026-02-05", "§ 12"]);
    publish.push(("publish", "1".into()));
    assert_eq!(admin.post(app.url(&home)).form(&publish).send().await.unwrap().status(), 303);

    // The public page shows the whole plan (V-D3) and, being open, the form.
    let page = body(app.browser().get(app.url(&public)).send().await.unwrap()).await;
    for part in [
        "Utrustning och växter",
        "Tekniska nämnden",
        "Medbestämmande (Politiskt beslut om medbestämmande: Kommunfullmäktige 2026-02-05 § 12)",
        "Alla som lämnat e-post",
        "Öppen: du kan delta nu",
    ] {
        assert!(page.contains(part), "{part} missing: {page}");
    }
    assert!(app.browser().get(app.url("/dialogues")).send().await.unwrap().text().await.unwrap().contains(&public));

    // Once published, the step on the ladder and the decision behind it change only with a
    // recorded reason (V-D6); other fields change freely, and every change is recorded.
    let lowered = plan("konsultation", ["Kommunfullmäktige", "2026-02-05", "12"]);
    let response = admin.post(app.url(&home)).form(&lowered).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = body(response).await;
    assert!(page.contains("id=\"change_reason-error\"") && page.contains("value=\"konsultation\" selected"), "{page}");
    let mut lowered = lowered;
    lowered.push(("change_reason", "Fullmäktige upphävde beslutet om medbestämmande.".into()));
    assert_eq!(admin.post(app.url(&home)).form(&lowered).send().await.unwrap().status(), 303);
    let mut back = plan("medbestammande", ["Kommunfullmäktige", "2026-02-05", "12"]);
    back.push(("change_reason", "Beslutet upphävdes inte; felaktig uppgift.".into()));
    assert_eq!(admin.post(app.url(&home)).form(&back).send().await.unwrap().status(), 303);
    let changes = app.store.dialogue_changes(id.parse().unwrap()).await.unwrap();
    let last = changes.last().unwrap();
    assert_eq!((last.what.as_str(), last.fields.len()), ("plan", 1));
    assert_eq!((last.fields[0].before.as_str(), last.fields[0].after.as_str()), ("konsultation", "medbestammande"));

    // A questionnaire: one choice and a scale.
    let work = format!("{home}/work");
    let add = |kind: &'static str, text: &'static str, options: &'static str| {
        admin
            .post(app.url(&format!("{home}/questions")))
            .form(&[("kind", kind), ("text", text), ("options", options)])
            .send()
    };
    assert_eq!(add("single", "Vad är viktigast?", "Gungor\nSkugga\nBelysning").await.unwrap().status(), 303);
    assert_eq!(add("scale", "Hur trygg känns platsen i dag?", "").await.unwrap().status(), 303);
    let response = add("single", "En fråga med ett enda svar", "Bara ett").await.unwrap();
    assert_eq!(response.status(), 422, "a choice needs two options");
    let questions = app.store.dialogue_questions(id.parse().unwrap()).await.unwrap();
    let (choice, scale) = (format!("q-{}", questions[0].id), format!("q-{}", questions[1].id));

    // Twelve people take part: eight women and four men, some leaving an address.
    let citizen = app.browser();
    for n in 0..12 {
        let gender = if n < 8 { "kvinna" } else { "man" };
        let wish = ["Gungor", "Skugga", "Gungor"][n % 3];
        let mut form = vec![
            (choice.clone(), wish.to_owned()),
            (scale.clone(), "3".to_owned()),
            ("kind".into(), "proposal".into()),
            ("body".into(), format!("Förslag nummer {n}: fler {}", wish.to_lowercase())),
            ("gender".into(), gender.into()),
            ("age_band".into(), "20-29".into()),
            ("district".into(), "Centrum".into()),
        ];
        if n < 3 {
            form.push(("email".into(), format!("deltagare{n}@example.se")));
        }
        let response = citizen.post(app.url(&public)).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 200, "participant {n}");
    }
    // A bad address is named at its field, and the proposal is kept.
    let form = [("body", "Ett förslag som inte får försvinna"), ("email", "inte-en-adress")];
    let response = citizen.post(app.url(&public)).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = body(response).await;
    assert!(page.contains("id=\"email-error\"") && page.contains("Ett förslag som inte får försvinna"), "{page}");
    // Questions are locked once answered.
    let response = add("text", "En fråga till", "").await.unwrap();
    assert_eq!(response.status(), 422);
    assert!(body(response).await.contains("Enkäten har svar"));

    // A walk on site, with the views raised there registered as contributions.
    let walk = [
        ("held_on", domain::time::local(Utc::now()).date_naive().to_string()),
        ("place", "Lekplatsen i Centrum".to_owned()),
        ("method", "walk".to_owned()),
        ("participants", "14".to_owned()),
        ("notes", "Regn, men många barn.".to_owned()),
        ("raised", "Mörkt vid ingången\nFler bänkar".to_owned()),
    ];
    assert_eq!(admin.post(app.url(&format!("{home}/meetings"))).form(&walk).send().await.unwrap().status(), 303);

    // Moderation hides contribution 2 with a reason, and keeps the original and the log.
    let dialogue: domain::DialogueId = id.parse().unwrap();
    let all = app.store.contributions(dialogue).await.unwrap();
    assert_eq!(all.len(), 14, "twelve from the web, two from the walk");
    let second = all.iter().find(|c| c.number == 2).unwrap();
    let hide = |reason: &'static str| {
        admin
            .post(app.url(&format!("{home}/moderate")))
            .form(&[("contribution", second.id.to_string()), ("hide", "1".into()), ("reason", reason.into())])
            .send()
    };
    assert_eq!(hide("").await.unwrap().status(), 422, "hiding needs a reason");
    assert_eq!(hide("Innehöll ett namn").await.unwrap().status(), 303);
    let kept = app.store.contributions(dialogue).await.unwrap();
    assert!(kept[1].hidden && kept[1].body == second.body, "hidden, never changed");
    assert_eq!(app.store.moderation_log(dialogue).await.unwrap()[0].reason, "Innehöll ett namn");
    let page = body(app.browser().get(app.url(&public)).send().await.unwrap()).await;
    assert!(!page.contains(&second.body) && page.contains("Förslag nummer 0"), "{page}");

    // Themes: the swings are taken into account; one walk view individually not.
    let response = admin.post(app.url(&format!("{home}/themes"))).form(&[("name", "Gungor")]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let theme = app.store.themes(dialogue).await.unwrap()[0].id.to_string();
    let considered = [
        ("theme", theme.as_str()),
        ("name", "Gungor"),
        ("consideration", "beaktad"),
        ("reason", "Två gungor ingår i förslaget."),
    ];
    assert_eq!(admin.post(app.url(&format!("{home}/themes"))).form(&considered).send().await.unwrap().status(), 303);
    for c in kept.iter().filter(|c| c.body.contains("gungor")) {
        let form = [
            ("contribution", c.id.to_string()),
            ("theme", theme.clone()),
            ("consideration", String::new()),
            ("reason", String::new()),
        ];
        assert_eq!(admin.post(app.url(&format!("{home}/consider"))).form(&form).send().await.unwrap().status(), 303);
    }
    let benches = kept.iter().find(|c| c.body == "Fler bänkar").unwrap();
    let form = [
        ("contribution", benches.id.to_string()),
        ("theme", String::new()),
        ("consideration", "ej_beaktad".into()),
        ("reason", "Ryms inte i budgeten.".into()),
    ];
    assert_eq!(admin.post(app.url(&format!("{home}/consider"))).form(&form).send().await.unwrap().status(), 303);

    // Participants against the population while open (V-D2): the four men are not shown.
    let page = body(admin.get(app.url(&work)).send().await.unwrap()).await;
    // Women are 5 000 of 20 000 inhabitants and 8 of 12 participants.
    assert!(
        page.contains(
            "<th scope=\"row\">Kvinna</th><td>25,0 %</td><td>8</td><td>66,7 %</td><td>+41,7 procentenheter</td>"
        ),
        "{page}"
    );
    assert!(
        page.contains("<th scope=\"row\">Man</th><td>75,0 %</td><td>färre än 5</td><td>–</td><td>–</td>"),
        "{page}"
    );
    assert!(
        page.contains("<th scope=\"row\">Bäckby</th><td>50,0 %</td><td>färre än 5</td>"),
        "nobody from Bäckby: {page}"
    );

    // The decision, and feedback to those who left an address (V-D4), once.
    // The dialogue is still open: a decision now needs a reason, shown in the redovisning.
    let mut outcome = vec![
        ("decided_on", domain::time::local(Utc::now()).date_naive().to_string()),
        ("outcome", "Lekplatsen byggs med gungor och belysning.".to_owned()),
    ];
    let response = admin.post(app.url(&format!("{home}/outcome"))).form(&outcome).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = body(response).await;
    assert!(page.contains("id=\"decision_reason-error\"") && page.contains("Lekplatsen byggs med gungor"), "{page}");
    outcome.push(("decision_reason", "Nämnden tidigarelade beslutet för att hinna bygga före sommaren.".to_owned()));
    assert_eq!(admin.post(app.url(&format!("{home}/outcome"))).form(&outcome).send().await.unwrap().status(), 303);
    let mails = app.sent_mail(3).await;
    let mut to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["deltagare0@example.se", "deltagare1@example.se", "deltagare2@example.se"]);
    assert!(
        mails[0].text.contains("Lekplatsen byggs med gungor")
            && mails[0].text.contains(&format!("{public}/redovisning"))
    );
    // The addresses were given for the feedback alone: the demo's gallringsbeslut lets them
    // go once it is sent, and the next approved run removes them (nothing goes without one).
    assert_eq!(app.store.feedback_recipients(dialogue).await.unwrap().len(), 3, "kept until a gallring run");
    let j: domain::JurisdictionId = "vasteras".into();
    let run = app::gallring::plan(&app.store, &j, "test", Utc::now()).await.unwrap();
    assert!(app.store.approve_gallring_run(&j, run, "Ingrid Ek").await.unwrap());
    let run = app.store.gallring_run(&j, run).await.unwrap().unwrap();
    app::gallring::carry_out(&app.store, &app.disk(), &run).await.unwrap();
    let kept_addresses = app.store.feedback_recipients(dialogue).await.unwrap();
    assert_eq!(kept_addresses, vec![], "no address is kept after the feedback");
    assert_eq!(admin.post(app.url(&format!("{home}/outcome"))).form(&outcome).send().await.unwrap().status(), 303);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(app.sent_mail(3).await.len(), 3, "nobody gets the feedback twice");

    // The redovisning (V-D5, G7): every contribution, the hidden one by its note, counts that
    // match what was given, and how each was considered.
    let page = body(app.browser().get(app.url(&format!("{public}/redovisning"))).send().await.unwrap()).await;
    let gungor = (0..12).filter(|n| n % 3 != 1).count();
    assert!(page.contains(&format!("<th scope=\"row\">Gungor</th><td>{gungor}</td>")), "{page}");
    assert!(page.contains(&format!("<th scope=\"row\">Skugga</th><td>{}</td>", 12 - gungor)), "{page}");
    assert!(page.contains("<th scope=\"row\">3</th><td>12</td>"), "every scale answer was 3: {page}");
    assert!(page.contains(&format!("Gungor ({gungor} bidrag)")), "every proposal about swings is in the theme: {page}");
    assert!(page.contains("[Dold av moderator: Innehöll ett namn]") && !page.contains(&second.body), "{page}");
    assert!(
        page.contains("Fler bänkar") && page.contains("Ej beaktad") && page.contains("Ryms inte i budgeten."),
        "{page}"
    );
    assert!(page.contains("14 deltagare, 2 synpunkter antecknade"), "the walk counts too: {page}");
    for n in 1..=14 {
        assert!(page.contains(&format!("<tr><th scope=\"row\">{n}</th>")), "contribution {n} is listed");
    }
    assert!(page.contains("Lekplatsen byggs med gungor och belysning."));
    // Its history (V-D4): the ladder's changes with their reasons, the themes and
    // considerations, the decision and why it came early, each with who made it.
    for part in [
        "Ändringar efter publiceringen",
        "Grad av delaktighet: Medbestämmande → Konsultation",
        "Fullmäktige upphävde beslutet om medbestämmande.",
        "Tema: – → Gungor",
        "Hur det beaktades: – → Ej beaktad",
        "Nämnden tidigarelade beslutet för att hinna bygga före sommaren.",
        "Maria Lind",
    ] {
        assert!(page.contains(part), "{part} missing from the redovisning: {page}");
    }
    let page = body(app.browser().get(app.url(&public)).send().await.unwrap()).await;
    assert!(page.contains("Beslut fattat") && page.contains("Lekplatsen byggs med gungor och belysning."), "{page}");
    assert!(page.contains(&format!("{public}/redovisning")), "the public page links the redovisning");
    let pdf = app.browser().get(app.url(&format!("{public}/redovisning.pdf"))).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let (info, text) = read_pdf(&pdf.bytes().await.unwrap());
    assert!(
        info.contains("Tagged:          yes") && info.contains("Redovisning av invånardialogen: Ny lekplats i Centrum"),
        "{info}"
    );
    let row = text.lines().find(|l| l.trim_start().starts_with("14 ")).unwrap_or_default();
    assert!(row.contains("Fler bänkar") && row.contains("Ej beaktad"), "{text}");
    assert!(text.contains("[Dold av moderator: Innehöll ett namn]") && !text.contains(&second.body), "{text}");
    assert!(
        !text.contains("deltagare0@example.se") && !page.contains("deltagare0@example.se"),
        "addresses are never shown"
    );

    // Who may not: a reader gets no dialogue pages.
    add_staff(&app.store, "lasare2", "Lisa Läsare", Role::Lasare, "vasteras.park").await;
    let reader = app.signed_in("lasare2", PASSWORD).await;
    assert_eq!(reader.get(app.url("/staff/dialogues")).send().await.unwrap().status(), 403);
    assert_eq!(reader.get(app.url(&work)).send().await.unwrap().status(), 403);
    assert_eq!(
        reader
            .post(app.url(&format!("{home}/moderate")))
            .form(&[("contribution", second.id.to_string()), ("hide", "0".into()), ("reason", "x".into())])
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(reader.get(app.url("/staff/population")).send().await.unwrap().status(), 403);
    assert_eq!(
        app.browser().get(app.url(&work)).send().await.unwrap().status(),
        303,
        "not signed in: to the sign-in page"
    );
    // Nor does another municipality's staff.
    let app = app.with_second_jurisdiction().await;
    let salem = app.signed_in("salem-admin", PASSWORD).await;
    assert_eq!(salem.get(app.url(&work)).send().await.unwrap().status(), 404);
    assert_eq!(salem.get(app.url(&home)).send().await.unwrap().status(), 404);
});
