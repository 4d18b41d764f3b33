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

use std::borrow::Cow;
use std::collections::HashMap;

use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::money::{self, AmountError};

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

// ---------------------------------------------------------------------------------------------
// Decoding and reading
// ---------------------------------------------------------------------------------------------

/// Strips a BOM and decodes: UTF-8, UTF-16 (only with a BOM), else Windows-1252.
fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Cow::Owned(decode_utf16(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Cow::Owned(decode_utf16(rest, u16::from_be_bytes));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
    }
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];
const DELIMITER_SAMPLE: usize = 50;

/// Picks the delimiter whose first records have one consistent column count above 1;
/// then the most columns; then the most consistent; ties go to `,` then `;` then TAB.
fn detect_delimiter(text: &str) -> u8 {
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

fn reader_for(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// A data record and the physical line it starts on.
struct Row {
    line: usize,
    record: csv::StringRecord,
}

impl Row {
    fn cell(&self, index: usize) -> &str {
        self.record.get(index).unwrap_or("").trim()
    }
}

struct Table {
    header: Vec<String>,
    rows: Vec<Row>,
}

fn read_table(text: &str, delimiter: u8) -> Result<Table, CsvError> {
    let mut header = None;
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(text);
    for result in reader_for(text, delimiter).into_records() {
        let record = result.map_err(|err| CsvError::Malformed {
            line: err.position().map_or(0, |pos| to_usize(pos.line())),
            message: err.to_string(),
        })?;
        if is_blank(&record) {
            continue;
        }
        if header.is_none() {
            header = Some(record.iter().map(|name| name.trim().to_owned()).collect());
        } else {
            let line = record
                .position()
                .map_or(0, |pos| lines.line_at(to_usize(pos.byte())));
            rows.push(Row { line, record });
        }
    }
    let header = header.ok_or(CsvError::NoHeader)?;
    Ok(Table { header, rows })
}

/// Physical line numbers from byte offsets. The csv crate's own `position().line()` names
/// the first skipped blank line before a record rather than the record's line, so lines are
/// counted here: incrementally (records arrive in order), with `\n`, `\r\n` and lone `\r`
/// each ending one line.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of the first non-terminator byte at or after `start` (which must not go back).
    fn line_at(&mut self, start: usize) -> usize {
        let mut target = start.max(self.offset).min(self.bytes.len());
        while matches!(self.bytes.get(target), Some(b'\n' | b'\r')) {
            target += 1;
        }
        for (index, &byte) in self.bytes[self.offset..target].iter().enumerate() {
            let lone_cr = byte == b'\r' && self.bytes.get(self.offset + index + 1) != Some(&b'\n');
            if byte == b'\n' || lone_cr {
                self.line += 1;
            }
        }
        self.offset = target;
        self.line
    }
}

fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|field| field.trim().is_empty())
}

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

/// Column indexes, resolved against the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    date: usize,
    amount: AmountColumns,
    description: usize,
    merchant: Option<usize>,
    category: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AmountColumns {
    Single(usize),
    Split {
        debit: Option<usize>,
        credit: Option<usize>,
    },
}

impl AmountColumns {
    fn indexes(self) -> [Option<usize>; 2] {
        match self {
            Self::Single(index) => [Some(index), None],
            Self::Split { debit, credit } => [debit, credit],
        }
    }
}

