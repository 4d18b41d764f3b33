//! SQL over `hosted_link_sessions`, `hosted_link_attempts` and `hosted_link_results`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::domain::LinkAction;
use crate::error::Result;
use crate::ids::IdRef;
use crate::link::lifecycle::{AttemptStatus, Status, Transition};

/// A row of `hosted_link_sessions` (the token hash stays in the database).
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: Uuid,
    pub short_id: String,
    pub user_id: Uuid,
    pub provider: String,
    pub action: LinkAction,
    pub connection_id: Option<Uuid>,
    pub single_use: bool,
    pub redirect_url: String,
    pub label: String,
    pub status: Status,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub expires_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub created_at: i64,
}

/// A row of `hosted_link_attempts`.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub number: u32,
    pub status: AttemptStatus,
    pub provider: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, short_id, user_id, provider, action, connection_id, single_use,
    redirect_url, label, status, error_code, error_message, expires_at, started_at,
    completed_at, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: r.get(0)?,
        short_id: r.get(1)?,
        user_id: r.get(2)?,
        provider: r.get(3)?,
        action: r.get(4)?,
        connection_id: r.get(5)?,
        single_use: r.get(6)?,
        redirect_url: r.get(7)?,
        label: r.get(8)?,
        status: r.get(9)?,
        error_code: r.get(10)?,
        error_message: r.get(11)?,
        expires_at: r.get(12)?,
        started_at: r.get(13)?,
        completed_at: r.get(14)?,
        created_at: r.get(15)?,
    })
}

/// Inserts a new session (short id chosen here) and returns it.
pub fn insert(conn: &Connection, row: &SessionRow, token_hash: &[u8; 32]) -> Result<SessionRow> {
    let short_id = super::with_short_id(|short_id| {
        conn.prepare_cached(&format!(
            "INSERT INTO hosted_link_sessions ({COLUMNS}, token_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
        ))?
        .execute(params![
            row.id,
            short_id,
            row.user_id,
            row.provider,
            row.action,
            row.connection_id,
            row.single_use,
            row.redirect_url,
            row.label,
            row.status,
            row.error_code,
            row.error_message,
            row.expires_at,
            row.started_at,
            row.completed_at,
            row.created_at,
            token_hash.as_slice()
        ])?;
        Ok(short_id)
    })?;
    Ok(SessionRow {
        short_id,
        ..row.clone()
    })
}

/// One session by UUID or short id.
pub fn get(conn: &Connection, id: &IdRef) -> Result<Option<SessionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM hosted_link_sessions WHERE {} = ?1",
        id.column()
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// The session a token belongs to.
pub fn by_token_hash(conn: &Connection, hash: &[u8; 32]) -> Result<Option<SessionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM hosted_link_sessions WHERE token_hash = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([hash.as_slice()], from_row)
        .optional()?)
}

