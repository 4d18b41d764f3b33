//! How a `search` is answered. The trigram index costs in proportion to how many rows
//! match in the whole table (a word in 15% of a million rows: ~200 ms), `LIKE` in
//! proportion to how many rows a query walks. So every request first asks the index for
//! at most `rare_below` matching rowids: fewer means a rare word, and those rowids answer
//! the query directly. A common word in a page is looked for with `LIKE` in the next
//! `window` rows, where it usually fills the page within a few hundred; the index answers
//! only when that window holds less than a page. Every way gives the same rows.
//!
//! Two characters have no trigram of their own, but every row containing them has one of
//! the trigrams "c + pair" or "pair + c" for its neighbour c, unless that neighbour is not
//! printable ASCII or the column is only the pair. So a pair asks the index for the OR of
//! its ~140 ASCII neighbour trigrams (case folds, so lower case suffices), adds the rows of
//! the small `transactions_unindexed_text` partial index (non-ASCII or control characters,
//! or a column under 3 characters) that match by `LIKE`, and checks every candidate with
//! `LIKE` again in the page query. A rare pair costs a few ms at 1M rows instead of a scan.

use rusqlite::types::Value;
use rusqlite::{Connection, params};

use super::TransactionFilter;
use super::filter::{SearchVia, fts_phrase, like_pattern};
use crate::error::Result;

/// Thresholds for choosing how a search is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchPlan {
    /// A word with fewer matching rows than this in the trigram index is rare.
    pub rare_below: u32,
    /// How many rows after the cursor a page may read with `LIKE` for a common word.
    pub window: u32,
}

/// Measured at 1M rows: 4,000 rowids come out of the index in ~2 ms and are read back
/// in ~4 ms; 20,000 rows cost ~5 ms to walk with `LIKE`.
pub const SEARCH_PLAN: SearchPlan = SearchPlan {
    rare_below: 4_000,
    window: 20_000,
};

/// What the index said about the search of one request.
pub(super) enum Matches {
    /// No search.
    NotIndexed,
    /// A rare word: all its matching rowids.
    Rare(SearchVia),
    /// A common word.
    Common,
}

/// Asks the trigram index for up to `plan.rare_below` rowids matching the search.
pub(super) fn probe(
    conn: &Connection,
    filter: &TransactionFilter,
    plan: SearchPlan,
) -> Result<Matches> {
    let (query, pair) = match (filter.fts_phrase(), filter.pair()) {
        (Some(phrase), _) => (phrase, None),
        (None, Some(pair)) => (neighbour_trigrams(pair), Some(pair)),
        (None, None) => return Ok(Matches::NotIndexed),
    };
    if plan.rare_below == 0 {
        return Ok(Matches::Common);
    }
    let limit = plan.rare_below as usize;
    let mut rowids = index_rowids(conn, &query, limit)?;
    if let Some(pair) = pair
        && rowids.len() < limit
    {
        rowids.extend(unindexed_rowids(conn, pair, limit)?);
        rowids.sort_unstable();
        rowids.dedup();
    }
    if rowids.len() >= limit {
        return Ok(Matches::Common);
    }
    let json = rowids
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    Ok(Matches::Rare(SearchVia::Rows(Value::Text(format!(
        "[{json}]"
    )))))
}

/// Up to `limit` rowids of the trigram index matching the FTS5 `query`.
fn index_rowids(conn: &Connection, query: &str, limit: usize) -> Result<Vec<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT rowid FROM transactions_fts WHERE transactions_fts MATCH ?1 LIMIT ?2",
        )?
        .query_map(params![query, limit], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// An FTS5 query matching every row where `pair` has a printable ASCII neighbour.
fn neighbour_trigrams(pair: &str) -> String {
    let neighbours = (b' '..=b'~')
        .map(char::from)
        .filter(|c| !c.is_ascii_uppercase());
    let mut terms = Vec::with_capacity(140);
    for c in neighbours {
        terms.push(fts_phrase(&format!("{c}{pair}")));
        terms.push(fts_phrase(&format!("{pair}{c}")));
    }
    terms.join(" OR ")
}

/// The rows whose text the neighbour trigrams cannot vouch for; must stay the `WHERE` of
/// the `transactions_unindexed_text` index in `schema.sql` (`INDEXED BY` fails otherwise).
const UNINDEXED_TEXT: &str = "visible = 1 AND (name GLOB '*[^ -~]*' OR merchant_name GLOB \
     '*[^ -~]*' OR length(name) < 3 OR length(merchant_name) < 3)";

/// Up to `limit` rowids of the rows of `transactions_unindexed_text` containing `pair`.
fn unindexed_rowids(conn: &Connection, pair: &str, limit: usize) -> Result<Vec<i64>> {
    let sql = format!(
        "SELECT pk FROM transactions INDEXED BY transactions_unindexed_text \
         WHERE {UNINDEXED_TEXT} \
         AND (name LIKE ?1 ESCAPE '\\' OR merchant_name LIKE ?1 ESCAPE '\\') LIMIT ?2"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params![like_pattern(pair), limit], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// How count and summary answer: they need every match, so the index's rowids when the
/// word is rare and the index itself otherwise.
pub(super) fn via_for_all(
    conn: &Connection,
    filter: &TransactionFilter,
    plan: SearchPlan,
) -> Result<SearchVia> {
    Ok(match probe(conn, filter, plan)? {
        Matches::Rare(via) => via,
        Matches::NotIndexed | Matches::Common => SearchVia::Index,
    })
}
