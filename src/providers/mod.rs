//! The provider boundary: every bank-data source implements [`Provider`] and hands the
//! sync engine data already normalised to SPEC §1.6 (see `types`). Errors are typed so the
//! engine can tell re-authentication from a passing outage from a broken upstream.

pub mod demo;
pub mod demo_adapter;
pub mod simplefin;
pub mod teller;
pub mod types;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::civil::Date;
use uuid::Uuid;

pub use types::{KnownPending, SyncBatch};

/// Every provider name the binary knows, in display order.
pub const KNOWN: [&str; 5] = ["plaid", "teller", "simplefin", "csv", "demo"];

/// What linking produced: institution details and the secret to store (encrypted).
#[derive(Debug, Clone)]
pub struct Linked {
    pub institution_id: Option<String>,
    pub institution_name: Option<String>,
    /// Access token, access URL, or (demo) the scenario username.
    pub secret: String,
}

/// Input of one incremental sync.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    pub connection_id: Uuid,
    pub secret: String,
    pub cursor: Option<String>,
    pub today: Date,
    /// The connection's visible pending transactions (see [`KnownPending`]).
    pub known_pending: Vec<KnownPending>,
}

/// A provider failure, by what the caller should do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    /// The credentials the client sent are unusable (bad shape, unknown sandbox user).
    #[error("{0}")]
    InvalidCredentials(String),
    /// The person must sign in again (Plaid ITEM_LOGIN_REQUIRED, Teller 403, SimpleFIN 403).
    #[error("{0}")]
    ReauthRequired(String),
    /// A passing outage: try again later.
    #[error("{0}")]
    Retryable(String),
    /// The upstream answered with something unusable.
    #[error("{0}")]
    Upstream(String),
    /// The provider cannot do this (e.g. create a CSV connection without a file).
    #[error("{0}")]
    Unsupported(String),
}

impl ProviderError {
    /// The `error_code` stored on a connection.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidCredentials(_) => "INVALID_CREDENTIALS",
            Self::ReauthRequired(_) => "ITEM_LOGIN_REQUIRED",
            Self::Retryable(_) => "INSTITUTION_DOWN",
            Self::Upstream(_) => "PROVIDER_ERROR",
            Self::Unsupported(_) => "UNSUPPORTED",
        }
    }
}

impl From<ProviderError> for crate::Error {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::InvalidCredentials(m) => Self::Validation(format!("credentials: {m}")),
            ProviderError::Unsupported(m) => Self::InvalidParameter(m),
            other => Self::Provider(other.to_string()),
        }
    }
}

/// A bank-data source.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name (`demo`, `plaid`, …).
    fn name(&self) -> &'static str;
    /// Whether a person must go through the hosted-link page to connect.
    fn needs_link_session(&self) -> bool;
    /// Exchanges what the person supplied (`credentials`) for a stored secret.
    async fn link(&self, credentials: &serde_json::Value) -> Result<Linked, ProviderError>;
    /// Fetches everything new since `req.cursor`.
    async fn sync(&self, req: SyncRequest) -> Result<SyncBatch, ProviderError>;
    /// Asks the provider to forget the secret (best effort).
    async fn revoke(&self, secret: &str) -> Result<(), ProviderError>;
    /// Whether a sync someone asked for may start now; `Err` says why not, for people
    /// (SimpleFIN's daily request budget). Scheduled syncs do not ask.
    fn admit_manual_sync(&self, _connection_id: Uuid, _cursor: Option<&str>) -> Result<(), String> {
        Ok(())
    }
}

/// The providers enabled in this server (cheap to clone: shared behind an `Arc`).
#[derive(Clone, Default)]
pub struct Providers {
    enabled: Arc<BTreeMap<&'static str, Arc<dyn Provider>>>,
}

impl Providers {
    /// Builds the set from configuration ([`Providers::check`] has vetted it at start; a
    /// provider that still cannot be built is left out and logged).
    pub fn from_config(config: &crate::Config) -> Self {
        let mut p = Self::default();
        if config.demo {
            p.add(Arc::new(demo_adapter::DemoProvider));
        }
        match Self::real(config) {
            Ok(real) => real.into_iter().for_each(|r| p.add(r)),
            Err(e) => tracing::error!(error = %e, "bank providers left out"),
        }
        p
    }

    /// Fails with a message for the operator when a configured provider cannot be built
    /// (unreadable certificate, Teller outside sandbox without mTLS, …).
    pub fn check(config: &crate::Config) -> Result<(), String> {
        Self::real(config).map(|_| ())
    }

    fn real(config: &crate::Config) -> Result<Vec<Arc<dyn Provider>>, String> {
        let mut out: Vec<Arc<dyn Provider>> = Vec::new();
        if config.simplefin.enabled {
            out.push(Arc::new(simplefin::SimpleFinProvider::new(
                config.simplefin.allow_http,
            )?));
        }
        if config.teller.application_id.is_some() {
            out.push(Arc::new(teller::TellerProvider::new(&config.teller)?));
        }
        Ok(out)
    }

    pub fn add(&mut self, provider: Arc<dyn Provider>) {
        Arc::make_mut(&mut self.enabled).insert(provider.name(), provider);
    }

    /// The enabled provider called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Provider>> {
        self.enabled.get(name).cloned()
    }

    /// Names of the enabled providers a person can connect through on the page.
    pub fn enabled_names(&self) -> Vec<&'static str> {
        self.enabled.keys().copied().collect()
    }

    /// Whether `name` can be used (CSV import is always available).
    pub fn is_configured(&self, name: &str) -> bool {
        name == "csv" || self.enabled.contains_key(name)
    }

    /// Whether connecting through `name` needs the hosted-link page.
    pub fn needs_link_session(name: &str) -> bool {
        matches!(name, "plaid" | "teller")
    }
}
