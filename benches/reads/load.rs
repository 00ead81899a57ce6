//! The load generator: GET requests over HTTP/1.1 keep-alive connections (`common::http1`, raw
//! tokio TCP). Each connection sends one request, reads the whole response, records the
//! latency, and sends the next.
//!
//! Every response is checked: its status must be 2xx and its body byte-for-byte the reference
//! body, which was fetched once before the timer and checked for meaning by the caller (the
//! pages and documents measured do not change between requests).

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use crate::common::http1::Connection;
pub use crate::common::http1::{Request, Response};

/// How long a measurement runs, or how many requests it sends.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    After(Duration),
    Count(usize),
}

/// What one measurement saw.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Latencies in microseconds, sorted.
    pub latencies: Vec<u32>,
    pub elapsed: Duration,
    pub non_2xx: usize,
    /// 2xx responses whose body was not the reference body.
    pub wrong: usize,
    /// Connection errors (the connection is opened again).
    pub errors: usize,
    /// The first problem seen, for the report.
    pub first_problem: Option<String>,
    /// CPU time of the whole process during the measurement.
    pub cpu: Duration,
    /// Bytes of body received per response.
    pub body_bytes: usize,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p`-th percentile (0..=1) of latency, in milliseconds.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank =
            ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len());
        f64::from(self.latencies[rank - 1]) / 1e3
    }

    pub fn ok(&self) -> bool {
        self.non_2xx == 0 && self.wrong == 0 && self.errors == 0 && !self.latencies.is_empty()
    }
}

/// Fetches one response on a fresh connection (the reference, before the timer).
pub async fn fetch_once(addr: SocketAddr, request: &Request) -> std::io::Result<Response> {
    Connection::open(addr).await?.fetch(request).await
}

/// Sends `request` to `addr` from `connections` keep-alive connections until `stop`, comparing
/// every body with `reference`. The first `warm_up` of the run is not recorded.
pub async fn drive(
    addr: SocketAddr,
    request: Arc<Request>,
    reference: Arc<Vec<u8>>,
    connections: usize,
    stop: Stop,
    warm_up: Duration,
) -> Outcome {
    let recording = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let budget = Arc::new(AtomicUsize::new(match stop {
        Stop::Count(n) => n,
        Stop::After(_) => usize::MAX,
    }));
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (request, reference, recording, done, budget) = (
                request.clone(),
                reference.clone(),
                recording.clone(),
                done.clone(),
                budget.clone(),
            );
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                let mut connection = None;
                while !done.load(Ordering::Relaxed) {
                    let conn = match connection.as_mut() {
                        Some(conn) => conn,
                        None => match Connection::open(addr).await {
                            Ok(conn) => connection.insert(conn),
                            Err(err) => {
                                outcome.errors += 1;
                                outcome
                                    .first_problem
                                    .get_or_insert(format!("connect: {err}"));
                                tokio::time::sleep(Duration::from_millis(10)).await;
                                continue;
                            }
                        },
                    };
                    let counted = recording.load(Ordering::Relaxed);
                    if counted
                        && budget
                            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                                n.checked_sub(1)
                            })
                            .is_err()
                    {
                        break;
                    }
                    let sent = Instant::now();
                    let exchanged = conn.exchange(&request).await;
                    let latency = sent.elapsed();
                    match exchanged {
                        Ok((status, range)) => {
                            if !counted {
                                continue;
                            }
                            outcome
                                .latencies
                                .push(latency.as_micros().min(u32::MAX as u128) as u32);
                            let body = &conn.buf[range];
                            outcome.body_bytes = body.len();
                            if !(200..300).contains(&status) {
                                outcome.non_2xx += 1;
                                outcome.first_problem.get_or_insert_with(|| {
                                    format!("status {status}: {}", excerpt(body))
                                });
                            } else if body != reference.as_slice() {
                                outcome.wrong += 1;
                                outcome.first_problem.get_or_insert_with(|| {
                                    format!(
                                        "a body of {} bytes differs from the reference ({} \
                                         bytes): {}",
                                        body.len(),
                                        reference.len(),
                                        excerpt(body)
                                    )
                                });
                            }
                        }
                        Err(err) => {
                            connection = None;
                            if counted {
                                outcome.errors += 1;
                                outcome
                                    .first_problem
                                    .get_or_insert(format!("exchange: {err}"));
                            }
                        }
                    }
                }
                outcome
            })
        })
        .collect();
    tokio::time::sleep(warm_up).await;
    let cpu_before = crate::common::procfs::cpu_time();
    let started = Instant::now();
    recording.store(true, Ordering::Relaxed);
    match stop {
        Stop::After(duration) => {
            tokio::time::sleep(duration).await;
            done.store(true, Ordering::Relaxed);
        }
        Stop::Count(_) => {
            while budget.load(Ordering::Relaxed) > 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            done.store(true, Ordering::Relaxed);
        }
    }
    let mut total = Outcome::default();
    for task in tasks {
        let outcome = task.await.expect("a load generator task panicked");
        total.latencies.extend(outcome.latencies);
        total.non_2xx += outcome.non_2xx;
        total.wrong += outcome.wrong;
        total.errors += outcome.errors;
        total.body_bytes = total.body_bytes.max(outcome.body_bytes);
        total.first_problem = total.first_problem.or(outcome.first_problem);
    }
    // The requests in flight when the time ran out finished after it; they are counted, so
    // the rate is over the time until the last one ended.
    total.elapsed = started.elapsed();
    total.cpu = crate::common::procfs::cpu_time().saturating_sub(cpu_before);
    total.latencies.sort_unstable();
    total
}

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()
}
