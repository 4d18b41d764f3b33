//! The tool list: names, descriptions (which teach an agent our conventions), input and
//! output schemas, annotations, and which tools write (hidden from `read_only` keys).

use std::sync::LazyLock;

use poem_openapi::types::Type;
use rmcp::handler::server::common::schema_for_input;
use rmcp::model::{Tool, ToolAnnotations};
use rmcp::schemars::JsonSchema;

use super::args;
use super::schema::output_schema;
use crate::api::accounts::AccountList;
use crate::api::connections::{ConnectionList, ConnectionStatusResponse};
use crate::api::link::{CreatedLinkSessionResponse, LinkSessionResponse};
use crate::api::providers::ProviderList;
use crate::api::sync::{BulkSyncBody, SyncLogList};
use crate::api::transactions::{
    TransactionCount, TransactionList, TransactionResponse, TransactionSummary,
};
use crate::api::users::UserList;

/// One tool and whether it needs a `full_access` key.
pub struct ToolDef {
    pub tool: Tool,
    pub write: bool,
}

/// Said once to the agent when it connects (the MCP `instructions`).
pub const INSTRUCTIONS: &str = "\
Breadbox holds one household's bank data: users (household members) own connections (bank \
logins), connections have accounts, accounts have transactions.\n\
Money: every amount is an exact decimal in its row's iso_currency_code. Positive = money OUT of \
the account (spending, payments, fees); negative = money IN (income, refunds, deposits). Never \
add or compare amounts of different currencies: filter with iso_currency_code, or use \
summarize_transactions, which totals each currency separately.\n\
Lists are paged: {data, pagination:{next_cursor, has_more, limit}}; pass next_cursor back as \
`cursor` for more. Prefer count_transactions and summarize_transactions over paging through \
many rows.\n\
To connect a bank: list_users (pick the owner), create_link_session, give the returned `url` to \
the person, then poll get_link_session every few seconds until status is consumed (done) or \
expired; completed means connections were added and more may follow; failed means the latest \
try failed and the person may retry on the same page. Then list_accounts.\n\
Errors are tool errors whose text is {\"error\":{\"code\",\"message\"}} with a stable code such \
as NOT_FOUND, INVALID_PARAMETER, FORBIDDEN or SYNC_IN_PROGRESS.";

const PAGED: &str = " Paged: default 25 per page, at most 100; pass pagination.next_cursor as \
    `cursor` for the next page.";

const SIGN: &str = " Amounts are exact decimals in each row's iso_currency_code; positive = money \
    out of the account (spending), negative = money in (income, refunds). Never add amounts of \
    different currencies.";

/// Every tool, in a stable order.
pub fn catalog() -> &'static [ToolDef] {
    static CATALOG: LazyLock<Vec<ToolDef>> = LazyLock::new(build);
    &CATALOG
}

/// The tool called `name`.
pub fn find(name: &str) -> Option<&'static ToolDef> {
    catalog().iter().find(|t| t.tool.name == name)
}

fn build() -> Vec<ToolDef> {
    let mut tools = read_tools();
    tools.extend(write_tools());
    tools
}

