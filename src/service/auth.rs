//! API-key authentication (docs/api.md, Surfaces and auth): prefix lookup first, at most
//! two argon2 verifies at a time on blocking threads with reused buffers, then a memory
//! cache keyed by SHA-256 of the presented key. A key revoked here fails from the next
//! request on, whatever verifies were queued.
//! `last_used_at` is gathered in memory and flushed in batches, off the request path.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Block;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::mutex::lock;

use crate::error::{Error, Result};
use crate::keys::{self, KEY_PREFIX_LEN};
use crate::store::{Db, api_keys};

pub use crate::domain::KeyScope as Scope;

/// The key a request was authenticated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthedKey {
    pub id: Uuid,
    pub scope: Scope,
}

/// Why a presented key was refused.
#[derive(Debug)]
pub enum AuthFailure {
    Invalid,
    Revoked,
    Unavailable(Error),
}

impl From<Error> for AuthFailure {
    fn from(e: Error) -> Self {
        Self::Unavailable(e)
    }
}

struct CachedKey {
    key: AuthedKey,
    checked_at: Instant,
}

/// Cached entries are re-read from the database (no argon2) after this long, so a key
/// revoked by another process (the CLI) stops working within it. API revocation is instant.
const REVALIDATE_AFTER: Duration = Duration::from_secs(2);
/// Upper bound on cached keys; only verified, unrevoked keys are ever cached.
const CACHE_CAP: usize = 10_000;

/// Verifies API keys and remembers the verified ones.
pub struct Authenticator {
    db: Db,
    cache: Mutex<HashMap<[u8; 32], CachedKey>>,
    argon: Semaphore,
    /// argon2's working memory, one buffer per verify slot, reused for every verify.
    buffers: Mutex<Vec<Vec<Block>>>,
    /// Keys revoked through this process: refused from the next request on, even by a
    /// verify that was already queued when the revocation landed.
    revoked: Mutex<HashSet<Uuid>>,
    last_used: Mutex<HashMap<Uuid, i64>>,
}

/// Verifies running at once: bounds argon2's CPU and its 19 MiB of memory per verify.
const VERIFY_SLOTS: usize = 2;

