//! SQL over the `users` table.

use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::Page;
use crate::error::{Error, Result};
use crate::ids::IdRef;

/// A row of `users`.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub short_id: String,
    pub name: String,
    pub email: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Keyset position of `users.list` (ordered by name, then id).
pub type UserKey = (String, Uuid);

const COLUMNS: &str = "id, short_id, name, email, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        short_id: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

/// Inserts a user, retrying on the (rare) short-id collision.
pub fn insert(conn: &Connection, name: &str, email: Option<&str>, now: i64) -> Result<UserRow> {
    super::with_short_id(|short_id| {
        let row = UserRow {
            id: crate::ids::new_id(),
            short_id,
            name: name.to_owned(),
            email: email.map(str::to_owned),
            created_at: now,
            updated_at: now,
        };
        conn.prepare_cached(&format!(
            "INSERT INTO users ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        ))?
        .execute(params![row.id, row.short_id, row.name, row.email, now, now])?;
        Ok(row)
    })
    .map_err(email_conflict)
}

/// Finds one user by UUID or short id.
pub fn get(conn: &Connection, id: &IdRef) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {} = ?1", id.column());
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// One page ordered by (name, id), starting after `after`.
pub fn page(
    conn: &Connection,
    limit: u32,
    after: Option<&UserKey>,
) -> Result<Page<UserRow, UserKey>> {
    let fetch = i64::from(limit) + 1;
    let rows = match after {
        None => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM users ORDER BY name, id LIMIT ?1"
            ))?
            .query_map([fetch], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        Some((name, id)) => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM users WHERE (name, id) > (?1, ?2) ORDER BY name, id LIMIT ?3"
            ))?
            .query_map(params![name, id, fetch], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(Page::from_rows(rows, limit, |u| (u.name.clone(), u.id)))
}

/// Writes name and email back; the caller decided the new values.
pub fn update(conn: &Connection, user: &UserRow) -> Result<()> {
    conn.prepare_cached("UPDATE users SET name = ?2, email = ?3, updated_at = ?4 WHERE id = ?1")?
        .execute(params![user.id, user.name, user.email, user.updated_at])
        .map_err(email_conflict)?;
    Ok(())
}

/// Deletes a user row.
pub fn delete(conn: &Connection, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM users WHERE id = ?1")?
        .execute([id])?
        > 0)
}

fn email_conflict(err: rusqlite::Error) -> Error {
    if super::unique_violation(&err).is_some_and(|m| m.contains("users.email")) {
        return Error::Conflict("a user with this email already exists".into());
    }
    err.into()
}

/// Whether any connection references the user.
pub fn owns_connections(conn: &Connection, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM connections WHERE user_id = ?1)")?
        .query_row([id], |r| r.get(0))?)
}
