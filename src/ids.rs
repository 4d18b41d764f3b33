//! Identifiers and random values: row ids (UUIDv7), `short_id`s, path ids (every `{id}`
//! accepts the row's UUID or its 8-character `short_id`) and bytes from the OS CSPRNG.

use rusqlite::ToSql;
use rusqlite::types::ToSqlOutput;
use uuid::Uuid;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A parsed path id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdRef {
    Uuid(Uuid),
    Short(String),
}

impl IdRef {
    /// Exactly 8 base62 characters is a short id; otherwise it must be a UUID.
    /// Anything else is `None` (the caller answers 404).
    pub fn parse(s: &str) -> Option<Self> {
        if is_short_id(s) {
            return Some(Self::Short(s.to_owned()));
        }
        Uuid::parse_str(s).ok().map(Self::Uuid)
    }

    /// The column this id matches: `id` or `short_id`.
    pub fn column(&self) -> &'static str {
        match self {
            Self::Uuid(_) => "id",
            Self::Short(_) => "short_id",
        }
    }
}

impl ToSql for IdRef {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Self::Uuid(u) => u.to_sql(),
            Self::Short(s) => s.to_sql(),
        }
    }
}

/// Fills an array from the OS CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS RNG failing is unrecoverable: nothing secret may be minted without it.
    getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
    buf
}

/// An 8-character base62 id, uniformly random (rejection sampling avoids modulo bias).
/// Not a secret: it comes from the thread-local CSPRNG (seeded by the OS), which costs no
/// system call per id — bulk ingest mints one per transaction.
pub fn short_id() -> String {
    use rand::Rng as _;
    let mut rng = rand::rng();
    let mut out = String::with_capacity(8);
    while out.len() < 8 {
        for b in rng.random::<[u8; 16]>() {
            // 248 = 4 * 62: bytes at or above it would favour the first symbols.
            if b < 248 && out.len() < 8 {
                out.push(char::from(BASE62[usize::from(b % 62)]));
            }
        }
    }
    out
}

/// Whether `s` looks like a short id (exactly 8 base62 characters).
pub fn is_short_id(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A fresh time-ordered id (UUIDv7).
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_base62_characters_are_a_short_id() {
        assert_eq!(
            IdRef::parse("Ab3dE6gH"),
            Some(IdRef::Short("Ab3dE6gH".into()))
        );
        assert_eq!(IdRef::parse("Ab3dE6gH").unwrap().column(), "short_id");
    }

    #[test]
    fn uuids_parse_and_everything_else_is_rejected() {
        let u = Uuid::now_v7();
        assert_eq!(IdRef::parse(&u.to_string()), Some(IdRef::Uuid(u)));
        assert_eq!(IdRef::parse("nope"), None);
        assert_eq!(IdRef::parse("abc-defg"), None);
        assert_eq!(IdRef::parse(""), None);
    }

    #[test]
    fn short_ids_are_eight_base62_characters() {
        for _ in 0..100 {
            let id = short_id();
            assert!(is_short_id(&id), "{id}");
        }
        assert!(!is_short_id("abc"));
        assert!(!is_short_id("abcd-fgh"));
    }
}
