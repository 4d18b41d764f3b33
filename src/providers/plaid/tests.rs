//! Unit tests of the pure parts: amounts, normalisation, classification, link bodies,
//! stored secrets and webhook events. The HTTP paths are tested against a fake Plaid in
//! `tests/api/plaid*.rs`.

#![allow(clippy::unwrap_used)]

use serde_json::{Number, json};

use super::config::PlaidConfig;
use super::errors::CallError;
use super::link::{ItemSecret, LinkResult, LinkTokenParams, token_request};
use super::normalise::{account, minor_units, transaction};
use super::webhook::events;
use super::wire::{self, PlaidError};
use crate::domain::ConnectionStatus;
use crate::providers::ProviderError;
use crate::providers::WebhookEvent;
use crate::providers::types::AccountType;

fn num(text: &str) -> Number {
    serde_json::from_str(text).unwrap()
}

fn txn(value: serde_json::Value) -> wire::Transaction {
    serde_json::from_value(value).unwrap()
}

#[test]
fn amounts_are_exact_from_the_json_text() {
    assert_eq!(minor_units(&num("72.1"), "USD").unwrap(), 7210);
    assert_eq!(minor_units(&num("-4.22"), "USD").unwrap(), -422);
    assert_eq!(minor_units(&num("0.07"), "USD").unwrap(), 7);
    assert_eq!(minor_units(&num("1e2"), "USD").unwrap(), 10_000);
    assert_eq!(minor_units(&num("1200"), "JPY").unwrap(), 1200);
    assert_eq!(minor_units(&num("1.234"), "KWD").unwrap(), 1234);
    // The largest amount Breadbox stores, to the cent; one cent more is refused.
    assert_eq!(
        minor_units(&num("9999999999999.99"), "USD").unwrap(),
        999_999_999_999_999
    );
    assert_eq!(
        minor_units(&num("-10000000000000"), "USD").unwrap(),
        -1_000_000_000_000_000
    );
    assert!(minor_units(&num("10000000000000.01"), "USD").is_err());
}

#[test]
fn float_noise_and_extra_digits_round_half_away_from_zero() {
    assert_eq!(
        minor_units(&num("12.340000000000002"), "USD").unwrap(),
        1234
    );
    assert_eq!(minor_units(&num("0.005"), "USD").unwrap(), 1);
    assert_eq!(minor_units(&num("-0.005"), "USD").unwrap(), -1);
    assert!(matches!(
        minor_units(&num("1e30"), "USD"),
        Err(ProviderError::Upstream(_))
    ));
}

#[test]
fn transactions_keep_plaid_sign_category_and_pending_link() {
    let t = txn(json!({
        "transaction_id": "posted1", "account_id": "acc1", "amount": 72.1,
        "iso_currency_code": "USD", "unofficial_currency_code": null,
        "date": "2023-09-24", "authorized_date": "2023-09-22",
        "datetime": "2023-09-24T11:01:01Z", "name": "PURCHASE WM SUPERCENTER",
        "merchant_name": "Walmart", "pending": false, "pending_transaction_id": "pend1",
        "payment_channel": "in store",
        "personal_finance_category": {"primary": "GENERAL_MERCHANDISE",
            "detailed": "GENERAL_MERCHANDISE_SUPERSTORES", "confidence_level": "VERY_HIGH"},
        "counterparties": [], "location": {"city": null}
    }));
    let t = transaction(&t, None).unwrap();
    assert_eq!(t.amount, 7210);
    assert_eq!(t.iso_currency_code, "USD");
    assert_eq!(t.date.to_string(), "2023-09-24");
    assert_eq!(t.authorized_date.unwrap().to_string(), "2023-09-22");
    assert!(t.datetime.is_some());
    assert_eq!(t.category_primary.as_deref(), Some("GENERAL_MERCHANDISE"));
    assert_eq!(
        t.category_detailed.as_deref(),
        Some("GENERAL_MERCHANDISE_SUPERSTORES")
    );
    assert_eq!(t.pending_transaction_external_id.as_deref(), Some("pend1"));
    assert_eq!(t.payment_channel.as_deref(), Some("in store"));
    assert!(!t.pending);
}

#[test]
fn unofficial_currency_is_used_when_iso_is_null() {
    let t = txn(json!({
        "transaction_id": "t", "account_id": "a", "amount": -0.5,
        "iso_currency_code": null, "unofficial_currency_code": "btc",
        "date": "2024-01-02", "name": "Deposit", "pending": true
    }));
    let t = transaction(&t, Some("USD")).unwrap();
    assert_eq!(t.iso_currency_code, "BTC");
    assert_eq!(t.amount, -50);
    assert!(t.pending);
}

