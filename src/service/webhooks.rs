//! Provider webhooks: the provider verifies the raw request and says what it means
//! ([`WebhookEvent`]); this applies it to the connection its provider-side id names — a
//! sync with trigger `webhook`, or a status change. An unverified webhook changes nothing.

use crate::domain::SyncTrigger;
use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::providers::{WebhookError, WebhookEvent, WebhookRequest};
use crate::state::AppState;
use crate::store::connections;

/// Verifies and applies one webhook for `provider`. Returns how many events touched a
/// connection (events naming an unknown connection are accepted and ignored).
pub async fn receive(state: &AppState, provider: &str, req: WebhookRequest) -> Result<usize> {
    let p = state
        .providers
        .get(provider)
        .ok_or(Error::NotFound("webhook receiver"))?;
    let events = p.webhook(&req).await.map_err(|e| match e {
        WebhookError::Unverified(m) => Error::BadSignature(m),
        WebhookError::Malformed(m) => Error::Validation(m),
        WebhookError::Unsupported => Error::NotFound("webhook receiver"),
    })?;
    let mut applied = 0;
    for event in events {
        applied += usize::from(apply(state, provider, event).await?);
    }
    Ok(applied)
}

async fn apply(state: &AppState, provider: &str, event: WebhookEvent) -> Result<bool> {
    let external_id = match &event {
        WebhookEvent::Sync { external_id }
        | WebhookEvent::Status { external_id, .. }
        | WebhookEvent::Notice { external_id, .. } => external_id.clone(),
        WebhookEvent::Ignored => return Ok(false),
    };
    let name = provider.to_owned();
    let Some(conn) = state
        .db
        .lookup(move |c| connections::by_external_id(c, &name, &external_id))
        .await?
    else {
        tracing::info!(
            provider,
            "webhook for a connection this server does not hold"
        );
        return Ok(false);
    };
    match event {
        WebhookEvent::Sync { .. } => {
            match state
                .engine
                .trigger(&IdRef::Uuid(conn.id), SyncTrigger::Webhook)
                .await
            {
                // A sync already running will fetch what the webhook announced, or the next will.
                Ok(_) | Err(Error::SyncInProgress) => {}
                Err(e) => return Err(e),
            }
        }
        WebhookEvent::Status {
            status,
            error_code,
            error_message,
            ..
        } => {
            let id = conn.id;
            state
                .db
                .write(move |tx| {
                    let error = error_code
                        .as_deref()
                        .map(|c| (c, error_message.as_deref().unwrap_or_default()));
                    connections::set_status(tx, id, status, error, crate::time::now())
                })
                .await?;
        }
        WebhookEvent::Notice { code, message, .. } => {
            let id = conn.id;
            state
                .db
                .write(move |tx| {
                    connections::set_notice(tx, id, &code, &message, crate::time::now())
                })
                .await?;
        }
        WebhookEvent::Ignored => return Ok(false),
    }
    Ok(true)
}
