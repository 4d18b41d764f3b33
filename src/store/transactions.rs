//! SQL over the `transactions` table (reads): the filtered, keyset-paged list, one row,
//! count and per-currency summaries. Every query carries `visible = 1`, so removed and
//! disconnected rows never appear and the partial indexes of `schema.sql` apply.

mod filter;
mod search;
mod summary;

use std::fmt::Write as _;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use uuid::Uuid;

use super::Page;
use crate::error::Result;
use crate::ids::IdRef;

use filter::SearchVia;
pub use filter::{MILLI_DIGITS, TransactionFilter};
use search::Matches;
pub use search::{SEARCH_PLAN, SearchPlan};
pub use summary::{GroupBy, Summary, SummaryRow, SummaryTotal};

/// A row of `transactions`; `amount` is minor units of `iso_currency_code`.
#[derive(Debug, Clone)]
pub struct TransactionRow {
    pub id: Uuid,
    pub short_id: String,
    pub account_id: Uuid,
    pub connection_id: Uuid,
    pub amount: i64,
    pub iso_currency_code: String,
    pub date: String,
    pub authorized_date: Option<String>,
    pub datetime: Option<i64>,
    pub name: String,
    pub merchant_name: Option<String>,
    pub category_primary: Option<String>,
    pub category_detailed: Option<String>,
    pub payment_channel: Option<String>,
    pub pending: bool,
    pub pending_transaction_id: Option<Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Direction of `transactions.list`, by (date, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

/// Keyset position of `transactions.list`: the (date, id) of the last row returned.
pub type TransactionKey = (String, Uuid);

const COLUMNS: &str = "t.id, t.short_id, t.account_id, t.connection_id, t.amount, \
     t.iso_currency_code, t.date, t.authorized_date, t.datetime, t.name, t.merchant_name, \
     t.category_primary, t.category_detailed, t.payment_channel, t.pending, \
     t.pending_transaction_id, t.created_at, t.updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<TransactionRow> {
    Ok(TransactionRow {
        id: r.get(0)?,
        short_id: r.get(1)?,
        account_id: r.get(2)?,
        connection_id: r.get(3)?,
        amount: r.get(4)?,
        iso_currency_code: r.get(5)?,
        date: r.get(6)?,
        authorized_date: r.get(7)?,
        datetime: r.get(8)?,
        name: r.get(9)?,
        merchant_name: r.get(10)?,
        category_primary: r.get(11)?,
        category_detailed: r.get(12)?,
        payment_channel: r.get(13)?,
        pending: r.get(14)?,
        pending_transaction_id: r.get(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
    })
}

/// Finds one visible transaction by UUID or short id.
pub fn get(conn: &Connection, id: &IdRef) -> Result<Option<TransactionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM transactions t WHERE t.{} = ?1 AND t.visible = 1",
        id.column()
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// One page of the rows matching `filter`, ordered by (date, id) in `order`, after `after`.
pub fn page(
    conn: &Connection,
    filter: &TransactionFilter,
    order: SortOrder,
    limit: u32,
    after: Option<&TransactionKey>,
) -> Result<Page<TransactionRow, TransactionKey>> {
    page_with(conn, filter, order, limit, after, SEARCH_PLAN)
}

/// [`page`] with the search thresholds as a parameter (tests use tiny ones); how a
/// search is answered is explained in `search.rs`.
pub fn page_with(
    conn: &Connection,
    filter: &TransactionFilter,
    order: SortOrder,
    limit: u32,
    after: Option<&TransactionKey>,
    plan: SearchPlan,
) -> Result<Page<TransactionRow, TransactionKey>> {
    let key = |t: &TransactionRow| (t.date.clone(), t.id);
    let via = match search::probe(conn, filter, plan)? {
        Matches::Rare(via) => via,
        Matches::Common if filter.may_scan_search() => {
            let edge = window_edge(conn, &filter.without_search(), order, after, plan.window)?;
            let rows = fetch(
                conn,
                filter,
                &SearchVia::Scan,
                order,
                after,
                edge.as_ref(),
                limit,
            )?;
            if rows.len() > limit as usize || edge.is_none() {
                return Ok(Page::from_rows(rows, limit, key));
            }
            SearchVia::Index
        }
        Matches::Common | Matches::NotIndexed => SearchVia::Index,
    };
    let rows = fetch(conn, filter, &via, order, after, None, limit)?;
    Ok(Page::from_rows(rows, limit, key))
}

/// `limit + 1` rows after `after` (and up to `edge`, inclusive) in page order.
fn fetch(
    conn: &Connection,
    filter: &TransactionFilter,
    via: &SearchVia,
    order: SortOrder,
    after: Option<&TransactionKey>,
    edge: Option<&TransactionKey>,
    limit: u32,
) -> Result<Vec<TransactionRow>> {
    let (mut sql, mut args) = select_via(COLUMNS, filter, via);
    push_keyset(&mut sql, &mut args, order, after, edge);
    args.push(Value::Integer(i64::from(limit) + 1));
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The key of the `window`-th row after `after` in page order, or `None` when fewer
/// rows remain. (An offset bounds how far a scan reads; pages themselves never use one.)
fn window_edge(
    conn: &Connection,
    filter: &TransactionFilter,
    order: SortOrder,
    after: Option<&TransactionKey>,
    window: u32,
) -> Result<Option<TransactionKey>> {
    let (mut sql, mut args) = select("t.date, t.id", filter);
    push_keyset(&mut sql, &mut args, order, after, None);
    sql.push_str(" OFFSET ?");
    args.push(Value::Integer(1));
    args.push(Value::Integer(i64::from(window.max(1)) - 1));
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Appends the keyset range, `ORDER BY` and a `LIMIT ?` (whose value the caller pushes).
fn push_keyset(
    sql: &mut String,
    args: &mut Vec<Value>,
    order: SortOrder,
    after: Option<&TransactionKey>,
    edge: Option<&TransactionKey>,
) {
    let (past, within, dir) = match order {
        SortOrder::Asc => (">", "<=", "ASC"),
        SortOrder::Desc => ("<", ">=", "DESC"),
    };
    for (key, cmp) in [(after, past), (edge, within)] {
        if let Some((date, id)) = key {
            let _ = write!(sql, " AND (t.date, t.id) {cmp} (?, ?)");
            args.push(Value::Text(date.clone()));
            args.push(Value::Blob(id.as_bytes().to_vec()));
        }
    }
    let _ = write!(sql, " ORDER BY t.date {dir}, t.id {dir} LIMIT ?");
}

/// How many visible rows match `filter`.
pub fn count(conn: &Connection, filter: &TransactionFilter) -> Result<i64> {
    count_with(conn, filter, SEARCH_PLAN)
}

/// [`count`] with the search thresholds as a parameter.
pub fn count_with(conn: &Connection, filter: &TransactionFilter, plan: SearchPlan) -> Result<i64> {
    let via = search::via_for_all(conn, filter, plan)?;
    let (sql, args) = select_via("count(*)", filter, &via);
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| r.get(0))?)
}

/// `SELECT <what> FROM transactions t WHERE visible = 1 AND <filter>`, with its arguments.
fn select(what: &str, filter: &TransactionFilter) -> (String, Vec<Value>) {
    select_via(what, filter, &SearchVia::Index)
}

fn select_via(what: &str, filter: &TransactionFilter, via: &SearchVia) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {what} FROM ");
    let mut args = Vec::new();
    filter.push_from(&mut sql, &mut args, via);
    sql.push_str(" WHERE t.visible = 1");
    filter.push_where(&mut sql, &mut args, via);
    (sql, args)
}

/// The query plans SQLite picks for each query behind `filter` (list through the index,
/// through known rowids and by scan; the scan's window edge; count; summary), as
/// `(query, plan step)` pairs for tests and benchmarks that guard index use.
pub fn explain(conn: &Connection, filter: &TransactionFilter) -> Result<Vec<(String, String)>> {
    let after = ("2100-01-01".to_owned(), Uuid::max());
    let list = |via: &SearchVia| {
        let (mut sql, mut args) = select_via(COLUMNS, filter, via);
        push_keyset(
            &mut sql,
            &mut args,
            SortOrder::Desc,
            Some(&after),
            Some(&after),
        );
        args.push(Value::Integer(101));
        (sql, args)
    };
    let (mut edge, mut edge_args) = select("t.date, t.id", &filter.without_search());
    push_keyset(
        &mut edge,
        &mut edge_args,
        SortOrder::Desc,
        Some(&after),
        None,
    );
    edge.push_str(" OFFSET 19999");
    edge_args.push(Value::Integer(1));
    let rows = SearchVia::Rows(Value::Text("[1, 2, 3]".into()));
    let queries = [
        ("list", list(&SearchVia::Index)),
        ("list_rows", list(&rows)),
        ("list_scan", list(&SearchVia::Scan)),
        ("window_edge", (edge, edge_args)),
        ("count", select("count(*)", filter)),
        (
            "summary",
            summary::query(filter, GroupBy::Month, &SearchVia::Index),
        ),
    ];
    let mut out = Vec::new();
    for (name, (sql, args)) in queries {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let steps = stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(3))?;
        for step in steps {
            out.push((name.to_owned(), step?));
        }
    }
    Ok(out)
}

pub use summary::{summary, summary_with};

/// The connection's visible pending rows, for polling providers to spot vanished ones.
pub fn known_pending(
    conn: &Connection,
    connection_id: Uuid,
) -> Result<Vec<crate::providers::KnownPending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.external_id, a.external_id, t.date FROM transactions t
         JOIN accounts a ON a.id = t.account_id
         WHERE t.connection_id = ?1 AND t.visible = 1 AND t.pending = 1",
    )?;
    let rows = stmt.query_map([connection_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (external_id, account_external_id, date) = row?;
        let date = date
            .parse()
            .map_err(|e| crate::Error::internal(format!("bad stored date {date}: {e}")))?;
        out.push(crate::providers::KnownPending {
            external_id,
            account_external_id,
            date,
        });
    }
    Ok(out)
}
