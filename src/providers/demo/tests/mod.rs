//! Tests of the demo bank, mostly through its public API, and their shared
//! fixtures: fixed seeds and date, and helpers that run a sequence of syncs.

mod incremental;
mod initial;
mod scenarios;

use std::collections::HashMap;

use jiff::civil::{Date, date};

use super::{DemoBank, DemoScenario};
use crate::providers::types::{ProviderAccount, ProviderTransaction, SyncBatch};

const SEED: &str = "0191f3a2-7c1d-7b21-9a55-3c0f5e8d1a42";
const OTHER_SEED: &str = "0191f3a2-7c1d-7b21-9a55-3c0f5e8d1a43";

fn today() -> Date {
    date(2025, 3, 14)
}

fn initial(seed: &str) -> SyncBatch {
    DemoBank::sync(seed, DemoScenario::Good, None, today()).expect("initial sync")
}

/// Runs syncs 0..=dates.len()-1 with those `today`s and returns every batch.
fn run(seed: &str, dates: &[Date]) -> Vec<SyncBatch> {
    let mut cursor: Option<String> = None;
    dates
        .iter()
        .map(|&day| {
            let batch =
                DemoBank::sync(seed, DemoScenario::Good, cursor.as_deref(), day).expect("sync");
            cursor.clone_from(&batch.next_cursor);
            batch
        })
        .collect()
}

fn same_day(count: usize) -> Vec<Date> {
    vec![today(); count]
}

fn by_id(rows: &[ProviderTransaction]) -> HashMap<String, ProviderTransaction> {
    rows.iter()
        .map(|row| (row.external_id.clone(), row.clone()))
        .collect()
}

fn account<'a>(batch: &'a SyncBatch, subtype: &str) -> &'a ProviderAccount {
    batch
        .accounts
        .iter()
        .find(|a| a.subtype.as_deref() == Some(subtype))
        .expect("account")
}
