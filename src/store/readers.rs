//! Reader threads for async reads: each owns one pooled connection for its lifetime and
//! takes jobs from a shared queue, so a point read neither opens a blocking-pool thread
//! nor waits on the pool's lock. SQLite never runs on the async threads.
//!
//! A new job wakes one sleeping reader, and only while queued jobs do not outnumber the
//! sleepers already woken for them; a reader that finishes a job takes the next without
//! sleeping. No reader is woken just to go back to sleep (a `Mutex<Receiver>` woke the idle
//! reader waiting on the lock for every job). `Db` runs two of these: the general readers and a one-thread lane for keyed
//! lookups. Measured with `cargo bench --bench http_load` on 2 cores, auth/health went from
//! ~0.3 (`spawn_blocking` per read) to 0.53 (`Mutex<Receiver>`) to 0.63–0.64 (this queue,
//! lookups on their own lane).

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex};

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::mutex::lock;

type Job = Box<dyn FnOnce(&Connection) + Send>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// Readers asleep in `ready.wait`.
    sleeping: usize,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// The job queue in front of the reader threads (they stop when it is dropped).
pub struct Readers {
    shared: Arc<Shared>,
}

impl Readers {
    /// Starts `n` threads named `name-i`, each holding one connection of `pool`.
    pub fn start(
        pool: &Pool<SqliteConnectionManager>,
        name: &str,
        n: u32,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        for i in 0..n {
            let conn = pool.get().map_err(std::io::Error::other)?;
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || serve(&conn, &shared))?;
        }
        Ok(Self { shared })
    }

    /// Runs `f` on a reader thread and awaits its result.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = done.send(f(conn));
        });
        self.submit(job)?;
        result
            .await
            .map_err(|_| Error::internal("a database read panicked"))?
    }

    fn submit(&self, job: Job) -> Result<()> {
        let wake = {
            let mut q = lock(&self.shared.queue);
            if q.closed {
                return Err(Error::internal("the reader threads have stopped"));
            }
            q.jobs.push_back(job);
            // Only as many wake-ups as queued jobs that no awake reader will pick up.
            q.sleeping > 0 && q.jobs.len() <= q.sleeping
        };
        if wake {
            self.shared.ready.notify_one();
        }
        Ok(())
    }
}

impl Drop for Readers {
    fn drop(&mut self) {
        lock(&self.shared.queue).closed = true;
        self.shared.ready.notify_all();
    }
}

fn serve(conn: &PooledConnection<SqliteConnectionManager>, shared: &Shared) {
    while let Some(job) = next_job(shared) {
        // A panicking read must not take the thread (and its connection) down with it;
        // the caller gets an internal error because its result sender was dropped.
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(conn))).is_err() {
            tracing::error!("a database read panicked");
        }
    }
}

/// The next job, sleeping while there is none; `None` once the queue is closed and drained.
fn next_job(shared: &Shared) -> Option<Job> {
    let mut q = lock(&shared.queue);
    loop {
        if let Some(job) = q.jobs.pop_front() {
            return Some(job);
        }
        if q.closed {
            return None;
        }
        q.sleeping += 1;
        q = shared
            .ready
            .wait(q)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        q.sleeping -= 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;
    use std::time::Duration;

    use crate::store::Db;

    fn temp_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_in(&dir.path().join("data")).unwrap();
        (dir, db)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_run_in_parallel_on_the_reader_threads() {
        let (_dir, db) = temp_db();
        // Two reads that can only finish if both run at the same time (if they cannot,
        // the timeout fails the test; the stuck reader threads die with the process).
        let barrier = std::sync::Arc::new(Barrier::new(2));
        let read = |b: std::sync::Arc<Barrier>| {
            db.read(move |_| {
                b.wait();
                Ok(())
            })
        };
        let both = async { tokio::join!(read(barrier.clone()), read(barrier)) };
        let (a, b) = tokio::time::timeout(Duration::from_secs(10), both)
            .await
            .expect("the two reads never ran at the same time");
        a.unwrap();
        b.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lookups_do_not_wait_behind_slow_reads() {
        let (_dir, db) = temp_db();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = std::sync::Arc::new(std::sync::Mutex::new(hold));
        // Occupy every general reader thread until released.
        let mut slow = Vec::new();
        for _ in 0..8 {
            let hold = hold.clone();
            slow.push(tokio::spawn({
                let db = db.clone();
                async move {
                    db.read(move |_| {
                        let _ = hold.lock().unwrap().recv_timeout(Duration::from_secs(10));
                        Ok(())
                    })
                    .await
                }
            }));
        }
        let one: i64 = tokio::time::timeout(
            Duration::from_secs(5),
            db.lookup(|c| Ok(c.query_row("SELECT 1", [], |r| r.get(0))?)),
        )
        .await
        .expect("a lookup waited behind slow reads")
        .unwrap();
        assert_eq!(one, 1);
        for _ in 0..8 {
            let _ = release.send(());
        }
        for s in slow {
            s.await.unwrap().unwrap();
        }
    }
}
