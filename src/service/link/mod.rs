//! Hosted-link use-cases: mint and poll sessions for agents (here) and the token-gated steps
//! the page performs (`page`). Every state change goes through `link::lifecycle` inside one
//! write transaction, so two tabs finishing at once cannot both succeed.

mod page;

pub use page::{claim, done, fail, finish, start};

use uuid::Uuid;

use crate::domain::{AttemptStatus, ConnectionStatus, LinkAction};
use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::keys::sha256;
use crate::link::lifecycle::{self, Event, Refusal, Snapshot, Status, Transition};
use crate::link::urls;
use crate::providers::{PageFlow, ProviderInfo};
use crate::state::AppState;
use crate::store::connections::{self, ConnectionRow};
use crate::store::link_sessions::{self as store, AttemptRow, SessionRow};
use crate::store::users;

/// What an agent asked for.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub user: IdRef,
    pub provider: String,
    pub single_use: bool,
    pub redirect_url: Option<String>,
    pub label: Option<String>,
    pub expires_in_seconds: i64,
}

/// A new session and its token (shown once).
#[derive(Debug, Clone)]
pub struct Minted {
    pub view: SessionView,
    pub token: String,
}

/// A session with its attempts and results, status as a reader sees it now.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub row: SessionRow,
    pub attempts: Vec<AttemptRow>,
    pub results: Vec<(Uuid, u32)>,
}

/// What the page shows for a provider's flow.
#[derive(Debug, Clone)]
pub struct Flow {
    pub info: ProviderInfo,
    pub page: PageFlow,
}

/// The outcome of finishing a flow.
#[derive(Debug, Clone)]
pub struct Finished {
    pub connection: ConnectionRow,
    pub view: SessionView,
}

/// Default lifetime: 4 hours.
pub const DEFAULT_EXPIRY: i64 = 4 * 3600;

/// Mints a `link` session.
pub async fn create(state: &AppState, req: NewLink) -> Result<Minted> {
    let label = check_label(req.label.as_deref())?;
    let redirect = check_redirect(req.redirect_url.as_deref())?;
    check_expiry(req.expires_in_seconds)?;
    let provider = req.provider.trim().to_owned();
    let on_page = state
        .providers
        .get(&provider)
        .is_some_and(|p| p.info().on_page);
    if !provider.is_empty() && !on_page {
        return Err(Error::Validation(format!(
            "provider: `{provider}` is not a configured provider"
        )));
    }
    let user = req.user.clone();
    let user = state
        .db
        .lookup(move |c| users::get(c, &user))
        .await?
        .ok_or(Error::NotFound("user"))?;
    let row = new_row(
        user.id,
        provider,
        LinkAction::Link,
        None,
        req.single_use,
        redirect,
        label,
        req.expires_in_seconds,
    );
    insert(state, row).await
}

/// Mints a `relink` session for a connection (single use, pinned to its provider).
pub async fn relink(
    state: &AppState,
    conn: IdRef,
    redirect_url: Option<&str>,
    label: Option<&str>,
    expires_in: i64,
) -> Result<Minted> {
    let label = check_label(label)?;
    let redirect = check_redirect(redirect_url)?;
    check_expiry(expires_in)?;
    let conn = state
        .db
        .lookup(move |c| connections::get(c, &conn))
        .await?
        .ok_or(Error::NotFound("connection"))?;
    if conn.status == ConnectionStatus::Disconnected {
        return Err(Error::Conflict(
            "the connection is disconnected; create a new link session instead".into(),
        ));
    }
    let row = new_row(
        conn.user_id,
        conn.provider.clone(),
        LinkAction::Relink,
        Some(conn.id),
        true,
        redirect,
        label,
        expires_in,
    );
    insert(state, row).await
}

#[allow(clippy::too_many_arguments)]
fn new_row(
    user_id: Uuid,
    provider: String,
    action: LinkAction,
    connection_id: Option<Uuid>,
    single_use: bool,
    redirect_url: String,
    label: String,
    expires_in: i64,
) -> SessionRow {
    let now = crate::time::now();
    SessionRow {
        id: crate::ids::new_id(),
        short_id: String::new(),
        user_id,
        provider,
        action,
        connection_id,
        single_use,
        redirect_url,
        label,
        status: Status::Pending,
        error_code: None,
        error_message: None,
        expires_at: now + expires_in,
        started_at: None,
        completed_at: None,
        created_at: now,
    }
}

async fn insert(state: &AppState, row: SessionRow) -> Result<Minted> {
    let token = urls::new_token();
    let hash = sha256(token.as_bytes());
    let row = state
        .db
        .write(move |tx| store::insert(tx, &row, &hash))
        .await?;
    Ok(Minted {
        view: SessionView {
            row,
            attempts: vec![],
            results: vec![],
        },
        token,
    })
}

