//! Column resolution: an explicit [`ColumnSpec`] checked against the header, or roles
//! inferred from header names through ordered alias lists (see the parent module's notes).

use super::{ColumnRef, ColumnSpec, CsvError};

/// Column indexes, resolved against the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Columns {
    pub(super) date: usize,
    pub(super) amount: AmountColumns,
    pub(super) description: usize,
    pub(super) merchant: Option<usize>,
    pub(super) category: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AmountColumns {
    Single(usize),
    Split {
        debit: Option<usize>,
        credit: Option<usize>,
    },
}

impl AmountColumns {
    pub(super) fn indexes(self) -> [Option<usize>; 2] {
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

pub(super) fn explicit_columns(spec: &ColumnSpec, header: &[String]) -> Result<Columns, CsvError> {
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

pub(super) fn infer_columns(header: &[String]) -> Result<Columns, CsvError> {
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
