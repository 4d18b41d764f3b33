//! Backups that restore: a backup is one self-contained file (see [`archive`]) holding a
//! consistent snapshot of the database and the key that opens its provider credentials.
//! `breadbox backup` and the scheduled backups of `serve` ([`schedule`]) write one, the
//! database is backed up by itself before every schema upgrade ([`before_upgrade`]), and
//! `breadbox restore` ([`restore`]) checks one fully before it touches the data directory.

pub mod archive;
pub mod keys;
pub mod restore;
pub mod schedule;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, ensure};
use rusqlite::{Connection, OpenFlags};

pub use archive::Manifest;

use crate::store::migrations::SCHEMA_VERSION;

/// Name prefix of scheduled backups (the only ones `--backup-keep` deletes).
pub const SCHEDULED_PREFIX: &str = "breadbox-backup-";
/// Name prefix of the backups taken before a schema upgrade (never deleted).
pub const PRE_UPGRADE_PREFIX: &str = "breadbox-pre-upgrade-";
/// Extension of every backup file.
pub const EXTENSION: &str = ".tar.gz";
/// Where pre-upgrade backups go, inside the data directory.
pub const PRE_UPGRADE_DIR: &str = "backups";

/// Why a backup was taken (recorded in its manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Manual,
    Scheduled,
    PreUpgrade,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Scheduled => "scheduled",
            Self::PreUpgrade => "pre-upgrade",
        }
    }
}

/// Snapshots the database file `db_path` (which must exist and be a breadbox database)
/// into a new backup at `dest`, with `key` (base64 text) when given. Safe while a server
/// writes: `VACUUM INTO` reads one consistent snapshot. Returns the manifest written.
pub fn create(
    db_path: &Path,
    key: Option<&str>,
    dest: &Path,
    reason: Reason,
) -> anyhow::Result<Manifest> {
    ensure!(
        !dest.exists(),
        "{} already exists; choose a new file",
        dest.display()
    );
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let work = tempfile::Builder::new()
        .prefix(".breadbox-backup-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    let snapshot = work.path().join(archive::DB_ENTRY);
    let schema_version = snapshot_db(db_path, &snapshot)?;
    let mut files = vec![(archive::DB_ENTRY, snapshot.clone())];
    if let Some(key) = key {
        let key_path = work.path().join(archive::KEY_ENTRY);
        fs::write(&key_path, format!("{}\n", key.trim()))?;
        files.push((archive::KEY_ENTRY, key_path));
    }
    let manifest = Manifest {
        format: archive::FORMAT.into(),
        format_version: archive::FORMAT_VERSION,
        created_at: crate::time::rfc3339(crate::time::now()),
        breadbox_version: env!("CARGO_PKG_VERSION").into(),
        schema_version,
        reason: reason.as_str().into(),
        files: files
            .iter()
            .map(|(name, path)| archive::describe(name, path))
            .collect::<Result<_, _>>()?,
    };
    let partial = work.path().join("backup.partial");
    let borrowed: Vec<(&str, &Path)> = files.iter().map(|(n, p)| (*n, p.as_path())).collect();
    archive::write(&partial, &manifest, &borrowed)?;
    ensure!(
        !dest.exists(),
        "{} appeared while the backup was written",
        dest.display()
    );
    fs::rename(&partial, dest)
        .with_context(|| format!("moving the backup to {}", dest.display()))?;
    Ok(manifest)
}

/// `VACUUM INTO dest` from an existing breadbox database; returns its schema version.
/// Never creates or migrates the source (a mistyped path is an error, not an empty backup).
fn snapshot_db(db_path: &Path, dest: &Path) -> anyhow::Result<i64> {
    ensure!(
        db_path.is_file(),
        "there is no database at {} (is --data-dir right?); nothing was written",
        db_path.display()
    );
    let conn = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", db_path.display()))?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let version = schema_version(&conn)?;
    ensure!(
        version > 0,
        "{} is not a breadbox database (no schema); nothing was written",
        db_path.display()
    );
    let dest_str = dest
        .to_str()
        .context("the backup path must be valid UTF-8")?;
    conn.execute("VACUUM INTO ?1", [dest_str])?;
    fs::set_permissions(dest, fs::Permissions::from_mode(0o600))?;
    Ok(version)
}

/// `PRAGMA user_version`.
pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// A timestamped file name: `{prefix}20261122T053156.123Z.tar.gz` (sorts by time).
pub fn timestamped_name(prefix: &str) -> String {
    let now = jiff::Timestamp::now();
    format!("{prefix}{}{EXTENSION}", now.strftime("%Y%m%dT%H%M%S%.3fZ"))
}

/// Called by `store::Db::open` when the schema at `db_path` (version `from`) is about to
/// be upgraded: writes `DIR/backups/breadbox-pre-upgrade-v{from}-….tar.gz` with the key
/// file if there is one, and logs where. The upgrade does not run if this fails.
pub fn before_upgrade(db_path: &Path, from: i64) -> anyhow::Result<PathBuf> {
    let data_dir = db_path.parent().unwrap_or(Path::new("."));
    let dir = data_dir.join(PRE_UPGRADE_DIR);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
    let key = crate::credentials::key_text(data_dir, None)?;
    let dest = dir.join(timestamped_name(&format!("{PRE_UPGRADE_PREFIX}v{from}-")));
    create(db_path, key.as_deref(), &dest, Reason::PreUpgrade)
        .context("the backup before the schema upgrade failed; the database was not changed")?;
    tracing::warn!(
        backup = %dest.display(),
        from,
        to = SCHEMA_VERSION,
        "upgrading the database schema; backed it up first"
    );
    Ok(dest)
}

#[cfg(test)]
mod tests;
