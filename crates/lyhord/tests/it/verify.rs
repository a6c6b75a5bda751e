//! `lyhord verify`: the whole installation checked as an auditor or a crash harness would —
//! every chain, every file a case names, gapless numbers — with a non-zero exit and the
//! problem named when something is wrong.

use chrono::Utc;
use domain::{Actor, CaseKind, Channel, Submission};
use store::NewCase;

use crate::on_both_backends;
use crate::support::App;

fn verify(app: &App) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lyhord"))
        .arg("verify")
        .env("LYHORD_DATABASE_URL", &app.database_url)
        .env("LYHORD_ATTACHMENTS_DIR", &app.settings.attachments_dir)
        .env("LYHORD_LOG", "warn")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn stored_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(stored_files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

on_both_backends!(verify_finds_an_installation_sound_and_names_a_damaged_file, |app| {
    let app = app.with_demo(20).await;
    let files = app::files::FileStore::new(&app.settings.attachments_dir);
    let sha256 = files.put(b"%PDF-1.7\nRitning").unwrap();
    let mut submission = Submission::new("vasteras", CaseKind::Synpunkt, Channel::Web, "parker", "Se ritningen");
    submission.attachments.push(domain::attachment::Attachment {
        sha256,
        name: "ritning.pdf".into(),
        content_type: "application/pdf".into(),
        size: 16,
    });
    let new = NewCase {
        submission,
        node_id: "vasteras.park".into(),
        received_at: Utc::now(),
        idempotency_key: None,
        live: false,
        actor: Actor::Citizen,
    };
    let number = app.store.submit(new).await.unwrap().number;

    let (sound, text) = verify(&app);
    assert!(sound, "{text}");
    assert!(text.contains("Checked 21 cases") && text.contains("and 1 files") && text.contains("all sound"), "{text}");

    // A file changed on disk, then gone: named, and the exit says so.
    let path = stored_files(std::path::Path::new(&app.settings.attachments_dir)).remove(0);
    std::fs::write(&path, b"something else").unwrap();
    let (sound, text) = verify(&app);
    assert!(!sound);
    assert!(text.contains(&format!("case {number}: file ritning.pdf is altered")), "{text}");
    std::fs::remove_file(&path).unwrap();
    let (sound, text) = verify(&app);
    assert!(!sound && text.contains(&format!("case {number}: file ritning.pdf is missing")), "{text}");
});
