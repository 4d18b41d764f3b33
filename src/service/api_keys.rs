//! API-key use-cases shared by the HTTP API and the CLI: mint, list, revoke.

use rusqlite::Connection;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::keys;
use crate::service::auth::Scope;
use crate::store::api_keys::{self, ApiKeyRow};

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
        scope: scope.as_str().to_owned(),
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
