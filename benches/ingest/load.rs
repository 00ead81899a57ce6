//! The load generator (keep-alive connections POSTing pre-signed requests, latencies and
//! statuses), the warm-up, and what a run's figures are (the part of the result line that
//! Rounds and a peer share).

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use rounds::delivery::signing::SigningKey;
use url::Url;

use super::{
    common::http1::{Connection, Request},
    sign, sign_all, Signed,
};

pub(crate) struct Driven {
    pub(crate) latencies: Vec<Duration>,
    pub(crate) statuses: BTreeMap<u16, usize>,
    pub(crate) first_refusal: Option<String>,
    /// The indexes of the requests refused.
    pub(crate) refused: Vec<usize>,
    pub(crate) elapsed: Duration,
}

impl Driven {
    /// Requests accepted (2xx) per second.
    pub(crate) fn rate(&self) -> f64 {
        (self.latencies.len() - non_2xx(self)) as f64 / self.elapsed.as_secs_f64()
    }

    /// The middle of a server's result line: "R accepted/s in S s | latency p50 … ms, p90 …,
    /// p99 …, max … ms | statuses {…}, non-2xx N (first: …)".
    pub(crate) fn summary(&self) -> String {
        let l = &self.latencies;
        format!(
            "{:.0} accepted/s in {:.2} s | latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max \
             {:.1} ms | statuses {:?}, non-2xx {}{}",
            self.rate(),
            self.elapsed.as_secs_f64(),
            percentile(l, 0.50),
            percentile(l, 0.90),
            percentile(l, 0.99),
            percentile(l, 1.0),
            self.statuses,
            non_2xx(self),
            self.first_refusal
                .as_deref()
                .map(|r| format!(" (first: {r})"))
                .unwrap_or_default(),
        )
    }
}

/// Refusals after which a run stops sending: a server that refuses this many is broken, and a
/// broken server can take minutes per request.
pub(crate) const GIVE_UP_AFTER: usize = 50;

/// How long the load generator waits for an answer before counting a request as refused.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// POSTs every request to `url` from `concurrency` tasks, each on its own keep-alive
/// connection (`common::http1`: no client library, so that the load generator takes as little
/// of the shared cores as it can), recording each request's latency (until the response body is
/// read). A connection that fails is opened again and the request sent once more. Stops early
/// after [`GIVE_UP_AFTER`] refusals (a timeout or a failed connection counts as one, with
/// status 0).
pub(crate) async fn drive(url: &str, requests: Arc<Vec<Signed>>, concurrency: usize) -> Driven {
    let url = Url::parse(url).expect("the inbox URL");
    let addr = tokio::net::lookup_host((
        url.host_str().unwrap_or("localhost"),
        url.port_or_known_default().unwrap_or(80),
    ))
    .await
    .ok()
    .and_then(|mut addrs| addrs.find(|addr| addr.is_ipv4()))
    .expect("the inbox's address");
    let path = Arc::new(match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    });
    let next = Arc::new(AtomicUsize::new(0));
    let refusals = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, requests, path, refusals) = (
                next.clone(),
                requests.clone(),
                path.clone(),
                refusals.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut statuses = BTreeMap::new();
                let mut first_refusal = None;
                let mut refused = Vec::new();
                let mut connection: Option<Connection> = None;
                loop {
                    if refusals.load(Ordering::Relaxed) >= GIVE_UP_AFTER {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(request) = requests.get(index) else {
                        break;
                    };
                    let request = Request::from_bytes(post_bytes(&path, request));
                    let sent = Instant::now();
                    let mut answer = None;
                    let mut problem = String::new();
                    for _attempt in 0..2 {
                        let exchanged = tokio::time::timeout(REQUEST_TIMEOUT, async {
                            if connection.is_none() {
                                connection = Some(Connection::open(addr).await?);
                            }
                            match connection.as_mut() {
                                Some(conn) => conn.fetch(&request).await,
                                None => Err(std::io::Error::other("no connection")),
                            }
                        })
                        .await;
                        match exchanged {
                            Ok(Ok(response)) => {
                                answer = Some(response);
                                break;
                            }
                            Ok(Err(err)) => problem = format!("connection failed: {err}"),
                            Err(_) => {
                                problem =
                                    format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())
                            }
                        }
                        connection = None;
                    }
                    latencies.push(sent.elapsed());
                    // Status 0: no answer.
                    let (status, body) = answer.map_or((0, Vec::new()), |r| (r.status, r.body));
                    *statuses.entry(status).or_insert(0) += 1;
                    if !(200..300).contains(&status) {
                        refused.push(index);
                        refusals.fetch_add(1, Ordering::Relaxed);
                        first_refusal.get_or_insert_with(|| match status {
                            0 => problem,
                            _ => format!(
                                "{status}: {}",
                                String::from_utf8_lossy(&body[..body.len().min(300)])
                            ),
                        });
                    }
                }
                (latencies, statuses, first_refusal, refused)
            })
        })
        .collect();
    let mut driven = Driven {
        latencies: Vec::new(),
        statuses: BTreeMap::new(),
        first_refusal: None,
        refused: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for task in tasks {
        let (latencies, statuses, refusal, refused) = task.await.unwrap();
        driven.refused.extend(refused);
        driven.latencies.extend(latencies);
        for (status, count) in statuses {
            *driven.statuses.entry(status).or_insert(0) += count;
        }
        driven.first_refusal = driven.first_refusal.or(refusal);
    }
    driven.elapsed = started.elapsed();
    driven.latencies.sort();
    driven
}

/// Warm-up (untimed): POSTs `bodies` (`(actor, body)`), signed for `inbox`, a few at a time,
/// then whatever was refused again, one by one, up to three times: this only fills caches.
/// Returns how many the first pass refused, and the last pass.
pub(crate) async fn warm_up(
    keys: &[SigningKey],
    inbox: &Url,
    bodies: &[(usize, String)],
    concurrency: usize,
) -> (usize, Driven) {
    let signed = sign_all(keys, inbox, bodies.to_vec());
    let mut warmed = drive(inbox.as_str(), Arc::new(signed), concurrency.min(4)).await;
    let first_refused = warmed.refused.len();
    // Indexes into `bodies` of those still refused.
    let mut pending = warmed.refused.clone();
    for _ in 0..3 {
        if pending.is_empty() {
            break;
        }
        let again: Vec<Signed> = pending
            .iter()
            .map(|&i| sign(&keys[bodies[i].0], inbox, bodies[i].1.clone()))
            .collect();
        warmed = drive(inbox.as_str(), Arc::new(again), 1).await;
        pending = warmed.refused.iter().map(|&j| pending[j]).collect();
    }
    (first_refused, warmed)
}

/// A signed request as it goes on the wire: `POST path`, its headers, its body.
fn post_bytes(path: &str, request: &Signed) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(request.body.len() + 1024);
    bytes.extend_from_slice(format!("POST {path} HTTP/1.1\r\n").as_bytes());
    for (name, value) in &request.headers {
        bytes.extend_from_slice(name.as_str().as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(format!("content-length: {}\r\n\r\n", request.body.len()).as_bytes());
    bytes.extend_from_slice(&request.body);
    bytes
}

pub(crate) fn non_2xx(driven: &Driven) -> usize {
    driven
        .statuses
        .iter()
        .filter(|(status, _)| !(200..300).contains(*status))
        .map(|(_, count)| count)
        .sum()
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e3
}
