//! SQL over the `connections` table.

use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::Page;
use crate::domain::ConnectionStatus;
use crate::error::Result;
use crate::ids::IdRef;

/// A row of `connections` plus its visible account count.
#[derive(Debug, Clone)]
pub struct ConnectionRow {
    pub id: Uuid,
    pub short_id: String,
    pub user_id: Uuid,
    pub provider: String,
    pub institution_id: Option<String>,
    pub institution_name: Option<String>,
    pub status: ConnectionStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub paused: bool,
    pub credentials: Option<Vec<u8>>,
    pub sync_cursor: Option<String>,
    pub last_synced_at: Option<i64>,
    pub consecutive_failures: i64,
    pub next_sync_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub account_count: i64,
    /// The provider's id for the login (Plaid item, Teller enrollment), named by webhooks.
    pub external_id: Option<String>,
}

/// A connection about to be inserted.
#[derive(Debug, Clone)]
pub struct NewConnection {
    pub user_id: Uuid,
    pub provider: String,
    pub institution_id: Option<String>,
    pub institution_name: Option<String>,
    pub credentials: Option<Vec<u8>>,
    pub external_id: Option<String>,
}

/// Keyset position of `connections.list` (created_at, id).
pub type ConnectionKey = (i64, Uuid);

/// Filters of `connections.list`.
#[derive(Debug, Clone, Default)]
pub struct ConnectionFilter {
    pub user_id: Option<Uuid>,
    /// `None` lists every status except `disconnected`.
    pub status: Option<ConnectionStatus>,
}

const SELECT: &str = "SELECT c.id, c.short_id, c.user_id, c.provider, c.institution_id,
    c.institution_name, c.status, c.error_code, c.error_message, c.paused, c.credentials,
    c.sync_cursor, c.last_synced_at, c.consecutive_failures, c.next_sync_at, c.created_at,
    c.updated_at, (SELECT count(*) FROM accounts a WHERE a.connection_id = c.id),
    c.external_id
    FROM connections c";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ConnectionRow> {
    Ok(ConnectionRow {
        id: r.get(0)?,
        short_id: r.get(1)?,
        user_id: r.get(2)?,
        provider: r.get(3)?,
        institution_id: r.get(4)?,
        institution_name: r.get(5)?,
        status: r.get(6)?,
        error_code: r.get(7)?,
        error_message: r.get(8)?,
        paused: r.get(9)?,
        credentials: r.get(10)?,
        sync_cursor: r.get(11)?,
        last_synced_at: r.get(12)?,
        consecutive_failures: r.get(13)?,
        next_sync_at: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        account_count: r.get(17)?,
        external_id: r.get(18)?,
    })
}

/// Inserts a connection (status `active`) and returns it.
pub fn insert(conn: &Connection, new: &NewConnection, now: i64) -> Result<ConnectionRow> {
    let id = crate::ids::new_id();
    super::with_short_id(|short_id| {
        conn.prepare_cached(
            "INSERT INTO connections (id, short_id, user_id, provider, institution_id,
                institution_name, credentials, external_id, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8, ?8)",
        )?
        .execute(params![
            id,
            short_id,
            new.user_id,
            new.provider,
            new.institution_id,
            new.institution_name,
            new.credentials,
            now,
            new.external_id
        ])
    })?;
    get(conn, &IdRef::Uuid(id))?
        .ok_or_else(|| crate::Error::internal("inserted connection vanished"))
}

/// One connection by UUID or short id (any status).
pub fn get(conn: &Connection, id: &IdRef) -> Result<Option<ConnectionRow>> {
    let sql = format!("{SELECT} WHERE c.{} = ?1", id.column());
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// One page ordered by (created_at, id).
pub fn page(
    conn: &Connection,
    filter: &ConnectionFilter,
    limit: u32,
    after: Option<&ConnectionKey>,
) -> Result<Page<ConnectionRow, ConnectionKey>> {
    let sql = format!(
        "{SELECT} WHERE (?1 IS NULL OR c.user_id = ?1)
           AND (CASE WHEN ?2 IS NULL THEN c.status <> 'disconnected' ELSE c.status = ?2 END)
           AND (?3 IS NULL OR (c.created_at, c.id) > (?3, ?4))
         ORDER BY c.created_at, c.id LIMIT ?5"
    );
    let (after_at, after_id) = after.map_or((None, None), |(t, i)| (Some(*t), Some(*i)));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(
            params![
                filter.user_id,
                filter.status,
                after_at,
                after_id,
                i64::from(limit) + 1
            ],
            from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, limit, |c| (c.created_at, c.id)))
}

/// Connections (id, provider) due for a scheduled sync now; the scheduler skips sources
/// the registry does not schedule.
pub fn due_for_sync(conn: &Connection, now: i64) -> Result<Vec<(Uuid, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, provider FROM connections
             WHERE status IN ('active', 'error') AND paused = 0
               AND (next_sync_at IS NULL OR next_sync_at <= ?1)
             ORDER BY coalesce(next_sync_at, 0)",
        )?
        .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The live connection of `provider` whose provider-side id is `external_id`.
