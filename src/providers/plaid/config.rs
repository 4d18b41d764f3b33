//! Plaid's settings (flags and `BREADBOX_PLAID_*` variables, see `main.rs`): keys,
//! environment, where Link's script lives, and what `/link/token/create` is told.

use std::time::Duration;

/// Plaid's hosted environments (the OpenAPI description lists exactly these two servers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    #[default]
    Sandbox,
    Production,
}

impl Environment {
    /// The environment's API host.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Sandbox => "https://sandbox.plaid.com",
            Self::Production => "https://production.plaid.com",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }
}

impl std::str::FromStr for Environment {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Self::Sandbox),
            "production" => Ok(Self::Production),
            other => Err(format!(
                "unknown Plaid environment `{other}`; use sandbox or production"
            )),
        }
    }
}

/// Where Link's script is served from unless configured otherwise.
pub const DEFAULT_LINK_URL: &str = "https://cdn.plaid.com/link/v2/stable/link-initialize.js";

/// Everything the Plaid provider needs. Present only when both keys are set.
#[derive(Clone)]
pub struct PlaidConfig {
    pub client_id: String,
    pub secret: String,
    pub environment: Environment,
    /// Overrides the environment's host (a local upstream in tests).
    pub base_url: Option<String>,
    /// The Link script the hosted page loads.
    pub link_url: String,
    /// `country_codes` sent to `/link/token/create`.
    pub country_codes: Vec<String>,
    /// `client_name` shown in Link (Plaid allows 30 characters).
    pub client_name: String,
    /// `redirect_uri` for OAuth banks; must be registered with Plaid.
    pub redirect_uri: Option<String>,
    /// First pause before retrying a rate-limited call; it doubles on each retry.
    pub retry_base: Duration,
    /// How many times a rate-limited call is retried before the sync gives up for now.
    pub rate_limit_retries: u32,
}

impl PlaidConfig {
    /// Defaults around a client id and secret.
    pub fn new(client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            secret: secret.into(),
            environment: Environment::Sandbox,
            base_url: None,
            link_url: DEFAULT_LINK_URL.into(),
            country_codes: vec!["US".into()],
            client_name: "Breadbox".into(),
            redirect_uri: None,
            retry_base: Duration::from_secs(2),
            rate_limit_retries: 3,
        }
    }

    /// The API host calls go to (no trailing slash).
    pub fn api_base(&self) -> String {
        self.base_url
            .as_deref()
            .unwrap_or(self.environment.base_url())
            .trim_end_matches('/')
            .to_owned()
    }

    /// The origin (`scheme://host[:port]`) of the Link script, for the page's CSP.
    pub fn link_origin(&self) -> Option<String> {
        let url = url::Url::parse(&self.link_url).ok()?;
        match url.origin() {
            url::Origin::Tuple(..) => Some(url.origin().ascii_serialization()),
            url::Origin::Opaque(_) => None,
        }
    }
}

impl std::fmt::Debug for PlaidConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaidConfig")
            .field("client_id", &self.client_id)
            .field("secret", &"<redacted>")
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("link_url", &self.link_url)
            .field("country_codes", &self.country_codes)
            .field("client_name", &self.client_name)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}
