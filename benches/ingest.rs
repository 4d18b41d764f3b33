//! Ingest benchmark: how many transactions per second a sync batch and a CSV import
//! write, with every index (and the FTS search index) in place.
//!
//! Run: `cargo bench --bench ingest` (env: BENCH_ROWS=200000 rows per run,
//! BENCH_PREFILL=1000000 rows already in the table before measuring).

use std::time::Instant;

use breadbox::import::csv_parse::CsvOptions;
use breadbox::providers::types::{AccountType, ProviderAccount, ProviderTransaction, SyncBatch};
use breadbox::service::import::{ImportRequest, import_blocking};
use breadbox::store::Db;
use breadbox::store::connections::{self, NewConnection};
use breadbox::store::ingest::{self, Target};
use jiff::civil::Date;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const WORDS: [&str; 12] = [
    "Coffee", "Grocer", "Fuel", "Books", "Pharmacy", "Cinema", "Bakery", "Hardware", "Taxi",
    "Pizza", "Florist", "Gym",
];

fn batch(rows: usize, tag: &str) -> SyncBatch {
    let account = ProviderAccount {
        external_id: "acc".into(),
        name: "Checking".into(),
        official_name: None,
        account_type: AccountType::Depository,
        subtype: Some("checking".into()),
        mask: Some("0001".into()),
        balance_current: Some(100_000),
        balance_available: None,
        balance_limit: None,
        iso_currency_code: "USD".into(),
    };
    let start = Date::constant(2020, 1, 1);
    let added = (0..rows)
        .map(|i| ProviderTransaction {
            external_id: format!("{tag}-{i}"),
            account_external_id: "acc".into(),
            amount: i64::try_from(i % 10_000).unwrap_or(0) + 1,
            iso_currency_code: "USD".into(),
            date: start
                .checked_add(jiff::Span::new().days(i64::try_from(i % 2000).unwrap_or(0)))
                .unwrap_or(start),
            authorized_date: None,
            datetime: None,
            name: format!("{} #{}", WORDS[i % WORDS.len()], i % 977),
            merchant_name: Some(WORDS[i % WORDS.len()].to_owned()),
            category_primary: Some("GENERAL_MERCHANDISE".into()),
            category_detailed: None,
            payment_channel: Some("in store".into()),
            pending: false,
            pending_transaction_external_id: None,
        })
        .collect();
    SyncBatch {
        accounts: vec![account],
        added,
        ..SyncBatch::default()
    }
}

fn csv(rows: usize) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut out = String::from("Date,Description,Amount\n");
    for i in 0..rows {
        let _ = writeln!(
            out,
            "2024-{:02}-{:02},{} {i},-{}.{:02}",
            1 + i % 12,
            1 + i % 28,
            WORDS[i % 12],
            1 + i % 900,
            i % 100
        );
    }
    out.into_bytes()
}

fn rate(rows: usize, secs: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let r = rows as f64 / secs;
    r
}

fn main() -> anyhow::Result<()> {
    let rows = env_num("BENCH_ROWS", 200_000);
    let prefill = env_num("BENCH_PREFILL", 1_000_000);
    let dir = tempfile::tempdir()?;
    let db = Db::open_in(dir.path())?;
    let user = db.write_blocking(|tx| breadbox::store::users::insert(tx, "Bench", None, 0))?;
    let new = NewConnection {
        user_id: user.id,
        provider: "demo".into(),
        institution_id: None,
        institution_name: None,
        credentials: None,
        external_id: None,
    };
    let conn = db.write_blocking(|tx| connections::insert(tx, &new, 0))?;
    let target = Target {
        connection_id: conn.id,
        user_id: user.id,
    };

    let started = Instant::now();
    for chunk in 0..prefill.div_ceil(100_000) {
        let b = batch(
            100_000.min(prefill - chunk * 100_000),
            &format!("pre{chunk}"),
        );
        db.write_blocking(|tx| ingest::apply(tx, target, &b, 0))?;
    }
    println!(
        "prefill: {prefill} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let b = batch(rows, "sync");
    let started = Instant::now();
    db.write_blocking(|tx| ingest::apply(tx, target, &b, 0))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "sync ingest: {rows} rows in {secs:.2} s = {:.0} rows/s (one transaction)",
        rate(rows, secs)
    );

    let file = csv(rows);
    let req = ImportRequest {
        user: Some(breadbox::ids::IdRef::Uuid(user.id)),
        connection: None,
        account_name: "CSV".into(),
        options: CsvOptions::default(),
    };
    let started = Instant::now();
    let r = import_blocking(&db, &file, &req, &mut |_, _, _| {})?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "csv import: {} rows (parse + store) in {secs:.2} s = {:.0} rows/s",
        r.imported,
        rate(rows, secs)
    );
    Ok(())
}
