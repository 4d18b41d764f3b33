//! Which date windows a SimpleFIN sync asks for, and the request budget. The Bridge caps a
//! request at 90 days and expects at most 24 requests a day per connection, so: a 365-day
//! first backfill in ≤ 90-day windows, later syncs from the last one minus a 10-day overlap
//! (late posts), and never more requests than the day's budget has left. Both the sync
//! position and the request log live in the opaque cursor (JSON), committed with the data.

use serde::{Deserialize, Serialize};

pub const DAY: i64 = 86_400;
/// Longest range one request may cover.
pub const MAX_WINDOW: i64 = 90 * DAY;
/// How far back the first sync reaches.
pub const BACKFILL: i64 = 365 * DAY;
/// How far before the previous sync a later one starts again.
pub const OVERLAP: i64 = 10 * DAY;
/// Requests a day the Bridge expects per connection.
pub const DAILY_BUDGET: usize = 24;

/// The cursor: how far data is synced and when the last requests went out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Epoch seconds up to which every window was fetched.
    #[serde(default)]
    pub through: Option<i64>,
    /// Epoch seconds of the requests of the last 24 hours.
    #[serde(default)]
    pub requests: Vec<i64>,
}

impl Cursor {
    /// Reads a stored cursor; an unreadable one starts over (a fresh backfill).
    pub fn decode(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A request range: `start` inclusive, `end` exclusive (epoch seconds, as the protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

/// Every window a sync at `now` needs, oldest first. The last one ends a day ahead, so rows
/// a bank dates "tomorrow" in its own time zone still arrive.
pub fn plan(through: Option<i64>, now: i64) -> Vec<Window> {
    let earliest = now - BACKFILL;
    let start = through.map_or(earliest, |t| (t.min(now) - OVERLAP).max(earliest));
    let end = now + DAY;
    let mut windows = Vec::new();
    let mut s = start;
    while s < end {
        let e = (s + MAX_WINDOW).min(end);
        windows.push(Window { start: s, end: e });
        s = e;
    }
    windows
}

/// The requests of the last 24 hours, oldest first (several may share a second).
pub fn recent(requests: &[i64], now: i64) -> Vec<i64> {
    let mut r: Vec<i64> = requests
        .iter()
        .copied()
        .filter(|t| *t > now - DAY && *t <= now)
        .collect();
    r.sort_unstable();
    r
}

/// How many requests the budget still allows at `now`.
pub fn remaining(requests: &[i64], now: i64) -> usize {
    DAILY_BUDGET.saturating_sub(recent(requests, now).len())
}

/// Why no request may go out now, for people (`None` while the budget allows one).
pub fn exhausted(requests: &[i64], now: i64) -> Option<String> {
    if remaining(requests, now) > 0 {
        return None;
    }
    let recent = recent(requests, now);
    // The budget is full, so there are DAILY_BUDGET entries; the oldest frees a slot first.
    let free_at = recent.first().map_or(now, |t| t + DAY);
    Some(format!(
        "SimpleFIN allows {DAILY_BUDGET} requests a day per connection and this one has used \
         them all; the next sync can run after {} (scheduled syncs resume by themselves)",
        crate::time::rfc3339(free_at)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000;

    #[test]
    fn the_first_sync_backfills_a_year_in_windows_of_at_most_ninety_days() {
        let w = plan(None, NOW);
        assert_eq!(w.len(), 5);
        assert_eq!(w[0].start, NOW - BACKFILL);
        assert_eq!(w.last().unwrap().end, NOW + DAY);
        for pair in w.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "windows are contiguous");
        }
        assert!(
            w.iter()
                .all(|x| x.end - x.start <= MAX_WINDOW && x.end > x.start)
        );
    }

    #[test]
    fn later_syncs_start_ten_days_before_the_previous_one() {
        let previous = NOW - 2 * DAY;
        let w = plan(Some(previous), NOW);
        assert_eq!(
            w,
            [Window {
                start: previous - OVERLAP,
                end: NOW + DAY
            }]
        );
    }

    #[test]
    fn a_long_pause_needs_several_windows_but_never_more_than_a_year() {
        let w = plan(Some(NOW - 200 * DAY), NOW);
        assert_eq!(w[0].start, NOW - 210 * DAY);
        assert_eq!(w.len(), 3);
        let w = plan(Some(NOW - 900 * DAY), NOW);
        assert_eq!(w[0].start, NOW - BACKFILL);
    }

    #[test]
    fn the_budget_counts_the_last_twenty_four_hours_only() {
        let mut log: Vec<i64> = (0..18).map(|i| NOW - 100 - i).collect();
        log.extend([NOW - 119, NOW - 119]); // two requests in one second count twice
        log.push(NOW - DAY - 5); // older than a day: free again
        assert_eq!(remaining(&log, NOW), 4);
        assert!(exhausted(&log, NOW).is_none());
        log.extend((0..4).map(|i| NOW - 10 - i));
        assert_eq!(remaining(&log, NOW), 0);
        let why = exhausted(&log, NOW).unwrap();
        assert!(why.contains("24 requests a day"), "{why}");
        assert!(
            why.contains(&crate::time::rfc3339(NOW - 119 + DAY)),
            "{why}"
        );
    }

    #[test]
    fn cursors_round_trip_and_garbage_starts_over() {
        let c = Cursor {
            through: Some(NOW),
            requests: vec![NOW - 1, NOW],
        };
        assert_eq!(Cursor::decode(Some(&c.encode())), c);
        assert_eq!(Cursor::decode(Some("not json")), Cursor::default());
        assert_eq!(Cursor::decode(None), Cursor::default());
    }
}
