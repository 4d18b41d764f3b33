//! Teller webhooks: the `Teller-Signature` check (pure, so it is tested without a server)
//! and what each event asks of us. The header is `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`;
//! each `v1` is HMAC-SHA256 keyed by the signing secret over `"{t}.{raw body}"`. Any `v1`
//! may match (several are sent while a secret rotates); older than 5 minutes is refused;
//! without a configured secret every webhook is refused.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::wire::Webhook;
use crate::domain::ConnectionStatus;
use crate::providers::{ProviderError, WebhookEvent};

/// How far a signature's timestamp may be from now, either way.
pub const MAX_AGE_SECS: i64 = 5 * 60;

/// Why a webhook is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("webhooks are refused: no Teller signing secret is configured")]
    NoSecret,
    #[error("missing Teller-Signature header")]
    Unsigned,
    #[error("malformed Teller-Signature header")]
    Malformed,
    #[error("the signature is too old")]
    Stale,
    #[error("the signature does not match")]
    Forged,
}

/// Checks `header` against the raw `body` at `now` (Unix seconds).
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: Option<&str>,
    now: i64,
) -> Result<(), Rejection> {
    let secret = secret
        .filter(|s| !s.is_empty())
        .ok_or(Rejection::NoSecret)?;
    let header = header.ok_or(Rejection::Unsigned)?;
    let (t, signatures) = parse(header)?;
    let at: i64 = t.parse().map_err(|_| Rejection::Malformed)?;
    if (now - at).abs() > MAX_AGE_SECS {
        return Err(Rejection::Stale);
    }
    let mut base =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| Rejection::NoSecret)?;
    base.update(t.as_bytes());
    base.update(b".");
    base.update(body);
    let matches = signatures
        .iter()
        .filter_map(|hex_sig| hex::decode(hex_sig).ok())
        // `verify_slice` compares in constant time.
        .any(|sig| base.clone().verify_slice(&sig).is_ok());
    if matches {
        Ok(())
    } else {
        Err(Rejection::Forged)
    }
}

/// Splits the header into its timestamp and `v1` signatures.
fn parse(header: &str) -> Result<(&str, Vec<&str>), Rejection> {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = Some(value.trim()),
            Some(("v1", value)) => v1.push(value.trim()),
            _ => {}
        }
    }
    match t {
        Some(t) if !v1.is_empty() => Ok((t, v1)),
        _ => Err(Rejection::Malformed),
    }
}

/// What a verified webhook asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `enrollment.disconnected`: the person must reconnect.
    Reauth {
        enrollment_id: String,
        reason: String,
    },
    /// `transactions.processed`: new data is ready.
    Sync { enrollment_id: String },
    /// `webhook.test`, other events, or events without an enrollment.
    Acknowledge,
}

impl Action {
    /// The enrollment the event is about.
    pub fn enrollment_id(&self) -> Option<&str> {
        match self {
            Self::Reauth { enrollment_id, .. } | Self::Sync { enrollment_id } => {
                Some(enrollment_id)
            }
            Self::Acknowledge => None,
        }
    }
}

/// Reads a verified body; anything unreadable is only acknowledged.
pub fn action(body: &[u8]) -> Action {
    let Ok(w) = serde_json::from_slice::<Webhook>(body) else {
        return Action::Acknowledge;
    };
    let Some(enrollment_id) = w.payload.enrollment_id.filter(|e| !e.is_empty()) else {
        return Action::Acknowledge;
    };
    match w.kind.as_str() {
        "enrollment.disconnected" => Action::Reauth {
            enrollment_id,
            reason: w.payload.reason.unwrap_or_else(|| "disconnected".into()),
        },
        "transactions.processed" => Action::Sync { enrollment_id },
        _ => Action::Acknowledge,
    }
}

