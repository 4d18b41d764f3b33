//! The SimpleFIN Bridge over HTTP: claim a setup token, fetch the account set. The access
//! URL's `user:pass` is taken out of the URL and sent as HTTP Basic, so it never appears in
//! a request line, a log or an error; `https` is required unless the operator allowed plain
//! HTTP (tests, a bridge on the local network).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use url::Url;

use super::window::Window;
use super::wire::AccountSet;
use crate::providers::ProviderError;

/// A parsed access URL: where to ask, and the Basic credentials (never printed).
#[derive(Clone)]
pub struct Access {
    /// The root without userinfo, e.g. `https://bridge.example/simplefin`.
    pub root: Url,
    user: String,
    password: String,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("root", &self.root.as_str())
            .finish_non_exhaustive()
    }
}

/// HTTP client for one server configuration.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    allow_http: bool,
}

impl Client {
    pub fn new(allow_http: bool) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(120))
            // A redirect could carry the credentials elsewhere; the Bridge does not redirect.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!allow_http)
            .user_agent(concat!("breadbox/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the SimpleFIN HTTP client: {e}"))?;
        Ok(Self { http, allow_http })
    }

    /// Decodes a setup token (base64 in any of its four spellings) into its claim URL.
    pub fn claim_url(&self, token: &str) -> Result<Url, ProviderError> {
        let bad = || {
            ProviderError::InvalidCredentials(
                "`setup_token` is not a SimpleFIN setup token (base64 of a claim URL)".into(),
            )
        };
        let token: String = token.split_whitespace().collect();
        let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(&token).ok())
            .ok_or_else(bad)?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let url = Url::parse(text.trim()).map_err(|_| bad())?;
        self.check_scheme(&url, "claim")?;
        Ok(url)
    }

    /// Parses a stored access URL.
    pub fn access(&self, access_url: &str) -> Result<Access, ProviderError> {
        let bad = || ProviderError::Upstream("the stored SimpleFIN access URL is not valid".into());
        let mut root = Url::parse(access_url.trim()).map_err(|_| bad())?;
        self.check_scheme(&root, "access")?;
        let user = percent_decode(root.username());
        let password = percent_decode(root.password().unwrap_or_default());
        if user.is_empty() {
            return Err(bad());
        }
        root.set_username("").map_err(|()| bad())?;
        root.set_password(None).map_err(|()| bad())?;
        Ok(Access {
            root,
            user,
            password,
        })
    }

    fn check_scheme(&self, url: &Url, what: &str) -> Result<(), ProviderError> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_http => Ok(()),
            _ => Err(ProviderError::InvalidCredentials(format!(
                "the SimpleFIN {what} URL must use https"
            ))),
        }
    }

    /// Claims the token: `POST` with an empty body; the answer is the access URL.
    pub async fn claim(&self, claim_url: Url) -> Result<String, ProviderError> {
        let resp = self
            .http
            .post(claim_url)
            .header(reqwest::header::CONTENT_LENGTH, "0")
            .send()
            .await
            .map_err(transport)?;
        match resp.status() {
            StatusCode::OK => {}
            StatusCode::FORBIDDEN => {
                return Err(ProviderError::InvalidCredentials(
                    "the SimpleFIN setup token is invalid or was already claimed; if you did not \
                     claim it yourself, treat it as compromised and make a new one"
                        .into(),
                ));
            }
            s => return Err(status_error(s)),
        }
        let body = resp.text().await.map_err(transport)?;
        let access = body.trim().to_owned();
        self.access(&access).map_err(|_| {
            ProviderError::Upstream("SimpleFIN answered the claim without an access URL".into())
        })?;
        Ok(access)
    }

    /// `GET {root}/accounts?start-date=&end-date=&pending=1` for one window.
    pub async fn accounts(&self, access: &Access, w: Window) -> Result<AccountSet, ProviderError> {
        let mut url = access.root.clone();
        url.path_segments_mut()
            .map_err(|()| ProviderError::Upstream("bad SimpleFIN access URL".into()))?
            .pop_if_empty()
            .push("accounts");
        url.query_pairs_mut()
            .append_pair("start-date", &w.start.to_string())
            .append_pair("end-date", &w.end.to_string())
            .append_pair("pending", "1");
        let resp = self
            .http
            .get(url)
            .basic_auth(&access.user, Some(&access.password))
            .send()
            .await
            .map_err(transport)?;
        if resp.status() != StatusCode::OK {
            return Err(status_error(resp.status()));
        }
        let body = resp.bytes().await.map_err(transport)?;
        serde_json::from_slice(&body).map_err(|_| {
            ProviderError::Upstream(
                "SimpleFIN answered with something that is not an account set".into(),
            )
        })
    }
}

