//! `Amount`: an exact decimal on the wire. Serialised as a JSON number carrying the
//! currency's minor digits (`-2500.00`), built from integer minor units; never a float.

use std::borrow::Cow;
use std::str::FromStr;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

use crate::money::{format_minor, minor_digits};

/// An exact amount (JSON number, `format: decimal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount(String);

impl Amount {
    /// `minor` units of `iso_currency_code`.
    pub fn new(minor: i64, iso_currency_code: &str) -> Self {
        Self(format_minor(minor, minor_digits(iso_currency_code)))
    }

    /// A sum of minor units (aggregates add in `i128`, so they never overflow).
    pub fn total(minor: i128, iso_currency_code: &str) -> Self {
        Self(format_minor(minor, minor_digits(iso_currency_code)))
    }

    /// The decimal text (`-2500.00`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Type for Amount {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "number_decimal".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new_with_format("number", "decimal");
        schema.description = Some(
            "Exact decimal with the currency's minor digits. Positive = money out of the account.",
        );
        schema.example = Some(Value::Number(
            serde_json::Number::from_str("-2500.00").unwrap_or_else(|_| 0.into()),
        ));
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl ParseFromJSON for Amount {
    /// Reads a JSON number exactly (its decimal text is kept; never through a float).
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::Number(n)) => {
                let text = n.to_string();
                crate::money::parse_minor(&text, 3).map_err(ParseError::custom)?;
                Ok(Self(text))
            }
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ToJSON for Amount {
    fn to_json(&self) -> Option<Value> {
        // serde_json's `arbitrary_precision` keeps the decimal text exactly as written.
        serde_json::Number::from_str(&self.0)
            .ok()
            .map(Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_from_exact_json_numbers_only() {
        let v: Value = serde_json::from_str("-2500.00").unwrap();
        assert_eq!(
            Amount::parse_from_json(Some(v)).unwrap().as_str(),
            "-2500.00"
        );
        assert!(Amount::parse_from_json(Some(Value::String("1".into()))).is_err());
        let v: Value = serde_json::from_str("1e3").unwrap();
        assert!(Amount::parse_from_json(Some(v)).is_err());
    }

    #[test]
    fn amounts_serialise_as_exact_json_numbers() {
        let v = Amount::new(-250_000, "USD").to_json().unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "-2500.00");
        let v = Amount::new(450, "EUR").to_json().unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "4.50");
        let v = Amount::new(1234, "JPY").to_json().unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "1234");
        // A value no f64 can hold exactly survives intact.
        let v = Amount::new(9_007_199_254_740_993, "USD").to_json().unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "90071992547409.93");
    }
}
