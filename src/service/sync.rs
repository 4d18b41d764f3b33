//! Sync use-cases behind `POST /api/v1/sync`: one connection, or every live one with the
//! rules for which to skip (paused, waiting for re-authentication, already syncing).

use uuid::Uuid;

use crate::domain::{ConnectionStatus, SyncStatus, SyncTrigger};
use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::state::AppState;
use crate::store::Page;
use crate::store::connections;
use crate::store::sync_logs::{self, SyncLogFilter, SyncLogKey, SyncLogRow};

/// Why a connection was left out of a bulk trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    Paused,
    PendingReauth,
    SyncInProgress,
    /// The provider's request budget is used up for now (SimpleFIN: 24 a day).
    RequestBudget,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paused => "paused",
            Self::PendingReauth => "pending_reauth",
            Self::SyncInProgress => "sync_in_progress",
            Self::RequestBudget => "request_budget",
        }
    }
}

/// What a trigger did.
#[derive(Debug, Default)]
pub struct Triggered {
    /// Connections whose sync started.
    pub triggered: Vec<Uuid>,
    pub skipped: Vec<(Uuid, SkipReason)>,
}

/// Starts a manual sync of one connection (409 if one runs, 404 if disconnected).
pub async fn trigger_one(state: &AppState, id: &IdRef) -> Result<(Uuid, Uuid)> {
    state.engine.trigger(id, SyncTrigger::Manual).await
}

/// Starts a manual sync of every live connection that may sync now; lists the others.
pub async fn trigger_all(state: &AppState) -> Result<Triggered> {
    let mut out = Triggered::default();
    for (id, status, paused) in state.db.read(connections::all_live).await? {
        let reason = match skip_reason(status, paused) {
            Some(r) => Some(r),
            None => match trigger_one(state, &IdRef::Uuid(id)).await {
                Ok(_) => None,
                Err(Error::SyncInProgress) => Some(SkipReason::SyncInProgress),
                Err(Error::Conflict(_)) => Some(SkipReason::RequestBudget),
                // Disconnected between the listing and the trigger.
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
/// unknown), `status` to one status.
pub async fn logs(
    state: &AppState,
    connection: Option<IdRef>,
    status: Option<SyncStatus>,
    limit: u32,
    after: Option<SyncLogKey>,
) -> Result<Page<SyncLogRow, SyncLogKey>> {
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

/// Paused connections and ones waiting for a relink are not synced by a bulk trigger.
fn skip_reason(status: ConnectionStatus, paused: bool) -> Option<SkipReason> {
    if paused {
        Some(SkipReason::Paused)
    } else if status == ConnectionStatus::PendingReauth {
        Some(SkipReason::PendingReauth)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paused_wins_over_pending_reauth_and_active_ones_sync() {
        use ConnectionStatus as S;
        assert_eq!(
            skip_reason(S::PendingReauth, true),
            Some(SkipReason::Paused)
        );
        assert_eq!(
            skip_reason(S::PendingReauth, false),
            Some(SkipReason::PendingReauth)
        );
        assert_eq!(skip_reason(S::Active, false), None);
        assert_eq!(skip_reason(S::Error, false), None);
    }
}
