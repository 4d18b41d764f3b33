//! Secrets: random identifiers and keys from the OS CSPRNG, argon2id hashing of API keys
//! (always called from blocking threads), and SHA-256 digests for in-memory lookups.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Prefix of every API key.
pub const KEY_PREFIX: &str = "bb_";
/// Length of the `key_prefix` column: `bb_` plus 8 characters.
pub const KEY_PREFIX_LEN: usize = 11;

/// Fills an array from the OS CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS RNG failing is unrecoverable: nothing secret may be minted without it.
    getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
    buf
}

/// A new API key: `bb_` + base62 of 32 random bytes (two fixed-width 22-character halves).
pub fn generate_api_key() -> String {
    let bytes: [u8; 32] = random_bytes();
    let (hi, lo) = bytes.split_at(16);
    let half = |b: &[u8]| {
        let n = u128::from_be_bytes(b.try_into().expect("16 bytes"));
        format!("{:0>22}", base62::encode(n))
    };
    format!("{KEY_PREFIX}{}{}", half(hi), half(lo))
}

/// Whether `key` has the shape of an API key (cheap check before any lookup).
pub fn is_well_formed_key(key: &str) -> bool {
    key.len() > KEY_PREFIX_LEN
        && key.len() <= 64
        && key.starts_with(KEY_PREFIX)
        && key[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
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

/// SHA-256 digest.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// argon2id PHC hash with the crate's default cost. Blocking: call off the async threads.
pub fn hash_secret(secret: &str) -> Result<String> {
    let salt_bytes: [u8; 16] = random_bytes();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(Error::internal)?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// Verifies `secret` against a PHC hash. Blocking: call off the async threads.
pub fn verify_secret(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_are_prefixed_base62_and_unique() {
        let a = generate_api_key();
        let b = generate_api_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 44);
        assert!(is_well_formed_key(&a));
        assert!(!is_well_formed_key("bb_short"));
        assert!(!is_well_formed_key("xx_0123456789abcdef"));
        assert!(!is_well_formed_key("bb_0123456789-bcdef"));
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

    #[test]
    fn argon2_round_trip_accepts_only_the_right_secret() {
        let hash = hash_secret("bb_secret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_secret("bb_secret", &hash));
        assert!(!verify_secret("bb_other", &hash));
        assert!(!verify_secret("bb_secret", "not a hash"));
    }
}
