//! Scheduled backups in `serve` (`--backup-dir`, `--backup-interval`, `--backup-keep`):
//! one backup every interval, counted from the newest one already in the directory (a
//! restart does not take an extra one), then all but the newest `keep` scheduled backups
//! are deleted. Pre-upgrade backups and other files in the directory are never touched.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{EXTENSION, Reason, SCHEDULED_PREFIX};
use crate::config::Config;

/// What to back up, where and how often.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub dir: PathBuf,
    pub interval: Duration,
    pub keep: usize,
    pub db_path: PathBuf,
    pub data_dir: PathBuf,
    /// `BREADBOX_ENCRYPTION_KEY` when the key is not the key file.
    pub configured_key: Option<String>,
}

/// Starts the backup loop for the database at `db_path` when `--backup-dir` is set.
pub fn spawn(db_path: &Path, config: &Config) -> Option<tokio::task::JoinHandle<()>> {
    let schedule = Schedule {
        dir: config.backup_dir.clone()?,
        interval: config.backup_interval,
        keep: config.backup_keep.max(1),
        db_path: db_path.to_owned(),
        data_dir: config.data_dir.clone(),
        configured_key: config.encryption_key.clone(),
    };
    tracing::info!(
        dir = %schedule.dir.display(),
        interval_s = schedule.interval.as_secs(),
        keep = schedule.keep,
        "scheduled backups on"
    );
    Some(tokio::spawn(run(schedule)))
}

async fn run(schedule: Schedule) {
    loop {
        tokio::time::sleep(until_next(&schedule)).await;
        let job = schedule.clone();
        match tokio::task::spawn_blocking(move || take_one(&job)).await {
            Ok(Ok((path, size))) => {
                tracing::info!(backup = %path.display(), bytes = size, "backup written");
            }
            Ok(Err(e)) => tracing::error!(error = format!("{e:#}"), "scheduled backup failed"),
            Err(e) => tracing::error!(error = %e, "scheduled backup panicked"),
        }
        // After a failure, wait a full interval rather than retrying in a loop.
        if newest_age(&schedule.dir).is_none_or(|age| age >= schedule.interval) {
            tokio::time::sleep(schedule.interval).await;
        }
    }
}

/// How long until the next backup is due.
fn until_next(s: &Schedule) -> Duration {
    newest_age(&s.dir).map_or(Duration::ZERO, |age| s.interval.saturating_sub(age))
}

/// Writes one backup and prunes; returns its path and size.
pub fn take_one(s: &Schedule) -> anyhow::Result<(PathBuf, u64)> {
    fs::create_dir_all(&s.dir)?;
    fs::set_permissions(&s.dir, fs::Permissions::from_mode(0o700))?;
    let key = crate::credentials::key_text(&s.data_dir, s.configured_key.as_deref())?;
    let dest = s.dir.join(super::timestamped_name(SCHEDULED_PREFIX));
    super::create(&s.db_path, key.as_deref(), &dest, Reason::Scheduled)?;
    let size = fs::metadata(&dest)?.len();
    for old in prune(&s.dir, s.keep)? {
        tracing::info!(backup = %old.display(), "old backup deleted");
    }
    Ok((dest, size))
}

/// The scheduled backups in `dir`, oldest first (their names sort by time).
pub fn scheduled_backups(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(EXTENSION))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// Deletes all but the newest `keep` scheduled backups; returns what it deleted.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let all = scheduled_backups(dir)?;
    let excess = all.len().saturating_sub(keep);
    let doomed: Vec<PathBuf> = all.into_iter().take(excess).collect();
    for path in &doomed {
        fs::remove_file(path)?;
    }
    Ok(doomed)
}

fn newest_age(dir: &Path) -> Option<Duration> {
    let newest = scheduled_backups(dir).ok()?.pop()?;
    let modified = fs::metadata(newest).ok()?.modified().ok()?;
    Some(
        SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default(),
    )
}
