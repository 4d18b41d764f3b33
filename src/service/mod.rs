//! Use-cases: the rules and multi-step writes behind the HTTP API and the CLI.

pub mod api_keys;
pub mod auth;
pub mod connections;
pub mod import;
pub mod link;
pub mod rate_limit;
pub mod sync;
pub mod users;
pub mod webhooks;
