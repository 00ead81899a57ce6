//! One signed POST of a queued activity to one inbox, and what its answer means for the queue.
//!
//! The HTTP client is shared by every delivery of a process, so connections to an instance are
//! reused from one delivery to the next. It is `federation::http_client`, the one fetches use:
//! no redirects, bounded time, and (outside insecure mode) no host name that resolves to a
//! loopback, private, link-local or multicast address. Since IP literals never reach a resolver,
//! an inbox naming one (or carrying credentials, or another scheme) is refused here before any
//! connection, in every mode, as activitypub_federation refuses them for fetches. Response bodies are never read into logs or the
//! database: only the status code is kept.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::{header, StatusCode};
use url::Url;

use super::signing::{sign_post, SigningKey};

/// How one try went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// 2xx.
    Delivered(u16),
    /// A 4xx other than 401, 408, 410 and 429: the receiver will never take it.
    Refused(u16),
    /// 410 Gone: the recipient no longer exists.
    Gone,
    /// Network error, timeout, 5xx, 401, 408 or 429: try again later, not before `retry_after`
    /// if the receiver said so. 401 is retried as Mastodon does: a receiver that cannot fetch
    /// our key (we were restarting, say) answers 401 to a good signature.
    Retry {
        status: String,
        retry_after: Option<Duration>,
    },
    /// Cannot be sent at all (a key or URL we cannot use).
    Undeliverable(String),
    /// Not sent, and never will be: what it carried is no longer shown (a relayed post deleted,
    /// removed or held before its turn came).
    Withdrawn(String),
}

/// How much of a response body is read (and thrown away) so the connection can be reused.
const DRAIN_LIMIT: usize = 64 * 1024;
/// The longest `Retry-After` honoured; longer requests are shortened to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Signs and POSTs `body` (whose `Digest` header value is `digest`) to `inbox`.
pub async fn post_activity(
    client: &reqwest::Client,
    key: &SigningKey,
    inbox: &Url,
    body: Bytes,
    digest: &str,
) -> SendResult {
    if let Some(reason) = crate::federation::urls::refusal(inbox, true) {
        return SendResult::Undeliverable(format!("inbox refused: {reason}"));
    }
    let signed = match sign_post(key, inbox, digest, SystemTime::now()) {
        Ok(signed) => signed,
        Err(err) => return SendResult::Undeliverable(err.to_string()),
    };
    let request = client
        .post(inbox.clone())
        .header(header::HOST, &signed.host)
        .header(header::DATE, &signed.date)
        .header("digest", &signed.digest)
        .header(header::CONTENT_TYPE, signed.content_type)
        .header(
            header::ACCEPT,
            "application/activity+json, application/ld+json",
        )
        .header("signature", &signed.signature)
        .body(body);
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(err) => {
            return SendResult::Retry {
                status: crate::federation::urls::network_failure(&err).into(),
                retry_after: None,
            }
        }
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value, SystemTime::now()));
    // Read what little the receiver sent so the connection goes back to the pool.
    let mut drained = 0;
    while drained < DRAIN_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => drained += chunk.len(),
            _ => break,
        }
    }
    classify(status, retry_after)
}

/// What a status code means for the queue.
pub fn classify(status: StatusCode, retry_after: Option<Duration>) -> SendResult {
    let code = status.as_u16();
    match code {
        200..=299 => SendResult::Delivered(code),
        401 | 408 | 429 | 500..=599 => SendResult::Retry {
            status: format!("HTTP {code}"),
            retry_after: retry_after.map(|wait| wait.min(MAX_RETRY_AFTER)),
        },
        410 => SendResult::Gone,
        // Redirects are not followed (an inbox that moves must be refetched from its actor).
        _ => SendResult::Refused(code),
    }
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_sort_into_retry_final_and_gone() {
        for code in [401, 408, 429, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(
                matches!(classify(status, None), SendResult::Retry { .. }),
                "{code}"
            );
        }
        for code in [400, 403, 404, 405, 413, 422, 301] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(classify(status, None), SendResult::Refused(code));
        }
        assert_eq!(classify(StatusCode::GONE, None), SendResult::Gone);
        assert_eq!(
            classify(StatusCode::ACCEPTED, None),
            SendResult::Delivered(202)
        );
        let SendResult::Retry { retry_after, .. } = classify(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(7 * 24 * 3600)),
        ) else {
            panic!("429 retries");
        };
        assert_eq!(retry_after, Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::now();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(300));
        let wait = parse_retry_after(&later, now).unwrap();
        assert!(wait > Duration::from_secs(298) && wait <= Duration::from_secs(300));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(300));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
