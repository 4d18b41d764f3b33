//! SimpleFIN Bridge (`simplefin`): a person pastes a setup token, we claim it for the
//! long-lived access URL (stored encrypted) and poll `GET /accounts` in date windows.
//! Needs no server secret, so it is on by default (`--simplefin on|off`).

mod assemble;
pub mod client;
pub mod normalise;
pub mod window;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use uuid::Uuid;

use super::{FieldKind, FormField, Linked, PageFlow, Provider, ProviderError, ProviderInfo};
use super::{Registration, StartContext, SyncBatch, SyncRequest};
use crate::config::Config;
use client::Client;
use window::Cursor;

const INFO: ProviderInfo = ProviderInfo {
    name: "simplefin",
    display_name: "SimpleFIN Bridge",
    needs_link_session: false,
    on_page: true,
    scheduled: true,
};

/// On unless `--simplefin off`.
pub fn register(config: &Config) -> Registration {
    if !config.simplefin.enabled {
        return Registration::unconfigured(INFO);
    }
    match SimpleFinProvider::new(config.simplefin.allow_http) {
        Ok(p) => Registration::configured(Arc::new(p)),
        Err(e) => {
            tracing::error!(error = %e, "SimpleFIN left out");
            Registration::unconfigured(INFO)
        }
    }
}

/// Whether the configuration builds (run at start).
pub fn check(config: &Config) -> Result<(), String> {
    if config.simplefin.enabled {
        SimpleFinProvider::new(config.simplefin.allow_http)?;
    }
    Ok(())
}

/// Where a person makes a setup token (linked from the page).
pub const CREATE_TOKEN_URL: &str = "https://bridge.simplefin.org/simplefin/create";

/// The SimpleFIN provider, with each connection's recent requests (the daily budget).
pub struct SimpleFinProvider {
    client: Client,
    /// Epoch seconds of requests per connection; the cursor carries them across restarts,
    /// this map also counts the requests of syncs that failed (no cursor is saved then).
    requests: Mutex<HashMap<Uuid, Vec<i64>>>,
}

impl SimpleFinProvider {
    /// `allow_http` permits `http://` claim and access URLs (tests, local bridges).
    pub fn new(allow_http: bool) -> Result<Self, String> {
        Ok(Self {
            client: Client::new(allow_http)?,
            requests: Mutex::new(HashMap::new()),
        })
    }

    /// The connection's requests of the last day. Memory is the truth while the server runs
    /// (it also holds requests of failed syncs); after a restart the cursor seeds it.
    fn recent_requests(&self, id: Uuid, cursor: &Cursor, now: i64) -> Vec<i64> {
        let mut map = crate::mutex::lock(&self.requests);
        let entry = map.entry(id).or_insert_with(|| cursor.requests.clone());
        *entry = window::recent(entry, now);
        entry.clone()
    }

    fn record_request(&self, id: Uuid) -> i64 {
        let at = crate::time::now();
        crate::mutex::lock(&self.requests)
            .entry(id)
            .or_default()
            .push(at);
        at
    }
}

fn setup_token(credentials: &serde_json::Value) -> Result<&str, ProviderError> {
    credentials
        .get("setup_token")
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ProviderError::InvalidCredentials(
                "`setup_token` is required: paste the SimpleFIN setup token".into(),
            )
        })
}

#[async_trait]
impl Provider for SimpleFinProvider {
    fn info(&self) -> ProviderInfo {
        INFO
    }

    async fn start(&self, _: &StartContext) -> Result<PageFlow, ProviderError> {
        Ok(PageFlow::Form {
            fields: vec![FormField {
                name: "setup_token",
                label: "SimpleFIN setup token",
                kind: FieldKind::Text,
                options: vec![],
            }],
            help_url: Some(CREATE_TOKEN_URL.into()),
        })
    }

    async fn link(&self, credentials: &serde_json::Value) -> Result<Linked, ProviderError> {
        let claim_url = self.client.claim_url(setup_token(credentials)?)?;
        let access_url = self.client.claim(claim_url).await?;
        Ok(Linked {
            institution_id: None,
            institution_name: Some("SimpleFIN Bridge".into()),
            secret: access_url,
            external_id: None,
        })
    }

    async fn sync(&self, req: SyncRequest) -> Result<SyncBatch, ProviderError> {
        let access = self.client.access(&req.secret)?;
        let now = crate::time::now();
        let cursor = Cursor::decode(req.cursor.as_deref());
        let recent = self.recent_requests(req.connection_id, &cursor, now);
        if let Some(why) = window::exhausted(&recent, now) {
            return Err(ProviderError::Retryable(why));
        }
        let mut windows = window::plan(cursor.through, now);
        // A backfill bigger than what the day allows continues at the next sync.
        windows.truncate(window::remaining(&recent, now));
        let mut sets = Vec::with_capacity(windows.len());
        for w in &windows {
            self.record_request(req.connection_id);
            sets.push(self.client.accounts(&access, *w).await?);
        }
        let mut batch = assemble::assemble(&windows, &sets, &req.known_pending, req.today);
        let through = windows.last().map_or(now, |w| w.end.min(now));
        let requests =
            self.recent_requests(req.connection_id, &Cursor::default(), crate::time::now());
        batch.next_cursor = Some(
            Cursor {
                through: Some(through),
                requests,
            }
            .encode(),
        );
        Ok(batch)
    }

    async fn revoke(&self, _secret: &str) -> Result<(), ProviderError> {
        // The protocol has no revoke call: the person removes the app at the Bridge.
        Ok(())
    }

    fn admit_manual_sync(&self, connection_id: Uuid, cursor: Option<&str>) -> Result<(), String> {
        let now = crate::time::now();
        let recent = self.recent_requests(connection_id, &Cursor::decode(cursor), now);
        window::exhausted(&recent, now).map_or(Ok(()), Err)
    }
}
