//! Teller (`teller`): a person connects through Teller Connect on the hosted page, which
//! hands us an access token and enrollment; we poll the API over mutual TLS and act on
//! signed webhooks. On when `--teller-application-id` is set.

pub mod client;
pub mod normalise;
pub mod sync;
pub mod webhook;
pub mod wire;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Linked, Provider, ProviderError, SyncBatch, SyncRequest};
use crate::config::TellerConfig;
use client::{Client, Tls};

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
    fn name(&self) -> &'static str {
        "teller"
    }

    fn needs_link_session(&self) -> bool {
        true
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
}
