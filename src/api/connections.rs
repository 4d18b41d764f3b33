//! `/api/v1/connections`: bank logins (docs/api.md, Resources), their syncs and pause switch.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::auth::ApiKeyAuth;
use super::choice::Choice;
use super::error::ApiError;
use super::json::JsonBody;
use super::pagination::{self, Pagination};
use super::sync::{SyncLogResponse, SyncTriggered};
use super::users::Deleted;
use super::{Tag, parse_id};
use crate::domain::ConnectionStatus;
use crate::service::connections as svc;
use crate::state::AppState;
use crate::store::connections::{ConnectionKey, ConnectionRow};
use crate::time::rfc3339;

/// One login at one bank through one provider.
#[derive(Debug, Object)]
pub struct ConnectionResponse {
    pub id: String,
    pub short_id: String,
    pub user_id: String,
    /// `plaid`, `teller`, `simplefin`, `csv` or `demo`.
    pub provider: String,
    #[oai(nullable)]
    pub institution_id: Option<String>,
    #[oai(nullable)]
    pub institution_name: Option<String>,
    pub status: ConnectionStatus,
    #[oai(nullable)]
    pub error_code: Option<String>,
    #[oai(nullable)]
    pub error_message: Option<String>,
    /// Paused connections skip scheduled syncs.
    pub paused: bool,
    #[oai(nullable)]
    pub last_synced_at: Option<String>,
    pub account_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<ConnectionRow> for ConnectionResponse {
    fn from(c: ConnectionRow) -> Self {
        Self {
            id: c.id.to_string(),
            short_id: c.short_id,
            user_id: c.user_id.to_string(),
            provider: c.provider,
            institution_id: c.institution_id,
            institution_name: c.institution_name,
            status: c.status,
            error_code: c.error_code,
            error_message: c.error_message,
            paused: c.paused,
            last_synced_at: c.last_synced_at.map(rfc3339),
            account_count: c.account_count,
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
        }
    }
}

/// A connection plus its newest sync log.
#[derive(Debug, Object)]
pub struct ConnectionStatusResponse {
    #[oai(flatten)]
    pub connection: ConnectionResponse,
    /// The newest sync log, or `null` before the first sync.
    #[oai(nullable)]
    pub last_sync: Option<SyncLogResponse>,
}

/// A page of connections.
#[derive(Debug, Object)]
pub struct ConnectionList {
    pub data: Vec<ConnectionResponse>,
    pub pagination: Pagination,
}

/// `POST /api/v1/connections` body.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CreateConnectionRequest {
    /// An enabled provider (see `GET /api/v1/providers`).
    pub provider: String,
    /// UUID or short_id of the owning user.
    pub user_id: String,
    /// Provider-specific: demo `{"username"}`, plaid `{"public_token"}`, teller
    /// `{"access_token","enrollment_id","institution_name"}`, simplefin `{"setup_token"}`.
    #[oai(nullable)]
    pub credentials: Option<serde_json::Value>,
}

/// `POST /api/v1/connections/{id}/paused` body.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PausedRequest {
    pub paused: bool,
}

#[derive(ApiResponse)]
pub enum CreatedConnection {
    /// Created; its `initial` sync has started.
    #[oai(status = 201)]
    Created(Json<ConnectionResponse>),
}

const LIST: &str = "connections";

pub struct ConnectionsApi;

