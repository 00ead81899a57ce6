//! Verifying an inbound request's body digest and HTTP signature (draft-cavage, RSA-SHA256, as
//! Mastodon signs), with aws-lc-rs and each actor's key parsed once and cached.
//!
//! activitypub_federation verifies with the `rsa` crate and parses the PEM again on every
//! request (≈ 115 µs of a core, and RUSTSEC-2023-0071); aws-lc-rs verifies in ≈ 13 µs and is
//! constant-time. The signing string is built by http-signature-normalization exactly as the
//! library builds it, with the same one-hour expiry and required digest.

use std::{
    collections::BTreeMap,
    sync::{Arc, LazyLock},
    time::Duration,
};

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use axum::http::{request::Parts, HeaderMap};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use sha2::{Digest, Sha256};

use crate::{
    delivery::cache::SmallCache,
    error::{Error, Result},
};

/// The public keys of remote actors, parsed, by actor row id (with the PEM they came from, so
/// a rotated key is parsed again).
pub struct VerifyingKeys(SmallCache<i64, (Arc<str>, Arc<ParsedPublicKey>)>);

impl Default for VerifyingKeys {
    fn default() -> Self {
        VerifyingKeys(SmallCache::new(Self::CAPACITY, None))
    }
}

impl VerifyingKeys {
    /// Parsed keys kept at most (≈ 0.5 KB each).
    pub const CAPACITY: usize = 10_000;

    fn key(&self, actor_id: i64, pem: &str) -> Result<Arc<ParsedPublicKey>> {
        if let Some((cached_pem, key)) = self.0.get(&actor_id) {
            if &*cached_pem == pem {
                return Ok(key);
            }
        }
        let key = Arc::new(parse_public_key(pem)?);
        self.0.put(actor_id, (pem.into(), key.clone()));
        Ok(key)
    }
}

fn unverifiable() -> Error {
    Error::Unauthorized("signature could not be verified".into())
}

/// A `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) PEM, as actors publish it.
fn parse_public_key(pem: &str) -> Result<ParsedPublicKey> {
    let mut lines = pem.trim().lines().map(str::trim);
    if lines.next() != Some("-----BEGIN PUBLIC KEY-----") {
        return Err(unverifiable());
    }
    let mut base64 = String::with_capacity(pem.len());
    let mut ended = false;
    for line in lines {
        if line == "-----END PUBLIC KEY-----" {
            ended = true;
            break;
        }
        base64.push_str(line);
    }
    if !ended {
        return Err(unverifiable());
    }
    let der = BASE64.decode(base64).map_err(|_| unverifiable())?;
    ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der).map_err(|_| unverifiable())
}

/// The `Digest` header names the SHA-256 of the body (every value it lists must match).
pub fn verify_digest(headers: &HeaderMap, body: &[u8]) -> Result<()> {
    let invalid = || Error::Unauthorized("digest does not match the body".into());
    let header = headers
        .get("digest")
        .and_then(|value| value.to_str().ok())
        .ok_or_else(invalid)?;
    let header = header.split(';').next().unwrap_or_default();
    let expected = BASE64.encode(Sha256::digest(body));
    let mut parts = 0;
    for part in header.split(',') {
        let Some((_algorithm, value)) = part.split_once('=') else {
            continue;
        };
        parts += 1;
        if value != expected {
            return Err(invalid());
        }
    }
    if parts == 0 {
        return Err(invalid());
    }
    Ok(())
}

/// The verification settings activitypub_federation uses.
static SIGNATURES: LazyLock<http_signature_normalization::Config> = LazyLock::new(|| {
    http_signature_normalization::Config::new()
        .set_expiration(Duration::from_secs(60 * 60))
        .require_digest()
});

/// The request's `Signature` verifies with the actor's public key (`pem`, of actor row
/// `actor_id`). A request without `Host` (HTTP/2, some proxies) is taken as addressed to
/// `domain`.
pub fn verify_signature(
    parts: &Parts,
    domain: &str,
    actor_id: i64,
    pem: &str,
    keys: &VerifyingKeys,
) -> Result<()> {
    let mut headers = BTreeMap::new();
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            headers.insert(name.to_string(), value.to_string());
        }
    }
    if !headers.contains_key("host") {
        headers.insert("host".to_string(), domain.to_string());
    }
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|path| path.as_str())
        .unwrap_or("");
    let unverified = SIGNATURES
        .begin_verify(parts.method.as_str(), path_and_query, headers)
        .map_err(|_| unverifiable())?;
    let key = keys.key(actor_id, pem)?;
    let verified = unverified.verify(|signature, signing_string| {
        BASE64.decode(signature).is_ok_and(|signature| {
            key.verify_sig(signing_string.as_bytes(), &signature)
                .is_ok()
        })
    });
    if verified {
        Ok(())
    } else {
        Err(Error::Unauthorized("signature is invalid".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn digests_must_all_match_the_body() {
        let body = br#"{"type":"Create"}"#;
        let good = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
        let mut headers = HeaderMap::new();
        headers.insert("digest", HeaderValue::from_str(&good).unwrap());
        assert!(verify_digest(&headers, body).is_ok());
        assert!(verify_digest(&headers, b"{}").is_err(), "another body");
        let two = format!("{good},SHA-256=AAAA");
        headers.insert("digest", HeaderValue::from_str(&two).unwrap());
        assert!(verify_digest(&headers, body).is_err(), "one wrong value");
        headers.insert("digest", HeaderValue::from_static("garbage"));
        assert!(verify_digest(&headers, body).is_err());
        assert!(verify_digest(&HeaderMap::new(), body).is_err(), "none");
    }

    #[test]
    fn only_public_key_pems_parse() {
        assert!(parse_public_key("").is_err());
        assert!(parse_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n").is_err());
        assert!(
            parse_public_key("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----").is_err()
        );
        assert!(parse_public_key(
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"
        )
        .is_err());
    }
}
