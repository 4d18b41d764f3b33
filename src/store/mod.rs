//! The one place that opens the database: reader threads and a read pool plus a single
//! writer over one SQLite file. Reads run on dedicated reader threads (`readers`), writes
//! queue at one gate in front of the writer and run on the blocking pool; nothing runs on
//! the async threads. See `docs/architecture.md`.

pub mod accounts;
pub mod api_keys;
pub mod backup;
pub mod connections;
mod file_identity;
pub mod ingest;
pub mod link_sessions;
pub mod lock;
pub mod migrations;
pub mod page;
pub mod readers;
pub mod stats;
pub mod sync_logs;
pub mod transactions;
pub mod users;

use std::fs::{self, OpenOptions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};
use crate::mutex::lock;
use file_identity::FileIdentity;

pub use page::Page;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "breadbox.db";

/// Handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    readers: Pool<SqliteConnectionManager>,
    /// The one writer connection. Its mutex is the gate every write passes, async or
    /// blocking, and a write waits there as long as the one before it takes: a long import
    /// delays other writes, it never fails them.
    writer: Mutex<Connection>,
    /// Dedicated reader threads serving `Db::read`.
    reader_threads: readers::Readers,
    /// One more reader thread serving `Db::lookup`: keyed reads of a few rows.
    lookup_thread: readers::Readers,
    /// FIFO queue in front of the writer for async callers: waiting happens as a cheap
    /// suspended task rather than as a parked blocking thread per request.
    write_slots: tokio::sync::Semaphore,
    path: PathBuf,
    /// The file opened at start: writes stop if the path comes to name another file.
    identity: FileIdentity,
}

/// Why the database could not be opened at start-up.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create database file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Migrate(#[from] migrations::MigrateError),
    #[error("{0}")]
    Backup(String),
    #[error("cannot build connection pool: {0}")]
    Pool(#[from] r2d2::Error),
}

const CONNECTION_PRAGMAS: &str = "PRAGMA foreign_keys = ON;
     PRAGMA busy_timeout = 5000;
     PRAGMA synchronous = NORMAL;";

impl Db {
    /// Opens (creating if needed, mode 0600) `DIR/breadbox.db` and migrates it.
    pub fn open_in(data_dir: &Path) -> Result<Self, OpenError> {
        create_data_dir(data_dir)?;
        Self::open(&data_dir.join(DB_FILE))
    }

    /// Opens the database file at `path`, creating and migrating it as needed.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        create_private_file(path)?;
        let sqlite_err = |source| OpenError::Sqlite {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(sqlite_err)?;
        conn.execute_batch(CONNECTION_PRAGMAS).map_err(sqlite_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite_err)?;
        if let Some(from) = migrations::pending_upgrade(&conn).map_err(sqlite_err)? {
            crate::store::backup::before_upgrade(path, from)
                .map_err(|e| OpenError::Backup(format!("{e:#}")))?;
        }
        migrations::migrate(&mut conn)?;
        drop(conn);
        let reader_count = reader_count();
        // The reader threads and the lookup thread pin one connection each; two more are
        // for `read_blocking` callers.
        let readers = pool(path, reader_count + 3)?;
        let writer = Mutex::new(writer_connection(path).map_err(sqlite_err)?);
        let start = |name, n| {
            readers::Readers::start(&readers, name, n).map_err(|e| OpenError::File {
                path: path.to_owned(),
                source: e,
            })
        };
        let reader_threads = start("breadbox-reader", reader_count)?;
        let lookup_thread = start("breadbox-lookup", 1)?;
        let identity = FileIdentity::of(path).map_err(|source| OpenError::File {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                readers,
                writer,
                reader_threads,
                lookup_thread,
                write_slots: tokio::sync::Semaphore::new(1),
                path: path.to_owned(),
                identity,
            }),
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a reader connection on a dedicated reader thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.inner.reader_threads.run(f).await
    }

    /// Like [`Db::read`], for reads that fetch a few rows by key (get-by-id, auth checks,
    /// link-session polls). They run on their own thread, so they never queue behind a long
    /// search or summary, and under load that thread drains its queue without sleeping
    /// between jobs (measured in `benches/http_load.rs`). Nothing slow belongs here.
    pub async fn lookup<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.inner.lookup_thread.run(f).await
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction on the writer, on the blocking pool,
    /// after every write queued before it. The transaction commits only if `f` returns `Ok`.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T> + Send + 'static,
    {
        let _slot = self
            .inner
            .write_slots
            .acquire()
            .await
            .map_err(Error::internal)?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f)).await?
    }

    /// Synchronous form of [`Db::read`] for the CLI and blocking contexts.
    pub fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.inner.readers.get()?;
        f(&conn)
    }

    /// Synchronous form of [`Db::write`] for the CLI and start-up. It passes the same gate
    /// (the writer's mutex); server code uses [`Db::write`], which also keeps its place in
    /// the async queue.
    pub fn write_blocking<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.inner.writer);
        self.inner.identity.check(&self.inner.path)?;
        let out = in_transaction(&mut conn, f);
        // A bulk write's page cache can only be freed once its pages are committed.
        if let Err(e) = ingest::release_bulk_cache(&conn) {
            tracing::warn!(error = %e, "could not shrink the writer's page cache");
        }
        out
    }

    /// Checks that writes would work right now: the path still names the file the server
    /// opened, the file opens and answers on a fresh connection (a pooled one would keep
    /// working after `chmod 000`), and a write commits (a full disk fails it). A write that
    /// waits behind a long one for more than `PROBE_WAIT` counts as working: the gate is
    /// busy, not broken.
    pub async fn ping(&self) -> Result<()> {
        const PROBE_WAIT: Duration = Duration::from_secs(2);
        self.inner.identity.check(&self.inner.path)?;
        let path = self.inner.path.clone();
        tokio::task::spawn_blocking(move || {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = Connection::open_with_flags(&path, flags).map_err(Error::unavailable)?;
            conn.busy_timeout(Duration::from_secs(2))
                .map_err(Error::unavailable)?;
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(Error::unavailable)?;
            Ok::<(), Error>(())
        })
        .await??;
        match tokio::time::timeout(PROBE_WAIT, self.write(probe_write)).await {
            Ok(result) => result,
            Err(_busy) => Ok(()),
        }
    }
}