#[test]
fn a_missing_currency_falls_back_to_the_account_and_a_missing_name_to_the_merchant() {
    let t = txn(
        json!({"transaction_id": "t", "account_id": "a", "amount": 3,
        "date": "2024-01-02", "merchant_name": "Cafe"}),
    );
    let t = transaction(&t, Some("EUR")).unwrap();
    assert_eq!((t.iso_currency_code.as_str(), t.amount), ("EUR", 300));
    assert_eq!(t.name, "Cafe");
}

#[test]
fn broken_transactions_are_refused_not_guessed() {
    let no_amount = txn(json!({"transaction_id": "t", "account_id": "a", "date": "2024-01-02"}));
    assert!(transaction(&no_amount, None).is_err());
    let bad_date =
        txn(json!({"transaction_id": "t", "account_id": "a", "amount": 1, "date": "02/01/2024"}));
    assert!(transaction(&bad_date, None).is_err());
}

#[test]
fn accounts_map_type_and_balances_in_minor_units() {
    let a: wire::Account = serde_json::from_value(json!({
        "account_id": "c1", "name": "Plaid Credit Card", "official_name": null, "mask": "3333",
        "type": "credit", "subtype": "credit card",
        "balances": {"available": null, "current": 410, "limit": 2000.5,
            "iso_currency_code": "USD", "unofficial_currency_code": null}
    }))
    .unwrap();
    let a = account(&a).unwrap();
    assert_eq!(a.account_type, AccountType::Credit);
    assert_eq!(a.balance_current, Some(41_000));
    assert_eq!(a.balance_available, None);
    assert_eq!(a.balance_limit, Some(200_050));
    assert_eq!(a.mask.as_deref(), Some("3333"));
    let b: wire::Account = serde_json::from_value(json!({
        "account_id": "b1", "name": "Brokerage", "type": "brokerage", "balances": null
    }))
    .unwrap();
    let b = account(&b).unwrap();
    assert_eq!(b.account_type, AccountType::Investment);
    assert_eq!(b.iso_currency_code, "XXX");
}

fn plaid_error(status: u16, error_type: &str, code: &str) -> CallError {
    CallError::Plaid {
        status,
        error: PlaidError {
            error_type: error_type.into(),
            error_code: code.into(),
            error_message: "something happened".into(),
            ..PlaidError::default()
        },
    }
}

