//! The `/transactions/sync` loop: page with `count` 500 until `has_more` is false. If any
//! page fails with `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`, the whole loop starts
//! again from the cursor it began with, as Plaid's description of the endpoint requires;
//! the caller commits every page and the final cursor in one database transaction.

use std::collections::HashMap;

use super::client::Client;
use super::errors::CallError;
use super::normalise;
use super::wire::{Account, Transaction, TransactionsSyncRequest, TransactionsSyncResponse};
use crate::providers::types::ProviderTransaction;
use crate::providers::{ProviderError, SyncBatch};

/// `count` per page: Plaid's maximum.
pub const PAGE_SIZE: u32 = 500;
/// How often a loop may restart because the data changed under it.
const MAX_RESTARTS: u32 = 5;

/// Every page of one complete loop, in Plaid's order.
#[derive(Debug, Default)]
pub struct Pages {
    pub added: Vec<Transaction>,
    pub modified: Vec<Transaction>,
    pub removed: Vec<String>,
    /// The cursor to store; `None` while Plaid has no data yet (empty `next_cursor`).
    pub next_cursor: Option<String>,
    /// How many times the loop restarted.
    pub restarts: u32,
}

/// Pulls everything after `start` (`None` = the whole history).
pub async fn pull(
    client: &Client,
    access_token: &str,
    start: Option<&str>,
) -> Result<Pages, ProviderError> {
    let start = start.filter(|c| !c.is_empty());
    for restarts in 0..=MAX_RESTARTS {
        match pull_once(client, access_token, start).await {
            Ok(mut pages) => {
                pages.restarts = restarts;
                return Ok(pages);
            }
            Err(e) if e.is_mutation_during_pagination() => {
                tracing::info!(
                    restarts,
                    "Plaid data changed while paging; restarting the loop"
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ProviderError::Retryable(
        "Plaid's data kept changing while paging; will try again later".into(),
    ))
}

async fn pull_once(
    client: &Client,
    access_token: &str,
    start: Option<&str>,
) -> Result<Pages, CallError> {
    let mut pages = Pages::default();
    let mut cursor = start.map(str::to_owned);
    loop {
        let req = TransactionsSyncRequest {
            access_token: access_token.to_owned(),
            cursor: cursor.clone(),
            count: PAGE_SIZE,
        };
        let page: TransactionsSyncResponse = client.call("/transactions/sync", &req).await?;
        let stuck = page.has_more
            && (page.next_cursor.is_empty() || Some(&page.next_cursor) == cursor.as_ref());
        if stuck {
            return Err(CallError::Decode(
                "/transactions/sync: has_more without a new cursor".into(),
            ));
        }
        pages.added.extend(page.added);
        pages.modified.extend(page.modified);
        pages
            .removed
            .extend(page.removed.into_iter().map(|r| r.transaction_id));
        if !page.has_more {
            // An empty cursor means "not ready yet": keep the one we started from.
            pages.next_cursor = if page.next_cursor.is_empty() {
                start.map(str::to_owned)
            } else {
                Some(page.next_cursor)
            };
            return Ok(pages);
        }
        cursor = Some(page.next_cursor);
    }
}

/// One loop's pages plus every account (from `/accounts/get`, with balances) as a batch.
pub fn to_batch(pages: Pages, accounts: &[Account]) -> Result<SyncBatch, ProviderError> {
    let accounts = accounts
        .iter()
        .map(normalise::account)
        .collect::<Result<Vec<_>, _>>()?;
    let currency: HashMap<&str, &str> = accounts
        .iter()
        .map(|a| (a.external_id.as_str(), a.iso_currency_code.as_str()))
        .collect();
    let convert = |rows: &[Transaction]| -> Result<Vec<ProviderTransaction>, ProviderError> {
        rows.iter()
            .map(|t| normalise::transaction(t, currency.get(t.account_id.as_str()).copied()))
            .collect()
    };
    Ok(SyncBatch {
        added: convert(&pages.added)?,
        modified: convert(&pages.modified)?,
        removed: pages.removed,
        next_cursor: pages.next_cursor,
        accounts,
        ..SyncBatch::default()
    })
}
