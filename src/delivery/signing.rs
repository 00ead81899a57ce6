//! Signing outgoing POSTs: draft-cavage HTTP signatures (the string built by
//! http-signature-normalization, in Mastodon's form: `(request-target) content-type date digest
//! host`, `Date` rather than `(created)`), RSA PKCS#1 v1.5 SHA-256 by aws-lc-rs, which is
//! constant-time and about five times faster than the `rsa` crate (RUSTSEC-2023-0071).
//!
//! Parsed keys are cached per signing actor: parsing a PEM key costs far more than a signature.

use std::{collections::BTreeMap, sync::Arc, time::SystemTime};

use aws_lc_rs::{rand::SystemRandom, signature::RsaKeyPair};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use sha2::{Digest, Sha256};
use url::Url;

use super::cache::SmallCache;

/// A local actor's private key, parsed, with the key id other servers fetch to verify.
pub struct SigningKey {
    pub key_id: String,
    pair: RsaKeyPair,
}

impl std::fmt::Debug for SigningKey {
    /// The key id only, never key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.key_id)
    }
}

/// Why a key could not be used. Never carries key material.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(&'static str);

impl SigningKey {
    /// Parses a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM key.
    pub fn from_pem(key_id: String, pem: &str) -> Result<SigningKey, KeyError> {
        let pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
        let body: String = pem
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("-----"))
            .collect();
        let der = BASE64
            .decode(body.as_bytes())
            .map_err(|_| KeyError("private key PEM is not base64"))?;
        let pair = if pkcs1 {
            RsaKeyPair::from_der(&der)
        } else {
            RsaKeyPair::from_pkcs8(&der)
        }
        .map_err(|_| KeyError("private key is not an acceptable RSA key"))?;
        Ok(SigningKey { key_id, pair })
    }

    /// RSA PKCS#1 v1.5 with SHA-256 over `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| KeyError("signing failed"))?;
        Ok(signature)
    }
}

/// `SHA-256=<base64>` of a body, for the `Digest` header.
pub fn body_digest(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

/// The headers that make a POST signed.
#[derive(Debug, Clone)]
pub struct SignedHeaders {
    pub host: String,
    pub date: String,
    pub digest: String,
    pub content_type: &'static str,
    pub signature: String,
}

/// The content type of every activity Rounds sends.
pub const ACTIVITY_CONTENT_TYPE: &str = "application/activity+json";

/// The `Host` header value of a URL: host, and port when it is not the scheme's default.
pub fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// Signs a POST of a body with digest `digest` to `url`, dated `now`.
pub fn sign_post(
    key: &SigningKey,
    url: &Url,
    digest: &str,
    now: SystemTime,
) -> Result<SignedHeaders, KeyError> {
    let host = host_header(url).ok_or(KeyError("inbox URL has no host"))?;
    let date = httpdate::fmt_http_date(now);
    let mut headers = BTreeMap::new();
    headers.insert("host".to_string(), host.clone());
    headers.insert("date".to_string(), date.clone());
    headers.insert("digest".to_string(), digest.to_string());
    headers.insert(
        "content-type".to_string(),
        ACTIVITY_CONTENT_TYPE.to_string(),
    );
    let path_and_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let signature = http_signature_normalization::Config::new()
        .mastodon_compat()
        .require_digest()
        .begin_sign("POST", &path_and_query, headers)
        .map_err(|_| KeyError("a required header is missing"))?
        .sign(key.key_id.clone(), |signing_string| {
            key.sign(signing_string.as_bytes())
                .map(|bytes| BASE64.encode(bytes))
        })?
        .signature_header();
    Ok(SignedHeaders {
        host,
        date,
        digest: digest.to_string(),
        content_type: ACTIVITY_CONTENT_TYPE,
        signature,
    })
}

/// Parsed keys by local actor id (there is one key per local actor). Bounded.
pub struct KeyCache(SmallCache<i64, Arc<SigningKey>>);

impl Default for KeyCache {
    fn default() -> KeyCache {
        KeyCache(SmallCache::new(Self::CAPACITY, None))
    }
}

impl KeyCache {
    pub const CAPACITY: usize = 10_000;

    /// The cached key of `actor_id`, if parsed before.
    pub fn get(&self, actor_id: i64) -> Option<Arc<SigningKey>> {
        self.0.get(&actor_id)
    }

    /// The cached key of `actor_id`, or the one `load` parses (then cached).
    pub fn get_or_parse(
        &self,
        actor_id: i64,
        load: impl FnOnce() -> Result<SigningKey, KeyError>,
    ) -> Result<Arc<SigningKey>, KeyError> {
        if let Some(key) = self.get(actor_id) {
            return Ok(key);
        }
        let key = Arc::new(load()?);
        self.0.put(actor_id, key.clone());
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::{pkcs8::DecodePublicKey, Pkcs1v15Sign, RsaPublicKey};

    fn keypair() -> activitypub_federation::http_signatures::Keypair {
        activitypub_federation::http_signatures::generate_actor_keypair().unwrap()
    }

    #[test]
    fn signatures_verify_with_an_independent_rsa_implementation() {
        let keys = keypair();
        let key = SigningKey::from_pem(
            "https://a.example/actors/x#main-key".into(),
            &keys.private_key,
        )
        .unwrap();
        let message = b"(request-target): post /inbox\nhost: b.example";
        let signature = key.sign(message).unwrap();
        let public = RsaPublicKey::from_public_key_pem(&keys.public_key).unwrap();
        public
            .verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(message),
                &signature,
            )
            .unwrap();
        assert!(public
            .verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(b"other"),
                &signature
            )
            .is_err());
    }

    #[test]
    fn the_signature_header_has_mastodons_shape_and_verifies() {
        let keys = keypair();
        let key = SigningKey::from_pem(
            "https://a.example/actors/x#main-key".into(),
            &keys.private_key,
        )
        .unwrap();
        let url = Url::parse("https://b.example:8443/users/y/inbox?x=1").unwrap();
        let digest = body_digest(b"{}");
        let now = SystemTime::now();
        let signed = sign_post(&key, &url, &digest, now).unwrap();
        assert_eq!(signed.host, "b.example:8443");
        assert!(signed
            .signature
            .contains(r#"headers="(request-target) content-type date digest host""#));
        assert!(signed
            .signature
            .starts_with(r#"keyId="https://a.example/actors/x#main-key""#));
        let encoded = signed
            .signature
            .split("signature=\"")
            .nth(1)
            .unwrap()
            .trim_end_matches('"');
        let signing_string = format!(
            "(request-target): post /users/y/inbox?x=1\ncontent-type: application/activity+json\n\
             date: {}\ndigest: {digest}\nhost: b.example:8443",
            httpdate::fmt_http_date(now)
        );
        let public = RsaPublicKey::from_public_key_pem(&keys.public_key).unwrap();
        public
            .verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(signing_string.as_bytes()),
                &BASE64.decode(encoded).unwrap(),
            )
            .unwrap();
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        let err = SigningKey::from_pem(
            "k".into(),
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        )
        .unwrap_err();
        assert!(!err.to_string().contains("AAAA"));
        let cache = KeyCache::default();
        let mut parses = 0;
        for _ in 0..3 {
            let _ = cache.get_or_parse(7, || {
                parses += 1;
                SigningKey::from_pem("k".into(), &keypair().private_key)
            });
        }
        assert_eq!(parses, 1, "a parsed key is reused");
    }
}
