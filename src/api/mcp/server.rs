//! The MCP server handler: `tools/list` filtered by the caller's key scope, `tools/call`
//! dispatched to the read and write tools. Every failure, a client mistake included, is a
//! tool error carrying our stable code; never a protocol or transport failure.

use std::time::Instant;

use poem::http::request::Parts;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::json;

use super::catalog::{INSTRUCTIONS, catalog, find};
use super::read::{self, Out};
use super::write;
use crate::api::error::ApiError;
use crate::api::link::public_base_from;
use crate::service::auth::{AuthedKey, Scope};
use crate::state::AppState;

/// One handler per HTTP request (the transport is stateless); cloning is one `Arc` bump.
#[derive(Clone)]
pub struct BreadboxMcp {
    state: AppState,
}

impl BreadboxMcp {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    async fn dispatch(&self, name: &str, args: Option<JsonObject>, parts: Option<&Parts>) -> Out {
        let def = find(name).ok_or_else(|| {
            ApiError::new(
                poem::http::StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("no tool named `{name}`; see tools/list"),
            )
        })?;
        if def.write && !full_access(parts) {
            return Err(ApiError::forbidden(format!(
                "{name} needs a full_access API key; this key is read_only"
            )));
        }
        let s = &self.state;
        match name {
            "list_users" => read::list_users(s, args).await,
            "list_connections" => read::list_connections(s, args).await,
            "get_connection" => read::get_connection(s, args).await,
            "list_accounts" => read::list_accounts(s, args).await,
            "query_transactions" => read::query_transactions(s, args).await,
            "get_transaction" => read::get_transaction(s, args).await,
            "count_transactions" => read::count_transactions(s, args).await,
            "summarize_transactions" => read::summarize_transactions(s, args).await,
            "list_sync_logs" => read::list_sync_logs(s, args).await,
            "list_providers" => read::list_providers(s, args).await,
            "get_link_session" => read::get_link_session(s, args).await,
            "trigger_sync" => write::trigger_sync(s, args).await,
            "create_link_session" => {
                write::create_link_session(s, &self.base_url(parts), args).await
            }
            "relink_connection" => write::relink_connection(s, &self.base_url(parts), args).await,
            _ => Err(ApiError::not_found("tool")),
        }
    }

    /// Where hosted-link URLs point: the configured public URL, else the request's host.
    fn base_url(&self, parts: Option<&Parts>) -> String {
        let empty = poem::http::HeaderMap::new();
        public_base_from(&self.state, parts.map_or(&empty, |p| &p.headers))
    }
}

/// Whether the request was authenticated with a `full_access` key (the guard in front of
/// the transport puts the key into the request's extensions).
fn full_access(parts: Option<&Parts>) -> bool {
    parts
        .and_then(|p| p.extensions.get::<AuthedKey>())
        .is_some_and(|k| k.scope == Scope::FullAccess)
}

fn request_parts(ctx: &RequestContext<RoleServer>) -> Option<&Parts> {
    ctx.extensions.get::<Parts>()
}

/// A success: `value` as structured content, and as JSON text for clients that read only
/// text (written once into a `Vec`, cheaper than `Value`'s `Display`).
fn structured(value: serde_json::Value) -> CallToolResult {
    let text = serde_json::to_string(&value).unwrap_or_default();
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(value);
    result
}

/// `{"error":{"code","message"}}`, as structured content and as text.
fn error_result(e: &ApiError) -> CallToolResult {
    CallToolResult::structured_error(json!({"error": {"code": e.code, "message": e.message}}))
}

impl ServerHandler for BreadboxMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("breadbox", env!("CARGO_PKG_VERSION")).with_title("Breadbox"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let full = full_access(request_parts(&ctx));
        let tools: Vec<Tool> = catalog()
            .iter()
            .filter(|t| full || !t.write)
            .map(|t| t.tool.clone())
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let started = Instant::now();
        let name = request.name.clone();
        let out = self
            .dispatch(&name, request.arguments, request_parts(&ctx))
            .await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let result = match out {
            Ok(value) => {
                tracing::info!(tool = %name, outcome = "ok", latency_ms = format_args!("{latency_ms:.2}"), "mcp tool");
                structured(value)
            }
            Err(e) => {
                tracing::info!(tool = %name, outcome = e.code, latency_ms = format_args!("{latency_ms:.2}"), "mcp tool");
                error_result(&e)
            }
        };
        Ok(result.into())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        find(name).map(|t| t.tool.clone())
    }
}
