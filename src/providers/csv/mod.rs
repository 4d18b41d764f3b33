//! `csv`: bank files imported through `POST /api/v1/connections/csv/import` or
//! `breadbox import csv`. A provider-shaped source with no upstream: it is never offered on
//! the hosted page, cannot be linked with credentials, and a sync fetches nothing (the data
//! arrives by import, see `service::import`).

use std::sync::Arc;

use async_trait::async_trait;

use super::{Linked, PageFlow, Provider, ProviderError, ProviderInfo, Registration, StartContext};
use super::{SyncBatch, SyncRequest};
use crate::config::Config;

/// The `provider` value of CSV connections.
pub const NAME: &str = "csv";

/// The CSV source.
pub struct CsvSource;

/// Always available: imports need no configuration.
pub fn register(_: &Config) -> Registration {
    Registration::configured(Arc::new(CsvSource))
}

fn not_linkable() -> ProviderError {
    ProviderError::Unsupported(
        "csv connections are created by POST /api/v1/connections/csv/import".into(),
    )
}

#[async_trait]
impl Provider for CsvSource {
    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: NAME,
            display_name: "CSV file",
            needs_link_session: false,
            on_page: false,
            scheduled: false,
        }
    }

    async fn start(&self, _: &StartContext) -> Result<PageFlow, ProviderError> {
        Err(not_linkable())
    }

    async fn link(&self, _: &serde_json::Value) -> Result<Linked, ProviderError> {
        Err(not_linkable())
    }

    /// Nothing to fetch: a manual sync of a CSV connection succeeds with no changes.
    async fn sync(&self, req: SyncRequest) -> Result<SyncBatch, ProviderError> {
        Ok(SyncBatch {
            next_cursor: req.cursor,
            ..SyncBatch::default()
        })
    }

    async fn revoke(&self, _: &str) -> Result<(), ProviderError> {
        Ok(())
    }
}
