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

use jiff::Span;
use jiff::civil::{Date, Weekday};
use sha2::{Digest, Sha256};

use crate::providers::types::{AccountType, ProviderAccount, ProviderTransaction, SyncBatch};

/// Days of history in the initial sync, today included.
const HISTORY_DAYS: i64 = 730;
/// Rows dated within this many days up to a sync's date (today included) arrive pending.
const PENDING_DAYS: i64 = 3;
/// Credit limit of the demo card, in cents.
const CARD_LIMIT: i64 = 500_000;
/// Savings interest rate, in basis points per year.
const SAVINGS_RATE_BP: i64 = 250;
/// Average monthly card spending and variable checking outflows plus the
/// intended checking surplus, in cents: what salary must cover besides fixed costs.
const TYPICAL_MONTHLY_SPEND: i64 = 275_000;
/// Cursor format version prefix.
const CURSOR_VERSION: &str = "v1";

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Cursor
// ---------------------------------------------------------------------------

/// Decoded sync cursor: which sync produced it and the dates the state depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    sync: u64,
    anchor: Date,
    previous: Option<Date>,
    last: Date,
}

impl Cursor {
    fn parse(text: &str) -> Result<Self, DemoError> {
        let bad = || DemoError::BadCursor(text.chars().take(80).collect());
        let parts: Vec<&str> = text.split(':').collect();
        let [version, sync, anchor, previous, last] = parts.as_slice() else {
            return Err(bad());
        };
        if *version != CURSOR_VERSION {
            return Err(bad());
        }
        let date = |part: &str| part.parse::<Date>().map_err(|_| bad());
        let cursor = Self {
            sync: sync.parse().map_err(|_| bad())?,
            anchor: date(anchor)?,
            previous: if *previous == "-" {
                None
            } else {
                Some(date(previous)?)
            },
            last: date(last)?,
        };
        if cursor.is_consistent() {
            Ok(cursor)
        } else {
            Err(bad())
        }
    }

    fn is_consistent(&self) -> bool {
        if self.sync >= u64::from(u32::MAX) {
            return false;
        }
        match (self.sync, self.previous) {
            (0, None) => self.last == self.anchor,
            (1, Some(previous)) => previous == self.anchor && previous <= self.last,
            (2.., Some(previous)) => self.anchor <= previous && previous <= self.last,
            _ => false,
        }
    }

    fn encode(&self) -> String {
        let previous = self
            .previous
            .map_or_else(|| "-".to_owned(), |d| d.to_string());
        format!(
            "{CURSOR_VERSION}:{}:{}:{previous}:{}",
            self.sync, self.anchor, self.last
        )
    }
}

// ---------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------

/// Sync 0: the whole initial state goes to `added`.
fn initial_batch(seed: Seed, today: Date) -> SyncBatch {
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
    }
}

/// Sync `n = cursor.sync + 1`: settle what was pending, reveal new days and churn,
/// enrich the row that arrived raw last time.
fn next_batch(seed: Seed, cursor: &Cursor, today: Date) -> SyncBatch {
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
struct Window {
    lower: Date,
    upper: Date,
}

impl Window {
    fn contains(self, date: Date) -> bool {
        self.lower < date && date <= self.upper
    }
}

/// Pending days of the state produced on `current` when the previous sync ran on
/// `previous` (`None` for the initial sync): revealed by this sync and recent.
fn pending_window(previous: Option<Date>, current: Date) -> Window {
    let recent = add_days(current, -PENDING_DAYS);
    let lower = previous.map_or(recent, |previous| previous.max(recent));
    Window {
        lower,
        upper: current,
    }
}

// ---------------------------------------------------------------------------
// Accounts and balances
// ---------------------------------------------------------------------------

/// Which of the three demo accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acct {
    Checking,
    Card,
    Savings,
}

impl Acct {
    const ALL: [Self; 3] = [Self::Checking, Self::Card, Self::Savings];

    fn index(self) -> usize {
        match self {
            Self::Checking => 0,
            Self::Card => 1,
            Self::Savings => 2,
        }
    }

