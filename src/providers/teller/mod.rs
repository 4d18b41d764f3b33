//! Teller (`teller`): a person connects through Teller Connect on the hosted page, which
//! hands us an access token and enrollment; we poll the API over mutual TLS and act on
//! signed webhooks. On when `--teller-application-id` is set.

pub mod client;
pub mod normalise;
pub mod sync;
pub mod webhook;
pub mod wire;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Linked, PageFlow, Provider, ProviderError, ProviderInfo, Registration};
use super::{StartContext, SyncBatch, SyncRequest, WebhookError, WebhookEvent, WebhookRequest};
use crate::config::{Config, TellerConfig};
use client::{Client, Tls};

const INFO: ProviderInfo = ProviderInfo {
    name: "teller",
    display_name: "Teller",
    needs_link_session: true,
    on_page: true,
    scheduled: true,
};

/// On when `--teller-application-id` is set.
pub fn register(config: &Config) -> Registration {
    if config.teller.application_id.is_none() {
        return Registration::unconfigured(INFO);
    }
    match TellerProvider::new(&config.teller) {
        Ok(p) => Registration::configured(Arc::new(p)),
        Err(e) => {
            tracing::error!(error = %e, "Teller left out");
            Registration::unconfigured(INFO)
        }
    }
}

/// Whether the configuration builds (run at start, so a bad certificate stops the server).
pub fn check(config: &Config) -> Result<(), String> {
    if config.teller.application_id.is_some() {
        TellerProvider::new(&config.teller)?;
    }
    Ok(())
}

/// The environments Teller Connect can open.
pub const ENVIRONMENTS: [&str; 3] = ["sandbox", "development", "production"];

/// What is stored (encrypted) for a Teller connection.
#[derive(Clone, Serialize, Deserialize)]
pub struct Secret {
    pub access_token: String,
    pub enrollment_id: String,
}

impl Secret {
    /// Reads a stored secret (a bare token from older rows has no enrollment).
    pub fn decode(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_else(|_| Self {
            access_token: text.to_owned(),
            enrollment_id: String::new(),
        })
    }
}

/// The Teller provider.
pub struct TellerProvider {
    client: Client,
    config: TellerConfig,
}

impl TellerProvider {
    /// Builds the client from the configuration: certificate files are read now, so a
    /// broken setup stops the server at start with a clear message.
    pub fn new(config: &TellerConfig) -> Result<Self, String> {
        if !ENVIRONMENTS.contains(&config.environment.as_str()) {
            return Err(format!(
                "--teller-environment must be one of {}",
                ENVIRONMENTS.join(", ")
            ));
        }
        let identity = match (&config.certificate, &config.private_key) {
            (Some(cert), Some(key)) => {
                let mut pem = read(cert, "--teller-certificate")?;
                pem.push(b'\n');
                pem.extend(read(key, "--teller-private-key")?);
                Some(pem)
            }
            (None, None) if config.environment == "sandbox" => None,
            (None, None) => {
                return Err(format!(
                    "Teller {} needs --teller-certificate and --teller-private-key (from teller.zip)",
                    config.environment
                ));
            }
            _ => {
                return Err("--teller-certificate and --teller-private-key go together".into());
            }
        };
        let extra_root = config
            .ca_certificate
            .as_ref()
            .map(|p| read(p, "--teller-ca-certificate"))
            .transpose()?;
        let tls = Tls {
            identity,
            extra_root,
        };
        Ok(Self {
            client: Client::new(&config.base_url, &tls)?,
            config: config.clone(),
        })
    }

    /// The settings the page needs to open Teller Connect.
    pub fn config(&self) -> &TellerConfig {
        &self.config
    }
}

fn read(path: &std::path::Path, flag: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{flag} {}: {e}", path.display()))
}

fn field<'a>(credentials: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    credentials
        .get(name)
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[async_trait]
impl Provider for TellerProvider {
    fn info(&self) -> ProviderInfo {
        INFO
    }

    fn page_script(&self) -> Option<String> {
        Some(self.config.connect_url.clone())
    }

    /// Teller Connect, with `enrollmentId` on a relink so the person repairs that login.
    async fn start(&self, ctx: &StartContext) -> Result<PageFlow, ProviderError> {
        let mut config = serde_json::json!({
            "applicationId": self.config.application_id,
            "environment": self.config.environment,
            "products": ["transactions", "balance"],
        });
        let enrollment = ctx.relink.as_ref().and_then(|r| {
            r.external_id
                .clone()
                .or_else(|| Some(Secret::decode(&r.secret).enrollment_id))
                .filter(|e| !e.is_empty())
        });
        if let Some(e) = enrollment {
            config["enrollmentId"] = serde_json::Value::String(e);
        }
        Ok(PageFlow::Script {
            script_url: self.config.connect_url.clone(),
            config,
        })
    }

    async fn link(&self, credentials: &serde_json::Value) -> Result<Linked, ProviderError> {
        let (Some(token), Some(enrollment)) = (
            field(credentials, "access_token"),
            field(credentials, "enrollment_id"),
        ) else {
            return Err(ProviderError::InvalidCredentials(
                "`access_token` and `enrollment_id` (from Teller Connect) are required".into(),
            ));
        };
        let accounts = self.client.accounts(token).await.map_err(|e| match e {
            ProviderError::ReauthRequired(_) => {
                ProviderError::InvalidCredentials("Teller does not accept this access token".into())
            }
            other => other,
        })?;
        let institution = accounts.iter().find_map(|a| a.institution.clone());
        let secret = Secret {
            access_token: token.to_owned(),
            enrollment_id: enrollment.to_owned(),
        };
        Ok(Linked {
            institution_id: institution.as_ref().and_then(|i| i.id.clone()),
            institution_name: field(credentials, "institution_name")
                .map(str::to_owned)
                .or_else(|| institution.and_then(|i| i.name)),
            secret: serde_json::to_string(&secret)
                .map_err(|e| ProviderError::Upstream(e.to_string()))?,
            external_id: Some(enrollment.to_owned()),
        })
    }

    async fn sync(&self, req: SyncRequest) -> Result<SyncBatch, ProviderError> {
        let secret = Secret::decode(&req.secret);
        sync::run(&self.client, &secret.access_token, &req).await
    }

    async fn revoke(&self, secret: &str) -> Result<(), ProviderError> {
        self.client
            .revoke(&Secret::decode(secret).access_token)
            .await
    }

    /// `Teller-Signature` checked against the raw body (401 without a signing secret).
    async fn webhook(&self, req: &WebhookRequest) -> Result<Vec<WebhookEvent>, WebhookError> {
        webhook::verify(
            req.header("teller-signature"),
            &req.body,
            self.config.signing_secret.as_deref(),
            req.received_at,
        )
        .map_err(|why| WebhookError::Unverified(why.to_string()))?;
        Ok(vec![webhook::event(&req.body)])
    }
}
