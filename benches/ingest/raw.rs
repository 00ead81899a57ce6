//! The raw floor: the same pre-signed requests verified and inserted without HTTP or Rounds.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, LazyLock,
    },
    time::{Duration, Instant},
};

use aws_lc_rs::signature::ParsedPublicKey;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use rounds::delivery::signing::body_digest;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use super::Signed;

/// The public key, parsed once for each verifier ("keys cached"), by key id.
pub(crate) struct RawKey {
    pub(crate) rsa: RsaPublicKey,
    pub(crate) aws_lc: ParsedPublicKey,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Verifier {
    /// The `rsa` crate, what activitypub_federation verifies with.
    RsaCrate,
    AwsLc,
    /// No verification (the insert alone).
    Skip,
}

/// activitypub_federation's verification settings.
pub(crate) static VERIFY_CONFIG: LazyLock<http_signature_normalization::Config> =
    LazyLock::new(|| {
        http_signature_normalization::Config::new()
            .set_expiration(Duration::from_secs(3600))
            .require_digest()
    });

/// Checks the digest, parses the Signature header, verifies it, parses the JSON: the activity's
/// id, or `None` if anything fails.
pub(crate) fn verify_raw(
    request: &Signed,
    keys: &HashMap<String, Arc<RawKey>>,
    verifier: Verifier,
) -> Option<String> {
    let digest = request.headers.get("digest")?.to_str().ok()?;
    if verifier != Verifier::Skip {
        if body_digest(&request.body) != digest {
            return None;
        }
        let mut headers = BTreeMap::new();
        for (name, value) in &request.headers {
            headers.insert(name.to_string(), value.to_str().ok()?.to_string());
        }
        let unverified = VERIFY_CONFIG.begin_verify("POST", "/inbox", headers).ok()?;
        let key = keys.get(unverified.key_id())?;
        let verified = unverified.verify(|signature, signing_string| {
            let Ok(signature) = BASE64.decode(signature) else {
                return false;
            };
            match verifier {
                Verifier::RsaCrate => key
                    .rsa
                    .verify(
                        Pkcs1v15Sign::new::<Sha256>(),
                        &Sha256::digest(signing_string.as_bytes()),
                        &signature,
                    )
                    .is_ok(),
                _ => key
                    .aws_lc
                    .verify_sig(signing_string.as_bytes(), &signature)
                    .is_ok(),
            }
        });
        if !verified {
            return None;
        }
    }
    let activity: serde_json::Value = serde_json::from_slice(&request.body).ok()?;
    Some(activity.get("id")?.as_str()?.to_string())
}

/// Verify-and-insert over every request, one awaited insert per activity into `table`, from
/// `concurrency` tokio tasks. Returns activities per second and failures.
pub(crate) async fn raw_loop(
    pool: &AnyPool,
    requests: Arc<Vec<Signed>>,
    keys: Arc<HashMap<String, Arc<RawKey>>>,
    verifier: Verifier,
    table: &str,
    concurrency: usize,
) -> (f64, usize) {
    sqlx::query(&format!(
        "CREATE TABLE {table} (ap_id TEXT PRIMARY KEY, received_at BIGINT NOT NULL, \
         body TEXT NOT NULL)"
    ))
    .execute(pool)
    .await
    .unwrap();
    let insert: Arc<str> =
        format!("INSERT INTO {table} (ap_id, received_at, body) VALUES ($1, $2, $3)").into();
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (pool, requests, keys, next, failures, insert) = (
                pool.clone(),
                requests.clone(),
                keys.clone(),
                next.clone(),
                failures.clone(),
                insert.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(request) = requests.get(index) else {
                        break;
                    };
                    let Some(id) = verify_raw(request, &keys, verifier) else {
                        failures.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    let body = std::str::from_utf8(&request.body).unwrap_or_default();
                    let stored = sqlx::query(&insert)
                        .bind(id)
                        .bind(rounds::db::now_millis())
                        .bind(body)
                        .execute(&pool)
                        .await;
                    if stored.is_err() {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let rate = requests.len() as f64 / started.elapsed().as_secs_f64();
    (rate, failures.load(Ordering::Relaxed))
}

/// Verification alone (no insert, no JSON), on every core with threads: the CPU ceiling.
pub(crate) fn verify_only_rate(
    requests: &[Signed],
    keys: &HashMap<String, Arc<RawKey>>,
    verifier: Verifier,
) -> f64 {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(request) = requests.get(index) else {
                    break;
                };
                assert!(verify_raw(request, keys, verifier).is_some());
            });
        }
    });
    requests.len() as f64 / started.elapsed().as_secs_f64()
}
