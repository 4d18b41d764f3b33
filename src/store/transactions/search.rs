//! How a `search` is answered. The trigram index costs in proportion to how many rows
//! match in the whole table (a word in 15% of a million rows: ~200 ms), `LIKE` in
//! proportion to how many rows a query walks. So every request first asks the index for
//! at most `rare_below` matching rowids: fewer means a rare word, and those rowids answer
//! the query directly. A common word in a page is looked for with `LIKE` in the next
//! `window` rows, where it usually fills the page within a few hundred; the index answers
//! only when that window holds less than a page. Every way gives the same rows.

use rusqlite::types::Value;
use rusqlite::{Connection, params};

use super::TransactionFilter;
use super::filter::SearchVia;
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
    /// No search, or one too short for trigrams (`LIKE` answers it).
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
    let Some(phrase) = filter.fts_phrase() else {
        return Ok(Matches::NotIndexed);
    };
    if plan.rare_below == 0 {
        return Ok(Matches::Common);
    }
    let rowids = conn
        .prepare_cached(
            "SELECT rowid FROM transactions_fts WHERE transactions_fts MATCH ?1 LIMIT ?2",
        )?
        .query_map(params![phrase, plan.rare_below], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if rowids.len() >= plan.rare_below as usize {
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
