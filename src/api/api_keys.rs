//! `/api/v1/api-keys`: minting, listing and revoking keys (SPEC §2.2).

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use super::auth::ApiKeyAuth;
use super::error::ApiError;
use super::json::JsonBody;
use super::pagination::{self, Pagination};
use super::users::Deleted;
use crate::service::api_keys as svc;
use crate::service::auth::Scope;
use crate::state::AppState;
use crate::store::api_keys::{self as store, ApiKeyKey, ApiKeyRow};
use crate::time::rfc3339;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum KeyScope {
    /// Every GET except the `/api-keys` listings.
    ReadOnly,
    /// Everything.
    FullAccess,
}

impl From<KeyScope> for Scope {
    fn from(s: KeyScope) -> Self {
        match s {
            KeyScope::ReadOnly => Scope::ReadOnly,
            KeyScope::FullAccess => Scope::FullAccess,
        }
    }
}

/// An API key as listed: never the secret.
#[derive(Debug, Object)]
pub struct ApiKeyResponse {
    pub id: String,
    pub name: String,
    /// `bb_` plus the first 8 characters: enough to recognise a key.
    pub key_prefix: String,
    /// `full_access` or `read_only`.
    pub scope: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub created_at: String,
}

impl ApiKeyResponse {
    fn from_row(row: ApiKeyRow, pending_last_used: Option<i64>) -> Self {
        let last_used = row.last_used_at.max(pending_last_used);
        Self {
            id: row.id.to_string(),
            name: row.name,
            key_prefix: row.key_prefix,
            scope: row.scope,
            last_used_at: last_used.map(rfc3339),
            revoked_at: row.revoked_at.map(rfc3339),
            created_at: rfc3339(row.created_at),
        }
    }
}

/// A freshly created key: the object plus `key`, the plaintext, shown this once.
#[derive(Debug, Object)]
pub struct CreatedApiKeyResponse {
    #[oai(flatten)]
    pub api_key: ApiKeyResponse,
    /// The whole key. Store it now: it cannot be shown again.
    pub key: String,
}

/// A page of API keys, newest first.
#[derive(Debug, Object)]
pub struct ApiKeyList {
    pub data: Vec<ApiKeyResponse>,
    pub pagination: Pagination,
}

/// `POST /api/v1/api-keys` body.
#[derive(Debug, Object)]
pub struct CreateApiKeyRequest {
    /// A label for people, 1–200 characters.
    pub name: String,
    /// Default `full_access`.
    pub scope: Option<KeyScope>,
}

#[derive(ApiResponse)]
pub enum CreatedKey {
    /// The new key, with its plaintext `key`.
    #[oai(status = 201)]
    Created(Json<CreatedApiKeyResponse>),
}

const LIST: &str = "api_keys";

pub struct ApiKeysApi;

#[OpenApi(tag = "Tag::ApiKeys")]
impl ApiKeysApi {
    /// List API keys
    ///
    /// Newest first, revoked ones included; never a secret. Scope: full_access.
    #[oai(
        path = "/api/v1/api-keys",
        method = "get",
        operation_id = "api_keys.list"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        /// Page size, 1–500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ApiKeyList>, ApiError> {
        auth.require_full_access()?;
        let limit = pagination::limit(limit.0)?;
        let after: Option<ApiKeyKey> = pagination::decode_opt(LIST, cursor.0.as_deref())?;
        let page = state
            .db
            .read(move |c| store::page(c, limit, after.as_ref()))
            .await?;
        let auth = &state.auth;
        Ok(Json(ApiKeyList {
            pagination: pagination::pagination(LIST, page.next.as_ref(), limit),
            data: page
                .items
                .into_iter()
                .map(|r| {
                    let pending = auth.pending_last_used(r.id);
                    ApiKeyResponse::from_row(r, pending)
                })
                .collect(),
        }))
    }

    /// Create an API key
    ///
    /// The response carries the plaintext `key` once; only an argon2id hash is stored.
    /// Scope: full_access.
    #[oai(
        path = "/api/v1/api-keys",
        method = "post",
        operation_id = "api_keys.create"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        body: JsonBody<CreateApiKeyRequest>,
    ) -> Result<CreatedKey, ApiError> {
        auth.require_full_access()?;
        let scope: Scope = body.scope.unwrap_or(KeyScope::FullAccess).into();
        let name = body.0.name;
        let minted = tokio::task::spawn_blocking(move || svc::prepare(&name, scope))
            .await
            .map_err(crate::Error::from)??;
        let minted = state
            .db
            .write(move |tx| svc::store(tx, &minted).map(|()| minted))
            .await?;
        Ok(CreatedKey::Created(Json(CreatedApiKeyResponse {
            api_key: ApiKeyResponse::from_row(minted.row, None),
            key: minted.key,
        })))
    }

    /// The calling key
    ///
    /// Scope: any key.
    #[oai(
        path = "/api/v1/api-keys/me",
        method = "get",
        operation_id = "api_keys.me"
    )]
    async fn me(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
    ) -> Result<Json<ApiKeyResponse>, ApiError> {
        let id = auth.0.id;
        let row = state.db.lookup(move |c| store::get(c, id)).await?;
        let row = row.ok_or_else(|| ApiError::not_found("API key"))?;
        Ok(Json(ApiKeyResponse::from_row(
            row,
            state.auth.pending_last_used(id),
        )))
    }

    /// Revoke an API key
    ///
    /// The key fails with `REVOKED_API_KEY` from the next request on. Scope: full_access.
    #[oai(
        path = "/api/v1/api-keys/:id",
        method = "delete",
        operation_id = "api_keys.revoke"
    )]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Deleted, ApiError> {
        auth.require_full_access()?;
        let id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found("API key"))?;
        state.db.write(move |tx| svc::revoke(tx, id)).await?;
        state.auth.forget(id);
        Ok(Deleted::NoContent)
    }
}
