//! `/api/v1/api-keys`: minting, listing and revoking keys (docs/api.md, Surfaces and auth).

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
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
use crate::store::api_keys::{ApiKeyKey, ApiKeyRow};
use crate::time::rfc3339;

/// An API key as listed: never the secret.
#[derive(Debug, Object)]
pub struct ApiKeyResponse {
    pub id: String,
    pub name: String,
    /// `bb_` plus the first 8 characters: enough to recognise a key.
    pub key_prefix: String,
    pub scope: Scope,
    #[oai(nullable)]
    pub last_used_at: Option<String>,
    #[oai(nullable)]
    pub revoked_at: Option<String>,
    pub created_at: String,
}

impl From<ApiKeyRow> for ApiKeyResponse {
    fn from(row: ApiKeyRow) -> Self {
        Self {
            id: row.id.to_string(),
            name: row.name,
            key_prefix: row.key_prefix,
            scope: row.scope,
            last_used_at: row.last_used_at.map(rfc3339),
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
#[oai(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// A label for people, 1–200 characters.
    pub name: String,
    /// Default `full_access`.
    #[oai(nullable)]
    pub scope: Option<Scope>,
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
        let page = svc::page(&state, limit, after).await?;
        Ok(Json(ApiKeyList {
            pagination: pagination::pagination(LIST, page.next.as_ref(), limit),
            data: page.items.into_iter().map(Into::into).collect(),
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
        let scope = body.scope.unwrap_or(Scope::FullAccess);
        let minted = svc::create(&state, body.0.name, scope).await?;
        Ok(CreatedKey::Created(Json(CreatedApiKeyResponse {
            api_key: minted.row.into(),
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
        Ok(Json(svc::get(&state, auth.0.id).await?.into()))
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
        svc::revoke_now(&state, id).await?;
        Ok(Deleted::NoContent)
    }
}
