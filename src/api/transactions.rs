//! `/api/v1/transactions`: the filtered list, one transaction, count and summary
//! (docs/api.md, Resources). Removed rows and rows of disconnected connections never appear.

mod params;

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi};

use super::auth::ApiKeyAuth;
use super::error::ApiError;
use super::money::Amount;
use super::pagination::{self, Pagination};
use super::{Tag, parse_id};
use crate::state::AppState;
use crate::store::transactions::{
    self as store, Summary, SummaryRow, SummaryTotal, TransactionFilter, TransactionKey,
    TransactionRow,
};
use crate::time::rfc3339;
pub use params::{FilterParams, GroupByParam, SortOrderParam};

/// A transaction. Positive `amount` = money out of the account (Plaid's sign).
#[derive(Debug, Object)]
pub struct TransactionResponse {
    /// UUID.
    pub id: String,
    /// 8-character alternative id, usable in paths.
    pub short_id: String,
    /// UUID.
    pub account_id: String,
    /// UUID.
    pub connection_id: String,
    pub amount: Amount,
    /// ISO 4217 code of `amount`.
    pub iso_currency_code: String,
    /// Posting date, `YYYY-MM-DD`.
    pub date: String,
    /// `YYYY-MM-DD`.
    #[oai(nullable)]
    pub authorized_date: Option<String>,
    /// RFC 3339 UTC, when the bank gives a time.
    #[oai(nullable)]
    pub datetime: Option<String>,
    pub name: String,
    #[oai(nullable)]
    pub merchant_name: Option<String>,
    #[oai(nullable)]
    pub category_primary: Option<String>,
    #[oai(nullable)]
    pub category_detailed: Option<String>,
    #[oai(nullable)]
    pub payment_channel: Option<String>,
    pub pending: bool,
    /// UUID of the pending transaction this posted one replaced.
    #[oai(nullable)]
    pub pending_transaction_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<TransactionRow> for TransactionResponse {
    fn from(t: TransactionRow) -> Self {
        Self {
            id: t.id.to_string(),
            short_id: t.short_id,
            account_id: t.account_id.to_string(),
            connection_id: t.connection_id.to_string(),
            amount: Amount::new(t.amount, &t.iso_currency_code),
            iso_currency_code: t.iso_currency_code,
            date: t.date,
            authorized_date: t.authorized_date,
            datetime: t.datetime.map(rfc3339),
            name: t.name,
            merchant_name: t.merchant_name,
            category_primary: t.category_primary,
            category_detailed: t.category_detailed,
            payment_channel: t.payment_channel,
            pending: t.pending,
            pending_transaction_id: t.pending_transaction_id.map(|u| u.to_string()),
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
        }
    }
}

/// A page of transactions.
#[derive(Debug, Object)]
pub struct TransactionList {
    pub data: Vec<TransactionResponse>,
    pub pagination: Pagination,
}

/// How many transactions match.
#[derive(Debug, Object)]
pub struct TransactionCount {
    pub count: i64,
}

/// One group of the summary: `period` (time groupings) or `category` (category grouping),
/// in one currency.
#[derive(Debug, Object)]
pub struct SummaryGroup {
    /// `YYYY-MM` (month), the week's Monday `YYYY-MM-DD` (week) or `YYYY-MM-DD` (day).
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub period: Option<String>,
    /// `category_primary`; `null` groups the uncategorised rows.
    #[oai(skip_serializing_if = "MaybeUndefined::is_undefined")]
    #[oai(nullable)]
    pub category: MaybeUndefined<String>,
    pub iso_currency_code: String,
    /// Sum of `amount` in `iso_currency_code`.
    pub total_amount: Amount,
    pub transaction_count: i64,
}

/// The total of one currency; amounts of different currencies are never added.
#[derive(Debug, Object)]
pub struct CurrencyTotal {
    pub iso_currency_code: String,
    pub total_amount: Amount,
    pub transaction_count: i64,
}

/// Summary: groups ordered by period (or category, `null` first), then currency.
#[derive(Debug, Object)]
pub struct TransactionSummary {
    pub data: Vec<SummaryGroup>,
    /// One entry per currency.
    pub totals: Vec<CurrencyTotal>,
}

fn summary_group(row: SummaryRow, by_category: bool) -> SummaryGroup {
    let (period, category) = if by_category {
        (None, MaybeUndefined::from_opt_null(row.key))
    } else {
        (row.key, MaybeUndefined::Undefined)
    };
    SummaryGroup {
        period,
        category,
        total_amount: Amount::total(row.total_amount, &row.iso_currency_code),
        iso_currency_code: row.iso_currency_code,
        transaction_count: row.transaction_count,
    }
}

fn currency_total(t: SummaryTotal) -> CurrencyTotal {
    CurrencyTotal {
        total_amount: Amount::total(t.total_amount, &t.iso_currency_code),
        iso_currency_code: t.iso_currency_code,
        transaction_count: t.transaction_count,
    }
}

/// The summary body; `by_category` when grouped by category rather than by period.
pub fn summary_response(s: Summary, by_category: bool) -> TransactionSummary {
    TransactionSummary {
        data: s
            .rows
            .into_iter()
            .map(|r| summary_group(r, by_category))
            .collect(),
        totals: s.totals.into_iter().map(currency_total).collect(),
    }
}

const LIST: &str = "transactions";

pub struct TransactionsApi;

// Each operation repeats the filter parameters: poem-openapi has no parameter groups, and
// the generated spec should document every filter on every operation that takes it.
#[OpenApi(tag = "Tag::Transactions")]
impl TransactionsApi {
    /// List transactions
    ///
    /// Newest first by default (`sort_order=desc`: by `date`, then `id`); keyset pages, so
    /// page 1000 costs what page 1 costs. Amount filters compare exact decimals in each
    /// row's own currency (`min_amount=10` matches 10.00 USD and 10 JPY alike); combine with
    /// `iso_currency_code` to stay in one currency. `search` of 3+ characters uses a trigram
    /// index (case-insensitive, Unicode too); exactly 2 characters are matched by reading the
    /// rows in range (case-insensitive for ASCII letters only), so narrow those with other
    /// filters on large histories. Scope: any key.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/api/v1/transactions",
        method = "get",
        operation_id = "transactions.list"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        /// Earliest `date`, inclusive (`YYYY-MM-DD`).
        start_date: Query<Option<String>>,
        /// Latest `date`, exclusive (`YYYY-MM-DD`).
        end_date: Query<Option<String>>,
        /// UUID or short_id.
        account_id: Query<Option<String>>,
        /// UUID or short_id.
        connection_id: Query<Option<String>>,
        /// UUID or short_id of the household member.
        user_id: Query<Option<String>>,
        /// Only pending (`true`) or only posted (`false`) rows.
        pending: Query<Option<bool>>,
        /// Smallest `amount`, inclusive; a decimal with at most 3 decimals (`-25.50`).
        min_amount: Query<Option<String>>,
        /// Largest `amount`, inclusive; a decimal with at most 3 decimals.
        max_amount: Query<Option<String>>,
        /// ISO 4217 code (case-insensitive).
        iso_currency_code: Query<Option<String>>,
        /// Case-insensitive substring of `name` or `merchant_name`, 2–200 characters.
        search: Query<Option<String>>,
        /// `desc` (default) or `asc`, by `date` then `id`.
        sort_order: Query<Option<SortOrderParam>>,
        /// Page size, 1–500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<TransactionList>, ApiError> {
        let filter = TransactionFilter::try_from(FilterParams {
            start_date: start_date.0,
            end_date: end_date.0,
            account_id: account_id.0,
            connection_id: connection_id.0,
            user_id: user_id.0,
            pending: pending.0,
            min_amount: min_amount.0,
            max_amount: max_amount.0,
            iso_currency_code: iso_currency_code.0,
            search: search.0,
        })?;
        let order = sort_order.0.map(Into::into).unwrap_or_default();
        let limit = pagination::limit(limit.0)?;
        let after: Option<TransactionKey> = pagination::decode_opt(LIST, cursor.0.as_deref())?;
        let page = state
            .db
            .read(move |c| store::page(c, &filter, order, limit, after.as_ref()))
            .await?;
        Ok(Json(TransactionList {
            pagination: pagination::pagination(LIST, page.next.as_ref(), limit),
            data: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Count transactions
    ///
    /// `{"count": N}` for the same filters as the list. Scope: any key.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/api/v1/transactions/count",
        method = "get",
        operation_id = "transactions.count"
    )]
    async fn count(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        /// Earliest `date`, inclusive (`YYYY-MM-DD`).
        start_date: Query<Option<String>>,
        /// Latest `date`, exclusive (`YYYY-MM-DD`).
        end_date: Query<Option<String>>,
        /// UUID or short_id.
        account_id: Query<Option<String>>,
        /// UUID or short_id.
        connection_id: Query<Option<String>>,
        /// UUID or short_id of the household member.
        user_id: Query<Option<String>>,
        /// Only pending (`true`) or only posted (`false`) rows.
        pending: Query<Option<bool>>,
        /// Smallest `amount`, inclusive; a decimal with at most 3 decimals (`-25.50`).
        min_amount: Query<Option<String>>,
        /// Largest `amount`, inclusive; a decimal with at most 3 decimals.
        max_amount: Query<Option<String>>,
        /// ISO 4217 code (case-insensitive).
        iso_currency_code: Query<Option<String>>,
        /// Case-insensitive substring of `name` or `merchant_name`, 2–200 characters.
        search: Query<Option<String>>,
    ) -> Result<Json<TransactionCount>, ApiError> {
        let filter = TransactionFilter::try_from(FilterParams {
            start_date: start_date.0,
            end_date: end_date.0,
            account_id: account_id.0,
            connection_id: connection_id.0,
            user_id: user_id.0,
            pending: pending.0,
            min_amount: min_amount.0,
            max_amount: max_amount.0,
            iso_currency_code: iso_currency_code.0,
            search: search.0,
        })?;
        let count = state.db.read(move |c| store::count(c, &filter)).await?;
        Ok(Json(TransactionCount { count }))
    }

    /// Summarise transactions
    ///
    /// Sums and counts per `group_by` bucket and currency, for the same filters as the
    /// list, plus `totals`: one per currency, never one across currencies. `period` is
    /// `YYYY-MM` (month), the ISO week's Monday (week) or the day; `category` is
    /// `category_primary` (`null` for uncategorised). Scope: any key.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/api/v1/transactions/summary",
        method = "get",
        operation_id = "transactions.summary"
    )]
    async fn summary(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        /// `month`, `week`, `day` or `category` (required).
        group_by: Query<GroupByParam>,
        /// Earliest `date`, inclusive (`YYYY-MM-DD`).
        start_date: Query<Option<String>>,
        /// Latest `date`, exclusive (`YYYY-MM-DD`).
        end_date: Query<Option<String>>,
        /// UUID or short_id.
        account_id: Query<Option<String>>,
        /// UUID or short_id.
        connection_id: Query<Option<String>>,
        /// UUID or short_id of the household member.
        user_id: Query<Option<String>>,
        /// Only pending (`true`) or only posted (`false`) rows.
        pending: Query<Option<bool>>,
        /// Smallest `amount`, inclusive; a decimal with at most 3 decimals (`-25.50`).
        min_amount: Query<Option<String>>,
        /// Largest `amount`, inclusive; a decimal with at most 3 decimals.
        max_amount: Query<Option<String>>,
        /// ISO 4217 code (case-insensitive).
        iso_currency_code: Query<Option<String>>,
        /// Case-insensitive substring of `name` or `merchant_name`, 2–200 characters.
        search: Query<Option<String>>,
    ) -> Result<Json<TransactionSummary>, ApiError> {
        let filter = TransactionFilter::try_from(FilterParams {
            start_date: start_date.0,
            end_date: end_date.0,
            account_id: account_id.0,
            connection_id: connection_id.0,
            user_id: user_id.0,
            pending: pending.0,
            min_amount: min_amount.0,
            max_amount: max_amount.0,
            iso_currency_code: iso_currency_code.0,
            search: search.0,
        })?;
        let group_by = group_by.0;
        let summary = state
            .db
            .read(move |c| store::summary(c, &filter, group_by.into()))
            .await?;
        Ok(Json(summary_response(
            summary,
            group_by == GroupByParam::Category,
        )))
    }

    /// Get a transaction
    ///
    /// `id` is the UUID or the short_id; removed transactions and those of disconnected
    /// connections are 404. Scope: any key.
    #[oai(
        path = "/api/v1/transactions/:id",
        method = "get",
        operation_id = "transactions.get"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Json<TransactionResponse>, ApiError> {
        let id = parse_id(&id, "transaction")?;
        let row = state.db.lookup(move |c| store::get(c, &id)).await?;
        Ok(Json(
            row.ok_or_else(|| ApiError::not_found("transaction"))?
                .into(),
        ))
    }
}
