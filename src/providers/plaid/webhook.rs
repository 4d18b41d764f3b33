//! Plaid webhooks: verification of the `Plaid-Verification` header and what a verified
//! body asks Breadbox to do. The header is a JWT signed with ES256 by a key Plaid serves
//! at `/webhook_verification_key/get` (cached here by `kid`); its `iat` must be at most
//! five minutes old and its `request_body_sha256` must equal the raw body's SHA-256.
//! Body shapes: the `*Webhook` schemas of Plaid's OpenAPI description.

use std::collections::HashMap;
use std::sync::Mutex;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::client::Client;
use super::errors::is_login_code;
use super::wire::{JwkPublicKey, WebhookBody, WebhookKeyRequest, WebhookKeyResponse};
use crate::domain::ConnectionStatus;
use crate::mutex::lock;
use crate::providers::WebhookEvent;

/// Oldest `iat` accepted, in seconds (Plaid's guidance: five minutes).
pub const MAX_AGE_SECS: i64 = 300;

/// Why a webhook was not accepted (all answered 401; the reason goes to the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no Plaid-Verification header")]
    MissingHeader,
    #[error("the verification token is malformed")]
    Malformed,
    #[error("the verification token is not ES256")]
    WrongAlgorithm,
    #[error("Plaid does not know the signing key")]
    UnknownKey,
    #[error("the signing key has expired")]
    ExpiredKey,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the webhook is older than five minutes")]
    Stale,
    #[error("the body does not match the signed hash")]
    BodyMismatch,
}

#[derive(Debug, Deserialize)]
struct Claims {
    iat: i64,
    #[serde(default)]
    request_body_sha256: String,
}

/// Verifies webhooks; keys are fetched once per `kid` and kept.
pub struct Verifier {
    client: Client,
    keys: Mutex<HashMap<String, JwkPublicKey>>,
}

impl Verifier {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// Checks `header` (the `Plaid-Verification` value) against the raw `body` at `now`
    /// (Unix seconds).
    pub async fn verify(
        &self,
        header: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), Rejection> {
        let token = header
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Rejection::MissingHeader)?;
        let head = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
        if head.alg != Algorithm::ES256 {
            return Err(Rejection::WrongAlgorithm);
        }
        let kid = head
            .kid
            .filter(|k| !k.is_empty())
            .ok_or(Rejection::Malformed)?;
        let jwk = self.key(&kid).await?;
        if jwk.expired_at.is_some() {
            return Err(Rejection::ExpiredKey);
        }
        let claims = check_signature(token, &jwk)?;
        if now - claims.iat > MAX_AGE_SECS || claims.iat - now > MAX_AGE_SECS {
            return Err(Rejection::Stale);
        }
        let digest = hex::encode(crate::keys::sha256(body));
        let claimed = claims.request_body_sha256.to_ascii_lowercase();
        if bool::from(digest.as_bytes().ct_eq(claimed.as_bytes())) {
            Ok(())
        } else {
            Err(Rejection::BodyMismatch)
        }
    }

    /// The key `kid`, from the cache or Plaid. An unknown `kid` also refreshes the cached
    /// keys that were still current, so a key Plaid has since retired stops verifying.
    async fn key(&self, kid: &str) -> Result<JwkPublicKey, Rejection> {
        if let Some(k) = lock(&self.keys).get(kid).cloned() {
            return Ok(k);
        }
        let current: Vec<String> = lock(&self.keys)
            .iter()
            .filter(|(_, k)| k.expired_at.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for id in current {
            if let Ok(k) = self.fetch(&id).await {
                lock(&self.keys).insert(id, k);
            }
        }
        let key = self.fetch(kid).await?;
        lock(&self.keys).insert(kid.to_owned(), key.clone());
        Ok(key)
    }

    async fn fetch(&self, kid: &str) -> Result<JwkPublicKey, Rejection> {
        let req = WebhookKeyRequest {
            key_id: kid.to_owned(),
        };
        let resp: WebhookKeyResponse = self
            .client
            .call("/webhook_verification_key/get", &req)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "could not fetch a Plaid webhook verification key");
                Rejection::UnknownKey
            })?;
        Ok(resp.key)
    }
}

fn check_signature(token: &str, jwk: &JwkPublicKey) -> Result<Claims, Rejection> {
    let is_p256 = jwk.kty == "EC" && jwk.crv == "P-256";
    if !is_p256 || !(jwk.alg.is_empty() || jwk.alg == "ES256") {
        return Err(Rejection::WrongAlgorithm);
    }
    let key = DecodingKey::from_ec_components(&jwk.x, &jwk.y).map_err(|_| Rejection::UnknownKey)?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => Rejection::BadSignature,
            _ => Rejection::Malformed,
        })
}

/// What a verified body asks Breadbox to do, about the Item it names (the connection's
/// `external_id`). Codes Breadbox has no use for are acknowledged and ignored.
pub fn events(body: &[u8]) -> Result<Vec<WebhookEvent>, Rejection> {
    let b: WebhookBody = serde_json::from_slice(body).map_err(|_| Rejection::Malformed)?;
    let Some(item_id) = b.item_id.clone().filter(|i| !i.is_empty()) else {
        return Ok(vec![WebhookEvent::Ignored]);
    };
    let status = |status, code: &str, message: String| WebhookEvent::Status {
        external_id: item_id.clone(),
        status,
        error_code: Some(code.to_owned()),
        error_message: Some(message),
    };
    let event = match (b.webhook_type.as_str(), b.webhook_code.as_str()) {
        ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE") => WebhookEvent::Sync {
            external_id: item_id.clone(),
        },
        ("ITEM", "ERROR") => match &b.error {
            Some(e) if is_login_code(&e.error_code) => status(
                ConnectionStatus::PendingReauth,
                &e.error_code,
                format!("Plaid: {} (sign in again to keep syncing)", e.error_code),
            ),
            _ => WebhookEvent::Ignored,
        },
        ("ITEM", code @ "USER_PERMISSION_REVOKED") => status(
            ConnectionStatus::PendingReauth,
            code,
            "Plaid: the person revoked Breadbox's access at their bank".into(),
        ),
        ("ITEM", code @ ("PENDING_EXPIRATION" | "PENDING_DISCONNECT")) => {
            let when = b
                .consent_expiration_time
                .as_ref()
                .or(b.disconnect_time.as_ref());
            WebhookEvent::Notice {
                external_id: item_id.clone(),
                code: code.to_owned(),
                message: match when {
                    Some(t) => format!("Plaid will stop syncing this login at {t}; relink it"),
                    None => "Plaid will stop syncing this login soon; relink it".into(),
                },
            }
        }
        ("ITEM", "LOGIN_REPAIRED") => WebhookEvent::Status {
            external_id: item_id.clone(),
            status: ConnectionStatus::Active,
            error_code: None,
            error_message: None,
        },
        _ => WebhookEvent::Ignored,
    };
    Ok(vec![event])
}
