//! Teller → our types, once, at the boundary. Teller signs amounts from the account's
//! point of view: on depository accounts money out is negative (negate it), on credit
//! accounts a purchase is already positive (keep it). Exact decimals, never floats.

use jiff::civil::Date;

use super::wire::{Account, Balances, Transaction};
use crate::money::{decimal_to_minor, minor_digits};
use crate::providers::types::{AccountType, ProviderAccount, ProviderTransaction};

/// The account's ISO currency (Teller omits it rarely; its accounts are US ones).
pub fn currency(a: &Account) -> String {
    a.currency
        .as_deref()
        .map(str::trim)
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .map_or_else(|| "USD".into(), str::to_ascii_uppercase)
}

/// Teller's `type` as ours.
pub fn account_type(kind: &str) -> AccountType {
    match kind {
        "credit" => AccountType::Credit,
        "depository" => AccountType::Depository,
        _ => AccountType::Other,
    }
}

/// The account with its live balances (ledger → current, available → available). For a
/// credit account Teller's positive ledger is money owed, as Plaid's `current` is.
pub fn account(a: &Account, balances: Option<&Balances>) -> (ProviderAccount, Vec<String>) {
    let iso = currency(a);
    let digits = minor_digits(&iso);
    let mut notes = Vec::new();
    let mut read = |v: Option<&String>, what: &str| {
        let text = v.map(String::as_str).filter(|s| !s.trim().is_empty())?;
        decimal_to_minor(text, digits)
            .map_err(|e| notes.push(format!("Teller: {} {what} balance {e}", a.name)))
            .ok()
    };
    let balance_current = read(balances.and_then(|b| b.ledger.as_ref()), "ledger");
    let balance_available = read(balances.and_then(|b| b.available.as_ref()), "available");
    let account = ProviderAccount {
        external_id: a.id.clone(),
        name: non_empty(&a.name).unwrap_or("Account").to_owned(),
        official_name: None,
        account_type: account_type(&a.kind),
        subtype: a.subtype.as_deref().and_then(non_empty).map(str::to_owned),
        mask: a
            .last_four
            .as_deref()
            .and_then(non_empty)
            .map(str::to_owned),
        balance_current,
        balance_available,
        balance_limit: None,
        iso_currency_code: iso,
    };
    (account, notes)
}

/// One transaction of account `a`, in Plaid's sign.
pub fn transaction(a: &Account, t: &Transaction) -> Result<ProviderTransaction, String> {
    let iso = currency(a);
    let raw = decimal_to_minor(&t.amount, minor_digits(&iso))
        .map_err(|e| format!("transaction {}: amount {e}", t.id))?;
    let amount = if a.kind == "credit" {
        raw
    } else {
        raw.checked_neg().ok_or("amount out of range")?
    };
    let date: Date = t
        .date
        .trim()
        .parse()
        .map_err(|_| format!("transaction {}: bad date {:?}", t.id, t.date))?;
    let counterparty = t.details.counterparty.as_ref();
    Ok(ProviderTransaction {
        external_id: t.id.clone(),
        account_external_id: a.id.clone(),
        amount,
        iso_currency_code: iso,
        date,
        authorized_date: None,
        datetime: None,
        name: non_empty(&t.description)
            .unwrap_or("(no description)")
            .to_owned(),
        merchant_name: counterparty
            .and_then(|c| c.name.as_deref())
            .and_then(non_empty)
            .map(str::to_owned),
        category_primary: t
            .details
            .category
            .as_deref()
            .and_then(non_empty)
            .map(str::to_owned),
        category_detailed: None,
        payment_channel: None,
        pending: t.status == "pending",
        pending_transaction_external_id: None,
    })
}

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::teller::wire::{Counterparty, Details};

    fn acct(kind: &str) -> Account {
        Account {
            id: "acc_1".into(),
            name: "Everyday".into(),
            kind: kind.into(),
            subtype: Some("checking".into()),
            currency: Some("USD".into()),
            last_four: Some("6789".into()),
            ..Account::default()
        }
    }

    fn txn(amount: &str, status: &str) -> Transaction {
        Transaction {
            id: "txn_1".into(),
            account_id: "acc_1".into(),
            amount: amount.into(),
            date: "2026-04-15".into(),
            description: "WHOLE FOODS MKT #123".into(),
            status: status.into(),
            details: Details {
                category: Some("groceries".into()),
                counterparty: Some(Counterparty {
                    name: Some("Whole Foods".into()),
                    kind: Some("organization".into()),
                }),
                ..Details::default()
            },
            ..Transaction::default()
        }
    }

    #[test]
    fn depository_amounts_are_negated() {
        let a = acct("depository");
        assert_eq!(
            transaction(&a, &txn("-42.50", "posted")).unwrap().amount,
            4250
        );
        assert_eq!(
            transaction(&a, &txn("2500.00", "posted")).unwrap().amount,
            -250_000
        );
    }

    #[test]
    fn credit_amounts_keep_their_sign() {
        let a = acct("credit");
        assert_eq!(
            transaction(&a, &txn("19.99", "posted")).unwrap().amount,
            1999
        );
        assert_eq!(
            transaction(&a, &txn("-300.00", "posted")).unwrap().amount,
            -30_000
        );
    }

    #[test]
    fn unknown_account_types_are_negated_like_depository_and_typed_other() {
        let a = acct("brokerage");
        assert_eq!(
            transaction(&a, &txn("-1.00", "posted")).unwrap().amount,
            100
        );
        assert_eq!(account(&a, None).0.account_type, AccountType::Other);
    }

    #[test]
    fn status_counterparty_and_category_map_over() {
        let t = transaction(&acct("depository"), &txn("-1", "pending")).unwrap();
        assert!(t.pending);
        assert_eq!(t.merchant_name.as_deref(), Some("Whole Foods"));
        assert_eq!(t.category_primary.as_deref(), Some("groceries"));
        assert_eq!(t.date, jiff::civil::date(2026, 4, 15));
        assert_eq!(t.name, "WHOLE FOODS MKT #123");
    }

    #[test]
    fn balances_are_exact_and_credit_ledger_is_money_owed() {
        let b = Balances {
            ledger: Some("1234.56".into()),
            available: Some("1000.10".into()),
            ..Balances::default()
        };
        let (a, notes) = account(&acct("depository"), Some(&b));
        assert!(notes.is_empty());
        assert_eq!(
            (a.balance_current, a.balance_available),
            (Some(123_456), Some(100_010))
        );
        assert_eq!(a.mask.as_deref(), Some("6789"));
        let owed = Balances {
            ledger: Some("512.30".into()),
            available: None,
            ..Balances::default()
        };
        let (card, _) = account(&acct("credit"), Some(&owed));
        assert_eq!(card.account_type, AccountType::Credit);
        assert_eq!(
            (card.balance_current, card.balance_available),
            (Some(51_230), None)
        );
    }

    #[test]
    fn unreadable_values_are_errors_or_notes_never_guesses() {
        assert!(transaction(&acct("depository"), &txn("abc", "posted")).is_err());
        let mut bad_date = txn("1", "posted");
        bad_date.date = "15/04/2026".into();
        assert!(transaction(&acct("depository"), &bad_date).is_err());
        let b = Balances {
            ledger: Some("n/a".into()),
            ..Balances::default()
        };
        let (a, notes) = account(&acct("depository"), Some(&b));
        assert_eq!(a.balance_current, None);
        assert_eq!(notes.len(), 1);
    }
}
