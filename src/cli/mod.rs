//! One-shot CLI commands that work on the database directly (no server needed).

pub mod backup;
pub mod provider_args;

use std::path::Path;

use anyhow::Context;
use breadbox::service::api_keys as keys_svc;
use breadbox::service::auth::Scope;
use breadbox::store::{Db, api_keys, users};

fn open(data_dir: &Path) -> anyhow::Result<Db> {
    Db::open_in(data_dir).with_context(|| format!("opening the database in {}", data_dir.display()))
}

/// Mints a key and prints only the key.
pub fn keys_create(data_dir: &Path, name: &str, scope: &str) -> anyhow::Result<()> {
    let db = open(data_dir)?;
    let scope = Scope::parse(scope).context("scope must be full_access or read_only")?;
    let minted = keys_svc::prepare(name, scope)?;
    db.write_blocking(|tx| keys_svc::store(tx, &minted))?;
    println!("{}", minted.key);
    Ok(())
}

/// Prints every key as a table (no secrets).
pub fn keys_list(data_dir: &Path) -> anyhow::Result<()> {
    let db = open(data_dir)?;
    println!(
        "{:<36}  {:<11}  {:<11}  {:<20}  NAME",
        "ID", "PREFIX", "SCOPE", "REVOKED"
    );
    let mut after = None;
    loop {
        let page = db.read_blocking(|c| api_keys::page(c, 500, after.as_ref()))?;
        for k in &page.items {
            let revoked = k
                .revoked_at
                .map_or_else(|| "-".to_owned(), breadbox::time::rfc3339);
            println!(
                "{:<36}  {:<11}  {:<11}  {:<20}  {}",
                k.id, k.key_prefix, k.scope, revoked, k.name
            );
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

/// Revokes a key by id.
pub fn keys_revoke(data_dir: &Path, id: &str) -> anyhow::Result<()> {
    let id = uuid::Uuid::parse_str(id)
        .context("the id must be a key's UUID (see `breadbox keys list`)")?;
    let db = open(data_dir)?;
    db.write_blocking(|tx| keys_svc::revoke(tx, id))?;
    eprintln!("revoked {id}");
    Ok(())
}

/// Adds a user and prints its id.
pub fn users_add(data_dir: &Path, name: &str, email: Option<&str>) -> anyhow::Result<()> {
    let name = breadbox::service::users::valid_name(name)?;
    let email = email
        .map(breadbox::service::users::valid_email)
        .transpose()?;
    let db = open(data_dir)?;
    let user =
        db.write_blocking(|tx| users::insert(tx, &name, email.as_deref(), breadbox::time::now()))?;
    println!("{}", user.id);
    Ok(())
}

/// Arguments of `breadbox import csv`.
#[derive(clap::Args)]
pub struct CsvArgs {
    /// The CSV file.
    pub file: std::path::PathBuf,
    /// Owner of a new csv connection (UUID or short id); see `breadbox users add`.
    #[arg(
        long,
        env = "BREADBOX_IMPORT_USER",
        required_unless_present = "connection"
    )]
    pub user: Option<String>,
    /// Append to this existing csv connection instead.
    #[arg(long, env = "BREADBOX_IMPORT_CONNECTION")]
    pub connection: Option<String>,
    /// Account to import into.
    #[arg(
        long,
        env = "BREADBOX_IMPORT_ACCOUNT_NAME",
        default_value = "CSV Import"
    )]
    pub account_name: String,
    /// Currency of the amounts.
    #[arg(long, env = "BREADBOX_IMPORT_CURRENCY", default_value = "USD")]
    pub currency: String,
    /// Date format, e.g. %d/%m/%Y (default: detected).
    #[arg(long, env = "BREADBOX_IMPORT_DATE_FORMAT")]
    pub date_format: Option<String>,
    /// Column mapping as JSON, e.g. '{"date":0,"amount":2,"description":1}'.
    #[arg(long, env = "BREADBOX_IMPORT_COLUMNS")]
    pub columns: Option<String>,
    /// The file already shows money out as positive amounts.
    #[arg(long, env = "BREADBOX_IMPORT_POSITIVE_IS_DEBIT", value_parser = clap::builder::BoolishValueParser::new())]
    pub positive_is_debit: bool,
}

/// Imports a CSV with a progress bar on stderr; prints the summary on stdout.
pub fn import_csv(data_dir: &Path, args: &CsvArgs) -> anyhow::Result<()> {
    use breadbox::ids::IdRef;
    use breadbox::import::csv_parse::CsvOptions;
    use breadbox::service::import::{self, ImportRequest, Phase};
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let id = |s: &Option<String>, what: &str| -> anyhow::Result<Option<IdRef>> {
        s.as_deref()
            .map(|v| {
                IdRef::parse(v).with_context(|| format!("--{what} must be a UUID or short id"))
            })
            .transpose()
    };
    let columns = match &args.columns {
        Some(json) => Some(breadbox::import::mapping::column_spec_from_str(json)?),
        None => None,
    };
    let req = ImportRequest {
        user: id(&args.user, "user")?,
        connection: id(&args.connection, "connection")?,
        account_name: args.account_name.clone(),
        options: CsvOptions {
            columns,
            date_format: args.date_format.clone(),
            amounts_negative_are_debits: !args.positive_is_debit,
            iso_currency_code: args.currency.to_ascii_uppercase(),
        },
    };
    let db = open(data_dir)?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} rows ({per_sec})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = import::import_blocking(&db, &bytes, &req, &mut |phase, done, total| {
        bar.set_message(if phase == Phase::Parsing {
            "parsing"
        } else {
            "storing"
        });
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let r = result?;
    println!(
        "imported {} new, {} updated, {} already present, {} rejected of {} rows\nconnection {}\naccount {}",
        r.imported,
        r.updated,
        r.skipped_duplicates,
        r.rejected.len(),
        r.total_rows,
        r.connection_id,
        r.account_id
    );
    for rej in r.rejected.iter().take(20) {
        eprintln!("line {}: {}", rej.line, rej.reason);
    }
    Ok(())
}
