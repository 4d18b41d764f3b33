//! Bank-export CSV parsing: bytes in, normalised transactions out.
//!
//! The pipeline is: decode (UTF-8 with or without a BOM, UTF-16 with a BOM, otherwise
//! Windows-1252) → detect the delimiter (`,` `;` or TAB) → read the header and data records
//! → resolve the columns (explicit [`ColumnSpec`] or inferred from header names) → settle the
//! date format (explicit or detected over every date cell) and the decimal mark (`.` or `,`)
//! → convert each row → fingerprint.
//!
//! Conventions:
//! * Amounts are exact `i64` minor units of [`CsvOptions::iso_currency_code`]; floating point is
//!   never involved. Output uses Plaid's sign: positive = money out, negative = money in.
//! * Line numbers are physical 1-based lines of the file (the header is line 1), so a quoted
//!   field spanning lines shifts the numbers of later rows exactly as an editor would show them.
//! * Problems with one row land in [`ParsedCsv::rejected`]; only whole-file problems are a
//!   [`CsvError`]. A file where no row parses is still `Ok` (all rows rejected).
//!
//! Header inference matches names case-insensitively with whitespace collapsed. Each role has
//! an ordered alias list; an exact match on any alias wins over a word-prefix match (so
//! `Amount (EUR)` is found when no plain `Amount` exists). Among exact matches the earlier alias
//! wins: `transaction date` and `date` are preferred over `posted date` / `posting date`, and
//! `description` over `name`/`payee`/`memo`. A column is never given two roles. When a single
//! amount column exists, debit/credit columns are ignored.

mod amounts;
mod columns;
mod dates;
mod decode;
mod fingerprint;
mod rows;
mod table;

#[cfg(test)]
mod tests;

use jiff::civil::Date;

use crate::money;

use amounts::detect_decimal_mark;
use columns::{explicit_columns, infer_columns};
use dates::DateParser;
use decode::{decode_text, detect_delimiter};
use rows::RowConverter;
use table::read_table;

/// How to read one CSV export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Which columns hold what; `None` infers them from the header names.
    pub columns: Option<ColumnSpec>,
    /// A strftime-like date format (`%Y-%m-%d`, `%m/%d/%Y`, `%d.%m.%Y`); `None` detects it.
    pub date_format: Option<String>,
    /// `true`: in the file a negative amount is money out (most banks), so amounts are negated
    /// into Plaid's sign. `false`: the file already uses positive = money out.
    pub amounts_negative_are_debits: bool,
    /// ISO 4217 code; decides how many minor digits amounts have.
    pub iso_currency_code: String,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            columns: None,
            date_format: None,
            amounts_negative_are_debits: true,
            iso_currency_code: "USD".to_owned(),
        }
    }
}

/// A column, by zero-based index or by header name (case-insensitive, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    Index(usize),
    Name(String),
}

/// Explicit column mapping. Give `amount`, or `debit` and/or `credit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub date: ColumnRef,
    pub amount: Option<ColumnRef>,
    pub debit: Option<ColumnRef>,
    pub credit: Option<ColumnRef>,
    pub description: ColumnRef,
    pub merchant: Option<ColumnRef>,
    pub category: Option<ColumnRef>,
}

/// One imported transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// 1-based physical line where the record starts (the header is line 1).
    pub line: usize,
    pub date: Date,
    /// Minor units, Plaid sign: positive = money out, negative = money in.
    pub amount: i64,
    pub description: String,
    pub merchant: Option<String>,
    pub category: Option<String>,
    /// Hex SHA-256 identity, stable across re-imports of the same or overlapping exports.
    pub fingerprint: String,
}

/// A data row that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub line: usize,
    pub reason: String,
}

/// The outcome of parsing one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCsv {
    pub rows: Vec<ParsedRow>,
    pub rejected: Vec<Rejected>,
    /// Data rows seen: excludes the header and blank lines.
    pub total_rows: usize,
    /// The date format used; empty when none was given and no candidate read any date.
    pub date_format: String,
}

/// Whole-file failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is empty: expected a header line naming the columns")]
    NoHeader,
    #[error("the file has a header line but no data rows")]
    NoRows,
    #[error("{0:?} is not an ISO 4217 currency code (three letters, such as USD)")]
    InvalidCurrency(String),
    #[error("there is no column named {name:?}; the header has: {}", quote_list(.headers))]
    UnknownColumn { name: String, headers: Vec<String> },
    #[error(
        "column index {index} is out of range: the header has {width} columns, numbered from 0"
    )]
    ColumnOutOfRange { index: usize, width: usize },
    #[error("the column mapping has no amount column: give `amount`, or `debit` and/or `credit`")]
    NoAmountColumn,
    #[error(
        "cannot infer the columns from the header: no column for {}; headers seen: {}; \
         map the columns explicitly",
        .missing.join(", "),
        quote_list(.headers)
    )]
    CannotInferColumns {
        missing: Vec<String>,
        headers: Vec<String>,
    },
    #[error(
        "the date format is ambiguous: the day/month order cannot be told from the dates \
         (formats {} fit equally well but give different dates); set date_format to the one your bank uses",
        .candidates.join(", ")
    )]
    AmbiguousDateFormat { candidates: Vec<String> },
    #[error("malformed CSV near line {line}: {message}")]
    Malformed { line: usize, message: String },
}

/// Parses a whole export. See [`parse_with_progress`].
///
/// # Errors
/// Whole-file problems only (see [`CsvError`]); bad rows go to [`ParsedCsv::rejected`].
pub fn parse(bytes: &[u8], opts: &CsvOptions) -> Result<ParsedCsv, CsvError> {
    parse_with_progress(bytes, opts, &mut |_, _| {})
}

/// Parses a whole export, calling `progress(rows_done, total_rows)` every
/// [`PROGRESS_EVERY`] rows, and once at the start and at the end.
///
/// # Errors
/// Whole-file problems only: an invalid currency code, no header, no data rows, columns that
/// cannot be resolved, or an ambiguous day/month order. Bad rows go to [`ParsedCsv::rejected`].
pub fn parse_with_progress(
    bytes: &[u8],
    opts: &CsvOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ParsedCsv, CsvError> {
    let digits = currency_digits(&opts.iso_currency_code)?;
    let text = decode_text(bytes);
    let delimiter = detect_delimiter(&text);
    let table = read_table(&text, delimiter)?;
    let columns = match &opts.columns {
        Some(spec) => explicit_columns(spec, &table.header)?,
        None => infer_columns(&table.header)?,
    };
    if table.rows.is_empty() {
        return Err(CsvError::NoRows);
    }
    let dates = DateParser::new(&table.rows, columns.date, opts.date_format.as_deref())?;
    let converter = RowConverter {
        mark: detect_decimal_mark(&table.rows, &columns, delimiter, digits),
        columns,
        dates,
        digits,
        negate: opts.amounts_negative_are_debits,
        width: table.header.len(),
    };
    Ok(converter.convert_all(&table.rows, progress))
}

/// Rows between two progress callbacks.
pub const PROGRESS_EVERY: usize = 1024;

fn currency_digits(code: &str) -> Result<u32, CsvError> {
    let code = code.trim();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(money::minor_digits(code))
    } else {
        Err(CsvError::InvalidCurrency(code.to_owned()))
    }
}

fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("{item:?}")).collect();
    quoted.join(", ")
}
