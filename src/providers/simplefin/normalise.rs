//! SimpleFIN → our types, once, at the boundary: amounts are exact decimals negated to
//! Plaid's sign (SimpleFIN's positive means money in), pending comes from `pending` or a
//! zero `posted`, and the Bridge's `errors`/`errlist` become sanitised notes.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::wire::{Account, ErrorEntry, Transaction};
use crate::money::{decimal_to_minor, minor_digits};
use crate::providers::types::{AccountType, ProviderAccount, ProviderTransaction};

/// ISO 4217 code of an account. A custom currency (a URL, per the protocol) becomes
/// `XXX`, ISO's "no currency", so it is never added to a real one.
pub fn currency(account: &Account) -> String {
    let c = account.currency.trim();
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) {
        c.to_ascii_uppercase()
    } else if c.is_empty() {
        "USD".into()
    } else {
        "XXX".into()
    }
}

/// The account with its balances, and a note for each balance that could not be read (it
/// is left empty rather than failing the sync). SimpleFIN v1 has no account type:
/// `depository`, as the Go Breadbox does (a card then shows the negative balance SimpleFIN
/// sends for money owed).
pub fn account(a: &Account) -> (ProviderAccount, Vec<String>) {
    let iso = currency(a);
    let digits = minor_digits(&iso);
    let mut notes = Vec::new();
    let mut balance = |v: &Option<String>, what: &str| {
        let text = v.as_deref().filter(|s| !s.trim().is_empty())?;
        decimal_to_minor(text, digits)
            .map_err(|e| notes.push(sanitise(&format!("account {}: {what} {e}", a.name))))
            .ok()
    };
    let balance_current = balance(&a.balance, "balance");
    let balance_available = balance(&a.available_balance, "available balance");
    let account = ProviderAccount {
        external_id: a.id.clone(),
        name: non_empty(&a.name).unwrap_or("Account").to_owned(),
        official_name: None,
        account_type: AccountType::Depository,
        subtype: None,
        mask: None,
        balance_current,
        balance_available,
        balance_limit: None,
        iso_currency_code: iso,
    };
    (account, notes)
}

/// Our id of a transaction: SimpleFIN ids are only unique within their account.
pub fn transaction_id(account_id: &str, id: &str) -> String {
    format!("{account_id}/{id}")
}

/// One transaction, negated to "positive = money out".
pub fn transaction(
    a: &Account,
    t: &Transaction,
    today: Date,
) -> Result<ProviderTransaction, String> {
    let iso = currency(a);
    let text = t.amount.as_deref().unwrap_or_default();
    let amount = decimal_to_minor(text, minor_digits(&iso))
        .map_err(|e| format!("transaction {}: amount {e}", t.id))?;
    let pending = t.pending.unwrap_or(false) || t.posted <= 0;
    let occurred = t.transacted_at.filter(|s| *s > 0).and_then(timestamp);
    let posted = (t.posted > 0).then(|| timestamp(t.posted)).flatten();
    let date = posted.or(occurred).map_or(today, utc_date);
    let name = non_empty(&t.description)
        .or_else(|| t.payee.as_deref().and_then(non_empty))
        .or_else(|| t.memo.as_deref().and_then(non_empty))
        .unwrap_or("(no description)");
    Ok(ProviderTransaction {
        external_id: transaction_id(&a.id, &t.id),
        account_external_id: a.id.clone(),
        amount: amount.checked_neg().ok_or("amount out of range")?,
        iso_currency_code: iso,
        date,
        authorized_date: occurred.map(utc_date),
        datetime: occurred.or(posted),
        name: name.to_owned(),
        merchant_name: t.payee.as_deref().and_then(non_empty).map(str::to_owned),
        category_primary: category(t),
        category_detailed: None,
        payment_channel: None,
        pending,
        pending_transaction_external_id: None,
    })
}

