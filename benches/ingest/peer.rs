//! The side-by-side run (`--against fedify`): after Rounds, the same job for an independent
//! server on the same machine, in the same run, and the ratio.
//!
//! The peer is a Fedify-based inbox (`benches/ingest/fedify/server.mjs`, Node.js, SQLite through
//! better-sqlite3): for each reply Fedify verifies the HTTP signature (fetching and caching the
//! actor's key from the same origin), parses the `Create(Note)`, and the server's listener
//! checks `attributedTo`, sanitizes the HTML, stores the reply under its thread and records the
//! Group's `Announce` in an outbox table in the same transaction, before the 202. It is started
//! here with `node server.mjs --port P --db SCRATCH --thread URL` (plus `--fedify-args`), warmed
//! up as Rounds was (one reply per actor, so every key is cached), sent the same replies (the
//! same bodies, signed for its inbox) by the same load generator at the same concurrency, and
//! stopped with SIGTERM; then its database is counted.

use std::{
    path::Path,
    process::Stdio,
    sync::{atomic::Ordering, Arc},
    time::{Duration, Instant},
};

use rounds::delivery::signing::SigningKey;
use sqlx::{Connection, SqliteConnection};
use url::Url;

use super::{
    common::procfs::{cpu_time, cpu_time_of, memory_mib_of},
    drive, non_2xx,
    origin::ACTOR_FETCHES,
    percentile, sign_all, warm_up, Signed,
};

/// The servers that can be measured beside Rounds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Peer {
    Fedify,
}

impl Peer {
    /// The peer named, once it is known to be installed (so that a missing install fails
    /// before Rounds is measured, not after).
    pub(crate) fn parse(name: &str) -> Peer {
        match name {
            "fedify" => {
                fedify_versions();
                Peer::Fedify
            }
            other => panic!("--against {other}: the peers known are: fedify"),
        }
    }
}

/// What the peer is asked to do: the same as Rounds was.
pub(crate) struct Job<'a> {
    pub(crate) keys: &'a [SigningKey],
    /// One reply per actor, `(actor, body)`, sent before the timer.
    pub(crate) warm_bodies: &'a [(usize, String)],
    /// Rounds' timed requests: their bodies are sent again, signed for the peer's inbox.
    pub(crate) timed: &'a [Signed],
    pub(crate) actors: usize,
    pub(crate) concurrency: usize,
    /// The thread the replies answer (the peer stores it first, so that replies are threaded).
    pub(crate) thread: &'a str,
    /// More arguments for the peer's server (`--fedify-args`).
    pub(crate) extra_args: &'a [String],
}

/// Rounds' figures in the same run, for the ratio.
pub(crate) struct Measured {
    pub(crate) name: String,
    pub(crate) rate: f64,
    pub(crate) p50: f64,
    pub(crate) p99: f64,
}

/// Runs `peer` on `job` and prints its figures and the ratios to `rounds`: whether every reply
/// was accepted, stored and its Announce recorded.
pub(crate) async fn run(peer: Peer, job: &Job<'_>, rounds: &Measured) -> bool {
    match peer {
        Peer::Fedify => run_fedify(job, rounds).await,
    }
}

const FEDIFY_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/ingest/fedify");

/// Exits the benchmark with an error, saying how to install the Fedify server.
fn not_installed(why: &str) -> ! {
    eprintln!(
        "--against fedify: {why}. Install the Fedify server (Node.js ≥ 20 and npm) with:\n  \
         npm ci --prefix benches/ingest/fedify\n\
         (better-sqlite3 downloads a prebuilt binary or builds from source with node-gyp, \
         which needs python3, make and a C++ compiler; where the Node headers cannot be \
         downloaded either, point node-gyp at the installed ones, e.g. \
         `npm_config_nodedir=/usr npm ci --prefix benches/ingest/fedify` when they are in \
         /usr/include/node)"
    );
    std::process::exit(2);
}

