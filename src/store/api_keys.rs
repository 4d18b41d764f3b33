//! SQL over the `api_keys` table. Only hashes live here; plaintext keys never do.

use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::Page;
use crate::domain::KeyScope;
use crate::error::Result;

/// A row of `api_keys`, hash included (never serialised).
#[derive(Debug, Clone)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub key_prefix: String,
    pub key_hash: String,
    pub scope: KeyScope,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
}

/// Keyset position of `api_keys.list` (newest first: created_at desc, id desc).
pub type ApiKeyKey = (i64, Uuid);

const COLUMNS: &str = "id, name, key_prefix, key_hash, scope, last_used_at, revoked_at, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ApiKeyRow> {
    Ok(ApiKeyRow {
        id: r.get(0)?,
        name: r.get(1)?,
        key_prefix: r.get(2)?,
        key_hash: r.get(3)?,
        scope: r.get(4)?,
        last_used_at: r.get(5)?,
        revoked_at: r.get(6)?,
        created_at: r.get(7)?,
    })
}

/// Inserts a new key row.
pub fn insert(conn: &Connection, row: &ApiKeyRow) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO api_keys ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    ))?
    .execute(params![
        row.id,
        row.name,
        row.key_prefix,
        row.key_hash,
        row.scope,
        row.last_used_at,
        row.revoked_at,
        row.created_at
    ])?;
    Ok(())
}

/// Rows sharing a `key_prefix` (almost always zero or one).
pub fn by_prefix(conn: &Connection, prefix: &str) -> Result<Vec<ApiKeyRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM api_keys WHERE key_prefix = ?1"
        ))?
        .query_map([prefix], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// One key by id.
pub fn get(conn: &Connection, id: Uuid) -> Result<Option<ApiKeyRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// One page, newest first, starting after `after`.
pub fn page(
    conn: &Connection,
    limit: u32,
    after: Option<&ApiKeyKey>,
) -> Result<Page<ApiKeyRow, ApiKeyKey>> {
    let fetch = i64::from(limit) + 1;
    let rows = match after {
        None => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC LIMIT ?1"
            ))?
            .query_map([fetch], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        Some((created_at, id)) => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM api_keys WHERE (created_at, id) < (?1, ?2)
                 ORDER BY created_at DESC, id DESC LIMIT ?3"
            ))?
            .query_map(params![created_at, id, fetch], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(Page::from_rows(rows, limit, |k| (k.created_at, k.id)))
}

/// Marks a key revoked (keeps the first revocation time). Returns false if no such key.
pub fn revoke(conn: &Connection, id: Uuid, now: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1")?
        .execute(params![id, now])?
        > 0)
}

/// Records when keys were last used (batched by the authenticator).
pub fn touch_last_used(conn: &Connection, updates: &[(Uuid, i64)]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?2) WHERE id = ?1",
    )?;
    for (id, at) in updates {
        stmt.execute(params![id, at])?;
    }
    Ok(())
}
