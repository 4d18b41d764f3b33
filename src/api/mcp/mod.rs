//! Breadbox as a tool for AI agents: the Model Context Protocol over Streamable HTTP at
//! `/mcp` (same port, same API keys, scopes and rate limits as the REST API), and the
//! `breadbox mcp` stdio bridge to it. The tools call the services the REST handlers call
//! and return the REST bodies; see the README's MCP section.

mod args;
pub mod bridge;
mod catalog;
mod guard;
mod read;
mod schema;
mod server;
mod write;

use std::sync::Arc;

use poem::endpoint::TowerCompatExt;
use poem::{Endpoint, EndpointExt};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

pub use catalog::{ToolDef, catalog};
pub use guard::origin_allowed;
pub use server::BreadboxMcp;

use crate::api::body_limit::JSON_BODY_LIMIT;
use crate::state::AppState;

/// The `/mcp` endpoint: the guard (Origin, then the API key) in front of rmcp's
/// Streamable HTTP service. Stateless: no MCP session outlives its HTTP request, so every
/// request is authenticated (and a revoked key stops at once) and nothing is kept in memory.
pub fn endpoint(state: &AppState) -> impl Endpoint + use<> {
    let for_handler = state.clone();
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        // The guard checks `Origin`; `Host` is whatever name the server is reached by.
        .disable_allowed_hosts()
        .with_max_request_body_bytes(JSON_BODY_LIMIT);
    let service: StreamableHttpService<BreadboxMcp, NeverSessionManager> =
        StreamableHttpService::new(
            move || Ok(BreadboxMcp::new(for_handler.clone())),
            Arc::new(NeverSessionManager::default()),
            config,
        );
    service.compat().around(guard::guard)
}
