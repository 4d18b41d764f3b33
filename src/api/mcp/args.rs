//! Tool arguments: one struct per tool, deserialised strictly (unknown fields are refused)
//! and described by its JSON Schema, which is the tool's `inputSchema`.

use std::borrow::Cow;
use std::str::FromStr;

use rmcp::model::JsonObject;
use rmcp::schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::api::error::ApiError;
use crate::api::transactions::FilterParams;
use crate::domain::{ConnectionStatus, SyncStatus, UnknownValue, Values};

/// Page size when a tool call gives none: small, so an agent's context stays small.
pub const DEFAULT_LIMIT: u32 = 25;
/// Largest page size a tool returns.
pub const MAX_LIMIT: u32 = 100;

/// Decodes a tool's arguments; a shape mistake is `INVALID_PARAMETER`, naming the field.
pub fn decode<T: DeserializeOwned>(args: Option<JsonObject>) -> Result<T, ApiError> {
    let value = serde_json::Value::Object(args.unwrap_or_default());
    serde_json::from_value(value)
        .map_err(|e| ApiError::invalid_parameter(format!("invalid arguments: {e}")))
}

/// Checks `limit` (default 25, 1–100).
pub fn limit(requested: Option<i64>) -> Result<u32, ApiError> {
    crate::api::pagination::limit_within(requested, DEFAULT_LIMIT, MAX_LIMIT)
}

/// An exact decimal given as a JSON number or a string (`-25.50`); never through a float.
#[derive(Debug, Clone)]
pub struct Decimal(pub String);

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // serde_json's `arbitrary_precision` keeps a number's text exactly as sent.
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => Ok(Self(n.to_string())),
            serde_json::Value::String(s) => Ok(Self(s)),
            _ => Err(serde::de::Error::custom(
                "expected a decimal number like -25.50",
            )),
        }
    }
}

impl JsonSchema for Decimal {
    fn schema_name() -> Cow<'static, str> {
        "Decimal".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["number", "string"],
            "description": "An exact decimal with at most 3 decimals, e.g. -25.50 (a JSON number or a string)."
        })
    }
}

/// One value of a domain enum, given as its spelling; the schema lists every spelling.
#[derive(Debug, Clone, Copy)]
pub struct Named<E>(pub E);

impl<'de, E: FromStr<Err = UnknownValue>> Deserialize<'de> for Named<E> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map(Named)
            .map_err(|e: UnknownValue| serde::de::Error::custom(e))
    }
}

impl<E: Values> JsonSchema for Named<E> {
    fn schema_name() -> Cow<'static, str> {
        "Named".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "enum": E::NAMES })
    }
}

/// `list_users`: paging alone.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct PageArgs {
    /// Page size, 1–100 (default 25).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page, to get the next one.
    pub cursor: Option<String>,
}

/// A single object by id.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct IdArgs {
    /// The UUID or the 8-character short_id.
    pub id: String,
}

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// `list_connections`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct ConnectionsArgs {
    /// Only this household member's connections (UUID or short_id).
    pub user_id: Option<String>,
    /// Only connections in this status; disconnected ones are listed only when asked for.
    pub status: Option<Named<ConnectionStatus>>,
    /// Page size, 1–100 (default 25).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page, to get the next one.
    pub cursor: Option<String>,
}

/// `list_accounts`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct AccountsArgs {
    /// Only this household member's accounts (UUID or short_id).
    pub user_id: Option<String>,
    /// Only this connection's accounts (UUID or short_id).
    pub connection_id: Option<String>,
    /// Page size, 1–100 (default 25).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page, to get the next one.
    pub cursor: Option<String>,
}

/// Declares a tool's argument struct: the transaction filters shared by the query, count
/// and summary tools, plus `$extra` fields.
macro_rules! filter_args {
    ($(#[$meta:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize, JsonSchema)]
        #[schemars(crate = "rmcp::schemars")]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($extra)*
            /// Earliest `date`, inclusive (`YYYY-MM-DD`).
            pub start_date: Option<String>,
            /// Latest `date`, EXCLUSIVE (`YYYY-MM-DD`): all of March is 2024-03-01 to 2024-04-01.
            pub end_date: Option<String>,
            /// Only this account (UUID or short_id).
            pub account_id: Option<String>,
            /// Only this connection (UUID or short_id).
            pub connection_id: Option<String>,
            /// Only this household member (UUID or short_id).
            pub user_id: Option<String>,
            /// Only pending (true) or only posted (false) transactions.
            pub pending: Option<bool>,
            /// Smallest amount, inclusive, in each row's own currency. Positive = money out.
            pub min_amount: Option<Decimal>,
            /// Largest amount, inclusive, in each row's own currency. Positive = money out.
            pub max_amount: Option<Decimal>,
            /// ISO 4217 code, e.g. USD: keeps the result in one currency.
            pub iso_currency_code: Option<String>,
            /// Case-insensitive text in the name or merchant name, 2–200 characters.
            pub search: Option<String>,
        }

        impl $name {
            /// The filters, as the REST query parameters carry them.
            pub fn filters(&mut self) -> FilterParams {
                FilterParams {
                    start_date: self.start_date.take(),
                    end_date: self.end_date.take(),
                    account_id: self.account_id.take(),
                    connection_id: self.connection_id.take(),
                    user_id: self.user_id.take(),
                    pending: self.pending,
                    min_amount: self.min_amount.take().map(|d| d.0),
                    max_amount: self.max_amount.take().map(|d| d.0),
                    iso_currency_code: self.iso_currency_code.take(),
                    search: self.search.take(),
                }
            }
        }
    };
}