#[test]
fn errors_are_classified_by_error_code() {
    let cases = [
        (400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED", "reauth"),
        (400, "ITEM_ERROR", "INVALID_CREDENTIALS", "reauth"),
        (400, "ITEM_ERROR", "ITEM_LOCKED", "reauth"),
        (
            429,
            "RATE_LIMIT_EXCEEDED",
            "TRANSACTIONS_SYNC_LIMIT",
            "retry",
        ),
        (400, "INSTITUTION_ERROR", "INSTITUTION_DOWN", "retry"),
        (
            400,
            "INSTITUTION_ERROR",
            "INSTITUTION_NOT_RESPONDING",
            "retry",
        ),
        (500, "API_ERROR", "INTERNAL_SERVER_ERROR", "retry"),
        (400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN", "upstream"),
        (400, "INVALID_REQUEST", "MISSING_FIELDS", "upstream"),
    ];
    for (status, t, code, want) in cases {
        let got = match ProviderError::from(plaid_error(status, t, code)) {
            ProviderError::ReauthRequired(m) => {
                assert!(m.contains(code), "{m}");
                "reauth"
            }
            ProviderError::Retryable(_) => "retry",
            ProviderError::Upstream(_) => "upstream",
            other => panic!("{other:?}"),
        };
        assert_eq!(got, want, "{code}");
    }
    let bare_502 = CallError::Plaid {
        status: 502,
        error: PlaidError::default(),
    };
    assert!(matches!(
        ProviderError::from(bare_502),
        ProviderError::Retryable(_)
    ));
    let refused = CallError::Transport("the connection failed".into());
    assert!(matches!(
        ProviderError::from(refused),
        ProviderError::Retryable(_)
    ));
}

#[test]
fn a_new_item_asks_for_two_years_of_transactions_and_update_mode_for_no_products() {
    let mut config = PlaidConfig::new("id", "secret");
    config.redirect_uri = Some("https://bb.example/link/oauth".into());
    let params = LinkTokenParams {
        client_user_id: "user-1".into(),
        webhook: Some("https://bb.example/webhooks/plaid".into()),
        access_token: None,
    };
    let new = serde_json::to_value(token_request(&config, params.clone())).unwrap();
    assert_eq!(new["products"], json!(["transactions"]));
    assert_eq!(new["transactions"]["days_requested"], 730);
    assert_eq!(new["user"]["client_user_id"], "user-1");
    assert_eq!(new["country_codes"], json!(["US"]));
    assert_eq!(new["redirect_uri"], "https://bb.example/link/oauth");
    assert!(new.get("access_token").is_none());
    let update = LinkTokenParams {
        access_token: Some("access-sandbox-1".into()),
        ..params
    };
    let update = serde_json::to_value(token_request(&config, update)).unwrap();
    assert_eq!(update["access_token"], "access-sandbox-1");
    assert!(update.get("products").is_none());
    assert!(update.get("transactions").is_none());
}

#[test]
fn stored_secrets_round_trip_and_bare_tokens_still_work() {
    let s = ItemSecret {
        access_token: "access-sandbox-x".into(),
        item_id: "item-1".into(),
    };
    assert_eq!(ItemSecret::parse(&s.to_stored()).unwrap(), s);
    let bare = ItemSecret::parse("access-sandbox-y").unwrap();
    assert_eq!(bare.access_token, "access-sandbox-y");
    assert!(ItemSecret::parse("").is_err());
}

#[test]
fn link_results_take_the_institution_from_link_metadata() {
    let r = LinkResult::from_credentials(&json!({
        "public_token": "public-sandbox-1",
        "institution": {"name": "First Platypus Bank", "institution_id": "ins_109508"}
    }))
    .unwrap();
    assert_eq!(r.institution_id.as_deref(), Some("ins_109508"));
    assert_eq!(r.institution_name.as_deref(), Some("First Platypus Bank"));
    assert!(matches!(
        LinkResult::from_credentials(&json!({})),
        Err(ProviderError::InvalidCredentials(_))
    ));
}

#[test]
fn webhook_bodies_map_to_what_breadbox_does() {
    let event = |v: serde_json::Value| events(v.to_string().as_bytes()).unwrap().remove(0);
    assert_eq!(
        event(
            json!({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE",
            "item_id": "i", "initial_update_complete": true, "historical_update_complete": false,
            "environment": "sandbox"})
        ),
        WebhookEvent::Sync {
            external_id: "i".into()
        }
    );
    assert!(matches!(
        event(json!({"webhook_type": "ITEM", "webhook_code": "ERROR", "item_id": "i",
            "error": {"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED",
                "error_message": "x", "display_message": null, "status": 400}})),
        WebhookEvent::Status { status: ConnectionStatus::PendingReauth, error_code: Some(c), .. }
            if c == "ITEM_LOGIN_REQUIRED"
    ));
    assert_eq!(
        event(
            json!({"webhook_type": "ITEM", "webhook_code": "ERROR", "item_id": "i",
            "error": {"error_type": "INSTITUTION_ERROR", "error_code": "INSTITUTION_DOWN"}})
        ),
        WebhookEvent::Ignored
    );
    assert!(matches!(
        event(json!({"webhook_type": "ITEM", "webhook_code": "PENDING_EXPIRATION", "item_id": "i",
            "consent_expiration_time": "2026-01-01T00:00:00Z"})),
        WebhookEvent::Notice { code, message, .. }
            if code == "PENDING_EXPIRATION" && message.contains("2026-01-01")
    ));
    assert!(matches!(
        event(json!({"webhook_type": "ITEM", "webhook_code": "PENDING_DISCONNECT", "item_id": "i",
            "reason": "INSTITUTION_MIGRATION", "disconnect_time": "2026-02-01T00:00:00Z"})),
        WebhookEvent::Notice { code, .. } if code == "PENDING_DISCONNECT"
    ));
    assert!(matches!(
        event(
            json!({"webhook_type": "ITEM", "webhook_code": "USER_PERMISSION_REVOKED", "item_id": "i"})
        ),
        WebhookEvent::Status {
            status: ConnectionStatus::PendingReauth,
            ..
        }
    ));
    assert_eq!(
        event(json!({"webhook_type": "ITEM", "webhook_code": "LOGIN_REPAIRED", "item_id": "i"})),
        WebhookEvent::Status {
            external_id: "i".into(),
            status: ConnectionStatus::Active,
            error_code: None,
            error_message: None
        }
    );
    assert_eq!(
        event(
            json!({"webhook_type": "TRANSACTIONS", "webhook_code": "DEFAULT_UPDATE", "item_id": "i"})
        ),
        WebhookEvent::Ignored
    );
    assert!(events(b"not json").is_err());
}

#[test]
fn link_results_read_link_on_success_metadata_as_the_page_posts_it() {
    let r = LinkResult::from_credentials(&json!({
        "public_token": "public-sandbox-2",
        "metadata": {"institution": {"name": "Tartan Bank", "institution_id": "ins_3"},
                     "accounts": [], "link_session_id": "s"}
    }))
    .unwrap();
    assert_eq!(r.institution_name.as_deref(), Some("Tartan Bank"));
    assert_eq!(r.institution_id.as_deref(), Some("ins_3"));
}
