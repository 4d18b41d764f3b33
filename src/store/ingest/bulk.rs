//! Bulk-write helpers: a larger page cache for the duration of a big write, and the
//! order large batches are written in (dates front to back, where order cannot change the
//! outcome).

use std::cmp::Ordering;

use rusqlite::Connection;

use crate::error::Result;
use crate::providers::types::ProviderTransaction;

/// Rows above which a write gets a larger page cache for its duration.
const BULK_ROWS: usize = 5_000;
/// Page cache for bulk writes (KiB; `PRAGMA cache_size` takes it negated). Temporary.
const BULK_CACHE_KIB: i64 = 128 * 1024;
/// SQLite's default page cache (KiB).
const DEFAULT_CACHE_KIB: i64 = 2 * 1024;

/// Runs `f` with a 128 MiB page cache when `rows` is large: index pages of a million-row
/// table then stay in memory instead of being re-read for every insert. The write gate
/// (`Db::write_blocking`) shrinks the cache back with [`release_bulk_cache`] once the
/// transaction has ended, so a quiet server stays small.
pub fn with_bulk_cache<T>(
    conn: &Connection,
    rows: usize,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    if rows >= BULK_ROWS {
        conn.pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
    }
    f()
}

/// After a write transaction has ended (committed or rolled back): when it raised the page
/// cache, sets the default size back and frees every cached page. Shrinking inside the
/// transaction frees nothing, because pages not yet committed are pinned: a 50,000-row
/// import used to leave ~14 MB of pages allocated for good (`cargo bench --bench memory`).
pub fn release_bulk_cache(conn: &Connection) -> rusqlite::Result<()> {
    let kib: i64 = conn
        .prepare_cached("PRAGMA cache_size")?
        .query_row([], |r| r.get(0))?;
    if kib == -DEFAULT_CACHE_KIB {
        return Ok(());
    }
    conn.pragma_update(None, "cache_size", -DEFAULT_CACHE_KIB)?;
    conn.execute_batch("PRAGMA shrink_memory")
}

/// `rows` sorted by `cmp` when there are many of them (a stable sort: equal rows keep their
/// order), else as given. Writing a large batch in date order fills the date indexes front
/// to back instead of landing every row on a random page of a million-row index:
/// `cargo bench --bench ingest` went from ~18k to ~25k rows/s for a 200k-row sync.
pub fn bulk_order<T>(rows: &[T], mut cmp: impl FnMut(&T, &T) -> Ordering) -> Vec<&T> {
    let mut ordered: Vec<&T> = rows.iter().collect();
    if rows.len() >= BULK_ROWS {
        ordered.sort_by(|a, b| cmp(a, b));
    }
    ordered
}

/// A sync's `added` rows in bulk order by (account, date), where order cannot change the
/// outcome: a row retiring a pending row goes after every row that does not (its pending
/// row may be in the batch), and a batch naming an `external_id` twice keeps the provider's
/// order (the later copy must win).
pub(super) fn sync_order(rows: &[ProviderTransaction]) -> Vec<&ProviderTransaction> {
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    if !rows.iter().all(|t| seen.insert(t.external_id.as_str())) {
        return rows.iter().collect();
    }
    bulk_order(rows, |a, b| {
        (
            a.pending_transaction_external_id.is_some(),
            &a.account_external_id,
            a.date,
        )
            .cmp(&(
                b.pending_transaction_external_id.is_some(),
                &b.account_external_id,
                b.date,
            ))
    })
}

#[cfg(test)]
mod tests {
    use jiff::civil::Date;

    use super::*;

    fn tx(external_id: &str, day: i16, replaces: Option<&str>) -> ProviderTransaction {
        ProviderTransaction {
            external_id: external_id.to_owned(),
            account_external_id: "acc".into(),
            amount: 100,
            iso_currency_code: "USD".into(),
            date: Date::new(2024, 1, 1)
                .unwrap()
                .checked_add(jiff::Span::new().days(day))
                .unwrap(),
            authorized_date: None,
            datetime: None,
            name: "Shop".into(),
            merchant_name: None,
            category_primary: None,
            category_detailed: None,
            payment_channel: None,
            pending: replaces.is_none(),
            pending_transaction_external_id: replaces.map(str::to_owned),
        }
    }

    /// Days that cycle through a year, like unsorted history.
    fn big_batch() -> Vec<ProviderTransaction> {
        (0..BULK_ROWS)
            .map(|i| {
                let day = i16::try_from(i * 37 % 366).unwrap();
                tx(&format!("t{i}"), day, None)
            })
            .collect()
    }

    #[test]
    fn large_batches_are_written_in_date_order_with_retiring_rows_last() {
        let mut rows = big_batch();
        // A posted row dated before the pending row it retires, listed after it.
        rows.push(tx("pending", 300, None));
        rows.push(tx("posted", 0, Some("pending")));
        let order = sync_order(&rows);
        assert_eq!(order.len(), rows.len());
        assert_eq!(order.last().unwrap().external_id, "posted");
        assert!(order[..order.len() - 1].is_sorted_by_key(|t| t.date));
        let pending_at = order.iter().position(|t| t.external_id == "pending");
        assert!(pending_at < Some(order.len() - 1));
    }

    fn cache_kib(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap()
    }

    /// The bulk cache lasts for its transaction only, whether that commits or fails.
    #[test]
    fn the_write_gate_shrinks_the_bulk_cache_after_the_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::store::Db::open_in(dir.path()).unwrap();
        let during = db
            .write_blocking(|tx| with_bulk_cache(tx, BULK_ROWS, || Ok(cache_kib(tx))))
            .unwrap();
        assert_eq!(during, -BULK_CACHE_KIB);
        let after = db.write_blocking(|tx| Ok(cache_kib(tx))).unwrap();
        assert_eq!(after, -DEFAULT_CACHE_KIB);
        let failed = db.write_blocking(|tx| {
            with_bulk_cache(tx, BULK_ROWS, || -> Result<()> {
                Err(crate::error::Error::Validation("no".into()))
            })
        });
        assert!(failed.is_err());
        let after = db.write_blocking(|tx| Ok(cache_kib(tx))).unwrap();
        assert_eq!(after, -DEFAULT_CACHE_KIB);
        let small = db
            .write_blocking(|tx| with_bulk_cache(tx, 10, || Ok(cache_kib(tx))))
            .unwrap();
        assert_eq!(small, -DEFAULT_CACHE_KIB);
    }

    #[test]
    fn small_batches_and_repeated_ids_keep_the_provider_order() {
        let small: Vec<_> = (0..10)
            .map(|i| tx(&format!("t{i}"), 10 - i, None))
            .collect();
        let ids = |v: Vec<&ProviderTransaction>| -> Vec<String> {
            v.into_iter().map(|t| t.external_id.clone()).collect()
        };
        let given = |v: &[ProviderTransaction]| -> Vec<String> {
            v.iter().map(|t| t.external_id.clone()).collect()
        };
        assert_eq!(ids(sync_order(&small)), given(&small));
        let mut repeated = big_batch();
        repeated.push(tx("t0", 200, None)); // a later copy of t0 must still come last
        assert_eq!(ids(sync_order(&repeated)), given(&repeated));
    }
}
