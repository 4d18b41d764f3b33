//! Unauthenticated probes and the version endpoint (docs/api.md, Surfaces and auth).

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Tag;
use crate::state::AppState;

/// Liveness body.
#[derive(Debug, Object)]
pub struct HealthResponse {
    /// Always `ok` when the process answers.
    pub status: String,
    /// Server version.
    pub version: String,
}

/// Readiness body.
#[derive(Debug, Object)]
pub struct ReadyResponse {
    /// `ok` or `degraded`.
    pub status: String,
    /// `ok` or `error`.
    pub db: String,
    /// Why the database check failed (present only when `db` is `error`).
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub db_error: Option<String>,
    /// `running` or `stopped`.
    pub scheduler: String,
    pub version: String,
}

#[derive(ApiResponse)]
pub enum ReadyResult {
    /// The database answers.
    #[oai(status = 200)]
    Ready(Json<ReadyResponse>),
    /// The database cannot be queried.
    #[oai(status = 503)]
    Degraded(Json<ReadyResponse>),
}

/// `GET /api/v1/version` body.
#[derive(Debug, Object)]
pub struct VersionResponse {
    pub version: String,
    /// `null`: not checked (no network lookup unless the operator turns one on).
    #[oai(nullable)]
    pub update_available: Option<bool>,
}

pub struct HealthApi;

fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

#[OpenApi]
impl HealthApi {
    /// Liveness probe
    ///
    /// Answers without touching the database.
    #[oai(
        path = "/health",
        method = "get",
        operation_id = "health.get",
        tag = "Tag::Health"
    )]
    async fn health(&self) -> Json<HealthResponse> {
        Json(HealthResponse {
            status: "ok".into(),
            version: version(),
        })
    }

    /// Liveness probe (alias of `/health`)
    #[oai(
        path = "/health/live",
        method = "get",
        operation_id = "health.live",
        tag = "Tag::Health"
    )]
    async fn live(&self) -> Json<HealthResponse> {
        self.health().await
    }

    /// Readiness probe
    ///
    /// Opens the database file afresh and queries it; 503 with `db: "error"` when that fails.
    /// A stopped scheduler is reported but does not make the server unready.
    #[oai(
        path = "/health/ready",
        method = "get",
        operation_id = "health.ready",
        tag = "Tag::Health"
    )]
    async fn ready(&self, state: Data<&AppState>) -> ReadyResult {
        let scheduler = if state.scheduler_running() {
            "running"
        } else {
            "stopped"
        }
        .to_owned();
        match state.db.ping().await {
            Ok(()) => ReadyResult::Ready(Json(ReadyResponse {
                status: "ok".into(),
                db: "ok".into(),
                db_error: None,
                scheduler,
                version: version(),
            })),
            Err(err) => {
                tracing::warn!(error = ?err, "readiness check failed");
                ReadyResult::Degraded(Json(ReadyResponse {
                    status: "degraded".into(),
                    db: "error".into(),
                    db_error: Some("the database file cannot be opened or queried".into()),
                    scheduler,
                    version: version(),
                }))
            }
        }
    }

    /// Server version
    #[oai(
        path = "/api/v1/version",
        method = "get",
        operation_id = "version.get",
        tag = "Tag::Meta"
    )]
    async fn version(&self) -> Json<VersionResponse> {
        Json(VersionResponse {
            version: version(),
            update_available: None,
        })
    }
}
