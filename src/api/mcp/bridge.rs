//! `breadbox mcp`: MCP on stdin/stdout for clients that launch a command. It serves no data
//! itself: an MCP client over Streamable HTTP connects to a running server's `/mcp`, and
//! this stdio server forwards `tools/list` and `tools/call` to it, so syncs and link
//! sessions run in that one server process and its scopes and rate limits apply.

use anyhow::Context;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ResultType, ServerConfig,
};
use rmcp::service::{Peer, RequestContext, RoleClient, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};

/// Runs the bridge until stdin closes: `server` is the base URL (`http://127.0.0.1:8080`),
/// `key` an API key, sent as `Authorization: Bearer`.
pub async fn run(server: &str, key: &str) -> anyhow::Result<()> {
    // reqwest's TLS backend is built without a default crypto provider; use ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!("{}/mcp", server.trim_end_matches('/'));
    let config = StreamableHttpClientTransportConfig::with_uri(url.clone()).auth_header(key);
    let upstream = ()
        .serve(StreamableHttpClientTransport::from_config(config))
        .await
        .with_context(|| format!("cannot start an MCP session with {url}"))?;
    let peer = upstream
        .peer_info()
        .context("the server sent no MCP server info")?;
    // The stdio side negotiates its own protocol version with its client.
    let mut info = ServerConfig::new(peer.capabilities.clone()).with_server_info(
        peer.server_info
            .clone()
            .unwrap_or_else(|| Implementation::new("breadbox", env!("CARGO_PKG_VERSION"))),
    );
    info.instructions.clone_from(&peer.instructions);
    let proxy = Proxy {
        upstream: upstream.peer().clone(),
        info,
    };
    let stdio_side = proxy
        .serve(rmcp::transport::stdio())
        .await
        .context("the stdio MCP client did not initialise")?;
    let ended = stdio_side.waiting().await;
    let _ = upstream.cancel().await;
    ended.context("the stdio MCP session failed")?;
    Ok(())
}

/// The stdio-side handler: the upstream server's info and tools.
struct Proxy {
    upstream: Peer<RoleClient>,
    info: ServerConfig,
}

/// An upstream failure (server unreachable, key revoked) as a JSON-RPC error; tool
/// errors from the server pass through untouched as results.
fn upstream_error(e: &ServiceError) -> ErrorData {
    ErrorData::internal_error(format!("the Breadbox server failed: {e}"), None)
}

impl ServerHandler for Proxy {
    fn get_info(&self) -> ServerConfig {
        self.info.clone()
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mut result = self
            .upstream
            .list_tools(request)
            .await
            .map_err(|e| upstream_error(&e))?;
        // The upstream session may speak an older version than the stdio client: mark the
        // result complete again (rmcp strips the marker for stdio peers that predate it).
        result.result_type = Some(ResultType::COMPLETE);
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let mut response = self
            .upstream
            .call_tool_once(request)
            .await
            .map_err(|e| upstream_error(&e))?;
        if let CallToolResponse::Complete(result) = &mut response {
            result.result_type = Some(ResultType::COMPLETE);
        }
        Ok(response)
    }
}
