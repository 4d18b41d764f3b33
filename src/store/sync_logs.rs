//! SQL over the `sync_logs` table.

use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::Page;
use crate::domain::{SyncStatus, SyncTrigger};
use crate::error::Result;
use crate::ids::IdRef;

/// A row of `sync_logs`.
#[derive(Debug, Clone)]
pub struct SyncLogRow {
    pub id: Uuid,
    pub short_id: String,
    pub connection_id: Uuid,
    pub trigger: SyncTrigger,
    pub status: SyncStatus,
    pub added_count: i64,
    pub modified_count: i64,
    pub removed_count: i64,
    pub error_message: Option<String>,
    pub started_at: i64,
    pub completed_at: Option<i64>,
    pub duration_ms: Option<i64>,
}

/// Added / modified / removed counts of one sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub added: i64,
    pub modified: i64,
    pub removed: i64,
}

/// Keyset position of `sync_logs.list` (newest first: started_at desc, id desc).
pub type SyncLogKey = (i64, Uuid);

/// Filters of `sync_logs.list`.
#[derive(Debug, Clone, Default)]
pub struct SyncLogFilter {
    pub connection_id: Option<Uuid>,
    pub status: Option<SyncStatus>,
}

const COLUMNS: &str = "id, short_id, connection_id, trigger, status, added_count, modified_count,
    removed_count, error_message, started_at, completed_at, duration_ms";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SyncLogRow> {
    Ok(SyncLogRow {
        id: r.get(0)?,
        short_id: r.get(1)?,
        connection_id: r.get(2)?,
        trigger: r.get(3)?,
        status: r.get(4)?,
        added_count: r.get(5)?,
        modified_count: r.get(6)?,
        removed_count: r.get(7)?,
        error_message: r.get(8)?,
        started_at: r.get(9)?,
        completed_at: r.get(10)?,
        duration_ms: r.get(11)?,
    })
}

/// Starts a log `in_progress`.
pub fn start(
    conn: &Connection,
    connection_id: Uuid,
    trigger: SyncTrigger,
    now: i64,
) -> Result<Uuid> {
    let id = crate::ids::new_id();
    super::with_short_id(|short_id| {
        conn.prepare_cached(
            "INSERT INTO sync_logs (id, short_id, connection_id, trigger, status, started_at)
             VALUES (?1, ?2, ?3, ?4, 'in_progress', ?5)",
        )?
        .execute(params![id, short_id, connection_id, trigger, now])
    })?;
    Ok(id)
}

/// Finishes a log as `success` with its counts.
pub fn succeed(
    conn: &Connection,
    id: Uuid,
    counts: Counts,
    now: i64,
    duration_ms: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE sync_logs SET status = 'success', added_count = ?2, modified_count = ?3,
            removed_count = ?4, completed_at = ?5, duration_ms = ?6 WHERE id = ?1",
    )?
    .execute(params![
        id,
        counts.added,
        counts.modified,
        counts.removed,
        now,
        duration_ms
    ])?;
    Ok(())
}

/// Finishes a log as `error`.
pub fn fail(conn: &Connection, id: Uuid, message: &str, now: i64, duration_ms: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE sync_logs SET status = 'error', error_message = ?2, completed_at = ?3,
            duration_ms = ?4 WHERE id = ?1",
    )?
    .execute(params![id, message, now, duration_ms])?;
    Ok(())
}

/// Marks logs a crash left `in_progress` as `error` ("interrupted"). Returns how many.
pub fn interrupt_stale(conn: &Connection, now: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE sync_logs SET status = 'error', error_message = 'interrupted',
                completed_at = ?1, duration_ms = max(0, (?1 - started_at) * 1000)
             WHERE status = 'in_progress'",
        )?
        .execute([now])?)
}

/// One log by UUID or short id.
pub fn get(conn: &Connection, id: &IdRef) -> Result<Option<SyncLogRow>> {
    let sql = format!("SELECT {COLUMNS} FROM sync_logs WHERE {} = ?1", id.column());
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// The newest log of a connection.
pub fn latest(conn: &Connection, connection_id: Uuid) -> Result<Option<SyncLogRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sync_logs WHERE connection_id = ?1
         ORDER BY started_at DESC, id DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([connection_id], from_row)
        .optional()?)
}

/// One page, newest first.
pub fn page(
    conn: &Connection,
    filter: &SyncLogFilter,
    limit: u32,
    after: Option<&SyncLogKey>,
) -> Result<Page<SyncLogRow, SyncLogKey>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sync_logs
         WHERE (?1 IS NULL OR connection_id = ?1) AND (?2 IS NULL OR status = ?2)
           AND (?3 IS NULL OR (started_at, id) < (?3, ?4))
         ORDER BY started_at DESC, id DESC LIMIT ?5"
    );
    let (after_at, after_id) = after.map_or((None, None), |(t, i)| (Some(*t), Some(*i)));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(
            params![
                filter.connection_id,
                filter.status,
                after_at,
                after_id,
                i64::from(limit) + 1
            ],
            from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, limit, |l| (l.started_at, l.id)))
}

/// Keeps what the provider warned about on a finished log (`error_message` of a `success`).
pub fn note(conn: &Connection, id: Uuid, message: &str) -> Result<()> {
    conn.prepare_cached("UPDATE sync_logs SET error_message = ?2 WHERE id = ?1")?
        .execute(params![id, message])?;
    Ok(())
}
