//! SQL over the `transactions` table (reads): the filtered, keyset-paged list, one row,
//! count and per-currency summaries. Every query carries `visible = 1`, so removed and
//! disconnected rows never appear and the partial indexes of `schema.sql` apply.

mod filter;
mod summary;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use uuid::Uuid;

use super::Page;
use crate::error::Result;
use crate::ids::IdRef;

pub use filter::{MILLI_DIGITS, TransactionFilter};
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
    let (mut sql, mut args) = select(COLUMNS, filter);
    let (cmp, dir) = match order {
        SortOrder::Asc => (">", "ASC"),
        SortOrder::Desc => ("<", "DESC"),
    };
    if let Some((date, id)) = after {
        sql.push_str(&format!(" AND (t.date, t.id) {cmp} (?, ?)"));
        args.push(Value::Text(date.clone()));
        args.push(Value::Blob(id.as_bytes().to_vec()));
    }
    sql.push_str(&format!(" ORDER BY t.date {dir}, t.id {dir} LIMIT ?"));
    args.push(Value::Integer(i64::from(limit) + 1));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, limit, |t| (t.date.clone(), t.id)))
}

/// How many visible rows match `filter`.
pub fn count(conn: &Connection, filter: &TransactionFilter) -> Result<i64> {
    let (sql, args) = select("count(*)", filter);
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| r.get(0))?)
}

/// `SELECT <what> FROM transactions t WHERE visible = 1 AND <filter>`, with its arguments.
fn select(what: &str, filter: &TransactionFilter) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {what} FROM transactions t WHERE t.visible = 1");
    let mut args = Vec::new();
    filter.push_where(&mut sql, &mut args);
    (sql, args)
}

/// The query plans SQLite picks for the list, count and summary of `filter`
/// (one line per plan step), for tests and benchmarks that guard index use.
pub fn explain(conn: &Connection, filter: &TransactionFilter) -> Result<Vec<(String, String)>> {
    let queries = [
        ("list", {
            let (mut sql, mut args) = select(COLUMNS, filter);
            sql.push_str(" AND (t.date, t.id) < (?, ?) ORDER BY t.date DESC, t.id DESC LIMIT 101");
            args.push(Value::Text("2100-01-01".into()));
            args.push(Value::Blob(Uuid::max().as_bytes().to_vec()));
            (sql, args)
        }),
        ("count", select("count(*)", filter)),
        ("summary", summary::query(filter, GroupBy::Month)),
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

pub use summary::summary;
