//! SimpleFIN Bridge wire types (`GET /accounts`, protocol v1 with the v2 `errlist` and
//! `connections`). Tolerant: every field has a default and unknown fields are ignored, so a
//! Bridge that adds or drops fields never breaks a sync. Amounts stay strings here.

use serde::Deserialize;

/// The Account Set `GET {access}/accounts` answers with.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccountSet {
    /// v1: messages to show the person (deprecated by `errlist`).
    pub errors: Vec<ErrorEntry>,
    /// v2: `{code, msg, conn_id?, account_id?}`.
    pub errlist: Vec<ErrorEntry>,
    pub connections: Vec<BridgeConnection>,
    pub accounts: Vec<Account>,
}

/// One error entry: a bare string (v1) or an object (v2). The Go Breadbox and the Bridge
/// itself have been seen sending either shape in either list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ErrorEntry {
    Text(String),
    Coded(CodedError),
    Other(serde_json::Value),
}

/// A v2 error object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CodedError {
    pub code: Option<String>,
    pub msg: Option<String>,
    pub conn_id: Option<String>,
    pub account_id: Option<String>,
}

/// A v2 connection (one bank login at the Bridge).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BridgeConnection {
    pub conn_id: Option<String>,
    pub name: Option<String>,
    pub org_id: Option<String>,
    pub org_name: Option<String>,
}

/// The organisation (bank) of a v1 account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Org {
    pub domain: Option<String>,
    pub name: Option<String>,
    pub id: Option<String>,
}

/// One account with its transactions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub org: Option<Org>,
    pub conn_id: Option<String>,
    pub conn_name: Option<String>,
    /// ISO 4217 code, or a URL for a custom currency.
    pub currency: String,
    #[serde(deserialize_with = "text_or_number")]
    pub balance: Option<String>,
    #[serde(rename = "available-balance", deserialize_with = "text_or_number")]
    pub available_balance: Option<String>,
    #[serde(rename = "balance-date")]
    pub balance_date: Option<i64>,
    pub transactions: Vec<Transaction>,
}

/// One transaction. `amount` is positive when money entered the account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Transaction {
    pub id: String,
    /// Epoch seconds; `0` while pending.
    pub posted: i64,
    #[serde(deserialize_with = "text_or_number")]
    pub amount: Option<String>,
    pub description: String,
    pub payee: Option<String>,
    pub memo: Option<String>,
    pub transacted_at: Option<i64>,
    pub pending: Option<bool>,
    pub extra: Option<serde_json::Value>,
}

/// A numeric string, or a JSON number kept as its exact text (`arbitrary_precision`), or null.
fn text_or_number<'de, D>(de: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(match serde_json::Value::deserialize(de)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_v1_and_v2_shapes_and_ignores_unknown_fields() {
        let body = r#"{
          "errors": ["Connection to Bank may need attention"],
          "errlist": [{"code": "con.auth", "msg": "Sign in again", "conn_id": "CON-1"}, "plain"],
          "connections": [{"conn_id": "CON-1", "name": "My Bank", "org_id": "o", "sfin_url": "x"}],
          "accounts": [{
            "org": {"domain": "bank.example", "sfin-url": "https://b/", "name": "Bank"},
            "id": "ACT-1", "name": "Checking", "currency": "USD",
            "balance": "100.25", "available-balance": 90.5, "balance-date": 1700000000,
            "future": {"x": 1},
            "transactions": [{"id": "T1", "posted": 0, "amount": "-4.50", "description": "Coffee",
                              "pending": true, "transacted_at": 1699990000, "new_field": 1}]
          }]
        }"#;
        let set: AccountSet = serde_json::from_str(body).unwrap();
        assert_eq!(set.errors.len(), 1);
        assert!(
            matches!(&set.errlist[0], ErrorEntry::Coded(c) if c.code.as_deref() == Some("con.auth"))
        );
        assert!(matches!(&set.errlist[1], ErrorEntry::Text(t) if t == "plain"));
        let a = &set.accounts[0];
        assert_eq!(a.balance.as_deref(), Some("100.25"));
        assert_eq!(a.available_balance.as_deref(), Some("90.5"));
        assert_eq!(a.transactions[0].amount.as_deref(), Some("-4.50"));
        assert_eq!(a.transactions[0].pending, Some(true));
    }

    #[test]
    fn missing_fields_fall_back_to_defaults() {
        let set: AccountSet = serde_json::from_str(r#"{"accounts":[{"id":"A"}]}"#).unwrap();
        assert_eq!(set.accounts[0].balance, None);
        assert!(set.accounts[0].transactions.is_empty());
        assert!(set.errors.is_empty());
    }
}
