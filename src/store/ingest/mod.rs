//! Writes a provider's [`SyncBatch`] into accounts and transactions. Called inside the
//! sync's single database transaction, so a batch lands whole or not at all.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

mod bulk;

use bulk::sync_order;
pub use bulk::{bulk_order, release_bulk_cache, with_bulk_cache};

use crate::error::{Error, Result};
use crate::providers::types::{ProviderAccount, ProviderTransaction, SyncBatch};
use crate::store::sync_logs::Counts;

/// Which connection (and owner) the batch belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub connection_id: Uuid,
    pub user_id: Uuid,
}

/// Applies `batch`: upserts accounts, inserts `added`, rewrites `modified`, hides `removed`.
pub fn apply(conn: &Connection, target: Target, batch: &SyncBatch, now: i64) -> Result<Counts> {
    let rows = batch.added.len() + batch.modified.len() + batch.removed.len();
    with_bulk_cache(conn, rows, || apply_rows(conn, target, batch, now))
}

fn apply_rows(conn: &Connection, target: Target, batch: &SyncBatch, now: i64) -> Result<Counts> {
    for account in &batch.accounts {
        upsert_account(conn, target, account, now)?;
    }
    let accounts = account_ids(conn, target.connection_id)?;
    // Counted by what each row really did: providers that resend a window (SimpleFIN's and
    // Teller's overlap) send rows we already have, which are neither added nor modified.
    let mut counts = Counts::default();
    for t in sync_order(&batch.added).into_iter().chain(&batch.modified) {
        let (merged, retired) = upsert_transaction(conn, target, &accounts, t, now)?;
        counts.removed += i64::from(retired);
        match merged {
            Merged::Inserted => counts.added += 1,
            Merged::Updated => counts.modified += 1,
            Merged::Unchanged => {}
        }
    }
    for external_id in &batch.removed {
        if remove(conn, target.connection_id, external_id, now)? {
            counts.removed += 1;
        }
    }
    Ok(counts)
}

/// Inserts or refreshes one account (balances included); returns its id.
pub fn upsert_account(
    conn: &Connection,
    target: Target,
    a: &ProviderAccount,
    now: i64,
) -> Result<Uuid> {
    let id = crate::ids::new_id();
    super::with_short_id(|short_id| {
        conn.prepare_cached(
            "INSERT INTO accounts (id, short_id, connection_id, user_id, external_id, name,
                official_name, type, subtype, mask, balance_current, balance_available,
                balance_limit, iso_currency_code, last_balance_update, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?15)
             ON CONFLICT (connection_id, external_id) DO UPDATE SET
                name = excluded.name, official_name = excluded.official_name,
                type = excluded.type, subtype = excluded.subtype, mask = excluded.mask,
                balance_current = excluded.balance_current,
                balance_available = excluded.balance_available,
                balance_limit = excluded.balance_limit,
                iso_currency_code = excluded.iso_currency_code,
                last_balance_update = excluded.last_balance_update,
                updated_at = excluded.updated_at",
        )?
        .execute(params![
            id,
            short_id,
            target.connection_id,
            target.user_id,
            a.external_id,
            a.name,
            a.official_name,
            a.account_type.as_str(),
            a.subtype,
            a.mask,
            a.balance_current,
            a.balance_available,
            a.balance_limit,
            a.iso_currency_code.to_ascii_uppercase(),
            now
        ])
    })?;
    Ok(conn
        .prepare_cached("SELECT id FROM accounts WHERE connection_id = ?1 AND external_id = ?2")?
        .query_row(params![target.connection_id, a.external_id], |r| r.get(0))?)
}

