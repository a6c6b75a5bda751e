//! E-mail both ways: sending through a real SMTP server on loopback (aiosmtpd,
//! started here), with a retry after a refusal and a message given up; and a corpus of
//! received messages, each with the case or the hold it must become.

use crate::on_both_backends;
use crate::support::{App, PASSWORD, SentMail, body};
use lyhord::config::Settings;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use store::MailOutcome;

/// The SMTP server of `scripts/test-smtp-server`, stopped when dropped.
struct SmtpServer {
    port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpServer {
    fn start() -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let python = std::env::var("LYHORD_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/test-smtp-server");
        let mut child = Command::new(python)
            .arg(script)
            .arg("--dir")
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("the SMTP server did not start: {line:?}"));
        SmtpServer { port, dir, child }
    }

    /// Refuses the next `count` messages with `code`.
    fn refuse(&self, code: u16, count: u32) {
        std::fs::write(self.dir.path().join("refuse"), format!("{code} {count}")).unwrap();
    }

    /// The messages accepted so far, once there are at least `count`.
    async fn received(&self, count: usize) -> Vec<SentMail> {
        crate::support::mail_in(self.dir.path(), count).await
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn settings_for(smtp: &SmtpServer, max_attempts: i64) -> Settings {
    Settings {
        smtp_url: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
        mail_from: "kontakt@vasteras.example".into(),
        mail_retry_seconds: 1,
        mail_max_attempts: max_attempts,
        ..Settings::default()
    }
}

fn complaint(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "klagomal".into()),
        ("category", "lekplatser".into()),
        ("description", "Gungan i Vasaparken är trasig.".into()),
        ("identity", "named".into()),
        ("name", "Anna Andersson".into()),
        ("email", "anna@example.se".into()),
        ("contact_method", "email".into()),
        ("form_key", key.into()),
        ("started", (chrono::Utc::now().timestamp() - 60).to_string()),
    ]
}

