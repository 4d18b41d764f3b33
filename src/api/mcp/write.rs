//! The write tools (a `full_access` key only): start syncs, mint hosted-link sessions.
//! They call the services `POST /api/v1/sync` and the link-session routes call.

use rmcp::model::JsonObject;

use super::args::{self, decode};
use super::read::{Out, body};
use crate::api::link::created_body;
use crate::api::parse_id;
use crate::api::sync::BulkSyncBody;
use crate::service::link::{self as link, NewLink};
use crate::service::sync;
use crate::state::AppState;

pub async fn trigger_sync(state: &AppState, raw: Option<JsonObject>) -> Out {
    let a: args::TriggerArgs = decode(raw)?;
    let one = a
        .connection_id
        .map(|c| parse_id(&c, "connection"))
        .transpose()?;
    let done = match one {
        Some(id) => sync::Triggered {
            triggered: vec![sync::trigger_one(state, &id).await?.0],
            skipped: vec![],
        },
        None => sync::trigger_all(state).await?,
    };
    Ok(body(&BulkSyncBody::from(done)))
}

/// `base` is the public base URL the person's link lives under.
pub async fn create_link_session(state: &AppState, base: &str, raw: Option<JsonObject>) -> Out {
    let a: args::CreateLinkArgs = decode(raw)?;
    let new = NewLink {
        user: parse_id(&a.user_id, "user")?,
        provider: a.provider.unwrap_or_default(),
        single_use: a.single_use.unwrap_or(true),
        redirect_url: a.redirect_url,
        label: a.label,
        expires_in_seconds: a.expires_in_seconds.unwrap_or(link::DEFAULT_EXPIRY),
    };
    let minted = link::create(state, new).await?;
    Ok(body(&created_body(base, minted)))
}

pub async fn relink_connection(state: &AppState, base: &str, raw: Option<JsonObject>) -> Out {
    let a: args::RelinkArgs = decode(raw)?;
    let id = parse_id(&a.connection_id, "connection")?;
    let expires = a.expires_in_seconds.unwrap_or(link::DEFAULT_EXPIRY);
    let minted = link::relink(
        state,
        id,
        a.redirect_url.as_deref(),
        a.label.as_deref(),
        expires,
    )
    .await?;
    Ok(body(&created_body(base, minted)))
}