    fn currency(self) -> &'static str {
        match self {
            Self::Checking | Self::Card => "USD",
            Self::Savings => "EUR",
        }
    }

    /// Display name, official name, type, subtype.
    fn describe(self) -> (&'static str, &'static str, AccountType, &'static str) {
        match self {
            Self::Checking => (
                "Everyday Checking",
                "Breadbox Demo Bank Everyday Checking",
                AccountType::Depository,
                "checking",
            ),
            Self::Card => (
                "Rewards Visa",
                "Breadbox Demo Bank Rewards Visa Signature",
                AccountType::Credit,
                "credit card",
            ),
            Self::Savings => (
                "Euro Savings",
                "Breadbox Demo Bank Euro High-Yield Savings",
                AccountType::Depository,
                "savings",
            ),
        }
    }

    fn tag(self) -> u64 {
        match self {
            Self::Checking => 1,
            Self::Card => 2,
            Self::Savings => 3,
        }
    }
}

/// External ids of the three accounts of one connection.
struct AccountIds([String; 3]);

impl AccountIds {
    fn new(seed: Seed) -> Self {
        Self(
            Acct::ALL
                .map(|acct| format!("demo_acct_{:016x}", seed.hash(&[TAG_ACCOUNT, acct.tag()]))),
        )
    }

    fn get(&self, acct: Acct) -> &str {
        &self.0[acct.index()]
    }
}

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
fn accounts(
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

// ---------------------------------------------------------------------------
// Determinism: seed hashing and a splitmix64 stream
// ---------------------------------------------------------------------------

const TAG_ACCOUNT: u64 = 0xA1;
const TAG_MASK: u64 = 0xA2;
const TAG_PROFILE: u64 = 0xA3;
const TAG_DAY: u64 = 0xB1;
const TAG_CAL_POSTED: u64 = 0xB2;
const TAG_CAL_PENDING: u64 = 0xB3;
const TAG_CHURN: u64 = 0xC1;
const TAG_CHURN_POSTED: u64 = 0xC2;
const TAG_CHURN_PENDING: u64 = 0xC3;
const TAG_OPENING: u64 = 0xD1;

/// 64 bits derived from the connection's seed string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seed(u64);

impl Seed {
    fn new(text: &str) -> Self {
        let digest = Sha256::new()
            .chain_update(b"breadbox-demo-bank\0")
            .chain_update(text.as_bytes())
            .finalize();
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        Self(u64::from_le_bytes(bytes))
    }

    fn hash(self, parts: &[u64]) -> u64 {
        parts.iter().fold(mix(self.0), |acc, &part| {
            mix(acc ^ mix(part.wrapping_add(GOLDEN)))
        })
    }

    fn rng(self, parts: &[u64]) -> Rng {
        Rng(self.hash(parts))
    }

    fn tx_id(self, parts: &[u64]) -> String {
        format!("demo_tx_{:016x}", self.hash(parts))
    }
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// splitmix64 generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform-ish integer in `lo..=hi` (modulo bias is irrelevant here).
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.abs_diff(lo) + 1;
        lo.min(hi) + i64::try_from(self.next() % span).unwrap_or_default()
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let index = usize::try_from(self.next() >> 40).unwrap_or_default() % items.len();
        items[index]
    }
}

/// Stable numeric key of a date (`20250314`).
fn day_key(date: Date) -> u64 {
    let key =
        i64::from(date.year()) * 10_000 + i64::from(date.month()) * 100 + i64::from(date.day());
    u64::try_from(key).unwrap_or_default()
}

fn add_days(date: Date, days: i64) -> Date {
    date.saturating_add(Span::new().days(days))
}

/// First day of the initial history.
fn history_start(anchor: Date) -> Date {
    add_days(anchor, 1 - HISTORY_DAYS)
}

// ---------------------------------------------------------------------------
// Transaction templates (merchant, Plaid personal-finance category, channel)
// ---------------------------------------------------------------------------

