//! Turning raw bytes into text and choosing the field delimiter.
//!
//! Decoding strips a byte-order mark and reads UTF-8 or UTF-16 (LE/BE, only with a BOM);
//! text without a BOM is UTF-8 when valid and Windows-1252 otherwise. The work is done by
//! `encoding_rs`; malformed input becomes U+FFFD rather than an error.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use super::table::{is_blank, reader_for};

/// Strips a BOM and decodes: UTF-8, UTF-16 (only with a BOM), else Windows-1252.
pub(super) fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let mut rest = &bytes[bom_length..];
        if encoding != UTF_8 {
            // A dangling odd byte at the end of UTF-16 is dropped, not replaced.
            rest = &rest[..rest.len() & !1];
        }
        return encoding.decode_without_bom_handling(rest).0;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];
const DELIMITER_SAMPLE: usize = 50;

/// Picks the delimiter whose first records have one consistent column count above 1;
/// then the most columns; then the most consistent; ties go to `,` then `;` then TAB.
pub(super) fn detect_delimiter(text: &str) -> u8 {
    let mut best = (b',', (false, 0, 0));
    for delimiter in DELIMITERS {
        let score = delimiter_score(text, delimiter);
        if score > best.1 {
            best = (delimiter, score);
        }
    }
    best.0
}

/// (all sampled records agree, header width, records agreeing with the header width).
fn delimiter_score(text: &str, delimiter: u8) -> (bool, usize, usize) {
    let widths: Vec<usize> = reader_for(text, delimiter)
        .into_records()
        .map_while(Result::ok)
        .filter(|record| !is_blank(record))
        .take(DELIMITER_SAMPLE)
        .map(|record| record.len())
        .collect();
    let width = widths.first().copied().unwrap_or(0);
    if width < 2 {
        return (false, 0, 0);
    }
    let agreeing = widths.iter().filter(|&&w| w == width).count();
    (agreeing == widths.len(), width, agreeing)
}
