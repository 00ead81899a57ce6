//! Which remote URLs Rounds accepts as ids, references, inboxes and links: one rule for the
//! inbox, received posts, actor documents and deliveries.
//!
//! A remote URL is http(s) (https only outside insecure mode where the caller says so), names
//! its host by a domain (never an IP literal, in any spelling: `127.0.0.1`, `[::1]`,
//! `0x7f000001`, `2130706433`), carries no credentials, and is short enough to store and
//! index. activitypub_federation refuses IP literals and other schemes on every fetch; this
//! refuses them before anything is stored or sent, and covers what the library never sees (an
//! inbox, a link). A *name* that resolves to a private address is refused at connection time by
//! the HTTP client's resolver (see [`super::http_client`]).

use url::{Host, Url};

/// The longest remote URL accepted (PostgreSQL cannot index much longer keys).
pub const MAX_URL_LEN: usize = 2048;

/// Why `url` is refused as a remote URL, or `None` when it is acceptable. `allow_http` lets
/// `http` pass (insecure mode, or where the caller checks the scheme itself).
pub fn refusal(url: &Url, allow_http: bool) -> Option<&'static str> {
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => return Some("http URL refused (https only)"),
        _ => return Some("URL is not http(s)"),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("URL carries credentials");
    }
    match url.host() {
        Some(Host::Domain(_)) => {}
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => {
            return Some("URL names an IP address, not a domain")
        }
        None => return Some("URL has no host"),
    }
    if url.as_str().len() > MAX_URL_LEN {
        return Some("URL is too long");
    }
    None
}

/// Whether `url` is acceptable (see [`refusal`]).
pub fn is_acceptable(url: &Url, allow_http: bool) -> bool {
    refusal(url, allow_http).is_none()
}

/// A short, safe description of why a fetch failed: never the remote body, which some of the
/// library's errors carry (and which must not reach the logs).
pub fn fetch_failure(err: &activitypub_federation::error::Error) -> &'static str {
    use activitypub_federation::error::Error as Lib;
    match err {
        Lib::NotFound => "not found",
        Lib::ObjectDeleted(_) => "deleted",
        Lib::RequestLimit => "fetch budget of this request spent",
        Lib::ResponseBodyLimit => "response too large",
        Lib::UrlVerificationError(_) => "URL refused",
        Lib::DomainResolveError(_) | Lib::ResolveInternalIpError(..) => {
            "host resolves to a private address"
        }
        Lib::ParseFetchedObject(..) => "response could not be read",
        Lib::FetchInvalidContentType(_) => "response is not ActivityStreams JSON",
        Lib::FetchWrongId(_) => "response names another id",
        Lib::WebfingerResolveFailed(_) => "WebFinger failed",
        Lib::Reqwest(err) | Lib::ReqwestMiddleware(reqwest_middleware::Error::Reqwest(err)) => {
            network_failure(err)
        }
        _ => "request failed",
    }
}

/// Why a request failed on the network, in a few words (never the error's text, which can carry
/// an address or a body).
pub fn network_failure(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_domain_urls_pass() {
        for ok in [
            "https://mastodon.example/users/a",
            "https://xn--bcher-kva.example/notes/1",
        ] {
            assert_eq!(refusal(&Url::parse(ok).unwrap(), false), None, "{ok}");
        }
        assert!(is_acceptable(
            &Url::parse("http://localhost:8080/users/a").unwrap(),
            true
        ));
        for (bad, allow_http) in [
            ("http://mastodon.example/users/a", false),
            ("https://user:pass@mastodon.example/", true),
            ("https://user@mastodon.example/", true),
            ("https://127.0.0.1/", true),
            ("https://0x7f000001/", true),
            ("https://2130706433/", true),
            ("https://0177.0.0.1/", true),
            ("https://[::1]/", true),
            ("https://[::ffff:10.0.0.1]/", true),
            ("https://169.254.169.254/latest", true),
            ("ftp://mastodon.example/", true),
            ("file:///etc/passwd", true),
            ("javascript:alert(1)", true),
            ("data:text/plain,hi", true),
        ] {
            assert!(
                refusal(&Url::parse(bad).unwrap(), allow_http).is_some(),
                "{bad}"
            );
        }
        let long = format!("https://m.example/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(
            refusal(&Url::parse(&long).unwrap(), false),
            Some("URL is too long")
        );
    }
}
