//! Redirect URLs and tokens for hosted-link sessions.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Schemes that could run code or read local files if a browser were sent to them.
const FORBIDDEN_SCHEMES: [&str; 6] = ["javascript", "data", "file", "vbscript", "about", "blob"];

/// Checks a `redirect_url`: absolute, and not a scheme that runs code or reads files.
/// `https://…`, `http://…` and custom app schemes (`myapp://callback`) pass.
pub fn check_redirect(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.len() > 2048 {
        return Err("redirect_url: at most 2048 characters".into());
    }
    let url =
        url::Url::parse(raw).map_err(|_| "redirect_url: must be an absolute URL".to_owned())?;
    if FORBIDDEN_SCHEMES.contains(&url.scheme()) {
        return Err(format!(
            "redirect_url: the `{}:` scheme is not allowed",
            url.scheme()
        ));
    }
    if matches!(url.scheme(), "http" | "https") && url.host_str().is_none_or(str::is_empty) {
        return Err("redirect_url: needs a host".into());
    }
    Ok(raw.to_owned())
}

/// Appends `linkId=<id>` as a query parameter, keeping any fragment last. `""` stays `""`.
pub fn with_link_id(redirect: &str, link_id: &str) -> String {
    if redirect.is_empty() {
        return String::new();
    }
    let (base, fragment) = redirect
        .split_once('#')
        .map_or((redirect, None), |(b, f)| (b, Some(f)));
    let sep = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    let mut out = format!("{base}{sep}linkId={link_id}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// A new session token: 32 random bytes (256 bits), base64url.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(crate::ids::random_bytes::<32>())
}

/// Whether `s` has the shape of a token (cheap check before hashing).
pub fn is_token_shaped(s: &str) -> bool {
    (20..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_id_is_appended_as_a_query_parameter() {
        assert_eq!(
            with_link_id("https://app.example/done", "ID"),
            "https://app.example/done?linkId=ID"
        );
        assert_eq!(
            with_link_id("myapp://callback?ref=foo", "ID"),
            "myapp://callback?ref=foo&linkId=ID"
        );
        assert_eq!(
            with_link_id("https://a.example/x?y=1#frag", "ID"),
            "https://a.example/x?y=1&linkId=ID#frag"
        );
        assert_eq!(with_link_id("", "ID"), "");
    }

    #[test]
    fn dangerous_schemes_and_relative_urls_are_refused() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "vbscript:x",
            "/relative",
            "https://",
            "not a url",
        ] {
            assert!(check_redirect(bad).is_err(), "{bad}");
        }
        for ok in [
            "https://app.example/done",
            "http://127.0.0.1:8080/x",
            "myapp://callback",
            "com.example.app:/oauth",
        ] {
            assert!(check_redirect(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn tokens_carry_256_bits_in_base64url() {
        let t = new_token();
        assert_eq!(t.len(), 43);
        assert!(is_token_shaped(&t));
        assert_ne!(t, new_token());
    }
}
