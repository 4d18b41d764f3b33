//! Determinism: a seed hashed from the connection's UUID, the tags that keep the
//! derived streams apart, and a splitmix64 generator.

use jiff::civil::Date;
use sha2::{Digest, Sha256};

pub(super) const TAG_ACCOUNT: u64 = 0xA1;
pub(super) const TAG_MASK: u64 = 0xA2;
pub(super) const TAG_PROFILE: u64 = 0xA3;
pub(super) const TAG_DAY: u64 = 0xB1;
pub(super) const TAG_CAL_POSTED: u64 = 0xB2;
pub(super) const TAG_CAL_PENDING: u64 = 0xB3;
pub(super) const TAG_CHURN: u64 = 0xC1;
pub(super) const TAG_CHURN_POSTED: u64 = 0xC2;
pub(super) const TAG_CHURN_PENDING: u64 = 0xC3;
pub(super) const TAG_OPENING: u64 = 0xD1;

/// 64 bits derived from the connection's seed string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seed(u64);

impl Seed {
    pub(super) fn new(text: &str) -> Self {
        let digest = Sha256::new()
            .chain_update(b"breadbox-demo-bank\0")
            .chain_update(text.as_bytes())
            .finalize();
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        Self(u64::from_le_bytes(bytes))
    }

    pub(super) fn hash(self, parts: &[u64]) -> u64 {
        parts.iter().fold(mix(self.0), |acc, &part| {
            mix(acc ^ mix(part.wrapping_add(GOLDEN)))
        })
    }

    pub(super) fn rng(self, parts: &[u64]) -> Rng {
        Rng(self.hash(parts))
    }

    pub(super) fn tx_id(self, parts: &[u64]) -> String {
        format!("demo_tx_{:016x}", self.hash(parts))
    }
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// splitmix64 generator.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform-ish integer in `lo..=hi` (modulo bias is irrelevant here).
    pub(super) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.abs_diff(lo) + 1;
        lo.min(hi) + i64::try_from(self.next() % span).unwrap_or_default()
    }

    /// True with probability `percent`/100.
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let index = usize::try_from(self.next() >> 40).unwrap_or_default() % items.len();
        items[index]
    }
}

/// Stable numeric key of a date (`20250314`).
pub(super) fn day_key(date: Date) -> u64 {
    let key =
        i64::from(date.year()) * 10_000 + i64::from(date.month()) * 100 + i64::from(date.day());
    u64::try_from(key).unwrap_or_default()
}
