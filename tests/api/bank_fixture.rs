//! Bank data written straight into the database (the sync engine is not needed to test
//! reads): two users, three connections (one disconnected), five accounts in USD, EUR and
//! JPY, and a few hundred transactions including pending, removed and disconnected rows.
//! The fixture keeps every row in memory so tests can compute the expected answer.

use breadbox::AppState;
use rusqlite::params;
use uuid::Uuid;

pub struct Account {
    pub id: Uuid,
    pub short_id: String,
    pub connection: usize,
    pub user: usize,
    pub currency: &'static str,
}

#[derive(Clone)]
pub struct Tx {
    pub id: Uuid,
    pub short_id: String,
    pub account: usize,
    pub date: String,
    pub amount: i64,
    pub currency: &'static str,
    pub name: String,
    pub merchant: Option<String>,
    pub category: Option<&'static str>,
    pub pending: bool,
    pub visible: bool,
}

pub struct Fixture {
    pub users: Vec<(Uuid, String)>,
    pub connections: Vec<(Uuid, String)>,
    pub accounts: Vec<Account>,
    pub txs: Vec<Tx>,
}

impl Fixture {
    /// The rows the API may show.
    pub fn visible(&self) -> impl Iterator<Item = &Tx> {
        self.txs.iter().filter(|t| t.visible)
    }

    pub fn account_of(&self, t: &Tx) -> &Account {
        &self.accounts[t.account]
    }
}

/// (name, merchant, category, sign): money out is positive.
const VOCABULARY: &[(&str, Option<&str>, Option<&str>, i64)] = &[
    (
        "STARBUCKS #1234",
        Some("Starbucks"),
        Some("FOOD_AND_DRINK"),
        1,
    ),
    (
        "SQ *BLUE BTL 0042",
        Some("Blue Bottle Coffee"),
        Some("FOOD_AND_DRINK"),
        1,
    ),
    (
        "Whole Foods Market",
        Some("Whole Foods"),
        Some("FOOD_AND_DRINK"),
        1,
    ),
    ("Shell Oil 5742", Some("Shell"), Some("TRANSPORTATION"), 1),
    ("NETFLIX.COM", Some("Netflix"), Some("ENTERTAINMENT"), 1),
    ("ACME CORP PAYROLL", None, Some("INCOME"), -1),
    ("Rent payment", None, Some("RENT_AND_UTILITIES"), 1),
    ("Café Olé", Some("Café Olé"), Some("FOOD_AND_DRINK"), 1),
    (
        "100% Juice Bar",
        Some("Juice Bar"),
        Some("FOOD_AND_DRINK"),
        1,
    ),
    ("Say \"Cheese\" Deli", None, None, 1),
    (
        "Refund AMAZON",
        Some("Amazon"),
        Some("GENERAL_MERCHANDISE"),
        -1,
    ),
    (
        "Amazon Mktp",
        Some("Amazon"),
        Some("GENERAL_MERCHANDISE"),
        1,
    ),
    ("ATM withdrawal", None, None, 1),
    // For two-character searches: a pair next to a non-ASCII character, a column that is
    // only the pair, and a pair next to a tab.
    ("Crêpe Qzine", Some("Qz"), Some("FOOD_AND_DRINK"), 1),
    ("BP\t4411", Some("BP"), Some("TRANSPORTATION"), 1),
];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Builds the fixture in memory (not yet stored).
pub fn build(rows: usize) -> Fixture {
    let users = (0..2)
        .map(|i| (Uuid::now_v7(), format!("U000000{i}")))
        .collect();
    let connections = (0..3)
        .map(|i| (Uuid::now_v7(), format!("C000000{i}")))
        .collect();
    // (connection, user, currency); connection 2 is disconnected.
    let shape = [
        (0, 0, "USD"),
        (0, 0, "EUR"),
        (1, 1, "USD"),
        (1, 1, "JPY"),
        (2, 0, "USD"),
    ];
    let accounts = shape
        .iter()
        .enumerate()
        .map(|(i, &(connection, user, currency))| Account {
            id: Uuid::now_v7(),
            short_id: format!("A000000{i}"),
            connection,
            user,
            currency,
        })
        .collect::<Vec<Account>>();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let base: jiff::civil::Date = "2024-01-01".parse().unwrap();
    let txs = (0..rows)
        .map(|i| {
            let account = usize::try_from(rng.below(5)).unwrap();
            let currency = accounts[account].currency;
            let (name, merchant, category, sign) =
                VOCABULARY[usize::try_from(rng.below(VOCABULARY.len() as u64)).unwrap()];
            let days = i64::try_from(rng.below(120)).unwrap();
            let magnitude =
                i64::try_from(rng.below(if currency == "JPY" { 30_000 } else { 250_000 })).unwrap();
            Tx {
                id: Uuid::now_v7(),
                short_id: format!("T{i:07}"),
                account,
                date: base
                    .checked_add(jiff::Span::new().days(days))
                    .unwrap()
                    .to_string(),
                amount: sign * magnitude,
                currency,
                name: name.to_owned(),
                merchant: merchant.map(str::to_owned),
                category,
                pending: rng.below(8) == 0,
                // Removed rows, and every row of the disconnected connection, are hidden.
                visible: account != 4 && rng.below(15) != 0,
            }
        })
        .collect();
    Fixture {
        users,
        connections,
        accounts,
        txs,
    }
}

