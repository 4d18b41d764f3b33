//! Breadbox: a self-hosted personal-finance data server over one SQLite file.
//! `run` is the seam `main` and the integration tests share.

// Layers, top to bottom (imports only point down; `tests/api/layers.rs` checks it):
// api → service (+ state) → sync, link, import → store, providers → domain, money, ids,
// keys, credentials, time, error, mutex. `app` assembles the routes; `config` is read by all.
pub mod api;
pub mod app;
pub mod config;
pub mod credentials;
pub mod domain;
pub mod error;
pub mod ids;
pub mod import;
pub mod keys;
pub mod link;
pub mod mcp;
pub mod money;
mod mutex;
pub mod providers;
pub mod service;
pub mod state;
pub mod store;
pub mod sync;
pub mod time;

use std::future::Future;
use std::time::Duration;

use poem::Server;
use poem::listener::{Acceptor, TcpAcceptor};

pub use config::Config;
pub use error::{Error, Result};
pub use state::AppState;
use store::Db;

/// Opens the database in `config.data_dir`, marks syncs a crash interrupted, loads the
/// credentials key and builds the state.
pub fn prepare(config: Config) -> anyhow::Result<AppState> {
    providers::check(&config).map_err(|e| anyhow::anyhow!(e))?;
    let providers = providers::Providers::from_config(&config);
    prepare_with(config, providers)
}

/// Like [`prepare`], with exactly `providers` instead of those the configuration enables.
pub fn prepare_with(config: Config, providers: providers::Providers) -> anyhow::Result<AppState> {
    let db = Db::open_in(&config.data_dir)?;
    let interrupted = db.write_blocking(|tx| store::sync_logs::interrupt_stale(tx, time::now()))?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "marked syncs left in progress by a crash as interrupted"
        );
    }
    let credentials =
        credentials::CredentialCipher::load(&config.data_dir, config.encryption_key.as_deref())?;
    Ok(AppState::with_providers(db, credentials, config, providers))
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish (up to `shutdown_grace`) and flushes what is buffered in memory.
pub async fn run(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let acceptor = TcpAcceptor::from_tokio(listener)?;
    let addr = acceptor
        .local_addr()
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    tracing::info!(%addr, data_dir = %state.config.data_dir.display(), "breadbox listening");
    let background = spawn_background(&state);
    let scheduler = state
        .config
        .scheduler
        .then(|| tokio::spawn(sync::scheduler::run(state.clone(), state.engine.clone())));
    let grace = state.config.shutdown_grace;
    let app = app::build(state.clone());
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app, shutdown, Some(grace))
        .await?;
    background.abort();
    if let Some(s) = scheduler {
        s.abort();
        let _ = s.await;
    }
    if let Err(e) = state.auth.flush_last_used().await {
        tracing::warn!(error = %e, "could not record last_used_at at shutdown");
    }
    tracing::info!("breadbox stopped");
    Ok(())
}

/// Periodic housekeeping: flush `last_used_at`, shrink rate-limit buckets, persist the
/// expiry of hosted-link sessions.
fn spawn_background(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tick.tick().await;
            match service::link::sweep(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "hosted-link sessions expired"),
                Err(e) => tracing::warn!(error = %e, "hosted-link expiry sweep failed"),
            }
            if let Err(e) = state.auth.flush_last_used().await {
                tracing::warn!(error = %e, "could not record last_used_at");
            }
            if let Some(l) = &state.limiter {
                l.shrink();
            }
        }
    })
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
