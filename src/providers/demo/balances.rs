//! Account balances of a state: opening balances minus posted sums, with pending
//! debits held against the available balance (available credit for the card).

use jiff::civil::Date;

use crate::providers::types::ProviderAccount;

use super::accounts::{AccountIds, Acct};
use super::batch::pending_window;
use super::calendar::{Event, Profile};
use super::churn::{churn, opening_item};
use super::rng::{Seed, TAG_MASK};

/// Credit limit of the demo card, in cents.
const CARD_LIMIT: i64 = 500_000;

/// Per-account sums of a state, in cents.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    posted: [i64; 3],
    pending_debits: [i64; 3],
}

impl Sums {
    fn post(&mut self, acct: Acct, amount: i64) {
        self.posted[acct.index()] += amount;
    }

    fn hold(&mut self, acct: Acct, amount: i64) {
        self.pending_debits[acct.index()] += amount.max(0);
    }
}

/// The three accounts with balances of state `n` (dated `current`, previous sync on `previous`).
pub(super) fn accounts(
    seed: Seed,
    events: &[Event],
    n: u64,
    previous: Option<Date>,
    current: Date,
) -> Vec<ProviderAccount> {
    let sums = state_sums(seed, events, n, previous, current);
    let ids = AccountIds::new(seed);
    let profile = Profile::new(seed);
    Acct::ALL
        .iter()
        .map(|&acct| {
            let i = acct.index();
            let (posted, holds) = (sums.posted[i], sums.pending_debits[i]);
            let (current_balance, available, limit) = match acct {
                Acct::Card => (
                    posted,
                    (CARD_LIMIT - posted - holds).max(0),
                    Some(CARD_LIMIT),
                ),
                Acct::Checking | Acct::Savings => {
                    let current = profile.opening[i] - posted;
                    (current, current - holds, None)
                }
            };
            let (name, official, account_type, subtype) = acct.describe();
            ProviderAccount {
                external_id: ids.get(acct).to_owned(),
                name: name.to_owned(),
                official_name: Some(official.to_owned()),
                account_type,
                subtype: Some(subtype.to_owned()),
                mask: Some(format!(
                    "{:04}",
                    seed.hash(&[TAG_MASK, acct.tag()]) % 10_000
                )),
                balance_current: Some(current_balance),
                balance_available: Some(available),
                balance_limit: limit,
                iso_currency_code: acct.currency().to_owned(),
            }
        })
        .collect()
}

/// Posted sums and pending debits of state `n`, from the calendar (warm-up included)
/// and all churn so far.
fn state_sums(seed: Seed, events: &[Event], n: u64, previous: Option<Date>, current: Date) -> Sums {
    let window = pending_window(previous, current);
    let mut sums = Sums::default();
    for event in events.iter().filter(|event| event.date <= current) {
        if window.contains(event.date) {
            sums.hold(event.acct, event.amount);
        } else {
            sums.post(event.acct, event.posted_amount);
        }
    }
    sums.post(Acct::Checking, opening_item(seed).posted_amount);
    for k in 0..n {
        for item in churn(seed, k).iter().filter(|item| !item.disappears) {
            sums.post(Acct::Checking, item.posted_amount);
        }
    }
    for item in churn(seed, n) {
        sums.hold(Acct::Checking, item.amount);
    }
    sums
}
