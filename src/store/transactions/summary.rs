//! `transactions.summary`: sums and counts per (period or category, currency), plus one
//! total per currency. Amounts of different currencies are never added together.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::{TransactionFilter, select};
use crate::error::{Error, Result};

/// What `summary` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// `YYYY-MM`.
    Month,
    /// The Monday (ISO 8601 week start) of the week, `YYYY-MM-DD`.
    Week,
    /// `YYYY-MM-DD`.
    Day,
    /// `category_primary` (`None` for uncategorised rows).
    Category,
}

/// One group: a period or category in one currency; `total_amount` in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub key: Option<String>,
    pub iso_currency_code: String,
    pub total_amount: i64,
    pub transaction_count: i64,
}

/// The total of one currency over every group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryTotal {
    pub iso_currency_code: String,
    pub total_amount: i64,
    pub transaction_count: i64,
}

/// Groups ordered by key (uncategorised first), then currency; totals by currency.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub rows: Vec<SummaryRow>,
    pub totals: Vec<SummaryTotal>,
}

/// The grouping query: SQLite sums per (bucket, currency); weeks are folded from days
/// afterwards, since SQL date arithmetic per row costs more than folding a few hundred rows.
pub(super) fn query(filter: &TransactionFilter, group_by: GroupBy) -> (String, Vec<Value>) {
    let bucket = match group_by {
        GroupBy::Month => "substr(t.date, 1, 7)",
        GroupBy::Week | GroupBy::Day => "t.date",
        GroupBy::Category => "t.category_primary",
    };
    let (mut sql, args) = select(
        &format!("{bucket}, t.iso_currency_code, sum(t.amount), count(*)"),
        filter,
    );
    sql.push_str(" GROUP BY 1, 2");
    (sql, args)
}

/// Sums the visible rows matching `filter` per `group_by` bucket and currency.
pub fn summary(
    conn: &Connection,
    filter: &TransactionFilter,
    group_by: GroupBy,
) -> Result<Summary> {
    let (sql, args) = query(filter, group_by);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    let mut groups: BTreeMap<(Option<String>, String), (i64, i64)> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let mut key: Option<String> = r.get(0)?;
        if group_by == GroupBy::Week {
            key = key.as_deref().map(week_start).transpose()?;
        }
        let slot = groups.entry((key, r.get(1)?)).or_default();
        add(slot, r.get(2)?, r.get(3)?)?;
    }
    fold(groups)
}

fn fold(groups: BTreeMap<(Option<String>, String), (i64, i64)>) -> Result<Summary> {
    let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut out = Summary::default();
    for ((key, currency), (total, count)) in groups {
        add(totals.entry(currency.clone()).or_default(), total, count)?;
        out.rows.push(SummaryRow {
            key,
            iso_currency_code: currency,
            total_amount: total,
            transaction_count: count,
        });
    }
    out.totals = totals
        .into_iter()
        .map(
            |(iso_currency_code, (total_amount, transaction_count))| SummaryTotal {
                iso_currency_code,
                total_amount,
                transaction_count,
            },
        )
        .collect();
    Ok(out)
}

fn add(slot: &mut (i64, i64), amount: i64, count: i64) -> Result<()> {
    slot.0 = slot
        .0
        .checked_add(amount)
        .ok_or_else(|| Error::internal("summary total overflows i64"))?;
    slot.1 += count;
    Ok(())
}

/// The Monday on or before `date` (`YYYY-MM-DD`).
fn week_start(date: &str) -> Result<String> {
    let d: Date = date
        .parse()
        .map_err(|e| Error::internal(format!("stored date {date:?}: {e}")))?;
    let back = i64::from(d.weekday().to_monday_zero_offset());
    let monday = d
        .checked_sub(back.days())
        .map_err(|e| Error::internal(format!("week of {date}: {e}")))?;
    Ok(monday.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_start("2024-03-06").unwrap(), "2024-03-04"); // Wednesday
        assert_eq!(week_start("2024-03-04").unwrap(), "2024-03-04"); // Monday
        assert_eq!(week_start("2024-03-10").unwrap(), "2024-03-04"); // Sunday
        assert_eq!(week_start("2024-01-01").unwrap(), "2024-01-01");
        assert_eq!(week_start("2023-01-01").unwrap(), "2022-12-26");
    }

    #[test]
    fn totals_are_per_currency() {
        let mut g = BTreeMap::new();
        g.insert((Some("2024-01".into()), "EUR".into()), (100, 1));
        g.insert((Some("2024-01".into()), "USD".into()), (250, 2));
        g.insert((Some("2024-02".into()), "USD".into()), (-50, 1));
        let s = fold(g).unwrap();
        assert_eq!(s.rows.len(), 3);
        let totals: Vec<_> = s
            .totals
            .iter()
            .map(|t| {
                (
                    t.iso_currency_code.as_str(),
                    t.total_amount,
                    t.transaction_count,
                )
            })
            .collect();
        assert_eq!(totals, vec![("EUR", 100, 1), ("USD", 200, 3)]);
    }

    #[test]
    fn overflowing_totals_are_an_error_not_a_wrap() {
        let mut slot = (i64::MAX, 1);
        assert!(add(&mut slot, 1, 1).is_err());
    }
}
