//! The sync engine: fetch from the provider, then apply everything in ONE database
//! transaction together with the new cursor and the finished log — or nothing at all.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::mutex::lock;

use crate::credentials::CredentialCipher;
use crate::domain::ConnectionStatus;
use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::providers::{ProviderError, Providers, SyncRequest};
use crate::store::connections::{self, ConnectionRow};
use crate::store::ingest::{self, Target};
use crate::store::{Db, sync_logs};

pub use crate::domain::SyncTrigger as Trigger;

/// Longest a provider may take for one sync.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs syncs; at most one per connection at a time.
pub struct SyncEngine {
    db: Db,
    providers: Providers,
    secrets: Arc<CredentialCipher>,
    interval: Duration,
    running: Mutex<HashSet<Uuid>>,
}

/// Releases a connection's slot when the sync ends, however it ends.
struct Slot {
    engine: Arc<SyncEngine>,
    id: Uuid,
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.engine.running).remove(&self.id);
    }
}

impl SyncEngine {
    pub fn new(
        db: Db,
        providers: Providers,
        secrets: Arc<CredentialCipher>,
        interval: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            db,
            providers,
            secrets,
            interval,
            running: Mutex::new(HashSet::new()),
        })
    }

    /// Whether a sync of `id` is running.
    pub fn is_running(&self, id: Uuid) -> bool {
        lock(&self.running).contains(&id)
    }

    /// Starts a sync in the background and returns its log id at once.
    /// `SyncInProgress` if one already runs; `NotFound` for unknown or disconnected ones.
    pub async fn trigger(self: &Arc<Self>, id: &IdRef, trigger: Trigger) -> Result<(Uuid, Uuid)> {
        let (conn, slot) = self.claim(id).await?;
        if trigger == Trigger::Manual {
            self.admit(&conn)?;
        }
        let conn_id = conn.id;
        let log_id = self.start_log(conn_id, trigger).await?;
        let engine = self.clone();
        tokio::spawn(async move {
            engine.run(conn, log_id, slot).await;
        });
        Ok((conn_id, log_id))
    }

    /// Runs a sync to completion (scheduler, tests). Returns the log id.
    pub async fn run_now(self: &Arc<Self>, id: &IdRef, trigger: Trigger) -> Result<Uuid> {
        let (conn, slot) = self.claim(id).await?;
        let log_id = self.start_log(conn.id, trigger).await?;
        self.run(conn, log_id, slot).await;
        Ok(log_id)
    }

    async fn claim(self: &Arc<Self>, id: &IdRef) -> Result<(ConnectionRow, Slot)> {
        let lookup = id.clone();
        let conn = self
            .db
            .lookup(move |c| connections::get(c, &lookup))
            .await?
            .filter(|c| c.status != ConnectionStatus::Disconnected)
            .ok_or(Error::NotFound("connection"))?;
        if !lock(&self.running).insert(conn.id) {
            return Err(Error::SyncInProgress);
        }
        let slot = Slot {
            engine: self.clone(),
            id: conn.id,
        };
        Ok((conn, slot))
    }

    /// Asks the provider whether a manual sync may start (SimpleFIN's request budget).
    fn admit(&self, conn: &ConnectionRow) -> Result<()> {
        match self.providers.get(&conn.provider) {
            Some(p) => p
                .admit_manual_sync(conn.id, conn.sync_cursor.as_deref())
                .map_err(Error::Conflict),
            None => Ok(()),
        }
    }

    async fn start_log(&self, connection_id: Uuid, trigger: Trigger) -> Result<Uuid> {
        let now = crate::time::now();
        self.db
            .write(move |tx| sync_logs::start(tx, connection_id, trigger, now))
            .await
    }

    async fn run(&self, conn: ConnectionRow, log_id: Uuid, _slot: Slot) {
        let started = Instant::now();
        let outcome = self.fetch_and_apply(&conn, log_id, started).await;
        if let Err(failure) = outcome {
            // The cause of our own failures goes to the log (never to the API).
            let cause = match &failure {
                Failure::Local(Error::Internal(c) | Error::DatabaseUnavailable(c)) => c.0.as_str(),
                _ => "",
            };
            tracing::warn!(connection = %conn.id, error = %failure, cause, "sync failed");
            if let Err(e) = self.record_failure(&conn, log_id, &failure, started).await {
                tracing::error!(connection = %conn.id, error = %e, "could not record sync failure");
            }
        }
    }

    async fn fetch_and_apply(
        &self,
        conn: &ConnectionRow,
        log_id: Uuid,
        started: Instant,
    ) -> Result<(), Failure> {
        let provider = self.providers.get(&conn.provider).ok_or_else(|| {
            Failure::Config(format!(
                "provider {} is not enabled on this server",
                conn.provider
            ))
        })?;
        let secret = match &conn.credentials {
            Some(sealed) => self.secrets.open(sealed).map_err(|_| Failure::Key)?,
            None => String::new(),
        };
        let conn_id = conn.id;
        let known_pending = self
            .db
            .read(move |c| crate::store::transactions::known_pending(c, conn_id))
            .await
            .map_err(Failure::Local)?;
        let req = SyncRequest {
            connection_id: conn.id,
            secret,
            cursor: conn.sync_cursor.clone(),
            today: jiff::Zoned::now().date(),
            known_pending,
        };
        let batch = tokio::time::timeout(PROVIDER_TIMEOUT, provider.sync(req))
            .await
            .map_err(|_| {
                Failure::Provider(ProviderError::Retryable("the provider timed out".into()))
            })?
            .map_err(Failure::Provider)?;
        let target = Target {
            connection_id: conn.id,
            user_id: conn.user_id,
        };
        let next = crate::time::now() + jittered(self.interval);
        self.db
            .write(move |tx| {
                let now = crate::time::now();
                let counts = ingest::apply(tx, target, &batch, now)?;
                connections::mark_synced(tx, conn_id, batch.next_cursor.as_deref(), now, next)?;
                sync_logs::succeed(tx, log_id, counts, now, elapsed_ms(started))?;
                record_notes(tx, conn_id, log_id, &batch, now, next)
            })
            .await
            .map_err(Failure::Local)
    }

    async fn record_failure(
        &self,
        conn: &ConnectionRow,
        log_id: Uuid,
        failure: &Failure,
        started: Instant,
    ) -> Result<()> {
        let (status, code, message) = failure.describe();
        let retry_in = backoff(self.interval, conn.consecutive_failures + 1);
        let conn_id = conn.id;
        self.db
            .write(move |tx| {
                let now = crate::time::now();
                sync_logs::fail(tx, log_id, &message, now, elapsed_ms(started))?;
                if let Some(status) = status {
                    connections::mark_failed(
                        tx,
                        conn_id,
                        status,
                        code,
                        &message,
                        now,
                        now + retry_in,
                    )?;
                }
                Ok(())
            })
            .await
    }
}

