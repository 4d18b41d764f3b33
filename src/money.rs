//! Exact money: amounts are `i64` counts of the currency's minor unit (cents for USD).
//! Never floating point; parsing and formatting go through decimal strings.

use std::fmt::Write as _;

/// Number of minor digits ISO 4217 gives a currency (2 unless listed).
pub fn minor_digits(iso_currency_code: &str) -> u32 {
    match iso_currency_code.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// The largest magnitude one amount may have, in minor units (10^15: ten trillion dollars in
/// cents). Far beyond any household's money, and small enough that sums of millions of rows
/// stay exact in the `i128` the aggregates use.
pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

/// Why a decimal string is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("not a number")]
    NotANumber,
    #[error("more than {0} decimal places")]
    TooPrecise(u32),
    #[error("amount out of range")]
    OutOfRange,
}

/// Parses a plain decimal (`-12.5`, `+3`, `.75`) into minor units with `digits` decimals.
/// Trailing zeros beyond `digits` are accepted (`1.500` as 150 cents); other extra digits are not.
pub fn parse_minor(text: &str, digits: u32) -> Result<i64, AmountError> {
    let text = text.trim();
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return Err(AmountError::NotANumber);
    }
    let digits_usize = digits as usize;
    let (kept, extra) = frac_part.split_at(frac_part.len().min(digits_usize));
    if extra.bytes().any(|b| b != b'0') {
        return Err(AmountError::TooPrecise(digits));
    }
    let mut joined = String::with_capacity(int_part.len() + digits_usize);
    joined.push_str(if int_part.is_empty() { "0" } else { int_part });
    joined.push_str(kept);
    for _ in kept.len()..digits_usize {
        joined.push('0');
    }
    let magnitude: i64 = joined.parse().map_err(|_| AmountError::OutOfRange)?;
    if magnitude > MAX_MINOR {
        return Err(AmountError::OutOfRange);
    }
    Ok(if negative { -magnitude } else { magnitude })
}

/// Converts a provider's decimal string (`"-42.50"`, `"1234.5"`, `"0.125"`) to minor units
/// with `digits` decimals through `rust_decimal`, never a float. Upstream values with more
/// decimals than the currency has (a feed sending fractions of a cent) are rounded half to
/// even instead of failing the whole sync.
pub fn decimal_to_minor(text: &str, digits: u32) -> Result<i64, AmountError> {
    use rust_decimal::prelude::ToPrimitive as _;
    let value: rust_decimal::Decimal = text.trim().parse().map_err(|_| AmountError::NotANumber)?;
    let scale = rust_decimal::Decimal::from(10_i64.pow(digits));
    value
        .checked_mul(scale)
        .ok_or(AmountError::OutOfRange)?
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven)
        .to_i64()
        .ok_or(AmountError::OutOfRange)
}

/// Formats minor units as a decimal string with exactly `digits` decimals (`-2500.00`).
pub fn format_minor(minor: impl Into<i128>, digits: u32) -> String {
    let minor: i128 = minor.into();
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{magnitude}");
    }
    let scale = 10u128.pow(digits);
    let mut out = String::new();
    let _ = write!(
        out,
        "{sign}{}.{:0width$}",
        magnitude / scale,
        magnitude % scale,
        width = digits as usize
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_round_trip() {
        assert_eq!(parse_minor("-2500", 2), Ok(-250_000));
        assert_eq!(parse_minor("4.5", 2), Ok(450));
        assert_eq!(parse_minor(".75", 2), Ok(75));
        assert_eq!(parse_minor("+1.500", 2), Ok(150));
        assert_eq!(format_minor(-250_000, 2), "-2500.00");
        assert_eq!(format_minor(450, 2), "4.50");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(1234, 0), "1234");
        assert_eq!(format_minor(1234, 3), "1.234");
        assert_eq!(
            format_minor(i128::from(i64::MAX) * 4, 2),
            "368934881474191032.28"
        );
    }

    #[test]
    fn rejects_what_is_not_an_exact_amount() {
        assert_eq!(parse_minor("1.234", 2), Err(AmountError::TooPrecise(2)));
        assert_eq!(parse_minor("abc", 2), Err(AmountError::NotANumber));
        assert_eq!(parse_minor("", 2), Err(AmountError::NotANumber));
        assert_eq!(parse_minor("1e5", 2), Err(AmountError::NotANumber));
        assert_eq!(
            parse_minor("99999999999999999999", 2),
            Err(AmountError::OutOfRange)
        );
        assert_eq!(
            parse_minor("92233720368547758.07", 2),
            Err(AmountError::OutOfRange)
        );
        assert_eq!(parse_minor("10000000000000.00", 2), Ok(MAX_MINOR));
        assert_eq!(
            parse_minor("-10000000000000.01", 2),
            Err(AmountError::OutOfRange)
        );
    }

    #[test]
    fn provider_decimals_become_exact_minor_units() {
        assert_eq!(decimal_to_minor("-42.50", 2), Ok(-4250));
        assert_eq!(decimal_to_minor("2500", 2), Ok(250_000));
        assert_eq!(decimal_to_minor(" 0.1 ", 2), Ok(10));
        // 0.1 + 0.2 style traps: exact, not 30.000000000000004.
        assert_eq!(decimal_to_minor("0.30", 2), Ok(30));
        assert_eq!(
            decimal_to_minor("1234567890123.45", 2),
            Ok(123_456_789_012_345)
        );
        assert_eq!(decimal_to_minor("0.125", 2), Ok(12));
        assert_eq!(decimal_to_minor("0.135", 2), Ok(14));
        assert_eq!(decimal_to_minor("7", 0), Ok(7));
        assert_eq!(decimal_to_minor("1.2345", 3), Ok(1234));
        assert_eq!(decimal_to_minor("abc", 2), Err(AmountError::NotANumber));
        assert_eq!(decimal_to_minor("", 2), Err(AmountError::NotANumber));
        assert_eq!(
            decimal_to_minor("99999999999999999999999", 2),
            Err(AmountError::OutOfRange)
        );
    }

    #[test]
    fn currency_minor_digits_follow_iso_4217() {
        assert_eq!(minor_digits("USD"), 2);
        assert_eq!(minor_digits("jpy"), 0);
        assert_eq!(minor_digits("KWD"), 3);
    }
}
