//! Connection use-cases: create through a provider (then the initial sync), pause,
//! disconnect (revoke upstream, wipe the secret, hide the data).

use uuid::Uuid;

use crate::domain::ConnectionStatus;
use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::state::AppState;
use crate::store::Page;
use crate::store::connections::{
    self, ConnectionFilter, ConnectionKey, ConnectionRow, NewConnection,
};
use crate::store::sync_logs::{self, SyncLogRow};
use crate::store::users;
use crate::sync::Trigger;

/// Creates a connection for `user` through `provider` and starts its `initial` sync.
pub async fn create(
    state: &AppState,
    provider: &str,
    user: IdRef,
    credentials: &serde_json::Value,
) -> Result<ConnectionRow> {
    let user_id = resolve_user(state, user).await?;
    let p = enabled(state, provider)?;
    let linked = p.link(credentials).await?;
    let sealed = state.credentials.seal(&linked.secret)?;
    let new = NewConnection {
        user_id,
        provider: p.info().name.to_owned(),
        institution_id: linked.institution_id,
        institution_name: linked.institution_name,
        credentials: Some(sealed),
        external_id: linked.external_id,
    };
    let conn = state
        .db
        .write(move |tx| connections::insert(tx, &new, crate::time::now()))
        .await?;
    state
        .engine
        .trigger(&IdRef::Uuid(conn.id), Trigger::Initial)
        .await?;
    Ok(conn)
}

/// The enabled provider called `name`, or 400 naming what is available.
pub fn enabled(
    state: &AppState,
    name: &str,
) -> Result<std::sync::Arc<dyn crate::providers::Provider>> {
    state.providers.get(name).ok_or_else(|| {
        Error::InvalidParameter(if state.providers.info(name).is_some() {
            format!("provider `{name}` is not enabled on this server")
        } else {
            format!(
                "unknown provider `{name}`; known: {}",
                state.providers.names().join(", ")
            )
        })
    })
}

/// The user's UUID, or 404.
pub async fn resolve_user(state: &AppState, user: IdRef) -> Result<Uuid> {
    state
        .db
        .lookup(move |c| users::get(c, &user))
        .await?
        .map(|u| u.id)
        .ok_or(Error::NotFound("user"))
}

/// A connection by id (any status), or 404.
pub async fn get(state: &AppState, id: IdRef) -> Result<ConnectionRow> {
    state
        .db
        .lookup(move |c| connections::get(c, &id))
        .await?
        .ok_or(Error::NotFound("connection"))
}

/// One page of connections, oldest first: `user` narrows to a household member (404 when
/// unknown), `status` to one status (disconnected ones are listed only when asked for).
pub async fn list(
    state: &AppState,
    user: Option<IdRef>,
    status: Option<ConnectionStatus>,
    limit: u32,
    after: Option<ConnectionKey>,
) -> Result<Page<ConnectionRow, ConnectionKey>> {
    let user_id = match user {
        Some(u) => Some(resolve_user(state, u).await?),
        None => None,
    };
    let filter = ConnectionFilter { user_id, status };
    state
        .db
        .read(move |c| connections::page(c, &filter, limit, after.as_ref()))
        .await
}

/// A connection (any status) with its newest sync log (`None` before the first sync),
/// read in one snapshot: a sync finishing between two separate reads could otherwise pair
/// the connection's old state with the new log (or the reverse).
pub async fn with_last_sync(
    state: &AppState,
    id: IdRef,
) -> Result<(ConnectionRow, Option<SyncLogRow>)> {
    state
        .db
        .lookup(move |c| {
            let snapshot = c.unchecked_transaction()?;
            let conn = connections::get(&snapshot, &id)?.ok_or(Error::NotFound("connection"))?;
            let last = sync_logs::latest(&snapshot, conn.id)?;
            snapshot.commit()?;
            Ok((conn, last))
        })
        .await
}

/// Sets `paused`; 404 for disconnected connections.
pub async fn set_paused(state: &AppState, id: IdRef, paused: bool) -> Result<ConnectionRow> {
    state
        .db
        .write(move |tx| {
            let conn = live(tx, &id)?;
            connections::set_paused(tx, conn.id, paused, crate::time::now())?;
            connections::get(tx, &IdRef::Uuid(conn.id))?.ok_or(Error::NotFound("connection"))
        })
        .await
}

/// Disconnects: asks the provider to revoke (best effort), wipes the stored secret and
/// hides the transactions (kept in the file, never listed).
pub async fn disconnect(state: &AppState, id: IdRef) -> Result<()> {
    let conn = get(state, id).await?;
    if conn.status == ConnectionStatus::Disconnected {
        return Err(Error::NotFound("connection"));
    }
    revoke_upstream(state, &conn).await;
    let conn_id = conn.id;
    state
        .db
        .write(move |tx| connections::disconnect(tx, conn_id, crate::time::now()))
        .await
}

async fn revoke_upstream(state: &AppState, conn: &ConnectionRow) {
    let (Some(provider), Some(sealed)) = (state.providers.get(&conn.provider), &conn.credentials)
    else {
        return;
    };
    match state.credentials.open(sealed) {
        Ok(secret) => {
            if let Err(e) = provider.revoke(&secret).await {
                tracing::warn!(connection = %conn.id, error = %e, "provider revoke failed; disconnecting anyway");
            }
        }
        Err(e) => {
            tracing::warn!(connection = %conn.id, error = %e, "cannot open stored credentials");
        }
    }
}

fn live(conn: &rusqlite::Connection, id: &IdRef) -> Result<ConnectionRow> {
    connections::get(conn, id)?
        .filter(|c| c.status != ConnectionStatus::Disconnected)
        .ok_or(Error::NotFound("connection"))
}
