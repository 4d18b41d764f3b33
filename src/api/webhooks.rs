//! `POST /webhooks/{provider}`: provider webhooks, authenticated by the provider's own
//! signature (no API key). The raw body goes to the provider untouched, since signatures
//! cover its exact bytes.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Tag;
use super::error::ApiError;
use crate::providers::WebhookRequest;
use crate::service::webhooks as svc;
use crate::state::AppState;

/// What a verified webhook did.
#[derive(Debug, Object)]
pub struct WebhookAccepted {
    /// Always `accepted`.
    pub status: String,
    /// Events that touched a connection of this server.
    pub applied: u32,
}

#[derive(ApiResponse)]
pub enum WebhookReceived {
    /// Verified and applied (unknown connections are ignored).
    #[oai(status = 200)]
    Ok(Json<WebhookAccepted>),
}

pub struct WebhooksApi;

#[OpenApi(tag = "Tag::Webhooks")]
impl WebhooksApi {
    /// Receive a provider webhook
    ///
    /// `plaid`: the `Plaid-Verification` JWT (ES256, key from Plaid, body hash and age
    /// checked); `teller`: `Teller-Signature` HMAC-SHA256, at most 5 minutes old. A webhook
    /// that does not verify is 401 `INVALID_SIGNATURE` and changes nothing; a provider that
    /// is not configured or takes no webhooks is 404. Auth: the provider's signature.
    #[oai(
        path = "/webhooks/:provider",
        method = "post",
        operation_id = "webhooks.receive"
    )]
    async fn receive(
        &self,
        state: Data<&AppState>,
        req: &Request,
        provider: Path<String>,
        body: Binary<Vec<u8>>,
    ) -> Result<WebhookReceived, ApiError> {
        let headers = req
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let hook = WebhookRequest {
            headers,
            body: body.0,
            received_at: crate::time::now(),
        };
        let applied = svc::receive(&state, &provider, hook).await?;
        Ok(WebhookReceived::Ok(Json(WebhookAccepted {
            status: "accepted".into(),
            applied: u32::try_from(applied).unwrap_or(u32::MAX),
        })))
    }
}
