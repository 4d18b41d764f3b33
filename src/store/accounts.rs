//! SQL over the `accounts` table (reads). Accounts of `disconnected` connections are
//! hidden from every read here, like their transactions.

use std::fmt::Write as _;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use uuid::Uuid;

use super::Page;
use crate::domain::AccountType;
use crate::error::Result;
use crate::ids::IdRef;

/// A row of `accounts`; balances are minor units of `iso_currency_code`.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: Uuid,
    pub short_id: String,
    pub connection_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub official_name: Option<String>,
    pub account_type: AccountType,
    pub subtype: Option<String>,
    pub mask: Option<String>,
    pub balance_current: Option<i64>,
    pub balance_available: Option<i64>,
    pub balance_limit: Option<i64>,
    pub iso_currency_code: String,
    pub last_balance_update: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Which accounts `accounts.list` returns; `None` = no constraint.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub user_id: Option<IdRef>,
    pub connection_id: Option<IdRef>,
}

/// Keyset position of `accounts.list` (ordered by name, then id).
pub type AccountKey = (String, Uuid);

const COLUMNS: &str = "a.id, a.short_id, a.connection_id, a.user_id, a.name, a.official_name, \
     a.type, a.subtype, a.mask, a.balance_current, a.balance_available, a.balance_limit, \
     a.iso_currency_code, a.last_balance_update, a.created_at, a.updated_at";

/// Joins the owning connection so disconnected ones can be left out.
const FROM: &str = "accounts a JOIN connections c ON c.id = a.connection_id \
     WHERE c.status <> 'disconnected'";

fn from_row(r: &Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        id: r.get(0)?,
        short_id: r.get(1)?,
        connection_id: r.get(2)?,
        user_id: r.get(3)?,
        name: r.get(4)?,
        official_name: r.get(5)?,
        account_type: r.get(6)?,
        subtype: r.get(7)?,
        mask: r.get(8)?,
        balance_current: r.get(9)?,
        balance_available: r.get(10)?,
        balance_limit: r.get(11)?,
        iso_currency_code: r.get(12)?,
        last_balance_update: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

/// Finds one account by UUID or short id; `None` also when its connection is disconnected.
pub fn get(conn: &Connection, id: &IdRef) -> Result<Option<AccountRow>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} AND a.{} = ?1", id.column());
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// One page ordered by (name, id), starting after `after`. Filter ids given as short ids
/// are matched through the owning table, so an unknown id simply matches nothing.
pub fn page(
    conn: &Connection,
    filter: &AccountFilter,
    limit: u32,
    after: Option<&AccountKey>,
) -> Result<Page<AccountRow, AccountKey>> {
    let mut sql = format!("SELECT {COLUMNS} FROM {FROM}");
    let mut args: Vec<Value> = Vec::new();
    if let Some(id) = &filter.user_id {
        push_id(&mut sql, &mut args, "a.user_id", "users", id);
    }
    if let Some(id) = &filter.connection_id {
        push_id(&mut sql, &mut args, "a.connection_id", "connections", id);
    }
    if let Some((name, id)) = after {
        sql.push_str(" AND (a.name, a.id) > (?, ?)");
        args.push(Value::Text(name.clone()));
        args.push(Value::Blob(id.as_bytes().to_vec()));
    }
    sql.push_str(" ORDER BY a.name, a.id LIMIT ?");
    args.push(Value::Integer(i64::from(limit) + 1));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, limit, |a| (a.name.clone(), a.id)))
}

/// Appends `AND column = <id>`, resolving a short id through `table`.
pub(crate) fn push_id(
    sql: &mut String,
    args: &mut Vec<Value>,
    column: &str,
    table: &str,
    id: &IdRef,
) {
    match id {
        IdRef::Uuid(u) => {
            let _ = write!(sql, " AND {column} = ?");
            args.push(Value::Blob(u.as_bytes().to_vec()));
        }
        IdRef::Short(s) => {
            let _ = write!(
                sql,
                " AND {column} = (SELECT id FROM {table} WHERE short_id = ?)"
            );
            args.push(Value::Text(s.clone()));
        }
    }
}
