//! Row conversion: with columns, date format and decimal mark settled, each data record
//! becomes a [`Draft`] or a [`Rejected`] reason, reporting progress along the way.

use jiff::civil::Date;

use super::amounts::{DecimalMark, parse_amount};
use super::columns::{AmountColumns, Columns};
use super::dates::DateParser;
use super::fingerprint::fingerprint_all;
use super::table::Row;
use super::{PROGRESS_EVERY, ParsedCsv, Rejected};

/// Longest description, merchant or category a row may carry, in characters: bank exports
/// stay far below it, and a runaway cell must not become a row every list returns.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// A converted row before fingerprinting.
pub(super) struct Draft {
    pub(super) line: usize,
    pub(super) date: Date,
    pub(super) amount: i64,
    pub(super) description: String,
    pub(super) merchant: Option<String>,
    pub(super) category: Option<String>,
}

/// Everything settled for the file; converts rows one at a time.
pub(super) struct RowConverter<'a> {
    pub(super) columns: Columns,
    pub(super) dates: DateParser<'a>,
    pub(super) mark: DecimalMark,
    pub(super) digits: u32,
    pub(super) negate: bool,
    pub(super) width: usize,
}

impl RowConverter<'_> {
    pub(super) fn convert_all(
        &self,
        rows: &[Row],
        progress: &mut dyn FnMut(usize, usize),
    ) -> ParsedCsv {
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
        let text = |index: Option<usize>, what: &str| -> Result<Option<String>, String> {
            match index.map(|i| row.cell(i)).filter(|t| !t.is_empty()) {
                Some(t) if t.chars().count() > MAX_TEXT_CHARS => {
                    Err(format!("{what} is longer than {MAX_TEXT_CHARS} characters"))
                }
                other => Ok(other.map(str::to_owned)),
            }
        };
        Ok(Draft {
            line: row.line,
            date,
            amount,
            description: text(Some(self.columns.description), "description")?.unwrap_or_default(),
            merchant: text(self.columns.merchant, "merchant")?,
            category: text(self.columns.category, "category")?,
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
