//! Typed states and kinds shared by every layer: each is stored in SQLite as its string,
//! travels as the enum through services, and is a poem-openapi enum on the wire, so the
//! generated document lists the allowed values and a bad query value is rejected with them.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// Defines a string-backed enum: `as_str`, `ALL`, `FromStr`, `Display`, SQLite conversions
/// and the poem-openapi enum (snake_case values).
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, poem_openapi::Enum)]
        pub enum $name {
            $($(#[$vmeta])* #[oai(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [Self; [$($text),+].len()] = [$(Self::$variant),+];

            /// The inverse of `as_str`; exact spelling only.
            pub fn parse(s: &str) -> Option<Self> {
                s.parse().ok()
            }

            /// The stored and wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl Values for $name {
            const NAMES: &'static [&'static str] = &[$($text),+];
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownValue::new(
                        stringify!($name),
                        s,
                        Self::ALL.iter().map(|v| v.as_str()),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_str()?.parse().map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

/// The spellings of a string-backed enum, in declaration order.
pub trait Values {
    const NAMES: &'static [&'static str];
}

/// A string that is not one of an enum's values; the message lists the allowed ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a valid {what}; expected one of: {allowed}")]
pub struct UnknownValue {
    what: &'static str,
    given: String,
    allowed: String,
}

impl UnknownValue {
    fn new<'a>(what: &'static str, given: &str, allowed: impl Iterator<Item = &'a str>) -> Self {
        Self {
            what,
            given: given.chars().take(64).collect(),
            allowed: allowed.collect::<Vec<_>>().join(", "),
        }
    }
}

string_enum! {
    /// Where a connection stands.
    ConnectionStatus {
        /// Syncing normally.
        Active = "active",
        /// The last sync failed for a passing reason; the scheduler retries with backoff.
        Error = "error",
        /// The person must sign in again (relink).
        PendingReauth = "pending_reauth",
        /// Deleted: credentials wiped, data hidden.
        Disconnected = "disconnected",
    }
}

string_enum! {
    /// Where a hosted-link session stands.
    LinkSessionStatus {
        /// Minted, not yet opened.
        Pending = "pending",
        /// The page was opened: an attempt is running.
        Active = "active",
        /// A multi-use session recorded a connection; its token still adds more.
        Completed = "completed",
        /// Terminal success: the token is burned.
        Consumed = "consumed",
        /// The latest attempt failed; re-claimable until expiry.
        Failed = "failed",
        /// Passed `expires_at` before success.
        Expired = "expired",
    }
}

string_enum! {
    /// What a hosted-link session is for.
    LinkAction {
        /// Connect a new bank.
        Link = "link",
        /// Re-authenticate an existing connection.
        Relink = "relink",
    }
}

string_enum! {
    /// Outcome of one try on the hosted-link page.
    AttemptStatus {
        Active = "active",
        Succeeded = "succeeded",
        Failed = "failed",
        Abandoned = "abandoned",
    }
}

string_enum! {
    /// Where a sync run stands.
    SyncStatus {
        InProgress = "in_progress",
        Success = "success",
        Error = "error",
    }
}

string_enum! {
    /// Why a sync ran.
    SyncTrigger {
        Manual = "manual",
        Scheduled = "scheduled",
        Webhook = "webhook",
        Initial = "initial",
    }
}

string_enum! {
    /// Kind of bank account.
    AccountType {
        Depository = "depository",
        Credit = "credit",
        Loan = "loan",
        Investment = "investment",
        Other = "other",
    }
}

string_enum! {
    /// What an API key may do.
    KeyScope {
        /// Every GET except the `/api-keys` listings.
        ReadOnly = "read_only",
        /// Everything.
        FullAccess = "full_access",
    }
}

impl LinkSessionStatus {
    /// A terminal session never changes again and its token is refused.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Consumed | Self::Expired)
    }
}

#[allow(clippy::derivable_impls)] // the enum is defined by a macro
impl Default for LinkSessionStatus {
    fn default() -> Self {
        Self::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_strings() {
        for s in ConnectionStatus::ALL {
            assert_eq!(s.as_str().parse::<ConnectionStatus>(), Ok(s));
        }
        assert_eq!(
            "pending_reauth".parse(),
            Ok(ConnectionStatus::PendingReauth)
        );
    }

    #[test]
    fn an_unknown_value_lists_the_allowed_ones() {
        let err = "bogus".parse::<SyncStatus>().expect_err("not a status");
        assert_eq!(
            err.to_string(),
            "`bogus` is not a valid SyncStatus; expected one of: in_progress, success, error"
        );
    }

    #[test]
    fn stored_strings_read_back_as_enums() {
        let c = rusqlite::Connection::open_in_memory().expect("sqlite");
        let scope: KeyScope = c
            .query_row("SELECT ?1", [KeyScope::ReadOnly], |r| r.get(0))
            .expect("row");
        assert_eq!(scope, KeyScope::ReadOnly);
        let bad: rusqlite::Result<KeyScope> = c.query_row("SELECT 'root'", [], |r| r.get(0));
        assert!(bad.is_err());
    }
}