/// What a verified body asks of the connection its enrollment names.
pub fn event(body: &[u8]) -> WebhookEvent {
    match action(body) {
        Action::Sync { enrollment_id } => WebhookEvent::Sync {
            external_id: enrollment_id,
        },
        Action::Reauth {
            enrollment_id,
            reason,
        } => WebhookEvent::Status {
            external_id: enrollment_id,
            status: ConnectionStatus::PendingReauth,
            error_code: Some(ProviderError::ReauthRequired(String::new()).code().into()),
            error_message: Some(format!(
                "Teller: the bank connection was disconnected ({}); reconnect it",
                super::client::sanitise(&reason)
            )),
        },
        Action::Acknowledge => WebhookEvent::Ignored,
    }
}

/// The `Teller-Signature` value for `body` at `t` (tests and fake upstreams sign with it).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000;
    const BODY: &[u8] = br#"{"id":"wh_1","type":"webhook.test","payload":{}}"#;

    fn header(secret: &str, t: i64) -> String {
        format!("t={t},v1={}", sign(secret, t, BODY))
    }

    #[test]
    fn a_fresh_signature_by_the_secret_is_accepted() {
        let h = header("sekret", NOW - 10);
        assert_eq!(verify(Some(&h), BODY, Some("sekret"), NOW), Ok(()));
    }

    #[test]
    fn any_v1_may_match_while_a_secret_rotates() {
        let t = NOW - 1;
        let h = format!(
            "t={t}, v1={}, v1={}",
            sign("old", t, BODY),
            sign("new", t, BODY)
        );
        assert_eq!(verify(Some(&h), BODY, Some("new"), NOW), Ok(()));
        assert_eq!(verify(Some(&h), BODY, Some("old"), NOW), Ok(()));
        assert_eq!(
            verify(Some(&h), BODY, Some("other"), NOW),
            Err(Rejection::Forged)
        );
    }

    #[test]
    fn stale_forged_unsigned_and_unconfigured_are_refused() {
        let old = header("sekret", NOW - MAX_AGE_SECS - 1);
        assert_eq!(
            verify(Some(&old), BODY, Some("sekret"), NOW),
            Err(Rejection::Stale)
        );
        let future = header("sekret", NOW + MAX_AGE_SECS + 1);
        assert_eq!(
            verify(Some(&future), BODY, Some("sekret"), NOW),
            Err(Rejection::Stale)
        );
        let h = header("sekret", NOW);
        let tampered = br#"{"id":"wh_1","type":"webhook.test","payload":{"x":1}}"#;
        assert_eq!(
            verify(Some(&h), tampered, Some("sekret"), NOW),
            Err(Rejection::Forged)
        );
        assert_eq!(
            verify(None, BODY, Some("sekret"), NOW),
            Err(Rejection::Unsigned)
        );
        assert_eq!(verify(Some(&h), BODY, None, NOW), Err(Rejection::NoSecret));
        assert_eq!(
            verify(Some(&h), BODY, Some(""), NOW),
            Err(Rejection::NoSecret)
        );
        for bad in ["", "v1=abc", "t=1", "t=soon,v1=00", "nonsense"] {
            let got = verify(Some(bad), BODY, Some("sekret"), NOW);
            assert!(
                matches!(got, Err(Rejection::Malformed | Rejection::Stale)),
                "{bad}: {got:?}"
            );
        }
        let not_hex = format!("t={NOW},v1=zz");
        assert_eq!(
            verify(Some(&not_hex), BODY, Some("sekret"), NOW),
            Err(Rejection::Forged)
        );
    }

    #[test]
    fn events_map_to_actions() {
        let disconnected = br#"{"type":"enrollment.disconnected","payload":{"enrollment_id":"enr_1","reason":"disconnected.account_locked"}}"#;
        assert_eq!(
            action(disconnected),
            Action::Reauth {
                enrollment_id: "enr_1".into(),
                reason: "disconnected.account_locked".into()
            }
        );
        let processed = br#"{"type":"transactions.processed","payload":{"enrollment_id":"enr_1","transactions":[]}}"#;
        assert_eq!(
            action(processed),
            Action::Sync {
                enrollment_id: "enr_1".into()
            }
        );
        assert_eq!(action(BODY), Action::Acknowledge);
        assert_eq!(action(b"not json"), Action::Acknowledge);
    }
}
