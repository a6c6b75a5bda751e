//! `lyhord backup DIR` and `lyhord restore DIR`: the SQLite database and the attachment files
//! as one consistent copy, and back. The database is copied first (`VACUUM INTO`, one read
//! transaction, intake goes on); files are written durably before the case that names them
//! commits and removed only by a gallring run, so every file the copied database names is
//! among those copied after it, except one a run removed in between (its case is gallrad by
//! the next run after a restore). A manifest written last marks the backup complete.

use std::path::{Path, PathBuf};

use app::files::FileStore;
use serde::{Deserialize, Serialize};

use crate::{Settings, serve};

const DATABASE: &str = "lyhord.db";
const FILES: &str = "files";
const MANIFEST: &str = "backup.toml";

/// What a backup holds, as its manifest says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// When the copy was taken (RFC 3339).
    pub taken_at: String,
    /// The Lyhörd version that took it.
    pub version: String,
    pub cases: i64,
    pub files: usize,
}

/// The SQLite file a `sqlite:` URL names; anything else cannot be copied as a file.
fn sqlite_path(url: &str) -> Result<PathBuf, String> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).ok_or_else(|| {
        "the database is not SQLite: back up PostgreSQL with pg_dump or continuous archiving (see the README)"
            .to_owned()
    })?;
    Ok(PathBuf::from(path.split('?').next().unwrap_or(path)))
}

async fn count_cases(store: &store::Store) -> Result<i64, String> {
    let mut cases = 0;
    for j in store.jurisdictions().await.map_err(|e| e.to_string())? {
        cases += store.count_cases(&j.id).await.map_err(|e| e.to_string())?;
    }
    Ok(cases)
}

/// Copies the database and every attachment into `dir`, which must not exist yet.
pub async fn backup(settings: &Settings, dir: &Path) -> Result<Manifest, String> {
    sqlite_path(&settings.database_url)?;
    if dir.exists() {
        return Err(format!("{} already exists: a backup goes into a new directory", dir.display()));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let store = serve::open_store(settings).await.map_err(|e| e.to_string())?;
    let taken_at = chrono::Utc::now();
    store.backup_into(&dir.join(DATABASE)).await.map_err(|e| format!("cannot copy the database: {e}"))?;
    let cases = count_cases(&store).await?;
    store.close().await;
    let files = FileStore::new(&settings.attachments_dir)
        .copy_into(&FileStore::new(dir.join(FILES)))
        .map_err(|e| format!("cannot copy the attachments: {e}"))?;
    let manifest =
        Manifest { taken_at: taken_at.to_rfc3339(), version: env!("CARGO_PKG_VERSION").into(), cases, files };
    write_durably(&dir.join(MANIFEST), toml::to_string(&manifest).map_err(|e| e.to_string())?.as_bytes())?;
    Ok(manifest)
}

/// Puts a backup in place of an empty installation: the configured database must not exist
/// and the attachments directory must hold no files. Checks every file against its name and
/// opens the restored database (migrating it if the backup is older) before it says done.
pub async fn restore(settings: &Settings, dir: &Path) -> Result<Manifest, String> {
    let target = sqlite_path(&settings.database_url)?;
    let manifest: Manifest = std::fs::read_to_string(dir.join(MANIFEST))
        .map_err(|_| format!("{} is not a complete backup: it has no {MANIFEST}", dir.display()))
        .and_then(|text| toml::from_str(&text).map_err(|e| format!("{MANIFEST} cannot be read: {e}")))?;
    if target.exists() {
        return Err(format!(
            "{} already exists: restore into an empty installation (move the old database away first)",
            target.display()
        ));
    }
    let attachments = FileStore::new(&settings.attachments_dir);
    if !attachments.list().map_err(|e| e.to_string())?.is_empty() {
        return Err(format!("{} already holds files: restore into an empty installation", settings.attachments_dir));
    }
    let files = FileStore::new(dir.join(FILES))
        .copy_into(&attachments)
        .map_err(|e| format!("cannot restore the attachments: {e}"))?;
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let bytes = std::fs::read(dir.join(DATABASE)).map_err(|e| format!("cannot read the backed-up database: {e}"))?;
    write_durably(&target, &bytes)?;
    let store = serve::open_store(settings).await.map_err(|e| e.to_string())?;
    let cases = count_cases(&store).await?;
    store.close().await;
    if cases != manifest.cases || files != manifest.files {
        return Err(format!(
            "the restored copy holds {cases} cases and {files} files, but the backup's manifest says {} and {}",
            manifest.cases, manifest.files
        ));
    }
    Ok(manifest)
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut file = std::fs::File::create_new(path).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)
}
