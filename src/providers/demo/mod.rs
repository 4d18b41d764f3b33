//! The built-in offline demo bank (`demo` provider): a sandbox institution that
//! needs no network and no storage of its own.
//!
//! Everything it reports is a pure function of the connection's seed (its UUID),
//! the sync cursor and today's date. Variation comes from a splitmix64 stream
//! keyed by a SHA-256 of the seed, so two connections see different amounts,
//! masks and ids while one connection always sees the same bank.
//!
//! # Accounts
//! *Everyday Checking* (USD, depository/checking), *Rewards Visa* (USD,
//! credit/credit card, limit 5,000.00) and *Euro Savings* (EUR,
//! depository/savings). Amounts follow Plaid's sign: positive = money leaving.
//!
//! # Where transactions come from
//! * **Calendar.** Every day from two years before the first sync onwards has
//!   its deterministic transactions: salary (negative) on the 15th and the last
//!   day of the month (earlier Friday on weekends), rent (positive) on the 1st,
//!   utilities, insurance, car loan, ATM, peer payments, a yearly tax refund on
//!   checking; groceries, coffee, restaurants, shopping, rides, subscriptions
//!   and refunds on the card; card autopay of the previous month's spending on
//!   the 5th (positive on checking, negative on the card); a transfer to savings
//!   on the 16th and interest on the last day of the month on savings. Days that
//!   have not happened yet (after the latest sync date) do not exist.
//! * **Churn.** Sync `k` also creates 2–5 small debit-card purchases on checking
//!   dated that sync's date (occasionally a refund).
//!
//! # Life cycle of a row
//! A calendar row is *pending* when it is revealed by a sync (initial history, or
//! days that passed since the previous sync) and is dated within the last three
//! days of that sync; churn rows are always pending when created. At the next
//! sync every pending row goes to `removed` and, normally, a posted row with a
//! new id and `pending_transaction_external_id` pointing at it goes to `added`
//! (restaurants gain their tip on settlement). About one churn row in five
//! disappears instead (authorisation dropped). The first churn row of each sync
//! always settles, and its posted row arrives "raw" (no merchant name, no
//! category); the sync after that enriches it, which is the batch's `modified`
//! row. The initial history carries one such raw row for sync 1 to enrich.
//! Therefore every sync after the initial one has non-empty `added`, `modified`
//! and `removed`.
//!
//! # Balances
//! Opening balances (per seed) minus the sum of posted amounts for depository
//! accounts; for the card, `balance_current` is the sum of posted amounts (the
//! amount owed). `balance_available` subtracts pending debits (available credit
//! for the card). Integer minor units throughout.
//!
//! # Cursor
//! `v1:<k>:<anchor>:<previous>:<last>` — `k` is the number of the sync that
//! produced it (0 for the initial one), `anchor` the date of the initial sync,
//! `last` the date of sync `k` and `previous` the date of sync `k - 1` (`-` for
//! `k = 0`). A sync's date is `max(today, last)`, so the bank's clock never runs
//! backwards. The state after sync `k` depends only on the seed, `anchor`, `k`
//! and the dates of syncs `k - 1` and `k`; each batch is the exact difference
//! between consecutive states, computed directly (linear in the number of days
//! and syncs, no full re-diff). An empty cursor counts as none, as in Plaid.
//!
//! # Scenarios (by username, like Plaid's sandbox users)
//! `demo_good` (or empty) works; `demo_reauth` succeeds once, then every sync
//! needs re-authentication; `demo_error` is down for linking and syncing.

mod accounts;
mod balances;
mod batch;
mod calendar;
mod churn;
mod cursor;
mod rng;
mod row;
mod templates;
#[cfg(test)]
mod tests;

use jiff::civil::Date;

use crate::providers::types::SyncBatch;

use self::batch::{initial_batch, next_batch};
use self::cursor::Cursor;
use self::rng::Seed;

