//! Builds a database of N synthetic transactions once and caches it under
//! `target/bench-data/`: 4 users, 8 connections (one disconnected), 16 accounts in USD,
//! EUR, GBP and JPY, five years of rows in date order, names from a vocabulary with a few
//! very common merchants and a long tail of rare ones, ~2% pending, ~1% removed.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::{Connection, params};
use uuid::Uuid;

/// Popular merchants, most popular first (Zipf-like weights 1/rank).
const COMMON: &[(&str, &str)] = &[
    ("Starbucks", "FOOD_AND_DRINK"),
    ("Amazon", "GENERAL_MERCHANDISE"),
    ("Walmart", "GENERAL_MERCHANDISE"),
    ("Whole Foods", "FOOD_AND_DRINK"),
    ("Shell", "TRANSPORTATION"),
    ("Uber", "TRANSPORTATION"),
    ("Target", "GENERAL_MERCHANDISE"),
    ("Trader Joe's", "FOOD_AND_DRINK"),
    ("Netflix", "ENTERTAINMENT"),
    ("Chevron", "TRANSPORTATION"),
    ("Costco", "GENERAL_MERCHANDISE"),
    ("McDonald's", "FOOD_AND_DRINK"),
    ("Spotify", "ENTERTAINMENT"),
    ("Apple", "GENERAL_MERCHANDISE"),
    ("Home Depot", "HOME_IMPROVEMENT"),
    ("CVS Pharmacy", "MEDICAL"),
    ("Lyft", "TRANSPORTATION"),
    ("Chipotle", "FOOD_AND_DRINK"),
    ("Safeway", "FOOD_AND_DRINK"),
    ("Delta Air Lines", "TRAVEL"),
];

const ADJECTIVES: &[&str] = &[
    "Blue", "Red", "Golden", "Silver", "Green", "Old", "New", "Little", "Big", "Happy", "Lucky",
    "Royal", "Sunny", "Quiet", "Wild", "Urban", "Rustic", "Modern", "Hidden", "Northern",
    "Southern", "Eastern", "Western", "Crystal", "Velvet", "Copper", "Iron", "Maple", "Cedar",
    "Willow", "Coastal", "Mountain", "River", "Lakeside", "Harbor", "Prairie", "Desert", "Island",
    "Valley", "Summit",
];
const NOUNS: &[&str] = &[
    "Heron", "Fox", "Bear", "Oak", "Pine", "Moon", "Star", "Anchor", "Lantern", "Bridge", "Garden",
    "Meadow", "Falcon", "Otter", "Badger", "Rabbit", "Owl", "Wolf", "Finch", "Sparrow", "Stone",
    "Brook", "Field", "Hill", "Orchard", "Harvest", "Compass", "Kettle", "Barrel", "Ember", "Tide",
    "Cloud", "Thistle", "Clover", "Juniper", "Saffron", "Pepper", "Honey", "Acorn", "Birch",
];
const KINDS: &[(&str, &str)] = &[
    ("Pottery", "GENERAL_MERCHANDISE"),
    ("Bakery", "FOOD_AND_DRINK"),
    ("Café", "FOOD_AND_DRINK"), // non-ASCII text: the unindexed-text index is not empty
    ("Books", "GENERAL_MERCHANDISE"),
    ("Hardware", "HOME_IMPROVEMENT"),
    ("Florist", "GENERAL_MERCHANDISE"),
    ("Tavern", "FOOD_AND_DRINK"),
    ("Garage", "TRANSPORTATION"),
    ("Dental", "MEDICAL"),
    ("Yoga", "PERSONAL_CARE"),
    ("Salon", "PERSONAL_CARE"),
    ("Cinema", "ENTERTAINMENT"),
    ("Market", "FOOD_AND_DRINK"),
    ("Pharmacy", "MEDICAL"),
    ("Outfitters", "GENERAL_MERCHANDISE"),
    ("Brewing", "FOOD_AND_DRINK"),
    ("Records", "ENTERTAINMENT"),
    ("Tailors", "GENERAL_MERCHANDISE"),
    ("Vet Clinic", "MEDICAL"),
    ("Gym", "PERSONAL_CARE"),
];

/// Accounts: (user, connection, currency); connection 7 is disconnected.
const ACCOUNTS: &[(usize, usize, &str)] = &[
    (0, 0, "USD"),
    (0, 0, "USD"),
    (0, 1, "USD"),
    (0, 1, "EUR"),
    (1, 2, "USD"),
    (1, 2, "USD"),
    (1, 3, "GBP"),
    (1, 3, "GBP"),
    (2, 4, "USD"),
    (2, 4, "USD"),
    (2, 5, "EUR"),
    (2, 5, "JPY"),
    (3, 6, "USD"),
    (3, 6, "EUR"),
    (3, 7, "USD"),
    (3, 7, "USD"),
];

/// First day of the data; rows spread over `DAYS` days from here.
pub const FIRST_DAY: &str = "2021-07-01";
const DAYS: u64 = 1826;

/// xorshift64*: fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }
}

