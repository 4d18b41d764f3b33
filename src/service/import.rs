//! CSV import: parse the file (pure, `import::csv_parse`), then store every good row in ONE
//! database transaction with a sync log. Rows are identified by a fingerprint of
//! (date, amount, description, position among identical twins), so re-imports add nothing.

use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::domain::{ConnectionStatus, SyncTrigger};
use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::import::csv_parse::{self, CsvOptions, ParsedCsv, ParsedRow, Rejected};
use crate::providers::csv;
use crate::providers::types::{AccountType, ProviderAccount, ProviderTransaction};
use crate::store::connections::{self, NewConnection};
use crate::store::ingest::{self, Merged, Target};
use crate::store::sync_logs::{self, Counts};
use crate::store::{Db, users};

/// Where and how to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// Owner of a new `csv` connection (required unless `connection` is given).
    pub user: Option<IdRef>,
    /// An existing `csv` connection to append to.
    pub connection: Option<IdRef>,
    pub account_name: String,
    pub options: CsvOptions,
}

/// What an import did (the import response).
#[derive(Debug, Clone)]
pub struct ImportResult {
    pub connection_id: Uuid,
    pub account_id: Uuid,
    pub imported: i64,
    pub updated: i64,
    pub skipped_duplicates: i64,
    pub total_rows: usize,
    pub rejected: Vec<Rejected>,
}

/// Progress of a long import, for the CLI's bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Parsing,
    Storing,
}

/// Runs an import for the server: parses on the blocking pool, then stores through the
/// write gate ([`Db::write`]), so it takes its turn with every other write.
pub async fn import(db: &Db, bytes: Vec<u8>, req: ImportRequest) -> Result<ImportResult> {
    validate(&req)?;
    let (parsed, req) = tokio::task::spawn_blocking(move || {
        parse(&bytes, &req, &mut |_, _, _| {}).map(|parsed| (parsed, req))
    })
    .await??;
    db.write(move |tx| store_all(tx, &req, &parsed, &mut |_, _, _| {}))
        .await
}

/// Parses and stores on the calling thread (the CLI); `progress(phase, done, total)` is
/// called now and then.
pub fn import_blocking(
    db: &Db,
    bytes: &[u8],
    req: &ImportRequest,
    progress: &mut dyn FnMut(Phase, usize, usize),
) -> Result<ImportResult> {
    validate(req)?;
    let parsed = parse(bytes, req, progress)?;
    db.write_blocking(|tx| store_all(tx, req, &parsed, progress))
}

fn parse(
    bytes: &[u8],
    req: &ImportRequest,
    progress: &mut dyn FnMut(Phase, usize, usize),
) -> Result<ParsedCsv> {
    let parsed = csv_parse::parse_with_progress(bytes, &req.options, &mut |d, t| {
        progress(Phase::Parsing, d, t);
    })
    .map_err(|e| Error::Validation(format!("file: {e}")))?;
    if parsed.rows.is_empty() {
        return Err(Error::Validation(nothing_parsed(&parsed)));
    }
    Ok(parsed)
}

fn store_all(
    tx: &rusqlite::Transaction,
    req: &ImportRequest,
    parsed: &ParsedCsv,
    progress: &mut dyn FnMut(Phase, usize, usize),
) -> Result<ImportResult> {
    ingest::with_bulk_cache(tx, parsed.rows.len(), || store(tx, req, parsed, progress))
}

fn validate(req: &ImportRequest) -> Result<()> {
    if req.user.is_none() && req.connection.is_none() {
        return Err(Error::Validation(
            "user_id: required unless connection_id is given".into(),
        ));
    }
    let len = req.account_name.trim().chars().count();
    if len == 0 || len > 200 {
        return Err(Error::Validation(
            "account_name: must be 1-200 characters".into(),
        ));
    }
    Ok(())
}

fn nothing_parsed(parsed: &ParsedCsv) -> String {
    let reasons: Vec<String> = parsed
        .rejected
        .iter()
        .take(5)
        .map(|r| format!("line {}: {}", r.line, r.reason))
        .collect();
    format!(
        "file: no row could be imported ({} rejected): {}",
        parsed.rejected.len(),
        reasons.join("; ")
    )
}

