//! Runtime configuration, built once from flags and environment variables (see `main.rs`)
//! and validated at start. Secrets are redacted from `Debug`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Defaults, written once: `Config::new` and the command-line flags both use these.
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_RATE_LIMIT_RPM: u32 = 6000;
pub const DEFAULT_RATE_LIMIT_BURST: u32 = 500;
pub const DEFAULT_SYNC_INTERVAL: &str = "12h";
pub const DEFAULT_BACKUP_INTERVAL: &str = "1d";
pub const DEFAULT_BACKUP_KEEP: u16 = 7;
pub const DEFAULT_MAX_CONNECTIONS: u16 = 512;
pub const DEFAULT_HEADER_TIMEOUT: &str = "15s";
pub const DEFAULT_BODY_TIMEOUT: &str = "60s";
const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// `12h`, `30m`, `90s`, `1d` or plain seconds; at least one second.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 12h, 30m or 90s"))?;
    let secs = match unit.trim() {
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "d" => n.checked_mul(86_400),
        other => return Err(format!("unknown unit `{other}`; use s, m, h or d")),
    };
    match secs {
        Some(0) => Err("the interval must be at least 1s".into()),
        Some(secs) => Ok(Duration::from_secs(secs)),
        None => Err(format!("`{s}` is too long")),
    }
}

/// Everything `serve` needs.
#[derive(Clone)]
#[allow(clippy::struct_excessive_bools)] // independent on/off switches, one per flag
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory holding `breadbox.db` and the encryption key file.
    pub data_dir: PathBuf,
    /// Base URL people reach the server at (hosted-link URLs); else taken from the request.
    pub public_url: Option<String>,
    /// Requests per minute per key / client IP; 0 disables rate limiting.
    pub rate_limit_rpm: u32,
    /// Bucket size (burst) for rate limiting.
    pub rate_limit_burst: u32,
    /// Enables the built-in demo bank.
    pub demo: bool,
    /// How often the scheduler syncs each connection.
    pub sync_interval: Duration,
    /// Whether the background scheduler runs.
    pub scheduler: bool,
    /// How long in-flight requests may take to finish at shutdown.
    pub shutdown_grace: Duration,
    /// Trust `X-Forwarded-Host`/`-Proto` (only behind a reverse proxy that sets them).
    pub trust_forwarded_headers: bool,
    /// Base64 of the 32-byte AES-256-GCM key for provider credentials; else a key file.
    pub encryption_key: Option<String>,
    /// Plaid, when both its client id and secret are configured.
    pub plaid: Option<crate::providers::plaid::PlaidConfig>,
    /// SimpleFIN Bridge settings.
    pub simplefin: SimpleFinConfig,
    /// Teller; enabled when `teller.application_id` is set.
    pub teller: TellerConfig,
    /// Serves Prometheus metrics at `/metrics`.
    pub metrics: bool,
    /// Directory for scheduled backups; `None` turns them off.
    pub backup_dir: Option<PathBuf>,
    /// How often a scheduled backup is taken.
    pub backup_interval: Duration,
    /// How many scheduled backups are kept (older ones are deleted).
    pub backup_keep: usize,
    /// Open connections served at once; further clients wait to be accepted.
    pub max_connections: usize,
    /// A request head (and the next request on a kept-alive connection) must arrive within
    /// this time, or the connection is closed.
    pub header_timeout: Duration,
    /// A JSON request body must arrive within this time once read (a CSV import: ten times it).
    pub body_timeout: Duration,
}

/// SimpleFIN Bridge settings.
#[derive(Debug, Clone)]
pub struct SimpleFinConfig {
    /// On by default: SimpleFIN needs no server secret.
    pub enabled: bool,
    /// Accepts `http://` claim and access URLs (tests and local bridges only).
    pub allow_http: bool,
}

