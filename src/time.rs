//! Time helpers: the database stores Unix seconds; the API shows RFC 3339 UTC, whole seconds.

use jiff::Timestamp;

/// Now, in whole Unix seconds.
pub fn now() -> i64 {
    Timestamp::now().as_second()
}

/// `2026-11-07T05:31:56Z` for a Unix-seconds value.
pub fn rfc3339(secs: i64) -> String {
    Timestamp::from_second(secs)
        .map_or_else(|_| String::from("1970-01-01T00:00:00Z"), |t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_whole_seconds_with_z() {
        assert_eq!(rfc3339(1_794_029_516), "2026-11-07T05:31:56Z");
    }
}