/// Writes `fx` into the app's database, as the sync engine would.
pub async fn store(app: &AppState, fx: &Fixture) {
    let users = fx.users.clone();
    let conns = fx.connections.clone();
    let accounts: Vec<(Uuid, String, Uuid, Uuid, String)> = fx
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                a.id,
                a.short_id.clone(),
                conns[a.connection].0,
                users[a.user].0,
                format!("Account {i} {}", a.currency),
            )
        })
        .collect();
    let currencies: Vec<&'static str> = fx.accounts.iter().map(|a| a.currency).collect();
    let txs = fx.txs.clone();
    let tx_accounts: Vec<(Uuid, Uuid, Uuid)> = fx
        .txs
        .iter()
        .map(|t| {
            (
                accounts[t.account].0,
                accounts[t.account].2,
                accounts[t.account].3,
            )
        })
        .collect();
    app.db
        .write(move |db| {
            for (i, (id, short)) in users.iter().enumerate() {
                db.execute(
                    "INSERT INTO users (id, short_id, name, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 1, 1)",
                    params![id, short, format!("User {i}")],
                )?;
            }
            for (i, (id, short)) in conns.iter().enumerate() {
                let status = if i == 2 { "disconnected" } else { "active" };
                db.execute(
                    "INSERT INTO connections (id, short_id, user_id, provider, status,
                         created_at, updated_at) VALUES (?1, ?2, ?3, 'demo', ?4, 1, 1)",
                    params![id, short, users[usize::from(i == 1)].0, status],
                )?;
            }
            for (i, (id, short, conn, user, name)) in accounts.iter().enumerate() {
                let cur = currencies[i];
                let current = (i != 1).then_some(123_450_i64);
                db.execute(
                    "INSERT INTO accounts (id, short_id, connection_id, user_id, external_id,
                         name, type, balance_current, balance_limit, iso_currency_code,
                         last_balance_update, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'depository', ?7, NULL, ?8,
                         1700000000, 1, 1)",
                    params![
                        id,
                        short,
                        conn,
                        user,
                        format!("ext-{i}"),
                        name,
                        current,
                        cur
                    ],
                )?;
            }
            for (t, (account, conn, user)) in txs.iter().zip(&tx_accounts) {
                db.execute(
                    "INSERT INTO transactions (id, short_id, account_id, connection_id, user_id,
                         external_id, amount, iso_currency_code, date, name, merchant_name,
                         category_primary, pending, visible, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                         1700000000, 1700000000)",
                    params![
                        t.id, t.short_id, account, conn, user, t.short_id, t.amount, t.currency,
                        t.date, t.name, t.merchant, t.category, t.pending, t.visible
                    ],
                )?;
            }
            Ok(())
        })
        .await
        .expect("store fixture");
}
