//! `lyhord backup` and `lyhord restore` as an operator runs them: a copy taken while the
//! installation holds cases and files restores complete, and nothing is overwritten.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use app::files::FileStore;

/// `lyhord` on the installation whose database and files live under `home`.
fn lyhord(home: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lyhord"));
    command
        .args(args)
        .env("LYHORD_DATABASE_URL", format!("sqlite:{}", home.join("data/lyhord.db").display()))
        .env("LYHORD_ATTACHMENTS_DIR", home.join("data/files"))
        .env("LYHORD_LOG", "warn")
        .current_dir(home);
    command
}

fn run(home: &Path, args: &[&str]) -> Output {
    lyhord(home, args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[tokio::test]
async fn a_backup_restores_every_case_and_file_and_overwrites_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (live, copy) = (root.path().join("live"), root.path().join("restored"));
    std::fs::create_dir_all(&live).unwrap();
    std::fs::create_dir_all(&copy).unwrap();
    assert!(run(&live, &["demo"]).status.success());
    // A message with attachments: the raw message and its files are on disk.
    let mut child = lyhord(&live, &["ingest-mail"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mail = std::fs::read(format!("{}/tests/fixtures/mail/attachments.eml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &mail).unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    let files = FileStore::new(live.join("data/files")).list().unwrap();
    assert!(files.len() >= 2, "the message and its attachments: {files:?}");

    let backup = root.path().join("backup-1");
    let taken = run(&live, &["backup", backup.to_str().unwrap()]);
    assert!(taken.status.success(), "{}", text(&taken));
    assert!(text(&taken).starts_with("Backed up 301 case(s) and "), "{}", text(&taken));
    let again = run(&live, &["backup", backup.to_str().unwrap()]);
    assert!(!again.status.success() && text(&again).contains("already exists"), "{}", text(&again));

    let restored = run(&copy, &["restore", backup.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(text(&restored).starts_with(&format!("Restored 301 case(s) and {} file(s)", files.len())));
    // Every case is there, and every file its events and mail name.
    let store = store::Store::open(
        &format!("sqlite:{}", copy.join("data/lyhord.db").display()),
        store::ConnectOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(store.count_cases(&"vasteras".into()).await.unwrap(), 301);
    let restored_files = FileStore::new(copy.join("data/files"));
    assert_eq!(restored_files.list().unwrap(), files);
    let all = store::SearchQuery {
        jurisdiction: "vasteras".into(),
        units: store::Units::All,
        text: String::new(),
        filter: store::CaseFilter::default(),
        limit: 1000,
        offset: 0,
        readable: None,
    };
    let mut named = 0;
    for case in store.search(&all).await.unwrap() {
        for event in store.events(case.id).await.unwrap() {
            if let domain::EventPayload::Received { submission, .. } = event.payload().unwrap() {
                for file in &submission.attachments {
                    assert!(restored_files.get(&file.sha256).is_ok(), "{} of {}", file.name, case.number);
                    named += 1;
                }
            }
        }
        for mail in store.inbound_for_case(case.id).await.unwrap() {
            assert!(restored_files.get(&mail.raw_sha256).is_ok(), "the message of {}", case.number);
            named += 1;
        }
    }
    assert!(named >= 2, "the e-mail case's message and attachments were checked");
    store.close().await;
    // A second restore would overwrite: refused, and the restored copy is untouched.
    let twice = run(&copy, &["restore", backup.to_str().unwrap()]);
    assert!(!twice.status.success() && text(&twice).contains("already exists"), "{}", text(&twice));

    // A damaged file in a backup is found, not copied.
    let damaged = root.path().join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    let file = backup.join("files").join(&files[0][..2]).join(&files[0]);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let refused = run(&damaged, &["restore", backup.to_str().unwrap()]);
    assert!(!refused.status.success() && text(&refused).contains("is damaged"), "{}", text(&refused));
    // And half a backup (no manifest) is not one.
    std::fs::remove_file(backup.join("backup.toml")).unwrap();
    let half = run(&root.path().join("damaged"), &["restore", backup.to_str().unwrap()]);
    assert!(text(&half).contains("not a complete backup"), "{}", text(&half));
    // PostgreSQL has its own tools, and the command says which.
    let postgres = lyhord(&live, &["backup", "elsewhere"])
        .env("LYHORD_DATABASE_URL", "postgres://lyhord@localhost/lyhord")
        .output()
        .unwrap();
    assert!(!postgres.status.success() && text(&postgres).contains("pg_dump"), "{}", text(&postgres));
}