/// The cached database directory for `rows`, filled on first use.
pub fn ensure(rows: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        // v2: the vocabulary gained non-ASCII text; bump when the generated data changes.
        .join(format!("transactions-v2-{rows}"));
    let done = dir.join("filled");
    if done.exists() {
        eprintln!("using cached {}", dir.display());
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    drop(breadbox::store::Db::open_in(&dir).expect("create database"));
    let started = Instant::now();
    fill(&dir.join(breadbox::store::DB_FILE), rows).expect("fill");
    eprintln!(
        "filled {rows} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&done, b"ok").expect("marker");
    dir
}

fn fill(path: &Path, rows: u64) -> rusqlite::Result<()> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;")?;
    let tx = conn.transaction()?;
    let (users, conns, accounts) = owners(&tx)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let first: jiff::civil::Date = FIRST_DAY.parse().expect("date");
    {
        let mut insert = tx.prepare(
            "INSERT INTO transactions (id, short_id, account_id, connection_id, user_id,
                 external_id, amount, iso_currency_code, date, datetime, name, merchant_name,
                 category_primary, payment_channel, pending, visible, removed_at,
                 created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'in store',
                 ?14, ?15, NULL, ?16, ?16)",
        )?;
        for i in 0..rows {
            let day = i * DAYS / rows;
            let date = first
                .checked_add(jiff::Span::new().days(i64::try_from(day).unwrap_or(0)))
                .expect("date");
            let a = rng.below(ACCOUNTS.len());
            let (user, connection, currency) = ACCOUNTS[a];
            let (name, merchant, category, amount) = pick(&mut rng, currency);
            let stamp = 1_625_097_600 + i64::try_from(day * 86_400).unwrap_or(0);
            let pending = day + 5 >= DAYS && rng.below(3) == 0;
            let visible = connection != 7 && rng.below(100) != 0;
            insert.execute(params![
                Uuid::now_v7(),
                short_id(i),
                accounts[a],
                conns[connection],
                users[user],
                format!("ext-{i}"),
                amount,
                currency,
                date.to_string(),
                stamp + i64::try_from(rng.below(86_400)).unwrap_or(0),
                name,
                merchant,
                category,
                pending,
                visible,
                stamp,
            ])?;
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

/// A (name, merchant, category, amount) from the vocabulary.
fn pick(rng: &mut Rng, currency: &str) -> (String, Option<String>, &'static str, i64) {
    let scale = if currency == "JPY" { 1 } else { 100 };
    let roll = rng.below(100);
    if roll < 2 {
        let amount = -i64::try_from(150_000 + rng.below(300_000)).unwrap_or(0) * scale / 100;
        return ("ACME CORP PAYROLL".into(), None, "INCOME", amount);
    }
    if roll < 4 {
        let amount = i64::try_from(5_000 + rng.below(200_000)).unwrap_or(0) * scale / 100;
        return ("Transfer to savings".into(), None, "TRANSFER_OUT", amount);
    }
    let amount = i64::try_from(100 + rng.below(20_000)).unwrap_or(0) * scale / 100;
    if roll < 64 {
        let (merchant, category) = COMMON[zipf(rng, COMMON.len())];
        let name = format!("{} #{}", merchant.to_uppercase(), 1000 + rng.below(9000));
        return (name, Some(merchant.into()), category, amount);
    }
    let (kind, category) = KINDS[rng.below(KINDS.len())];
    let merchant = format!(
        "{} {} {kind}",
        ADJECTIVES[rng.below(ADJECTIVES.len())],
        NOUNS[rng.below(NOUNS.len())]
    );
    let name = format!("SQ *{}", merchant.to_uppercase());
    (name, Some(merchant), category, amount)
}

/// Index in `0..n` with probability proportional to 1/(index + 1).
fn zipf(rng: &mut Rng, n: usize) -> usize {
    let weights: Vec<f64> = (1..=n)
        .map(|r| 1.0 / f64::from(u32::try_from(r).unwrap_or(1)))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut x = f64::from(u32::try_from(rng.below(1_000_000)).unwrap_or(0)) / 1e6 * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    n - 1
}

/// A unique 8-character base62 id per row (a bijection of the row number).
fn short_id(i: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let space = 62_u64.pow(8);
    let mut n = (i.wrapping_mul(1_000_003)) % space;
    let mut out = [b'0'; 8];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[usize::try_from(n % 62).unwrap_or(0)];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

type Owners = (Vec<Uuid>, Vec<Uuid>, Vec<Uuid>);

fn owners(tx: &Connection) -> rusqlite::Result<Owners> {
    let users: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    let conns: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();
    let accounts: Vec<Uuid> = ACCOUNTS.iter().map(|_| Uuid::now_v7()).collect();
    for (i, id) in users.iter().enumerate() {
        tx.execute(
            "INSERT INTO users (id, short_id, name, created_at, updated_at)
             VALUES (?1, ?2, ?3, 1, 1)",
            params![id, format!("benchU{i:02}"), format!("User {i}")],
        )?;
    }
    for (i, id) in conns.iter().enumerate() {
        let status = if i == 7 { "disconnected" } else { "active" };
        tx.execute(
            "INSERT INTO connections (id, short_id, user_id, provider, status, created_at,
                 updated_at) VALUES (?1, ?2, ?3, 'demo', ?4, 1, 1)",
            params![id, format!("benchC{i:02}"), users[i / 2], status],
        )?;
    }
    for (i, (id, (user, connection, currency))) in accounts.iter().zip(ACCOUNTS).enumerate() {
        tx.execute(
            "INSERT INTO accounts (id, short_id, connection_id, user_id, external_id, name,
                 type, iso_currency_code, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'depository', ?7, 1, 1)",
            params![
                id,
                format!("benchA{i:02}"),
                conns[*connection],
                users[*user],
                format!("acct-{i}"),
                format!("Account {i}"),
                currency
            ],
        )?;
    }
    Ok((users, conns, accounts))
}
