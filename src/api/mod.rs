//! HTTP translation only: one file per resource (its `#[OpenApi]` impl and DTOs), the
//! error mapping, the auth scheme, pagination and the middleware around them.

pub mod accounts;
pub mod allow;
pub mod api_keys;
pub mod auth;
pub mod body_limit;
pub mod choice;
pub mod connections;
pub mod docs;
pub mod error;
pub mod health;
pub mod import;
pub mod json;
pub mod link;
pub mod link_page;
pub mod mcp;
pub mod metrics;
pub mod middleware;
pub mod money;
pub mod pagination;
pub mod providers;
pub mod rate_limit;
pub mod spec;
pub mod sync;
pub mod transactions;
pub mod users;
pub mod webhooks;

use poem_openapi::{OpenApiService, Tags};

use crate::ids::IdRef;
use error::ApiError;

/// Groups of operations in the generated spec.
#[derive(Tags)]
pub enum Tag {
    /// Liveness and readiness probes (no key needed).
    Health,
    /// Version information (no key needed).
    Meta,
    /// Household members who own connections.
    Users,
    /// API keys (`X-API-Key`).
    ApiKeys,
    /// Bank connections, providers and CSV import.
    Connections,
    /// Sync triggers and sync logs.
    Sync,
    /// Hosted-link sessions: hand a person a URL to connect a bank.
    LinkSessions,
    /// The hosted-link page's own calls (auth: the token in the path).
    LinkPage,
    /// Bank accounts.
    Accounts,
    /// Bank transactions: list, count, summary.
    Transactions,
    /// Provider webhooks (auth: the provider's signature).
    Webhooks,
}

/// Parses a path id (UUID or short_id); anything else is 404 for `what`.
pub fn parse_id(raw: &str, what: &str) -> Result<IdRef, ApiError> {
    IdRef::parse(raw).ok_or_else(|| ApiError::not_found(what))
}

/// Parses an id query parameter (UUID or short_id); empty = absent; anything else is 400.
pub fn id_param(name: &str, raw: Option<String>) -> Result<Option<IdRef>, ApiError> {
    raw.filter(|s| !s.is_empty())
        .map(|s| {
            IdRef::parse(&s).ok_or_else(|| {
                ApiError::invalid_parameter(format!(
                    "{name} must be a UUID or an 8-character short_id"
                ))
            })
        })
        .transpose()
}

/// The typed API and its generated OpenAPI document.
pub type Service = OpenApiService<
    (
        health::HealthApi,
        users::UsersApi,
        api_keys::ApiKeysApi,
        connections::ConnectionsApi,
        import::ImportApi,
        providers::ProvidersApi,
        sync::SyncApi,
        link::LinkApi,
        link_page::endpoints::LinkPageApi,
        accounts::AccountsApi,
        transactions::TransactionsApi,
        webhooks::WebhooksApi,
    ),
    (),
>;

const DESCRIPTION: &str = "\
Self-hosted personal-finance data server.\n\n\
**Auth**: send an API key in `X-API-Key`. `read_only` keys may call every GET except the \
`/api-keys` listings; everything else needs `full_access`. Mint the first key offline with \
`breadbox keys create --name admin`.\n\n\
**Errors** are always `{\"error\":{\"code\",\"message\"}}`; `code` is stable.\n\n\
**Lists** return `{data, pagination:{next_cursor, has_more, limit}}`; pass `next_cursor` back \
as `?cursor=`. `limit` is 1–500 (default 100).\n\n\
**Rate limits**: a token bucket per key (per client IP before authentication succeeds); \
responses carry `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds until \
the bucket is full); over the limit is 429 `RATE_LIMITED` with `Retry-After`.";

/// Builds the OpenAPI service for `state`.
pub fn service(server_url: Option<&str>) -> Service {
    let apis = (
        health::HealthApi,
        users::UsersApi,
        api_keys::ApiKeysApi,
        connections::ConnectionsApi,
        import::ImportApi,
        providers::ProvidersApi,
        sync::SyncApi,
        link::LinkApi,
        link_page::endpoints::LinkPageApi,
        accounts::AccountsApi,
        transactions::TransactionsApi,
        webhooks::WebhooksApi,
    );
    let svc = OpenApiService::new(apis, "Breadbox", env!("CARGO_PKG_VERSION"))
        .description(DESCRIPTION)
        .license(poem_openapi::LicenseObject::new("MIT OR Apache-2.0"));
    match server_url {
        Some(url) => svc.server(url),
        None => svc,
    }
}
