//! The three demo accounts: which is which, their currency, names and external ids.

use crate::providers::types::AccountType;

use super::rng::{Seed, TAG_ACCOUNT};

/// Which of the three demo accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Acct {
    Checking,
    Card,
    Savings,
}

impl Acct {
    pub(super) const ALL: [Self; 3] = [Self::Checking, Self::Card, Self::Savings];

    pub(super) fn index(self) -> usize {
        match self {
            Self::Checking => 0,
            Self::Card => 1,
            Self::Savings => 2,
        }
    }

    pub(super) fn currency(self) -> &'static str {
        match self {
            Self::Checking | Self::Card => "USD",
            Self::Savings => "EUR",
        }
    }

    /// Display name, official name, type, subtype.
    pub(super) fn describe(self) -> (&'static str, &'static str, AccountType, &'static str) {
        match self {
            Self::Checking => (
                "Everyday Checking",
                "Breadbox Demo Bank Everyday Checking",
                AccountType::Depository,
                "checking",
            ),
            Self::Card => (
                "Rewards Visa",
                "Breadbox Demo Bank Rewards Visa Signature",
                AccountType::Credit,
                "credit card",
            ),
            Self::Savings => (
                "Euro Savings",
                "Breadbox Demo Bank Euro High-Yield Savings",
                AccountType::Depository,
                "savings",
            ),
        }
    }

    pub(super) fn tag(self) -> u64 {
        match self {
            Self::Checking => 1,
            Self::Card => 2,
            Self::Savings => 3,
        }
    }
}

/// External ids of the three accounts of one connection.
pub(super) struct AccountIds([String; 3]);

impl AccountIds {
    pub(super) fn new(seed: Seed) -> Self {
        Self(
            Acct::ALL
                .map(|acct| format!("demo_acct_{:016x}", seed.hash(&[TAG_ACCOUNT, acct.tag()]))),
        )
    }

    pub(super) fn get(&self, acct: Acct) -> &str {
        &self.0[acct.index()]
    }
}