pub fn by_external_id(
    conn: &Connection,
    provider: &str,
    external_id: &str,
) -> Result<Option<ConnectionRow>> {
    let sql = format!(
        "{SELECT} WHERE c.provider = ?1 AND c.external_id = ?2 AND c.status <> 'disconnected'"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([provider, external_id], from_row)
        .optional()?)
}

/// Sets a connection's status from a provider's word (a webhook), clearing or setting the
/// error. A connection the person disconnected stays disconnected.
pub fn set_status(
    conn: &Connection,
    id: Uuid,
    status: ConnectionStatus,
    error: Option<(&str, &str)>,
    now: i64,
) -> Result<()> {
    let (code, message) = error.unzip();
    conn.prepare_cached(
        "UPDATE connections SET status = ?2, error_code = ?3, error_message = ?4, updated_at = ?5
         WHERE id = ?1 AND status <> 'disconnected'",
    )?
    .execute(params![id, status, code, message, now])?;
    Ok(())
}

/// Flags a healthy (`active`) connection with a provider's warning, e.g. consent that
/// expires soon; the status stays `active` and syncs keep the flag until a relink.
pub fn set_notice(conn: &Connection, id: Uuid, code: &str, message: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE connections SET error_code = ?2, error_message = ?3, updated_at = ?4
         WHERE id = ?1 AND status = 'active'",
    )?
    .execute(params![id, code, message, now])?;
    Ok(())
}

/// Ids of every connection that is not disconnected, oldest first.
pub fn all_live(conn: &Connection) -> Result<Vec<(Uuid, ConnectionStatus, bool)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, status, paused FROM connections WHERE status <> 'disconnected'
             ORDER BY created_at, id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Records a successful sync: new cursor, status back to active (a failure's error cleared;
/// a notice on an active connection kept, see [`set_notice`]), next run scheduled.
pub fn mark_synced(
    conn: &Connection,
    id: Uuid,
    cursor: Option<&str>,
    now: i64,
    next: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE connections SET sync_cursor = ?2, last_synced_at = ?3, status = 'active',
            error_code = CASE WHEN status = 'active' THEN error_code END,
            error_message = CASE WHEN status = 'active' THEN error_message END,
            consecutive_failures = 0,
            next_sync_at = ?4, updated_at = ?3
         WHERE id = ?1 AND status <> 'disconnected'",
    )?
    .execute(params![id, cursor, now, next])?;
    Ok(())
}

/// Records a failed sync with its status (`error` or `pending_reauth`) and next try.
pub fn mark_failed(
    conn: &Connection,
    id: Uuid,
    status: ConnectionStatus,
    code: &str,
    message: &str,
    now: i64,
    next: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE connections SET status = ?2, error_code = ?3, error_message = ?4,
            consecutive_failures = consecutive_failures + 1, next_sync_at = ?6, updated_at = ?5
         WHERE id = ?1 AND status <> 'disconnected'",
    )?
    .execute(params![id, status, code, message, now, next])?;
    Ok(())
}

/// Sets `paused`.
pub fn set_paused(conn: &Connection, id: Uuid, paused: bool, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE connections SET paused = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, paused, now])?;
    Ok(())
}

/// Disconnects: wipes the stored secret and hides the connection's transactions.
pub fn disconnect(conn: &Connection, id: Uuid, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE connections SET status = 'disconnected', credentials = NULL, sync_cursor = NULL,
            updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, now])?;
    conn.prepare_cached(
        "UPDATE transactions SET visible = 0 WHERE connection_id = ?1 AND visible = 1",
    )?
    .execute([id])?;
    Ok(())
}

/// Re-authenticated: new secret, back to `active`, error cleared, syncing from scratch is
/// not needed (the cursor is kept).
pub fn relink(
    conn: &Connection,
    id: Uuid,
    sealed: &[u8],
    linked: (Option<&str>, Option<&str>),
    now: i64,
) -> Result<()> {
    let (institution_name, external_id) = linked;
    conn.prepare_cached(
        "UPDATE connections SET credentials = ?2, status = 'active', error_code = NULL,
            error_message = NULL, consecutive_failures = 0, next_sync_at = NULL,
            institution_name = coalesce(?3, institution_name),
            external_id = coalesce(?5, external_id), updated_at = ?4
         WHERE id = ?1 AND status <> 'disconnected'",
    )?
    .execute(params![id, sealed, institution_name, now, external_id])?;
    Ok(())
}

/// Shows a provider's warning on an `active` connection (cleared by the next clean sync).
pub fn note_warning(conn: &Connection, id: Uuid, message: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE connections SET error_code = 'PROVIDER_WARNING', error_message = ?2,
            updated_at = ?3 WHERE id = ?1 AND status = 'active'",
    )?
    .execute(params![id, message, now])?;
    Ok(())
}

/// The user's oldest live connection through `provider`, if any.
pub fn first_live_of(conn: &Connection, user_id: Uuid, provider: &str) -> Result<Option<Uuid>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM connections
             WHERE user_id = ?1 AND provider = ?2 AND status <> 'disconnected'
             ORDER BY created_at, id LIMIT 1",
        )?
        .query_row(params![user_id, provider], |r| r.get(0))
        .optional()?)
}
