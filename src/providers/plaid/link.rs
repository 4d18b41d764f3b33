//! Linking: the `/link/token/create` body (new Items and update mode), what the page
//! sends back after Link's `onSuccess`, and the secret Breadbox stores (sealed) per Item.

use serde::{Deserialize, Serialize};

use super::config::PlaidConfig;
use super::wire::{LinkTokenCreateRequest, LinkTransactions, LinkUser};
use crate::providers::{PageFlow, ProviderError};

/// Days of history asked for (Plaid's maximum; it cannot be raised later).
pub const DAYS_REQUESTED: u32 = 730;

/// What one Link session is for.
#[derive(Clone, Default)]
pub struct LinkTokenParams {
    /// Stable id of the person (Breadbox's user id; no personal data).
    pub client_user_id: String,
    /// `<public url>/webhooks/plaid` when the server knows its public URL.
    pub webhook: Option<String>,
    /// Update mode: the Item's access token (re-authentication; no products then).
    pub access_token: Option<String>,
}

/// The `/link/token/create` body for `params`.
pub fn token_request(config: &PlaidConfig, params: LinkTokenParams) -> LinkTokenCreateRequest {
    let update_mode = params.access_token.is_some();
    LinkTokenCreateRequest {
        client_name: config.client_name.chars().take(30).collect(),
        language: "en".into(),
        country_codes: config.country_codes.clone(),
        user: LinkUser {
            client_user_id: params.client_user_id,
        },
        products: (!update_mode).then(|| vec!["transactions".to_owned()]),
        transactions: (!update_mode).then_some(LinkTransactions {
            days_requested: DAYS_REQUESTED,
        }),
        webhook: params.webhook,
        access_token: params.access_token,
        redirect_uri: config.redirect_uri.clone(),
    }
}

/// The secret stored for a Plaid connection: the Item's access token and its id (the
/// id is how webhooks name the Item).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ItemSecret {
    pub access_token: String,
    #[serde(default)]
    pub item_id: String,
}

impl std::fmt::Debug for ItemSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemSecret")
            .field("access_token", &"<redacted>")
            .field("item_id", &self.item_id)
            .finish()
    }
}

impl ItemSecret {
    /// Reads a stored secret (JSON; a bare access token is accepted too).
    pub fn parse(stored: &str) -> Result<Self, ProviderError> {
        let stored = stored.trim();
        if stored.starts_with('{') {
            return serde_json::from_str(stored).map_err(|_| {
                ProviderError::Upstream("the stored Plaid credentials are unreadable".into())
            });
        }
        if stored.is_empty() {
            return Err(ProviderError::ReauthRequired(
                "no Plaid access token is stored for this connection".into(),
            ));
        }
        Ok(Self {
            access_token: stored.to_owned(),
            item_id: String::new(),
        })
    }

    /// The form stored (sealed) in the database.
    pub fn to_stored(&self) -> String {
        serde_json::json!({"access_token": self.access_token, "item_id": self.item_id}).to_string()
    }
}

/// What the page (or an API client) sends after Link's `onSuccess`.
#[derive(Clone, Default)]
pub struct LinkResult {
    pub public_token: String,
    pub institution_id: Option<String>,
    pub institution_name: Option<String>,
}

impl LinkResult {
    /// Only the institution, from Link's `onSuccess` metadata (update mode needs no token).
    pub fn from_metadata(credentials: &serde_json::Value) -> Self {
        let institution = credentials
            .get("metadata")
            .and_then(|m| m.get("institution"))
            .or_else(|| credentials.get("institution"));
        let text = |key: &str| {
            institution
                .and_then(|i| i.get(key))
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Self {
            public_token: String::new(),
            institution_id: text("institution_id"),
            institution_name: text("name"),
        }
    }

    /// `{"public_token", "metadata": {"institution": {"institution_id", "name"}, …}}` — the
    /// two arguments of Link's `onSuccess`, as the page posts them; `institution` at the top
    /// level (or flat `institution_id` / `institution_name`) is accepted from API clients.
    pub fn from_credentials(credentials: &serde_json::Value) -> Result<Self, ProviderError> {
        let text = |v: Option<&serde_json::Value>| {
            v.and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let public_token = text(credentials.get("public_token")).ok_or_else(|| {
            ProviderError::InvalidCredentials("`public_token` (from Plaid Link) is required".into())
        })?;
        let meta = Self::from_metadata(credentials);
        Ok(Self {
            public_token,
            institution_id: meta
                .institution_id
                .or_else(|| text(credentials.get("institution_id"))),
            institution_name: meta
                .institution_name
                .or_else(|| text(credentials.get("institution_name"))),
        })
    }
}

/// How the hosted page runs Link: load `link_url`, call `Plaid.create(options)` with the
/// link token, then `.open()`. `onSuccess(public_token, metadata)` is posted as
/// `{"public_token", "metadata"}`; after an OAuth bank sends the browser back, the page
/// calls `create` again with the same token and `receivedRedirectUri` set to its URL.
pub fn page_flow(link_url: &str, link_token: &str) -> PageFlow {
    PageFlow::Script {
        script_url: link_url.to_owned(),
        config: serde_json::json!({
            "global": "Plaid",
            "factory": "create",
            "options": {"token": link_token},
            "success_fields": ["public_token", "metadata"],
            "resume_option": "receivedRedirectUri",
        }),
    }
}
