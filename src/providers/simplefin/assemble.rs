//! Turns the account sets of one sync's windows into one [`SyncBatch`]: the newest view of
//! each account, every transaction once (a later window wins), the Bridge's notes, and the
//! pending rows we hold that a covering window no longer lists (SimpleFIN gives the posted
//! version a new id, so the pending one must go).

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;

use super::normalise::{self, Notes};
use super::window::{DAY, Window};
use super::wire::{Account, AccountSet};
use crate::providers::types::{KnownPending, ProviderAccount, ProviderTransaction, SyncBatch};

/// Builds the batch; `windows[i]` is what `sets[i]` answered.
pub fn assemble(
    windows: &[Window],
    sets: &[AccountSet],
    known_pending: &[KnownPending],
    today: Date,
) -> SyncBatch {
    let notes = normalise::notes(sets.iter().flat_map(|s| s.errors.iter().chain(&s.errlist)));
    let mut warnings = notes.warnings.clone();
    let accounts = latest_accounts(sets);
    let (added, skipped) = transactions(sets, today);
    if skipped > 0 {
        warnings.push(format!(
            "SimpleFIN: skipped {skipped} transaction(s) with an unreadable amount"
        ));
    }
    let mut batch = SyncBatch {
        accounts: accounts
            .iter()
            .map(|a| account_or_warn(a, &mut warnings))
            .collect(),
        removed: vanished(windows, sets, &notes, known_pending, &added),
        added,
        warnings,
        ..SyncBatch::default()
    };
    if !notes.reauth.is_empty() {
        batch.reauth_required = Some(format!(
            "{} (sign in to that bank again at the SimpleFIN Bridge)",
            notes.reauth.join("; ")
        ));
    }
    batch
}

/// Each account once, as the newest window saw it, in first-seen order.
fn latest_accounts(sets: &[AccountSet]) -> Vec<Account> {
    let mut order: Vec<Account> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for a in sets.iter().flat_map(|s| &s.accounts) {
        put_latest(&mut order, &mut at, a.id.clone(), a.clone());
    }
    order
}

/// Replaces the item stored under `key`, or appends it (first-seen order, last copy wins).
fn put_latest<T>(list: &mut Vec<T>, index: &mut HashMap<String, usize>, key: String, item: T) {
    if let Some(&i) = index.get(&key) {
        list[i] = item;
    } else {
        index.insert(key, list.len());
        list.push(item);
    }
}

fn account_or_warn(a: &Account, warnings: &mut Vec<String>) -> ProviderAccount {
    let (account, notes) = normalise::account(a);
    warnings.extend(notes);
    account
}

/// Every transaction once (the newest window's copy), and how many were unreadable.
fn transactions(sets: &[AccountSet], today: Date) -> (Vec<ProviderTransaction>, usize) {
    let mut out: Vec<ProviderTransaction> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut skipped = 0;
    for a in sets.iter().flat_map(|s| &s.accounts) {
        for t in &a.transactions {
            let Ok(row) = normalise::transaction(a, t, today) else {
                skipped += 1;
                continue;
            };
            put_latest(&mut out, &mut at, row.external_id.clone(), row);
        }
    }
    (out, skipped)
}

/// Pending rows we hold that every window listed their account, whose date lies inside the
/// fetched range (not on its first day, where time zones blur), and that did not come back.
fn vanished(
    windows: &[Window],
    sets: &[AccountSet],
    notes: &Notes,
    known: &[KnownPending],
    fetched: &[ProviderTransaction],
) -> Vec<String> {
    let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
        return Vec::new();
    };
    let date_of = |secs: i64| {
        jiff::Timestamp::from_second(secs)
            .map(normalise::utc_date)
            .ok()
    };
    let (Some(from), Some(until)) = (date_of(first.start + DAY), date_of(last.end)) else {
        return Vec::new();
    };
    let complete = complete_accounts(sets, notes);
    let seen: HashSet<&str> = fetched.iter().map(|t| t.external_id.as_str()).collect();
    known
        .iter()
        .filter(|k| complete.contains(k.account_external_id.as_str()))
        .filter(|k| k.date >= from && k.date < until)
        .filter(|k| !seen.contains(k.external_id.as_str()))
        .map(|k| k.external_id.clone())
        .collect()
}