fn account_ids(conn: &Connection, connection_id: Uuid) -> Result<HashMap<String, Uuid>> {
    Ok(conn
        .prepare_cached("SELECT external_id, id FROM accounts WHERE connection_id = ?1")?
        .query_map([connection_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Inserts a transaction, or rewrites it when the provider sends it again changed; true
/// with it when this hid the pending row it replaces.
fn upsert_transaction(
    conn: &Connection,
    target: Target,
    accounts: &HashMap<String, Uuid>,
    t: &ProviderTransaction,
    now: i64,
) -> Result<(Merged, bool)> {
    let account_id = accounts.get(&t.account_external_id).ok_or_else(|| {
        Error::Provider(format!(
            "transaction {} names an unknown account",
            t.external_id
        ))
    })?;
    let (pending_id, retired) = match &t.pending_transaction_external_id {
        Some(ext) => retire_pending(conn, target.connection_id, ext, now)?,
        None => (None, false),
    };
    let row = TxInsert {
        target,
        account_id: *account_id,
        pending_id,
        now,
    };
    Ok((row.write(conn, t)?, retired))
}

struct TxInsert {
    target: Target,
    account_id: Uuid,
    pending_id: Option<Uuid>,
    now: i64,
}

/// The column list and values every transaction insert shares.
macro_rules! insert_tx {
    () => {
        "INSERT INTO transactions (id, short_id, account_id, connection_id,
    user_id, external_id, amount, iso_currency_code, date, authorized_date, datetime, name,
    merchant_name, category_primary, category_detailed, payment_channel, pending,
    pending_transaction_id, created_at, updated_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)"
    };
}

/// A provider sending a known row again rewrites it (and un-hides it) when anything
/// differs; an identical row is left alone (no row returned).
const UPSERT_TX: &str = concat!(
    insert_tx!(),
    "
    ON CONFLICT (connection_id, external_id) DO UPDATE SET
        account_id = excluded.account_id, amount = excluded.amount,
        iso_currency_code = excluded.iso_currency_code, date = excluded.date,
        authorized_date = excluded.authorized_date, datetime = excluded.datetime,
        name = excluded.name, merchant_name = excluded.merchant_name,
        category_primary = excluded.category_primary,
        category_detailed = excluded.category_detailed,
        payment_channel = excluded.payment_channel, pending = excluded.pending,
        pending_transaction_id = coalesce(excluded.pending_transaction_id, pending_transaction_id),
        visible = 1, removed_at = NULL, updated_at = excluded.updated_at
    WHERE transactions.visible = 0
        OR transactions.account_id IS NOT excluded.account_id
        OR transactions.amount IS NOT excluded.amount
        OR transactions.iso_currency_code IS NOT excluded.iso_currency_code
        OR transactions.date IS NOT excluded.date
        OR transactions.authorized_date IS NOT excluded.authorized_date
        OR transactions.datetime IS NOT excluded.datetime
        OR transactions.name IS NOT excluded.name
        OR transactions.merchant_name IS NOT excluded.merchant_name
        OR transactions.category_primary IS NOT excluded.category_primary
        OR transactions.category_detailed IS NOT excluded.category_detailed
        OR transactions.payment_channel IS NOT excluded.payment_channel
        OR transactions.pending IS NOT excluded.pending
        OR (excluded.pending_transaction_id IS NOT NULL
            AND transactions.pending_transaction_id IS NOT excluded.pending_transaction_id)
    RETURNING id"
);

/// An import only adds rows it does not know yet.
const INSERT_NEW_TX: &str = concat!(
    insert_tx!(),
    " ON CONFLICT (connection_id, external_id) DO NOTHING RETURNING id"
);

impl TxInsert {
    /// Inserts the row, or rewrites it when it changed (sync).
    fn write(&self, conn: &Connection, t: &ProviderTransaction) -> Result<Merged> {
        self.run(conn, t, UPSERT_TX)
    }

    /// Inserts the row unless its `external_id` is known; true if it was inserted.
    fn insert_new(&self, conn: &Connection, t: &ProviderTransaction) -> Result<bool> {
        Ok(self.run(conn, t, INSERT_NEW_TX)? == Merged::Inserted)
    }

    /// Runs an insert that returns the row's id when it wrote one: the new id for an insert,
    /// the existing one for an update.
    fn run(&self, conn: &Connection, t: &ProviderTransaction, sql: &str) -> Result<Merged> {
        let id = crate::ids::new_id();
        let written: Option<Uuid> = super::with_short_id(|short_id| {
            conn.prepare_cached(sql)?
                .query_row(
                    params![
                        id,
                        short_id,
                        self.account_id,
                        self.target.connection_id,
                        self.target.user_id,
                        t.external_id,
                        t.amount,
                        t.iso_currency_code.to_ascii_uppercase(),
                        t.date.to_string(),
                        t.authorized_date.map(|d| d.to_string()),
                        t.datetime.map(jiff::Timestamp::as_second),
                        t.name,
                        t.merchant_name,
                        t.category_primary,
                        t.category_detailed,
                        t.payment_channel,
                        t.pending,
                        self.pending_id,
                        self.now
                    ],
                    |r| r.get(0),
                )
                .optional()
        })?;
        Ok(match written {
            Some(w) if w == id => Merged::Inserted,
            Some(_) => Merged::Updated,
            None => Merged::Unchanged,
        })
    }
}

/// Hides the pending row a posted row replaces; returns its id for `pending_transaction_id`
/// and whether it was still visible.
fn retire_pending(
    conn: &Connection,
    connection_id: Uuid,
    external_id: &str,
    now: i64,
) -> Result<(Option<Uuid>, bool)> {
    let id: Option<Uuid> = conn
        .prepare_cached(
            "SELECT id FROM transactions WHERE connection_id = ?1 AND external_id = ?2",
        )?
        .query_row(params![connection_id, external_id], |r| r.get(0))
        .optional()?;
    let hidden = id.is_some() && remove(conn, connection_id, external_id, now)?;
    Ok((id, hidden))
}

/// Hides a transaction the provider removed (kept for history, never listed); false when
/// there was no such visible row.
fn remove(conn: &Connection, connection_id: Uuid, external_id: &str, now: i64) -> Result<bool> {
    let hidden = conn
        .prepare_cached(
            "UPDATE transactions SET visible = 0, removed_at = ?3, updated_at = ?3
             WHERE connection_id = ?1 AND external_id = ?2 AND removed_at IS NULL",
        )?
        .execute(params![connection_id, external_id, now])?;
    Ok(hidden > 0)
}

/// What merging one imported row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merged {
    Inserted,
    Updated,
    Unchanged,
}

/// Merges one imported row by `external_id`: new rows are inserted; a known row only
/// has its merchant and category refreshed; identical rows are left alone.
pub fn merge_imported(
    conn: &Connection,
    target: Target,
    account_id: Uuid,
    t: &ProviderTransaction,
    now: i64,
) -> Result<Merged> {
    // New rows (the common case) cost one statement; only known ones are read back.
    let insert = TxInsert {
        target,
        account_id,
        pending_id: None,
        now,
    };
    if insert.insert_new(conn, t)? {
        return Ok(Merged::Inserted);
    }
    let existing: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT merchant_name, category_primary FROM transactions
             WHERE connection_id = ?1 AND external_id = ?2",
        )?
        .query_row(params![target.connection_id, t.external_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match existing {
        None => Err(crate::Error::internal("imported row vanished")),
        Some((m, c)) if m == t.merchant_name && c == t.category_primary => Ok(Merged::Unchanged),
        Some(_) => {
            conn.prepare_cached(
                "UPDATE transactions SET merchant_name = ?3, category_primary = ?4, updated_at = ?5
                 WHERE connection_id = ?1 AND external_id = ?2",
            )?
            .execute(params![
                target.connection_id,
                t.external_id,
                t.merchant_name,
                t.category_primary,
                now
            ])?;
            Ok(Merged::Updated)
        }
    }
}
