//! Plaid's JSON, as its OpenAPI description (`2020-09-14`) defines it: request bodies we
//! send and tolerant views of the responses (unknown fields ignored, missing or `null`
//! fields defaulted; required ones are checked once, in `normalise`). Types that carry an
//! access or public token have no `Debug`, so no log line can print one. Amounts stay
//! `serde_json::Number` (the crate enables `arbitrary_precision`), so their exact text
//! reaches the decimal parser and never passes through `f64`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Number;

/// `null` or missing → the type's default.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `/link/token/create` `user`.
#[derive(Debug, Clone, Serialize)]
pub struct LinkUser {
    pub client_user_id: String,
}

/// `/link/token/create` `transactions`.
#[derive(Debug, Clone, Serialize)]
pub struct LinkTransactions {
    pub days_requested: u32,
}

/// `POST /link/token/create` (client_id and secret are added by the client).
#[derive(Clone, Serialize)]
pub struct LinkTokenCreateRequest {
    pub client_name: String,
    pub language: String,
    pub country_codes: Vec<String>,
    pub user: LinkUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transactions: Option<LinkTransactions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    /// Set for update mode (re-authentication of an existing Item).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LinkTokenCreateResponse {
    #[serde(default, deserialize_with = "null_default")]
    pub link_token: String,
    #[serde(default)]
    pub expiration: Option<String>,
}

/// `POST /item/public_token/exchange`.
#[derive(Clone, Serialize)]
pub struct PublicTokenExchangeRequest {
    pub public_token: String,
}

#[derive(Clone, Deserialize)]
pub struct PublicTokenExchangeResponse {
    #[serde(default, deserialize_with = "null_default")]
    pub access_token: String,
    #[serde(default, deserialize_with = "null_default")]
    pub item_id: String,
}

/// Body of `/item/get`, `/accounts/get` and `/item/remove`.
#[derive(Clone, Serialize)]
pub struct AccessTokenRequest {
    pub access_token: String,
}

/// `item` of `/item/get` and `/accounts/get`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Item {
    #[serde(default, deserialize_with = "null_default")]
    pub item_id: String,
    #[serde(default)]
    pub institution_id: Option<String>,
    #[serde(default)]
    pub institution_name: Option<String>,
    #[serde(default)]
    pub error: Option<PlaidError>,
    #[serde(default)]
    pub consent_expiration_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ItemGetResponse {
    #[serde(default, deserialize_with = "null_default")]
    pub item: Item,
}

/// `AccountBalance`: amounts in the balance's currency, possibly `null`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Balances {
    #[serde(default)]
    pub available: Option<Number>,
    #[serde(default)]
    pub current: Option<Number>,
    #[serde(default)]
    pub limit: Option<Number>,
    #[serde(default)]
    pub iso_currency_code: Option<String>,
    #[serde(default)]
    pub unofficial_currency_code: Option<String>,
}

/// `AccountBase`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Account {
    #[serde(default, deserialize_with = "null_default")]
    pub account_id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub balances: Balances,
    #[serde(default)]
    pub mask: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    #[serde(default)]
    pub official_name: Option<String>,
    #[serde(default, rename = "type")]
    pub account_type: Option<String>,
    #[serde(default)]
    pub subtype: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountsGetResponse {
    #[serde(default, deserialize_with = "null_default")]
    pub accounts: Vec<Account>,
}

/// `POST /transactions/sync`.
#[derive(Clone, Serialize)]
pub struct TransactionsSyncRequest {
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    pub count: u32,
}

/// `PersonalFinanceCategory`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonalFinanceCategory {
    #[serde(default)]
    pub primary: Option<String>,
    #[serde(default)]
    pub detailed: Option<String>,
}

/// `Transaction` (the fields Breadbox keeps).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Transaction {
    #[serde(default, deserialize_with = "null_default")]
    pub transaction_id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub account_id: String,
    #[serde(default)]
    pub amount: Option<Number>,
    #[serde(default)]
    pub iso_currency_code: Option<String>,
    #[serde(default)]
    pub unofficial_currency_code: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub date: String,
    #[serde(default)]
    pub authorized_date: Option<String>,
    #[serde(default)]
    pub datetime: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub merchant_name: Option<String>,
    #[serde(default)]
    pub original_description: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub pending: bool,
    #[serde(default)]
    pub pending_transaction_id: Option<String>,
    #[serde(default)]
    pub payment_channel: Option<String>,
    #[serde(default)]
    pub personal_finance_category: Option<PersonalFinanceCategory>,
}

/// `RemovedTransaction`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RemovedTransaction {
    #[serde(default, deserialize_with = "null_default")]
    pub transaction_id: String,
}

/// `TransactionsSyncResponse`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransactionsSyncResponse {
    #[serde(default, deserialize_with = "null_default")]
    pub added: Vec<Transaction>,
    #[serde(default, deserialize_with = "null_default")]
    pub modified: Vec<Transaction>,
    #[serde(default, deserialize_with = "null_default")]
    pub removed: Vec<RemovedTransaction>,
    /// `""` while Plaid has no data for the Item yet.
    #[serde(default, deserialize_with = "null_default")]
    pub next_cursor: String,
    #[serde(default, deserialize_with = "null_default")]
    pub has_more: bool,
}

/// `POST /webhook_verification_key/get`.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookKeyRequest {
    pub key_id: String,
}

/// `JWKPublicKey`: an EC P-256 public key; `expired_at` is set once Plaid retired it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct JwkPublicKey {
    #[serde(default, deserialize_with = "null_default")]
    pub alg: String,
    #[serde(default, deserialize_with = "null_default")]
    pub crv: String,
    #[serde(default, deserialize_with = "null_default")]
    pub kid: String,
    #[serde(default, deserialize_with = "null_default")]
    pub kty: String,
    #[serde(default, deserialize_with = "null_default")]
    pub x: String,
    #[serde(default, deserialize_with = "null_default")]
    pub y: String,
    #[serde(default)]
    pub expired_at: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookKeyResponse {
    #[serde(default, deserialize_with = "null_default")]
    pub key: JwkPublicKey,
}

/// `PlaidError`: the body of every failed call, and `error` inside webhooks and Items.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlaidError {
    #[serde(default, deserialize_with = "null_default")]
    pub error_type: String,
    #[serde(default, deserialize_with = "null_default")]
    pub error_code: String,
    #[serde(default, deserialize_with = "null_default")]
    pub error_message: String,
    #[serde(default)]
    pub display_message: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
}

/// The fields every webhook body carries (`item_id` for Item-scoped ones).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WebhookBody {
    #[serde(default, deserialize_with = "null_default")]
    pub webhook_type: String,
    #[serde(default, deserialize_with = "null_default")]
    pub webhook_code: String,
    #[serde(default)]
    pub item_id: Option<String>,
    #[serde(default)]
    pub error: Option<PlaidError>,
    #[serde(default)]
    pub consent_expiration_time: Option<String>,
    #[serde(default)]
    pub disconnect_time: Option<String>,
}
