//! `breadbox backup` and `breadbox restore` (the work is in `breadbox::backup`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use breadbox::store::backup::{self, Reason, restore};

/// Writes a backup of `data_dir` to `target`: a new file, or a new timestamped file
/// inside `target` when it is a directory. Prints the path on stdout.
pub fn backup(data_dir: &Path, target: &Path, configured_key: Option<&str>) -> anyhow::Result<()> {
    let dest: PathBuf = if target.is_dir() {
        target.join(backup::timestamped_name("breadbox-manual-"))
    } else {
        target.to_owned()
    };
    let db_path = data_dir.join(breadbox::store::DB_FILE);
    let key = breadbox::credentials::key_text(data_dir, configured_key)
        .context("reading the encryption key")?;
    let manifest = backup::create(&db_path, key.as_deref(), &dest, Reason::Manual)?;
    if key.is_none() {
        eprintln!("note: there is no encryption key yet, so the backup holds none");
    }
    eprintln!(
        "backup written (schema version {}, {} files, checksummed)",
        manifest.schema_version,
        manifest.files.len()
    );
    println!("{}", dest.display());
    Ok(())
}

/// Checks a backup and (unless `dry_run`) restores it into `data_dir`.
pub fn restore(data_dir: &Path, file: &Path, opts: &restore::Options) -> anyhow::Result<()> {
    let done = restore::restore(file, data_dir, opts)?;
    let m = &done.manifest;
    let key = if m.has_key() {
        "with its encryption key"
    } else {
        "without a key"
    };
    if opts.dry_run {
        eprintln!(
            "{} is a good backup from {} (schema version {}, {key}); nothing was changed",
            file.display(),
            m.created_at,
            m.schema_version
        );
        return Ok(());
    }
    for kept in &done.kept {
        eprintln!("kept the previous {}", kept.display());
    }
    eprintln!(
        "restored the backup from {} (schema version {}, {key}) into {}",
        m.created_at,
        m.schema_version,
        data_dir.display()
    );
    Ok(())
}
