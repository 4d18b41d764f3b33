//! The crate-wide error: what went wrong in domain terms, independent of HTTP.
//! `api::error` is the single place that turns it into a status code and envelope.

use std::fmt;

/// Result alias used across services and stores.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A domain error. Messages are for people and never carry internals.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("a sync is already running for this connection")]
    SyncInProgress,
    #[error("{0}")]
    Provider(String),
    /// A hosted-link token that cannot be used: `INVALID_TOKEN` (401) or
    /// `EXPIRED` / `CONSUMED` / `GONE` (410).
    #[error("{1}")]
    Token(&'static str, String),
    /// A provider webhook whose signature is missing, stale or wrong (401
    /// `INVALID_SIGNATURE`); nothing was changed.
    #[error("{0}")]
    BadSignature(String),
    #[error("the database cannot be used right now")]
    DatabaseUnavailable(#[source] Internal),
    #[error("internal error")]
    Internal(#[source] Internal),
}

/// An internal cause, kept for the server log only.
#[derive(Debug)]
pub struct Internal(pub String);

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Internal {}

impl Error {
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self::Internal(Internal(cause.to_string()))
    }

    pub fn unavailable(cause: impl fmt::Display) -> Self {
        Self::DatabaseUnavailable(Internal(cause.to_string()))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match err.sqlite_error_code() {
            Some(
                C::CannotOpen
                | C::SystemIoFailure
                | C::DiskFull
                | C::DatabaseCorrupt
                | C::NotADatabase
                | C::DatabaseBusy
                | C::DatabaseLocked
                | C::ReadOnly
                | C::PermissionDenied
                | C::FileLockingProtocolFailed,
            ) => Self::unavailable(err),
            _ => Self::internal(err),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(err: r2d2::Error) -> Self {
        Self::unavailable(err)
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(err: tokio::task::JoinError) -> Self {
        Self::internal(err)
    }
}
