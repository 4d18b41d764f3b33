//! Plaid (plaid.com): Link on the hosted page, `/transactions/sync` with a stored cursor,
//! update mode for re-authentication and verified webhooks. Wire shapes follow Plaid's
//! OpenAPI description (`plaid/plaid-openapi`, `2020-09-14.yml`); see `docs/plaid.md`.

pub mod client;
pub mod config;
pub mod errors;
pub mod link;
pub mod normalise;
pub mod sync;
pub mod webhook;
pub mod wire;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use self::client::Client;
pub use self::config::{Environment, PlaidConfig};
use self::link::{ItemSecret, LinkResult, LinkTokenParams};
pub use self::webhook::{Rejection, WebhookEvent};
use self::wire::{
    AccessTokenRequest, AccountsGetResponse, ItemGetResponse, LinkTokenCreateResponse,
    PublicTokenExchangeRequest, PublicTokenExchangeResponse,
};
use super::types::ProviderTransaction;
use super::{Linked, Provider, ProviderError, SyncBatch, SyncRequest};

/// A link token for Link on the page.
#[derive(Debug, Clone)]
pub struct LinkToken {
    pub link_token: String,
    pub expiration: Option<String>,
}

/// The Plaid provider (cheap to share behind an `Arc`).
pub struct PlaidProvider {
    config: Arc<PlaidConfig>,
    client: Client,
    verifier: webhook::Verifier,
}

impl PlaidProvider {
    pub fn new(config: PlaidConfig) -> Self {
        let client = Client::new(&config);
        Self {
            verifier: webhook::Verifier::new(client.clone()),
            config: Arc::new(config),
            client,
        }
    }

    pub fn config(&self) -> &PlaidConfig {
        &self.config
    }

    /// `/link/token/create` for a new Item, or update mode when `params.access_token` is set.
    pub async fn create_link_token(
        &self,
        params: LinkTokenParams,
    ) -> Result<LinkToken, ProviderError> {
        let body = link::token_request(&self.config, params);
        let resp: LinkTokenCreateResponse = self.client.call("/link/token/create", &body).await?;
        if resp.link_token.is_empty() {
            return Err(ProviderError::Upstream("Plaid sent no link_token".into()));
        }
        Ok(LinkToken {
            link_token: resp.link_token,
            expiration: resp.expiration,
        })
    }

    /// Checks a webhook's `Plaid-Verification` header against its raw body, then reads it.
    pub async fn verify_webhook(
        &self,
        header: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<WebhookEvent, Rejection> {
        self.verifier.verify(header, body, now).await?;
        webhook::parse_event(body)
    }

    async fn item(&self, access_token: &str) -> Result<wire::Item, ProviderError> {
        let req = AccessTokenRequest {
            access_token: access_token.to_owned(),
        };
        let resp: ItemGetResponse = self.client.call("/item/get", &req).await?;
        Ok(resp.item)
    }

    async fn accounts(&self, access_token: &str) -> Result<Vec<wire::Account>, ProviderError> {
        let req = AccessTokenRequest {
            access_token: access_token.to_owned(),
        };
        let resp: AccountsGetResponse = self.client.call("/accounts/get", &req).await?;
        Ok(resp.accounts)
    }
}

#[async_trait]
impl Provider for PlaidProvider {
    fn name(&self) -> &'static str {
        "plaid"
    }

    fn needs_link_session(&self) -> bool {
        true
    }

    /// Exchanges Link's `public_token` for the Item's access token; the institution comes
    /// from Link's metadata, else from `/item/get`.
    async fn link(&self, credentials: &serde_json::Value) -> Result<Linked, ProviderError> {
        let result = LinkResult::from_credentials(credentials)?;
        let req = PublicTokenExchangeRequest {
            public_token: result.public_token,
        };
        let exchanged: PublicTokenExchangeResponse = self
            .client
            .call("/item/public_token/exchange", &req)
            .await
            .map_err(|e| match ProviderError::from(e) {
                // A public token Plaid does not take is the caller's mistake.
                ProviderError::Upstream(m) => ProviderError::InvalidCredentials(m),
                other => other,
            })?;
        if exchanged.access_token.is_empty() {
            return Err(ProviderError::Upstream("Plaid sent no access_token".into()));
        }
        let (mut institution_id, mut institution_name) =
            (result.institution_id, result.institution_name);
        if institution_id.is_none() || institution_name.is_none() {
            let item = self.item(&exchanged.access_token).await?;
            institution_id = institution_id.or(item.institution_id);
            institution_name = institution_name.or(item.institution_name);
        }
        let secret = ItemSecret {
            access_token: exchanged.access_token,
            item_id: exchanged.item_id,
        };
        Ok(Linked {
            institution_id,
            institution_name,
            secret: secret.to_stored(),
        })
    }

    async fn sync(&self, req: SyncRequest) -> Result<SyncBatch, ProviderError> {
        let secret = ItemSecret::parse(&req.secret)?;
        let pages = sync::pull(&self.client, &secret.access_token, req.cursor.as_deref()).await?;
        let accounts = self
            .accounts(&secret.access_token)
            .await?
            .iter()
            .map(normalise::account)
            .collect::<Result<Vec<_>, _>>()?;
        let currency: HashMap<&str, &str> = accounts
            .iter()
            .map(|a| (a.external_id.as_str(), a.iso_currency_code.as_str()))
            .collect();
        let convert =
            |rows: &[wire::Transaction]| -> Result<Vec<ProviderTransaction>, ProviderError> {
                rows.iter()
                    .map(|t| {
                        normalise::transaction(t, currency.get(t.account_id.as_str()).copied())
                    })
                    .collect()
            };
        let added = convert(&pages.added)?;
        let modified = convert(&pages.modified)?;
        Ok(SyncBatch {
            accounts,
            added,
            modified,
            removed: pages.removed,
            next_cursor: pages.next_cursor,
        })
    }

    /// `/item/remove`: Plaid stops billing for the Item and invalidates the token.
    async fn revoke(&self, secret: &str) -> Result<(), ProviderError> {
        let secret = ItemSecret::parse(secret)?;
        let req = AccessTokenRequest {
            access_token: secret.access_token,
        };
        let _: serde_json::Value = self.client.call("/item/remove", &req).await?;
        Ok(())
    }
}