fn store(
    tx: &rusqlite::Transaction,
    req: &ImportRequest,
    parsed: &ParsedCsv,
    progress: &mut dyn FnMut(Phase, usize, usize),
) -> Result<ImportResult> {
    let now = crate::time::now();
    let (target, is_new) = target(tx, req, now)?;
    let account_id = account(tx, target, req, now)?;
    let trigger = if is_new {
        SyncTrigger::Initial
    } else {
        SyncTrigger::Manual
    };
    let log_id = sync_logs::start(tx, target.connection_id, trigger, now)?;
    let started = std::time::Instant::now();
    let (mut imported, mut updated, mut skipped) = (0, 0, 0);
    let total = parsed.rows.len();
    // Fingerprints name a row's content, so order cannot change which copy wins.
    for (i, row) in ingest::bulk_order(&parsed.rows, |a, b| a.date.cmp(&b.date))
        .into_iter()
        .enumerate()
    {
        let t = to_transaction(row, req);
        match ingest::merge_imported(tx, target, account_id, &t, now)? {
            Merged::Inserted => imported += 1,
            Merged::Updated => updated += 1,
            Merged::Unchanged => skipped += 1,
        }
        if i % 4096 == 0 {
            progress(Phase::Storing, i, total);
        }
    }
    progress(Phase::Storing, total, total);
    let counts = Counts {
        added: imported,
        modified: updated,
        removed: 0,
    };
    let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    sync_logs::succeed(tx, log_id, counts, now, ms)?;
    connections::mark_synced(tx, target.connection_id, None, now, i64::MAX)?;
    Ok(ImportResult {
        connection_id: target.connection_id,
        account_id,
        imported,
        updated,
        skipped_duplicates: skipped,
        total_rows: parsed.total_rows,
        rejected: parsed.rejected.clone(),
    })
}

/// The connection to import into: the given one, else the user's `csv` connection, created
/// on their first import.
fn target(tx: &rusqlite::Transaction, req: &ImportRequest, now: i64) -> Result<(Target, bool)> {
    if let Some(id) = &req.connection {
        let conn = connections::get(tx, id)?.ok_or(Error::NotFound("connection"))?;
        if conn.provider != csv::NAME {
            return Err(Error::Conflict(format!(
                "connection is a {} connection, not csv",
                conn.provider
            )));
        }
        if conn.status == ConnectionStatus::Disconnected {
            return Err(Error::Conflict("connection is disconnected".into()));
        }
        return Ok((
            Target {
                connection_id: conn.id,
                user_id: conn.user_id,
            },
            false,
        ));
    }
    let user = req
        .user
        .as_ref()
        .ok_or_else(|| Error::Validation("user_id: required".into()))?;
    let user = users::get(tx, user)?.ok_or(Error::NotFound("user"))?;
    // One csv connection per person unless asked otherwise: importing the same file again
    // with only `user_id` lands in it and adds nothing.
    if let Some(existing) = connections::first_live_of(tx, user.id, csv::NAME)? {
        let target = Target {
            connection_id: existing,
            user_id: user.id,
        };
        return Ok((target, false));
    }
    let new = NewConnection {
        user_id: user.id,
        provider: csv::NAME.into(),
        institution_id: None,
        institution_name: Some("CSV Import".into()),
        credentials: None,
        external_id: None,
    };
    let conn = connections::insert(tx, &new, now)?;
    Ok((
        Target {
            connection_id: conn.id,
            user_id: user.id,
        },
        true,
    ))
}

fn account(
    tx: &rusqlite::Transaction,
    target: Target,
    req: &ImportRequest,
    now: i64,
) -> Result<Uuid> {
    let name = req.account_name.trim().to_owned();
    let currency = req.options.iso_currency_code.to_ascii_uppercase();
    let external_id = format!("csv:{}", name.to_lowercase());
    let existing: Option<String> = tx
        .query_row(
            "SELECT iso_currency_code FROM accounts WHERE connection_id = ?1 AND external_id = ?2",
            rusqlite::params![target.connection_id, external_id],
            |r| r.get(0),
        )
        .optional()?;
    if existing.as_ref().is_some_and(|c| *c != currency) {
        return Err(Error::Conflict(format!(
            "account `{name}` holds {}; import {currency} amounts into another account_name",
            existing.unwrap_or_default()
        )));
    }
    let account = ProviderAccount {
        external_id,
        name,
        official_name: None,
        account_type: AccountType::Depository,
        subtype: None,
        mask: None,
        balance_current: None,
        balance_available: None,
        balance_limit: None,
        iso_currency_code: currency,
    };
    ingest::upsert_account(tx, target, &account, now)
}

fn to_transaction(row: &ParsedRow, req: &ImportRequest) -> ProviderTransaction {
    ProviderTransaction {
        external_id: format!("csv:{}", row.fingerprint),
        account_external_id: String::new(),
        amount: row.amount,
        iso_currency_code: req.options.iso_currency_code.to_ascii_uppercase(),
        date: row.date,
        authorized_date: None,
        datetime: None,
        name: row.description.clone(),
        merchant_name: row.merchant.clone(),
        category_primary: row.category.clone(),
        category_detailed: None,
        payment_channel: None,
        pending: false,
        pending_transaction_external_id: None,
    }
}
