//! What a failed Plaid call means for Breadbox. Plaid asks clients to branch on
//! `error_code` / `error_type` rather than the HTTP status (see its `PlaidError` schema);
//! the status only decides when the body is not a PlaidError.

use super::wire::PlaidError;
use crate::providers::ProviderError;

/// A failed call to Plaid.
#[derive(Debug, Clone)]
pub enum CallError {
    /// Plaid answered with an error (the body parsed as a PlaidError, or only a status).
    Plaid { status: u16, error: PlaidError },
    /// No usable answer: connection refused, reset, timed out.
    Transport(String),
    /// A 2xx answer that is not the documented JSON.
    Decode(String),
}

/// `error_code`s that mean the person must sign in again (Link in update mode).
pub const LOGIN_CODES: [&str; 9] = [
    "ITEM_LOGIN_REQUIRED",
    "INVALID_CREDENTIALS",
    "INSUFFICIENT_CREDENTIALS",
    "ITEM_LOCKED",
    "MFA_NOT_SUPPORTED",
    "NO_ACCOUNTS",
    "USER_SETUP_REQUIRED",
    "USER_PERMISSION_REVOKED",
    "ACCESS_NOT_GRANTED",
];

/// The error `/transactions/sync` returns when data changed while paging.
pub const MUTATION_DURING_PAGINATION: &str = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION";

/// Whether `code` asks for a new sign-in.
pub fn is_login_code(code: &str) -> bool {
    LOGIN_CODES.contains(&code)
}

impl CallError {
    /// Plaid's `error_code`, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Plaid { error, .. } if !error.error_code.is_empty() => Some(&error.error_code),
            _ => None,
        }
    }

    /// Whether backing off and trying again is what Plaid asks for (HTTP 429 or
    /// `error_type` `RATE_LIMIT_EXCEEDED`).
    pub fn is_rate_limit(&self) -> bool {
        matches!(self, Self::Plaid { status, error }
            if *status == 429 || error.error_type == "RATE_LIMIT_EXCEEDED")
    }

    /// Whether `/transactions/sync` must restart its loop from the first cursor.
    pub fn is_mutation_during_pagination(&self) -> bool {
        self.code() == Some(MUTATION_DURING_PAGINATION)
    }

    fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::Decode(_) => false,
            Self::Plaid { status, error } => {
                *status >= 500
                    || self.is_rate_limit()
                    || matches!(error.error_type.as_str(), "INSTITUTION_ERROR" | "API_ERROR")
                    || matches!(
                        error.error_code.as_str(),
                        "INSTITUTION_DOWN"
                            | "INSTITUTION_NOT_RESPONDING"
                            | "INSTITUTION_NOT_AVAILABLE"
                            | "PLANNED_MAINTENANCE"
                            | "INTERNAL_SERVER_ERROR"
                            | "PRODUCT_NOT_READY"
                            | MUTATION_DURING_PAGINATION
                    )
            }
        }
    }

    /// A message for people: Plaid's code and developer message, never a credential
    /// (Plaid's messages do not echo tokens; ours name no secret either).
    pub fn message(&self) -> String {
        match self {
            Self::Plaid { status, error } if error.error_code.is_empty() => {
                format!("Plaid answered HTTP {status}")
            }
            Self::Plaid { error, .. } => {
                let text: String = error.error_message.chars().take(300).collect();
                if text.is_empty() {
                    format!("Plaid: {}", error.error_code)
                } else {
                    format!("Plaid: {} ({text})", error.error_code)
                }
            }
            Self::Transport(m) => format!("Plaid could not be reached: {m}"),
            Self::Decode(m) => format!("Plaid sent an answer Breadbox cannot read: {m}"),
        }
    }
}

impl From<CallError> for ProviderError {
    fn from(e: CallError) -> Self {
        let message = e.message();
        if e.code().is_some_and(is_login_code) {
            Self::ReauthRequired(message)
        } else if e.is_transient() {
            Self::Retryable(message)
        } else {
            Self::Upstream(message)
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}
