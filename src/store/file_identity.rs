//! The database file the server opened, by device and inode. If the path stops naming that
//! file — it was deleted, or a backup was copied or moved over it — every write would go to
//! a file nobody will ever open again and be lost at the next start. Writes and readiness
//! check the path first and answer 503 `DATABASE_UNAVAILABLE` until the original file is
//! back in place or the server is restarted on the new one.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::error::{Error, Result};

/// Device and inode of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
}

impl FileIdentity {
    /// The identity of the file at `path` now.
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        Ok(Self {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    /// Ok when `path` still names this file.
    pub fn check(self, path: &Path) -> Result<()> {
        match Self::of(path) {
            Ok(now) if now == self => Ok(()),
            Ok(_) => Err(Error::unavailable(format!(
                "{} was replaced by another file while the server ran; restart the server to use it",
                path.display()
            ))),
            Err(e) => Err(Error::unavailable(format!(
                "{} is gone ({e}); restore it or restart the server",
                path.display()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_or_removed_file_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"a").unwrap();
        let id = FileIdentity::of(&path).unwrap();
        assert!(id.check(&path).is_ok());
        let other = dir.path().join("g");
        std::fs::write(&other, b"b").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert!(id.check(&path).is_err(), "replaced");
        std::fs::remove_file(&path).unwrap();
        assert!(id.check(&path).is_err(), "removed");
    }
}
