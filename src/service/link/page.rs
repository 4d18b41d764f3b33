//! The token-gated steps the hosted page performs: claim, start a provider's flow, finish
//! (link through the provider, record the connection), fail and done. The session is
//! checked before any provider is called, so a used or expired token never costs an
//! upstream exchange.

use std::sync::Arc;

use uuid::Uuid;

use super::{Finished, Flow, SessionView, apply_event, by_token, load_view, snapshot};
use super::{refusal, transition};
use crate::domain::{AttemptStatus, LinkAction, SyncTrigger};
use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::link::lifecycle::{self, Event};
use crate::providers::{Linked, Provider, ProviderError, Relink, StartContext};
use crate::state::AppState;
use crate::store::connections::{self, NewConnection};
use crate::store::link_sessions::{self as store, SessionRow};

/// The page opened: claims the session (pending/failed → active with a new attempt).
pub async fn claim(state: &AppState, token: &str) -> Result<SessionView> {
    transition(state, token, Event::Open).await
}

/// Starts a provider's flow on the page: what to show (a form, or a script and its config).
pub async fn start(state: &AppState, token: &str, provider: &str) -> Result<Flow> {
    let view = transition(state, token, Event::Open).await?;
    let p = page_provider(state, &view.row, provider)?;
    if let Some(number) = view
        .attempts
        .iter()
        .find(|a| a.status == AttemptStatus::Active)
        .map(|a| a.number)
    {
        let (id, name) = (view.row.id, provider.to_owned());
        state
            .db
            .write(move |tx| store::set_attempt_provider(tx, id, number, &name))
            .await?;
    }
    let ctx = StartContext {
        user_id: view.row.user_id,
        public_url: state.config.public_url.clone(),
        relink: relink_of(state, &view.row).await?,
    };
    let page = match p.start(&ctx).await {
        Ok(page) => page,
        Err(e) => return Err(fail_attempt(state, token, e).await),
    };
    Ok(Flow {
        info: p.info(),
        page,
    })
}

/// The configured provider `name`, if this session may use it on the page.
fn page_provider(state: &AppState, row: &SessionRow, name: &str) -> Result<Arc<dyn Provider>> {
    if !row.provider.is_empty() && row.provider != name {
        return Err(Error::Forbidden(format!(
            "this link is for `{}` only",
            row.provider
        )));
    }
    state
        .providers
        .get(name)
        .filter(|p| p.info().on_page)
        .ok_or(Error::NotFound("provider"))
}

/// For a relink session: the connection's stored secret and provider-side id.
async fn relink_of(state: &AppState, row: &SessionRow) -> Result<Option<Relink>> {
    let Some(id) = row.connection_id else {
        return Ok(None);
    };
    let conn = crate::service::connections::get(state, IdRef::Uuid(id)).await?;
    let secret = match &conn.credentials {
        Some(sealed) => state.credentials.open(sealed)?,
        None => String::new(),
    };
    Ok(Some(Relink {
        secret,
        external_id: conn.external_id,
    }))
}

/// The person pressed Done.
pub async fn done(state: &AppState, token: &str) -> Result<SessionView> {
    transition(state, token, Event::Done).await
}

/// The page reports a failure.
pub async fn fail(state: &AppState, token: &str, code: &str, message: &str) -> Result<SessionView> {
    transition(
        state,
        token,
        Event::Fail {
            code: code.to_owned(),
            message: message.to_owned(),
        },
    )
    .await
}

/// A provider failure fails the running attempt (credentials the person can fix do not).
async fn fail_attempt(state: &AppState, token: &str, e: ProviderError) -> Error {
    if !matches!(e, ProviderError::InvalidCredentials(_))
        && let Err(failed) = fail(state, token, e.code(), &e.to_string()).await
    {
        return failed;
    }
    e.into()
}

/// Finishes the provider flow: links, records the connection, moves the session, then
/// runs the initial sync so the page can show the accounts.
pub async fn finish(
    state: &AppState,
    token: &str,
    provider: &str,
    credentials: &serde_json::Value,
) -> Result<Finished> {
    let row = usable_for_success(state, token).await?;
    let p = page_provider(state, &row, provider)?;
    let linked = match relink_of(state, &row).await? {
        Some(relink) => p.relink(credentials, &relink).await,
        None => p.link(credentials).await,
    };
    let linked = match linked {
        Ok(l) => l,
        Err(e) => return Err(fail_attempt(state, token, e).await),
    };
    let sealed = state.credentials.seal(&linked.secret)?;
    let (tok, prov) = (token.to_owned(), provider.to_owned());
    let (conn_id, view) = state
        .db
        .write(move |tx| record_success(tx, &tok, &prov, linked, sealed))
        .await?;
    let trigger = if view.row.action == LinkAction::Relink {
        SyncTrigger::Manual
    } else {
        SyncTrigger::Initial
    };
    if let Err(e) = state.engine.run_now(&IdRef::Uuid(conn_id), trigger).await {
        tracing::warn!(connection = %conn_id, error = %e, "sync after linking did not run");
    }
    let connection = crate::service::connections::get(state, IdRef::Uuid(conn_id)).await?;
    Ok(Finished { connection, view })
}

/// The token's session, if a success could be recorded on it now (checked again, for
/// real, in the write that records it).
async fn usable_for_success(state: &AppState, token: &str) -> Result<SessionRow> {
    let tok = token.to_owned();
    state
        .db
        .lookup(move |c| {
            let row = by_token(c, &tok)?;
            let attempts = store::attempts(c, row.id)?;
            let results = store::results(c, row.id)?;
            let snap = snapshot(&row, &attempts, &results);
            lifecycle::apply(&snap, &Event::Succeed, crate::time::now()).map_err(refusal)?;
            Ok(row)
        })
        .await
}

fn record_success(
    tx: &rusqlite::Connection,
    token: &str,
    provider: &str,
    linked: Linked,
    sealed: Vec<u8>,
) -> Result<(Uuid, SessionView)> {
    let row = by_token(tx, token)?;
    let now = crate::time::now();
    let conn_id = if let Some(id) = row.connection_id {
        let ids = (
            linked.institution_name.as_deref(),
            linked.external_id.as_deref(),
        );
        connections::relink(tx, id, &sealed, ids, now)?;
        id
    } else {
        let new = NewConnection {
            user_id: row.user_id,
            provider: provider.to_owned(),
            institution_id: linked.institution_id,
            institution_name: linked.institution_name,
            credentials: Some(sealed),
            external_id: linked.external_id,
        };
        connections::insert(tx, &new, now)?.id
    };
    let (t, row) = apply_event(tx, row, &Event::Succeed)?;
    let attempt = t.finish_attempt.map_or(0, |(n, _)| n);
    store::set_attempt_provider(tx, row.id, attempt, provider)?;
    store::add_result(tx, row.id, conn_id, attempt, now)?;
    Ok((conn_id, load_view(tx, row)?))
}
