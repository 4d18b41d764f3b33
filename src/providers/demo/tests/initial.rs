//! The initial sync: accounts, two years of history, signs and per-seed variation.

use std::collections::HashSet;

use jiff::civil::date;

use super::{OTHER_SEED, SEED, account, initial, today};
use crate::providers::demo::templates::{
    CARD_AUTOPAY, CARD_PAYMENT_RECEIVED, FROM_CHECKING, INTEREST, PAYROLL, RENT, TO_SAVINGS,
};
use crate::providers::types::{AccountType, SyncBatch};

#[test]
fn different_seeds_give_different_ids_amounts_and_masks() {
    let (a, b) = (initial(SEED), initial(OTHER_SEED));
    let ids_a: HashSet<_> = a.added.iter().map(|r| &r.external_id).collect();
    assert!(b.added.iter().all(|r| !ids_a.contains(&r.external_id)));
    assert_ne!(a.accounts[0].external_id, b.accounts[0].external_id);
    let salary = |batch: &SyncBatch| {
        batch
            .added
            .iter()
            .find(|r| r.name == PAYROLL.name)
            .map(|r| r.amount)
    };
    let balances = |batch: &SyncBatch| {
        batch
            .accounts
            .iter()
            .map(|a| a.balance_current)
            .collect::<Vec<_>>()
    };
    assert!(salary(&a) != salary(&b) || balances(&a) != balances(&b));
}

#[test]
fn the_initial_sync_has_checking_card_and_savings_in_usd_usd_eur() {
    let batch = initial(SEED);
    let kinds: Vec<_> = batch
        .accounts
        .iter()
        .map(|a| {
            (
                a.account_type,
                a.subtype.as_deref(),
                a.iso_currency_code.as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (AccountType::Depository, Some("checking"), "USD"),
            (AccountType::Credit, Some("credit card"), "USD"),
            (AccountType::Depository, Some("savings"), "EUR"),
        ]
    );
    for a in &batch.accounts {
        let mask = a.mask.as_deref().expect("mask");
        assert!(
            mask.len() == 4 && mask.bytes().all(|b| b.is_ascii_digit()),
            "{mask}"
        );
        assert!(a.external_id.starts_with("demo_acct_"));
    }
    let card = account(&batch, "credit card");
    assert_eq!(card.balance_limit, Some(500_000));
    assert!(card.balance_current.expect("owed") > 0);
    assert!(
        account(&batch, "checking")
            .balance_current
            .expect("checking")
            > 0
    );
    assert!(account(&batch, "savings").balance_current.expect("savings") > 500_000);
    assert_eq!(
        batch.next_cursor.as_deref(),
        Some("v1:0:2025-03-14:-:2025-03-14")
    );
    assert!(batch.modified.is_empty() && batch.removed.is_empty());
}

#[test]
fn the_initial_sync_covers_two_years_ending_today_with_pending_only_at_the_end() {
    let batch = initial(SEED);
    let count = batch.added.len();
    assert!((1_500..=2_500).contains(&count), "{count} transactions");
    let first = batch.added.iter().map(|r| r.date).min().expect("rows");
    let last = batch.added.iter().map(|r| r.date).max().expect("rows");
    assert!(
        first >= date(2023, 3, 16) && first <= date(2023, 3, 22),
        "{first}"
    );
    assert_eq!(last, today());
    let pending: Vec<_> = batch.added.iter().filter(|r| r.pending).collect();
    assert!(pending.len() >= 2);
    assert!(pending.iter().all(|r| r.date >= date(2025, 3, 12)));
    assert!(
        batch
            .added
            .iter()
            .all(|r| r.pending_transaction_external_id.is_none())
    );
    let ids: HashSet<_> = batch.added.iter().map(|r| &r.external_id).collect();
    assert_eq!(ids.len(), count, "ids are unique");
    assert!(
        batch
            .added
            .iter()
            .all(|r| r.external_id.starts_with("demo_tx_"))
    );
}

#[test]
fn salary_enters_and_rent_leaves_checking() {
    let batch = initial(SEED);
    let checking = &account(&batch, "checking").external_id;
    let on_checking = |name: &str| {
        batch
            .added
            .iter()
            .filter(|r| &r.account_external_id == checking && r.name == name)
            .map(|r| r.amount)
            .collect::<Vec<_>>()
    };
    let salaries = on_checking(PAYROLL.name);
    assert!(
        (46..=50).contains(&salaries.len()),
        "{} paydays",
        salaries.len()
    );
    assert!(salaries.iter().all(|&a| (-330_000..=-310_000).contains(&a)));
    let rents = on_checking(RENT.name);
    assert_eq!(rents.len(), 24);
    assert!(rents.iter().all(|&a| (175_000..=195_000).contains(&a)));
    let payroll = batch
        .added
        .iter()
        .find(|r| r.name == PAYROLL.name)
        .expect("payroll");
    assert_eq!(payroll.category_primary.as_deref(), Some("INCOME"));
    assert_eq!(payroll.category_detailed.as_deref(), Some("INCOME_WAGES"));
}

#[test]
fn card_spending_is_positive_and_payments_and_refunds_are_negative() {
    let batch = initial(SEED);
    let card = &account(&batch, "credit card").external_id;
    let rows: Vec<_> = batch
        .added
        .iter()
        .filter(|r| &r.account_external_id == card)
        .collect();
    let coffee = rows
        .iter()
        .filter(|r| r.category_detailed.as_deref() == Some("FOOD_AND_DRINK_COFFEE"))
        .count();
    assert!(coffee > 200, "{coffee} coffees");
    for row in &rows {
        let detailed = row.category_detailed.as_deref().unwrap_or_default();
        let refund = row.name.contains("refund") || row.name.contains("return");
        if detailed == "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT" || refund {
            assert!(row.amount < 0, "{row:?}");
        } else {
            assert!(row.amount > 0, "{row:?}");
        }
    }
    let savings = &account(&batch, "savings").external_id;
    let interest = batch
        .added
        .iter()
        .filter(|r| &r.account_external_id == savings && r.name == INTEREST.name)
        .collect::<Vec<_>>();
    assert!(
        interest.len() >= 23
            && interest
                .iter()
                .all(|r| r.amount < 0 && r.iso_currency_code == "EUR")
    );
}

#[test]
fn amounts_follow_the_plaid_sign_on_transfers_between_accounts() {
    let batch = initial(SEED);
    let pick = |name: &str| batch.added.iter().find(|r| r.name == name).expect(name);
    assert!(pick(TO_SAVINGS.name).amount > 0);
    assert!(pick(FROM_CHECKING.name).amount < 0);
    assert!(pick(CARD_AUTOPAY.name).amount > 0);
    assert!(pick(CARD_PAYMENT_RECEIVED.name).amount < 0);
    assert_eq!(
        pick(CARD_AUTOPAY.name).amount,
        -pick(CARD_PAYMENT_RECEIVED.name).amount
    );
}
