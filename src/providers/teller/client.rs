//! The Teller API over HTTPS: mutual TLS with the application's certificate, then HTTP
//! Basic with the enrollment's access token as user and an empty password. Every failure
//! is classified for the engine: re-auth (403, `enrollment.disconnected*`), retry later
//! (429, 5xx, network), or an upstream problem. Tokens never reach a log or a message.

use std::time::Duration;

use jiff::civil::Date;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use url::Url;

use super::wire::{Account, Balances, ErrorBody, Transaction};
use crate::providers::ProviderError;

/// The API version whose wire format `wire` describes.
pub const API_VERSION: &str = "2020-10-12";

/// PEM material for the client.
#[derive(Default)]
pub struct Tls {
    /// Certificate then private key, concatenated (mTLS identity).
    pub identity: Option<Vec<u8>>,
    /// An extra trusted root.
    pub extra_root: Option<Vec<u8>>,
}

/// HTTP client for the configured base URL.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
}

impl Client {
    pub fn new(base_url: &str, tls: &Tls) -> Result<Self, String> {
        let base = Url::parse(base_url.trim_end_matches('/'))
            .map_err(|e| format!("--teller-base-url `{base_url}` is not a URL: {e}"))?;
        if base.scheme() != "https" {
            return Err("--teller-base-url must use https".into());
        }
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(true)
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("breadbox/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &tls.identity {
            let id = reqwest::Identity::from_pem(pem).map_err(|_| {
                "the Teller certificate or private key is not usable PEM".to_owned()
            })?;
            b = b.identity(id);
        }
        if let Some(pem) = &tls.extra_root {
            let ca = reqwest::Certificate::from_pem(pem)
                .map_err(|_| "--teller-ca-certificate is not a PEM certificate".to_owned())?;
            b = b.add_root_certificate(ca);
        }
        let http = b
            .build()
            .map_err(|e| format!("cannot build the Teller HTTP client: {e}"))?;
        Ok(Self { http, base })
    }

    fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| ProviderError::Upstream("bad Teller base URL".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    async fn get<T: DeserializeOwned>(&self, token: &str, url: Url) -> Result<T, ProviderError> {
        let resp = self
            .http
            .get(url)
            .basic_auth(token, Some(""))
            .header("Teller-Version", API_VERSION)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(transport)?;
        if !status.is_success() {
            return Err(classify(status, &body));
        }
        serde_json::from_slice(&body)
            .map_err(|_| ProviderError::Upstream("Teller answered with unexpected data".into()))
    }

    /// `GET /accounts`.
    pub async fn accounts(&self, token: &str) -> Result<Vec<Account>, ProviderError> {
        self.get(token, self.url(&["accounts"])?).await
    }

    /// `GET /accounts/{id}/balances` (live from the bank).
    pub async fn balances(&self, token: &str, account: &str) -> Result<Balances, ProviderError> {
        self.get(token, self.url(&["accounts", account, "balances"])?)
            .await
    }

    /// One page of `GET /accounts/{id}/transactions`, newest first: `count` rows after
    /// `from_id`, none before `start`.
    pub async fn transactions(
        &self,
        token: &str,
        account: &str,
        count: usize,
        from_id: Option<&str>,
        start: Option<Date>,
    ) -> Result<Vec<Transaction>, ProviderError> {
        let mut url = self.url(&["accounts", account, "transactions"])?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("count", &count.to_string());
            if let Some(id) = from_id {
                q.append_pair("from_id", id);
            }
            if let Some(d) = start {
                q.append_pair("start_date", &d.to_string());
            }
        }
        self.get(token, url).await
    }

    /// `DELETE /accounts`: revokes the enrollment's access to every account.
    pub async fn revoke(&self, token: &str) -> Result<(), ProviderError> {
        let resp = self
            .http
            .delete(self.url(&["accounts"])?)
            .basic_auth(token, Some(""))
            .header("Teller-Version", API_VERSION)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let body = resp.bytes().await.map_err(transport)?;
        Err(classify(status, &body))
    }
}

fn transport(e: reqwest::Error) -> ProviderError {
    tracing::warn!(error = %e.without_url(), "Teller request failed");
    ProviderError::Retryable("could not reach Teller; will retry later".into())
}

/// What a Teller error answer means for us.
pub fn classify(status: StatusCode, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.error)
        .unwrap_or_default();
    let code = detail.code.unwrap_or_default();
    let said = sanitise(detail.message.as_deref().unwrap_or_default());
    let said = if said.is_empty() { code.clone() } else { said };
    if code.starts_with("enrollment.disconnected") {
        return ProviderError::ReauthRequired(format!(
            "Teller: the bank connection needs you to sign in again ({said})"
        ));
    }
    match status.as_u16() {
        401 | 403 => ProviderError::ReauthRequired(
            "Teller refused the access token (revoked or expired): reconnect the bank".into(),
        ),
        400 => ProviderError::Upstream(format!(
            "Teller rejected the request ({said}); check --teller-certificate and \
             --teller-private-key"
        )),
        429 => ProviderError::Retryable("Teller rate limit reached; will retry later".into()),
        500..=599 => ProviderError::Retryable(format!(
            "Teller or the bank is having trouble (HTTP {}); will retry later",
            status.as_u16()
        )),
        other => ProviderError::Upstream(format!("Teller answered HTTP {other} ({said})")),
    }
}

/// Upstream text made safe to show: no control characters, at most 200 characters.
pub fn sanitise(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str) -> Vec<u8> {
        format!(r#"{{"error":{{"code":"{code}","message":"Enrollment is not healthy"}}}}"#)
            .into_bytes()
    }

    #[test]
    fn disconnected_enrollments_and_403_need_reauth() {
        for (status, code) in [
            (404, "enrollment.disconnected.user_action.mfa_required"),
            (403, "enrollment.disconnected"),
            (403, "forbidden"),
            (401, ""),
        ] {
            let e = classify(StatusCode::from_u16(status).unwrap(), &body(code));
            assert!(
                matches!(e, ProviderError::ReauthRequired(_)),
                "{status} {code}: {e:?}"
            );
        }
    }

    #[test]
    fn rate_limits_and_bank_trouble_are_retried_later() {
        for status in [429, 500, 502, 503] {
            let e = classify(StatusCode::from_u16(status).unwrap(), b"not json");
            assert!(matches!(e, ProviderError::Retryable(_)), "{status}: {e:?}");
        }
    }

    #[test]
    fn other_failures_are_upstream_problems_with_a_hint() {
        let e = classify(StatusCode::BAD_REQUEST, &body("missing_certificate"));
        assert!(matches!(&e, ProviderError::Upstream(m) if m.contains("--teller-certificate")));
        let e = classify(StatusCode::GONE, b"");
        assert!(matches!(e, ProviderError::Upstream(_)));
    }

    #[test]
    fn base_url_must_be_https() {
        assert!(Client::new("http://api.teller.io", &Tls::default()).is_err());
        assert!(Client::new("https://api.teller.io/", &Tls::default()).is_ok());
        let bad_pem = Tls {
            identity: Some(b"nope".to_vec()),
            ..Tls::default()
        };
        assert!(Client::new("https://api.teller.io", &bad_pem).is_err());
    }
}
