//! The registry: every source the binary knows, one line each in [`SOURCES`], and the set
//! this server has configured. `GET /api/v1/providers`, the hosted page's picker, the sync
//! engine and the webhook route all ask it; nothing else names a provider.

use std::sync::Arc;

use super::{Provider, ProviderInfo, csv, demo_adapter, plaid, simplefin, teller};
use crate::config::Config;

/// One source as this server has it: always its info, and the provider when configured.
#[derive(Clone)]
pub struct Registration {
    pub info: ProviderInfo,
    pub provider: Option<Arc<dyn Provider>>,
}

impl Registration {
    /// A configured source.
    pub fn configured(provider: Arc<dyn Provider>) -> Self {
        Self {
            info: provider.info(),
            provider: Some(provider),
        }
    }

    /// A source this server knows but has not been configured for.
    pub fn unconfigured(info: ProviderInfo) -> Self {
        Self {
            info,
            provider: None,
        }
    }
}

/// Every source, in display order. A new provider is a folder plus one line here.
pub const SOURCES: &[fn(&Config) -> Registration] = &[
    plaid::register,
    teller::register,
    simplefin::register,
    csv::register,
    demo_adapter::register,
];

/// The sources of this server (cheap to clone: shared behind an `Arc`).
#[derive(Clone, Default)]
pub struct Providers {
    all: Arc<Vec<Registration>>,
}

impl Providers {
    /// Builds the registry from configuration.
    pub fn from_config(config: &Config) -> Self {
        Self::from_registrations(SOURCES.iter().map(|register| register(config)).collect())
    }

    /// A registry of exactly these sources (tests plug in their own providers).
    pub fn from_registrations(all: Vec<Registration>) -> Self {
        Self { all: Arc::new(all) }
    }

    /// Every known source, configured or not, in display order.
    pub fn all(&self) -> impl Iterator<Item = &Registration> {
        self.all.iter()
    }

    /// The known source called `name`.
    pub fn info(&self, name: &str) -> Option<ProviderInfo> {
        self.find(name).map(|r| r.info)
    }

    /// The configured provider called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Provider>> {
        self.find(name).and_then(|r| r.provider.clone())
    }

    /// Whether `name` can be used on this server.
    pub fn is_configured(&self, name: &str) -> bool {
        self.find(name).is_some_and(|r| r.provider.is_some())
    }

    /// Configured sources a person can connect through on the hosted page.
    pub fn on_page(&self) -> Vec<ProviderInfo> {
        self.all
            .iter()
            .filter(|r| r.provider.is_some() && r.info.on_page)
            .map(|r| r.info)
            .collect()
    }

    /// Scripts the hosted page may load for `names` (every on-page source when empty).
    pub fn page_scripts(&self, name: &str) -> Vec<String> {
        self.all
            .iter()
            .filter(|r| r.info.on_page && (name.is_empty() || r.info.name == name))
            .filter_map(|r| r.provider.as_ref()?.page_script())
            .collect()
    }

    /// Names of every known source, for messages.
    pub fn names(&self) -> Vec<&'static str> {
        self.all.iter().map(|r| r.info.name).collect()
    }

    fn find(&self, name: &str) -> Option<&Registration> {
        self.all.iter().find(|r| r.info.name == name)
    }
}