/// A failed exchange, classified. The reqwest error is logged without its URL.
fn transport(e: reqwest::Error) -> ProviderError {
    tracing::warn!(error = %e.without_url(), "SimpleFIN request failed");
    ProviderError::Retryable("could not reach the SimpleFIN Bridge; will retry later".into())
}

/// What an HTTP status from the Bridge means for us.
pub fn status_error(status: StatusCode) -> ProviderError {
    match status.as_u16() {
        402 => ProviderError::Upstream(
            "SimpleFIN subscription lapsed: renew it at the SimpleFIN Bridge, then sync again"
                .into(),
        ),
        401 | 403 => ProviderError::ReauthRequired(
            "SimpleFIN refused the access URL (revoked or expired): connect again with a new \
             setup token"
                .into(),
        ),
        429 => ProviderError::Retryable(
            "SimpleFIN says too many requests today; syncing again later".into(),
        ),
        500..=599 => ProviderError::Retryable(format!(
            "the SimpleFIN Bridge is having trouble (HTTP {}); will retry later",
            status.as_u16()
        )),
        other => ProviderError::Upstream(format!("SimpleFIN answered HTTP {other}")),
    }
}

/// Undoes the `%XX` escapes `Url` keeps in userinfo.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(allow_http: bool) -> Client {
        Client::new(allow_http).unwrap()
    }

    #[test]
    fn setup_tokens_decode_in_every_base64_spelling() {
        let url = "https://bridge.example/simplefin/claim/abc?x=1>";
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            let token = engine.encode(url);
            let got = client(false).claim_url(&format!(" {token}\n")).unwrap();
            assert_eq!(got.as_str(), Url::parse(url).unwrap().as_str());
        }
        // The Bridge's public demo token.
        let demo = "aHR0cHM6Ly9icmlkZ2Uuc2ltcGxlZmluLm9yZy9zaW1wbGVmaW4vY2xhaW0vZGVtbw==";
        assert_eq!(
            client(false).claim_url(demo).unwrap().as_str(),
            "https://bridge.simplefin.org/simplefin/claim/demo"
        );
    }

    #[test]
    fn garbage_and_plain_http_tokens_are_refused() {
        assert!(matches!(
            client(false).claim_url("%%%"),
            Err(ProviderError::InvalidCredentials(_))
        ));
        let http = STANDARD.encode("http://bridge.example/claim/x");
        let err = client(false).claim_url(&http).unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
        assert!(client(true).claim_url(&http).is_ok());
    }

    #[test]
    fn access_urls_lose_their_credentials_to_basic_auth() {
        let a = client(false)
            .access("https://us%40er:p%2Fss@bridge.example/simplefin")
            .unwrap();
        assert_eq!(a.root.as_str(), "https://bridge.example/simplefin");
        assert_eq!((a.user.as_str(), a.password.as_str()), ("us@er", "p/ss"));
        let shown = format!("{a:?}");
        assert!(
            !shown.contains("p/ss") && !shown.contains("us@er"),
            "{shown}"
        );
        assert!(
            client(false)
                .access("https://bridge.example/no-user")
                .is_err()
        );
        assert!(client(false).access("http://u:p@bridge.example/").is_err());
    }

    #[test]
    fn statuses_map_to_what_the_engine_should_do() {
        assert!(
            matches!(status_error(StatusCode::PAYMENT_REQUIRED), ProviderError::Upstream(m) if m.contains("subscription lapsed"))
        );
        assert!(matches!(
            status_error(StatusCode::FORBIDDEN),
            ProviderError::ReauthRequired(_)
        ));
        assert!(matches!(
            status_error(StatusCode::TOO_MANY_REQUESTS),
            ProviderError::Retryable(_)
        ));
        assert!(matches!(
            status_error(StatusCode::BAD_GATEWAY),
            ProviderError::Retryable(_)
        ));
        assert!(matches!(
            status_error(StatusCode::NOT_FOUND),
            ProviderError::Upstream(_)
        ));
    }
}
