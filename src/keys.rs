//! API key material: minting `bb_` keys, their shape check, argon2id hashing (always called
//! from blocking threads) and SHA-256 digests for in-memory lookups.

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ids::random_bytes;

/// Prefix of every API key.
pub const KEY_PREFIX: &str = "bb_";
/// Length of the `key_prefix` column: `bb_` plus 8 characters.
pub const KEY_PREFIX_LEN: usize = 11;

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
    verify_secret_in(secret, phc, &mut Vec::new())
}

/// Like [`verify_secret`], with argon2's working memory in `blocks` (grown to the hash's
/// memory cost once, then reused): a server that verifies with a fixed set of buffers does
/// not allocate 19 MiB per verify, which the allocator would keep after a flood.
pub fn verify_secret_in(secret: &str, phc: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (hash.hash, hash.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = hash
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let (Ok(version), mut salt_buf) = (version, [0u8; 64]) else {
        return false;
    };
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    argon
        .hash_password_into_with_memory(
            secret.as_bytes(),
            salt,
            &mut out,
            &mut blocks[..argon_blocks(&argon)],
        )
        .is_ok()
        && Output::new(&out).is_ok_and(|o| o == expected)
}

fn argon_blocks(argon: &Argon2<'_>) -> usize {
    argon.params().block_count()
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
    fn argon2_round_trip_accepts_only_the_right_secret() {
        let hash = hash_secret("bb_secret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_secret("bb_secret", &hash));
        assert!(!verify_secret("bb_other", &hash));
        assert!(!verify_secret("bb_secret", "not a hash"));
        let mut blocks = Vec::new();
        assert!(verify_secret_in("bb_secret", &hash, &mut blocks));
        let grown = blocks.len();
        assert!(grown > 0);
        assert!(!verify_secret_in("bb_other", &hash, &mut blocks));
        assert!(verify_secret_in("bb_secret", &hash, &mut blocks));
        assert_eq!(blocks.len(), grown, "the buffer is reused, not regrown");
    }
}
