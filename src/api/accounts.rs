//! `/api/v1/accounts`: bank accounts of active (not disconnected) connections (docs/api.md, Resources).

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::auth::ApiKeyAuth;
use super::error::ApiError;
use super::money::Amount;
use super::pagination::{self, Pagination};
use super::{Tag, id_param, parse_id};
use crate::domain::AccountType;
use crate::state::AppState;
use crate::store::accounts::{self as store, AccountFilter, AccountKey, AccountRow};
use crate::time::rfc3339;

/// A bank account. Balances are exact decimals in `iso_currency_code`.
#[derive(Debug, Object)]
pub struct AccountResponse {
    /// UUID.
    pub id: String,
    /// 8-character alternative id, usable in paths.
    pub short_id: String,
    /// UUID of the connection the account came from.
    pub connection_id: String,
    /// UUID of the household member who owns it.
    pub user_id: String,
    pub name: String,
    #[oai(nullable)]
    pub official_name: Option<String>,
    #[oai(rename = "type")]
    pub account_type: AccountType,
    #[oai(nullable)]
    pub subtype: Option<String>,
    /// Last digits of the account number, when the bank gives them.
    #[oai(nullable)]
    pub mask: Option<String>,
    #[oai(nullable)]
    pub balance_current: Option<Amount>,
    #[oai(nullable)]
    pub balance_available: Option<Amount>,
    #[oai(nullable)]
    pub balance_limit: Option<Amount>,
    /// ISO 4217 code of every balance above.
    pub iso_currency_code: String,
    /// RFC 3339 UTC.
    #[oai(nullable)]
    pub last_balance_update: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<AccountRow> for AccountResponse {
    fn from(a: AccountRow) -> Self {
        let cur = a.iso_currency_code;
        let amount = |v: Option<i64>| v.map(|m| Amount::new(m, &cur));
        Self {
            id: a.id.to_string(),
            short_id: a.short_id,
            connection_id: a.connection_id.to_string(),
            user_id: a.user_id.to_string(),
            name: a.name,
            official_name: a.official_name,
            account_type: a.account_type,
            subtype: a.subtype,
            mask: a.mask,
            balance_current: amount(a.balance_current),
            balance_available: amount(a.balance_available),
            balance_limit: amount(a.balance_limit),
            last_balance_update: a.last_balance_update.map(rfc3339),
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
            iso_currency_code: cur,
        }
    }
}

/// A page of accounts.
#[derive(Debug, Object)]
pub struct AccountList {
    pub data: Vec<AccountResponse>,
    pub pagination: Pagination,
}

const LIST: &str = "accounts";

/// Parses an optional id filter (UUID or short_id); anything else is `INVALID_PARAMETER`.
pub struct AccountsApi;

#[OpenApi(tag = "Tag::Accounts")]
impl AccountsApi {
    /// List accounts
    ///
    /// Ordered by name, then id. Accounts of disconnected connections are left out.
    /// `user_id` and `connection_id` take a UUID or a short_id; an unknown id matches
    /// nothing (an empty list, not 404). Scope: any key.
    #[oai(
        path = "/api/v1/accounts",
        method = "get",
        operation_id = "accounts.list"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        /// Only this household member's accounts (UUID or short_id).
        user_id: Query<Option<String>>,
        /// Only this connection's accounts (UUID or short_id).
        connection_id: Query<Option<String>>,
        /// Page size, 1–500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<AccountList>, ApiError> {
        let filter = AccountFilter {
            user_id: id_param("user_id", user_id.0)?,
            connection_id: id_param("connection_id", connection_id.0)?,
        };
        let limit = pagination::limit(limit.0)?;
        let after: Option<AccountKey> = pagination::decode_opt(LIST, cursor.0.as_deref())?;
        let page = state
            .db
            .read(move |c| store::page(c, &filter, limit, after.as_ref()))
            .await?;
        Ok(Json(AccountList {
            pagination: pagination::pagination(LIST, page.next.as_ref(), limit),
            data: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Get an account
    ///
    /// `id` is the UUID or the short_id. An account of a disconnected connection is 404,
    /// as in the list. Scope: any key.
    #[oai(
        path = "/api/v1/accounts/:id",
        method = "get",
        operation_id = "accounts.get"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Json<AccountResponse>, ApiError> {
        let id = parse_id(&id, "account")?;
        let row = state.db.lookup(move |c| store::get(c, &id)).await?;
        Ok(Json(
            row.ok_or_else(|| ApiError::not_found("account"))?.into(),
        ))
    }
}
