//! The provider boundary and its registry. Every bank-data source — the demo bank, CSV
//! files and the real providers — is one folder here implementing [`Provider`], and one line
//! in [`SOURCES`]. It declares what it is ([`ProviderInfo`]), what the hosted page shows for it
//! ([`PageFlow`]), and how it links, syncs, revokes and verifies webhooks; it hands the sync
//! engine data already normalised to the API's money rules (see `types`). Errors are typed so
//! the engine can tell re-authentication from a passing outage from a broken upstream.

pub mod csv;
pub mod demo;
pub mod demo_adapter;
pub mod plaid;
mod registry;
pub mod simplefin;
pub mod teller;
pub mod types;
pub mod webhooks;

use async_trait::async_trait;
use jiff::civil::Date;
use uuid::Uuid;

pub use types::{KnownPending, SyncBatch};

pub use registry::{Providers, Registration, SOURCES};
pub use webhooks::{WebhookError, WebhookEvent, WebhookRequest};

/// What a source is, independent of configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderInfo {
    /// The `provider` value of connections (`plaid`, `demo`, …).
    pub name: &'static str,
    /// What people see in the page's picker.
    pub display_name: &'static str,
    /// A person must connect on the hosted page (the provider's own UI runs there); the API's
    /// `POST /connections` cannot take the credentials directly.
    pub needs_link_session: bool,
    /// Offered on the hosted page. `false` for sources that arrive as files (CSV).
    pub on_page: bool,
    /// Synced by the scheduler. `false` for sources with no upstream to poll (CSV).
    pub scheduled: bool,
}

/// What the hosted page shows for a provider once the person picked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageFlow {
    /// A form: the page shows `fields` and posts their values as `credentials`.
    Form {
        fields: Vec<FormField>,
        /// Where a person gets what the form asks for (e.g. a SimpleFIN setup token).
        help_url: Option<String>,
    },
    /// The provider's own script: the page loads `script_url` (the only third-party origin
    /// its CSP allows) and runs the provider's flow with `config` (e.g. Plaid's link token).
    Script {
        script_url: String,
        config: serde_json::Value,
    },
}

/// One field of a [`PageFlow::Form`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    /// `(value, label)` choices of a `Select`.
    pub options: Vec<(&'static str, &'static str)>,
}

/// Input kind of a [`FormField`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Password,
    Select,
}

/// What starting a page flow knows about the session.
#[derive(Debug, Clone)]
pub struct StartContext {
    /// The person the connection is for (Plaid's `client_user_id`).
    pub user_id: Uuid,
    /// Base URL the server is reached at (for webhook and redirect URLs), if configured.
    pub public_url: Option<String>,
    /// For a relink: the connection's stored secret and provider-side id (update mode).
    pub relink: Option<Relink>,
}

/// The connection a relink re-authenticates.
#[derive(Debug, Clone)]
pub struct Relink {
    pub secret: String,
    pub external_id: Option<String>,
}

/// What linking produced: institution details and the secret to store (encrypted).
#[derive(Debug, Clone)]
pub struct Linked {
    pub institution_id: Option<String>,
    pub institution_name: Option<String>,
    /// Access token, access URL, or (demo) the scenario username.
    pub secret: String,
    /// The provider's id for this login (Plaid `item_id`, Teller enrollment id), which its
    /// webhooks name. `None` when the provider has none.
    pub external_id: Option<String>,
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
    /// What this source is.
    fn info(&self) -> ProviderInfo;
    /// The origin-bearing URL of a script the hosted page must be allowed to load, if the
    /// flow uses one (the page's CSP names exactly these).
    fn page_script(&self) -> Option<String> {
        None
    }
    /// Starts the page flow: a form to show, or a script and its configuration.
    async fn start(&self, ctx: &StartContext) -> Result<PageFlow, ProviderError>;
    /// Exchanges what the person supplied (`credentials`) for a stored secret.
    async fn link(&self, credentials: &serde_json::Value) -> Result<Linked, ProviderError>;
    /// Re-authenticates an existing connection whose stored secret is `relink.secret`.
    /// By default a relink is a fresh link whose secret replaces the old one.
    async fn relink(
        &self,
        credentials: &serde_json::Value,
        relink: &Relink,
    ) -> Result<Linked, ProviderError> {
        let _ = relink;
        self.link(credentials).await
    }
    /// Fetches everything new since `req.cursor`.
    async fn sync(&self, req: SyncRequest) -> Result<SyncBatch, ProviderError>;
    /// Asks the provider to forget the secret (best effort).
    async fn revoke(&self, secret: &str) -> Result<(), ProviderError>;
    /// Whether a sync someone asked for may start now; `Err` says why not, for people
    /// (SimpleFIN's daily request budget). Scheduled syncs do not ask.
    fn admit_manual_sync(&self, _connection_id: Uuid, _cursor: Option<&str>) -> Result<(), String> {
        Ok(())
    }
    /// Verifies a webhook and says what it means. By default a source takes no webhooks.
    async fn webhook(&self, req: &WebhookRequest) -> Result<Vec<WebhookEvent>, WebhookError> {
        let _ = req;
        Err(WebhookError::Unsupported)
    }
}

/// Fails with a message for the operator when a configured provider cannot be built
/// (unreadable certificate, Teller outside sandbox without mTLS, …); run at start.
pub fn check(config: &crate::Config) -> Result<(), String> {
    simplefin::check(config)?;
    teller::check(config)
}
