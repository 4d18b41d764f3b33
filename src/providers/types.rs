//! What every provider hands the sync engine, already normalised to the API's money rules:
//! amounts in minor units of `iso_currency_code`, positive = money leaving the account
//! (Plaid's sign convention, see `docs/money.md`).

use jiff::Timestamp;
use jiff::civil::Date;

pub use crate::domain::AccountType;

/// One account as the provider reports it (balances in minor units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAccount {
    pub external_id: String,
    pub name: String,
    pub official_name: Option<String>,
    pub account_type: AccountType,
    pub subtype: Option<String>,
    pub mask: Option<String>,
    pub balance_current: Option<i64>,
    pub balance_available: Option<i64>,
    pub balance_limit: Option<i64>,
    pub iso_currency_code: String,
}

/// One transaction as the provider reports it (amount in minor units, Plaid sign).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderTransaction {
    pub external_id: String,
    pub account_external_id: String,
    pub amount: i64,
    pub iso_currency_code: String,
    pub date: Date,
    pub authorized_date: Option<Date>,
    pub datetime: Option<Timestamp>,
    pub name: String,
    pub merchant_name: Option<String>,
    pub category_primary: Option<String>,
    pub category_detailed: Option<String>,
    pub payment_channel: Option<String>,
    pub pending: bool,
    /// For a posted row: the `external_id` of the pending row it replaces.
    pub pending_transaction_external_id: Option<String>,
}

/// Everything one incremental sync fetched; applied in one database transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncBatch {
    /// Every account of the connection with its current balances.
    pub accounts: Vec<ProviderAccount>,
    pub added: Vec<ProviderTransaction>,
    pub modified: Vec<ProviderTransaction>,
    /// `external_id`s of transactions that no longer exist upstream.
    pub removed: Vec<String>,
    /// Opaque provider cursor to pass to the next sync.
    pub next_cursor: Option<String>,
    /// Problems the upstream reported beside usable data (SimpleFIN `errors`/`errlist`),
    /// already sanitised for people: kept on the sync log and shown on the connection.
    pub warnings: Vec<String>,
    /// Set when the data is usable but part of the login needs signing in again (SimpleFIN
    /// `con.auth`): the batch is saved, then the connection moves to `pending_reauth`.
    pub reauth_required: Option<String>,
}

/// A pending transaction the store holds. Polling providers (SimpleFIN, Teller) get these
/// with each sync and list in `removed` the ones a fetched window covering their date no
/// longer contains (a posted version arrives under a new id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPending {
    pub external_id: String,
    pub account_external_id: String,
    pub date: Date,
}