fn category(t: &Transaction) -> Option<String> {
    let extra = t.extra.as_ref()?;
    extra
        .get("category")
        .and_then(serde_json::Value::as_str)
        .and_then(non_empty)
        .map(str::to_owned)
}

fn timestamp(secs: i64) -> Option<Timestamp> {
    Timestamp::from_second(secs).ok()
}

/// The UTC calendar date of an instant.
pub fn utc_date(t: Timestamp) -> Date {
    t.to_zoned(TimeZone::UTC).date()
}

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// What the Bridge's error lists say, split into re-auth reasons and plain warnings.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Notes {
    pub reauth: Vec<String>,
    pub warnings: Vec<String>,
    /// Accounts an `act.*` entry names: their data may be incomplete.
    pub troubled_accounts: Vec<String>,
}

/// Sorts `errors` and `errlist` entries (strings or objects) into [`Notes`].
/// `con.auth`/`gen.auth` need the person; everything else is a warning.
pub fn notes<'a>(entries: impl IntoIterator<Item = &'a ErrorEntry>) -> Notes {
    let mut out = Notes::default();
    for e in entries {
        match e {
            ErrorEntry::Text(t) => push_unique(&mut out.warnings, sanitise(t)),
            ErrorEntry::Coded(c) => {
                let code = c.code.as_deref().unwrap_or("gen.");
                let msg = sanitise(c.msg.as_deref().unwrap_or(code));
                if code.starts_with("con.auth") || code.starts_with("gen.auth") {
                    push_unique(&mut out.reauth, msg);
                } else {
                    if code.starts_with("act.") {
                        out.troubled_accounts.extend(c.account_id.clone());
                    }
                    push_unique(&mut out.warnings, msg);
                }
            }
            ErrorEntry::Other(v) => push_unique(&mut out.warnings, sanitise(&v.to_string())),
        }
    }
    out.warnings.retain(|w| !w.is_empty());
    out.reauth.retain(|w| !w.is_empty());
    out
}

fn push_unique(list: &mut Vec<String>, s: String) {
    if !list.contains(&s) {
        list.push(s);
    }
}

