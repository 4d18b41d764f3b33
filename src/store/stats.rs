//! Aggregates for `/metrics` (see "Operations" in README.md): finished syncs per provider
//! and outcome, and each live connection's last successful sync. Counts and ids only,
//! never names, amounts or anything a person typed.

use rusqlite::Connection;
use uuid::Uuid;

use crate::error::Result;

/// `(provider, outcome, count)` over finished syncs; outcome is `success` or `error`.
pub fn sync_outcomes(conn: &Connection) -> Result<Vec<(String, String, u64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.provider, l.status, count(*) FROM sync_logs l
         JOIN connections c ON c.id = l.connection_id
         WHERE l.status <> 'in_progress' GROUP BY 1, 2",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.unsigned_abs()))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `(connection id, provider, last successful sync in Unix seconds)` for every connection
/// that is not disconnected and has synced at least once.
pub fn last_successes(conn: &Connection) -> Result<Vec<(Uuid, String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, provider, last_synced_at FROM connections
         WHERE status <> 'disconnected' AND last_synced_at IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
