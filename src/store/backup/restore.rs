//! `breadbox restore FILE`: unpack a backup next to the data directory, check it (every
//! digest, SQLite's integrity check, a schema this binary understands, a key that opens
//! the stored credentials), and only then swap it in, under the data directory's lock so
//! a running server is never pulled from under. Files it replaces are kept, renamed
//! `*.before-restore-<time>`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use rusqlite::{Connection, OpenFlags};

use super::archive::{self, Manifest};
use crate::credentials::{KEY_FILE, key_opens, key_text};
use crate::store::lock::DataDirLock;
use crate::store::migrations::SCHEMA_VERSION;
use crate::store::{DB_FILE, connections};

/// How to restore.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// Replace an existing database (it is kept under a new name).
    pub force: bool,
    /// Check the backup only; change nothing.
    pub dry_run: bool,
    /// The key the server will use when it is not the key file (`BREADBOX_ENCRYPTION_KEY`).
    pub configured_key: Option<String>,
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Files moved aside, under their new names.
    pub kept: Vec<PathBuf>,
    /// Whether the backup's key was written to `DIR/encryption.key`.
    pub key_restored: bool,
}

/// Checks `backup`, then (unless `dry_run`) makes it the database of `data_dir`.
pub fn restore(backup: &Path, data_dir: &Path, opts: &Options) -> anyhow::Result<Restored> {
    if opts.dry_run {
        let work = tempfile::tempdir()?;
        let manifest = unpack_and_check(backup, work.path(), data_dir, opts)?;
        return Ok(Restored {
            manifest,
            kept: Vec::new(),
            key_restored: false,
        });
    }
    let _lock = DataDirLock::acquire(data_dir)?;
    let existing = data_dir.join(DB_FILE);
    ensure!(
        opts.force || !holds_data(&existing),
        "{} already holds a database; pass --force to replace it (the current files are \
         kept, renamed *.before-restore-<time>)",
        data_dir.display()
    );
    let work = tempfile::Builder::new()
        .prefix(".restore-")
        .tempdir_in(data_dir)?;
    let manifest = unpack_and_check(backup, work.path(), data_dir, opts)?;
    let suffix = format!(".before-restore-{}", now_stamp());
    let mut kept = Vec::new();
    for name in [
        DB_FILE.to_owned(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
    ] {
        // The WAL files keep the suffix *after* the new name, so SQLite still pairs them.
        let renamed = name.replacen(DB_FILE, &format!("{DB_FILE}{suffix}"), 1);
        move_aside(data_dir, &name, &renamed, &mut kept)?;
    }
    let key_restored = manifest.has_key();
    if key_restored {
        move_aside(
            data_dir,
            KEY_FILE,
            &format!("{KEY_FILE}{suffix}"),
            &mut kept,
        )?;
        install(
            &work.path().join(archive::KEY_ENTRY),
            &data_dir.join(KEY_FILE),
        )?;
    }
    install(&work.path().join(archive::DB_ENTRY), &existing)?;
    fs::File::open(data_dir)?.sync_all()?;
    Ok(Restored {
        manifest,
        kept,
        key_restored,
    })
}

/// Unpacks into `work` and runs every check; `data_dir` supplies the key file when the
/// backup carries none.
fn unpack_and_check(
    backup: &Path,
    work: &Path,
    data_dir: &Path,
    opts: &Options,
) -> anyhow::Result<Manifest> {
    let manifest = archive::read(backup, work)?;
    let conn = check_database(&work.join(archive::DB_ENTRY), &manifest)?;
    // The entry and the key file share a name, so the unpacked key reads like one.
    let archived_key = if manifest.has_key() {
        Some(
            key_text(work, None)
                .context("the backup's encryption.key is not a valid key")?
                .context("the backup's encryption.key is missing")?,
        )
    } else {
        None
    };
    if let (Some(configured), Some(archived)) = (&opts.configured_key, &archived_key) {
        ensure!(
            configured.trim() == archived.trim(),
            "BREADBOX_ENCRYPTION_KEY is set and differs from the key in the backup; the \
             server would not open the restored credentials. Unset it (the backup's key goes \
             to encryption.key) or set it to the backup's key"
        );
    }
    let key = match archived_key {
        Some(k) => Some(k),
        None => key_text(data_dir, opts.configured_key.as_deref())?,
    };
    if let Some((id, sealed)) = connections::first_sealed(&conn)? {
        match key {
            Some(k) if key_opens(&k, &sealed) => {}
            Some(_) => bail!(
                "the backup carries no encryption key and the key in effect does not open \
                 the stored credentials of connection {id}; set BREADBOX_ENCRYPTION_KEY to \
                 the key this database was used with"
            ),
            None => bail!(
                "the backup carries no encryption key and there is none here, but connection \
                 {id} has sealed credentials; set BREADBOX_ENCRYPTION_KEY to its key"
            ),
        }
    }
    Ok(manifest)
}

/// SQLite's own integrity check, and a schema version this binary can run.
fn check_database(path: &Path, manifest: &Manifest) -> anyhow::Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .context("the backup's database cannot be opened")?;
    let verdict: String = conn
        .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
        .context("the backup's database is damaged")?;
    ensure!(
        verdict == "ok",
        "the backup's database fails SQLite's integrity check: {verdict}"
    );
    let version = super::schema_version(&conn)?;
    ensure!(
        version == manifest.schema_version,
        "the backup's database has schema version {version}, its manifest says {}",
        manifest.schema_version
    );
    ensure!(
        version <= SCHEMA_VERSION,
        "the backup was made by a newer breadbox (schema version {version}; this one runs \
         {SCHEMA_VERSION}); restore it with that version or newer"
    );
    ensure!(version > 0, "the backup's database has no breadbox schema");
    Ok(conn)
}

/// A database file with content (an empty file left by a mistyped command is no data).
fn holds_data(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

fn move_aside(
    dir: &Path,
    name: &str,
    new_name: &str,
    kept: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    let from = dir.join(name);
    if from.exists() {
        let to = dir.join(new_name);
        fs::rename(&from, &to).with_context(|| format!("renaming {}", from.display()))?;
        kept.push(to);
    }
    Ok(())
}

fn install(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::set_permissions(from, fs::Permissions::from_mode(0o600))?;
    fs::rename(from, to).with_context(|| format!("moving into {}", to.display()))
}

fn now_stamp() -> String {
    jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}