/// Fedify's and Node's versions; exits with how to install them if they are missing.
fn fedify_versions() -> (String, String) {
    let modules = Path::new(FEDIFY_DIR).join("node_modules");
    if !modules.join("@fedify/fedify/package.json").exists()
        || !modules.join("better-sqlite3/package.json").exists()
    {
        not_installed(&format!("{} is missing", modules.display()));
    }
    let fedify = std::fs::read_to_string(modules.join("@fedify/fedify/package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|package| package["version"].as_str().map(String::from))
        .unwrap_or_else(|| "?".into());
    let node = match std::process::Command::new("node").arg("--version").output() {
        Ok(output) => String::from_utf8_lossy(&output.stdout).trim().to_string(),
        Err(error) => not_installed(&format!("`node` could not be run ({error})")),
    };
    (fedify, node)
}

async fn run_fedify(job: &Job<'_>, rounds: &Measured) -> bool {
    let dir = Path::new(FEDIFY_DIR);
    let (fedify_version, node_version) = fedify_versions();
    let workers = job
        .extra_args
        .iter()
        .position(|a| a == "--workers")
        .and_then(|i| job.extra_args.get(i + 1))
        .map_or("1 process".to_string(), |n| format!("{n} worker processes"));
    let name = format!("Fedify {fedify_version} (Node {node_version}, {workers}; SQLite)");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let scratch = tempfile::tempdir().unwrap();
    let db = scratch.path().join("fedify.db");
    let mut child = tokio::process::Command::new("node")
        .current_dir(dir)
        .arg("server.mjs")
        .args(["--port", &port.to_string(), "--thread", job.thread, "--db"])
        .arg(&db)
        .args(job.extra_args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| not_installed(&format!("`node` could not be run ({error})")));
    let pid = child.id().expect("the Fedify server's pid").to_string();

    // Wait until it answers (its Group's actor document).
    let base = format!("http://localhost:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = client
            .get(format!("{base}/users/community"))
            .header("accept", "application/activity+json")
            .send()
            .await;
        if answer.is_ok_and(|a| a.status().is_success()) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            println!("{name}: the server exited before answering ({status})");
            return false;
        }
        if Instant::now() > deadline {
            println!("{name}: no answer within 30 s; stopped");
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Warm-up (untimed), as for Rounds: Fedify fetches and caches every actor's key.
    let setup = Instant::now();
    let inbox = Url::parse(&format!("{base}/inbox")).unwrap();
    let fetches_before = ACTOR_FETCHES.load(Ordering::Relaxed);
    let (warm_refused, warmed) = warm_up(job.keys, &inbox, job.warm_bodies, job.concurrency).await;
    let warm_fetches = ACTOR_FETCHES.load(Ordering::Relaxed) - fetches_before;
    if !warmed.refused.is_empty() {
        println!(
            "{name}: warm-up refused {} replies ({:?}, first: {:?}); not measured",
            warmed.refused.len(),
            warmed.statuses,
            warmed.first_refusal
        );
        stop(&mut child, &pid).await;
        return false;
    }
    // The same bodies as Rounds', signed for this inbox (before the timer).
    let bodies = job
        .timed
        .iter()
        .enumerate()
        .map(|(i, signed)| {
            (
                i % job.actors,
                String::from_utf8(signed.body.to_vec()).unwrap(),
            )
        })
        .collect();
    let requests = Arc::new(sign_all(job.keys, &inbox, bodies));
    let replies = requests.len();
    let rss_idle = tree_rss(&pid);
    println!(
        "{name}: warm-up (4 at a time) refused {warm_refused} then took them one by one; the \
         origin served {warm_fetches} actor documents; {replies} replies signed again for its \
         inbox; setup {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    // The timed phase.
    let fetches_before = ACTOR_FETCHES.load(Ordering::Relaxed);
    let (cpu_before, own_before) = (tree_cpu(&pid), cpu_time());
    let driven = drive(inbox.as_str(), requests, job.concurrency).await;
    let (cpu, own) = (
        tree_cpu(&pid).saturating_sub(cpu_before),
        cpu_time().saturating_sub(own_before),
    );
    let fetches = ACTOR_FETCHES.load(Ordering::Relaxed) - fetches_before;
    let rss_after = tree_rss(&pid);
    stop(&mut child, &pid).await;

    let refused = non_2xx(&driven);
    let sent = driven.latencies.len();
    let rate = driven.rate();
    let l = &driven.latencies;
    let (p50, p99) = (percentile(l, 0.50), percentile(l, 0.99));
    println!(
        "{name}, {replies} replies from {} actors, {} connections: {} | CPU of node {:.0} \
         µs/reply ({:.0}% of one core), of the benchmark's process (load generator, origin) \
         {:.0} µs/reply | actor documents fetched {fetches} | RSS of node idle {rss_idle:.1} MiB, \
         after {rss_after:.1} MiB",
        job.actors,
        job.concurrency,
        driven.summary(),
        cpu.as_secs_f64() * 1e6 / sent.max(1) as f64,
        cpu.as_secs_f64() / driven.elapsed.as_secs_f64() * 100.0,
        own.as_secs_f64() * 1e6 / sent.max(1) as f64,
    );

    // What it stored: the warm-up's replies and the timed ones, each with its Announce.
    let (stored, announced) = count_fedify(&db, job.thread).await;
    let expected = (job.warm_bodies.len() + replies) as i64;
    println!(
        "{name}: stored {stored}/{expected} replies in the thread (warm-up and timed), \
         Announces recorded {announced}/{expected}"
    );
    println!(
        "side by side, {} connections, same replies and load generator: {} {:.0}/s, p50 {:.1} \
         ms, p99 {:.1} ms | {name} {rate:.0}/s, p50 {p50:.1} ms, p99 {p99:.1} ms | Rounds / \
         Fedify: throughput {:.2} x, p99 latency {:.2} x (lower is better)",
        job.concurrency,
        rounds.name,
        rounds.rate,
        rounds.p50,
        rounds.p99,
        rounds.rate / rate,
        rounds.p99 / p99,
    );
    refused == 0 && stored == expected && announced == expected
}

/// SIGTERM (the server closes its database and exits, writing a `--cpu-prof` profile if asked
/// for), then SIGKILL after 10 s.
async fn stop(child: &mut tokio::process::Child, pid: &str) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", pid])
        .status();
    if tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
}

async fn count_fedify(db: &Path, thread: &str) -> (i64, i64) {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let Ok(mut conn) = SqliteConnection::connect(&url).await else {
        return (-1, -1);
    };
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM posts WHERE root_id = (SELECT id FROM posts WHERE ap_id = $1)",
    )
    .bind(thread)
    .fetch_one(&mut conn)
    .await
    .unwrap_or(-1);
    let announced: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(&mut conn)
        .await
        .unwrap_or(-1);
    (stored, announced)
}

/// `pid` and its children (node:cluster's workers), from /proc.
fn tree(pid: &str) -> Vec<String> {
    let mut pids = vec![pid.to_string()];
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // After the command name: the state, then the parent's pid.
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1));
        if parent == Some(pid) {
            pids.push(name);
        }
    }
    pids
}

fn tree_cpu(pid: &str) -> Duration {
    tree(pid).iter().map(|p| cpu_time_of(p)).sum()
}

/// The sum of the processes' VmRSS (shared pages counted in each).
fn tree_rss(pid: &str) -> f64 {
    tree(pid).iter().map(|p| memory_mib_of(p, "VmRSS")).sum()
}