/// What a kind of transaction looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Template {
    name: &'static str,
    merchant: Option<&'static str>,
    primary: &'static str,
    detailed: &'static str,
    channel: &'static str,
    /// Restaurants: the posted amount adds a tip to the authorised one.
    tipped: bool,
}

const fn t(
    name: &'static str,
    merchant: Option<&'static str>,
    primary: &'static str,
    detailed: &'static str,
    channel: &'static str,
) -> Template {
    Template {
        name,
        merchant,
        primary,
        detailed,
        channel,
        tipped: false,
    }
}

const fn tipped(name: &'static str, merchant: &'static str, detailed: &'static str) -> Template {
    Template {
        name,
        merchant: Some(merchant),
        primary: "FOOD_AND_DRINK",
        detailed,
        channel: "in store",
        tipped: true,
    }
}

const INSTORE: &str = "in store";
const ONLINE: &str = "online";
const OTHER: &str = "other";

const PAYROLL: Template = t(
    "ACME CORP PAYROLL DIRECT DEP",
    Some("Acme Corp"),
    "INCOME",
    "INCOME_WAGES",
    OTHER,
);
const TAX_REFUND: Template = t(
    "IRS TREAS 310 TAX REF",
    Some("IRS"),
    "INCOME",
    "INCOME_TAX_REFUND",
    OTHER,
);
const RENT: Template = t(
    "GREYSTAR RENT PAYMENT",
    Some("Greystar"),
    "RENT_AND_UTILITIES",
    "RENT_AND_UTILITIES_RENT",
    ONLINE,
);
const ELECTRIC: Template = t(
    "PGANDE WEB ONLINE PAYMENT",
    Some("Pacific Gas and Electric"),
    "RENT_AND_UTILITIES",
    "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
    ONLINE,
);
const INTERNET: Template = t(
    "COMCAST XFINITY",
    Some("Xfinity"),
    "RENT_AND_UTILITIES",
    "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
    ONLINE,
);
const PHONE: Template = t(
    "VERIZON WIRELESS PAYMENT",
    Some("Verizon"),
    "RENT_AND_UTILITIES",
    "RENT_AND_UTILITIES_TELEPHONE",
    ONLINE,
);
const INSURANCE: Template = t(
    "GEICO AUTO INSURANCE",
    Some("GEICO"),
    "GENERAL_SERVICES",
    "GENERAL_SERVICES_INSURANCE",
    ONLINE,
);
const CAR_LOAN: Template = t(
    "TOYOTA FINANCIAL SERVICES",
    Some("Toyota Financial Services"),
    "LOAN_PAYMENTS",
    "LOAN_PAYMENTS_CAR_PAYMENT",
    ONLINE,
);
const TO_SAVINGS: Template = t(
    "Transfer to Euro Savings",
    None,
    "TRANSFER_OUT",
    "TRANSFER_OUT_SAVINGS",
    OTHER,
);
const CARD_AUTOPAY: Template = t(
    "Rewards Visa autopay",
    None,
    "LOAN_PAYMENTS",
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    OTHER,
);
const ATM: Template = t(
    "ATM withdrawal",
    None,
    "TRANSFER_OUT",
    "TRANSFER_OUT_WITHDRAWAL",
    OTHER,
);
const VENMO_OUT: Template = t(
    "Venmo payment",
    Some("Venmo"),
    "TRANSFER_OUT",
    "TRANSFER_OUT_ACCOUNT_TRANSFER",
    ONLINE,
);
const VENMO_IN: Template = t(
    "Venmo cashout",
    Some("Venmo"),
    "TRANSFER_IN",
    "TRANSFER_IN_ACCOUNT_TRANSFER",
    ONLINE,
);
const CARD_PAYMENT_RECEIVED: Template = t(
    "Payment received - thank you",
    None,
    "LOAN_PAYMENTS",
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    OTHER,
);
const FROM_CHECKING: Template = t(
    "Transfer from Everyday Checking",
    None,
    "TRANSFER_IN",
    "TRANSFER_IN_SAVINGS",
    OTHER,
);
const INTEREST: Template = t(
    "Interest payment",
    None,
    "INCOME",
    "INCOME_INTEREST_EARNED",
    OTHER,
);

