//! `/api/v1/users`: household members (docs/api.md, Resources).

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::auth::ApiKeyAuth;
use super::error::ApiError;
use super::json::JsonBody;
use super::pagination::{self, Pagination};
use super::{Tag, parse_id};
use crate::service::users::{self as svc, UserPatch};
use crate::state::AppState;
use crate::store::users::{self as store, UserKey, UserRow};
use crate::time::rfc3339;

/// A household member.
#[derive(Debug, Object)]
pub struct UserResponse {
    /// UUID.
    pub id: String,
    /// 8-character alternative id, usable in paths.
    pub short_id: String,
    pub name: String,
    #[oai(nullable)]
    pub email: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub updated_at: String,
}

impl From<UserRow> for UserResponse {
    fn from(u: UserRow) -> Self {
        Self {
            id: u.id.to_string(),
            short_id: u.short_id,
            name: u.name,
            email: u.email,
            created_at: rfc3339(u.created_at),
            updated_at: rfc3339(u.updated_at),
        }
    }
}

/// A page of users.
#[derive(Debug, Object)]
pub struct UserList {
    pub data: Vec<UserResponse>,
    pub pagination: Pagination,
}

/// `POST /api/v1/users` body.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CreateUserRequest {
    /// 1–200 characters after trimming.
    pub name: String,
    /// Unique across users when set.
    #[oai(nullable)]
    pub email: Option<String>,
}

impl poem_openapi::types::Example for CreateUserRequest {
    fn example() -> Self {
        Self {
            name: "Alex".into(),
            email: Some("alex@example.com".into()),
        }
    }
}

/// `PATCH /api/v1/users/{id}` body: absent fields are left alone; `email: null` clears it.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(nullable)]
    pub email: MaybeUndefined<String>,
}

#[derive(ApiResponse)]
pub enum CreatedUser {
    /// The new user.
    #[oai(status = 201)]
    Created(Json<UserResponse>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    NoContent,
}

const LIST: &str = "users";

pub struct UsersApi;

#[OpenApi(tag = "Tag::Users")]
impl UsersApi {
    /// List users
    ///
    /// Ordered by name. Scope: any key.
    #[oai(path = "/api/v1/users", method = "get", operation_id = "users.list")]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        /// Page size, 1–500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<UserList>, ApiError> {
        let limit = pagination::limit(limit.0)?;
        let after: Option<UserKey> = pagination::decode_opt(LIST, cursor.0.as_deref())?;
        let page = state
            .db
            .read(move |c| store::page(c, limit, after.as_ref()))
            .await?;
        Ok(Json(UserList {
            pagination: pagination::pagination(LIST, page.next.as_ref(), limit),
            data: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Get a user
    ///
    /// `id` is the UUID or the short_id. Scope: any key.
    #[oai(path = "/api/v1/users/:id", method = "get", operation_id = "users.get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Json<UserResponse>, ApiError> {
        let id = parse_id(&id, "user")?;
        Ok(Json(svc::get(&state.db, id).await?.into()))
    }

    /// Create a user
    ///
    /// A duplicate email is 409 `CONFLICT`. Scope: full_access.
    #[oai(path = "/api/v1/users", method = "post", operation_id = "users.create")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        body: JsonBody<CreateUserRequest>,
    ) -> Result<CreatedUser, ApiError> {
        auth.require_full_access()?;
        let user = svc::create(&state.db, &body.name, body.email.as_deref()).await?;
        Ok(CreatedUser::Created(Json(user.into())))
    }

    /// Update a user
    ///
    /// Absent fields stay; `email: null` clears the email. Scope: full_access.
    #[oai(
        path = "/api/v1/users/:id",
        method = "patch",
        operation_id = "users.update"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        id: Path<String>,
        body: JsonBody<UpdateUserRequest>,
    ) -> Result<Json<UserResponse>, ApiError> {
        auth.require_full_access()?;
        let id = parse_id(&id, "user")?;
        let body = body.0;
        let patch = UserPatch {
            name: body.name,
            email: match body.email {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(e) => Some(Some(e)),
            },
        };
        Ok(Json(svc::update(&state.db, id, patch).await?.into()))
    }

    /// Delete a user
    ///
    /// 409 `CONFLICT` while connections still reference the user. Scope: full_access.
    #[oai(
        path = "/api/v1/users/:id",
        method = "delete",
        operation_id = "users.delete"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Deleted, ApiError> {
        auth.require_full_access()?;
        let id = parse_id(&id, "user")?;
        svc::delete(&state.db, id).await?;
        Ok(Deleted::NoContent)
    }
}
