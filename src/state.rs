//! The state every use-case shares: database, auth cache, providers, credentials cipher,
//! sync engine, rate limiter and scheduler flag. It sits below `api` so services and the
//! scheduler never reach into the HTTP layer; `app.rs` only hands it to the routes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::Config;
use crate::credentials::CredentialCipher;
use crate::providers::Providers;
use crate::service::auth::Authenticator;
use crate::service::rate_limit::Limiter;
use crate::store::Db;
use crate::sync::SyncEngine;

/// Unverified keys a client IP may present: a burst of 30, then one every 2 seconds.
const UNVERIFIED_PER_MINUTE: u32 = 30;
const UNVERIFIED_BURST: u32 = 30;

/// Shared state every handler reaches through `Data<&AppState>`. One `Arc`: poem's
/// `.data()` clones it into every request, so a clone must stay a single increment.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

/// What `AppState` shares.
pub struct Services {
    pub db: Db,
    pub auth: Arc<Authenticator>,
    pub config: Arc<Config>,
    pub limiter: Option<Arc<Limiter>>,
    /// Per client IP: keys not yet verified (each costs an argon2 verify). Wrong keys drain
    /// it; a client that floods them gets 429 instead of queueing verifies.
    pub unverified_keys: Option<Arc<Limiter>>,
    pub providers: Providers,
    pub credentials: Arc<CredentialCipher>,
    pub engine: Arc<SyncEngine>,
    scheduler_running: AtomicBool,
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

impl AppState {
    /// The state for `config`, with the providers its configuration enables.
    pub fn new(db: Db, credentials: CredentialCipher, config: Config) -> Self {
        let providers = Providers::from_config(&config);
        Self::with_providers(db, credentials, config, providers)
    }

    /// The state with exactly `providers` (tests plug in their own sources).
    pub fn with_providers(
        db: Db,
        credentials: CredentialCipher,
        config: Config,
        providers: Providers,
    ) -> Self {
        let credentials = Arc::new(credentials);
        let engine = SyncEngine::new(
            db.clone(),
            providers.clone(),
            credentials.clone(),
            config.sync_interval,
        );
        Self(Arc::new(Services {
            auth: Arc::new(Authenticator::new(db.clone())),
            limiter: Limiter::new(config.rate_limit_rpm, config.rate_limit_burst),
            unverified_keys: (config.rate_limit_rpm > 0)
                .then(|| Limiter::new(UNVERIFIED_PER_MINUTE, UNVERIFIED_BURST))
                .flatten(),
            config: Arc::new(config),
            db,
            providers,
            credentials,
            engine,
            scheduler_running: AtomicBool::new(false),
        }))
    }

    pub fn scheduler_running(&self) -> bool {
        self.scheduler_running.load(Ordering::Relaxed)
    }

    pub fn set_scheduler_running(&self, running: bool) {
        self.scheduler_running.store(running, Ordering::Relaxed);
    }
}
