//! Plaid (plaid.com): Link on the hosted page, `/transactions/sync` with a stored cursor,
//! update mode for re-authentication and verified webhooks. Wire shapes follow Plaid's
//! OpenAPI description (`plaid/plaid-openapi`, `2020-09-14.yml`); setup is in the README.

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

use std::sync::Arc;

use async_trait::async_trait;

use self::client::Client;
pub use self::config::{Environment, PlaidConfig};
use self::link::{ItemSecret, LinkResult, LinkTokenParams};
use self::wire::{
    AccessTokenRequest, AccountsGetResponse, ItemGetResponse, LinkTokenCreateResponse,
    PublicTokenExchangeRequest, PublicTokenExchangeResponse,
};
use super::{
    Linked, PageFlow, Provider, ProviderError, ProviderInfo, Registration, Relink, StartContext,
    SyncBatch, SyncRequest, WebhookError, WebhookEvent, WebhookRequest,
};
use crate::config::Config;

const INFO: ProviderInfo = ProviderInfo {
    name: "plaid",
    display_name: "Plaid",
    needs_link_session: true,
    on_page: true,
    scheduled: true,
};

/// Configured when both the client id and the secret are set.
pub fn register(config: &Config) -> Registration {
    match &config.plaid {
        Some(c) => Registration::configured(Arc::new(PlaidProvider::new(c.clone()))),
        None => Registration::unconfigured(INFO),
    }
}

/// The Plaid provider.
pub struct PlaidProvider {
    config: PlaidConfig,
    client: Client,
    verifier: webhook::Verifier,
}

impl PlaidProvider {
    pub fn new(config: PlaidConfig) -> Self {
        let client = Client::new(&config);
        Self {
            verifier: webhook::Verifier::new(client.clone()),
            config,
            client,
        }
    }

    /// `/link/token/create` for a new Item, or update mode when `params.access_token` is set.
    pub async fn create_link_token(
        &self,
        params: LinkTokenParams,
    ) -> Result<String, ProviderError> {
        let body = link::token_request(&self.config, params);
        let resp: LinkTokenCreateResponse = self.client.call("/link/token/create", &body).await?;
        if resp.link_token.is_empty() {
            return Err(ProviderError::Upstream("Plaid sent no link_token".into()));
        }
        Ok(resp.link_token)
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

    async fn exchange(&self, public_token: String) -> Result<ItemSecret, ProviderError> {
        let req = PublicTokenExchangeRequest { public_token };
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
        Ok(ItemSecret {
            access_token: exchanged.access_token,
            item_id: exchanged.item_id,
        })
    }
}

#[async_trait]
impl Provider for PlaidProvider {
    fn info(&self) -> ProviderInfo {
        INFO
    }

    fn page_script(&self) -> Option<String> {
        Some(self.config.link_url.clone())
    }

    /// A link token (update mode with the Item's access token for a relink) and how the
    /// page runs Link with it (see `link::page_flow`).
    async fn start(&self, ctx: &StartContext) -> Result<PageFlow, ProviderError> {
        let access_token = ctx
            .relink
            .as_ref()
            .and_then(|r| ItemSecret::parse(&r.secret).ok())
            .map(|s| s.access_token);
        let params = LinkTokenParams {
            client_user_id: ctx.user_id.to_string(),
            webhook: ctx
                .public_url
                .as_deref()
                .map(|u| format!("{}/webhooks/plaid", u.trim_end_matches('/'))),
            access_token,
        };
        let token = self.create_link_token(params).await?;
        Ok(link::page_flow(&self.config.link_url, &token))
    }

    /// Exchanges Link's `public_token` for the Item's access token; the institution comes
    /// from Link's metadata, else from `/item/get`.
    async fn link(&self, credentials: &serde_json::Value) -> Result<Linked, ProviderError> {
        let result = LinkResult::from_credentials(credentials)?;
        let secret = self.exchange(result.public_token).await?;
        let (mut institution_id, mut institution_name) =
            (result.institution_id, result.institution_name);
        if institution_id.is_none() || institution_name.is_none() {
            let item = self.item(&secret.access_token).await?;
            institution_id = institution_id.or(item.institution_id);
            institution_name = institution_name.or(item.institution_name);
        }
        Ok(Linked {
            institution_id,
            institution_name,
            external_id: Some(secret.item_id.clone()).filter(|i| !i.is_empty()),
            secret: secret.to_stored(),
        })
    }

    /// Update mode repairs the Item in place: its access token stays valid, so nothing is
    /// exchanged and the stored secret is kept.
    async fn relink(
        &self,
        credentials: &serde_json::Value,
        relink: &Relink,
    ) -> Result<Linked, ProviderError> {
        let Ok(secret) = ItemSecret::parse(&relink.secret) else {
            return self.link(credentials).await;
        };
        let result = LinkResult::from_metadata(credentials);
        Ok(Linked {
            institution_id: result.institution_id,
            institution_name: result.institution_name,
            external_id: Some(secret.item_id.clone())
                .filter(|i| !i.is_empty())
                .or_else(|| relink.external_id.clone()),
            secret: relink.secret.clone(),
        })
    }

    async fn sync(&self, req: SyncRequest) -> Result<SyncBatch, ProviderError> {
        let secret = ItemSecret::parse(&req.secret)?;
        let pages = sync::pull(&self.client, &secret.access_token, req.cursor.as_deref()).await?;
        let accounts = self.accounts(&secret.access_token).await?;
        sync::to_batch(pages, &accounts)
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

    async fn webhook(&self, req: &WebhookRequest) -> Result<Vec<WebhookEvent>, WebhookError> {
        self.verifier
            .verify(req.header("plaid-verification"), &req.body, req.received_at)
            .await
            .map_err(|r| WebhookError::Unverified(format!("Plaid webhook refused: {r}")))?;
        webhook::events(&req.body)
            .map_err(|_| WebhookError::Malformed("the webhook body is not Plaid's JSON".into()))
    }
}
