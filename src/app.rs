//! The composition root: `AppState` and the route table. Main and the tests both build
//! the app here, so what is tested is what runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use poem::{Endpoint, EndpointExt, Route};

use crate::api::{self, middleware, rate_limit};
use crate::config::Config;
use crate::providers::Providers;
use crate::secrets::SecretBox;
use crate::service::auth::Authenticator;
use crate::store::Db;
use crate::sync::SyncEngine;

/// Shared state every handler reaches through `Data<&AppState>`. One `Arc`: poem's
/// `.data()` clones it into every request, so a clone must stay a single increment.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

/// What `AppState` shares.
pub struct Services {
    pub db: Db,
    pub auth: Arc<Authenticator>,
    pub config: Arc<Config>,
    pub limiter: Option<Arc<rate_limit::Limiter>>,
    pub providers: Providers,
    pub secrets: Arc<SecretBox>,
    pub engine: Arc<SyncEngine>,
    scheduler_running: AtomicBool,
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

impl AppState {
    pub fn new(db: Db, secrets: SecretBox, config: Config) -> Self {
        let providers = Providers::from_config(&config);
        let secrets = Arc::new(secrets);
        let engine = SyncEngine::new(
            db.clone(),
            providers.clone(),
            secrets.clone(),
            config.sync_interval,
        );
        Self(Arc::new(Services {
            auth: Arc::new(Authenticator::new(db.clone())),
            limiter: rate_limit::Limiter::new(config.rate_limit_rpm, config.rate_limit_burst),
            config: Arc::new(config),
            db,
            providers,
            secrets,
            engine,
            scheduler_running: AtomicBool::new(false),
        }))
    }

    pub fn scheduler_running(&self) -> bool {
        self.scheduler_running.load(Ordering::Relaxed)
    }

    pub fn set_scheduler_running(&self, running: bool) {
        self.scheduler_running.store(running, Ordering::Relaxed);
    }
}

/// Builds the whole HTTP application.
pub fn build(state: AppState) -> impl Endpoint {
    let service = api::service(state.config.public_url.as_deref());
    let docs = service.swagger_ui();
    let spec = service.spec_endpoint();
    Route::new()
        .at("/openapi.json", spec)
        .at("/link/:token", poem::get(crate::link_page::page))
        .at("/mcp", crate::mcp::endpoint(&state))
        .nest("/docs", docs)
        .nest("/", service)
        .around(rate_limit::limit_requests)
        .around(middleware::limit_body)
        .around(middleware::envelope_errors)
        .around(middleware::log_requests)
        .data(state)
}