/// Rows dated within this many days up to a sync's date (today included) arrive pending.
const PENDING_DAYS: i64 = 3;

/// Behaviour of a demo connection, chosen by the username typed at link time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoScenario {
    /// `demo_good` (or empty): everything works.
    #[default]
    Good,
    /// `demo_reauth`: the initial sync works, every later sync needs re-authentication.
    Reauth,
    /// `demo_error`: the bank is down.
    Error,
}

impl DemoScenario {
    /// Parses the link-time username; empty means `demo_good`.
    ///
    /// # Errors
    /// [`DemoError::UnknownUser`] for anything but the three demo usernames.
    pub fn from_username(username: &str) -> Result<Self, DemoError> {
        match username.trim() {
            "" | "demo_good" => Ok(Self::Good),
            "demo_reauth" => Ok(Self::Reauth),
            "demo_error" => Ok(Self::Error),
            other => Err(DemoError::UnknownUser(other.to_owned())),
        }
    }

    /// The canonical username of this scenario.
    #[must_use]
    pub fn username(self) -> &'static str {
        match self {
            Self::Good => "demo_good",
            Self::Reauth => "demo_reauth",
            Self::Error => "demo_error",
        }
    }
}

/// Why the demo bank refused a call.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum DemoError {
    #[error(
        "unknown demo username {0:?}: use \"demo_good\" (or leave it empty) for a working bank, \
         \"demo_reauth\" for one that needs re-authentication after the first sync, \
         or \"demo_error\" for one that is down"
    )]
    UnknownUser(String),
    #[error(
        "the demo bank needs re-authentication (username \"demo_reauth\"): update the connection's login"
    )]
    ReauthRequired,
    #[error("the demo bank is down (username \"demo_error\"); nothing can be fetched from it")]
    BankDown,
    #[error(
        "invalid demo sync cursor {0:?}: expected v1:<sync>:<anchor date>:<previous date or ->:<last date>"
    )]
    BadCursor(String),
}

/// The built-in sandbox bank. Stateless: every answer is recomputed from its inputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoBank;

impl DemoBank {
    /// Institution shown for demo connections.
    pub const INSTITUTION_ID: &'static str = "demo_bank";
    /// Display name of the demo institution.
    pub const INSTITUTION_NAME: &'static str = "Breadbox Demo Bank";

    /// Link-time check (synchronous call): the error scenario fails with `BankDown`.
    ///
    /// # Errors
    /// [`DemoError::UnknownUser`] for an unknown username, [`DemoError::BankDown`]
    /// for `demo_error` (answer 502).
    pub fn link(username: &str) -> Result<DemoScenario, DemoError> {
        match DemoScenario::from_username(username)? {
            DemoScenario::Error => Err(DemoError::BankDown),
            scenario => Ok(scenario),
        }
    }

    /// Incremental sync. `seed` is a stable per-connection string (the connection
    /// UUID); `cursor` is `None` (or empty) for the initial sync, else the
    /// `next_cursor` of the previous batch; `today` is the current date.
    ///
    /// # Errors
    /// [`DemoError::BankDown`] in the error scenario; [`DemoError::ReauthRequired`]
    /// for every sync after the initial one in the reauth scenario;
    /// [`DemoError::BadCursor`] for a cursor this bank did not produce.
    pub fn sync(
        seed: &str,
        scenario: DemoScenario,
        cursor: Option<&str>,
        today: Date,
    ) -> Result<SyncBatch, DemoError> {
        let cursor = cursor.map(str::trim).filter(|text| !text.is_empty());
        match (scenario, cursor) {
            (DemoScenario::Error, _) => Err(DemoError::BankDown),
            (DemoScenario::Reauth, Some(_)) => Err(DemoError::ReauthRequired),
            (_, None) => Ok(initial_batch(Seed::new(seed), today)),
            (_, Some(text)) => {
                let cursor = Cursor::parse(text)?;
                Ok(next_batch(Seed::new(seed), &cursor, today))
            }
        }
    }
}
