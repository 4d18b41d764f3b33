//! `GET /api/v1/providers`: every source the registry knows and whether it is configured.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use super::auth::ApiKeyAuth;
use super::error::ApiError;
use crate::state::AppState;

/// A provider the binary knows.
#[derive(Debug, Object)]
pub struct ProviderResponse {
    pub name: String,
    /// What people see on the hosted page.
    pub display_name: String,
    /// Whether it can be used on this server now.
    pub configured: bool,
    /// Whether a person must connect through the hosted-link page.
    pub needs_link_session: bool,
}

/// Every provider.
#[derive(Debug, Object)]
pub struct ProviderList {
    pub data: Vec<ProviderResponse>,
}

pub struct ProvidersApi;

#[OpenApi(tag = "Tag::Connections")]
impl ProvidersApi {
    /// List providers
    ///
    /// Every provider this binary knows and whether it is configured. The demo bank is enabled
    /// with `serve --demo` / `BREADBOX_DEMO=1`. Scope: any key.
    #[oai(
        path = "/api/v1/providers",
        method = "get",
        operation_id = "providers.list"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
    ) -> Result<Json<ProviderList>, ApiError> {
        Ok(Json(list_body(&state)))
    }
}

/// The body of `GET /api/v1/providers` (the MCP `list_providers` tool returns it too).
pub fn list_body(state: &AppState) -> ProviderList {
    ProviderList {
        data: state
            .providers
            .all()
            .map(|r| ProviderResponse {
                name: r.info.name.to_owned(),
                display_name: r.info.display_name.to_owned(),
                configured: r.provider.is_some(),
                needs_link_session: r.info.needs_link_session,
            })
            .collect(),
    }
}