/// Sends the web form; the case number.
async fn submit(app: &App, key: &str) -> String {
    let response =
        app.browser().post(app.url("/submit")).form(&app.sealed(&complaint(key)).await).send().await.unwrap();
    let html = body(response).await;
    let start = html.find(r#"<p class="case-number">"#).expect("a receipt") + 23;
    html[start..start + 11].to_owned()
}

async fn wait_until(mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("not done within fifteen seconds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_and_answers_reach_a_real_smtp_server_once_even_after_a_refusal() {
    let smtp = SmtpServer::start();
    let app = App::start_with(store::testing::TestDb::sqlite(), settings_for(&smtp, 8)).await.with_demo(0).await;
    // The first try meets a temporary refusal; the second, a second later, succeeds.
    smtp.refuse(451, 1);
    let number = submit(&app, "smtp-1").await;
    let received = smtp.received(1).await;
    assert_eq!(received[0].to, "anna@example.se");
    assert_eq!(received[0].subject, format!("Vi har tagit emot ditt ärende {number}"));
    assert!(received[0].headers.contains("Auto-Submitted: auto-generated"));
    assert!(
        received[0].headers.contains("From: =?utf-8?b?") || received[0].headers.contains("From: \"Västerås stad\"")
    );
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    // The server has it; the sender records that just after.
    wait_until(async || app.store.outbox_for_case(case.id).await.unwrap()[0].sent_at.is_some()).await;
    let queued = app.store.outbox_for_case(case.id).await.unwrap();
    assert_eq!(queued[0].attempts, 2, "sent on the second try");
    assert!(
        received[0].headers.contains(&format!("Message-ID: <{}@vasteras.example>", queued[0].id)),
        "{}",
        received[0].headers
    );
    assert!(received[0].headers.contains("Reply-To: ") && received[0].headers.contains(&format!("kontakt+{number}.")));

    // Staff answer: sent once, framed by the template, not marked automatic.
    let assigned = domain::EventPayload::Assigned { node_id: "vasteras.park".into(), handler_id: None };
    app.store
        .append(case.id, domain::NewEvent::new(chrono::Utc::now(), domain::Actor::System, assigned))
        .await
        .unwrap();
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    let form = [("message", "Gungan lagas på måndag.")];
    let response = handler.post(app.url(&format!("/staff/cases/{number}/answer"))).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let received = smtp.received(2).await;
    assert_eq!(received[1].subject, format!("Svar i ditt ärende {number}"));
    assert!(received[1].text.starts_with("Hej!\n\nGungan lagas på måndag.\n\nÄrende"), "{}", received[1].text);
    assert!(!received[1].headers.contains("Auto-Submitted"));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(smtp.received(0).await.len(), 2, "each message arrived exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_refused_to_the_last_try_is_shown_to_staff() {
    let smtp = SmtpServer::start();
    let app = App::start_with(store::testing::TestDb::sqlite(), settings_for(&smtp, 2)).await.with_demo(0).await;
    smtp.refuse(451, 100);
    let number = submit(&app, "smtp-fail").await;
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    wait_until(async || app.store.outbox_for_case(case.id).await.unwrap()[0].failed_at.is_some()).await;
    let message = &app.store.outbox_for_case(case.id).await.unwrap()[0];
    assert_eq!(message.attempts, 2);
    assert_eq!(message.last_error.as_deref(), Some("the mail server refused it (451)"));
    let staff = app.signed_in("registrator", PASSWORD).await;
    let page = body(staff.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    assert!(page.contains("Kunde inte skickas") && page.contains("the mail server refused it (451)"), "{page}");
    // A permanent refusal is not tried again.
    smtp.refuse(550, 100);
    let number = submit(&app, "smtp-permanent").await;
    let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
    wait_until(async || app.store.outbox_for_case(case.id).await.unwrap()[0].failed_at.is_some()).await;
    assert_eq!(app.store.outbox_for_case(case.id).await.unwrap()[0].attempts, 1);
    assert!(smtp.received(0).await.is_empty());
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

on_both_backends!(received_messages_become_cases_replies_or_are_held, |app| {
    let app = app.with_demo(0).await;
    let state = app::App::new(app.store.clone(), lyhord::serve::app_config(&app.settings));
    let take = |raw: Vec<u8>| {
        let state = state.clone();
        async move { app::mail::ingest(&state, &"vasteras".into(), &raw, None).await.unwrap() }
    };
    // New messages: cases on the e-mail channel, with the text as it was meant.
    let expected = [
        (
            "plain.eml",
            "Anna Andersson",
            "anna@example.se",
            "Trasig gunga i Vasaparken\n\nHej!\n\nGungan vid lekplatsen i Vasaparken har gått sönder.",
        ),
        (
            "multipart.eml",
            "Örjan Ek",
            "orjan@example.se",
            "Fråga om bygglov\n\nBehöver jag bygglov för ett attefallshus?",
        ),
        ("html-only.eml", "Lisa Berg", "lisa@example.se", "Snöröjning\n\nVår gata har inte plogats på tre dagar."),
        (
            "latin1.eml",
            "Göran Åström",
            "goran@example.se",
            "Skärgårdsbåten är försenad\n\nBåten till Östra holmen gick inte i går. Vem ansvarar för tidtabellen?",
        ),
        (
            "windows1252.eml",
            "Per Holm",
            "per@example.se",
            "Avgift\n\nJag fick en faktura på 450 € för ”tillsyn” – varför?",
        ),
    ];
    for (file, name, email, start) in expected {
        let done = take(fixture(file)).await;
        assert_eq!(done.outcome, MailOutcome::Case, "{file}: {done:?}");
        let number = done.case_number.unwrap();
        let case = app.store.case_by_number(&"vasteras".into(), &number).await.unwrap().unwrap();
        assert_eq!((case.channel, case.category.as_str()), (domain::Channel::Email, "ovrigt"), "{file}");
        let events = app.store.events(case.id).await.unwrap();
        let Ok(domain::EventPayload::Received { submission, .. }) = events[0].payload() else { panic!("a receipt") };
        assert!(
            submission.description.replace("\r\n", "\n").starts_with(start),
            "{file}: {:?}",
            submission.description
        );
        assert!(!submission.description.contains('<'), "{file}: no markup");
        assert_eq!(
            (submission.submitter.name.as_deref(), submission.submitter.email.as_deref()),
            (Some(name), Some(email))
        );
        let queued = app.store.outbox_for_case(case.id).await.unwrap();
        assert_eq!((queued.len(), queued[0].purpose.as_str()), (1, "receipt"), "{file}: a receipt is sent");
        let clocks = app.store.clocks(case.id, chrono::Utc::now()).await.unwrap();
        assert!(clocks.iter().any(|c| c.id == "s2"), "{file}: e-mail is answered within three days (S2)");
    }
    // Delivered twice: one case.
    let before = app.store.count_cases(&"vasteras".into()).await.unwrap();
    let again = take(fixture("plain.eml")).await;
    assert_eq!(again.outcome, MailOutcome::Case);
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), before);

    // Attachments: the picture is stored (without its text metadata), the Word file is named.
    let done = take(fixture("attachments.eml")).await;
    let case = app.store.case_by_number(&"vasteras".into(), &done.case_number.unwrap()).await.unwrap().unwrap();
    let events = app.store.events(case.id).await.unwrap();
    let Ok(domain::EventPayload::Received { submission, .. }) = events[0].payload() else { panic!("a receipt") };
    assert_eq!(submission.attachments.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["klotter.png"]);
    assert!(submission.description.contains("finns i originalmeddelandet: brev.docx"), "{}", submission.description);

    // Held, never answered: automatic replies, lists, bounces, unreadable bytes.
    for (file, reason) in [
        ("auto-reply.eml", "an automatic message (Auto-Submitted: auto-replied)"),
        ("x-autoreply.eml", "an automatic reply (X-Autoreply: yes)"),
        ("precedence-auto-reply.eml", "an automatic reply (Precedence: auto_reply)"),
        ("list.eml", "a bulk or list message (Precedence: list)"),
        ("bounce.eml", "a delivery report or other message without a return address"),
        ("broken.eml", "the message has no sender address that can be answered"),
    ] {
        let done = take(fixture(file)).await;
        assert_eq!((done.outcome, done.reason.as_deref()), (MailOutcome::Held, Some(reason)), "{file}");
    }
    let held = app.store.held_mail(&"vasteras".into()).await.unwrap();
    assert_eq!(held.len(), 6);
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), before + 1);
    // Nothing received is lost: the raw bytes are kept.
    let files =
        web_files(&app, &held.iter().find(|h| h.reason.as_deref().unwrap().contains("sender")).unwrap().raw_sha256);
    assert_eq!(files, fixture("broken.eml"));

    // A reply to a request for more information: the citizen's words on the case, the quote
    // cut, and the clock that waited runs again.
    let plain = app.store.case_by_number(&"vasteras".into(), "2026-000001").await.unwrap().unwrap();
    for payload in [
        domain::EventPayload::Assigned { node_id: "vasteras.kc".into(), handler_id: None },
        domain::EventPayload::InformationRequested { message: "Vilken gunga gäller det?".into() },
    ] {
        app.store
            .append(plain.id, domain::NewEvent::new(chrono::Utc::now(), domain::Actor::System, payload))
            .await
            .unwrap();
    }
    let receipt = &app.store.outbox_for_case(plain.id).await.unwrap()[0];
    let reply = String::from_utf8(fixture("reply.eml"))
        .unwrap()
        .replace("{reply_to}", "someone@example.se")
        .replace("{number}", &plain.number)
        .replace("{in_reply_to}", &format!("<{}@localhost>", receipt.id));
    let done = take(reply.clone().into_bytes()).await;
    assert_eq!((done.outcome, done.case_number.as_deref()), (MailOutcome::Reply, Some(plain.number.as_str())));
    let events = app.store.events(plain.id).await.unwrap();
    let Ok(domain::EventPayload::CitizenMessage { message, .. }) = events.last().unwrap().payload() else {
        panic!("the reply is the citizen's message")
    };
    assert_eq!(message, "Det är den stora gungan, närmast dammen.");
    assert_eq!(app.store.case(plain.id).await.unwrap().unwrap().status, domain::Status::InProgress);
    take(reply.into_bytes()).await;
    assert_eq!(app.store.events(plain.id).await.unwrap().len(), events.len(), "a redelivered reply is added once");

    // By the case's reply address alone (no In-Reply-To), with its tag; a guessed tag is not enough.
    let tag = web_reply_tag(&state, plain.id).await;
    let by_address = String::from_utf8(fixture("reply.eml"))
        .unwrap()
        .replace("{reply_to}", &format!("lyhord+{}.{tag}@localhost", plain.number))
        .replace("{number}", &plain.number)
        .replace("In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n", "")
        .replace("<reply-1@example.se>", "<reply-2@example.se>");
    assert_eq!(take(by_address.clone().into_bytes()).await.outcome, MailOutcome::Reply);
    let guessed = by_address.replace(&tag, "0000000000").replace("<reply-2@example.se>", "<reply-3@example.se>");
    assert_eq!(take(guessed.into_bytes()).await.outcome, MailOutcome::Case, "a guessed address makes a new case");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sender_cannot_flood_the_municipality() {
    let settings = Settings { mail_per_sender_per_hour: 2, ..Settings::default() };
    let app = App::start_with(store::testing::TestDb::sqlite(), settings).await.with_demo(0).await;
    let state = app::App::new(app.store.clone(), lyhord::serve::app_config(&app.settings));
    let mut outcomes = Vec::new();
    for n in 0..3 {
        let raw = String::from_utf8(fixture("plain.eml")).unwrap().replace("<plain-1@", &format!("<plain-{n}x@"));
        outcomes.push(app::mail::ingest(&state, &"vasteras".into(), raw.as_bytes(), None).await.unwrap().outcome);
    }
    assert_eq!(outcomes, [MailOutcome::Case, MailOutcome::Case, MailOutcome::Held]);
    let held = app.store.held_mail(&"vasteras".into()).await.unwrap();
    assert_eq!(held[0].reason.as_deref(), Some("more than 2 new messages from this sender within an hour"));
}

fn web_files(app: &App, sha256: &str) -> Vec<u8> {
    std::fs::read(app.files.path().join(&sha256[..2]).join(sha256)).unwrap()
}

async fn web_reply_tag(state: &app::App, case_id: domain::CaseId) -> String {
    app::mail::reply_tag(state, case_id).await.unwrap()
}

on_both_backends!(staff_look_at_held_mail_and_each_case_keeps_its_original, |app| {
    let app = app.with_demo(0).await;
    let state = app::App::new(app.store.clone(), lyhord::serve::app_config(&app.settings));
    let held = app::mail::ingest(&state, &"vasteras".into(), &fixture("auto-reply.eml"), None).await.unwrap();
    assert_eq!(held.outcome, MailOutcome::Held);
    app::mail::ingest(&state, &"vasteras".into(), &fixture("list.eml"), None).await.unwrap();
    let case = app::mail::ingest(&state, &"vasteras".into(), &fixture("plain.eml"), None).await.unwrap();
    let number = case.case_number.unwrap();

    // Only those who triage suspected spam see it; the handler is refused.
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    assert_eq!(handler.get(app.url("/staff/quarantine")).send().await.unwrap().status(), 403);
    let registrator = app.signed_in("registrator", PASSWORD).await;
    let page = body(registrator.get(app.url("/staff/quarantine")).send().await.unwrap()).await;
    assert!(page.contains("Kvarhållen e-post") && page.contains("an automatic message (Auto-Submitted: auto-replied)"));
    assert!(page.contains("nyheter@example.org") && page.contains("Veckans nyheter"));
    let mails = app.store.held_mail(&"vasteras".into()).await.unwrap();
    let auto = mails.iter().find(|m| m.sender == "anna@example.se").unwrap();
    let list = mails.iter().find(|m| m.sender == "nyheter@example.org").unwrap();
    let download = registrator.get(app.url(&format!("/staff/quarantine/mail/{}", auto.id))).send().await.unwrap();
    assert_eq!(download.headers()["content-type"], "message/rfc822");
    assert_eq!(download.bytes().await.unwrap().to_vec(), fixture("auto-reply.eml"));
    assert_eq!(
        handler.post(app.url(&format!("/staff/quarantine/mail/{}/dismiss", list.id))).send().await.unwrap().status(),
        403
    );

    // Registered by staff: a case, with its original; set aside: kept, off the list.
    let response =
        registrator.post(app.url(&format!("/staff/quarantine/mail/{}/register", auto.id))).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/staff/cases/2026-"), "{location}");
    let response =
        registrator.post(app.url(&format!("/staff/quarantine/mail/{}/dismiss", list.id))).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert!(app.store.held_mail(&"vasteras".into()).await.unwrap().is_empty());
    assert!(app.store.inbound_mail(&"vasteras".into(), list.id).await.unwrap().is_some(), "nothing is deleted");

    // The case page offers the message as it came, to those who may see the case only.
    let case_page = body(registrator.get(app.url(&format!("/staff/cases/{number}"))).send().await.unwrap()).await;
    let start = case_page.find(&format!("/staff/cases/{number}/mail/")).expect("a link to the original");
    let link = case_page[start..].split('"').next().unwrap().to_owned();
    let original = registrator.get(app.url(&link)).send().await.unwrap();
    assert_eq!(original.status(), 200);
    assert_eq!(original.bytes().await.unwrap().to_vec(), fixture("plain.eml"));
    lyhord::admin::add_user(
        &app.store,
        Some("vasteras"),
        "skola",
        "Sara Skola",
        store::Role::Handlaggare,
        Some("vasteras.grundskola"),
        None,
        PASSWORD,
    )
    .await
    .unwrap();
    let outsider = app.signed_in("skola", PASSWORD).await;
    assert_eq!(outsider.get(app.url(&link)).send().await.unwrap().status(), 404, "another unit does not see it");
    let other = format!("/staff/cases/{number}/mail/{}", list.id);
    assert_eq!(registrator.get(app.url(&other)).send().await.unwrap().status(), 404, "not this case's message");
});

on_both_backends!(administrators_write_the_mail_templates, |app| {
    let app = app.with_demo(0).await;
    let admin = app.signed_in("admin", PASSWORD).await;
    let handler = app.signed_in("handlaggare", PASSWORD).await;
    assert_eq!(handler.get(app.url("/staff/admin/mail")).send().await.unwrap().status(), 403);
    let page = body(admin.get(app.url("/staff/admin/mail?edit=receipt.sv")).send().await.unwrap()).await;
    assert!(page.contains("Vi har tagit emot ditt ärende {number}"), "the built-in text to start from");
    let post = |form: Vec<(&'static str, &'static str)>| {
        let request = admin.post(app.url("/staff/admin/mail")).form(&form);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), body(response).await)
        }
    };
    let (status, page) = post(vec![("key", "receipt.sv"), ("subject", "Tack"), ("body", "Hej! Vi återkommer.")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Texten måste innehålla {message}") && page.contains("Hej! Vi återkommer."), "{page}");
    let own = "Hej!\n\n{message}\n\nVänliga hälsningar\nKontaktcenter, {municipality}";
    assert_eq!(
        post(vec![("key", "receipt.sv"), ("subject", "Ärende {number} är mottaget"), ("body", own)]).await.0,
        303
    );
    // The next receipt uses it.
    let form = [
        ("kind", "fraga"),
        ("category", "bibliotek"),
        ("description", "När öppnar biblioteket?"),
        ("identity", "named"),
        ("email", "lisa@example.se"),
        ("contact_method", "email"),
        ("form_key", "template-1"),
        ("started", "1"),
    ];
    let receipt =
        body(app.browser().post(app.url("/submit")).form(&app.sealed(&form).await).send().await.unwrap()).await;
    let start = receipt.find(r#"<p class="case-number">"#).expect("a receipt") + 23;
    let number = &receipt[start..start + 11];
    let sent = app.sent_mail(1).await;
    assert_eq!(sent[0].subject, format!("Ärende {number} är mottaget"));
    assert!(sent[0].text.ends_with("Vänliga hälsningar\nKontaktcenter, Västerås stad"), "{}", sent[0].text);
    // Back to the built-in text.
    assert_eq!(post(vec![("key", "receipt.sv"), ("reset", "1")]).await.0, 303);
    assert!(app.store.mail_templates(&"vasteras".into()).await.unwrap().is_empty());
    assert_eq!(post(vec![("key", "nothing.sv"), ("subject", "x"), ("body", "{message}")]).await.0, 404);
});

#[test]
fn ingest_mail_takes_a_message_on_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("l.db").display());
    let lyhord = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lyhord"));
        command
            .args(args)
            .env("LYHORD_DATABASE_URL", &url)
            .env("LYHORD_ATTACHMENTS_DIR", dir.path().join("files"))
            .env("LYHORD_LOG", "warn")
            .current_dir(dir.path());
        command
    };
    assert!(lyhord(&["demo"]).output().unwrap().status.success());
    let mut child = lyhord(&["ingest-mail"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &fixture("plain.eml")).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Registered as case 2026-"), "{out:?}");
    let mut child = lyhord(&["ingest-mail"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &fixture("list.eml")).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Held for staff: a bulk or list message (Precedence: list).\n");
}

/// pymap, a real IMAP server (dict backend) on loopback; `scripts/test` installs it.
struct ImapServer {
    port: u16,
    child: Child,
}

impl ImapServer {
    async fn start() -> ImapServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pymap =
            std::env::var("LYHORD_TEST_PYMAP").expect("LYHORD_TEST_PYMAP names pymap (scripts/test installs it)");
        let mut child = Command::new(pymap)
            .args(["--no-tls", "--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["dict", "--demo-user", "lyhord", "--demo-password", "hemligt"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pymap runs");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return ImapServer { port, child };
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("pymap did not start");
    }

    async fn session(&self) -> async_imap::Session<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap();
        client.login("lyhord", "hemligt").await.map_err(|(e, _)| e).unwrap()
    }

    /// How many messages a folder holds.
    async fn count(&self, folder: &str) -> usize {
        let mut session = self.session().await;
        let n = match session.select(folder).await {
            Ok(mailbox) => mailbox.exists as usize,
            Err(_) => 0,
        };
        session.logout().await.unwrap();
        n
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_in_an_imap_mailbox_are_taken_and_moved_after_the_commit() {
    let imap = ImapServer::start().await;
    let mut session = imap.session().await;
    for file in ["plain.eml", "list.eml"] {
        session.append("INBOX", None, None, fixture(file)).await.unwrap();
    }
    session.logout().await.unwrap();
    assert_eq!(imap.count("INBOX").await, 2);

    // An instance with the mailbox configured, on a database where the municipality exists.
    let app = App::start(store::testing::TestDb::sqlite()).await.with_demo(0).await;
    let settings = Settings {
        imap_url: Some(format!("imap://lyhord:hemligt@127.0.0.1:{}/INBOX", imap.port)),
        imap_poll_seconds: 1,
        listen: "127.0.0.1:0".into(),
        ..app.settings.clone()
    };
    let listener = lyhord::serve::bind(&settings.listen).await.unwrap();
    let store = app.store.clone();
    tokio::spawn(async move { lyhord::serve::run(store, &settings, listener, std::future::pending()).await });

    wait_until(async || imap.count("INBOX").await == 0).await;
    assert_eq!(imap.count("Lyhord").await, 2, "moved to the done folder, not deleted");
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 1, "the citizen's message is a case");
    let held = app.store.held_mail(&"vasteras".into()).await.unwrap();
    assert_eq!(held.iter().map(|m| m.sender.as_str()).collect::<Vec<_>>(), ["nyheter@example.org"]);

    // A message put back (as after a crash between the commit and the move) changes nothing.
    let mut session = imap.session().await;
    session.append("INBOX", None, None, fixture("plain.eml")).await.unwrap();
    session.logout().await.unwrap();
    wait_until(async || imap.count("INBOX").await == 0).await;
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 1);
}
