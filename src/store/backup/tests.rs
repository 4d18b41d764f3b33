//! Backups: round trip, refusals, damage detection, pre-upgrade backups, pruning and the
//! key checks, on real files in temp directories.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::archive::{self, FileEntry, Manifest};
use super::keys::load_checked;
use super::restore::{self, Options};
use super::{Reason, create};
use crate::credentials::{self as secrets, CredentialCipher};
use crate::store::connections::{self, NewConnection};
use crate::store::{DB_FILE, Db, lock::DataDirLock, users};

/// A data directory with a user and a connection whose credentials are sealed with the
/// directory's key file; returns the key text.
fn populated(dir: &Path) -> String {
    let db = Db::open_in(dir).unwrap();
    let sb = CredentialCipher::load(dir, None).unwrap();
    let sealed = sb.seal("secret-token").unwrap();
    db.write_blocking(|tx| {
        let user = users::insert(tx, "Ada", None, 1)?;
        let new = NewConnection {
            user_id: user.id,
            provider: "demo".into(),
            institution_id: None,
            institution_name: None,
            external_id: None,
            credentials: Some(sealed),
        };
        connections::insert(tx, &new, 1)?;
        Ok(())
    })
    .unwrap();
    secrets::key_text(dir, None).unwrap().unwrap()
}

fn backup_of(dir: &Path, out: &Path) -> PathBuf {
    let key = secrets::key_text(dir, None).unwrap();
    let dest = out.join("b.tar.gz");
    create(&dir.join(DB_FILE), key.as_deref(), &dest, Reason::Manual).unwrap();
    dest
}

fn user_count(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap()
}

fn err_text(r: anyhow::Result<impl std::fmt::Debug>) -> String {
    format!("{:#}", r.expect_err("must fail"))
}

#[test]
fn a_backup_restores_into_an_empty_directory_with_its_key() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    let key = populated(&src);
    let file = backup_of(&src, t.path());
    let mode = std::os::unix::fs::PermissionsExt::mode(&fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "a backup holds the key: owner only");

    let dst = t.path().join("dst");
    let done = restore::restore(&file, &dst, &Options::default()).unwrap();
    assert!(done.key_restored && done.kept.is_empty());
    assert_eq!(done.manifest.reason, "manual");
    assert_eq!(user_count(&dst), 1);
    assert_eq!(secrets::key_text(&dst, None).unwrap().unwrap(), key);
    let db = Db::open_in(&dst).unwrap();
    load_checked(&db, &dst, None).expect("the restored key opens the credentials");
    let leftovers: Vec<_> = fs::read_dir(&dst)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(".restore-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_mistyped_data_dir_is_refused_and_nothing_is_created() {
    let t = tempfile::tempdir().unwrap();
    let missing = t.path().join("daat");
    let dest = t.path().join("b.tar.gz");
    let msg = err_text(create(&missing.join(DB_FILE), None, &dest, Reason::Manual));
    assert!(msg.contains("no database") && msg.contains("daat"), "{msg}");
    assert!(!missing.exists() && !dest.exists());
    assert_eq!(
        fs::read_dir(t.path()).unwrap().count(),
        0,
        "no temp files left"
    );

    // An empty file (what an old mistyped command left) is no database either.
    fs::create_dir(&missing).unwrap();
    fs::write(missing.join(DB_FILE), b"").unwrap();
    let msg = err_text(create(&missing.join(DB_FILE), None, &dest, Reason::Manual));
    assert!(msg.contains("not a breadbox database"), "{msg}");
    assert!(!dest.exists());
}

#[test]
fn an_existing_backup_file_is_never_overwritten() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    populated(&src);
    let dest = t.path().join("b.tar.gz");
    fs::write(&dest, b"keep me").unwrap();
    let msg = err_text(create(&src.join(DB_FILE), None, &dest, Reason::Manual));
    assert!(msg.contains("already exists"), "{msg}");
    assert_eq!(fs::read(&dest).unwrap(), b"keep me");
}

