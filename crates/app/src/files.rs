//! Attachments on disk, content-addressed. A file is written, fsynced, renamed into place and
//! its directory fsynced before the transaction that refers to it commits (requirements §3).

use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn new(dir: impl Into<PathBuf>) -> FileStore {
        FileStore { dir: dir.into() }
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        valid.then(|| self.dir.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes` durably and returns their SHA-256 (hex), which names them.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha256).expect("a digest is a valid name");
        if path.exists() {
            return Ok(sha256);
        }
        let parent = path.parent().expect("files live in a subdirectory");
        fs::create_dir_all(parent)?;
        let temporary = parent.join(format!(".incoming-{sha256}-{}", std::process::id()));
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, &path)?;
        sync_dir(parent)?;
        Ok(sha256)
    }

    pub fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self.path_of(sha256).ok_or(std::io::ErrorKind::NotFound)?;
        fs::read(path)
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_stored_once_under_their_digest_and_read_back() {
        let dir = std::env::temp_dir().join(format!("lyhord-files-{}", uuid::Uuid::now_v7()));
        let store = FileStore::new(&dir);
        let sha = store.put(b"%PDF-1.7 test").unwrap();
        assert_eq!(store.put(b"%PDF-1.7 test").unwrap(), sha);
        assert_eq!(store.get(&sha).unwrap(), b"%PDF-1.7 test");
        assert!(store.get("../../etc/passwd").is_err());
        assert!(fs::read_dir(dir.join(&sha[..2])).unwrap().count() == 1, "no temporary file is left behind");
        fs::remove_dir_all(dir).unwrap();
    }
}
