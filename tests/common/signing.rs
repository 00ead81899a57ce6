//! draft-cavage HTTP signatures for test requests, written here from the draft (not with
//! Rounds' code), with switches for each flaw the inbox must refuse.

use std::time::SystemTime;

use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use reqwest::StatusCode;
use rsa::{pkcs8::DecodePrivateKey, Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

/// A key to sign with, and the key id to claim.
#[derive(Clone)]
pub struct Signer {
    pub key_id: String,
    pub private_key: RsaPrivateKey,
}

impl Signer {
    pub fn new(key_id: &str, private_key_pem: &str) -> Signer {
        Signer {
            key_id: key_id.to_string(),
            private_key: RsaPrivateKey::from_pkcs8_pem(private_key_pem).unwrap(),
        }
    }
}

/// How to sign (or mis-sign) one request.
#[derive(Clone)]
pub struct SignOptions {
    pub date: SystemTime,
    /// The signed headers, in order.
    pub headers: &'static str,
    /// Send a Digest of other bytes than the body.
    pub wrong_digest: bool,
    /// `created` (Unix seconds) in the header, for `(created)` (hs2019, draft-cavage 11+).
    pub created: Option<i64>,
    /// `expires` (Unix seconds) in the header, for `(expires)`.
    pub expires: Option<i64>,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            date: SystemTime::now(),
            headers: "(request-target) host date digest content-type",
            wrong_digest: false,
            created: None,
            expires: None,
        }
    }
}

/// POSTs `body` to `url`, signed by `signer` (unsigned when `None`). Returns status and body.
pub async fn post(
    url: &str,
    body: &[u8],
    signer: Option<&Signer>,
    options: &SignOptions,
) -> (StatusCode, String) {
    let response = post_response(url, body, signer, options).await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// As [`post`], returning the whole response (for its headers).
pub async fn post_response(
    url: &str,
    body: &[u8],
    signer: Option<&Signer>,
    options: &SignOptions,
) -> reqwest::Response {
    let parsed = url::Url::parse(url).unwrap();
    let host = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
    let date = httpdate::fmt_http_date(options.date);
    let digested: &[u8] = if options.wrong_digest {
        b"other bytes"
    } else {
        body
    };
    let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(digested)));
    let content_type = "application/activity+json";
    let mut request = reqwest::Client::new()
        .post(url)
        .header("host", &host)
        .header("date", &date)
        .header("digest", &digest)
        .header("content-type", content_type)
        .body(body.to_vec());
    if let Some(signer) = signer {
        let signing_string = options
            .headers
            .split_whitespace()
            .map(|name| match name {
                "(request-target)" => format!("(request-target): post {}", parsed.path()),
                "host" => format!("host: {host}"),
                "date" => format!("date: {date}"),
                "digest" => format!("digest: {digest}"),
                "content-type" => format!("content-type: {content_type}"),
                "(created)" => format!("(created): {}", options.created.unwrap()),
                "(expires)" => format!("(expires): {}", options.expires.unwrap()),
                other => panic!("no value for {other}"),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let signature = signer
            .private_key
            .sign(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(signing_string.as_bytes()),
            )
            .unwrap();
        let algorithm = if options.created.is_some() || options.expires.is_some() {
            "hs2019"
        } else {
            "rsa-sha256"
        };
        let mut times = String::new();
        if let Some(created) = options.created {
            times.push_str(&format!("created={created},"));
        }
        if let Some(expires) = options.expires {
            times.push_str(&format!("expires={expires},"));
        }
        request = request.header(
            "signature",
            format!(
                "keyId=\"{}\",algorithm=\"{algorithm}\",{times}headers=\"{}\",signature=\"{}\"",
                signer.key_id,
                options.headers,
                BASE64.encode(signature)
            ),
        );
    }
    request.send().await.unwrap()
}
