//! JSON the fake Plaid serves, shaped as Plaid's OpenAPI description (`2020-09-14.yml`)
//! requires: every `required` field present (nullable ones as `null`).

use serde_json::{Value, json};

/// A JSON number with exactly this text (the crate keeps numbers' text exact).
pub fn number(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON number")
}

/// A `PlaidError` body.
pub fn error(error_type: &str, code: &str, message: &str, request_id: &str) -> Value {
    json!({
        "error_type": error_type,
        "error_code": code,
        "error_code_reason": null,
        "error_message": message,
        "display_message": null,
        "request_id": request_id,
        "causes": [],
        "documentation_url": format!("https://plaid.com/docs/errors/#{}", code.to_lowercase()),
        "suggested_action": null
    })
}

/// An `AccountBase` with balances.
pub fn account(
    id: &str,
    name: &str,
    kind: &str,
    subtype: &str,
    current: &str,
    currency: &str,
) -> Value {
    json!({
        "account_id": id,
        "balances": {
            "available": if kind == "credit" { Value::Null } else { number(current) },
            "current": number(current),
            "limit": if kind == "credit" { number("5000") } else { Value::Null },
            "iso_currency_code": currency,
            "unofficial_currency_code": null,
            "last_updated_datetime": null
        },
        "mask": "0000",
        "name": name,
        "official_name": format!("{name} (official)"),
        "type": kind,
        "subtype": subtype,
        "persistent_account_id": format!("persistent-{id}")
    })
}

/// What a test says about one transaction.
#[derive(Debug, Clone)]
pub struct Txn {
    pub id: String,
    pub account_id: String,
    pub amount: String,
    pub date: String,
    pub name: String,
    pub pending: bool,
    pub pending_transaction_id: Option<String>,
    pub currency: Option<String>,
    pub unofficial_currency: Option<String>,
}

impl Txn {
    pub fn new(id: &str, account_id: &str, amount: &str, date: &str, name: &str) -> Self {
        Self {
            id: id.into(),
            account_id: account_id.into(),
            amount: amount.into(),
            date: date.into(),
            name: name.into(),
            pending: false,
            pending_transaction_id: None,
            currency: Some("USD".into()),
            unofficial_currency: None,
        }
    }

    pub fn pending(mut self) -> Self {
        self.pending = true;
        self
    }

    pub fn replacing(mut self, pending_id: &str) -> Self {
        self.pending_transaction_id = Some(pending_id.into());
        self
    }

    /// The `Transaction` object.
    pub fn json(&self) -> Value {
        json!({
            "account_id": self.account_id,
            "account_owner": null,
            "amount": number(&self.amount),
            "iso_currency_code": self.currency,
            "unofficial_currency_code": self.unofficial_currency,
            "category": null,
            "category_id": null,
            "check_number": null,
            "counterparties": [],
            "date": self.date,
            "datetime": null,
            "authorized_date": self.date,
            "authorized_datetime": null,
            "location": {"address": null, "city": null, "region": null, "postal_code": null,
                "country": null, "lat": null, "lon": null, "store_number": null},
            "name": self.name,
            "merchant_name": format!("{} Inc", self.name),
            "merchant_entity_id": null,
            "logo_url": null,
            "website": null,
            "payment_meta": {"by_order_of": null, "payee": null, "payer": null,
                "payment_method": null, "payment_processor": null, "ppd_id": null,
                "reason": null, "reference_number": null},
            "payment_channel": "in store",
            "pending": self.pending,
            "pending_transaction_id": self.pending_transaction_id,
            "personal_finance_category": {"primary": "FOOD_AND_DRINK",
                "detailed": "FOOD_AND_DRINK_COFFEE", "confidence_level": "VERY_HIGH"},
            "personal_finance_category_icon_url": "https://plaid-category-icons.plaid.com/PFC_FOOD_AND_DRINK.png",
            "transaction_id": self.id,
            "transaction_code": null,
            "transaction_type": "place"
        })
    }
}
