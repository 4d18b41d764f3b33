//! Later syncs: the life cycle of rows, batches as exact differences between
//! states (checked against an independent snapshot oracle), balances and cursors.

use std::collections::{HashMap, HashSet};

use jiff::civil::{Date, date};

use super::{OTHER_SEED, SEED, account, by_id, run, same_day, today};
use crate::providers::demo::PENDING_DAYS;
use crate::providers::demo::accounts::AccountIds;
use crate::providers::demo::balances::accounts;
use crate::providers::demo::calendar::{add_days, calendar, history_start};
use crate::providers::demo::churn::{churn, opening_row};
use crate::providers::demo::rng::Seed;
use crate::providers::demo::{DemoBank, DemoScenario};
use crate::providers::types::{AccountType, ProviderAccount, ProviderTransaction};

/// Independent oracle: the full state after sync `dates.len() - 1`, where
/// `dates[k]` is the effective date of sync `k`.
fn snapshot(seed: &str, dates: &[Date]) -> (Vec<ProviderAccount>, Vec<ProviderTransaction>) {
    let seed = Seed::new(seed);
    let ids = AccountIds::new(seed);
    let n = dates.len() - 1;
    let (anchor, current) = (dates[0], dates[n]);
    let events = calendar(seed, anchor, current);
    let mut rows = Vec::new();
    for event in events
        .iter()
        .filter(|event| event.date >= history_start(anchor))
    {
        let revealed = dates
            .iter()
            .position(|&d| event.date <= d)
            .expect("revealed");
        let lower = add_days(dates[revealed], -PENDING_DAYS);
        let lower = if revealed == 0 {
            lower
        } else {
            lower.max(dates[revealed - 1])
        };
        let was_pending = event.date > lower;
        rows.push(if was_pending && revealed == n {
            event.pending_row(seed)
        } else {
            event.posted_row(seed, was_pending)
        });
    }
    rows.push(opening_row(seed, anchor, n == 0));
    for (k, &day) in dates.iter().enumerate() {
        let sync = k as u64;
        for item in churn(seed, sync) {
            if k == n {
                rows.push(item.pending_row(seed, sync, day));
            } else if !item.disappears {
                rows.push(item.posted_row(seed, sync, day, n as u64));
            }
        }
    }
    let previous = n.checked_sub(1).map(|k| dates[k]);
    let accounts = accounts(seed, &events, n as u64, previous, current);
    (
        accounts,
        rows.into_iter().map(|row| row.build(&ids)).collect(),
    )
}

#[test]
fn the_same_inputs_give_the_same_batches() {
    let dates = [today(), today(), date(2025, 3, 16)];
    assert_eq!(run(SEED, &dates), run(SEED, &dates));
}

#[test]
fn every_later_sync_has_added_modified_and_removed() {
    for seed in [SEED, OTHER_SEED, "a", "connection-3"] {
        let batches = run(seed, &same_day(21));
        for (n, batch) in batches.iter().enumerate().skip(1) {
            assert!(!batch.added.is_empty(), "{seed} sync {n}: added");
            assert!(!batch.modified.is_empty(), "{seed} sync {n}: modified");
            assert!(!batch.removed.is_empty(), "{seed} sync {n}: removed");
        }
    }
}

#[test]
fn settled_rows_reference_pending_ids_of_the_previous_state() {
    let batches = run(SEED, &same_day(12));
    let mut disappeared = 0;
    for pair in batches.windows(2) {
        let pending: HashSet<_> = pair[0]
            .added
            .iter()
            .filter(|r| r.pending)
            .map(|r| r.external_id.clone())
            .collect();
        let removed: HashSet<_> = pair[1].removed.iter().cloned().collect();
        assert_eq!(
            pending, removed,
            "every pending row leaves at the next sync"
        );
        let settled: Vec<_> = pair[1]
            .added
            .iter()
            .filter_map(|r| r.pending_transaction_external_id.clone())
            .collect();
        assert!(!settled.is_empty());
        assert!(settled.iter().all(|id| pending.contains(id)));
        assert!(
            pair[1]
                .added
                .iter()
                .all(|r| r.pending_transaction_external_id.is_none() || !r.pending)
        );
        disappeared += pending.len() - settled.len();
    }
    assert!(
        disappeared > 0,
        "some pending rows disappear instead of settling"
    );
}

#[test]
fn modified_rows_gain_merchant_and_category() {
    let batches = run(SEED, &same_day(4));
    let mut known = by_id(&batches[0].added);
    for batch in &batches[1..] {
        for row in &batch.modified {
            let before = known.get(&row.external_id).expect("modified row exists");
            assert!(before.category_primary.is_none() && before.merchant_name.is_none());
            assert!(row.category_primary.is_some() && row.merchant_name.is_some());
            assert_eq!(before.amount, row.amount);
        }
        known.extend(by_id(&batch.added));
    }
}