impl Authenticator {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            cache: Mutex::new(HashMap::new()),
            argon: Semaphore::new(VERIFY_SLOTS),
            buffers: Mutex::new(Vec::new()),
            revoked: Mutex::new(HashSet::new()),
            last_used: Mutex::new(HashMap::new()),
        }
    }

    /// Authenticates a presented key.
    pub async fn authenticate(&self, presented: &str) -> Result<AuthedKey, AuthFailure> {
        if !keys::is_well_formed_key(presented) {
            return Err(AuthFailure::Invalid);
        }
        let digest = keys::sha256(presented.as_bytes());
        let key = match self.cached(&digest) {
            Some((key, fresh)) if fresh => key,
            Some((key, _)) => self.revalidate(digest, key).await?,
            None => self.verify(presented, digest).await?,
        };
        if lock(&self.revoked).contains(&key.id) {
            return Err(AuthFailure::Revoked);
        }
        self.mark_used(key.id);
        Ok(key)
    }

    /// The cached key for a presented key, without any I/O (used by the rate limiter).
    pub fn peek(&self, presented: &str) -> Option<AuthedKey> {
        let digest = keys::sha256(presented.as_bytes());
        self.cached(&digest).map(|(k, _)| k)
    }

    /// Drops every cached entry of a revoked key and refuses it from now on.
    pub fn forget(&self, id: Uuid) {
        lock(&self.revoked).insert(id);
        lock(&self.cache).retain(|_, c| c.key.id != id);
    }

    /// The newest in-memory `last_used_at` not yet flushed, if any.
    pub fn pending_last_used(&self, id: Uuid) -> Option<i64> {
        lock(&self.last_used).get(&id).copied()
    }

    /// Writes gathered `last_used_at` values to the database in one transaction.
    pub async fn flush_last_used(&self) -> Result<()> {
        let updates: Vec<(Uuid, i64)> = lock(&self.last_used).drain().collect();
        if updates.is_empty() {
            return Ok(());
        }
        self.db
            .write(move |tx| api_keys::touch_last_used(tx, &updates))
            .await
    }

    fn cached(&self, digest: &[u8; 32]) -> Option<(AuthedKey, bool)> {
        lock(&self.cache)
            .get(digest)
            .map(|c| (c.key, c.checked_at.elapsed() < REVALIDATE_AFTER))
    }

    async fn revalidate(&self, digest: [u8; 32], key: AuthedKey) -> Result<AuthedKey, AuthFailure> {
        let row = self.db.lookup(move |c| api_keys::get(c, key.id)).await?;
        match row {
            Some(r) if r.revoked_at.is_none() => {
                self.remember(digest, key);
                Ok(key)
            }
            Some(_) => {
                self.forget(key.id);
                Err(AuthFailure::Revoked)
            }
            None => {
                self.forget(key.id);
                Err(AuthFailure::Invalid)
            }
        }
    }

    async fn verify(&self, presented: &str, digest: [u8; 32]) -> Result<AuthedKey, AuthFailure> {
        let prefix = presented[..KEY_PREFIX_LEN].to_owned();
        let rows = self
            .db
            .lookup(move |c| api_keys::by_prefix(c, &prefix))
            .await?;
        for row in rows {
            if !self.argon_verify(presented, row.key_hash.clone()).await? {
                continue;
            }
            if row.revoked_at.is_some() {
                return Err(AuthFailure::Revoked);
            }
            let key = AuthedKey {
                id: row.id,
                scope: row.scope,
            };
            self.remember(digest, key);
            return Ok(key);
        }
        Err(AuthFailure::Invalid)
    }

    async fn argon_verify(&self, presented: &str, hash: String) -> Result<bool> {
        // The semaphore bounds argon2's CPU under floods; each slot owns one buffer, so
        // memory stays at VERIFY_SLOTS × 19 MiB however many wrong keys arrive.
        let permit = self.argon.acquire().await.map_err(Error::internal)?;
        let mut blocks = lock(&self.buffers).pop().unwrap_or_default();
        let presented = presented.to_owned();
        let (ok, blocks) = tokio::task::spawn_blocking(move || {
            let ok = keys::verify_secret_in(&presented, &hash, &mut blocks);
            (ok, blocks)
        })
        .await?;
        let mut buffers = lock(&self.buffers);
        buffers.push(blocks);
        // Under the buffers' lock: with this permit back, every permit free means no verify
        // runs or waits (a waiter would have been handed it). The last verify of a burst
        // frees the buffers, so a quiet server does not keep 19 MiB per slot.
        drop(permit);
        if self.argon.available_permits() == VERIFY_SLOTS {
            buffers.clear();
        }
        Ok(ok)
    }

    fn remember(&self, digest: [u8; 32], key: AuthedKey) {
        if lock(&self.revoked).contains(&key.id) {
            return;
        }
        let mut cache = lock(&self.cache);
        if cache.len() >= CACHE_CAP && !cache.contains_key(&digest) {
            cache.clear();
        }
        cache.insert(
            digest,
            CachedKey {
                key,
                checked_at: Instant::now(),
            },
        );
    }

    fn mark_used(&self, id: Uuid) {
        lock(&self.last_used).insert(id, crate::time::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::api_keys;

    /// argon2's 19 MiB buffers are kept only while verifies follow each other.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_quiet_authenticator_keeps_no_argon2_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_in(dir.path()).unwrap();
        let minted = api_keys::prepare("test", Scope::ReadOnly).unwrap();
        db.write_blocking(|tx| api_keys::store(tx, &minted))
            .unwrap();
        let auth = Authenticator::new(db);
        let wrong = format!("{}{}", &minted.key[..KEY_PREFIX_LEN], "x".repeat(30));
        let (a, b, c) = tokio::join!(
            auth.authenticate(&wrong),
            auth.authenticate(&wrong),
            auth.authenticate(&minted.key),
        );
        assert!(a.is_err() && b.is_err());
        assert!(c.is_ok());
        assert!(
            lock(&auth.buffers).is_empty(),
            "buffers kept after the burst"
        );
    }
}
