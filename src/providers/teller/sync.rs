//! One Teller sync: every account with its live balances and its transactions since the
//! previous sync minus a 10-day overlap (late posts, pending rows settling), paged newest
//! first with `count` + `from_id`. Pending rows we hold that a fetched range no longer lists
//! are removed: Teller gives the posted version a new id.

use std::collections::HashSet;

use jiff::ToSpan as _;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::client::Client;
use super::normalise;
use super::wire::{Account, Transaction};
use crate::providers::types::{KnownPending, ProviderTransaction, SyncBatch};
use crate::providers::{ProviderError, SyncRequest};

/// Rows per page (Teller's documented paging; the Go Breadbox uses the same size).
pub const PAGE: usize = 250;
/// Days a later sync reaches back before the previous one.
pub const OVERLAP_DAYS: i32 = 10;
/// A guard against an upstream that never stops paging (250 × 2000 rows).
const MAX_PAGES: usize = 2000;

/// The cursor: the day of the last successful sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(default)]
    pub through: Option<Date>,
}

impl Cursor {
    /// A stored cursor; an unreadable one fetches the whole history again.
    pub fn decode(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    /// The first day to fetch: `None` = everything Teller has.
    pub fn start(&self) -> Option<Date> {
        self.through
            .and_then(|d| d.checked_sub(OVERLAP_DAYS.days()).ok())
    }
}

/// Fetches and assembles the batch.
pub async fn run(
    client: &Client,
    token: &str,
    req: &SyncRequest,
) -> Result<SyncBatch, ProviderError> {
    let start = Cursor::decode(req.cursor.as_deref()).start();
    let mut batch = SyncBatch::default();
    let mut complete = HashSet::new();
    for account in client.accounts(token).await? {
        let balances = match account.links.balances {
            Some(_) => Some(client.balances(token, &account.id).await?),
            None => None,
        };
        let (row, notes) = normalise::account(&account, balances.as_ref());
        batch.accounts.push(row);
        batch.warnings.extend(notes);
        if account.links.transactions.is_none() {
            continue;
        }
        let rows = transactions(client, token, &account.id, start).await?;
        complete.insert(account.id.clone());
        add_rows(&mut batch, &account, &rows, start);
    }
    batch.removed = vanished(&req.known_pending, &complete, start, &batch.added);
    batch.next_cursor = Some(
        serde_json::to_string(&Cursor {
            through: Some(req.today),
        })
        .unwrap_or_default(),
    );
    Ok(batch)
}

/// Every page of an account's transactions back to `start`.
async fn transactions(
    client: &Client,
    token: &str,
    account: &str,
    start: Option<Date>,
) -> Result<Vec<Transaction>, ProviderError> {
    let mut all: Vec<Transaction> = Vec::new();
    let mut from_id: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .transactions(token, account, PAGE, from_id.as_deref(), start)
            .await?;
        let full = page.len() >= PAGE;
        let last = page.last().map(|t| (t.id.clone(), t.date.clone()));
        all.extend(page);
        let Some((last_id, last_date)) = last else {
            break;
        };
        let past_start = start.is_some_and(|s| last_date.parse::<Date>().is_ok_and(|d| d < s));
        if !full || past_start || from_id.as_deref() == Some(last_id.as_str()) {
            break;
        }
        from_id = Some(last_id);
    }
    Ok(all)
}

/// Normalises an account's rows inside the range; unreadable ones become one warning.
fn add_rows(batch: &mut SyncBatch, account: &Account, rows: &[Transaction], start: Option<Date>) {
    let mut seen = HashSet::new();
    let mut skipped = 0;
    for t in rows {
        match normalise::transaction(account, t) {
            Ok(row) if start.is_some_and(|s| row.date < s) => {}
            Ok(row) if seen.insert(row.external_id.clone()) => batch.added.push(row),
            Ok(_) => {}
            Err(_) => skipped += 1,
        }
    }
    if skipped > 0 {
        batch.warnings.push(format!(
            "Teller: skipped {skipped} transaction(s) of {} that could not be read",
            account.name
        ));
    }
}

/// Pending rows of fully fetched accounts, dated after the range's first day (or any date
/// when the whole history came), that did not come back.
fn vanished(
    known: &[KnownPending],
    complete: &HashSet<String>,
    start: Option<Date>,
    fetched: &[ProviderTransaction],
) -> Vec<String> {
    let seen: HashSet<&str> = fetched.iter().map(|t| t.external_id.as_str()).collect();
    known
        .iter()
        .filter(|k| complete.contains(&k.account_external_id))
        .filter(|k| start.is_none_or(|s| k.date > s))
        .filter(|k| !seen.contains(k.external_id.as_str()))
        .map(|k| k.external_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str, account: &str, day: i8) -> KnownPending {
        KnownPending {
            external_id: id.into(),
            account_external_id: account.into(),
            date: jiff::civil::date(2026, 3, day),
        }
    }

    fn row(id: &str) -> ProviderTransaction {
        ProviderTransaction {
            external_id: id.into(),
            account_external_id: "acc_1".into(),
            amount: 1,
            iso_currency_code: "USD".into(),
            date: jiff::civil::date(2026, 3, 20),
            authorized_date: None,
            datetime: None,
            name: "x".into(),
            merchant_name: None,
            category_primary: None,
            category_detailed: None,
            payment_channel: None,
            pending: false,
            pending_transaction_external_id: None,
        }
    }

    #[test]
    fn later_syncs_reach_back_ten_days_and_garbage_starts_over() {
        let c = Cursor {
            through: Some(jiff::civil::date(2026, 3, 20)),
        };
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(
            Cursor::decode(Some(&text)).start(),
            Some(jiff::civil::date(2026, 3, 10))
        );
        assert_eq!(Cursor::decode(Some("{{")).start(), None);
    }

    #[test]
    fn only_pending_rows_of_fetched_accounts_inside_the_range_vanish() {
        let complete: HashSet<String> = ["acc_1".to_owned()].into();
        let held = [
            known("gone", "acc_1", 15),
            known("back", "acc_1", 15),
            known("edge", "acc_1", 10),
            known("other", "acc_2", 15),
        ];
        let start = Some(jiff::civil::date(2026, 3, 10));
        let removed = vanished(&held, &complete, start, &[row("back")]);
        assert_eq!(removed, ["gone"]);
        let everything = vanished(&held, &complete, None, &[row("back")]);
        assert_eq!(everything, ["gone", "edge"]);
    }
}
