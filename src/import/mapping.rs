//! The `columns` mapping of a CSV import as a client sends it (JSON object of zero-based
//! indexes or header names), read into a [`ColumnSpec`]. Shared by the API and the CLI.

use serde_json::Value;

use super::csv_parse::{ColumnRef, ColumnSpec};
use crate::error::{Error, Result};

/// Parses a JSON column mapping given as text (CLI `--columns`, multipart `columns` field).
pub fn column_spec_from_str(json: &str) -> Result<ColumnSpec> {
    let v: Value = serde_json::from_str(json)
        .map_err(|e| Error::Validation(format!("columns: not valid JSON ({e})")))?;
    column_spec(&v)
}

/// Reads the `columns` mapping; every error names the key.
pub fn column_spec(v: &Value) -> Result<ColumnSpec> {
    let obj = v
        .as_object()
        .ok_or_else(|| Error::Validation("columns: must be an object".into()))?;
    let get = |key: &str| column_ref(obj.get(key), key);
    let required =
        |key: &str| get(key)?.ok_or_else(|| Error::Validation(format!("columns.{key}: required")));
    let spec = ColumnSpec {
        date: required("date")?,
        amount: get("amount")?,
        debit: get("debit")?,
        credit: get("credit")?,
        description: required("description")?,
        merchant: get("merchant")?,
        category: get("category")?,
    };
    if spec.amount.is_none() && (spec.debit.is_none() || spec.credit.is_none()) {
        return Err(Error::Validation(
            "columns: give `amount`, or both `debit` and `credit`".into(),
        ));
    }
    Ok(spec)
}

fn column_ref(value: Option<&Value>, key: &str) -> Result<Option<ColumnRef>> {
    let bad = || {
        Error::Validation(format!(
            "columns.{key}: must be a zero-based index or a header name"
        ))
    };
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(ColumnRef::Name(s.clone()))),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(|n| Some(ColumnRef::Index(n)))
            .ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_amount_columns_need_both_sides() {
        let err = column_spec_from_str(r#"{"date":0,"debit":1,"description":2}"#);
        assert!(matches!(err, Err(Error::Validation(m)) if m.contains("debit")));
    }

    #[test]
    fn names_and_indexes_are_both_accepted() {
        let spec = column_spec_from_str(r#"{"date":"Date","amount":1,"description":"Memo"}"#)
            .expect("valid mapping");
        assert_eq!(spec.date, ColumnRef::Name("Date".into()));
        assert_eq!(spec.amount, Some(ColumnRef::Index(1)));
    }

    #[test]
    fn a_negative_index_names_its_key() {
        let err = column_spec_from_str(r#"{"date":-1,"amount":1,"description":2}"#);
        assert!(matches!(err, Err(Error::Validation(m)) if m.starts_with("columns.date")));
    }
}