filter_args!(
    /// `count_transactions`.
    CountArgs {}
);

/// Order of `query_transactions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Oldest first.
    Asc,
    /// Newest first (the default).
    Desc,
}

filter_args!(
    /// `query_transactions`.
    QueryArgs {
        /// `desc` (newest first, the default) or `asc`, by date then id.
        pub sort_order: Option<SortOrder>,
        /// Page size, 1–100 (default 25).
        #[schemars(range(min = 1, max = 100))]
        pub limit: Option<i64>,
        /// `next_cursor` of the previous page, to get the next one.
        pub cursor: Option<String>,
    }
);

/// Buckets of `summarize_transactions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// `period` is `YYYY-MM`.
    Month,
    /// `period` is the ISO week's Monday, `YYYY-MM-DD`.
    Week,
    /// `period` is `YYYY-MM-DD`.
    Day,
    /// `category` is the primary category (null for uncategorised).
    Category,
}

filter_args!(
    /// `summarize_transactions`.
    SummaryArgs {
        /// How to bucket the sums: month, week, day or category.
        pub group_by: GroupBy,
    }
);

/// `list_sync_logs`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct SyncLogsArgs {
    /// Only this connection's syncs (UUID or short_id).
    pub connection_id: Option<String>,
    /// Only syncs in this state.
    pub status: Option<Named<SyncStatus>>,
    /// Page size, 1–100 (default 25).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page, to get the next one.
    pub cursor: Option<String>,
}

/// `trigger_sync`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct TriggerArgs {
    /// One connection (UUID or short_id); omit to sync every connection.
    pub connection_id: Option<String>,
}

/// `create_link_session`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct CreateLinkArgs {
    /// The household member who will own the new connection (UUID or short_id; see list_users).
    pub user_id: String,
    /// A configured provider (see list_providers); omit to let the person pick on the page.
    pub provider: Option<String>,
    /// Default true: the session ends on its first successful connection.
    pub single_use: Option<bool>,
    /// Where the browser goes afterwards (absolute URL); omit to stay on the page.
    pub redirect_url: Option<String>,
    /// At most 200 characters, shown to the person on the page.
    pub label: Option<String>,
    /// Lifetime, 60–86400 seconds (default 14400, four hours).
    #[schemars(range(min = 60, max = 86400))]
    pub expires_in_seconds: Option<i64>,
}

/// `relink_connection`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct RelinkArgs {
    /// The connection to re-authenticate (UUID or short_id).
    pub connection_id: String,
    /// Where the browser goes afterwards (absolute URL).
    pub redirect_url: Option<String>,
    /// At most 200 characters, shown to the person on the page.
    pub label: Option<String>,
    /// Lifetime, 60–86400 seconds (default 14400, four hours).
    #[schemars(range(min = 60, max = 86400))]
    pub expires_in_seconds: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: serde_json::Value) -> Option<JsonObject> {
        v.as_object().cloned()
    }

    #[test]
    fn amounts_keep_their_exact_text() {
        // As a client sends them: JSON text, never through a float.
        let wire = r#"{"min_amount": 90071992547409.93, "max_amount": "25.505"}"#;
        let q: QueryArgs = decode(serde_json::from_str(wire).unwrap()).unwrap();
        assert_eq!(q.min_amount.unwrap().0, "90071992547409.93");
        assert_eq!(q.max_amount.unwrap().0, "25.505");
        let q: QueryArgs = decode(obj(json!({"limit": 5}))).unwrap();
        assert_eq!(q.limit, Some(5));
    }

    #[test]
    fn unknown_and_mistyped_arguments_are_invalid_parameters() {
        let e = decode::<QueryArgs>(obj(json!({"start": "2024-01-01"}))).unwrap_err();
        assert_eq!(e.code, "INVALID_PARAMETER");
        assert!(e.message.contains("start"), "{}", e.message);
        let e = decode::<IdArgs>(obj(json!({"id": 5}))).unwrap_err();
        assert_eq!(e.code, "INVALID_PARAMETER");
        assert!(decode::<NoArgs>(None).is_ok());
    }

    #[test]
    fn limits_default_small() {
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(limit(Some(100)).unwrap(), 100);
        assert!(limit(Some(101)).is_err());
        assert!(limit(Some(0)).is_err());
    }
}
