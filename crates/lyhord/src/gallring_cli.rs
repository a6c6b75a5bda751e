//! `lyhord gallring plan` and `lyhord gallring run --approve ID`: the same runs as the staff
//! pages (decision 62), for an arkivansvarig at the command line or a scheduled job.

use app::gallring::Protocol;
use app::lang::Lang;
use domain::GallringRunId;
use store::Store;

use crate::Settings;
use crate::admin::resolve_jurisdiction;

/// Plans a run and prints its id and what it would remove.
pub async fn plan(store: &Store, jurisdiction: Option<&str>) -> Result<String, String> {
    let j = resolve_jurisdiction(store, jurisdiction).await.map_err(|e| e.to_string())?;
    let run = app::gallring::plan(store, &j, "kommandoraden (lyhord gallring plan)", chrono::Utc::now())
        .await
        .map_err(|e| e.to_string())?;
    let protocol = protocol(store, &j, run).await?;
    Ok(format!(
        "Planned gallring run {run}; nothing is removed until it is approved \
         (lyhord gallring run --approve {run} --by NAME).\n{}",
        summary(&protocol)
    ))
}

/// Approves a planned run (unless it is already) and carries it out; prints the protocol.
pub async fn run(
    store: &Store,
    settings: &Settings,
    jurisdiction: Option<&str>,
    run: GallringRunId,
    by: &str,
) -> Result<String, String> {
    if by.trim().is_empty() {
        return Err("name who approves the run with --by; the protocol keeps it".into());
    }
    let j = resolve_jurisdiction(store, jurisdiction).await.map_err(|e| e.to_string())?;
    store.approve_gallring_run(&j, run, &format!("{} (kommandoraden)", by.trim())).await.map_err(|e| e.to_string())?;
    let planned = store.gallring_run(&j, run).await.map_err(|e| e.to_string())?;
    let planned = planned.ok_or_else(|| format!("there is no gallring run {run} in {j}"))?;
    let disk = app::gallring::Disk::new(&settings.attachments_dir, &settings.mail_dir);
    app::gallring::carry_out(store, &disk, &planned).await.map_err(|e| e.to_string())?;
    Ok(format!("Gallring run {run} is carried out.\n{}", summary(&protocol(store, &j, run).await?)))
}

async fn protocol(store: &Store, j: &domain::JurisdictionId, run: GallringRunId) -> Result<Protocol, String> {
    let found = store.gallring_run(j, run).await.map_err(|e| e.to_string())?;
    let found = found.ok_or_else(|| format!("there is no gallring run {run} in {j}"))?;
    Protocol::of(store, found, Lang::Sv).await.map_err(|e| e.to_string())
}

fn summary(protocol: &Protocol) -> String {
    if protocol.lines.is_empty() {
        return "Nothing is due.\n".into();
    }
    protocol.lines.iter().map(|l| format!("{} of {} due under {}: {}\n", l.done, l.total, l.decision, l.rule)).collect()
}
