//! Webhook signing as Plaid does it: an ES256 JWT in `Plaid-Verification` whose claims are
//! `iat` and the hex SHA-256 of the body, and the public half served as a JWK by
//! `/webhook_verification_key/get`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use sha2::Digest;

/// One P-256 signing key and its id.
pub struct SigningKey {
    pub kid: String,
    pkcs8: Vec<u8>,
    x: String,
    y: String,
    /// Set when Plaid has retired the key.
    pub expired_at: Option<i64>,
}

impl SigningKey {
    pub fn generate(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("generate key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .expect("read key");
        // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = pair.public_key().as_ref();
        assert_eq!(point.len(), 65);
        Self {
            kid: kid.into(),
            pkcs8: pkcs8.as_ref().to_vec(),
            x: URL_SAFE_NO_PAD.encode(&point[1..33]),
            y: URL_SAFE_NO_PAD.encode(&point[33..]),
            expired_at: None,
        }
    }

    /// The `JWKPublicKey` object.
    pub fn jwk(&self) -> Value {
        json!({
            "alg": "ES256", "crv": "P-256", "kid": self.kid, "kty": "EC", "use": "sig",
            "x": self.x, "y": self.y, "created_at": 1_560_466_150, "expired_at": self.expired_at
        })
    }

    /// A `Plaid-Verification` value for `body`, issued at `iat`.
    pub fn sign(&self, body: &[u8], iat: i64) -> String {
        self.sign_claims(&json!({"iat": iat, "request_body_sha256": hex_sha256(body)}))
    }

    pub fn sign_claims(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&self.pkcs8)).expect("sign")
    }
}

pub fn hex_sha256(body: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(body))
}
