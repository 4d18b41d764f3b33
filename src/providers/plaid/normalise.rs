//! Plaid's accounts and transactions → Breadbox's (see `providers::types`). Plaid already
//! uses our sign (positive = money out), so amounts keep their sign; they are read from
//! the JSON number's own text as exact decimals and rounded to the currency's minor unit.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Number;

use super::wire;
use crate::money::{MAX_MINOR, minor_digits};
use crate::providers::ProviderError;
use crate::providers::types::{AccountType, ProviderAccount, ProviderTransaction};

/// ISO 4217's "no currency", for the rare row where Plaid names none.
const NO_CURRENCY: &str = "XXX";

/// A JSON number → minor units of `currency`, exactly (half away from zero past the
/// currency's digits, e.g. a crypto amount in an unofficial currency); at most
/// [`MAX_MINOR`] either way, like every amount Breadbox stores.
pub fn minor_units(n: &Number, currency: &str) -> Result<i64, ProviderError> {
    let text = n.to_string();
    let value = Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| ProviderError::Upstream(format!("Plaid sent an unreadable amount: {text}")))?;
    let digits = minor_digits(currency);
    let mut rounded = value.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(digits);
    i64::try_from(rounded.mantissa())
        .ok()
        .filter(|m| m.unsigned_abs() <= MAX_MINOR.unsigned_abs())
        .ok_or_else(|| {
            ProviderError::Upstream(format!("Plaid sent an amount out of range: {text}"))
        })
}

/// `iso_currency_code`, else `unofficial_currency_code` (Plaid sets exactly one).
fn currency(iso: Option<&String>, unofficial: Option<&String>) -> Option<String> {
    iso.or(unofficial)
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
}

/// Plaid's `type` → ours (`brokerage` is an investment account).
fn account_type(t: Option<&str>) -> AccountType {
    match t.unwrap_or_default() {
        "depository" => AccountType::Depository,
        "credit" => AccountType::Credit,
        "loan" => AccountType::Loan,
        "investment" | "brokerage" => AccountType::Investment,
        _ => AccountType::Other,
    }
}

fn optional_minor(n: Option<&Number>, currency: &str) -> Result<Option<i64>, ProviderError> {
    n.map(|n| minor_units(n, currency)).transpose()
}

/// One `AccountBase`.
pub fn account(a: &wire::Account) -> Result<ProviderAccount, ProviderError> {
    if a.account_id.is_empty() {
        return Err(ProviderError::Upstream(
            "Plaid sent an account without account_id".into(),
        ));
    }
    let b = &a.balances;
    let code = currency(
        b.iso_currency_code.as_ref(),
        b.unofficial_currency_code.as_ref(),
    )
    .unwrap_or_else(|| NO_CURRENCY.into());
    Ok(ProviderAccount {
        external_id: a.account_id.clone(),
        name: if a.name.is_empty() {
            a.official_name.clone().unwrap_or_else(|| "Account".into())
        } else {
            a.name.clone()
        },
        official_name: a.official_name.clone(),
        account_type: account_type(a.account_type.as_deref()),
        subtype: a.subtype.clone(),
        mask: a.mask.clone(),
        balance_current: optional_minor(b.current.as_ref(), &code)?,
        balance_available: optional_minor(b.available.as_ref(), &code)?,
        balance_limit: optional_minor(b.limit.as_ref(), &code)?,
        iso_currency_code: code,
    })
}

fn date(text: &str, what: &str) -> Result<jiff::civil::Date, ProviderError> {
    jiff::civil::Date::from_str(text)
        .map_err(|_| ProviderError::Upstream(format!("Plaid sent an unreadable {what}: {text}")))
}

/// One `Transaction`. `account_currency` is used only when Plaid names no currency.
pub fn transaction(
    t: &wire::Transaction,
    account_currency: Option<&str>,
) -> Result<ProviderTransaction, ProviderError> {
    if t.transaction_id.is_empty() || t.account_id.is_empty() {
        return Err(ProviderError::Upstream(
            "Plaid sent a transaction without transaction_id or account_id".into(),
        ));
    }
    let code = currency(
        t.iso_currency_code.as_ref(),
        t.unofficial_currency_code.as_ref(),
    )
    .or_else(|| account_currency.map(str::to_owned))
    .unwrap_or_else(|| NO_CURRENCY.into());
    let amount = t.amount.as_ref().ok_or_else(|| {
        ProviderError::Upstream(format!("transaction {} has no amount", t.transaction_id))
    })?;
    let pfc = t.personal_finance_category.clone().unwrap_or_default();
    Ok(ProviderTransaction {
        external_id: t.transaction_id.clone(),
        account_external_id: t.account_id.clone(),
        amount: minor_units(amount, &code)?,
        iso_currency_code: code,
        date: date(&t.date, "date")?,
        authorized_date: t
            .authorized_date
            .as_deref()
            .map(|d| date(d, "authorized_date"))
            .transpose()?,
        datetime: t
            .datetime
            .as_deref()
            .and_then(|d| jiff::Timestamp::from_str(d).ok()),
        name: display_name(t),
        merchant_name: non_empty(t.merchant_name.as_ref()),
        category_primary: non_empty(pfc.primary.as_ref()),
        category_detailed: non_empty(pfc.detailed.as_ref()),
        payment_channel: non_empty(t.payment_channel.as_ref()),
        pending: t.pending,
        pending_transaction_external_id: non_empty(t.pending_transaction_id.as_ref()),
    })
}

/// `name` (deprecated but still sent), else the merchant, else the bank's description.
fn display_name(t: &wire::Transaction) -> String {
    [&t.name, &t.merchant_name, &t.original_description]
        .into_iter()
        .find_map(|s| non_empty(s.as_ref()))
        .unwrap_or_default()
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
