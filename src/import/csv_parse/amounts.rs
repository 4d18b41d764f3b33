//! Amount cells: the file's decimal mark is decided once from every amount cell, then each
//! decorated cell (symbols, codes, parentheses, trailing minus, grouping) becomes exact
//! signed minor units via [`crate::money`].

use crate::money::{self, AmountError};

use super::columns::Columns;
use super::table::Row;

/// Which character separates the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DecimalMark {
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
pub(super) fn detect_decimal_mark(
    rows: &[Row],
    columns: &Columns,
    delimiter: u8,
    digits: u32,
) -> DecimalMark {
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
pub(super) enum AmountProblem {
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
pub(super) fn parse_amount(
    cell: &str,
    mark: DecimalMark,
    digits: u32,
) -> Result<Option<i64>, AmountProblem> {
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
