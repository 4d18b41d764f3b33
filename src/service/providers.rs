//! The providers this binary knows and whether each can be used on this server.

use crate::providers::{KNOWN, Providers};

/// One known provider.
#[derive(Debug, Clone, Copy)]
pub struct ProviderInfo {
    pub name: &'static str,
    /// Whether it can be used on this server now.
    pub configured: bool,
    /// Whether a person must connect through the hosted-link page.
    pub needs_link_session: bool,
}

/// Every known provider, in a stable order.
pub fn list(providers: &Providers) -> Vec<ProviderInfo> {
    KNOWN
        .iter()
        .map(|name| ProviderInfo {
            name,
            configured: providers.is_configured(name),
            needs_link_session: Providers::needs_link_session(name),
        })
        .collect()
}
