//! What a provider's webhook carries once verified. The route (`POST /webhooks/{provider}`)
//! hands the raw request to the provider, which checks the signature and names the
//! connection by its provider-side id; `service::webhooks` applies the events.

use crate::domain::ConnectionStatus;

/// The raw request, exactly as received: signatures cover the bytes.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Unix seconds when it arrived (for the signature's age check).
    pub received_at: i64,
}

impl WebhookRequest {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One thing a verified webhook asks for, about the connection whose provider-side id
/// (`Linked::external_id`) is `external_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// New data upstream: run a sync with trigger `webhook`.
    Sync { external_id: String },
    /// The connection's state changed upstream (e.g. the login broke, or was repaired).
    Status {
        external_id: String,
        status: ConnectionStatus,
        error_code: Option<String>,
        error_message: Option<String>,
    },
    /// A warning for a healthy connection that keeps syncing for now (e.g. Plaid's consent
    /// expires soon): stored as its `error_code` / `error_message` while the status stays
    /// `active`, until a relink (or the provider's all-clear) clears it.
    Notice {
        external_id: String,
        code: String,
        message: String,
    },
    /// Nothing to do (a test ping, an event type we do not use).
    Ignored,
}

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Missing, stale, forged or unverifiable signature (401; nothing changes).
    #[error("{0}")]
    Unverified(String),
    /// Signed, but the body is not what the provider documents (400).
    #[error("{0}")]
    Malformed(String),
    /// This source takes no webhooks, or is not configured (404).
    #[error("this provider takes no webhooks")]
    Unsupported,
}
