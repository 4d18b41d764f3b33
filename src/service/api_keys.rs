//! API-key use-cases shared by the HTTP API and the CLI: mint, list, revoke.

use rusqlite::Connection;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::keys;
use crate::service::auth::Scope;
use crate::state::AppState;
use crate::store::Page;
use crate::store::api_keys::{self, ApiKeyKey, ApiKeyRow};

/// A freshly minted key: the row plus the plaintext, which exists only here.
pub struct MintedKey {
    pub row: ApiKeyRow,
    pub key: String,
}

/// Validates the name and hashes a new key (blocking: argon2). Nothing is stored yet.
pub fn prepare(name: &str, scope: Scope) -> Result<MintedKey> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::Validation("name: must be 1-200 characters".into()));
    }
    let key = keys::generate_api_key();
    let row = ApiKeyRow {
        id: crate::ids::new_id(),
        name: name.to_owned(),
        key_prefix: key[..keys::KEY_PREFIX_LEN].to_owned(),
        key_hash: keys::hash_secret(&key)?,
        scope,
        last_used_at: None,
        revoked_at: None,
        created_at: crate::time::now(),
    };
    Ok(MintedKey { row, key })
}

/// Stores a prepared key.
pub fn store(conn: &Connection, minted: &MintedKey) -> Result<()> {
    api_keys::insert(conn, &minted.row)
}

/// Revokes a key by id; `NotFound` if there is none.
pub fn revoke(conn: &Connection, id: Uuid) -> Result<()> {
    if api_keys::revoke(conn, id, crate::time::now())? {
        Ok(())
    } else {
        Err(Error::NotFound("API key"))
    }
}

/// Mints and stores a key for the server: argon2 on the blocking pool, then the write gate.
pub async fn create(state: &AppState, name: String, scope: Scope) -> Result<MintedKey> {
    let minted = tokio::task::spawn_blocking(move || prepare(&name, scope)).await??;
    state
        .db
        .write(move |tx| store(tx, &minted).map(|()| minted))
        .await
}

/// Revokes a key and forgets it in the auth cache, so it fails from the next request on.
pub async fn revoke_now(state: &AppState, id: Uuid) -> Result<()> {
    state.db.write(move |tx| revoke(tx, id)).await?;
    state.auth.forget(id);
    Ok(())
}

/// A key's row with its not-yet-flushed `last_used_at`, or 404.
pub async fn get(state: &AppState, id: Uuid) -> Result<ApiKeyRow> {
    let mut row = state
        .db
        .lookup(move |c| api_keys::get(c, id))
        .await?
        .ok_or(Error::NotFound("API key"))?;
    with_pending_last_used(state, &mut row);
    Ok(row)
}

/// A page of keys, newest first, each with its not-yet-flushed `last_used_at`.
pub async fn page(
    state: &AppState,
    limit: u32,
    after: Option<ApiKeyKey>,
) -> Result<Page<ApiKeyRow, ApiKeyKey>> {
    let mut page = state
        .db
        .read(move |c| api_keys::page(c, limit, after.as_ref()))
        .await?;
    for row in &mut page.items {
        with_pending_last_used(state, row);
    }
    Ok(page)
}

/// `last_used_at` is flushed to the database every few seconds; show the newer value.
fn with_pending_last_used(state: &AppState, row: &mut ApiKeyRow) {
    let pending = state.auth.pending_last_used(row.id);
    row.last_used_at = row.last_used_at.max(pending);
}
