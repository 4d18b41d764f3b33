//! Batches: the initial sync and each later sync as the exact difference between
//! consecutive states, plus the window of days whose calendar rows are pending.

use jiff::civil::Date;

use crate::providers::types::{ProviderTransaction, SyncBatch};

use super::PENDING_DAYS;
use super::accounts::AccountIds;
use super::balances::accounts;
use super::calendar::{add_days, calendar, history_start};
use super::churn::{churn, opening_row};
use super::cursor::Cursor;
use super::rng::Seed;

/// Sync 0: the whole initial state goes to `added`.
pub(super) fn initial_batch(seed: Seed, today: Date) -> SyncBatch {
    let anchor = today;
    let events = calendar(seed, anchor, today);
    let ids = AccountIds::new(seed);
    let window = pending_window(None, today);
    let history_start = history_start(anchor);
    let mut added: Vec<ProviderTransaction> = events
        .iter()
        .filter(|event| event.date >= history_start)
        .map(|event| {
            if window.contains(event.date) {
                event.pending_row(seed).build(&ids)
            } else {
                event.posted_row(seed, false).build(&ids)
            }
        })
        .collect();
    added.push(opening_row(seed, anchor, true).build(&ids));
    added.extend(
        churn(seed, 0)
            .iter()
            .map(|item| item.pending_row(seed, 0, today).build(&ids)),
    );
    SyncBatch {
        accounts: accounts(seed, &events, 0, None, today),
        added,
        modified: Vec::new(),
        removed: Vec::new(),
        next_cursor: Some(
            Cursor {
                sync: 0,
                anchor,
                previous: None,
                last: today,
            }
            .encode(),
        ),
        ..SyncBatch::default()
    }
}

/// Sync `n = cursor.sync + 1`: settle what was pending, reveal new days and churn,
/// enrich the row that arrived raw last time.
pub(super) fn next_batch(seed: Seed, cursor: &Cursor, today: Date) -> SyncBatch {
    let n = cursor.sync + 1;
    let (before, previous, current) = (cursor.previous, cursor.last, today.max(cursor.last));
    let events = calendar(seed, cursor.anchor, current);
    let ids = AccountIds::new(seed);
    let mut batch = SyncBatch::default();

    // Everything pending in state n - 1 leaves; most of it comes back posted.
    let old_window = pending_window(before, previous);
    for event in events
        .iter()
        .filter(|event| old_window.contains(event.date))
    {
        batch.removed.push(event.pending_id(seed));
        batch.added.push(event.posted_row(seed, true).build(&ids));
    }
    for item in churn(seed, n - 1) {
        batch.removed.push(item.pending_id(seed, n - 1));
        if !item.disappears {
            batch
                .added
                .push(item.posted_row(seed, n - 1, previous, n).build(&ids));
        }
    }

    // Days that passed since the previous sync, then this sync's churn.
    let new_window = pending_window(Some(previous), current);
    for event in events.iter().filter(|event| event.date > previous) {
        let row = if new_window.contains(event.date) {
            event.pending_row(seed)
        } else {
            event.posted_row(seed, false)
        };
        batch.added.push(row.build(&ids));
    }
    batch.added.extend(
        churn(seed, n)
            .iter()
            .map(|item| item.pending_row(seed, n, current).build(&ids)),
    );

    // The row that arrived raw in state n - 1 gains its merchant and category.
    let enriched = match before {
        Some(date) if n >= 2 => churn(seed, n - 2)
            .first()
            .map(|item| item.posted_row(seed, n - 2, date, n).build(&ids)),
        _ => Some(opening_row(seed, cursor.anchor, false).build(&ids)),
    };
    batch.modified.extend(enriched);

    batch.accounts = accounts(seed, &events, n, Some(previous), current);
    batch.next_cursor = Some(
        Cursor {
            sync: n,
            anchor: cursor.anchor,
            previous: Some(previous),
            last: current,
        }
        .encode(),
    );
    batch
}

/// Days `(lower, upper]` whose calendar rows are pending in a state.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    lower: Date,
    upper: Date,
}

impl Window {
    pub(super) fn contains(self, date: Date) -> bool {
        self.lower < date && date <= self.upper
    }
}

/// Pending days of the state produced on `current` when the previous sync ran on
/// `previous` (`None` for the initial sync): revealed by this sync and recent.
pub(super) fn pending_window(previous: Option<Date>, current: Date) -> Window {
    let recent = add_days(current, -PENDING_DAYS);
    let lower = previous.map_or(recent, |previous| previous.max(recent));
    Window {
        lower,
        upper: current,
    }
}