/// Accounts every window listed and no `act.*` note names: their absence of a row means
/// the row is gone, not that data is missing.
fn complete_accounts<'a>(sets: &'a [AccountSet], notes: &Notes) -> HashSet<&'a str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for set in sets {
        let ids: HashSet<&str> = set.accounts.iter().map(|a| a.id.as_str()).collect();
        for id in ids {
            *counts.entry(id).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(id, n)| *n == sets.len() && !notes.troubled_accounts.iter().any(|t| t == id))
        .map(|(id, _)| id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::simplefin::wire::{CodedError, ErrorEntry, Transaction};

    const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn txn(id: &str, posted: i64, amount: &str, pending: bool) -> Transaction {
        Transaction {
            id: id.into(),
            posted,
            amount: Some(amount.into()),
            description: id.into(),
            transacted_at: Some(START + 5 * DAY),
            pending: Some(pending),
            ..Transaction::default()
        }
    }

    fn set(accounts: Vec<(&str, Vec<Transaction>)>) -> AccountSet {
        AccountSet {
            accounts: accounts
                .into_iter()
                .map(|(id, transactions)| Account {
                    id: id.into(),
                    name: id.into(),
                    currency: "USD".into(),
                    balance: Some("10.00".into()),
                    transactions,
                    ..Account::default()
                })
                .collect(),
            ..AccountSet::default()
        }
    }

    fn known(id: &str, account: &str, day: i8) -> KnownPending {
        KnownPending {
            external_id: id.into(),
            account_external_id: account.into(),
            date: jiff::civil::date(2026, 1, day),
        }
    }

    fn window() -> Vec<Window> {
        vec![Window {
            start: START,
            end: START + 20 * DAY,
        }]
    }

    fn today() -> Date {
        jiff::civil::date(2026, 1, 20)
    }

    #[test]
    fn a_pending_row_that_posted_under_a_new_id_is_removed() {
        let sets = [set(vec![(
            "A",
            vec![txn("POSTED", START + 6 * DAY, "-5", false)],
        )])];
        let held = [known("A/PEND", "A", 6)];
        let b = assemble(&window(), &sets, &held, today());
        assert_eq!(b.removed, ["A/PEND"]);
        assert_eq!(b.added.len(), 1);
    }

    #[test]
    fn pending_rows_still_listed_or_outside_the_window_stay() {
        let sets = [set(vec![("A", vec![txn("PEND", 0, "-5", true)])])];
        let held = [
            known("A/PEND", "A", 6),
            known("A/OLD", "A", 1),  // the window's first day: not trusted
            known("B/GONE", "B", 6), // account B missing from the answer
        ];
        let b = assemble(&window(), &sets, &held, today());
        assert!(b.removed.is_empty(), "{:?}", b.removed);
    }

    #[test]
    fn accounts_flagged_by_the_bridge_keep_their_pending_rows() {
        let mut s = set(vec![("A", vec![])]);
        s.errlist.push(ErrorEntry::Coded(CodedError {
            code: Some("act.failed".into()),
            msg: Some("try later".into()),
            account_id: Some("A".into()),
            ..CodedError::default()
        }));
        let b = assemble(&window(), &[s], &[known("A/PEND", "A", 6)], today());
        assert!(b.removed.is_empty());
        assert_eq!(b.warnings, ["SimpleFIN: try later"]);
    }

    #[test]
    fn the_newest_window_wins_and_each_row_appears_once() {
        let older = set(vec![("A", vec![txn("T", 0, "-5", true)])]);
        let mut newer = set(vec![("A", vec![txn("T", START + 7 * DAY, "-5.25", false)])]);
        newer.accounts[0].balance = Some("99.00".into());
        let windows = [
            Window {
                start: START,
                end: START + 10 * DAY,
            },
            Window {
                start: START + 10 * DAY,
                end: START + 20 * DAY,
            },
        ];
        let b = assemble(&windows, &[older, newer], &[], today());
        assert_eq!(b.added.len(), 1);
        assert_eq!((b.added[0].amount, b.added[0].pending), (525, false));
        assert_eq!(b.accounts.len(), 1);
        assert_eq!(b.accounts[0].balance_current, Some(9900));
    }

    #[test]
    fn con_auth_asks_for_reauth_but_keeps_the_data() {
        let mut s = set(vec![("A", vec![txn("T", START + 7 * DAY, "-1", false)])]);
        s.errlist.push(ErrorEntry::Coded(CodedError {
            code: Some("con.auth".into()),
            msg: Some("Chase needs you to sign in".into()),
            ..CodedError::default()
        }));
        let b = assemble(&window(), &[s], &[], today());
        assert_eq!(b.added.len(), 1);
        let why = b.reauth_required.unwrap();
        assert!(why.contains("Chase needs you to sign in"), "{why}");
    }

    #[test]
    fn unreadable_rows_are_skipped_with_a_warning() {
        let s = set(vec![(
            "A",
            vec![
                txn("BAD", START, "n/a", false),
                txn("OK", START, "-1", false),
            ],
        )]);
        let b = assemble(&window(), &[s], &[], today());
        assert_eq!(b.added.len(), 1);
        assert!(b.warnings[0].contains("skipped 1"), "{:?}", b.warnings);
    }
}
