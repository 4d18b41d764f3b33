//! Path identifiers: every `{id}` accepts the row's UUID or its 8-character `short_id`.

use rusqlite::ToSql;
use rusqlite::types::ToSqlOutput;
use uuid::Uuid;

use crate::crypto::is_short_id;

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
}