/// Teller settings (values from the Teller dashboard).
#[derive(Clone)]
pub struct TellerConfig {
    /// `app_…` from Application Settings; Teller is off without it.
    pub application_id: Option<String>,
    /// `sandbox`, `development` or `production` (what Teller Connect opens).
    pub environment: String,
    /// The client certificate from `teller.zip` (`certificate.pem`); mTLS.
    pub certificate: Option<PathBuf>,
    /// Its private key (`private_key.pem`).
    pub private_key: Option<PathBuf>,
    /// The webhook signing secret; webhooks are refused (401) without it.
    pub signing_secret: Option<String>,
    /// API base URL.
    pub base_url: String,
    /// An extra trusted root certificate (PEM), for a local upstream.
    pub ca_certificate: Option<PathBuf>,
    /// Where the page loads Teller Connect from (the CSP allows exactly its origin).
    pub connect_url: String,
}

impl Default for TellerConfig {
    fn default() -> Self {
        Self {
            application_id: None,
            environment: "sandbox".into(),
            certificate: None,
            private_key: None,
            signing_secret: None,
            base_url: "https://api.teller.io".into(),
            ca_certificate: None,
            connect_url: "https://cdn.teller.io/connect/connect.js".into(),
        }
    }
}

impl std::fmt::Debug for TellerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TellerConfig")
            .field("application_id", &self.application_id)
            .field("environment", &self.environment)
            .field("certificate", &self.certificate)
            .field("private_key", &self.private_key)
            .field(
                "signing_secret",
                &self.signing_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("base_url", &self.base_url)
            .field("ca_certificate", &self.ca_certificate)
            .field("connect_url", &self.connect_url)
            .finish()
    }
}

impl Config {
    /// Defaults for a data directory (what `serve` uses without flags).
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: DEFAULT_LISTEN.parse().expect("the default address parses"),
            data_dir: data_dir.into(),
            public_url: None,
            rate_limit_rpm: DEFAULT_RATE_LIMIT_RPM,
            rate_limit_burst: DEFAULT_RATE_LIMIT_BURST,
            demo: false,
            sync_interval: parse_interval(DEFAULT_SYNC_INTERVAL).expect("the default parses"),
            scheduler: true,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            trust_forwarded_headers: false,
            encryption_key: None,
            plaid: None,
            simplefin: SimpleFinConfig {
                enabled: true,
                allow_http: false,
            },
            teller: TellerConfig::default(),
            metrics: false,
            backup_dir: None,
            backup_interval: parse_interval(DEFAULT_BACKUP_INTERVAL).expect("the default parses"),
            backup_keep: usize::from(DEFAULT_BACKUP_KEEP),
            max_connections: usize::from(DEFAULT_MAX_CONNECTIONS),
            header_timeout: parse_interval(DEFAULT_HEADER_TIMEOUT).expect("the default parses"),
            body_timeout: parse_interval(DEFAULT_BODY_TIMEOUT).expect("the default parses"),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("public_url", &self.public_url)
            .field("rate_limit_rpm", &self.rate_limit_rpm)
            .field("rate_limit_burst", &self.rate_limit_burst)
            .field("demo", &self.demo)
            .field("sync_interval", &self.sync_interval)
            .field("scheduler", &self.scheduler)
            .field(
                "encryption_key",
                &self.encryption_key.as_ref().map(|_| "<redacted>"),
            )
            .field("plaid", &self.plaid)
            .field("simplefin", &self.simplefin)
            .field("teller", &self.teller)
            .field("metrics", &self.metrics)
            .field("backup_dir", &self.backup_dir)
            .field("backup_interval", &self.backup_interval)
            .field("backup_keep", &self.backup_keep)
            .field("max_connections", &self.max_connections)
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_take_units_and_refuse_zero_and_overflow() {
        assert_eq!(parse_interval("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_interval("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_interval("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_interval("2"), Ok(Duration::from_secs(2)));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("5y").is_err());
        assert!(parse_interval("99999999999999999999d").is_err());
        assert!(parse_interval(&format!("{}d", u64::MAX)).is_err());
    }

    #[test]
    fn defaults_match_the_documented_values() {
        let c = Config::new("./data");
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.sync_interval, Duration::from_secs(12 * 3600));
    }
}