fn read_tools() -> Vec<ToolDef> {
    vec![
        read::<args::PageArgs, UserList>(
            "list_users",
            "List household members",
            format!("Household members, who own connections; ordered by name.{PAGED}"),
        ),
        read::<args::ConnectionsArgs, ConnectionList>(
            "list_connections",
            "List bank connections",
            format!(
                "Bank connections (one login at one bank), oldest first, with status \
                 (active, error, pending_reauth: needs relink_connection) and last_synced_at. \
                 Disconnected ones appear only with status=disconnected.{PAGED}"
            ),
        ),
        read::<args::IdArgs, ConnectionStatusResponse>(
            "get_connection",
            "Get a connection and its last sync",
            "One connection with last_sync, its newest sync log (null before the first sync): \
             poll this after trigger_sync until last_sync.status is no longer in_progress."
                .into(),
        ),
        read::<args::AccountsArgs, AccountList>(
            "list_accounts",
            "List bank accounts and balances",
            format!(
                "Bank accounts with balances (balance_current, balance_available, balance_limit) \
                 as exact decimals in the account's iso_currency_code. For credit cards and loans \
                 balance_current is what is owed. Accounts of disconnected connections are left \
                 out. Never add balances of different currencies.{PAGED}"
            ),
        ),
        read::<args::QueryArgs, TransactionList>(
            "query_transactions",
            "Query transactions",
            format!(
                "Transactions matching every filter given, newest first (sort_order=asc for \
                 oldest first). end_date is exclusive. min_amount/max_amount compare in each \
                 row's own currency: add iso_currency_code to stay in one. search matches name \
                 or merchant_name.{SIGN}{PAGED}"
            ),
        ),
        read::<args::IdArgs, TransactionResponse>(
            "get_transaction",
            "Get a transaction",
            format!("One transaction by UUID or short_id.{SIGN}"),
        ),
        read::<args::CountArgs, TransactionCount>(
            "count_transactions",
            "Count transactions",
            "How many transactions match the same filters as query_transactions.".into(),
        ),
        read::<args::SummaryArgs, TransactionSummary>(
            "summarize_transactions",
            "Summarize transactions per period or category",
            format!(
                "Sums and counts per group_by bucket (month, week, day or category) and \
                 currency, for the same filters as query_transactions, plus totals: one per \
                 currency, never one across currencies. Use this rather than adding amounts \
                 yourself.{SIGN}"
            ),
        ),
        read::<args::SyncLogsArgs, SyncLogList>(
            "list_sync_logs",
            "List sync logs",
            format!(
                "Sync runs, newest first: trigger, status (in_progress, success, error), \
                 added/modified/removed counts and error_message.{PAGED}"
            ),
        ),
        read::<args::NoArgs, ProviderList>(
            "list_providers",
            "List bank providers",
            "Every provider this server knows, whether it is configured, and whether a person \
             must connect through a hosted-link session (create_link_session)."
                .into(),
        ),
        read::<args::IdArgs, LinkSessionResponse>(
            "get_link_session",
            "Poll a hosted-link session",
            "A link session by UUID or short_id. status: pending (not opened yet), active \
             (the person is connecting), consumed (done: result_connection_ids holds the new \
             connections), completed (a multi-use session added connections and may add \
             more), failed (the latest try failed, see error_code; the person may retry on \
             the same page) or expired. Poll every few seconds until consumed or expired, or \
             until completed or failed if that is enough for you."
                .into(),
        ),
    ]
}

fn write_tools() -> Vec<ToolDef> {
    vec![
        write::<args::TriggerArgs, BulkSyncBody>(
            "trigger_sync",
            "Sync now",
            "Starts a sync of one connection, or of every connection when connection_id is \
             omitted (paused ones, ones needing relink and ones already syncing are listed in \
             skipped). Runs in the background: poll get_connection for last_sync. Syncing a \
             connection already syncing is the SYNC_IN_PROGRESS error. Needs a full_access key."
                .into(),
            true,
        ),
        write::<args::CreateLinkArgs, CreatedLinkSessionResponse>(
            "create_link_session",
            "Connect a bank (hosted link)",
            "Creates a hosted-link session and returns its `url`: give that URL to the person, \
             who opens it in a browser and connects their bank there (you never see their bank \
             credentials). Then poll get_link_session with the returned id until status is \
             consumed or expired (see get_link_session). Needs a full_access key."
                .into(),
            false,
        ),
        write::<args::RelinkArgs, CreatedLinkSessionResponse>(
            "relink_connection",
            "Re-authenticate a connection",
            "For a connection in status pending_reauth or error: creates a single-use \
             hosted-link session pinned to its bank; give the returned `url` to the person and \
             poll get_link_session. Success sets the connection back to active. Needs a \
             full_access key."
                .into(),
            false,
        ),
    ]
}

fn tool<I: JsonSchema + 'static, O: Type>(name: &'static str, title: &str, about: String) -> Tool {
    let mut input = schema_for_input::<I>()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .as_ref()
        .clone();
    // Some clients insist on `properties`, even for a tool without arguments.
    input
        .entry("properties")
        .or_insert_with(|| serde_json::json!({}));
    Tool::new(name, about, input)
        .with_title(title)
        .with_raw_output_schema(output_schema::<O>())
}

fn read<I: JsonSchema + 'static, O: Type>(
    name: &'static str,
    title: &str,
    about: String,
) -> ToolDef {
    let hints = ToolAnnotations::with_title(title)
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false);
    ToolDef {
        tool: tool::<I, O>(name, title, about).with_annotations(hints),
        write: false,
    }
}

/// `open_world`: whether the tool reaches the bank.
fn write<I: JsonSchema + 'static, O: Type>(
    name: &'static str,
    title: &str,
    about: String,
    open_world: bool,
) -> ToolDef {
    let hints = ToolAnnotations::with_title(title)
        .read_only(false)
        .destructive(false)
        .idempotent(false)
        .open_world(open_world);
    ToolDef {
        tool: tool::<I, O>(name, title, about).with_annotations(hints),
        write: true,
    }
}
