//! The inbound checks Rounds adds to activitypub_federation's signature verification:
//! a signature must be present and must sign `(request-target)`, `digest` and a date (the `Date`
//! header or `(created)`), and that date must be within one hour of now in either direction
//! (the library alone accepts dates far in the future). An `expires` parameter (hs2019,
//! `(expires)`) that has passed is refused too.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;

use crate::error::{Error, Result};

/// How far a signed date may be from now, either way.
pub const DATE_WINDOW: Duration = Duration::from_secs(60 * 60);

/// The parameters of a draft-cavage `Signature` header that our checks need.
#[derive(Debug, PartialEq, Eq)]
pub struct SignatureParams {
    pub key_id: String,
    /// The signed header names, lower-case.
    pub headers: Vec<String>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
}

fn unauthorized(reason: &str) -> Error {
    Error::Unauthorized(reason.to_string())
}

/// Parses `keyId="...",algorithm="...",headers="...",signature="..."`.
pub fn parse_signature_header(value: &str) -> Option<SignatureParams> {
    let mut key_id = None;
    let mut headers = None;
    let mut created = None;
    let mut expires = None;
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=')?;
        let name = name.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        match name.as_str() {
            "keyid" => key_id = Some(value.to_string()),
            "headers" => headers = Some(value.to_ascii_lowercase()),
            "created" => created = Some(value.trim().parse().ok()?),
            "expires" => expires = Some(value.trim().parse().ok()?),
            _ => {}
        }
        rest = after
            .trim_start()
            .strip_prefix(',')
            .unwrap_or(after)
            .trim_start();
    }
    Some(SignatureParams {
        key_id: key_id?,
        // The draft's default when `headers` is absent is `date` alone.
        headers: headers
            .unwrap_or_else(|| "date".to_string())
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        created,
        expires,
    })
}

/// Checks that a POST is signed over the parts that matter and that its date is current.
pub fn check_signed_post(headers: &HeaderMap, now: SystemTime) -> Result<SignatureParams> {
    let header = headers
        .get("signature")
        .ok_or_else(|| unauthorized("request is not signed"))?;
    let params = header
        .to_str()
        .ok()
        .and_then(parse_signature_header)
        .ok_or_else(|| unauthorized("signature header is malformed"))?;
    let signs = |name: &str| params.headers.iter().any(|signed| signed == name);
    if !signs("(request-target)") {
        return Err(unauthorized("signature does not cover (request-target)"));
    }
    if !signs("digest") {
        return Err(unauthorized("signature does not cover the digest"));
    }
    let signed_at = if signs("(created)") {
        let created = params
            .created
            .ok_or_else(|| unauthorized("signature lacks its created time"))?;
        UNIX_EPOCH + Duration::from_secs(u64::try_from(created).unwrap_or(0))
    } else if signs("date") {
        let date = headers
            .get("date")
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| unauthorized("signed Date header is missing"))?;
        httpdate::parse_http_date(date).map_err(|_| unauthorized("Date header is malformed"))?
    } else {
        return Err(unauthorized("signature does not cover a date"));
    };
    let distance = match now.duration_since(signed_at) {
        Ok(age) => age,
        Err(ahead) => ahead.duration(),
    };
    if distance > DATE_WINDOW {
        return Err(unauthorized("signed date is outside the accepted window"));
    }
    if let Some(expires) = params.expires {
        let expires = UNIX_EPOCH + Duration::from_secs(u64::try_from(expires).unwrap_or(0));
        if expires < now {
            return Err(unauthorized("signature has expired"));
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const MASTODON: &str = r#"keyId="https://mastodon.example/users/alice#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="c2lnbmF0dXJl""#;

    fn headers(signature: &str, date: SystemTime) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert("signature", HeaderValue::from_str(signature).unwrap());
        map.insert(
            "date",
            HeaderValue::from_str(&httpdate::fmt_http_date(date)).unwrap(),
        );
        map
    }

    #[test]
    fn parses_mastodon_and_created_forms() {
        let params = parse_signature_header(MASTODON).unwrap();
        assert_eq!(
            params.key_id,
            "https://mastodon.example/users/alice#main-key"
        );
        assert_eq!(params.headers[0], "(request-target)");
        let created = parse_signature_header(
            r#"keyId="k", algorithm="hs2019", created=1700000000, headers="(request-target) (created) digest", signature="x""#,
        )
        .unwrap();
        assert_eq!(created.created, Some(1_700_000_000));
        assert!(
            parse_signature_header(r#"keyId="k",created=soon,signature="x""#).is_none(),
            "a created time that is not a number"
        );
        assert!(parse_signature_header("garbage").is_none());
        assert!(
            parse_signature_header(r#"headers="date""#).is_none(),
            "no keyId"
        );
    }

    #[test]
    fn dates_outside_the_window_are_refused_both_ways() {
        let now = SystemTime::now();
        assert!(check_signed_post(&headers(MASTODON, now), now).is_ok());
        let old = now - Duration::from_secs(2 * 3600);
        let future = now + Duration::from_secs(2 * 3600);
        for date in [old, future] {
            let err = check_signed_post(&headers(MASTODON, date), now).unwrap_err();
            assert!(matches!(err, Error::Unauthorized(_)), "{err}");
        }
    }

    #[test]
    fn created_and_expires_are_checked() {
        let now = SystemTime::now();
        let unix = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
        let signed = |created: u64, expires: u64| {
            format!(
                r#"keyId="k",algorithm="hs2019",created={created},expires={expires},headers="(request-target) (created) (expires) digest",signature="x""#
            )
        };
        let mut map = HeaderMap::new();
        let mut check = |signature: &str| {
            map.insert("signature", HeaderValue::from_str(signature).unwrap());
            check_signed_post(&map, now).map(|_| ())
        };
        assert!(check(&signed(unix, unix + 60)).is_ok());
        for (created, expires) in [
            (unix - 7200, unix + 60),
            (unix + 7200, unix + 9000),
            (unix - 60, unix - 1),
        ] {
            assert!(
                check(&signed(created, expires)).is_err(),
                "{created} {expires}"
            );
        }
        let no_created = r#"keyId="k",headers="(request-target) (created) digest",signature="x""#;
        assert!(check(no_created).is_err());
    }

    #[test]
    fn unsigned_dates_and_digests_are_refused() {
        let now = SystemTime::now();
        let no_date = r#"keyId="k",headers="(request-target) host digest",signature="x""#;
        let no_digest = r#"keyId="k",headers="(request-target) host date",signature="x""#;
        for signature in [no_date, no_digest] {
            assert!(check_signed_post(&headers(signature, now), now).is_err());
        }
        assert!(check_signed_post(&HeaderMap::new(), now).is_err());
    }
}