/// Trimmed, lowercased, whitespace collapsed.
fn normalise_header(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn explicit_columns(spec: &ColumnSpec, header: &[String]) -> Result<Columns, CsvError> {
    let names: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
    let find = |column: &ColumnRef| locate(column, header, &names);
    let find_opt = |column: Option<&ColumnRef>| column.map(find).transpose();
    let amount = match find_opt(spec.amount.as_ref())? {
        Some(index) => AmountColumns::Single(index),
        None => AmountColumns::Split {
            debit: find_opt(spec.debit.as_ref())?,
            credit: find_opt(spec.credit.as_ref())?,
        },
    };
    if amount.indexes() == [None, None] {
        return Err(CsvError::NoAmountColumn);
    }
    Ok(Columns {
        date: find(&spec.date)?,
        amount,
        description: find(&spec.description)?,
        merchant: find_opt(spec.merchant.as_ref())?,
        category: find_opt(spec.category.as_ref())?,
    })
}

fn locate(column: &ColumnRef, header: &[String], names: &[String]) -> Result<usize, CsvError> {
    match column {
        ColumnRef::Index(index) if *index < header.len() => Ok(*index),
        ColumnRef::Index(index) => Err(CsvError::ColumnOutOfRange {
            index: *index,
            width: header.len(),
        }),
        ColumnRef::Name(name) => {
            let wanted = normalise_header(name);
            names
                .iter()
                .position(|candidate| *candidate == wanted)
                .ok_or_else(|| CsvError::UnknownColumn {
                    name: name.clone(),
                    headers: header.to_vec(),
                })
        }
    }
}

const DATE_NAMES: &[&str] = &[
    "transaction date",
    "date",
    "trans. date",
    "trans date",
    "booking date",
    "posting date",
    "posted date",
    "post date",
    "date posted",
    "value date",
    "datum",
    "buchungstag",
];
const AMOUNT_NAMES: &[&str] = &["amount", "transaction amount", "amount (usd)", "betrag"];
const DEBIT_NAMES: &[&str] = &[
    "debit",
    "debits",
    "debit amount",
    "withdrawal",
    "withdrawals",
    "money out",
    "paid out",
    "outflow",
];
const CREDIT_NAMES: &[&str] = &[
    "credit",
    "credits",
    "credit amount",
    "deposit",
    "deposits",
    "money in",
    "paid in",
    "inflow",
];
const DESCRIPTION_NAMES: &[&str] = &[
    "description",
    "transaction description",
    "name",
    "payee",
    "details",
    "memo",
    "narrative",
    "verwendungszweck",
    "buchungstext",
];
const MERCHANT_NAMES: &[&str] = &["merchant", "merchant name"];
const CATEGORY_NAMES: &[&str] = &["category", "transaction category"];

/// Role order: earlier roles claim a column first.
const ROLES: [&[&str]; 7] = [
    DATE_NAMES,
    AMOUNT_NAMES,
    DESCRIPTION_NAMES,
    MERCHANT_NAMES,
    CATEGORY_NAMES,
    DEBIT_NAMES,
    CREDIT_NAMES,
];

fn infer_columns(header: &[String]) -> Result<Columns, CsvError> {
    let names: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
    let mut found = [None; ROLES.len()];
    for exact in [true, false] {
        for (role, aliases) in ROLES.iter().enumerate() {
            if found[role].is_none() {
                found[role] = find_alias(&names, aliases, exact, &found);
            }
        }
    }
    let [date, amount, description, merchant, category, debit, credit] = found;
    let amount = match amount {
        Some(index) => Some(AmountColumns::Single(index)),
        None if debit.is_some() || credit.is_some() => Some(AmountColumns::Split { debit, credit }),
        None => None,
    };
    match (date, amount, description) {
        (Some(date), Some(amount), Some(description)) => Ok(Columns {
            date,
            amount,
            description,
            merchant,
            category,
        }),
        _ => Err(missing_columns(header, date, amount, description)),
    }
}

fn missing_columns(
    header: &[String],
    date: Option<usize>,
    amount: Option<AmountColumns>,
    description: Option<usize>,
) -> CsvError {
    let mut missing = Vec::new();
    if date.is_none() {
        missing.push("date".to_owned());
    }
    if amount.is_none() {
        missing.push("amount (or debit/credit)".to_owned());
    }
    if description.is_none() {
        missing.push("description".to_owned());
    }
    CsvError::CannotInferColumns {
        missing,
        headers: header.to_vec(),
    }
}

/// First alias (in priority order) matching an unclaimed header, exactly or by leading words.
fn find_alias(
    names: &[String],
    aliases: &[&str],
    exact: bool,
    claimed: &[Option<usize>],
) -> Option<usize> {
    aliases.iter().find_map(|alias| {
        names.iter().enumerate().find_map(|(index, name)| {
            let matches = if exact {
                name == alias
            } else {
                starts_with_words(name, alias)
            };
            (matches && !claimed.contains(&Some(index))).then_some(index)
        })
    })
}

/// `amount (eur)` starts with the words of `amount`; `amountx` does not.
fn starts_with_words(name: &str, alias: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (name_words, alias_words) = (words(name), words(alias));
    !alias_words.is_empty() && name_words.starts_with(&alias_words)
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/// Formats tried when none is given, in preference order.
const DATE_CANDIDATES: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y%m%d",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d, %Y",
    "%B %d, %Y",
];

/// Years outside this range are treated as misreads (e.g. `%Y` reading `24` as year 24).
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i16> = 1900..=2200;

/// Every distinct date cell, parsed once with the settled format.
struct DateParser<'a> {
    format: Option<String>,
    parsed: HashMap<&'a str, Option<Date>>,
}

impl<'a> DateParser<'a> {
    fn new(rows: &'a [Row], column: usize, explicit: Option<&str>) -> Result<Self, CsvError> {
        let mut counts: HashMap<&'a str, usize> = HashMap::new();
        for row in rows {
            let cell = row.cell(column);
            if !cell.is_empty() {
                *counts.entry(cell).or_default() += 1;
            }
        }
        let format = match explicit.map(str::trim).filter(|f| !f.is_empty()) {
            Some(format) => Some(format.to_owned()),
            None => detect_date_format(&counts)?.map(str::to_owned),
        };
        let parsed = counts
            .into_keys()
            .map(|cell| (cell, format.as_deref().and_then(|f| parse_date(cell, f))))
            .collect();
        Ok(Self { format, parsed })
    }

    fn date(&self, cell: &str) -> Result<Date, String> {
        if cell.is_empty() {
            return Err("missing date".to_owned());
        }
        match (self.parsed.get(cell).copied().flatten(), &self.format) {
            (Some(date), _) => Ok(date),
            (None, Some(format)) => {
                Err(format!("date {cell:?} does not match the format {format}"))
            }
            (None, None) => Err(format!(
                "date {cell:?} is in no recognised format; set date_format"
            )),
        }
    }
}

/// Parses the date part of `cell` (a trailing time of day is ignored), else the whole cell
/// (for formats that include time directives).
fn parse_date(cell: &str, format: &str) -> Option<Date> {
    let part = date_part(cell);
    parse_exact(part, format).or_else(|| {
        if part.len() == cell.len() {
            None
        } else {
            parse_exact(cell, format)
        }
    })
}

fn parse_exact(text: &str, format: &str) -> Option<Date> {
    Date::strptime(format, text)
        .ok()
        .filter(|date| PLAUSIBLE_YEARS.contains(&date.year()))
}

/// `2024-01-05T10:00:00` → `2024-01-05`; `01/05/2024 10:00 PM` → `01/05/2024`.
fn date_part(cell: &str) -> &str {
    cell.char_indices()
        .filter(|&(_, c)| c == ' ' || c == 'T')
        .find(|&(index, _)| starts_with_time(&cell[index + 1..]))
        .map_or(cell, |(index, _)| cell[..index].trim_end())
}

/// Whether `text` begins `H:M` or `HH:MM`.
fn starts_with_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let hour = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=2).contains(&hour)
        && bytes.get(hour) == Some(&b':')
        && bytes.get(hour + 1).is_some_and(u8::is_ascii_digit)
}

/// How one candidate format fares over the distinct date parts.
struct Trial {
    format: &'static str,
    dates: Vec<Option<Date>>,
    matched: usize,
}

