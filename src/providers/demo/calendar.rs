//! The calendar: the deterministic day-by-day history of the three accounts
//! (salary, rent, bills, card spending, transfers and interest).

use jiff::Span;
use jiff::civil::{Date, Weekday};

use super::accounts::Acct;
use super::rng::{Rng, Seed, TAG_CAL_PENDING, TAG_CAL_POSTED, TAG_DAY, TAG_PROFILE, day_key};
use super::row::RowSpec;
use super::templates::{
    AMAZON, ATM, CAR_LOAN, CARD_AUTOPAY, CARD_PAYMENT_RECEIVED, COFFEE, DOORDASH, ELECTRIC,
    FAST_FOOD, FROM_CHECKING, GAS, GROCERIES, GYM, INSURANCE, INTEREST, INTERNET, NETFLIX, PAYROLL,
    PHARMACIES, PHONE, REFUNDS, RENT, RESTAURANTS, RIDES, SPOTIFY, TARGET, TAX_REFUND, TO_SAVINGS,
    Template, VENMO_IN, VENMO_OUT,
};

/// Days of history in the initial sync, today included.
const HISTORY_DAYS: i64 = 730;
/// Savings interest rate, in basis points per year.
const SAVINGS_RATE_BP: i64 = 250;
/// Average monthly card spending and variable checking outflows plus the
/// intended checking surplus, in cents: what salary must cover besides fixed costs.
const TYPICAL_MONTHLY_SPEND: i64 = 275_000;

pub(super) fn add_days(date: Date, days: i64) -> Date {
    date.saturating_add(Span::new().days(days))
}

/// First day of the initial history.
pub(super) fn history_start(anchor: Date) -> Date {
    add_days(anchor, 1 - HISTORY_DAYS)
}

/// Per-connection amounts that stay fixed for the life of the connection.
#[derive(Debug, Clone, Copy)]
pub(super) struct Profile {
    salary: i64,
    rent: i64,
    to_savings: i64,
    insurance: i64,
    car_loan: i64,
    /// Opening balances (checking, card unused, savings) at the start of the warm-up.
    pub(super) opening: [i64; 3],
}

impl Profile {
    pub(super) fn new(seed: Seed) -> Self {
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
pub(super) struct Event {
    pub(super) acct: Acct,
    pub(super) date: Date,
    /// Position within its day: with the date, the row's identity.
    slot: u64,
    template: Template,
    /// Authorised amount (what a pending row shows).
    pub(super) amount: i64,
    /// Final amount (differs by the tip for restaurants).
    pub(super) posted_amount: i64,
}

impl Event {
    pub(super) fn pending_id(&self, seed: Seed) -> String {
        seed.tx_id(&[TAG_CAL_PENDING, day_key(self.date), self.slot])
    }

    pub(super) fn pending_row(&self, seed: Seed) -> RowSpec {
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
    pub(super) fn posted_row(&self, seed: Seed, settled: bool) -> RowSpec {
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
pub(super) fn calendar(seed: Seed, anchor: Date, until: Date) -> Vec<Event> {
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
