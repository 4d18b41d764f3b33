//! Date handling: the format is the explicit one, or the candidate that reads the most date
//! cells (an error when equally good candidates disagree on day/month order). A trailing
//! time of day is ignored, and implausible years count as misreads.

use std::collections::HashMap;

use jiff::civil::Date;

use super::CsvError;
use super::table::Row;

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
pub(super) struct DateParser<'a> {
    pub(super) format: Option<String>,
    parsed: HashMap<&'a str, Option<Date>>,
}

impl<'a> DateParser<'a> {
    pub(super) fn new(
        rows: &'a [Row],
        column: usize,
        explicit: Option<&str>,
    ) -> Result<Self, CsvError> {
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

    pub(super) fn date(&self, cell: &str) -> Result<Date, String> {
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
