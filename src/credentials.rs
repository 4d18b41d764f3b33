//! Provider credentials at rest: AES-256-GCM with a random 96-bit nonce per value
//! (`nonce || ciphertext+tag`). The key comes from `BREADBOX_ENCRYPTION_KEY` (base64 of
//! 32 bytes) or from `DIR/encryption.key`, created 0600 on first start.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};
use crate::ids::random_bytes;

/// Name of the key file inside the data directory.
pub const KEY_FILE: &str = "encryption.key";

/// Seals and opens provider secrets.
pub struct CredentialCipher {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for CredentialCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialCipher(..)")
    }
}

impl CredentialCipher {
    /// From 32 raw key bytes.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }

    /// Uses `configured` (base64) when given, else the key file in `data_dir`, creating it.
    pub fn load(data_dir: &Path, configured: Option<&str>) -> anyhow::Result<Self> {
        if let Some(b64) = configured {
            return Ok(Self::new(&decode_key(b64)?));
        }
        let path = data_dir.join(KEY_FILE);
        if path.exists() {
            let text = fs::read_to_string(&path)?;
            return Ok(Self::new(&decode_key(text.trim())?));
        }
        let key: [u8; 32] = random_bytes();
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        writeln!(file, "{}", STANDARD.encode(key))?;
        file.sync_all()?;
        Ok(Self::new(&key))
    }

    /// Encrypts `plaintext`.
    pub fn seal(&self, plaintext: &str) -> Result<Vec<u8>> {
        let nonce: [u8; 12] = random_bytes();
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| Error::internal("encryption failed"))?;
        Ok([nonce.as_slice(), &ct].concat())
    }

    /// Decrypts what [`CredentialCipher::seal`] produced.
    pub fn open(&self, sealed: &[u8]) -> Result<String> {
        if sealed.len() < 12 + 16 {
            return Err(Error::internal("stored credentials are truncated"));
        }
        let (nonce, ct) = sealed.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| Error::internal("stored credentials cannot be decrypted with this key"))?;
        String::from_utf8(plain).map_err(Error::internal)
    }
}

/// The key in effect as base64 text: `configured` when given, else the key file in
/// `data_dir`; `None` when neither exists. Validated like [`CredentialCipher::load`].
pub fn key_text(data_dir: &Path, configured: Option<&str>) -> anyhow::Result<Option<String>> {
    let text = match configured {
        Some(b64) => b64.trim().to_owned(),
        None => match fs::read_to_string(data_dir.join(KEY_FILE)) {
            Ok(t) => t.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        },
    };
    decode_key(&text)?;
    Ok(Some(text))
}

/// Whether `key` (base64) opens `sealed`.
pub fn key_opens(key: &str, sealed: &[u8]) -> bool {
    decode_key(key).is_ok_and(|k| CredentialCipher::new(&k).open(sealed).is_ok())
}

fn decode_key(b64: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD
        .decode(b64.trim())
        .map_err(|_| anyhow::anyhow!("the encryption key is not valid base64"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("the encryption key must be 32 bytes (base64-encoded)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_round_trip_and_differ_each_time() {
        let sb = CredentialCipher::new(&[7; 32]);
        let a = sb.seal("access-token").unwrap();
        let b = sb.seal("access-token").unwrap();
        assert_ne!(a, b, "nonces must differ");
        assert!(!a.windows(6).any(|w| w == b"access"), "plaintext visible");
        assert_eq!(sb.open(&a).unwrap(), "access-token");
    }

    #[test]
    fn tampered_or_foreign_ciphertext_is_refused() {
        let sb = CredentialCipher::new(&[7; 32]);
        let mut sealed = sb.seal("x").unwrap();
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(sb.open(&sealed).is_err());
        let other = CredentialCipher::new(&[8; 32]);
        assert!(other.open(&sb.seal("x").unwrap()).is_err());
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sealed = CredentialCipher::load(dir.path(), None)
            .unwrap()
            .seal("s")
            .unwrap();
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            CredentialCipher::load(dir.path(), None)
                .unwrap()
                .open(&sealed)
                .unwrap(),
            "s"
        );
    }
}
