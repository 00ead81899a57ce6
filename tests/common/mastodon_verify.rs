//! Signature verification as Mastodon does it (app/controllers/concerns/signature_verification.rb),
//! written here from its rules, independently of Rounds and of activitypub_federation:
//! `keyId`, `signature` and a supported `algorithm` (`rsa-sha256` or `hs2019`); for a POST the
//! signed headers must include `(request-target)`, `host`, `date` (or `(created)`) and `digest`;
//! the Date must be within an hour of now (and no more than 12 hours old); the Digest must be the
//! body's SHA-256; the key is the actor's `publicKey`, fetched by its id.

use std::{collections::HashMap, time::SystemTime};

use axum::http::{HeaderMap, Method};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use rsa::{pkcs8::DecodePublicKey, Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};

fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> Result<&'a str, String> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| format!("signature lacks {name}"))
}

/// Parses `a="b",c="d"`.
fn parse(header: &str) -> HashMap<String, String> {
    header
        .split(',')
        .filter_map(|part| {
            let (name, value) = part.split_once('=')?;
            Some((
                name.trim().to_string(),
                value.trim().trim_matches('"').to_string(),
            ))
        })
        .collect()
}

/// Verifies a signed POST; returns the key id on success.
pub async fn verify(
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| format!("missing {name} header"))
    };
    let params = parse(&header("signature")?);
    let key_id = param(&params, "keyId")?.to_string();
    let algorithm = params.get("algorithm").map_or("rsa-sha256", String::as_str);
    if !["rsa-sha256", "hs2019"].contains(&algorithm) {
        return Err(format!("unsupported algorithm {algorithm}"));
    }
    let signed: Vec<&str> = param(&params, "headers")?.split(' ').collect();
    for required in ["(request-target)", "host", "digest"] {
        if !signed.contains(&required) {
            return Err(format!("{required} is not signed"));
        }
    }
    if !signed.contains(&"date") && !signed.contains(&"(created)") {
        return Err("no date is signed".into());
    }
    let date = httpdate::parse_http_date(&header("date")?).map_err(|_| "bad Date")?;
    let now = SystemTime::now();
    let skew = match now.duration_since(date) {
        Ok(age) => age.as_secs() as i64,
        Err(ahead) => -(ahead.duration().as_secs() as i64),
    };
    if !(-3600..=12 * 3600).contains(&skew) {
        return Err("Date is out of the window".into());
    }
    let expected = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
    if header("digest")? != expected {
        return Err("Digest does not match the body".into());
    }
    let mut lines = Vec::new();
    for name in &signed {
        lines.push(match *name {
            "(request-target)" => format!(
                "(request-target): {} {path_and_query}",
                method.as_str().to_lowercase()
            ),
            other => format!("{other}: {}", header(other)?),
        });
    }
    let signing_string = lines.join("\n");
    let signature = BASE64
        .decode(param(&params, "signature")?)
        .map_err(|_| "signature is not base64")?;
    let actor: serde_json::Value = reqwest::Client::new()
        .get(key_id.split('#').next().unwrap_or(&key_id))
        .header("accept", "application/activity+json")
        .send()
        .await
        .map_err(|e| format!("key fetch: {e}"))?
        .json()
        .await
        .map_err(|e| format!("key fetch: {e}"))?;
    if actor["publicKey"]["id"] != key_id.as_str() {
        return Err("the actor does not own this key id".into());
    }
    let pem = actor["publicKey"]["publicKeyPem"]
        .as_str()
        .ok_or("actor has no publicKeyPem")?;
    let key = RsaPublicKey::from_public_key_pem(pem).map_err(|_| "bad public key")?;
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(signing_string.as_bytes()),
        &signature,
    )
    .map_err(|_| "signature does not verify".to_string())?;
    Ok(key_id)
}
