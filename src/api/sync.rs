//! `/api/v1/sync` and `/api/v1/sync/logs` (docs/api.md, Resources).

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::auth::ApiKeyAuth;
use super::choice::Choice;
use super::error::ApiError;
use super::json::OptionalJsonBody;
use super::pagination::{self, Pagination};
use super::{Tag, parse_id};
use crate::domain::{SyncStatus, SyncTrigger};
use crate::service::sync as svc;
use crate::state::AppState;
use crate::store::sync_logs::{self as store, SyncLogKey, SyncLogRow};
use crate::time::rfc3339;

/// One sync run.
#[derive(Debug, Object)]
pub struct SyncLogResponse {
    pub id: String,
    pub short_id: String,
    pub connection_id: String,
    pub trigger: SyncTrigger,
    pub status: SyncStatus,
    pub added_count: i64,
    pub modified_count: i64,
    pub removed_count: i64,
    #[oai(nullable)]
    pub error_message: Option<String>,
    pub started_at: String,
    #[oai(nullable)]
    pub completed_at: Option<String>,
    #[oai(nullable)]
    pub duration_ms: Option<i64>,
}

impl From<SyncLogRow> for SyncLogResponse {
    fn from(l: SyncLogRow) -> Self {
        Self {
            id: l.id.to_string(),
            short_id: l.short_id,
            connection_id: l.connection_id.to_string(),
            trigger: l.trigger,
            status: l.status,
            added_count: l.added_count,
            modified_count: l.modified_count,
            removed_count: l.removed_count,
            error_message: l.error_message,
            started_at: rfc3339(l.started_at),
            completed_at: l.completed_at.map(rfc3339),
            duration_ms: l.duration_ms,
        }
    }
}

/// A page of sync logs, newest first.
#[derive(Debug, Object)]
pub struct SyncLogList {
    pub data: Vec<SyncLogResponse>,
    pub pagination: Pagination,
}

/// 202 body of a single-connection trigger.
#[derive(Debug, Object)]
pub struct SyncTriggeredBody {
    /// Always `sync_triggered`.
    pub status: String,
    /// Poll `GET /api/v1/sync/logs/{sync_log_id}`.
    pub sync_log_id: String,
}

#[derive(ApiResponse)]
pub enum SyncTriggered {
    /// The sync runs in the background.
    #[oai(status = 202)]
    Accepted(Json<SyncTriggeredBody>),
}

impl SyncTriggered {
    pub fn one(log_id: Uuid) -> Self {
        Self::Accepted(Json(SyncTriggeredBody {
            status: "sync_triggered".into(),
            sync_log_id: log_id.to_string(),
        }))
    }
}

/// A connection left out of a bulk trigger.
#[derive(Debug, Object)]
pub struct SkippedConnection {
    pub id: String,
    /// `sync_in_progress`, `paused`, `pending_reauth` or `request_budget` (the provider's
    /// daily request budget is used up, e.g. SimpleFIN's 24 a day).
    pub reason: String,
}

/// 202 body of `POST /api/v1/sync`.
#[derive(Debug, Object)]
pub struct BulkSyncBody {
    pub status: String,
    /// Connection ids whose sync started.
    pub triggered: Vec<String>,
    pub skipped: Vec<SkippedConnection>,
}

#[derive(ApiResponse)]
pub enum BulkSyncTriggered {
    /// The syncs run in the background.
    #[oai(status = 202)]
    Accepted(Json<BulkSyncBody>),
}

/// `POST /api/v1/sync` body.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SyncRequestBody {
    /// One connection (UUID or short_id); absent = every active connection.
    #[oai(nullable)]
    pub connection_id: Option<String>,
}

impl From<svc::Triggered> for BulkSyncBody {
    fn from(done: svc::Triggered) -> Self {
        Self {
            status: "sync_triggered".into(),
            triggered: done.triggered.iter().map(ToString::to_string).collect(),
            skipped: done
                .skipped
                .into_iter()
                .map(|(id, reason)| SkippedConnection {
                    id: id.to_string(),
                    reason: reason.as_str().into(),
                })
                .collect(),
        }
    }
}

const LIST: &str = "sync_logs";

pub struct SyncApi;

#[OpenApi(tag = "Tag::Sync")]
impl SyncApi {
    /// Trigger syncs
    ///
    /// Without `connection_id`, every connection that is not disconnected: paused ones and
    /// ones waiting for re-authentication are listed in `skipped`, as are ones already syncing.
    /// With it, that one connection (409 `SYNC_IN_PROGRESS` if it is syncing). Scope: full_access.
    #[oai(path = "/api/v1/sync", method = "post", operation_id = "sync.trigger")]
    async fn trigger(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        body: OptionalJsonBody<SyncRequestBody>,
    ) -> Result<BulkSyncTriggered, ApiError> {
        auth.require_full_access()?;
        let done = match body.0.and_then(|b| b.connection_id) {
            Some(id) => {
                let (conn_id, _) = svc::trigger_one(&state, &parse_id(&id, "connection")?).await?;
                svc::Triggered {
                    triggered: vec![conn_id],
                    skipped: vec![],
                }
            }
            None => svc::trigger_all(&state).await?,
        };
        Ok(BulkSyncTriggered::Accepted(Json(done.into())))
    }

    /// List sync logs
    ///
    /// Newest first. Scope: any key.
    #[oai(
        path = "/api/v1/sync/logs",
        method = "get",
        operation_id = "sync_logs.list"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        /// Only this connection's logs (UUID or short_id).
        connection_id: Query<Option<String>>,
        /// Only logs in this status.
        status: Query<Option<Choice<SyncStatus>>>,
        /// Page size, 1–500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<SyncLogList>, ApiError> {
        let limit = pagination::limit(limit.0)?;
        let after: Option<SyncLogKey> = pagination::decode_opt(LIST, cursor.0.as_deref())?;
        let connection = super::id_param("connection_id", connection_id.0)?;
        let status = status.0.map(|s| s.0);
        let page = svc::logs(&state, connection, status, limit, after).await?;
        Ok(Json(SyncLogList {
            pagination: pagination::pagination(LIST, page.next.as_ref(), limit),
            data: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Get a sync log
    ///
    /// Scope: any key.
    #[oai(
        path = "/api/v1/sync/logs/:id",
        method = "get",
        operation_id = "sync_logs.get"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Json<SyncLogResponse>, ApiError> {
        let id = parse_id(&id, "sync log")?;
        let log = state.db.lookup(move |c| store::get(c, &id)).await?;
        log.map(|l| Json(l.into()))
            .ok_or_else(|| ApiError::not_found("sync log"))
    }
}
