//! Provider webhooks. Teller: verify the signature (nothing changes unless it holds), find
//! the connection by enrollment, then sync it (`transactions.processed`) or move it to
//! `pending_reauth` (`enrollment.disconnected`). Unknown enrollments change nothing.

use uuid::Uuid;

use crate::domain::{ConnectionStatus, SyncTrigger};
use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::providers::ProviderError;
use crate::providers::teller::Secret;
use crate::providers::teller::webhook::{self, Action, Rejection};
use crate::state::AppState;
use crate::store::connections::{self, ConnectionRow};

/// What a verified webhook did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do (`webhook.test`, other events, an unknown enrollment).
    Acknowledged,
    /// A `webhook` sync of this connection started (or one was already running).
    Syncing(Uuid),
    /// The connection now waits for the person to reconnect.
    NeedsReauth(Uuid),
}

/// Why a webhook was not handled.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    Rejected(Rejection),
    #[error(transparent)]
    Internal(#[from] Error),
}

/// `POST /webhooks/teller` with the `Teller-Signature` header and the raw body.
pub async fn teller(
    state: &AppState,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Outcome, WebhookError> {
    let secret = state
        .providers
        .get("teller")
        .and(state.config.teller.signing_secret.as_deref());
    webhook::verify(signature, body, secret, crate::time::now()).map_err(WebhookError::Rejected)?;
    let action = webhook::action(body);
    let Some(enrollment) = action.enrollment_id() else {
        return Ok(Outcome::Acknowledged);
    };
    let Some(conn) = by_enrollment(state, enrollment).await? else {
        tracing::info!("Teller webhook for an enrollment this server does not hold");
        return Ok(Outcome::Acknowledged);
    };
    match action {
        Action::Reauth { reason, .. } => mark_reauth(state, conn.id, &reason).await,
        Action::Sync { .. } => sync(state, &conn).await,
        Action::Acknowledge => Ok(Outcome::Acknowledged),
    }
    .map_err(WebhookError::Internal)
}

/// The live Teller connection whose stored enrollment is `enrollment_id`.
async fn by_enrollment(state: &AppState, enrollment_id: &str) -> Result<Option<ConnectionRow>> {
    let rows = state
        .db
        .read(|c| connections::live_of_provider(c, "teller"))
        .await?;
    Ok(rows.into_iter().find(|row| {
        row.credentials
            .as_deref()
            .and_then(|sealed| state.credentials.open(sealed).ok())
            .is_some_and(|s| Secret::decode(&s).enrollment_id == enrollment_id)
    }))
}

async fn sync(state: &AppState, conn: &ConnectionRow) -> Result<Outcome> {
    if conn.paused {
        return Ok(Outcome::Acknowledged);
    }
    match state
        .engine
        .trigger(&IdRef::Uuid(conn.id), SyncTrigger::Webhook)
        .await
    {
        Ok(_) | Err(Error::SyncInProgress) => Ok(Outcome::Syncing(conn.id)),
        Err(Error::NotFound(_)) => Ok(Outcome::Acknowledged),
        Err(e) => Err(e),
    }
}

async fn mark_reauth(state: &AppState, id: Uuid, reason: &str) -> Result<Outcome> {
    let reason: String = crate::providers::teller::client::sanitise(reason);
    let message = format!("Teller: the bank connection was disconnected ({reason}); reconnect it");
    let code = ProviderError::ReauthRequired(String::new()).code();
    let retry = i64::try_from(state.config.sync_interval.as_secs()).unwrap_or(i64::MAX / 2);
    state
        .db
        .write(move |tx| {
            let now = crate::time::now();
            connections::mark_failed(
                tx,
                id,
                ConnectionStatus::PendingReauth,
                code,
                &message,
                now,
                now.saturating_add(retry),
            )
        })
        .await?;
    Ok(Outcome::NeedsReauth(id))
}