/// Every attempt, oldest first.
pub fn attempts(conn: &Connection, session_id: Uuid) -> Result<Vec<AttemptRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT number, status, provider, error_code, error_message, started_at, finished_at
             FROM hosted_link_attempts WHERE session_id = ?1 ORDER BY number",
        )?
        .query_map([session_id], |r| {
            Ok(AttemptRow {
                number: r.get(0)?,
                status: r.get(1)?,
                provider: r.get(2)?,
                error_code: r.get(3)?,
                error_message: r.get(4)?,
                started_at: r.get(5)?,
                finished_at: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Connections the session added, in order, with the attempt that added each.
pub fn results(conn: &Connection, session_id: Uuid) -> Result<Vec<(Uuid, u32)>> {
    Ok(conn
        .prepare_cached(
            "SELECT connection_id, attempt FROM hosted_link_results
             WHERE session_id = ?1 ORDER BY created_at, attempt, connection_id",
        )?
        .query_map([session_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Records a connection the session added.
pub fn add_result(
    conn: &Connection,
    session_id: Uuid,
    connection_id: Uuid,
    attempt: u32,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO hosted_link_results (session_id, connection_id, attempt, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![session_id, connection_id, attempt, now])?;
    Ok(())
}

/// Notes which provider the running attempt uses.
pub fn set_attempt_provider(
    conn: &Connection,
    session_id: Uuid,
    number: u32,
    provider: &str,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE hosted_link_attempts SET provider = ?3 WHERE session_id = ?1 AND number = ?2",
    )?
    .execute(params![session_id, number, provider])?;
    Ok(())
}

/// Persists a lifecycle transition.
pub fn apply(
    conn: &Connection,
    session: &SessionRow,
    t: &Transition,
    provider: &str,
    now: i64,
) -> Result<()> {
    if let Some(number) = t.new_attempt {
        conn.prepare_cached(
            "INSERT INTO hosted_link_attempts (session_id, number, status, provider, started_at)
             VALUES (?1, ?2, 'active', ?3, ?4)",
        )?
        .execute(params![session.id, number, provider, now])?;
    }
    if let Some((number, status)) = t.finish_attempt {
        let (code, message) = match (&t.attempt_error, status) {
            (Some((c, m)), AttemptStatus::Failed) => (Some(c.as_str()), Some(m.as_str())),
            _ => (None, None),
        };
        conn.prepare_cached(
            "UPDATE hosted_link_attempts SET status = ?3, error_code = ?4, error_message = ?5,
                finished_at = ?6 WHERE session_id = ?1 AND number = ?2",
        )?
        .execute(params![
            session.id,
            number,
            status.as_str(),
            code,
            message,
            now
        ])?;
    }
    update_session(conn, session, t, now)
}

fn update_session(conn: &Connection, session: &SessionRow, t: &Transition, now: i64) -> Result<()> {
    let (code, message) = match (&t.set_error, t.clear_error) {
        (Some((c, m)), _) => (Some(c.clone()), Some(m.clone())),
        (None, true) => (None, None),
        (None, false) => (session.error_code.clone(), session.error_message.clone()),
    };
    // Error fields exist only while the session is failed.
    let (code, message) = if t.status == Status::Failed {
        (code, message)
    } else {
        (None, None)
    };
    let started = if t.stamp_started_at && session.started_at.is_none() {
        Some(now)
    } else {
        session.started_at
    };
    let completed = if t.stamp_completed_at {
        Some(now)
    } else {
        session.completed_at
    };
    conn.prepare_cached(
        "UPDATE hosted_link_sessions SET status = ?2, error_code = ?3, error_message = ?4,
            started_at = ?5, completed_at = ?6 WHERE id = ?1",
    )?
    .execute(params![
        session.id,
        t.status.as_str(),
        code,
        message,
        started,
        completed
    ])?;
    Ok(())
}

/// Sessions that may have expired by `now` (the sweep re-checks each with the lifecycle).
pub fn expiry_candidates(conn: &Connection, now: i64) -> Result<Vec<SessionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM hosted_link_sessions
         WHERE status IN ('pending', 'active', 'failed') AND expires_at <= ?1 LIMIT 500"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map([now], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// How many of the user's sessions can still be used (not consumed, not expired).
pub fn usable_for_user(conn: &Connection, user_id: Uuid, now: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM hosted_link_sessions
             WHERE user_id = ?1 AND status NOT IN ('consumed', 'expired') AND expires_at > ?2",
        )?
        .query_row(params![user_id, now], |r| r.get(0))?)
}

/// Deletes the user's sessions with their attempts and results (before deleting the user).
pub fn delete_for_user(conn: &Connection, user_id: Uuid) -> Result<()> {
    for table in ["hosted_link_results", "hosted_link_attempts"] {
        conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE session_id IN
                (SELECT id FROM hosted_link_sessions WHERE user_id = ?1)"
        ))?
        .execute([user_id])?;
    }
    conn.prepare_cached("DELETE FROM hosted_link_sessions WHERE user_id = ?1")?
        .execute([user_id])?;
    Ok(())
}
