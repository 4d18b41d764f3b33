//! Reading decoded text into a header and data records, each tagged with the physical
//! line it starts on. Blank records are skipped; only malformed CSV is an error here.

use super::CsvError;

pub(super) fn reader_for(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// A data record and the physical line it starts on.
pub(super) struct Row {
    pub(super) line: usize,
    pub(super) record: csv::StringRecord,
}

impl Row {
    pub(super) fn cell(&self, index: usize) -> &str {
        self.record.get(index).unwrap_or("").trim()
    }
}

pub(super) struct Table {
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<Row>,
}

pub(super) fn read_table(text: &str, delimiter: u8) -> Result<Table, CsvError> {
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

pub(super) fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|field| field.trim().is_empty())
}
