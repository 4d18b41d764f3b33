//! `/mcp` through rmcp's own client over Streamable HTTP against the real app: the tool
//! list (snapshot), scopes, every read tool against the REST body, errors as tool errors,
//! and the HTTP guard (keys, Origin, rate limits). The stdio bridge runs the real binary.

mod bridge;
mod errors;
mod guard;
mod parity;
mod tools;

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::Value;

use crate::helpers::TestApp;

pub type Client = RunningService<RoleClient, ()>;

/// An MCP client for `app` with `key` (sent as `Authorization: Bearer`, as rmcp does).
pub async fn connect(app: &TestApp, key: &str) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = StreamableHttpClientTransportConfig::with_uri(app.url("/mcp")).auth_header(key);
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .expect("MCP client connects")
}

/// Calls `name` with `args` (a JSON object).
pub async fn call(client: &Client, name: &str, args: Value) -> CallToolResult {
    let args = args.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The structured result of a successful call.
#[track_caller]
pub fn ok(result: CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "{result:?}");
    result.structured_content.expect("structured content")
}

/// The stable code of a failed call (structured `{"error":{"code","message"}}`, also as text).
#[track_caller]
pub fn error_code(result: &CallToolResult) -> String {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    let body = result
        .structured_content
        .as_ref()
        .expect("structured error");
    let text = result.content[0]
        .as_text()
        .expect("text content")
        .text
        .clone();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), *body);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    body["error"]["code"].as_str().unwrap().to_owned()
}
