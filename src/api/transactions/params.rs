//! Query parameters shared by the transaction list, count and summary, checked and turned
//! into a [`TransactionFilter`]. Every bad value is 400 `INVALID_PARAMETER`; an empty value
//! (`?search=`) counts as absent.

use poem_openapi::Enum;

use crate::api::error::ApiError;
use crate::api::id_param;
use crate::money::{AmountError, parse_minor};
use crate::store::transactions::{GroupBy, MILLI_DIGITS, SortOrder, TransactionFilter};

/// Longest accepted `search`, in characters.
const MAX_SEARCH_CHARS: usize = 200;

/// `sort_order`: by `date`, then `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SortOrderParam {
    Asc,
    Desc,
}

impl From<SortOrderParam> for SortOrder {
    fn from(s: SortOrderParam) -> Self {
        match s {
            SortOrderParam::Asc => Self::Asc,
            SortOrderParam::Desc => Self::Desc,
        }
    }
}

/// `group_by` of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum GroupByParam {
    /// `period` is `YYYY-MM`.
    Month,
    /// `period` is the week's Monday (ISO 8601), `YYYY-MM-DD`.
    Week,
    /// `period` is `YYYY-MM-DD`.
    Day,
    /// `category` is `category_primary` (`null` for uncategorised rows).
    Category,
}

impl From<GroupByParam> for GroupBy {
    fn from(g: GroupByParam) -> Self {
        match g {
            GroupByParam::Month => Self::Month,
            GroupByParam::Week => Self::Week,
            GroupByParam::Day => Self::Day,
            GroupByParam::Category => Self::Category,
        }
    }
}

/// The raw filter parameters, as they came in the query string.
#[derive(Debug, Default)]
pub struct FilterParams {
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub account_id: Option<String>,
    pub connection_id: Option<String>,
    pub user_id: Option<String>,
    pub pending: Option<bool>,
    pub min_amount: Option<String>,
    pub max_amount: Option<String>,
    pub iso_currency_code: Option<String>,
    pub search: Option<String>,
}

impl TryFrom<FilterParams> for TransactionFilter {
    type Error = ApiError;

    fn try_from(p: FilterParams) -> Result<Self, ApiError> {
        let f = Self {
            start_date: date("start_date", p.start_date)?,
            end_date: date("end_date", p.end_date)?,
            account_id: id_param("account_id", p.account_id)?,
            connection_id: id_param("connection_id", p.connection_id)?,
            user_id: id_param("user_id", p.user_id)?,
            pending: p.pending,
            min_amount: amount("min_amount", p.min_amount)?,
            max_amount: amount("max_amount", p.max_amount)?,
            iso_currency_code: currency(p.iso_currency_code)?,
            search: search(p.search)?,
        };
        if let (Some(s), Some(e)) = (&f.start_date, &f.end_date)
            && s >= e
        {
            return Err(invalid(
                "start_date must be before end_date (end_date is exclusive)",
            ));
        }
        if let (Some(min), Some(max)) = (f.min_amount, f.max_amount)
            && min > max
        {
            return Err(invalid("min_amount must not exceed max_amount"));
        }
        Ok(f)
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_parameter(message)
}

fn present(raw: Option<String>) -> Option<String> {
    raw.filter(|s| !s.is_empty())
}

/// A real calendar date written exactly `YYYY-MM-DD`.
fn date(name: &str, raw: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(raw) = present(raw) else {
        return Ok(None);
    };
    let shaped = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped || raw.parse::<jiff::civil::Date>().is_err() {
        return Err(invalid(format!("{name} must be a date written YYYY-MM-DD")));
    }
    Ok(Some(raw))
}

/// A plain decimal with at most three decimals, as thousandths of the major unit.
fn amount(name: &str, raw: Option<String>) -> Result<Option<i64>, ApiError> {
    let Some(raw) = present(raw) else {
        return Ok(None);
    };
    // The documented pattern: no padding, at most 12 significant integer digits.
    let digits = raw
        .trim_start_matches(['+', '-'])
        .split('.')
        .next()
        .unwrap_or_default();
    if raw.trim() != raw || digits.trim_start_matches('0').len() > 12 {
        return Err(invalid(format!(
            "{name}: must be a plain decimal number like -12.50, at most 12 integer digits"
        )));
    }
    parse_minor(&raw, MILLI_DIGITS).map(Some).map_err(|e| {
        let why = match e {
            AmountError::NotANumber => "must be a plain decimal number like -12.50".to_owned(),
            other => other.to_string(),
        };
        invalid(format!("{name}: {why}"))
    })
}

/// Three ASCII letters, upper-cased.
fn currency(raw: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(raw) = present(raw) else {
        return Ok(None);
    };
    if raw.len() != 3 || !raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(invalid(
            "iso_currency_code must be a 3-letter ISO 4217 code",
        ));
    }
    Ok(Some(raw.to_ascii_uppercase()))
}

