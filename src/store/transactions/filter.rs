//! The filters of `GET /api/v1/transactions` (docs/api.md, Resources) as SQL `AND` terms over `t`.

use std::fmt::Write as _;

use rusqlite::types::Value;

use crate::ids::IdRef;
use crate::money::minor_digits;

/// Amount filters are thousandths of the major unit: three decimals cover every ISO 4217
/// currency, so `min_amount`/`max_amount` compare exactly across currencies.
pub const MILLI_DIGITS: u32 = 3;

/// Currencies whose minor digits differ from 2 (ISO 4217), for the per-row scale in SQL.
/// A unit test keeps this in step with [`minor_digits`].
const ZERO_DIGIT: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];
const THREE_DIGIT: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// Which visible transactions a read covers; `None` = no constraint. Built (and
/// validated) by the API layer.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilter {
    /// `YYYY-MM-DD`, inclusive.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`, exclusive.
    pub end_date: Option<String>,
    pub account_id: Option<IdRef>,
    pub connection_id: Option<IdRef>,
    pub user_id: Option<IdRef>,
    pub pending: Option<bool>,
    /// Thousandths of the major unit (see [`MILLI_DIGITS`]), inclusive.
    pub min_amount: Option<i64>,
    /// Thousandths of the major unit, inclusive.
    pub max_amount: Option<i64>,
    /// Upper-case ISO 4217 code.
    pub iso_currency_code: Option<String>,
    /// At least 2 characters; case-insensitive substring of name or merchant_name.
    pub search: Option<String>,
}

/// How `search` is matched (see `search.rs`).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum SearchVia {
    /// The trigram index drives the query; each match is read by rowid.
    Index,
    /// `LIKE` on each row the query walks anyway.
    Scan,
    /// The matching rowids, already taken from the index (a JSON array).
    Rows(Value),
}

impl TransactionFilter {
    /// Whether a page may look for `search` by scanning: only ASCII needles, whose `LIKE`
    /// matches are exactly the trigram index's (both fold only ASCII case for them).
    pub(super) fn may_scan_search(&self) -> bool {
        self.search
            .as_deref()
            .is_some_and(|s| s.chars().count() >= 3 && s.is_ascii())
    }

    /// `search` as an FTS5 phrase, when it is long enough for trigrams.
    pub(super) fn fts_phrase(&self) -> Option<String> {
        self.search
            .as_deref()
            .filter(|s| s.chars().count() >= 3)
            .map(fts_phrase)
    }

    /// `search` when it is exactly two characters, too short for a trigram of its own.
    pub(super) fn pair(&self) -> Option<&str> {
        self.search.as_deref().filter(|s| s.chars().count() == 2)
    }

    /// The `FROM` clause (and its argument): when the index or its rowids answer the
    /// search they drive the query (`CROSS JOIN` fixes that order), so only matches are
    /// read, each by rowid.
    pub(super) fn push_from(&self, sql: &mut String, args: &mut Vec<Value>, via: &SearchVia) {
        sql.push_str(match via {
            SearchVia::Rows(rowids) => {
                args.push(rowids.clone());
                "json_each(?) j CROSS JOIN transactions t ON t.pk = j.value"
            }
            SearchVia::Index if self.fts_phrase().is_some() => {
                "transactions_fts CROSS JOIN transactions t ON t.pk = transactions_fts.rowid"
            }
            SearchVia::Index | SearchVia::Scan => "transactions t",
        });
    }

    /// The same filter without `search`.
    pub(super) fn without_search(&self) -> Self {
        Self {
            search: None,
            ..self.clone()
        }
    }

    /// Appends one ` AND …` per constraint to `sql`, pushing its arguments.
    pub(super) fn push_where(&self, sql: &mut String, args: &mut Vec<Value>, via: &SearchVia) {
        let text = |s: &String| Value::Text(s.clone());
        if let Some(d) = &self.start_date {
            push(sql, args, " AND t.date >= ?", text(d));
        }
        if let Some(d) = &self.end_date {
            push(sql, args, " AND t.date < ?", text(d));
        }
        let ids = [
            (&self.account_id, "t.account_id", "accounts"),
            (&self.connection_id, "t.connection_id", "connections"),
            (&self.user_id, "t.user_id", "users"),
        ];
        for (id, column, table) in ids {
            if let Some(id) = id {
                crate::store::accounts::push_id(sql, args, column, table, id);
            }
        }
        if let Some(p) = self.pending {
            push(sql, args, " AND t.pending = ?", Value::Integer(p.into()));
        }
        if let Some(c) = &self.iso_currency_code {
            push(sql, args, " AND t.iso_currency_code = ?", text(c));
        }
        self.push_amounts(sql, args);
        if let Some(s) = &self.search {
            push_search(sql, args, s, via);
        }
    }

