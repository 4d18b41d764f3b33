//! `GET /api/v1/providers` (SPEC §2.8).

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use super::auth::ApiKeyAuth;
use crate::providers::{KNOWN, Providers};
use crate::state::AppState;

/// A provider the binary knows.
#[derive(Debug, Object)]
pub struct ProviderResponse {
    pub name: String,
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
    async fn list(&self, state: Data<&AppState>, _auth: ApiKeyAuth) -> Json<ProviderList> {
        Json(ProviderList {
            data: KNOWN
                .iter()
                .map(|name| ProviderResponse {
                    name: (*name).to_owned(),
                    configured: state.providers.is_configured(name),
                    needs_link_session: Providers::needs_link_session(name),
                })
                .collect(),
        })
    }
}