/// 2 to 200 characters.
fn search(raw: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(raw) = present(raw) else {
        return Ok(None);
    };
    // A NUL cannot be part of a name and breaks SQLite's text handling.
    if raw.contains('\0') {
        return Err(invalid("search must not contain NUL characters"));
    }
    let chars = raw.chars().count();
    if chars < 2 {
        return Err(invalid("search needs at least 2 characters"));
    }
    if chars > MAX_SEARCH_CHARS {
        return Err(invalid(format!(
            "search may be at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    Ok(Some(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(p: FilterParams) -> Result<TransactionFilter, ApiError> {
        TransactionFilter::try_from(p)
    }

    #[test]
    fn dates_must_be_real_and_exactly_yyyy_mm_dd() {
        assert_eq!(
            date("d", Some("2024-02-29".into())).unwrap().as_deref(),
            Some("2024-02-29")
        );
        for bad in [
            "2023-02-29",
            "2024-2-1",
            "20240201",
            "2024-02-01T00:00",
            "yesterday",
        ] {
            assert!(date("d", Some(bad.into())).is_err(), "{bad}");
        }
        assert_eq!(date("d", Some(String::new())).unwrap(), None);
    }

    #[test]
    fn start_must_precede_exclusive_end() {
        let p = |s: &str, e: &str| FilterParams {
            start_date: Some(s.into()),
            end_date: Some(e.into()),
            ..FilterParams::default()
        };
        assert!(filter(p("2024-01-01", "2024-01-02")).is_ok());
        assert_eq!(
            filter(p("2024-01-02", "2024-01-02")).unwrap_err().code,
            "INVALID_PARAMETER"
        );
    }

    #[test]
    fn amounts_are_exact_thousandths() {
        assert_eq!(amount("a", Some("-25".into())).unwrap(), Some(-25_000));
        assert_eq!(amount("a", Some("4.5".into())).unwrap(), Some(4_500));
        assert_eq!(amount("a", Some("0.001".into())).unwrap(), Some(1));
        for bad in ["1e3", "0.0001", "NaN", "12,50", "--1"] {
            assert!(amount("a", Some(bad.into())).is_err(), "{bad}");
        }
        // What the OpenAPI pattern says: no padding, at most 12 significant integer digits.
        assert_eq!(
            amount("a", Some("000999999999999.5".into())).unwrap(),
            Some(999_999_999_999_500)
        );
        for bad in [" 5", "5 ", "1000000000000", "-1000000000000.0"] {
            assert!(amount("a", Some(bad.into())).is_err(), "{bad}");
        }
        let p = FilterParams {
            min_amount: Some("10".into()),
            max_amount: Some("9.99".into()),
            ..FilterParams::default()
        };
        assert!(filter(p).is_err());
    }

    #[test]
    fn search_needs_two_characters_and_currency_three_letters() {
        assert!(search(Some("a".into())).is_err());
        assert!(search(Some("é".into())).is_err());
        assert!(search(Some("\0a".into())).is_err());
        assert!(search(Some("P\t".into())).is_ok());
        assert_eq!(search(Some("éa".into())).unwrap().as_deref(), Some("éa"));
        assert!(search(Some("x".repeat(201))).is_err());
        assert_eq!(
            currency(Some("eur".into())).unwrap().as_deref(),
            Some("EUR")
        );
        assert!(currency(Some("EURO".into())).is_err());
        assert!(currency(Some("E1R".into())).is_err());
    }

    #[test]
    fn filter_ids_take_uuids_or_short_ids_only() {
        let p = FilterParams {
            account_id: Some("not an id".into()),
            ..FilterParams::default()
        };
        assert_eq!(filter(p).unwrap_err().code, "INVALID_PARAMETER");
        let p = FilterParams {
            account_id: Some("Ab3dE6gH".into()),
            ..FilterParams::default()
        };
        assert!(filter(p).unwrap().account_id.is_some());
    }
}
