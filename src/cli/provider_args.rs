//! The provider flags of `breadbox serve` (one group each for Plaid, SimpleFIN and Teller)
//! and how each becomes its part of the configuration.

use std::path::PathBuf;

use clap::Args;

/// SimpleFIN Bridge: needs no server secret, so it is on unless turned off.
#[derive(Args)]
pub struct SimpleFinArgs {
    /// SimpleFIN Bridge: `on` (default) or `off`.
    #[arg(long = "simplefin", value_name = "on|off", env = "BREADBOX_SIMPLEFIN", default_value = "on", value_parser = ["on", "off"])]
    pub state: String,
    /// Accept `http://` SimpleFIN claim and access URLs (tests and local bridges only).
    #[arg(long = "simplefin-allow-http", env = "BREADBOX_SIMPLEFIN_ALLOW_HTTP", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_http: bool,
}

/// Plaid is enabled when both its client id and secret are set.
#[derive(Args)]
pub struct PlaidArgs {
    /// Plaid client id (from the Plaid dashboard).
    #[arg(
        long = "plaid-client-id",
        id = "plaid-client-id",
        env = "BREADBOX_PLAID_CLIENT_ID"
    )]
    client_id: Option<String>,
    /// Plaid secret for the chosen environment.
    #[arg(
        long = "plaid-secret",
        id = "plaid-secret",
        env = "BREADBOX_PLAID_SECRET",
        hide_env_values = true
    )]
    secret: Option<String>,
    /// Plaid environment: sandbox or production.
    #[arg(
        long = "plaid-environment",
        id = "plaid-environment",
        env = "BREADBOX_PLAID_ENVIRONMENT",
        default_value = "sandbox"
    )]
    environment: breadbox::providers::plaid::Environment,
    /// Overrides the environment's API host (e.g. a local test upstream).
    #[arg(
        long = "plaid-base-url",
        id = "plaid-base-url",
        env = "BREADBOX_PLAID_BASE_URL"
    )]
    base_url: Option<String>,
    /// Where the hosted page loads Plaid Link's script from.
    #[arg(long = "plaid-link-url", id = "plaid-link-url", env = "BREADBOX_PLAID_LINK_URL", default_value = breadbox::providers::plaid::config::DEFAULT_LINK_URL)]
    link_url: String,
    /// Country codes offered in Link, comma-separated.
    #[arg(
        long = "plaid-country-codes",
        id = "plaid-country-codes",
        env = "BREADBOX_PLAID_COUNTRY_CODES",
        default_value = "US",
        value_delimiter = ','
    )]
    country_codes: Vec<String>,
    /// Name shown in Link (at most 30 characters).
    #[arg(
        long = "plaid-client-name",
        id = "plaid-client-name",
        env = "BREADBOX_PLAID_CLIENT_NAME",
        default_value = "Breadbox"
    )]
    client_name: String,
    /// OAuth redirect URI registered with Plaid (e.g. https://HOST/link/oauth/plaid).
    #[arg(
        long = "plaid-redirect-uri",
        id = "plaid-redirect-uri",
        env = "BREADBOX_PLAID_REDIRECT_URI"
    )]
    redirect_uri: Option<String>,
}

impl PlaidArgs {
    pub fn into_config(self) -> Option<breadbox::providers::plaid::PlaidConfig> {
        let id = self.client_id.filter(|s| !s.trim().is_empty())?;
        let secret = self.secret.filter(|s| !s.trim().is_empty())?;
        let mut c = breadbox::providers::plaid::PlaidConfig::new(id.trim(), secret.trim());
        c.environment = self.environment;
        c.base_url = self.base_url.filter(|s| !s.trim().is_empty());
        c.link_url = self.link_url;
        c.country_codes = self
            .country_codes
            .iter()
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty())
            .collect();
        c.client_name = self.client_name;
        c.redirect_uri = self.redirect_uri.filter(|s| !s.trim().is_empty());
        Some(c)
    }
}

/// Teller: on when an application id is set (values from the Teller dashboard).
#[derive(Args)]
pub struct TellerArgs {
    /// Application id (`app_…`, Application Settings); turns Teller on.
    #[arg(
        long = "teller-application-id",
        id = "teller-application-id",
        env = "BREADBOX_TELLER_APPLICATION_ID"
    )]
    application_id: Option<String>,
    /// Environment Teller Connect opens.
    #[arg(long = "teller-environment", id = "teller-environment", env = "BREADBOX_TELLER_ENVIRONMENT", default_value = "sandbox", value_parser = ["sandbox", "development", "production"])]
    environment: String,
    /// Client certificate (`certificate.pem` from teller.zip); required outside sandbox.
    #[arg(
        long = "teller-certificate",
        id = "teller-certificate",
        env = "BREADBOX_TELLER_CERTIFICATE"
    )]
    certificate: Option<PathBuf>,
    /// Its private key (`private_key.pem` from teller.zip).
    #[arg(
        long = "teller-private-key",
        id = "teller-private-key",
        env = "BREADBOX_TELLER_PRIVATE_KEY"
    )]
    private_key: Option<PathBuf>,
    /// Webhook signing secret; without it webhooks are refused.
    #[arg(
        long = "teller-signing-secret",
        id = "teller-signing-secret",
        env = "BREADBOX_TELLER_SIGNING_SECRET",
        hide_env_values = true
    )]
    signing_secret: Option<String>,
    /// Teller API base URL.
    #[arg(
        long = "teller-base-url",
        id = "teller-base-url",
        env = "BREADBOX_TELLER_BASE_URL",
        default_value = "https://api.teller.io"
    )]
    base_url: String,
    /// An extra trusted root certificate (PEM) for the API, e.g. a local upstream.
    #[arg(
        long = "teller-ca-certificate",
        id = "teller-ca-certificate",
        env = "BREADBOX_TELLER_CA_CERTIFICATE"
    )]
    ca_certificate: Option<PathBuf>,
    /// Where the hosted page loads Teller Connect from.
    #[arg(
        long = "teller-connect-url",
        id = "teller-connect-url",
        env = "BREADBOX_TELLER_CONNECT_URL",
        default_value = "https://cdn.teller.io/connect/connect.js"
    )]
    connect_url: String,
}

impl From<TellerArgs> for breadbox::config::TellerConfig {
    fn from(a: TellerArgs) -> Self {
        Self {
            application_id: a.application_id.filter(|s| !s.trim().is_empty()),
            environment: a.environment,
            certificate: a.certificate,
            private_key: a.private_key,
            signing_secret: a.signing_secret.filter(|s| !s.is_empty()),
            base_url: a.base_url,
            ca_certificate: a.ca_certificate,
            connect_url: a.connect_url,
        }
    }
}