#[test]
fn applying_batches_cumulatively_reproduces_each_snapshot() {
    let d = |day| date(2025, 3, day);
    let schedules = [
        same_day(11),
        vec![
            d(14),
            d(15),
            d(16),
            d(17),
            d(18),
            d(19),
            d(20),
            d(21),
            d(22),
            d(23),
            d(24),
        ],
        vec![
            d(14),
            d(14),
            d(15),
            d(15),
            d(18),
            d(18),
            d(19),
            d(25),
            d(26),
            d(26),
            d(31),
        ],
        vec![
            d(14),
            d(13),
            d(16),
            date(2025, 5, 2),
            date(2025, 5, 2),
            date(2025, 5, 3),
        ],
    ];
    for seed in [SEED, OTHER_SEED] {
        for schedule in &schedules {
            let mut state: HashMap<String, ProviderTransaction> = HashMap::new();
            let mut effective = Vec::new();
            for (k, batch) in run(seed, schedule).iter().enumerate() {
                let last = effective.last().copied().unwrap_or(schedule[0]);
                effective.push(schedule[k].max(last));
                for id in &batch.removed {
                    assert!(state.remove(id).is_some(), "removed {id} exists");
                }
                for row in &batch.modified {
                    let old = state.insert(row.external_id.clone(), row.clone());
                    assert!(old.is_some_and(|old| old != *row), "modified row changed");
                }
                for row in &batch.added {
                    let old = state.insert(row.external_id.clone(), row.clone());
                    assert!(old.is_none(), "added {} is new", row.external_id);
                }
                let (accounts, rows) = snapshot(seed, &effective);
                assert_eq!(batch.accounts, accounts, "accounts after sync {k}");
                assert_eq!(state, by_id(&rows), "state after sync {k} of {schedule:?}");
            }
        }
    }
}

#[test]
fn balances_follow_the_posted_rows() {
    let batches = run(
        SEED,
        &[today(), today(), date(2025, 3, 20), date(2025, 4, 2)],
    );
    let mut state = by_id(&batches[0].added);
    let posted = |state: &HashMap<String, ProviderTransaction>, acct: &str| -> i64 {
        state
            .values()
            .filter(|r| !r.pending && r.account_external_id == acct)
            .map(|r| r.amount)
            .sum()
    };
    for pair in batches.windows(2) {
        let before = state.clone();
        for id in &pair[1].removed {
            state.remove(id);
        }
        state.extend(by_id(&pair[1].modified));
        state.extend(by_id(&pair[1].added));
        for (old, new) in pair[0].accounts.iter().zip(&pair[1].accounts) {
            let delta = posted(&state, &new.external_id) - posted(&before, &old.external_id);
            let sign = if new.account_type == AccountType::Credit {
                1
            } else {
                -1
            };
            let moved = new.balance_current.expect("new") - old.balance_current.expect("old");
            assert_eq!(moved, sign * delta, "{}", new.name);
        }
    }
    let checking = account(&batches[3], "checking");
    let pending_debits: i64 = state
        .values()
        .filter(|r| r.pending && r.account_external_id == checking.external_id)
        .map(|r| r.amount.max(0))
        .sum();
    assert_eq!(
        checking.balance_available,
        checking.balance_current.map(|b| b - pending_debits)
    );
}

#[test]
fn the_cursor_records_sync_number_anchor_and_dates() {
    let batches = run(SEED, &[today(), date(2025, 3, 16), date(2025, 3, 15)]);
    let cursors: Vec<_> = batches
        .iter()
        .filter_map(|b| b.next_cursor.as_deref())
        .collect();
    assert_eq!(
        cursors,
        [
            "v1:0:2025-03-14:-:2025-03-14",
            "v1:1:2025-03-14:2025-03-14:2025-03-16",
            "v1:2:2025-03-14:2025-03-16:2025-03-16",
        ]
    );
    let later = DemoBank::sync(SEED, DemoScenario::Good, Some(""), today()).expect("empty");
    assert_eq!(later, batches[0], "an empty cursor is the initial sync");
}

#[test]
fn a_long_lived_connection_still_syncs_quickly() {
    let cursor = "v1:5000:2025-03-14:2026-03-13:2026-03-14";
    let start = std::time::Instant::now();
    let batch =
        DemoBank::sync(SEED, DemoScenario::Good, Some(cursor), date(2026, 3, 14)).expect("sync");
    assert!(!batch.modified.is_empty() && !batch.removed.is_empty());
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}
