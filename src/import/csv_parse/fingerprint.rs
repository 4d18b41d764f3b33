//! Row fingerprints: a hex SHA-256 of date, amount, normalised description and the
//! occurrence number among identical rows, so re-imports and overlapping exports agree.

use std::collections::HashMap;

use jiff::civil::Date;
use sha2::{Digest, Sha256};

use super::ParsedRow;
use super::rows::Draft;

/// Lowercased, trimmed, whitespace collapsed.
fn normalise_description(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Numbers identical (date, amount, description) rows in file order and hashes each.
pub(super) fn fingerprint_all(drafts: Vec<Draft>) -> Vec<ParsedRow> {
    let mut seen: HashMap<(Date, i64, String), usize> = HashMap::with_capacity(drafts.len());
    drafts
        .into_iter()
        .map(|draft| {
            let key = (
                draft.date,
                draft.amount,
                normalise_description(&draft.description),
            );
            let occurrence = seen.get(&key).copied().unwrap_or(0);
            let fingerprint = fingerprint(key.0, key.1, &key.2, occurrence);
            seen.insert(key, occurrence + 1);
            ParsedRow {
                line: draft.line,
                date: draft.date,
                amount: draft.amount,
                description: draft.description,
                merchant: draft.merchant,
                category: draft.category,
                fingerprint,
            }
        })
        .collect()
}

/// Hex SHA-256 of a versioned, newline-separated record; the description goes last, and the
/// other fields cannot contain a newline, so the encoding is unambiguous.
pub(super) fn fingerprint(date: Date, amount: i64, description: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "breadbox-csv-v1\n{date}\n{amount}\n{occurrence}\n{description}"
    ));
    hex::encode(hasher.finalize())
}
