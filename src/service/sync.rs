//! Sync use-cases behind `POST /api/v1/sync` and the sync-log list: which connections a
//! bulk trigger starts or skips, and the filtered log pages.

use uuid::Uuid;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::store::Page;
use crate::store::connections;
use crate::store::sync_logs::{self, SyncLogFilter, SyncLogKey, SyncLogRow};
use crate::sync::Trigger;

/// What a trigger started and what it left out (with the reason: `sync_in_progress`,
/// `paused` or `pending_reauth`).
#[derive(Debug, Default)]
pub struct Triggered {
    pub triggered: Vec<Uuid>,
    pub skipped: Vec<(Uuid, &'static str)>,
}

/// Starts a manual sync of `one` connection (409 `SYNC_IN_PROGRESS` if it is syncing), or of
/// every connection that is not disconnected, skipping paused ones, ones waiting for
/// re-authentication and ones already syncing.
pub async fn trigger(state: &AppState, one: Option<IdRef>) -> Result<Triggered> {
    let mut out = Triggered::default();
    if let Some(id) = one {
        let (conn_id, _) = state.engine.trigger(&id, Trigger::Manual).await?;
        out.triggered.push(conn_id);
        return Ok(out);
    }
    let live = state.db.read(connections::all_live).await?;
    for (id, status, paused) in live {
        let reason = match (status.as_str(), paused) {
            (_, true) => Some("paused"),
            ("pending_reauth", _) => Some("pending_reauth"),
            _ => match state
                .engine
                .trigger(&IdRef::Uuid(id), Trigger::Manual)
                .await
            {
                Ok(_) => None,
                Err(Error::SyncInProgress) => Some("sync_in_progress"),
                Err(Error::NotFound(_)) => continue,
                Err(e) => return Err(e),
            },
        };
        match reason {
            Some(r) => out.skipped.push((id, r)),
            None => out.triggered.push(id),
        }
    }
    Ok(out)
}

/// One page of sync logs, newest first: `connection` narrows to one connection (404 when
/// unknown), `status` to `in_progress`, `success` or `error`.
pub async fn logs(
    state: &AppState,
    connection: Option<IdRef>,
    status: Option<String>,
    limit: u32,
    after: Option<SyncLogKey>,
) -> Result<Page<SyncLogRow, SyncLogKey>> {
    if let Some(s) = status.as_deref() {
        if !matches!(s, "in_progress" | "success" | "error") {
            return Err(Error::InvalidParameter(
                "status must be in_progress, success or error".into(),
            ));
        }
    }
    let connection_id = match connection {
        Some(c) => Some(super::connections::get(state, c).await?.id),
        None => None,
    };
    let filter = SyncLogFilter {
        connection_id,
        status,
    };
    state
        .db
        .read(move |c| sync_logs::page(c, &filter, limit, after.as_ref()))
        .await
}
