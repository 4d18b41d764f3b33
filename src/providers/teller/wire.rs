//! Teller API wire types (version 2020-10-12): accounts, balances, transactions, errors and
//! webhook envelopes. Tolerant: defaults everywhere, unknown fields ignored; amounts and
//! balances stay strings until `normalise` parses them exactly.

use serde::Deserialize;

/// `GET /accounts` element.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Account {
    pub id: String,
    pub enrollment_id: Option<String>,
    pub name: String,
    /// `depository` or `credit`.
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: Option<String>,
    pub status: Option<String>,
    pub currency: Option<String>,
    pub last_four: Option<String>,
    pub institution: Option<Institution>,
    pub links: Links,
}

/// The bank behind an account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Institution {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Resources the institution supports for an account (a link only when supported).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Links {
    pub balances: Option<String>,
    pub transactions: Option<String>,
}

/// `GET /accounts/{id}/balances`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Balances {
    pub account_id: Option<String>,
    pub ledger: Option<String>,
    pub available: Option<String>,
}

/// `GET /accounts/{id}/transactions` element. `amount` is signed from the account's view.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Transaction {
    pub id: String,
    pub account_id: String,
    pub amount: String,
    pub date: String,
    pub description: String,
    /// `posted` or `pending`.
    pub status: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub running_balance: Option<String>,
    pub details: Details,
}

/// Teller's enrichment of a transaction.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Details {
    pub processing_status: Option<String>,
    pub category: Option<String>,
    pub counterparty: Option<Counterparty>,
}

/// Who was on the other side.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Counterparty {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// An error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ErrorDetail {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// A webhook: `{id, type, timestamp, payload}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Webhook {
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub timestamp: Option<String>,
    pub payload: WebhookPayload,
}

/// The parts of a webhook payload we act on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WebhookPayload {
    pub enrollment_id: Option<String>,
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_shapes_parse_and_unknown_fields_are_ignored() {
        let a: Vec<Account> = serde_json::from_str(
            r#"[{"id":"acc_1","enrollment_id":"enr_1","name":"Checking","type":"depository",
                "subtype":"checking","status":"open","currency":"USD","last_four":"1234",
                "institution":{"id":"chase","name":"Chase"},"brand_new":true,
                "links":{"self":"x","balances":"b","transactions":"t"}}]"#,
        )
        .unwrap();
        assert_eq!(a[0].kind, "depository");
        assert!(a[0].links.transactions.is_some());
        let t: Transaction = serde_json::from_str(
            r#"{"id":"txn_1","account_id":"acc_1","amount":"-42.50","date":"2026-04-15",
                "description":"WHOLE FOODS","status":"posted","type":"card_payment",
                "details":{"processing_status":"complete","category":"groceries",
                           "counterparty":{"name":"Whole Foods","type":"organization"}}}"#,
        )
        .unwrap();
        assert_eq!(t.details.category.as_deref(), Some("groceries"));
        let b: Balances = serde_json::from_str(r#"{"ledger":null,"available":"10.00"}"#).unwrap();
        assert_eq!((b.ledger, b.available.as_deref()), (None, Some("10.00")));
        let w: Webhook = serde_json::from_str(
            r#"{"id":"wh_1","type":"enrollment.disconnected","timestamp":"2026-01-01T00:00:00Z",
                "payload":{"enrollment_id":"enr_1","reason":"disconnected.credentials_invalid"}}"#,
        )
        .unwrap();
        assert_eq!(w.payload.enrollment_id.as_deref(), Some("enr_1"));
    }
}
