//! `GET /metrics` in the Prometheus text format, on with `serve --metrics` (404 otherwise).
//! HTTP requests are counted by method, route *template* (`/api/v1/users/:id`, never the
//! raw path: hosted-link tokens live in paths) and status, with latency histograms by
//! route. Syncs by provider and outcome, each connection's last good sync and the database
//! size are read from the database at scrape time, so they survive restarts. Labels hold
//! ids, providers and route templates only, never user data.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Endpoint, IntoResponse, PathPattern, Request, Response};
use poem_openapi::OperationId;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use crate::state::AppState;
use crate::store::stats;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SyncLabels {
    provider: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    connection_id: String,
    provider: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// The process's metrics; one per server.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    syncs: Family<SyncLabels, Counter>,
    last_sync_age: Family<ConnectionLabels, FloatGauge>,
    db_size: Gauge,
    /// Operation id → its OpenAPI path template (`/api/v1/users/{id}`).
    templates: HashMap<String, String>,
    /// One scrape at a time: sync counters are brought up to the database's counts.
    scrape: tokio::sync::Mutex<()>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// Operation id → path template, from the OpenAPI document.
fn templates(spec_json: &str) -> HashMap<String, String> {
    let spec: serde_json::Value = serde_json::from_str(spec_json).unwrap_or_default();
    let mut out = HashMap::new();
    for (path, ops) in spec["paths"].as_object().into_iter().flatten() {
        for op in ops.as_object().into_iter().flat_map(|o| o.values()) {
            if let Some(id) = op["operationId"].as_str() {
                out.insert(id.to_owned(), path.clone());
            }
        }
    }
    out
}

impl Metrics {
    /// `spec_json` is the OpenAPI document: its path templates label the API routes.
    pub fn new(spec_json: &str) -> Arc<Self> {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let syncs = Family::<SyncLabels, Counter>::default();
        let last_sync_age = Family::<ConnectionLabels, FloatGauge>::default();
        let db_size = Gauge::default();
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").into(),
            })
            .set(1);
        registry.register("breadbox_build_info", "Version of this breadbox", build);
        registry.register(
            "breadbox_http_requests",
            "HTTP requests by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "breadbox_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            latency.clone(),
        );
        registry.register(
            "breadbox_syncs",
            "Finished syncs by provider and outcome (success or error)",
            syncs.clone(),
        );
        registry.register(
            "breadbox_connection_last_sync_age_seconds",
            "Seconds since each live connection's last successful sync",
            last_sync_age.clone(),
        );
        registry.register(
            "breadbox_database_size_bytes",
            "Size of the database file plus its write-ahead log",
            db_size.clone(),
        );
        Arc::new(Self {
            registry,
            requests,
            latency,
            syncs,
            last_sync_age,
            db_size,
            templates: templates(spec_json),
            scrape: tokio::sync::Mutex::new(()),
        })
    }

    /// The route label: the OpenAPI template of the operation, else the router's pattern
    /// (`/link/:token`), else `other` (nothing matched).
    fn route(&self, op: Option<&OperationId>, pattern: Option<&PathPattern>) -> String {
        if let Some(t) = op.and_then(|o| self.templates.get(o.0)) {
            return t.clone();
        }
        match pattern {
            Some(p) if !p.0.is_empty() && p.0.as_ref() != "/" => p.0.to_string(),
            _ => "other".to_owned(),
        }
    }

    fn observe(&self, method: &str, route: String, status: u16, seconds: f64) {
        let labels = RouteLabels {
            method: method.to_owned(),
            route,
        };
        self.latency.get_or_create(&labels).observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                method: labels.method,
                route: labels.route,
                status,
            })
            .inc();
    }

    /// Refreshes the database-derived metrics, then encodes everything.
    async fn render(&self, state: &AppState) -> crate::error::Result<String> {
        let _one = self.scrape.lock().await;
        let (outcomes, successes) = state
            .db
            .read(|c| Ok((stats::sync_outcomes(c)?, stats::last_successes(c)?)))
            .await?;
        for (provider, outcome, count) in outcomes {
            let counter = self.syncs.get_or_create(&SyncLabels { provider, outcome });
            let seen = counter.get();
            if count > seen {
                counter.inc_by(count - seen);
            }
        }
        let now = crate::time::now();
        self.last_sync_age.clear();
        for (id, provider, at) in successes {
            let labels = ConnectionLabels {
                connection_id: id.to_string(),
                provider,
            };
            #[allow(clippy::cast_precision_loss)] // ages are far below 2^52 seconds
            self.last_sync_age
                .get_or_create(&labels)
                .set((now - at).max(0) as f64);
        }
        self.db_size.set(database_size(state.db.path()));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(crate::error::Error::internal)?;
        Ok(text)
    }
}

fn database_size(path: &std::path::Path) -> i64 {
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    i64::try_from(size(path) + size(std::path::Path::new(&wal))).unwrap_or(i64::MAX)
}

/// Middleware: times and counts every request when metrics are on. Requests that matched
/// no route (404s, and those refused before routing, e.g. 429) are labelled `other`.
pub async fn record<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let Some(metrics) = req.data::<Option<Arc<Metrics>>>().cloned().flatten() else {
        return next.call(req).await.map(IntoResponse::into_response);
    };
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let resp = next.call(req).await.map(IntoResponse::into_response);
    let (status, op, pattern) = match &resp {
        Ok(r) => (r.status(), r.data::<OperationId>(), r.data::<PathPattern>()),
        Err(e) => (e.status(), e.data::<OperationId>(), e.data::<PathPattern>()),
    };
    let route = metrics.route(op, pattern);
    metrics.observe(
        &method,
        route,
        status.as_u16(),
        started.elapsed().as_secs_f64(),
    );
    resp
}

/// `GET /metrics`.
#[poem::handler]
pub async fn endpoint(
    state: Data<&AppState>,
    metrics: Data<&Option<Arc<Metrics>>>,
) -> poem::Result<Response> {
    let Some(metrics) = metrics.0 else {
        return Err(poem::Error::from_status(StatusCode::NOT_FOUND));
    };
    let text = metrics
        .render(&state)
        .await
        .map_err(|e| poem::Error::from_string(e.to_string(), StatusCode::SERVICE_UNAVAILABLE))?;
    Ok(Response::builder()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text))
}