    /// Compares in thousandths: `amount × 10^(3 − digits)` stays an exact integer for any
    /// amount below ~9.2 × 10^15 minor units (beyond, SQLite would turn it into a float).
    fn push_amounts(&self, sql: &mut String, args: &mut Vec<Value>) {
        if self.min_amount.is_none() && self.max_amount.is_none() {
            return;
        }
        let scaled = format!(
            "t.amount * {}",
            scale_sql(self.iso_currency_code.as_deref())
        );
        if let Some(min) = self.min_amount {
            let _ = write!(sql, " AND {scaled} >= ?");
            args.push(Value::Integer(min));
        }
        if let Some(max) = self.max_amount {
            let _ = write!(sql, " AND {scaled} <= ?");
            args.push(Value::Integer(max));
        }
    }
}

fn push(sql: &mut String, args: &mut Vec<Value>, term: &str, arg: Value) {
    sql.push_str(term);
    args.push(arg);
}

/// SQL for the factor turning a row's minor units into thousandths: a literal when the
/// currency is fixed by the filter, else a `CASE` over the row's currency.
fn scale_sql(currency: Option<&str>) -> String {
    if let Some(c) = currency {
        return 10_i64.pow(MILLI_DIGITS - minor_digits(c)).to_string();
    }
    let list = |codes: &[&str]| {
        codes
            .iter()
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "(CASE WHEN t.iso_currency_code IN ({}) THEN 1000 \
         WHEN t.iso_currency_code IN ({}) THEN 1 ELSE 10 END)",
        list(ZERO_DIGIT),
        list(THREE_DIGIT)
    )
}

/// `needle` as one FTS5 phrase: a substring match under the trigram tokenizer.
pub(super) fn fts_phrase(needle: &str) -> String {
    format!("\"{}\"", needle.replace('"', "\"\""))
}

/// `%needle%` for `LIKE … ESCAPE '\'`, with the needle's own wildcards escaped.
pub(super) fn like_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Three or more characters go through the trigram FTS index unless `via` says scan
/// (or the rowids are known: the join did it); two always use `LIKE`, also on known rowids,
/// which for two characters are candidates (see `search.rs`).
fn push_search(sql: &mut String, args: &mut Vec<Value>, needle: &str, via: &SearchVia) {
    let indexed = needle.chars().count() >= 3;
    if indexed && *via == SearchVia::Index {
        let phrase = fts_phrase(needle);
        push(
            sql,
            args,
            " AND transactions_fts MATCH ?",
            Value::Text(phrase),
        );
    } else if indexed && matches!(via, SearchVia::Rows(_)) {
        // The rowids in the FROM clause are the matches.
    } else {
        let pattern = like_pattern(needle);
        sql.push_str(" AND (t.name LIKE ? ESCAPE '\\' OR t.merchant_name LIKE ? ESCAPE '\\')");
        args.push(Value::Text(pattern.clone()));
        args.push(Value::Text(pattern));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_table_agrees_with_minor_digits() {
        for c in ZERO_DIGIT {
            assert_eq!(minor_digits(c), 0, "{c}");
        }
        for c in THREE_DIGIT {
            assert_eq!(minor_digits(c), 3, "{c}");
        }
        assert_eq!(scale_sql(Some("USD")), "10");
        assert_eq!(scale_sql(Some("JPY")), "1000");
        assert_eq!(scale_sql(Some("KWD")), "1");
    }

    #[test]
    fn search_escapes_quotes_and_like_wildcards() {
        let (mut sql, mut args) = (String::new(), Vec::new());
        push_search(&mut sql, &mut args, "a\"b", &SearchVia::Index);
        assert_eq!(sql, " AND transactions_fts MATCH ?");
        assert_eq!(args, vec![Value::Text("\"a\"\"b\"".into())]);
        let (mut sql, mut args) = (String::new(), Vec::new());
        push_search(&mut sql, &mut args, "%_", &SearchVia::Index);
        assert!(sql.contains("LIKE ?"));
        assert_eq!(args[0], Value::Text("%\\%\\_%".into()));
    }

    #[test]
    fn every_filter_adds_a_term() {
        let f = TransactionFilter {
            start_date: Some("2024-01-01".into()),
            end_date: Some("2024-02-01".into()),
            account_id: Some(IdRef::Short("abcdefgh".into())),
            pending: Some(true),
            min_amount: Some(-5),
            max_amount: Some(5),
            iso_currency_code: Some("EUR".into()),
            search: Some("coffee".into()),
            ..TransactionFilter::default()
        };
        let (mut sql, mut args) = (String::new(), Vec::new());
        f.push_where(&mut sql, &mut args, &SearchVia::Index);
        assert_eq!(sql.matches('?').count(), args.len());
        assert_eq!(args.len(), 8);
        assert!(sql.contains("t.amount * 10 >= ?"), "{sql}");
    }
}
