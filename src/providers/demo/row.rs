//! Rows: everything needed to build one `ProviderTransaction`, raw or enriched.

use jiff::civil::Date;

use crate::providers::types::ProviderTransaction;

use super::accounts::{AccountIds, Acct};
use super::templates::{OTHER, Template};

/// Everything needed to build one `ProviderTransaction`.
#[derive(Debug, Clone)]
pub(super) struct RowSpec {
    pub(super) id: String,
    pub(super) acct: Acct,
    pub(super) date: Date,
    pub(super) template: Template,
    pub(super) amount: i64,
    pub(super) pending: bool,
    pub(super) pending_of: Option<String>,
    /// Not yet enriched: no merchant name, no category.
    pub(super) raw: bool,
}

impl RowSpec {
    pub(super) fn build(self, ids: &AccountIds) -> ProviderTransaction {
        let template = self.template;
        let enriched = !self.raw;
        let card_like = template.channel != OTHER;
        ProviderTransaction {
            external_id: self.id,
            account_external_id: ids.get(self.acct).to_owned(),
            amount: self.amount,
            iso_currency_code: self.acct.currency().to_owned(),
            date: self.date,
            authorized_date: card_like.then_some(self.date),
            datetime: None,
            name: template.name.to_owned(),
            merchant_name: template.merchant.filter(|_| enriched).map(str::to_owned),
            category_primary: enriched.then(|| template.primary.to_owned()),
            category_detailed: enriched.then(|| template.detailed.to_owned()),
            payment_channel: Some(template.channel.to_owned()),
            pending: self.pending,
            pending_transaction_external_id: self.pending_of,
        }
    }
}
