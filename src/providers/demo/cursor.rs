//! The sync cursor `v1:<k>:<anchor>:<previous>:<last>`: parsing, validation and encoding.

use jiff::civil::Date;

use super::DemoError;

/// Cursor format version prefix.
const CURSOR_VERSION: &str = "v1";

/// Decoded sync cursor: which sync produced it and the dates the state depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cursor {
    pub(super) sync: u64,
    pub(super) anchor: Date,
    pub(super) previous: Option<Date>,
    pub(super) last: Date,
}

impl Cursor {
    pub(super) fn parse(text: &str) -> Result<Self, DemoError> {
        let bad = || DemoError::BadCursor(text.chars().take(80).collect());
        let parts: Vec<&str> = text.split(':').collect();
        let [version, sync, anchor, previous, last] = parts.as_slice() else {
            return Err(bad());
        };
        if *version != CURSOR_VERSION {
            return Err(bad());
        }
        let date = |part: &str| part.parse::<Date>().map_err(|_| bad());
        let cursor = Self {
            sync: sync.parse().map_err(|_| bad())?,
            anchor: date(anchor)?,
            previous: if *previous == "-" {
                None
            } else {
                Some(date(previous)?)
            },
            last: date(last)?,
        };
        if cursor.is_consistent() {
            Ok(cursor)
        } else {
            Err(bad())
        }
    }

    fn is_consistent(&self) -> bool {
        if self.sync >= u64::from(u32::MAX) {
            return false;
        }
        match (self.sync, self.previous) {
            (0, None) => self.last == self.anchor,
            (1, Some(previous)) => previous == self.anchor && previous <= self.last,
            (2.., Some(previous)) => self.anchor <= previous && previous <= self.last,
            _ => false,
        }
    }

    pub(super) fn encode(&self) -> String {
        let previous = self
            .previous
            .map_or_else(|| "-".to_owned(), |d| d.to_string());
        format!(
            "{CURSOR_VERSION}:{}:{}:{previous}:{}",
            self.sync, self.anchor, self.last
        )
    }
}
