//! Plugs the offline demo bank (`demo`) into the [`Provider`] trait. Credentials are
//! `{"username": "demo_good" | "demo_reauth" | "demo_error"}`; the username is the secret.

use std::sync::Arc;

use async_trait::async_trait;

use super::demo::{DemoBank, DemoError, DemoScenario};
use super::{FieldKind, FormField, Linked, PageFlow, Provider, ProviderError, ProviderInfo};
use super::{Registration, StartContext, SyncBatch, SyncRequest};
use crate::config::Config;

/// The demo provider.
pub struct DemoProvider;

const INFO: ProviderInfo = ProviderInfo {
    name: "demo",
    display_name: "Breadbox Demo Bank",
    needs_link_session: false,
    on_page: true,
    scheduled: true,
};

/// On only when enabled (`serve --demo`, `BREADBOX_DEMO=1`).
pub fn register(config: &Config) -> Registration {
    if config.demo {
        Registration::configured(Arc::new(DemoProvider))
    } else {
        Registration::unconfigured(INFO)
    }
}

/// The page's form: a sandbox user picks a scenario, like Plaid's sandbox users.
fn form() -> PageFlow {
    PageFlow::Form {
        fields: vec![
            FormField {
                name: "username",
                label: "Demo user",
                kind: FieldKind::Select,
                options: vec![
                    ("demo_good", "demo_good — everything works"),
                    (
                        "demo_reauth",
                        "demo_reauth — needs sign-in again after the first sync",
                    ),
                    ("demo_error", "demo_error — the bank is down"),
                ],
            },
            FormField {
                name: "password",
                label: "Password (any)",
                kind: FieldKind::Password,
                options: vec![],
            },
        ],
        help_url: None,
    }
}

impl From<DemoError> for ProviderError {
    fn from(e: DemoError) -> Self {
        match e {
            DemoError::UnknownUser(_) => Self::InvalidCredentials(e.to_string()),
            DemoError::ReauthRequired => Self::ReauthRequired(e.to_string()),
            DemoError::BankDown => Self::Retryable(e.to_string()),
            DemoError::BadCursor(_) => Self::Upstream(e.to_string()),
        }
    }
}

#[async_trait]
impl Provider for DemoProvider {
    fn info(&self) -> ProviderInfo {
        INFO
    }

    async fn start(&self, _: &StartContext) -> Result<PageFlow, ProviderError> {
        Ok(form())
    }

    async fn link(&self, credentials: &serde_json::Value) -> Result<Linked, ProviderError> {
        let username = match credentials.get("username") {
            None | Some(serde_json::Value::Null) => "demo_good",
            Some(serde_json::Value::String(s)) => s.as_str(),
            Some(_) => {
                return Err(ProviderError::InvalidCredentials(
                    "`username` must be a string".into(),
                ));
            }
        };
        let scenario = DemoBank::link(username)?;
        Ok(Linked {
            institution_id: Some(DemoBank::INSTITUTION_ID.into()),
            institution_name: Some(DemoBank::INSTITUTION_NAME.into()),
            secret: scenario.username().into(),
            external_id: None,
        })
    }

    async fn sync(&self, req: SyncRequest) -> Result<SyncBatch, ProviderError> {
        let scenario = DemoScenario::from_username(&req.secret)?;
        let seed = req.connection_id.to_string();
        // Generating two years of history is CPU work: keep it off the async threads.
        tokio::task::spawn_blocking(move || {
            DemoBank::sync(&seed, scenario, req.cursor.as_deref(), req.today).map_err(Into::into)
        })
        .await
        .map_err(|e| ProviderError::Upstream(e.to_string()))?
    }

    async fn revoke(&self, _secret: &str) -> Result<(), ProviderError> {
        Ok(())
    }
}
