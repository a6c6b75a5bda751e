//! The record of processing (GDPR art. 30) that `lyhord privacy record` fills from the setup:
//! it says what this installation does, and marks what only the municipality can write.

use crate::on_both_backends;

on_both_backends!(the_record_of_processing_is_filled_from_the_setup, |app| {
    let app = app.with_demo(0).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lyhord"))
        .args(["privacy", "record"])
        .env("LYHORD_DATABASE_URL", &app.database_url)
        .env("LYHORD_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let record = String::from_utf8(out.stdout).unwrap();
    assert!(record.starts_with("# Registerförteckning: Lyhörd, Västerås stad"), "{record}");
    // The nämnder as controllers, the DPO from the setup, the sensitive categories.
    assert!(record.contains("- Tekniska nämnden") && record.contains("- Äldrenämnden"), "{record}");
    assert!(record.contains("dataskyddsombud@vasteras.example"));
    assert!(record.contains("Hemtjänst (hemtjanst)") && record.contains("Socialtjänst (socialtjanst)"));
    // The gallring rules in force, as the privacy notice lists them.
    assert!(record.contains("Kommunstyrelsen, KS 2025/123 § 45 (2025-05-20):"));
    assert!(record.contains("- Ärenden, klagomål: bevaras"));
    // What the setup cannot know is left for the municipality.
    assert!(record.contains("E-postleverantören som skickar kommunens svar: **[fyll i]**"));
});