/// Writes a gzip tar of `entries` (name, bytes) as they are, manifest or not.
fn raw_archive(path: &Path, entries: &[(&str, &[u8])]) {
    let gz =
        flate2::write::GzEncoder::new(fs::File::create(path).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        // set_path refuses `..`; write the raw name like a hostile archive would.
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        tar.append(&h, *data).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

fn manifest_for(files: &[(&str, &[u8])]) -> Vec<u8> {
    use sha2::Digest;
    let m = Manifest {
        format: archive::FORMAT.into(),
        format_version: archive::FORMAT_VERSION,
        created_at: "2026-01-01T00:00:00Z".into(),
        breadbox_version: "test".into(),
        schema_version: 2,
        reason: "manual".into(),
        files: files
            .iter()
            .map(|(name, data)| FileEntry {
                name: (*name).into(),
                size: data.len() as u64,
                sha256: hex::encode(sha2::Sha256::digest(data)),
            })
            .collect(),
    };
    serde_json::to_vec(&m).unwrap()
}

#[test]
fn damaged_or_foreign_backups_are_refused_before_anything_is_written() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    populated(&src);
    let good = backup_of(&src, t.path());
    let bytes = fs::read(&good).unwrap();
    let out = t.path().join("out");
    fs::create_dir(&out).unwrap();
    let check = |name: &str, content: &dyn Fn(&Path), want: &str| {
        let path = t.path().join(name);
        content(&path);
        let unpack = tempfile::tempdir_in(&out).unwrap();
        let msg = err_text(archive::read(&path, unpack.path()));
        assert!(msg.contains(want), "{name}: {msg}");
        let dst = t.path().join(format!("dst-{name}"));
        assert!(restore::restore(&path, &dst, &Options::default()).is_err());
        assert!(!dst.join(DB_FILE).exists(), "{name}: nothing restored");
    };
    check(
        "truncated",
        &|p| fs::write(p, &bytes[..bytes.len() / 2]).unwrap(),
        "truncated",
    );
    check(
        "not-gzip",
        &|p| fs::write(p, b"hello").unwrap(),
        "not a breadbox backup",
    );
    let db: &[u8] = b"SQLite format 3\0 pretend";
    let manifest = manifest_for(&[("breadbox.db", db)]);
    check(
        "bad-digest",
        &|p| {
            raw_archive(
                p,
                &[
                    ("manifest.json", &manifest),
                    ("breadbox.db", b"SQLite format 3\0 changed!"),
                ],
            );
        },
        "does not match its manifest",
    );
    check(
        "missing-file",
        &|p| raw_archive(p, &[("manifest.json", &manifest)]),
        "`breadbox.db` is missing",
    );
    check(
        "extra-file",
        &|p| {
            raw_archive(
                p,
                &[
                    ("manifest.json", &manifest),
                    ("breadbox.db", db),
                    ("evil.sh", b"x"),
                ],
            );
        },
        "does not list",
    );
    check(
        "traversal",
        &|p| raw_archive(p, &[("manifest.json", &manifest), ("../breadbox.db", db)]),
        "unexpected entry",
    );
    check(
        "no-manifest",
        &|p| raw_archive(p, &[("breadbox.db", db)]),
        "no manifest.json first",
    );
    assert!(
        !t.path().join("breadbox.db").exists(),
        "nothing escaped the unpack directory"
    );
}

#[test]
fn a_database_failing_the_integrity_check_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let junk = vec![0x5a_u8; 8192];
    let mut db = b"SQLite format 3\0".to_vec();
    db.extend_from_slice(&junk);
    let manifest = manifest_for(&[("breadbox.db", &db)]);
    let path = t.path().join("b.tar.gz");
    raw_archive(&path, &[("manifest.json", &manifest), ("breadbox.db", &db)]);
    let msg = err_text(restore::restore(
        &path,
        &t.path().join("dst"),
        &Options::default(),
    ));
    assert!(msg.contains("database"), "{msg}");
    assert!(!t.path().join("dst").join(DB_FILE).exists());
}

#[test]
fn restore_needs_force_over_a_database_and_keeps_the_old_files() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    populated(&src);
    let file = backup_of(&src, t.path());
    let dst = t.path().join("dst");
    Db::open_in(&dst).unwrap(); // an empty but real database
    CredentialCipher::load(&dst, None).unwrap();
    let msg = err_text(restore::restore(&file, &dst, &Options::default()));
    assert!(msg.contains("--force"), "{msg}");
    assert_eq!(user_count(&dst), 0, "untouched");

    let opts = Options {
        force: true,
        ..Options::default()
    };
    let done = restore::restore(&file, &dst, &opts).unwrap();
    assert_eq!(user_count(&dst), 1);
    let names: Vec<String> = done
        .kept
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("breadbox.db.before-restore-")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("encryption.key.before-restore-")),
        "{names:?}"
    );
}

#[test]
fn restore_is_refused_while_a_server_holds_the_directory() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    populated(&src);
    let file = backup_of(&src, t.path());
    let dst = t.path().join("dst");
    let held = DataDirLock::acquire(&dst).unwrap();
    let msg = err_text(restore::restore(&file, &dst, &Options::default()));
    assert!(msg.contains("another breadbox process"), "{msg}");
    assert!(!dst.join(DB_FILE).exists());
    // A dry run only reads, so it works beside a running server.
    let dry = Options {
        dry_run: true,
        ..Options::default()
    };
    restore::restore(&file, &dst, &dry).unwrap();
    assert!(!dst.join(DB_FILE).exists(), "a dry run changes nothing");
    drop(held);
    restore::restore(&file, &dst, &Options::default()).unwrap();
}