const fn grocery(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_GROCERIES",
        INSTORE,
    )
}
const fn coffee(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_COFFEE",
        INSTORE,
    )
}
const fn fast_food(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_FAST_FOOD",
        INSTORE,
    )
}
const fn shop(name: &'static str, detailed: &'static str, channel: &'static str) -> Template {
    t(name, Some(name), "GENERAL_MERCHANDISE", detailed, channel)
}
const fn ride(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "TRANSPORTATION",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        ONLINE,
    )
}
const fn gas(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "TRANSPORTATION",
        "TRANSPORTATION_GAS",
        INSTORE,
    )
}
const fn pharmacy(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "MEDICAL",
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
        INSTORE,
    )
}

const GROCERIES: [Template; 4] = [
    grocery("Whole Foods Market"),
    grocery("Trader Joe's"),
    grocery("Safeway"),
    grocery("Sprouts Farmers Market"),
];
const COFFEE: [Template; 4] = [
    coffee("Starbucks"),
    coffee("Blue Bottle Coffee"),
    coffee("Peet's Coffee"),
    coffee("Philz Coffee"),
];
const RESTAURANTS: [Template; 4] = [
    tipped("Sweetgreen", "Sweetgreen", "FOOD_AND_DRINK_RESTAURANT"),
    tipped(
        "The Cheesecake Factory",
        "The Cheesecake Factory",
        "FOOD_AND_DRINK_RESTAURANT",
    ),
    tipped("Olive Garden", "Olive Garden", "FOOD_AND_DRINK_RESTAURANT"),
    tipped("Nopa", "Nopa", "FOOD_AND_DRINK_RESTAURANT"),
];
const FAST_FOOD: [Template; 3] = [
    fast_food("Chipotle Mexican Grill"),
    fast_food("McDonald's"),
    fast_food("Taco Bell"),
];
const DOORDASH: Template = t(
    "DoorDash",
    Some("DoorDash"),
    "FOOD_AND_DRINK",
    "FOOD_AND_DRINK_RESTAURANT",
    ONLINE,
);
const AMAZON: Template = shop("Amazon", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", ONLINE);
const TARGET: Template = shop("Target", "GENERAL_MERCHANDISE_SUPERSTORES", INSTORE);
const REFUNDS: [Template; 2] = [
    t(
        "Amazon.com refund",
        Some("Amazon"),
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        ONLINE,
    ),
    t(
        "Target return",
        Some("Target"),
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_SUPERSTORES",
        INSTORE,
    ),
];
const GAS: [Template; 2] = [gas("Shell"), gas("Chevron")];
const RIDES: [Template; 2] = [ride("Uber"), ride("Lyft")];
const PHARMACIES: [Template; 2] = [pharmacy("CVS Pharmacy"), pharmacy("Walgreens")];
const NETFLIX: Template = t(
    "Netflix",
    Some("Netflix"),
    "ENTERTAINMENT",
    "ENTERTAINMENT_TV_AND_MOVIES",
    ONLINE,
);
const SPOTIFY: Template = t(
    "Spotify",
    Some("Spotify"),
    "ENTERTAINMENT",
    "ENTERTAINMENT_MUSIC_AND_AUDIO",
    ONLINE,
);
const GYM: Template = t(
    "Planet Fitness",
    Some("Planet Fitness"),
    "PERSONAL_CARE",
    "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
    ONLINE,
);
const PARKING: Template = t(
    "SFMTA Parking Meter",
    Some("SFMTA"),
    "TRANSPORTATION",
    "TRANSPORTATION_PARKING",
    INSTORE,
);
const DELI: Template = tipped(
    "Corner Deli & Cafe",
    "Corner Deli & Cafe",
    "FOOD_AND_DRINK_RESTAURANT",
);
const BAKERY: Template = tipped("Tartine Bakery", "Tartine Bakery", "FOOD_AND_DRINK_COFFEE");

/// Small debit-card purchases the churn draws from: (template, min cents, max cents).
const CHURN_KINDS: [(Template, i64, i64); 8] = [
    (coffee("Starbucks"), 375, 725),
    (coffee("Blue Bottle Coffee"), 450, 850),
    (DELI, 900, 2_400),
    (BAKERY, 600, 1_800),
    (PARKING, 200, 800),
    (pharmacy("Walgreens"), 400, 2_200),
    (ride("Lyft"), 700, 2_500),
    (fast_food("Chipotle Mexican Grill"), 1_000, 1_700),
];

// ---------------------------------------------------------------------------
// Calendar: the deterministic day-by-day history
// ---------------------------------------------------------------------------

/// Per-connection amounts that stay fixed for the life of the connection.
#[derive(Debug, Clone, Copy)]
struct Profile {
    salary: i64,
    rent: i64,
    to_savings: i64,
    insurance: i64,
    car_loan: i64,
    /// Opening balances (checking, card unused, savings) at the start of the warm-up.
    opening: [i64; 3],
}

impl Profile {
    fn new(seed: Seed) -> Self {
        let mut rng = seed.rng(&[TAG_PROFILE]);
        let salary = rng.between(3_100, 3_300) * 100;
        let rent = rng.between(70, 78) * 2_500;
        let insurance = rng.between(9_800, 16_500);
        let car_loan = rng.between(32_000, 44_000);
        // Save what is left after fixed costs and typical spending, keeping a
        // small monthly surplus so checking neither runs dry nor piles up.
        let surplus = 2 * salary - rent - insurance - car_loan - TYPICAL_MONTHLY_SPEND;
        Self {
            salary,
            rent,
            to_savings: (surplus / 5_000 * 5_000).max(20_000),
            insurance,
            car_loan,
            opening: [
                rng.between(250_000, 600_000),
                0,
                rng.between(500_000, 1_200_000),
            ],
        }
    }
}

/// One calendar transaction.
#[derive(Debug, Clone, Copy)]
struct Event {
    acct: Acct,
    date: Date,
    /// Position within its day: with the date, the row's identity.
    slot: u64,
    template: Template,
    /// Authorised amount (what a pending row shows).
    amount: i64,
    /// Final amount (differs by the tip for restaurants).
    posted_amount: i64,
}

impl Event {
    fn pending_id(&self, seed: Seed) -> String {
        seed.tx_id(&[TAG_CAL_PENDING, day_key(self.date), self.slot])
    }

    fn pending_row(&self, seed: Seed) -> RowSpec {
        RowSpec {
            id: self.pending_id(seed),
            acct: self.acct,
            date: self.date,
            template: self.template,
            amount: self.amount,
            pending: true,
            pending_of: None,
            raw: false,
        }
    }

    /// The posted row; `settled` = it replaces a pending row.
    fn posted_row(&self, seed: Seed, settled: bool) -> RowSpec {
        RowSpec {
            id: seed.tx_id(&[TAG_CAL_POSTED, day_key(self.date), self.slot]),
            acct: self.acct,
            date: self.date,
            template: self.template,
            amount: self.posted_amount,
            pending: false,
            pending_of: settled.then(|| self.pending_id(seed)),
            raw: false,
        }
    }
}

/// Running state the generator carries from day to day.
struct Ledger {
    profile: Profile,
    card_this_month: i64,
    card_last_month: i64,
    savings_owned: i64,
}

/// Collects one day's events.
struct Day<'a> {
    date: Date,
    rng: Rng,
    slot: u64,
    out: &'a mut Vec<Event>,
}