/// Keeps the provider's warnings on the log and the connection, and moves a connection whose
/// data arrived but whose login needs attention (SimpleFIN `con.auth`) to `pending_reauth`.
fn record_notes(
    tx: &rusqlite::Connection,
    conn_id: Uuid,
    log_id: Uuid,
    batch: &crate::providers::SyncBatch,
    now: i64,
    next: i64,
) -> Result<()> {
    let mut notes = batch.warnings.clone();
    notes.extend(batch.reauth_required.iter().cloned());
    if notes.is_empty() {
        return Ok(());
    }
    let message = notes.join("; ");
    sync_logs::note(tx, log_id, &message)?;
    match &batch.reauth_required {
        Some(reason) => connections::mark_failed(
            tx,
            conn_id,
            ConnectionStatus::PendingReauth,
            ProviderError::ReauthRequired(String::new()).code(),
            reason,
            now,
            next,
        ),
        None => connections::note_warning(tx, conn_id, &message, now),
    }
}

/// How a sync failed.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Provider(ProviderError),
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Local(Error),
    #[error(
        "the stored credentials cannot be decrypted: this server's encryption key is not the \
         one they were sealed with (restore the encryption.key that belongs to this database, \
         or set BREADBOX_ENCRYPTION_KEY to it)"
    )]
    Key,
}

impl Failure {
    /// New connection status (None = leave it), error code, message for people.
    fn describe(&self) -> (Option<ConnectionStatus>, &'static str, String) {
        match self {
            Self::Provider(e @ ProviderError::ReauthRequired(_)) => (
                Some(ConnectionStatus::PendingReauth),
                e.code(),
                e.to_string(),
            ),
            Self::Provider(e) => (Some(ConnectionStatus::Error), e.code(), e.to_string()),
            Self::Config(m) => (
                Some(ConnectionStatus::Error),
                "PROVIDER_NOT_CONFIGURED",
                m.clone(),
            ),
            // Our own failures: the bank is fine, keep the status.
            Self::Key => (None, "INTERNAL_ERROR", self.to_string()),
            Self::Local(_) => (
                None,
                "INTERNAL_ERROR",
                "the sync could not be saved; see the server log".into(),
            ),
        }
    }
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// The interval with ±10 % jitter, in seconds, so connections do not sync in lockstep.
pub fn jittered(interval: Duration) -> i64 {
    let secs = i64::try_from(interval.as_secs())
        .unwrap_or(i64::MAX / 2)
        .max(1);
    let spread = secs / 10;
    if spread == 0 {
        return secs;
    }
    let r = i64::from(u16::from_le_bytes(crate::ids::random_bytes::<2>()));
    secs - spread + (r % (2 * spread + 1))
}

/// Exponential backoff after `failures` consecutive failures: 5 min, 10, 20, … capped
/// at the interval.
pub fn backoff(interval: Duration, failures: i64) -> i64 {
    let cap = i64::try_from(interval.as_secs())
        .unwrap_or(i64::MAX / 2)
        .max(60);
    let exp = u32::try_from(failures.clamp(1, 20) - 1).unwrap_or(0);
    (300_i64.saturating_mul(1_i64 << exp)).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_minutes_up_to_the_interval() {
        let twelve_h = Duration::from_secs(12 * 3600);
        assert_eq!(backoff(twelve_h, 1), 300);
        assert_eq!(backoff(twelve_h, 2), 600);
        assert_eq!(backoff(twelve_h, 4), 2400);
        assert_eq!(backoff(twelve_h, 30), 12 * 3600);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..200 {
            let j = jittered(Duration::from_secs(1000));
            assert!((900..=1100).contains(&j), "{j}");
        }
    }

    #[test]
    fn reauth_failures_move_to_pending_reauth_and_local_ones_keep_status() {
        let f = Failure::Provider(ProviderError::ReauthRequired("x".into()));
        assert_eq!(f.describe().0, Some(ConnectionStatus::PendingReauth));
        let f = Failure::Provider(ProviderError::Retryable("down".into()));
        assert_eq!(f.describe().0, Some(ConnectionStatus::Error));
        let f = Failure::Local(Error::internal("disk"));
        assert_eq!(f.describe().0, None);
        assert!(!f.describe().2.contains("disk"));
    }
}
