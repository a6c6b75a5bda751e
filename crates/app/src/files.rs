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

    /// Removes a file and its directory entry for good (only a gallring run does): the
    /// directory is synced, so the name does not come back after a crash. A file already
    /// gone is no error.
    pub fn remove(&self, sha256: &str) -> std::io::Result<()> {
        let Some(path) = self.path_of(sha256) else { return Ok(()) };
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(path.parent().expect("files live in a subdirectory")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl FileStore {
    /// The digests of every stored file (a file being written is not one yet).
    pub fn list(&self) -> std::io::Result<Vec<String>> {
        let mut all = Vec::new();
        let shards = match fs::read_dir(&self.dir) {
            Ok(shards) => shards,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(all),
            Err(e) => return Err(e),
        };
        for shard in shards {
            let shard = shard?;
            if !shard.file_type()?.is_dir() {
                continue;
            }
            for file in fs::read_dir(shard.path())? {
                let name = file?.file_name().to_string_lossy().into_owned();
                if self.path_of(&name).is_some() {
                    all.push(name);
                }
            }
        }
        all.sort();
        Ok(all)
    }

    /// Copies every file into `other`, durably, checking each against its name: a damaged
    /// file is an error, not a silent copy. Returns how many there are.
    pub fn copy_into(&self, other: &FileStore) -> std::io::Result<usize> {
        let all = self.list()?;
        for sha256 in &all {
            let copied = other.put(&self.get(sha256)?)?;
            if &copied != sha256 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("the file {sha256} is damaged: its content no longer matches its name"),
                ));
            }
        }
        Ok(all.len())
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