fn check_label(label: Option<&str>) -> Result<String> {
    let label = label.unwrap_or_default().trim();
    if label.chars().count() > 200 {
        return Err(Error::Validation("label: at most 200 characters".into()));
    }
    Ok(label.to_owned())
}

fn check_redirect(url: Option<&str>) -> Result<String> {
    match url.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok(String::new()),
        Some(u) => urls::check_redirect(u).map_err(Error::Validation),
    }
}

fn check_expiry(secs: i64) -> Result<()> {
    if (60..=86_400).contains(&secs) {
        Ok(())
    } else {
        Err(Error::Validation(
            "expires_in_seconds: must be between 60 and 86400".into(),
        ))
    }
}

/// A session for an agent (by id), status as of now.
pub async fn view(state: &AppState, id: IdRef) -> Result<SessionView> {
    state
        .db
        .lookup(move |c| {
            let row = store::get(c, &id)?.ok_or(Error::NotFound("link session"))?;
            load_view(c, row)
        })
        .await
}

fn load_view(c: &rusqlite::Connection, mut row: SessionRow) -> Result<SessionView> {
    let attempts = store::attempts(c, row.id)?;
    let results = store::results(c, row.id)?;
    let snap = snapshot(&row, &attempts, &results);
    let effective = lifecycle::effective_status(&snap, crate::time::now());
    row.status = effective;
    if effective != Status::Failed {
        row.error_code = None;
        row.error_message = None;
    }
    Ok(SessionView {
        row,
        attempts,
        results,
    })
}

fn snapshot(row: &SessionRow, attempts: &[AttemptRow], results: &[(Uuid, u32)]) -> Snapshot {
    Snapshot {
        status: row.status,
        single_use: row.single_use,
        expires_at: row.expires_at,
        started_at: row.started_at,
        has_results: !results.is_empty(),
        active_attempt: attempts
            .iter()
            .find(|a| a.status == AttemptStatus::Active)
            .map(|a| a.number),
        last_attempt: attempts.last().map_or(0, |a| a.number),
    }
}

fn refusal(r: Refusal) -> Error {
    match r {
        Refusal::Expired => {
            Error::Token("EXPIRED", "this link has expired; ask for a new one".into())
        }
        Refusal::Consumed => Error::Token("CONSUMED", "this link has already been used".into()),
        Refusal::Gone => Error::Token("GONE", "this link can no longer be used".into()),
        Refusal::NotAllowed(m) => Error::Forbidden(m.into()),
    }
}

fn invalid_token() -> Error {
    Error::Token("INVALID_TOKEN", "this link is not valid".into())
}

/// Loads the session behind a token.
fn by_token(c: &rusqlite::Connection, token: &str) -> Result<SessionRow> {
    if !urls::is_token_shaped(token) {
        return Err(invalid_token());
    }
    store::by_token_hash(c, &sha256(token.as_bytes()))?.ok_or_else(invalid_token)
}

/// Applies `event` to the token's session in one write transaction.
async fn transition(state: &AppState, token: &str, event: Event) -> Result<SessionView> {
    let token = token.to_owned();
    state
        .db
        .write(move |tx| {
            let row = by_token(tx, &token)?;
            let (t, row) = apply_event(tx, row, &event)?;
            let _ = t;
            load_view(tx, row)
        })
        .await
}

/// Computes and stores one transition; returns it with the updated row.
fn apply_event(
    tx: &rusqlite::Connection,
    row: SessionRow,
    event: &Event,
) -> Result<(Transition, SessionRow)> {
    let attempts = store::attempts(tx, row.id)?;
    let results = store::results(tx, row.id)?;
    let snap = snapshot(&row, &attempts, &results);
    let now = crate::time::now();
    let t = lifecycle::apply(&snap, event, now).map_err(refusal)?;
    store::apply(tx, &row, &t, &row.provider, now)?;
    let row =
        store::get(tx, &IdRef::Uuid(row.id))?.ok_or_else(|| Error::internal("session vanished"))?;
    Ok((t, row))
}

/// Persists expiry of sessions past `expires_at` (run periodically). Returns how many.
pub async fn sweep(state: &AppState) -> Result<usize> {
    state
        .db
        .write(|tx| {
            let mut n = 0;
            for row in store::expiry_candidates(tx, crate::time::now())? {
                let (t, _) = apply_event(tx, row, &Event::Sweep)?;
                n += usize::from(t.status == Status::Expired);
            }
            Ok(n)
        })
        .await
}

/// The token's session without claiming it (the HTML page decides what to render).
pub async fn peek(state: &AppState, token: &str) -> Result<SessionView> {
    let token = token.to_owned();
    state
        .db
        .lookup(move |c| {
            let row = by_token(c, &token)?;
            let view = load_view(c, row)?;
            match Some(view.row.status) {
                Some(Status::Expired) => Err(refusal(Refusal::Expired)),
                Some(Status::Consumed) => Err(refusal(Refusal::Consumed)),
                _ => Ok(view),
            }
        })
        .await
}