#[test]
fn a_backup_without_a_key_restores_only_with_the_right_key_in_effect() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    let key = populated(&src);
    let file = t.path().join("nokey.tar.gz");
    create(&src.join(DB_FILE), None, &file, Reason::Manual).unwrap();
    let msg = err_text(restore::restore(
        &file,
        &t.path().join("a"),
        &Options::default(),
    ));
    assert!(msg.contains("carries no encryption key"), "{msg}");
    let wrong = Options {
        configured_key: Some(
            secrets::key_text(&t.path().join("other"), Some(&other_key()))
                .unwrap()
                .unwrap(),
        ),
        ..Options::default()
    };
    let msg = err_text(restore::restore(&file, &t.path().join("b"), &wrong));
    assert!(msg.contains("does not open"), "{msg}");
    let right = Options {
        configured_key: Some(key),
        ..Options::default()
    };
    restore::restore(&file, &t.path().join("c"), &right).unwrap();
}

fn other_key() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([9_u8; 32])
}

#[test]
fn a_configured_key_that_differs_from_the_backups_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    populated(&src);
    let file = backup_of(&src, t.path());
    let opts = Options {
        configured_key: Some(other_key()),
        ..Options::default()
    };
    let msg = err_text(restore::restore(&file, &t.path().join("dst"), &opts));
    assert!(
        msg.contains("BREADBOX_ENCRYPTION_KEY is set and differs"),
        "{msg}"
    );
}

#[test]
fn a_backup_from_a_newer_schema_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    populated(&src);
    let future = crate::store::migrations::SCHEMA_VERSION + 1;
    rusqlite::Connection::open(src.join(DB_FILE))
        .unwrap()
        .pragma_update(None, "user_version", future)
        .unwrap();
    let file = backup_of(&src, t.path());
    let msg = err_text(restore::restore(
        &file,
        &t.path().join("dst"),
        &Options::default(),
    ));
    assert!(msg.contains("newer breadbox"), "{msg}");
}

#[test]
fn a_schema_upgrade_is_preceded_by_a_backup_that_restores() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("data");
    populated(&dir);
    // Back to schema version 1: what upgrade step 2 adds is not there yet.
    {
        let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
        conn.execute_batch(crate::store::migrations::BACK_TO_V1)
            .unwrap();
    }
    Db::open_in(&dir).unwrap();
    let backups: Vec<PathBuf> = fs::read_dir(dir.join(super::PRE_UPGRADE_DIR))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let name = backups[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("breadbox-pre-upgrade-v1-") && name.ends_with(".tar.gz"),
        "{name}"
    );
    let dst = t.path().join("restored");
    let done = restore::restore(&backups[0], &dst, &Options::default()).unwrap();
    assert_eq!(
        (done.manifest.schema_version, done.manifest.reason.as_str()),
        (1, "pre-upgrade")
    );
    assert!(done.manifest.has_key());
    // Opening again: already current, no second backup.
    Db::open_in(&dir).unwrap();
    assert_eq!(
        fs::read_dir(dir.join(super::PRE_UPGRADE_DIR))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn pruning_keeps_the_newest_scheduled_backups_only() {
    let t = tempfile::tempdir().unwrap();
    for name in [
        "breadbox-backup-20260101T000000.000Z.tar.gz",
        "breadbox-backup-20260102T000000.000Z.tar.gz",
        "breadbox-backup-20260103T000000.000Z.tar.gz",
        "breadbox-pre-upgrade-v1-20250101T000000.000Z.tar.gz",
        "notes.txt",
    ] {
        fs::File::create(t.path().join(name))
            .unwrap()
            .write_all(b"x")
            .unwrap();
    }
    let gone = super::schedule::prune(t.path(), 2).unwrap();
    assert_eq!(
        gone,
        vec![t.path().join("breadbox-backup-20260101T000000.000Z.tar.gz")]
    );
    assert_eq!(fs::read_dir(t.path()).unwrap().count(), 4);
}

#[test]
fn the_server_refuses_a_key_that_does_not_open_the_credentials() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("data");
    populated(&dir);
    let db = Db::open_in(&dir).unwrap();
    let msg = err_text(load_checked(&db, &dir, Some(&other_key())));
    assert!(
        msg.contains("does not open the stored credentials of connection"),
        "{msg}"
    );

    // A lost key file is not silently replaced by a fresh key.
    fs::remove_file(dir.join(secrets::KEY_FILE)).unwrap();
    let msg = err_text(load_checked(&db, &dir, None));
    assert!(msg.contains("is missing"), "{msg}");
    assert!(!dir.join(secrets::KEY_FILE).exists());
}