impl Day<'_> {
    fn push(&mut self, acct: Acct, template: Template, amount: i64) -> i64 {
        let posted_amount = if template.tipped {
            amount + amount * self.rng.between(15, 22) / 100
        } else {
            amount
        };
        self.out.push(Event {
            acct,
            date: self.date,
            slot: self.slot,
            template,
            amount,
            posted_amount,
        });
        self.slot += 1;
        posted_amount
    }

    fn is_weekday(&self) -> bool {
        !matches!(self.date.weekday(), Weekday::Saturday | Weekday::Sunday)
    }
}

/// All calendar events from the warm-up (two months before the history) to `until`,
/// in date order. Rows before `history_start(anchor)` only feed the opening balances.
fn calendar(seed: Seed, anchor: Date, until: Date) -> Vec<Event> {
    let start = history_start(anchor)
        .first_of_month()
        .saturating_sub(Span::new().months(2));
    let profile = Profile::new(seed);
    let mut ledger = Ledger {
        profile,
        card_this_month: 0,
        card_last_month: 0,
        savings_owned: profile.opening[Acct::Savings.index()],
    };
    let mut out = Vec::with_capacity(3_000);
    let mut date = start;
    while date <= until {
        let mut day = Day {
            date,
            rng: seed.rng(&[TAG_DAY, day_key(date)]),
            slot: 0,
            out: &mut out,
        };
        if date.day() == 1 {
            ledger.card_last_month = ledger.card_this_month;
            ledger.card_this_month = 0;
        }
        checking_day(&mut day, &ledger);
        ledger.card_this_month += card_day(&mut day);
        savings_day(&mut day, &mut ledger);
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    out
}

/// Last weekday on or before `date`.
fn business_day_on_or_before(date: Date) -> Date {
    match date.weekday() {
        Weekday::Saturday => add_days(date, -1),
        Weekday::Sunday => add_days(date, -2),
        _ => date,
    }
}

fn is_payday(date: Date) -> bool {
    let mid = add_days(date.first_of_month(), 14);
    date == business_day_on_or_before(mid)
        || date == business_day_on_or_before(date.last_of_month())
}

fn checking_day(day: &mut Day<'_>, ledger: &Ledger) {
    let profile = ledger.profile;
    let checking = Acct::Checking;
    if is_payday(day.date) {
        day.push(checking, PAYROLL, -profile.salary);
    }
    match day.date.day() {
        1 => {
            day.push(checking, RENT, profile.rent);
        }
        5 if ledger.card_last_month > 0 => {
            day.push(checking, CARD_AUTOPAY, ledger.card_last_month);
            day.push(Acct::Card, CARD_PAYMENT_RECEIVED, -ledger.card_last_month);
        }
        8 => {
            let seasonal = match day.date.month() {
                12 | 1 | 2 => 6_000,
                6..=8 => 4_500,
                _ => 1_500,
            };
            let amount = 5_500 + seasonal + day.rng.between(0, 3_000);
            day.push(checking, ELECTRIC, amount);
        }
        12 => {
            day.push(checking, INTERNET, 7_999);
        }
        18 => {
            let amount = 6_500 + day.rng.between(0, 4) * 125;
            day.push(checking, PHONE, amount);
        }
        20 => {
            day.push(checking, INSURANCE, profile.insurance);
        }
        22 => {
            day.push(checking, CAR_LOAN, profile.car_loan);
        }
        _ => {}
    }
    if day.date.month() == 4 && day.date.day() == 18 {
        let amount = day.rng.between(400, 1_800) * 100;
        day.push(checking, TAX_REFUND, -amount);
    }
    if day.rng.chance(5) {
        let amount = day.rng.pick(&[4_000, 6_000, 8_000, 10_000, 20_000]);
        day.push(checking, ATM, amount);
    }
    if day.rng.chance(4) {
        let amount = day.rng.between(15, 60) * 100;
        day.push(checking, VENMO_OUT, amount);
    }
    if day.rng.chance(2) {
        let amount = day.rng.between(1_000, 8_000);
        day.push(checking, VENMO_IN, -amount);
    }
}

/// The card's purchases and refunds of one day; returns their posted total.
fn card_day(day: &mut Day<'_>) -> i64 {
    let card = Acct::Card;
    let mut total = 0;
    match day.date.day() {
        2 => total += day.push(card, GYM, 2_499),
        7 => total += day.push(card, NETFLIX, 1_549),
        12 => total += day.push(card, SPOTIFY, 1_199),
        _ => {}
    }
    let coffee_odds = if day.is_weekday() { 65 } else { 35 };
    let draws: [(&[Template], u64, i64, i64); 10] = [
        (&GROCERIES, 32, 2_500, 16_000),
        (&COFFEE, coffee_odds, 375, 750),
        (&RESTAURANTS, 20, 1_400, 8_500),
        (&FAST_FOOD, 10, 700, 1_600),
        (&[DOORDASH], 6, 1_800, 5_500),
        (&[AMAZON], 14, 1_200, 14_000),
        (&GAS, 9, 3_000, 6_500),
        (&RIDES, 10, 900, 3_800),
        (&[TARGET], 6, 1_500, 12_000),
        (&PHARMACIES, 3, 600, 4_500),
    ];
    for (templates, odds, lo, hi) in draws {
        if day.rng.chance(odds) {
            let template = day.rng.pick(templates);
            let amount = day.rng.between(lo, hi);
            total += day.push(card, template, amount);
        }
    }
    if day.rng.chance(2) {
        let template = day.rng.pick(&REFUNDS);
        let amount = day.rng.between(1_000, 8_000);
        total += day.push(card, template, -amount);
    }
    total
}

fn savings_day(day: &mut Day<'_>, ledger: &mut Ledger) {
    let savings = Acct::Savings;
    if day.date.day() == 16 {
        let usd = ledger.profile.to_savings;
        let eur_per_100_usd_bp = day.rng.between(8_800, 9_500);
        let eur = usd * eur_per_100_usd_bp / 10_000;
        day.push(Acct::Checking, TO_SAVINGS, usd);
        ledger.savings_owned += eur;
        day.push(savings, FROM_CHECKING, -eur);
    }
    if day.date == day.date.last_of_month() {
        let interest = ledger.savings_owned * SAVINGS_RATE_BP / 10_000 / 12;
        if interest > 0 {
            ledger.savings_owned += interest;
            day.push(savings, INTEREST, -interest);
        }
    }
}

// ---------------------------------------------------------------------------
// Churn: the few fresh pending purchases of every sync
// ---------------------------------------------------------------------------

/// One purchase created pending by a sync.
#[derive(Debug, Clone, Copy)]
struct ChurnItem {
    index: u64,
    template: Template,
    amount: i64,
    posted_amount: i64,
    /// Dropped at the next sync instead of settling (never for index 0).
    disappears: bool,
}

impl ChurnItem {
    fn pending_id(&self, seed: Seed, sync: u64) -> String {
        seed.tx_id(&[TAG_CHURN_PENDING, sync, self.index])
    }

    fn pending_row(&self, seed: Seed, sync: u64, date: Date) -> RowSpec {
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
    fn posted_row(&self, seed: Seed, sync: u64, date: Date, state: u64) -> RowSpec {
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
fn churn(seed: Seed, sync: u64) -> Vec<ChurnItem> {
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
fn opening_item(seed: Seed) -> ChurnItem {
    churn_item(&mut seed.rng(&[TAG_OPENING]), 0)
}

/// That row as seen in the initial state (`raw`) or any later one.
fn opening_row(seed: Seed, anchor: Date, raw: bool) -> RowSpec {
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

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

/// Everything needed to build one `ProviderTransaction`.
#[derive(Debug, Clone)]
struct RowSpec {
    id: String,
    acct: Acct,
    date: Date,
    template: Template,
    amount: i64,
    pending: bool,
    pending_of: Option<String>,
    /// Not yet enriched: no merchant name, no category.
    raw: bool,
}

impl RowSpec {
    fn build(self, ids: &AccountIds) -> ProviderTransaction {
        let template = self.template;
        let enriched = !self.raw;
        let card_like = template.channel != OTHER;
        ProviderTransaction {
            external_id: self.id,
            account_external_id: ids.get(self.acct).to_owned(),
            amount: self.amount,
            iso_currency_code: self.acct.currency().to_owned(),
            date: self.date,
            authorized_date: card_like.then_some(self.date),
            datetime: None,
            name: template.name.to_owned(),
            merchant_name: template.merchant.filter(|_| enriched).map(str::to_owned),
            category_primary: enriched.then(|| template.primary.to_owned()),
            category_detailed: enriched.then(|| template.detailed.to_owned()),
            payment_channel: Some(template.channel.to_owned()),
            pending: self.pending,
            pending_transaction_external_id: self.pending_of,
        }
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    use jiff::civil::date;

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

    #[test]
    fn the_same_inputs_give_the_same_batches() {
        let dates = [today(), today(), date(2025, 3, 16)];
        assert_eq!(run(SEED, &dates), run(SEED, &dates));
    }

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
    fn a_bad_cursor_is_rejected() {
        for cursor in [
            "garbage",
            "v2:0:2025-03-14:-:2025-03-14",
            "v1:x:2025-03-14:-:2025-03-14",
            "v1:0:2025-03-14:-:2025-03-15",
            "v1:1:2025-03-14:-:2025-03-14",
            "v1:2:2025-03-14:2025-03-20:2025-03-16",
            "v1:3:2025-02-30:2025-03-14:2025-03-14",
            "v1:18446744073709551615:2025-03-14:2025-03-14:2025-03-14",
        ] {
            let result = DemoBank::sync(SEED, DemoScenario::Good, Some(cursor), today());
            assert!(
                matches!(result, Err(DemoError::BadCursor(_))),
                "{cursor}: {result:?}"
            );
        }
    }

    #[test]
    fn the_reauth_scenario_syncs_once_then_needs_reauthentication() {
        assert_eq!(DemoBank::link("demo_reauth"), Ok(DemoScenario::Reauth));
        let first = DemoBank::sync(SEED, DemoScenario::Reauth, None, today()).expect("initial");
        assert_eq!(first.accounts.len(), 3);
        let cursor = first.next_cursor.as_deref();
        let second = DemoBank::sync(SEED, DemoScenario::Reauth, cursor, today());
        assert_eq!(second, Err(DemoError::ReauthRequired));
    }

    #[test]
    fn the_error_scenario_fails_link_and_sync_with_bank_down() {
        assert_eq!(DemoBank::link("demo_error"), Err(DemoError::BankDown));
        assert_eq!(
            DemoBank::sync(SEED, DemoScenario::Error, None, today()),
            Err(DemoError::BankDown)
        );
        let cursor = Some("v1:0:2025-03-14:-:2025-03-14");
        assert_eq!(
            DemoBank::sync(SEED, DemoScenario::Error, cursor, today()),
            Err(DemoError::BankDown)
        );
    }

    #[test]
    fn usernames_map_to_scenarios_and_unknown_ones_are_explained() {
        assert_eq!(DemoScenario::from_username(""), Ok(DemoScenario::Good));
        assert_eq!(
            DemoScenario::from_username("demo_good"),
            Ok(DemoScenario::Good)
        );
        assert_eq!(DemoBank::link("demo_good"), Ok(DemoScenario::Good));
        assert_eq!(DemoScenario::Reauth.username(), "demo_reauth");
        let error = DemoScenario::from_username("user_good").expect_err("unknown");
        assert_eq!(error, DemoError::UnknownUser("user_good".to_owned()));
        let message = error.to_string();
        for name in ["demo_good", "demo_reauth", "demo_error", "user_good"] {
            assert!(message.contains(name), "{message}");
        }
        assert!(matches!(
            DemoBank::link("bob"),
            Err(DemoError::UnknownUser(_))
        ));
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

    #[test]
    fn a_long_lived_connection_still_syncs_quickly() {
        let cursor = "v1:5000:2025-03-14:2026-03-13:2026-03-14";
        let start = std::time::Instant::now();
        let batch = DemoBank::sync(SEED, DemoScenario::Good, Some(cursor), date(2026, 3, 14))
            .expect("sync");
        assert!(!batch.modified.is_empty() && !batch.removed.is_empty());
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