#[OpenApi(tag = "Tag::Connections")]
impl ConnectionsApi {
    /// List connections
    ///
    /// Oldest first. Disconnected ones appear only with `status=disconnected`. Scope: any key.
    #[oai(
        path = "/api/v1/connections",
        method = "get",
        operation_id = "connections.list"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        /// Only this user's connections (UUID or short_id).
        user_id: Query<Option<String>>,
        /// Only connections in this status; without it, every status but `disconnected`.
        status: Query<Option<Choice<ConnectionStatus>>>,
        /// Page size, 1–500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ConnectionList>, ApiError> {
        let limit = pagination::limit(limit.0)?;
        let after: Option<ConnectionKey> = pagination::decode_opt(LIST, cursor.0.as_deref())?;
        let user = super::id_param("user_id", user_id.0)?;
        let page = svc::list(&state, user, status.0.map(|s| s.0), limit, after).await?;
        Ok(Json(ConnectionList {
            pagination: pagination::pagination(LIST, page.next.as_ref(), limit),
            data: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Create a connection
    ///
    /// Links through the provider and starts the `initial` sync at once. A provider that is not
    /// enabled is 400 `INVALID_PARAMETER`; an upstream failure is 502 `PROVIDER_ERROR`.
    /// Scope: full_access.
    #[oai(
        path = "/api/v1/connections",
        method = "post",
        operation_id = "connections.create"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        body: JsonBody<CreateConnectionRequest>,
    ) -> Result<CreatedConnection, ApiError> {
        auth.require_full_access()?;
        let user = parse_id(&body.user_id, "user")?;
        let credentials = body.credentials.clone().unwrap_or(serde_json::Value::Null);
        let conn = svc::create(&state, &body.provider, user, &credentials).await?;
        Ok(CreatedConnection::Created(Json(conn.into())))
    }

    /// Get a connection
    ///
    /// Scope: any key.
    #[oai(
        path = "/api/v1/connections/:id",
        method = "get",
        operation_id = "connections.get"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Json<ConnectionResponse>, ApiError> {
        let id = parse_id(&id, "connection")?;
        Ok(Json(svc::get(&state, id).await?.into()))
    }

    /// Connection status
    ///
    /// The connection plus `last_sync`, its newest sync log. Scope: any key.
    #[oai(
        path = "/api/v1/connections/:id/status",
        method = "get",
        operation_id = "connections.status"
    )]
    async fn status(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Json<ConnectionStatusResponse>, ApiError> {
        let (conn, last) = svc::with_last_sync(&state, parse_id(&id, "connection")?).await?;
        Ok(Json(ConnectionStatusResponse {
            connection: conn.into(),
            last_sync: last.map(Into::into),
        }))
    }

    /// Sync a connection now
    ///
    /// 202 with the new sync log's id; 409 `SYNC_IN_PROGRESS` while one runs; 404 when
    /// disconnected. Scope: full_access.
    #[oai(
        path = "/api/v1/connections/:id/sync",
        method = "post",
        operation_id = "connections.sync"
    )]
    async fn sync(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<SyncTriggered, ApiError> {
        auth.require_full_access()?;
        let id = parse_id(&id, "connection")?;
        let (_, log_id) = crate::service::sync::trigger_one(&state, &id).await?;
        Ok(SyncTriggered::one(log_id))
    }

    /// Pause or resume scheduled syncs
    ///
    /// Scope: full_access.
    #[oai(
        path = "/api/v1/connections/:id/paused",
        method = "post",
        operation_id = "connections.set_paused"
    )]
    async fn paused(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        id: Path<String>,
        body: JsonBody<PausedRequest>,
    ) -> Result<Json<ConnectionResponse>, ApiError> {
        auth.require_full_access()?;
        let id = parse_id(&id, "connection")?;
        Ok(Json(svc::set_paused(&state, id, body.paused).await?.into()))
    }

    /// Disconnect a connection
    ///
    /// Status becomes `disconnected`, the stored provider credentials are wiped, the provider
    /// is asked to revoke access (best effort), and its transactions are kept but hidden.
    /// Scope: full_access.
    #[oai(
        path = "/api/v1/connections/:id",
        method = "delete",
        operation_id = "connections.delete"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Deleted, ApiError> {
        auth.require_full_access()?;
        svc::disconnect(&state, parse_id(&id, "connection")?).await?;
        Ok(Deleted::NoContent)
    }
}