/// Rewrites the header's `user_version` with its own value: nothing changes, but SQLite
/// dirties page 1 and commits a real frame to the WAL, so a disk that cannot take a write
/// fails here.
fn probe_write(tx: &Transaction) -> Result<()> {
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    tx.execute_batch(&format!("PRAGMA user_version = {version}"))?;
    Ok(())
}

/// The message of a UNIQUE constraint failure (`UNIQUE constraint failed: users.email`).
pub(crate) fn unique_violation(err: &rusqlite::Error) -> Option<&str> {
    match err {
        rusqlite::Error::SqliteFailure(e, Some(msg))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            Some(msg)
        }
        _ => None,
    }
}

/// Runs an insert with a fresh short id, retrying when that id is already taken.
pub(crate) fn with_short_id<T>(
    mut insert: impl FnMut(String) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let mut attempts = 0;
    loop {
        match insert(crate::ids::short_id()) {
            Err(e)
                if attempts < 8
                    && unique_violation(&e).is_some_and(|m| m.ends_with(".short_id")) =>
            {
                attempts += 1;
            }
            other => return other,
        }
    }
}

fn in_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction) -> Result<T>,
) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

fn reader_count() -> u32 {
    std::thread::available_parallelism()
        .map_or(2, |n| u32::try_from(n.get()).unwrap_or(2))
        .clamp(2, 8)
}

/// The writer: the same pragmas as the pool's connections, and a statement cache sized
/// for the store functions' `prepare_cached`.
fn writer_connection(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.execute_batch(CONNECTION_PRAGMAS)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

fn pool(path: &Path, size: u32) -> Result<Pool<SqliteConnectionManager>, r2d2::Error> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let manager = SqliteConnectionManager::file(path)
        .with_flags(flags)
        .with_init(move |c| {
            c.execute_batch(CONNECTION_PRAGMAS)?;
            // Every store function uses prepare_cached; the default 16 slots would thrash.
            c.set_prepared_statement_cache_capacity(128);
            c.pragma_update(None, "query_only", true)?;
            Ok(())
        });
    Pool::builder()
        .max_size(size)
        .min_idle(Some(size))
        // A broken connection surfaces as a query error (mapped to 503) anyway; checking
        // each one on checkout would cost a round trip on every request.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
}

pub(crate) fn create_data_dir(dir: &Path) -> Result<(), OpenError> {
    if dir.is_dir() {
        return Ok(());
    }
    let err = |source| OpenError::DataDir {
        path: dir.to_owned(),
        source,
    };
    fs::create_dir_all(dir).map_err(err)?;
    // The directory holds the database and the encryption key file: owner only.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(err)
}

fn create_private_file(path: &Path) -> Result<(), OpenError> {
    let err = |source| OpenError::File {
        path: path.to_owned(),
        source,
    };
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(err)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    /// The old writer pool failed a write after a 10 s checkout wait; the gate must not.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_waits_behind_a_long_write_instead_of_failing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open_in(dir.path()).expect("open");
        let (held_tx, held_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let long = {
            let db = db.clone();
            std::thread::spawn(move || {
                db.write_blocking(|tx| {
                    users::insert(tx, "Long", None, 0)?;
                    held_tx.send(()).expect("test alive");
                    release_rx.recv().expect("released");
                    Ok(())
                })
            })
        };
        held_rx.recv().expect("long write started");
        let second = tokio::spawn({
            let db = db.clone();
            async move { db.write(|tx| users::insert(tx, "Second", None, 0)).await }
        });
        tokio::time::sleep(Duration::from_secs(11)).await;
        assert!(
            !second.is_finished(),
            "the second write must still be waiting"
        );
        release_tx.send(()).expect("long write alive");
        long.join().expect("no panic").expect("long write commits");
        second
            .await
            .expect("no panic")
            .expect("second write commits after it");
        let names: Vec<String> = db
            .read(|c| {
                let mut st = c.prepare("SELECT name FROM users ORDER BY created_at, name")?;
                let rows = st.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .await
            .expect("read");
        assert_eq!(names, ["Long", "Second"]);
    }
}
