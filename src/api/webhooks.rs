//! `POST /webhooks/teller`: provider webhooks, authenticated by the provider's signature
//! over the raw body (no API key). Unverified → 401 `INVALID_SIGNATURE`, nothing changes;
//! verified → 200 `{"status":"ok"}`, whatever the event (unknown enrollments included).

use poem::web::{Data, Json};
use poem::{Body, IntoResponse, Request, Response, handler};

use super::error::ApiError;
use crate::service::webhooks::{self, WebhookError};
use crate::state::AppState;

/// `POST /webhooks/teller`.
#[handler]
pub async fn teller(state: Data<&AppState>, req: &Request, body: Body) -> Response {
    let signature = req
        .headers()
        .get("teller-signature")
        .and_then(|v| v.to_str().ok());
    let bytes = match body.into_bytes().await {
        Ok(b) => b,
        Err(e) => return super::error::from_poem(&poem::Error::from(e)).into_response(),
    };
    match webhooks::teller(&state, signature, &bytes).await {
        Ok(outcome) => {
            tracing::info!(?outcome, "Teller webhook handled");
            Json(serde_json::json!({"status": "ok"})).into_response()
        }
        Err(WebhookError::Rejected(why)) => {
            tracing::warn!(%why, "Teller webhook refused");
            ApiError::new(
                poem::http::StatusCode::UNAUTHORIZED,
                "INVALID_SIGNATURE",
                why.to_string(),
            )
            .into_response()
        }
        Err(WebhookError::Internal(e)) => ApiError::from(e).into_response(),
    }
}