impl Trial {
    fn run(format: &'static str, parts: &[(&str, usize)]) -> Self {
        let dates: Vec<Option<Date>> = parts.iter().map(|(p, _)| parse_exact(p, format)).collect();
        let matched = parts
            .iter()
            .zip(&dates)
            .filter_map(|((_, count), date)| date.map(|_| count))
            .sum();
        Self {
            format,
            dates,
            matched,
        }
    }
}

/// The candidate reading the most date cells; an error if the best ones disagree on the
/// dates; `None` if no candidate reads any cell.
fn detect_date_format(cells: &HashMap<&str, usize>) -> Result<Option<&'static str>, CsvError> {
    let mut parts: HashMap<&str, usize> = HashMap::new();
    for (cell, count) in cells {
        *parts.entry(date_part(cell)).or_default() += count;
    }
    let parts: Vec<(&str, usize)> = parts.into_iter().collect();
    let trials: Vec<Trial> = DATE_CANDIDATES
        .iter()
        .map(|format| Trial::run(format, &parts))
        .collect();
    let best = trials.iter().map(|trial| trial.matched).max().unwrap_or(0);
    if best == 0 {
        return Ok(None);
    }
    let mut readings: Vec<&Trial> = Vec::new();
    for trial in trials.iter().filter(|trial| trial.matched == best) {
        if !readings.iter().any(|seen| seen.dates == trial.dates) {
            readings.push(trial);
        }
    }
    match readings.as_slice() {
        [only] => Ok(Some(only.format)),
        _ => Err(CsvError::AmbiguousDateFormat {
            candidates: readings.iter().map(|t| t.format.to_owned()).collect(),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Amounts
// ---------------------------------------------------------------------------------------------

/// Which character separates the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecimalMark {
    Point,
    Comma,
}

/// Evidence from amount cells. Strong: unambiguous (`1.234,56`, `12,34`, `1,234,567`).
/// Weak: a single separator followed by three digits, which is grouping unless the currency
/// itself has three minor digits.
#[derive(Debug, Default)]
struct MarkVotes {
    strong_point: usize,
    strong_comma: usize,
    weak_point: usize,
    weak_comma: usize,
}

impl MarkVotes {
    fn add(&mut self, mark: DecimalMark, strong: bool) {
        let slot = match (mark, strong) {
            (DecimalMark::Point, true) => &mut self.strong_point,
            (DecimalMark::Comma, true) => &mut self.strong_comma,
            (DecimalMark::Point, false) => &mut self.weak_point,
            (DecimalMark::Comma, false) => &mut self.weak_comma,
        };
        *slot += 1;
    }

    fn decide(&self, delimiter: u8) -> DecimalMark {
        let pick = |point: usize, comma: usize| match point.cmp(&comma) {
            std::cmp::Ordering::Greater => Some(DecimalMark::Point),
            std::cmp::Ordering::Less => Some(DecimalMark::Comma),
            std::cmp::Ordering::Equal => None,
        };
        pick(self.strong_point, self.strong_comma)
            .or_else(|| pick(self.weak_point, self.weak_comma))
            .unwrap_or(if delimiter == b';' {
                DecimalMark::Comma
            } else {
                DecimalMark::Point
            })
    }
}

/// Decides the file's decimal mark from all amount cells; `;` files default to a comma.
fn detect_decimal_mark(rows: &[Row], columns: &Columns, delimiter: u8, digits: u32) -> DecimalMark {
    let mut votes = MarkVotes::default();
    for row in rows {
        for index in columns.amount.indexes().into_iter().flatten() {
            vote_decimal_mark(row.cell(index), digits, &mut votes);
        }
    }
    votes.decide(delimiter)
}

fn vote_decimal_mark(cell: &str, digits: u32, votes: &mut MarkVotes) {
    let (dot, comma) = (cell.rfind('.'), cell.rfind(','));
    let (mark, position, other) = match (dot, comma) {
        (Some(d), Some(c)) if d > c => return votes.add(DecimalMark::Point, true),
        (Some(_), Some(_)) => return votes.add(DecimalMark::Comma, true),
        (Some(d), None) => (DecimalMark::Point, d, DecimalMark::Comma),
        (None, Some(c)) => (DecimalMark::Comma, c, DecimalMark::Point),
        (None, None) => return,
    };
    let separator = if mark == DecimalMark::Point { '.' } else { ',' };
    let after = cell[position + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .count();
    if cell.matches(separator).count() > 1 {
        votes.add(other, true);
    } else if after == 3 {
        if digits != 3 {
            votes.add(other, false);
        }
    } else if after > 0 {
        votes.add(mark, true);
    }
}

/// Why an amount cell is not an amount; displayed after the quoted cell.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum AmountProblem {
    #[error("is not a number")]
    NotANumber,
    #[error("has a CR/DR marker; use signed amounts or separate debit/credit columns")]
    DirectionMarker,
    #[error("has misplaced thousands separators")]
    Grouping,
    #[error("has more than {0} decimal places")]
    TooPrecise(u32),
    #[error("is out of range")]
    OutOfRange,
}

impl From<AmountError> for AmountProblem {
    fn from(error: AmountError) -> Self {
        match error {
            AmountError::NotANumber => Self::NotANumber,
            AmountError::TooPrecise(digits) => Self::TooPrecise(digits),
            AmountError::OutOfRange => Self::OutOfRange,
        }
    }
}

/// Parses a decorated amount (`$1,234.56`, `(12.34)`, `12.34-`, `-1.234,56 EUR`) into signed
/// minor units as written in the file; `Ok(None)` for an empty cell. Magnitudes never exceed
/// `i64::MAX`, so the result can be negated safely.
fn parse_amount(cell: &str, mark: DecimalMark, digits: u32) -> Result<Option<i64>, AmountProblem> {
    let core = strip_currency(cell)?;
    if core.is_empty() {
        return if cell.trim().is_empty() {
            Ok(None)
        } else {
            Err(AmountProblem::NotANumber)
        };
    }
    let (negative, body) = split_sign(&core)?;
    let plain = ungroup(body, mark)?;
    let magnitude = money::parse_minor(&plain, digits)?;
    Ok(Some(if negative { -magnitude } else { magnitude }))
}

/// Drops whitespace, currency symbols and 2–3 letter codes; keeps digits, separators, signs.
fn strip_currency(cell: &str) -> Result<String, AmountProblem> {
    let mut out = String::with_capacity(cell.len());
    let mut word_start = None;
    for (index, ch) in cell.char_indices() {
        if ch.is_ascii_alphabetic() {
            word_start.get_or_insert(index);
            continue;
        }
        if let Some(start) = word_start.take() {
            check_currency_code(&cell[start..index])?;
        }
        match ch {
            '0'..='9' | '.' | ',' | '\'' | '-' | '+' | '(' | ')' => out.push(ch),
            '\u{2212}' => out.push('-'),
            c if c.is_whitespace() || is_currency_symbol(c) => {}
            _ => return Err(AmountProblem::NotANumber),
        }
    }
    if let Some(start) = word_start {
        check_currency_code(&cell[start..])?;
    }
    Ok(out)
}

fn check_currency_code(word: &str) -> Result<(), AmountProblem> {
    if word.eq_ignore_ascii_case("cr") || word.eq_ignore_ascii_case("dr") {
        Err(AmountProblem::DirectionMarker)
    } else if (2..=3).contains(&word.len()) {
        Ok(())
    } else {
        Err(AmountProblem::NotANumber)
    }
}

fn is_currency_symbol(c: char) -> bool {
    matches!(c, '$' | '€' | '£' | '¥' | '¢' | '¤' | '฿' | '﷼')
        || ('\u{20A0}'..='\u{20CF}').contains(&c)
}

/// Splits off one sign: `(x)`, `-x`, `+x` or `x-`. Two signs are not a number.
fn split_sign(core: &str) -> Result<(bool, &str), AmountProblem> {
    let (parenthesised, body) = match core.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        Some(inner) => (true, inner),
        None => (false, core),
    };
    let (sign, body) = if let Some(rest) = body.strip_prefix('-') {
        (Some(true), rest)
    } else if let Some(rest) = body.strip_prefix('+') {
        (Some(false), rest)
    } else if let Some(rest) = body.strip_suffix('-') {
        (Some(true), rest)
    } else {
        (None, body)
    };
    match (parenthesised, sign) {
        (true, Some(_)) => Err(AmountProblem::NotANumber),
        (true, None) => Ok((true, body)),
        (false, sign) => Ok((sign.unwrap_or(false), body)),
    }
}

/// Removes validated thousands grouping and turns the decimal mark into `.`.
/// Groups after the first must have 2 or 3 digits (Indian lakh style allowed), the last 3.
fn ungroup(body: &str, mark: DecimalMark) -> Result<String, AmountProblem> {
    let (decimal, group) = match mark {
        DecimalMark::Point => ('.', ','),
        DecimalMark::Comma => (',', '.'),
    };
    let (int_part, fraction) = body.split_once(decimal).unwrap_or((body, ""));
    if fraction.contains([decimal, group, '\'']) {
        return Err(AmountProblem::NotANumber);
    }
    let groups: Vec<&str> = int_part.split([group, '\'']).collect();
    if let [first, middle @ .., last] = groups.as_slice() {
        let well_formed = (1..=3).contains(&first.len())
            && middle.iter().all(|g| (2..=3).contains(&g.len()))
            && last.len() == 3;
        if !well_formed {
            return Err(AmountProblem::Grouping);
        }
    }
    let mut plain = groups.concat();
    if body.contains(decimal) {
        plain.push('.');
        plain.push_str(fraction);
    }
    Ok(plain)
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

/// A converted row before fingerprinting.
struct Draft {
    line: usize,
    date: Date,
    amount: i64,
    description: String,
    merchant: Option<String>,
    category: Option<String>,
}

/// Everything settled for the file; converts rows one at a time.
struct RowConverter<'a> {
    columns: Columns,
    dates: DateParser<'a>,
    mark: DecimalMark,
    digits: u32,
    negate: bool,
    width: usize,
}

impl RowConverter<'_> {
    fn convert_all(&self, rows: &[Row], progress: &mut dyn FnMut(usize, usize)) -> ParsedCsv {
        let total = rows.len();
        let mut drafts = Vec::with_capacity(total);
        let mut rejected = Vec::new();
        progress(0, total);
        for (done, row) in rows.iter().enumerate() {
            match self.convert(row) {
                Ok(draft) => drafts.push(draft),
                Err(reason) => rejected.push(Rejected {
                    line: row.line,
                    reason,
                }),
            }
            if (done + 1) % PROGRESS_EVERY == 0 && done + 1 < total {
                progress(done + 1, total);
            }
        }
        progress(total, total);
        ParsedCsv {
            rows: fingerprint_all(drafts),
            rejected,
            total_rows: total,
            date_format: self.dates.format.clone().unwrap_or_default(),
        }
    }

    fn convert(&self, row: &Row) -> Result<Draft, String> {
        self.check_width(row)?;
        let date = self.dates.date(row.cell(self.columns.date))?;
        let amount = self.amount(row)?;
        let description = row.cell(self.columns.description);
        if description.is_empty() {
            return Err("missing description".to_owned());
        }
        let optional = |index: Option<usize>| {
            index
                .map(|i| row.cell(i))
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        Ok(Draft {
            line: row.line,
            date,
            amount,
            description: description.to_owned(),
            merchant: optional(self.columns.merchant),
            category: optional(self.columns.category),
        })
    }

    /// Short rows are rejected; extra trailing cells are tolerated only when empty.
    fn check_width(&self, row: &Row) -> Result<(), String> {
        let found = row.record.len();
        let extra_filled = row
            .record
            .iter()
            .skip(self.width)
            .any(|c| !c.trim().is_empty());
        if found < self.width || extra_filled {
            Err(format!(
                "expected {} columns like the header but found {found}",
                self.width
            ))
        } else {
            Ok(())
        }
    }

    /// The row's amount in Plaid sign.
    fn amount(&self, row: &Row) -> Result<i64, String> {
        match self.columns.amount {
            AmountColumns::Single(index) => {
                let value = self.cell_amount(row, index, "amount")?;
                let value = value.ok_or_else(|| "missing amount".to_owned())?;
                Ok(if self.negate { -value } else { value })
            }
            AmountColumns::Split { debit, credit } => {
                let debit = self.split_amount(row, debit, "debit")?;
                let credit = self.split_amount(row, credit, "credit")?;
                match (debit, credit) {
                    (None, None) => Err("neither debit nor credit has a value".to_owned()),
                    (debit, credit) => Ok(debit.unwrap_or(0) - credit.unwrap_or(0)),
                }
            }
        }
    }

    /// Absolute value of an optional debit/credit column.
    fn split_amount(
        &self,
        row: &Row,
        index: Option<usize>,
        label: &str,
    ) -> Result<Option<i64>, String> {
        match index {
            Some(index) => Ok(self.cell_amount(row, index, label)?.map(i64::abs)),
            None => Ok(None),
        }
    }

    fn cell_amount(&self, row: &Row, index: usize, label: &str) -> Result<Option<i64>, String> {
        let cell = row.cell(index);
        parse_amount(cell, self.mark, self.digits)
            .map_err(|problem| format!("{label} {cell:?} {problem}"))
    }
}

// ---------------------------------------------------------------------------------------------
// Fingerprints
// ---------------------------------------------------------------------------------------------

/// Lowercased, trimmed, whitespace collapsed.
fn normalise_description(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Numbers identical (date, amount, description) rows in file order and hashes each.
fn fingerprint_all(drafts: Vec<Draft>) -> Vec<ParsedRow> {
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
fn fingerprint(date: Date, amount: i64, description: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "breadbox-csv-v1\n{date}\n{amount}\n{occurrence}\n{description}"
    ));
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use std::fmt::Write as _;

    fn usd() -> CsvOptions {
        CsvOptions::default()
    }

    fn parse_str(text: &str, opts: &CsvOptions) -> ParsedCsv {
        parse(text.as_bytes(), opts).expect("file should parse")
    }

    fn amounts(parsed: &ParsedCsv) -> Vec<i64> {
        parsed.rows.iter().map(|row| row.amount).collect()
    }

    fn spec(date: ColumnRef, amount: ColumnRef, description: ColumnRef) -> ColumnSpec {
        ColumnSpec {
            date,
            amount: Some(amount),
            debit: None,
            credit: None,
            description,
            merchant: None,
            category: None,
        }
    }

    #[test]
    fn header_names_are_inferred_case_insensitively() {
        let text = "Transaction Date , DESCRIPTION,Amount,Category,Merchant Name,Balance\n\
                    2024-01-05,Coffee shop,-4.50,Food,Blue Bottle,100.00\n\
                    2024-01-06,Salary,2500.00,Income,,2600.00\n";
        let parsed = parse_str(text, &usd());
        assert_eq!(parsed.total_rows, 2);
        assert!(parsed.rejected.is_empty());
        let first = &parsed.rows[0];
        assert_eq!(first.line, 2);
        assert_eq!(first.date, date(2024, 1, 5));
        assert_eq!(first.amount, 450);
        assert_eq!(first.description, "Coffee shop");
        assert_eq!(first.merchant.as_deref(), Some("Blue Bottle"));
        assert_eq!(first.category.as_deref(), Some("Food"));
        assert_eq!(parsed.rows[1].amount, -250_000);
        assert_eq!(parsed.rows[1].merchant, None);
        assert_eq!(parsed.date_format, "%Y-%m-%d");
    }

    #[test]
    fn exact_header_names_beat_prefix_matches_and_posted_date() {
        let text = "Posted Date,Date,Amount (EUR),Payee,Description\n\
                    2024-02-01,2024-01-30,12.00,ACME,Widgets\n";
        let parsed = parse_str(text, &usd());
        assert_eq!(parsed.rows[0].date, date(2024, 1, 30));
        assert_eq!(parsed.rows[0].amount, -1200);
        assert_eq!(parsed.rows[0].description, "Widgets");
    }

    #[test]
    fn missing_columns_error_names_what_is_missing_and_the_headers_seen() {
        let err = parse(b"When,What\n2024-01-01,x\n", &usd()).expect_err("cannot infer");
        assert_eq!(
            err,
            CsvError::CannotInferColumns {
                missing: vec![
                    "date".to_owned(),
                    "amount (or debit/credit)".to_owned(),
                    "description".to_owned()
                ],
                headers: vec!["When".to_owned(), "What".to_owned()],
            }
        );
        let message = err.to_string();
        assert!(message.contains("\"When\", \"What\""), "{message}");
        assert!(
            message.contains("date, amount (or debit/credit), description"),
            "{message}"
        );
    }

    #[test]
    fn explicit_columns_by_index_pick_the_right_cells() {
        let text = "a,b,c,d\nignored,Lunch,2024-03-04,-9.99\n";
        let opts = CsvOptions {
            columns: Some(spec(
                ColumnRef::Index(2),
                ColumnRef::Index(3),
                ColumnRef::Index(1),
            )),
            ..usd()
        };
        let parsed = parse_str(text, &opts);
        assert_eq!(parsed.rows[0].date, date(2024, 3, 4));
        assert_eq!(parsed.rows[0].amount, 999);
        assert_eq!(parsed.rows[0].description, "Lunch");
    }

    #[test]
    fn explicit_columns_by_name_ignore_case_and_surrounding_spaces() {
        let text = "When, Sum ,What\n2024-03-04,5.00,Refund\n";
        let columns = spec(
            ColumnRef::Name("when".to_owned()),
            ColumnRef::Name("SUM".to_owned()),
            ColumnRef::Name(" what ".to_owned()),
        );
        let opts = CsvOptions {
            columns: Some(columns),
            ..usd()
        };
        let parsed = parse_str(text, &opts);
        assert_eq!(parsed.rows[0].amount, -500);
        assert_eq!(parsed.rows[0].description, "Refund");
    }

    #[test]
    fn unknown_column_names_and_indexes_are_whole_file_errors() {
        let text = "When,Sum,What\n2024-03-04,5.00,Refund\n";
        let named = spec(
            ColumnRef::Name("Date".to_owned()),
            ColumnRef::Index(1),
            ColumnRef::Index(2),
        );
        let opts = CsvOptions {
            columns: Some(named),
            ..usd()
        };
        let err = parse(text.as_bytes(), &opts).expect_err("unknown name");
        assert!(matches!(&err, CsvError::UnknownColumn { name, .. } if name == "Date"));
        assert!(err.to_string().contains("\"When\", \"Sum\", \"What\""));
        let indexed = spec(
            ColumnRef::Index(0),
            ColumnRef::Index(7),
            ColumnRef::Index(2),
        );
        let opts = CsvOptions {
            columns: Some(indexed),
            ..usd()
        };
        let err = parse(text.as_bytes(), &opts).expect_err("bad index");
        assert_eq!(err, CsvError::ColumnOutOfRange { index: 7, width: 3 });
    }

    #[test]
    fn debit_and_credit_columns_give_plaid_signs_whatever_the_written_sign() {
        let text = "Date,Description,Withdrawals,Deposits\n\
                    2024-01-02,Rent,1200.00,\n\
                    2024-01-03,Card,-30.00,\n\
                    2024-01-04,Paycheck,,2000.00\n\
                    2024-01-05,Netted,10.00,4.00\n\
                    2024-01-06,Nothing,,\n";
        for negative_are_debits in [true, false] {
            let opts = CsvOptions {
                amounts_negative_are_debits: negative_are_debits,
                ..usd()
            };
            let parsed = parse_str(text, &opts);
            assert_eq!(amounts(&parsed), vec![120_000, 3000, -200_000, 600]);
            assert_eq!(parsed.rejected.len(), 1);
            assert_eq!(parsed.rejected[0].line, 6);
            assert_eq!(
                parsed.rejected[0].reason,
                "neither debit nor credit has a value"
            );
        }
    }

    #[test]
    fn parentheses_trailing_minus_plus_and_currency_symbols_are_understood() {
        let text = "Date,Description,Amount\n\
                    2024-01-01,a,(12.34)\n\
                    2024-01-01,b,12.34-\n\
                    2024-01-01,c,+5.00\n\
                    2024-01-01,d,$-7.25\n\
                    2024-01-01,e,USD 3.10\n\
                    2024-01-01,f,\"£ (1,000.00)\"\n\
                    2024-01-01,g,−2.00\n";
        let parsed = parse_str(text, &usd());
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        assert_eq!(
            amounts(&parsed),
            vec![1234, 1234, -500, 725, -310, 100_000, 200]
        );
    }

    #[test]
    fn thousands_separators_are_removed_and_misplaced_ones_rejected() {
        let text = "Date,Description,Amount\n\
                    2024-01-01,a,\"-1,234.56\"\n\
                    2024-01-01,b,\"1,234,567.89\"\n\
                    2024-01-01,c,\"12,34\"\n\
                    2024-01-01,d,\"-1,234\"\n";
        let parsed = parse_str(text, &usd());
        assert_eq!(amounts(&parsed), vec![123_456, -123_456_789, 123_400]);
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].line, 4);
        assert_eq!(
            parsed.rejected[0].reason,
            "amount \"12,34\" has misplaced thousands separators"
        );
    }

    #[test]
    fn european_decimal_comma_with_semicolons_is_understood() {
        let text = "Buchungstag;Verwendungszweck;Betrag\n\
                    05.01.2024;Bäckerei;-3,50\n\
                    06.01.2024;Gehalt;1.234,56\n\
                    07.01.2024;Miete;-1.000\n";
        let opts = CsvOptions {
            iso_currency_code: "EUR".to_owned(),
            ..usd()
        };
        let parsed = parse_str(text, &opts);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        assert_eq!(amounts(&parsed), vec![350, -123_456, 100_000]);
        assert_eq!(parsed.rows[0].date, date(2024, 1, 5));
        assert_eq!(parsed.rows[0].description, "Bäckerei");
        assert_eq!(parsed.date_format, "%d.%m.%Y");
    }

    #[test]
    fn decimal_comma_is_detected_from_values_even_with_commas_as_delimiters() {
        let text = "Date,Description,Amount\n2024-01-01,a,\"-12,34\"\n2024-01-02,b,\"1.000,5\"\n";
        let parsed = parse_str(text, &usd());
        assert_eq!(amounts(&parsed), vec![1234, -100_050]);
    }

    #[test]
    fn byte_order_mark_is_stripped_before_the_header() {
        let bytes = b"\xEF\xBB\xBFDate,Description,Amount\n2024-01-01,Tea,-2.00\n";
        let parsed = parse(bytes, &usd()).expect("parses");
        assert_eq!(parsed.rows[0].amount, 200);
        assert_eq!(parsed.rows[0].date, date(2024, 1, 1));
    }

    #[test]
    fn windows_1252_and_utf16_files_are_decoded() {
        let latin = b"Date,Description,Amount\n2024-01-01,Caf\xe9 \x80,-2.00\n";
        let parsed = parse(latin, &usd()).expect("parses");
        assert_eq!(parsed.rows[0].description, "Café €");
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "Date,Description,Amount\n2024-01-01,Tea,-2.00\n".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let parsed = parse(&utf16, &usd()).expect("parses");
        assert_eq!(parsed.rows[0].amount, 200);
    }

    #[test]
    fn comma_semicolon_and_tab_delimiters_are_detected() {
        let files = [
            "Date,Description,Amount\n2024-01-01,\"Tea; milk\",-2.00\n",
            "Date;Description;Amount\n2024-01-01;Tea, milk;-2,00\n",
            "Date\tDescription\tAmount\n2024-01-01\tTea, milk; sugar\t-2.00\n",
        ];
        for text in files {
            let parsed = parse_str(text, &usd());
            assert_eq!(parsed.rows.len(), 1, "{text}");
            assert_eq!(parsed.rows[0].amount, 200, "{text}");
            assert!(parsed.rows[0].description.starts_with("Tea"), "{text}");
        }
    }

    #[test]
    fn day_first_dates_are_detected_when_a_day_exceeds_twelve() {
        let text = "Date,Description,Amount\n05/01/2024,a,1\n25/01/2024,b,1\n";
        let parsed = parse_str(text, &usd());
        assert_eq!(parsed.date_format, "%d/%m/%Y");
        assert_eq!(parsed.rows[0].date, date(2024, 1, 5));
        assert_eq!(parsed.rows[1].date, date(2024, 1, 25));
    }

    #[test]
    fn month_first_two_digit_years_and_named_months_are_detected() {
        let us = parse_str("Date,Description,Amount\n1/5/24,a,1\n1/31/24,b,1\n", &usd());
        assert_eq!(us.date_format, "%m/%d/%y");
        assert_eq!(us.rows[0].date, date(2024, 1, 5));
        let named = parse_str("Date,Description,Amount\n\"Jan 5, 2024\",a,1\n", &usd());
        assert_eq!(named.rows[0].date, date(2024, 1, 5));
        let long = parse_str("Date,Description,Amount\n5 March 2024,a,1\n", &usd());
        assert_eq!(long.rows[0].date, date(2024, 3, 5));
    }

    #[test]
    fn iso_datetimes_use_their_date_part() {
        let text = "Date,Description,Amount\n2024-01-05T10:00:00,a,1\n2024-01-06 23:59:59.5Z,b,1\n";
        let parsed = parse_str(text, &usd());
        assert_eq!(parsed.date_format, "%Y-%m-%d");
        assert_eq!(parsed.rows[0].date, date(2024, 1, 5));
        assert_eq!(parsed.rows[1].date, date(2024, 1, 6));
    }

    #[test]
    fn ambiguous_day_month_order_is_an_error_asking_for_date_format() {
        let text = "Date,Description,Amount\n01/02/2024,a,1\n03/04/2024,b,1\n";
        let err = parse(text.as_bytes(), &usd()).expect_err("ambiguous");
        assert_eq!(
            err,
            CsvError::AmbiguousDateFormat {
                candidates: vec!["%m/%d/%Y".to_owned(), "%d/%m/%Y".to_owned()]
            }
        );
        let message = err.to_string();
        assert!(message.contains("day/month order"), "{message}");
        assert!(message.contains("set date_format"), "{message}");
    }

    #[test]
    fn explicit_date_format_resolves_ambiguity_and_rejects_non_matching_rows() {
        let text = "Date,Description,Amount\n01/02/2024,a,1\n03/04/2024,b,1\n2024-05-06,c,1\n";
        let opts = CsvOptions {
            date_format: Some("%d/%m/%Y".to_owned()),
            ..usd()
        };
        let parsed = parse_str(text, &opts);
        assert_eq!(parsed.date_format, "%d/%m/%Y");
        assert_eq!(parsed.rows[0].date, date(2024, 2, 1));
        assert_eq!(parsed.rows[1].date, date(2024, 4, 3));
        assert_eq!(
            parsed.rejected,
            vec![Rejected {
                line: 4,
                reason: "date \"2024-05-06\" does not match the format %d/%m/%Y".to_owned()
            }]
        );
    }

    #[test]
    fn the_format_reading_most_dates_wins_and_the_rest_are_rejected() {
        let text = "Date,Description,Amount\n2024-01-05,a,1\n2024-01-06,b,1\nyesterday,c,1\n";
        let parsed = parse_str(text, &usd());
        assert_eq!(parsed.date_format, "%Y-%m-%d");
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rejected[0].line, 4);
    }

    #[test]
    fn rejected_rows_report_physical_line_numbers_while_good_rows_import() {
        let text = "Date,Description,Amount\n\
                    2024-01-01,\"Multi\nline memo\",-1.00\n\
                    \n\
                    2024-01-02,Bad amount,abc\n\
                    ,,\n\
                    2024-01-03,,-3.00\n\
                    2024-01-04,Short row\n\
                    2024-13-45,Bad date,-5.00\n\
                    2024-01-06,DR marker,5.00 DR\n\
                    2024-01-07,Good,-7.00\n";
        let parsed = parse_str(text, &usd());
        assert_eq!(parsed.total_rows, 7);
        let good: Vec<(usize, i64)> = parsed.rows.iter().map(|r| (r.line, r.amount)).collect();
        assert_eq!(good, vec![(2, 100), (11, 700)]);
        assert_eq!(parsed.rows[0].description, "Multi\nline memo");
        let rejected: Vec<(usize, &str)> = parsed
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            rejected,
            vec![
                (5, "amount \"abc\" is not a number"),
                (7, "missing description"),
                (8, "expected 3 columns like the header but found 2"),
                (9, "date \"2024-13-45\" does not match the format %Y-%m-%d"),
                (
                    10,
                    "amount \"5.00 DR\" has a CR/DR marker; use signed amounts or separate \
                     debit/credit columns"
                ),
            ]
        );
    }

    #[test]
    fn line_numbers_stay_physical_with_crlf_and_lone_cr_endings() {
        for ending in ["\r\n", "\r"] {
            let text = [
                "Date,Description,Amount",
                "",
                "2024-01-01,a,x",
                "",
                "",
                "2024-01-02,b,1",
            ]
            .join(ending);
            let parsed = parse_str(&text, &usd());
            assert_eq!(parsed.rejected[0].line, 3, "{ending:?}");
            assert_eq!(parsed.rows[0].line, 6, "{ending:?}");
        }
    }

    #[test]
    fn too_precise_amounts_are_rejected_with_the_digit_count() {
        let parsed = parse_str(
            "Date,Description,Amount\n2024-01-01,a,1.234\n2024-01-01,b,1.50\n",
            &usd(),
        );
        assert_eq!(amounts(&parsed), vec![-150]);
        assert_eq!(
            parsed.rejected[0].reason,
            "amount \"1.234\" has more than 2 decimal places"
        );
    }

    #[test]
    fn identical_twins_get_distinct_fingerprints_and_reparsing_is_stable() {
        let text = "Date,Description,Amount\n\
                    2024-01-01,Coffee,-3.00\n\
                    2024-01-01,  COFFEE ,-3.00\n\
                    2024-01-02,Coffee,-3.00\n";
        let first = parse_str(text, &usd());
        let again = parse_str(text, &usd());
        let prints: Vec<&str> = first.rows.iter().map(|r| r.fingerprint.as_str()).collect();
        let reprints: Vec<&str> = again.rows.iter().map(|r| r.fingerprint.as_str()).collect();
        assert_eq!(prints, reprints);
        assert_eq!(prints.len(), 3);
        assert_ne!(prints[0], prints[1]);
        assert_ne!(prints[0], prints[2]);
        assert_ne!(prints[1], prints[2]);
        assert_eq!(prints[0].len(), 64);
        assert!(prints[0].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(prints[0], fingerprint(date(2024, 1, 1), 300, "coffee", 0));
        assert_eq!(prints[1], fingerprint(date(2024, 1, 1), 300, "coffee", 1));
    }

    #[test]
    fn overlapping_exports_share_fingerprints_for_shared_rows() {
        let january = "Date,Description,Amount\n2024-01-30,Rent,-900\n2024-01-31,Tea,-2\n";
        let later = "Date;Description;Amount\n2024-01-31;tea;-2,00\n2024-02-01;Bus;-1,50\n";
        let a = parse_str(january, &usd());
        let b = parse_str(later, &usd());
        assert_eq!(a.rows[1].fingerprint, b.rows[0].fingerprint);
        assert_ne!(a.rows[0].fingerprint, b.rows[1].fingerprint);
    }

    #[test]
    fn negative_file_amounts_become_positive_plaid_amounts_by_default() {
        let text = "Date,Description,Amount\n2024-01-01,Purchase,-10.00\n2024-01-02,Refund,4.00\n";
        let parsed = parse_str(text, &usd());
        assert_eq!(amounts(&parsed), vec![1000, -400]);
    }

    #[test]
    fn files_already_in_plaid_sign_keep_their_signs_when_the_flag_is_off() {
        let text = "Date,Description,Amount\n2024-01-01,Purchase,10.00\n2024-01-02,Refund,-4.00\n";
        let opts = CsvOptions {
            amounts_negative_are_debits: false,
            ..usd()
        };
        let parsed = parse_str(text, &opts);
        assert_eq!(amounts(&parsed), vec![1000, -400]);
    }

    #[test]
    fn yen_amounts_have_no_minor_digits() {
        let text = "Date,Description,Amount\n2024-01-01,Ramen,-980\n2024-01-02,Rail,\"-1,200\"\n\
                    2024-01-03,Odd,-1.5\n";
        let opts = CsvOptions {
            iso_currency_code: "JPY".to_owned(),
            ..usd()
        };
        let parsed = parse_str(text, &opts);
        assert_eq!(amounts(&parsed), vec![980, 1200]);
        assert_eq!(
            parsed.rejected[0].reason,
            "amount \"-1.5\" has more than 0 decimal places"
        );
    }

    #[test]
    fn a_file_where_no_row_parses_is_ok_with_every_row_rejected() {
        let text = "Date,Description,Amount\nsoon,a,1\nlater,b,x\n";
        let parsed = parse_str(text, &usd());
        assert!(parsed.rows.is_empty());
        assert_eq!(parsed.total_rows, 2);
        assert_eq!(parsed.date_format, "");
        assert_eq!(parsed.rejected.len(), 2);
        assert_eq!(
            parsed.rejected[0].reason,
            "date \"soon\" is in no recognised format; set date_format"
        );
    }

    #[test]
    fn empty_and_header_only_files_are_whole_file_errors() {
        assert_eq!(parse(b"", &usd()), Err(CsvError::NoHeader));
        assert_eq!(parse(b"\n \n", &usd()), Err(CsvError::NoHeader));
        assert_eq!(
            parse(b"Date,Description,Amount\n\n", &usd()),
            Err(CsvError::NoRows)
        );
        let bad_currency = CsvOptions {
            iso_currency_code: "dollars".to_owned(),
            ..usd()
        };
        assert!(matches!(
            parse(b"Date,Description,Amount\n", &bad_currency),
            Err(CsvError::InvalidCurrency(_))
        ));
    }

    #[test]
    fn progress_is_reported_from_zero_up_to_the_total() {
        let mut text = String::from("Date,Description,Amount\n");
        for day in 0..3000 {
            writeln!(text, "2024-01-{:02},Item {day},-1.00", day % 28 + 1).expect("string write");
        }
        let mut calls = Vec::new();
        let parsed = parse_with_progress(text.as_bytes(), &usd(), &mut |done, total| {
            calls.push((done, total));
        })
        .expect("parses");
        assert_eq!(parsed.rows.len(), 3000);
        assert_eq!(
            calls,
            vec![(0, 3000), (1024, 3000), (2048, 3000), (3000, 3000)]
        );
    }
}
