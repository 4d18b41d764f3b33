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
pub mod money;
mod mutex;
pub mod providers;
pub mod server;
pub mod service;
pub mod state;
pub mod store;
pub mod sync;
pub mod time;

use std::future::Future;
use std::time::Duration;

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
        store::backup::keys::load_checked(&db, &config.data_dir, config.encryption_key.as_deref())?;
    Ok(AppState::with_providers(db, credentials, config, providers))
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish (up to `shutdown_grace`) and flushes what is buffered in memory.
pub async fn run(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let providers: Vec<&str> = state
        .providers
        .all()
        .filter(|r| state.providers.is_configured(r.info.name))
        .map(|r| r.info.name)
        .collect();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        %addr,
        data_dir = %state.config.data_dir.display(),
        schema_version = store::migrations::SCHEMA_VERSION,
        providers = providers.join(","),
        metrics = state.config.metrics,
        "breadbox listening"
    );
    let background = spawn_background(&state);
    let backups = store::backup::schedule::spawn(state.db.path(), &state.config);
    let scheduler = state
        .config
        .scheduler
        .then(|| tokio::spawn(sync::scheduler::run(state.clone(), state.engine.clone())));
    let limits = server::Limits {
        max_connections: state.config.max_connections,
        header_timeout: state.config.header_timeout,
        grace: state.config.shutdown_grace,
    };
    server::serve(listener, app::build(state.clone()), limits, shutdown).await?;
    background.abort();
    if let Some(b) = backups {
        b.abort();
    }
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

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled, so a signal that arrives as soon as the server
/// answers (e.g. `systemctl stop` right after start) still ends it gracefully. Call it
/// inside the runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate()).ok();
    let int = signal(SignalKind::interrupt()).ok();
    async move {
        let wait = |s: Option<tokio::signal::unix::Signal>| async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = wait(term) => {},
            () = wait(int) => {},
        }
        tracing::info!("shutdown signal received; finishing in-flight requests");
    }
}
