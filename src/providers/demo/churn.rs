//! Churn: the 2–5 fresh pending purchases of every sync, how they settle or
//! disappear, and the raw row of the initial history that sync 1 enriches.

use jiff::civil::Date;

use super::PENDING_DAYS;
use super::accounts::Acct;
use super::calendar::add_days;
use super::rng::{Rng, Seed, TAG_CHURN, TAG_CHURN_PENDING, TAG_CHURN_POSTED, TAG_OPENING};
use super::row::RowSpec;
use super::templates::{CHURN_KINDS, REFUNDS, Template};

/// One purchase created pending by a sync.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChurnItem {
    index: u64,
    template: Template,
    pub(super) amount: i64,
    pub(super) posted_amount: i64,
    /// Dropped at the next sync instead of settling (never for index 0).
    pub(super) disappears: bool,
}

impl ChurnItem {
    pub(super) fn pending_id(&self, seed: Seed, sync: u64) -> String {
        seed.tx_id(&[TAG_CHURN_PENDING, sync, self.index])
    }

    pub(super) fn pending_row(&self, seed: Seed, sync: u64, date: Date) -> RowSpec {
        RowSpec {
            id: self.pending_id(seed, sync),
            acct: Acct::Checking,
            date,
            template: self.template,
            amount: self.amount,
            pending: true,
            pending_of: None,
            raw: false,
        }
    }

    /// The posted row that sync `sync + 1` creates for it, as seen in state `state`:
    /// the first item's row is raw in state `sync + 1` and enriched afterwards.
    pub(super) fn posted_row(&self, seed: Seed, sync: u64, date: Date, state: u64) -> RowSpec {
        RowSpec {
            id: seed.tx_id(&[TAG_CHURN_POSTED, sync, self.index]),
            acct: Acct::Checking,
            date,
            template: self.template,
            amount: self.posted_amount,
            pending: false,
            pending_of: Some(self.pending_id(seed, sync)),
            raw: self.index == 0 && state == sync + 1,
        }
    }
}

/// The 2–5 purchases sync `sync` creates.
pub(super) fn churn(seed: Seed, sync: u64) -> Vec<ChurnItem> {
    let mut rng = seed.rng(&[TAG_CHURN, sync]);
    let count = 2 + rng.next() % 4;
    (0..count)
        .map(|index| {
            let mut item = churn_item(&mut rng, index);
            item.disappears = index > 0 && rng.chance(20);
            item
        })
        .collect()
}

fn churn_item(rng: &mut Rng, index: u64) -> ChurnItem {
    if index > 0 && rng.chance(10) {
        let template = rng.pick(&REFUNDS);
        let amount = -rng.between(500, 3_500);
        return ChurnItem {
            index,
            template,
            amount,
            posted_amount: amount,
            disappears: false,
        };
    }
    let (template, lo, hi) = rng.pick(&CHURN_KINDS);
    let amount = rng.between(lo, hi);
    let posted_amount = if template.tipped {
        amount + amount * rng.between(15, 22) / 100
    } else {
        amount
    };
    ChurnItem {
        index,
        template,
        amount,
        posted_amount,
        disappears: false,
    }
}

/// The raw row of the initial history that sync 1 enriches.
pub(super) fn opening_item(seed: Seed) -> ChurnItem {
    churn_item(&mut seed.rng(&[TAG_OPENING]), 0)
}

/// That row as seen in the initial state (`raw`) or any later one.
pub(super) fn opening_row(seed: Seed, anchor: Date, raw: bool) -> RowSpec {
    let item = opening_item(seed);
    RowSpec {
        id: seed.tx_id(&[TAG_OPENING]),
        acct: Acct::Checking,
        date: add_days(anchor, -PENDING_DAYS),
        template: item.template,
        amount: item.posted_amount,
        pending: false,
        pending_of: None,
        raw,
    }
}