/// Upstream text made safe to show: no control characters, single spaces, at most 300
/// characters, prefixed so people know where it came from.
pub fn sanitise(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if clean.is_empty() {
        return clean;
    }
    let short: String = clean.chars().take(300).collect();
    format!("SimpleFIN: {short}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::simplefin::wire::CodedError;

    fn account_with(currency: &str) -> Account {
        Account {
            id: "ACT-1".into(),
            name: "Checking".into(),
            currency: currency.into(),
            balance: Some("1234.56".into()),
            available_balance: Some("1200.00".into()),
            ..Account::default()
        }
    }

    fn txn(amount: &str, posted: i64, pending: Option<bool>) -> Transaction {
        Transaction {
            id: "T1".into(),
            posted,
            amount: Some(amount.into()),
            description: "COFFEE SHOP".into(),
            payee: Some("Coffee Shop".into()),
            transacted_at: Some(1_767_225_600),
            pending,
            ..Transaction::default()
        }
    }

    fn today() -> Date {
        jiff::civil::date(2026, 1, 15)
    }

    #[test]
    fn money_out_becomes_positive_and_deposits_negative() {
        let a = account_with("USD");
        let spent = transaction(&a, &txn("-4.50", 1_767_312_000, None), today()).unwrap();
        assert_eq!(spent.amount, 450);
        let paid = transaction(&a, &txn("2500.00", 1_767_312_000, None), today()).unwrap();
        assert_eq!(paid.amount, -250_000);
    }

    #[test]
    fn every_account_is_negated_the_same_way_because_simplefin_has_no_types() {
        // A card at SimpleFIN: a purchase lowers the balance (negative), a payment raises it.
        let card = Account {
            balance: Some("-512.30".into()),
            ..account_with("USD")
        };
        let purchase = transaction(&card, &txn("-19.99", 1_767_312_000, None), today()).unwrap();
        let payment = transaction(&card, &txn("300", 1_767_312_000, None), today()).unwrap();
        assert_eq!((purchase.amount, payment.amount), (1999, -30_000));
        assert_eq!(account(&card).0.balance_current, Some(-51_230));
    }

    #[test]
    fn balances_are_exact_minor_units_in_the_account_currency() {
        let (a, notes) = account(&account_with("usd"));
        assert!(notes.is_empty());
        assert_eq!(a.iso_currency_code, "USD");
        assert_eq!(a.balance_current, Some(123_456));
        assert_eq!(a.balance_available, Some(120_000));
        let (yen, _) = account(&Account {
            balance: Some("5000".into()),
            ..account_with("JPY")
        });
        assert_eq!(yen.balance_current, Some(5000));
        let (custom, _) = account(&account_with("https://points.example/currency"));
        assert_eq!(custom.iso_currency_code, "XXX");
        let (broken, notes) = account(&Account {
            balance: Some("lots".into()),
            ..account_with("USD")
        });
        assert_eq!(broken.balance_current, None);
        assert_eq!(broken.balance_available, Some(120_000));
        assert!(notes[0].contains("balance"), "{notes:?}");
    }

    #[test]
    fn pending_comes_from_the_flag_or_a_zero_posted_time() {
        let a = account_with("USD");
        let flagged = transaction(&a, &txn("-1", 1_767_312_000, Some(true)), today()).unwrap();
        assert!(flagged.pending);
        let unposted = transaction(&a, &txn("-1", 0, None), today()).unwrap();
        assert!(unposted.pending);
        // Unposted rows are dated when they happened (transacted_at, 2026-01-01 UTC).
        assert_eq!(unposted.date, jiff::civil::date(2026, 1, 1));
        let posted = transaction(&a, &txn("-1", 1_767_312_000, Some(false)), today()).unwrap();
        assert!(!posted.pending);
        assert_eq!(posted.date, jiff::civil::date(2026, 1, 2));
        assert_eq!(posted.authorized_date, Some(jiff::civil::date(2026, 1, 1)));
    }

    #[test]
    fn ids_are_scoped_to_their_account_and_payee_is_the_merchant() {
        let t = transaction(&account_with("USD"), &txn("-1", 1, None), today()).unwrap();
        assert_eq!(t.external_id, "ACT-1/T1");
        assert_eq!(t.merchant_name.as_deref(), Some("Coffee Shop"));
        assert_eq!(t.name, "COFFEE SHOP");
    }

    #[test]
    fn a_bad_amount_is_an_error_not_a_guess() {
        assert!(transaction(&account_with("USD"), &txn("12,50", 1, None), today()).is_err());
    }

    #[test]
    fn error_lists_split_into_reauth_and_warnings_sanitised() {
        let entries = [
            ErrorEntry::Text("Connection to Chase\u{7} may need attention".into()),
            ErrorEntry::Coded(CodedError {
                code: Some("con.auth".into()),
                msg: Some("Sign in to Chase again".into()),
                ..CodedError::default()
            }),
            ErrorEntry::Coded(CodedError {
                code: Some("act.missingdata".into()),
                msg: Some("Incomplete".into()),
                account_id: Some("ACT-9".into()),
                ..CodedError::default()
            }),
            ErrorEntry::Text("Connection to Chase\u{7} may need attention".into()),
        ];
        let n = notes(&entries);
        assert_eq!(n.reauth, ["SimpleFIN: Sign in to Chase again"]);
        assert_eq!(
            n.warnings,
            [
                "SimpleFIN: Connection to Chase may need attention",
                "SimpleFIN: Incomplete"
            ]
        );
        assert_eq!(n.troubled_accounts, ["ACT-9"]);
        assert_eq!(sanitise(&"x".repeat(1000)).chars().count(), 311);
    }
}
