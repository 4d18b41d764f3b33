//! Keyset pagination for every list: an opaque cursor (base64url of the JSON keyset
//! position, tagged with the list it belongs to), `limit` 1–500 (default 100).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poem::http::StatusCode;
use poem_openapi::Object;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

/// The `pagination` member of every list response.
#[derive(Debug, Clone, Object)]
pub struct Pagination {
    /// Pass back as `?cursor=` for the next page; `null` on the last page.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
    /// Whether another page follows.
    pub has_more: bool,
    /// The page size used.
    pub limit: u32,
}

/// Checks `limit` (default 100, 1–500).
pub fn limit(requested: Option<i64>) -> Result<u32, ApiError> {
    limit_within(requested, DEFAULT_LIMIT, MAX_LIMIT)
}

/// Checks a requested page size against `1..=max`; absent means `default`.
pub fn limit_within(requested: Option<i64>, default: u32, max: u32) -> Result<u32, ApiError> {
    match requested {
        None => Ok(default),
        Some(n) if (1..=i64::from(max)).contains(&n) => Ok(u32::try_from(n).unwrap_or(default)),
        Some(_) => Err(ApiError::invalid_parameter(format!(
            "limit must be between 1 and {max}"
        ))),
    }
}

#[derive(Serialize, serde::Deserialize)]
struct Envelope<T> {
    l: String,
    k: T,
}

/// Encodes a keyset position for the list named `list`.
pub fn encode<T: Serialize>(list: &str, key: &T) -> String {
    let json = serde_json::to_vec(&Envelope {
        l: list.to_owned(),
        k: key,
    })
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor made by [`encode`] for the same list; anything else is `INVALID_CURSOR`.
pub fn decode<T: DeserializeOwned>(list: &str, cursor: &str) -> Result<T, ApiError> {
    let invalid = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CURSOR",
            "the cursor is malformed or belongs to another list",
        )
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let env: Envelope<T> = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if env.l != list {
        return Err(invalid());
    }
    Ok(env.k)
}

/// Decodes an optional cursor.
pub fn decode_opt<T: DeserializeOwned>(
    list: &str,
    cursor: Option<&str>,
) -> Result<Option<T>, ApiError> {
    cursor
        .filter(|c| !c.is_empty())
        .map(|c| decode(list, c))
        .transpose()
}

/// Builds the `pagination` member from the store's next position.
pub fn pagination<K: Serialize>(list: &str, next: Option<&K>, limit: u32) -> Pagination {
    Pagination {
        next_cursor: next.map(|k| encode(list, k)),
        has_more: next.is_some(),
        limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_for_its_own_list_only() {
        let c = encode("users", &("Ada".to_owned(), 7_i64));
        assert_eq!(
            decode::<(String, i64)>("users", &c).unwrap(),
            ("Ada".to_owned(), 7)
        );
        assert_eq!(
            decode::<(String, i64)>("api_keys", &c).unwrap_err().code,
            "INVALID_CURSOR"
        );
    }

    #[test]
    fn garbage_cursors_are_invalid() {
        for bad in ["!!!", "abc", "eyJ4IjoxfQ"] {
            assert_eq!(
                decode::<(String, i64)>("users", bad).unwrap_err().code,
                "INVALID_CURSOR"
            );
        }
    }

    #[test]
    fn limit_defaults_and_bounds() {
        assert_eq!(limit(None).unwrap(), 100);
        assert_eq!(limit(Some(1)).unwrap(), 1);
        assert_eq!(limit(Some(500)).unwrap(), 500);
        for bad in [0, 501, -3] {
            assert_eq!(limit(Some(bad)).unwrap_err().code, "INVALID_PARAMETER");
        }
    }
}
