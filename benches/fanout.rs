//! Fan-out benchmark: one activity (an `Update` of the `community` Group) to N followers on M
//! loopback sink instances, through Rounds' real queue, worker, signing and HTTP client.
//!
//! Run: `cargo bench --bench fanout -- [--followers 10000] [--instances 1000]
//!       [--database postgres://...] [--mode shared|personal|both] [--max-instances K]`
//!
//! `shared`: every sink instance has a shared inbox, so one POST per instance.
//! `personal`: no shared inboxes, so one POST per follower.
//! Reports deliveries per second, time to the first and the last delivery, and the ratio to a
//! raw aws-lc-rs signing loop (RSA-2048 PKCS#1 v1.5 SHA-256, on every core) run in the same
//! process just before. The sinks check each request's Digest against its body and that it is
//! signed, and answer 202; they run in this process and share its cores.

/// The allocator of the `rounds` binary (src/main.rs), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use axum::{
    body::Bytes,
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use common::{
    args::Args,
    procfs::cpu_time,
    runtime,
    scratch::{postgres_server, Scratch},
};
use rounds::{
    app,
    config::Config,
    db::{actors::NewRemoteActor, Db},
    delivery::{signing::SigningKey, DeliveryWorker},
    service::profiles::update_profile,
};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use url::Url;

struct Options {
    followers: usize,
    instances: usize,
    database: Option<String>,
    modes: Vec<Mode>,
    /// `delivery_max_instances`, if not the default.
    max_instances: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Shared,
    Personal,
}

fn options() -> Options {
    let mut options = Options {
        followers: 10_000,
        instances: 1_000,
        database: None,
        modes: vec![Mode::Shared, Mode::Personal],
        max_instances: None,
    };
    let mut args = Args::from_env();
    while let Some(name) = args.next_name() {
        match name.as_str() {
            "--followers" => options.followers = args.parse("--followers N"),
            "--instances" => options.instances = args.parse("--instances M"),
            "--database" => options.database = Some(args.value()),
            "--max-instances" => options.max_instances = Some(args.value()),
            "--mode" => {
                options.modes = match args.value().as_str() {
                    "shared" => vec![Mode::Shared],
                    "personal" => vec![Mode::Personal],
                    _ => vec![Mode::Shared, Mode::Personal],
                }
            }
            // `cargo bench` passes --bench; ignore what is not ours.
            _ => {}
        }
    }
    assert!(options.instances >= 1 && options.followers >= options.instances);
    options
}

/// What the sinks saw.
#[derive(Default)]
struct Tally {
    received: AtomicUsize,
    bad: AtomicUsize,
    first: Mutex<Option<Instant>>,
    last: Mutex<Option<Instant>>,
}

async fn sink(tally: Arc<Tally>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(&body)));
    let signed = headers.get("signature").is_some_and(|s| {
        s.to_str()
            .is_ok_and(|s| s.contains("headers=\"(request-target) content-type date digest host\""))
    });
    let digest_ok = headers
        .get("digest")
        .is_some_and(|d| d.as_bytes() == digest.as_bytes());
    if !(signed && digest_ok) {
        tally.bad.fetch_add(1, Ordering::Relaxed);
        return StatusCode::UNAUTHORIZED;
    }
    let now = Instant::now();
    tally.first.lock().unwrap().get_or_insert(now);
    *tally.last.lock().unwrap() = Some(now);
    tally.received.fetch_add(1, Ordering::Relaxed);
    StatusCode::ACCEPTED
}

/// Starts `count` sink instances; returns their ports.
async fn start_sinks(count: usize, tally: Arc<Tally>) -> Vec<u16> {
    let handler = move |headers: HeaderMap, body: Bytes| sink(tally.clone(), headers, body);
    let app = Router::new()
        .route("/inbox", post(handler.clone()))
        .route("/users/{name}/inbox", post(handler));
    let mut ports = Vec::new();
    for _ in 0..count {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        ports.push(listener.local_addr().unwrap().port());
        let app = app.clone();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
    }
    ports
}

/// Raw aws-lc-rs signatures per second over all cores, for about `budget`.
fn raw_signing_rate(key_pem: &str, budget: Duration) -> f64 {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let key = Arc::new(SigningKey::from_pem("k".into(), key_pem).unwrap());
    let message = "(request-target): post /inbox\ncontent-type: application/activity+json\n\
                   date: Wed, 25 Nov 2026 12:00:00 GMT\n\
                   digest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nhost: localhost:40000";
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let key = key.clone();
            std::thread::spawn(move || {
                let mut count = 0u64;
                while started.elapsed() < budget {
                    key.sign(message.as_bytes()).unwrap();
                    count += 1;
                }
                count
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    total as f64 / started.elapsed().as_secs_f64()
}

/// Plain POSTs per second to the sinks (same body size, signing headers made up, 256 at once,
/// connections reused): the HTTP floor of this machine, with no queue and no signing.
async fn http_floor(ports: &[u16], requests: usize) -> f64 {
    use futures::StreamExt;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(8)
        .build()
        .unwrap();
    let body = Bytes::from(vec![b' '; 1800]);
    let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(&body)));
    let started = Instant::now();
    futures::stream::iter(0..requests)
        .for_each_concurrent(256, |n| {
            let url = format!("http://localhost:{}/inbox", ports[n % ports.len()]);
            let request = client
                .post(url)
                .header("digest", &digest)
                .header(
                    "signature",
                    "headers=\"(request-target) content-type date digest host\"",
                )
                .body(body.clone());
            async move {
                let _ = request.send().await.unwrap().bytes().await;
            }
        })
        .await;
    requests as f64 / started.elapsed().as_secs_f64()
}

/// The `rsa` crate's signatures per second on one core (what activitypub_federation uses).
fn rsa_crate_rate(key_pem: &str, budget: Duration) -> f64 {
    use rsa::{pkcs8::DecodePrivateKey, Pkcs1v15Sign, RsaPrivateKey};
    let key = RsaPrivateKey::from_pkcs8_pem(key_pem).unwrap();
    let digest = Sha256::digest(b"(request-target): post /inbox");
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < budget {
        key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
        count += 1;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

async fn run(options: &Options, mode: Mode, raw_rate: f64) {
    let scratch = Scratch::create(postgres_server(options.database.as_deref())).await;
    let floor_tally = Arc::new(Tally::default());
    let floor_ports = start_sinks(options.instances, floor_tally).await;
    let floor = http_floor(&floor_ports, options.followers).await;
    // With both costs on the same cores, the best a signed delivery can do.
    let ideal = 1.0 / (1.0 / raw_rate + 1.0 / floor);
    let tally = Arc::new(Tally::default());
    let ports = start_sinks(options.instances, tally.clone()).await;
    let mut env = std::collections::HashMap::new();
    env.insert("ROUNDS_DOMAIN".to_string(), "localhost:1".to_string());
    env.insert("ROUNDS_INSECURE_FEDERATION".to_string(), "true".to_string());
    env.insert("ROUNDS_DATABASE_URL".to_string(), scratch.url.clone());
    if let Some(max) = &options.max_instances {
        env.insert("ROUNDS_DELIVERY_MAX_INSTANCES".to_string(), max.clone());
    }
    let config = Config::from_sources(None, &env).unwrap();
    let state = app::open(config).await.unwrap();
    let community = state
        .db
        .local_actor_by_name("community")
        .await
        .unwrap()
        .unwrap();

    // Followers, spread evenly over the sink instances.
    let setup = Instant::now();
    let mut followers = Vec::new();
    for n in 0..options.followers {
        let port = ports[n % ports.len()];
        let base = format!("http://localhost:{port}");
        let actor = state
            .db
            .upsert_remote_actor(&NewRemoteActor {
                avatar_url: None,
                profile_url: None,
                ap_id: Url::parse(&format!("{base}/users/u{n}")).unwrap(),
                instance: format!("localhost:{port}"),
                kind: "Person".into(),
                preferred_username: Some(format!("u{n}")),
                display_name: None,
                inbox: Url::parse(&format!("{base}/users/u{n}/inbox")).unwrap(),
                shared_inbox: (mode == Mode::Shared)
                    .then(|| Url::parse(&format!("{base}/inbox")).unwrap()),
                public_key_id: format!("{base}/users/u{n}#main-key"),
                public_key_pem: String::new(),
            })
            .await
            .unwrap();
        followers.push((actor.id, format!("{base}/follows/{n}")));
    }
    let mut tx = state.db.begin().await.unwrap();
    for (actor, follow) in &followers {
        Db::add_follower(&mut tx, community.id, *actor, follow)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let setup = setup.elapsed();

    let worker = DeliveryWorker::start(state.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cpu_before = cpu_time();
    let started = Instant::now();
    let update = update_profile(&state, "community", "Community discussions", None)
        .await
        .unwrap();
    let queued = started.elapsed();
    let expected = update.deliveries;
    let deadline = Instant::now() + Duration::from_secs(300);
    while tally.received.load(Ordering::Relaxed) + tally.bad.load(Ordering::Relaxed) < expected {
        assert!(Instant::now() < deadline, "the fan-out did not finish");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let last = tally.last.lock().unwrap().unwrap_or_else(Instant::now);
    let first = tally.first.lock().unwrap().unwrap_or(last);
    let to_last = last.duration_since(started);
    let to_first = first.duration_since(started);
    let rate = expected as f64 / to_last.as_secs_f64();
    let cpu = cpu_time().saturating_sub(cpu_before);
    let cpu_per_delivery = cpu.as_secs_f64() * 1e6 / expected as f64;
    let busy = cpu.as_secs_f64()
        / (to_last.as_secs_f64()
            * std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64));
    worker.shutdown(Duration::from_secs(5)).await;
    let (pending, _) = (state.db.count_pending_deliveries().await.unwrap(), ());

    println!(
        "{:<9} followers={} instances={} requests={} bad={} | queued in {:.1} ms, first after \
         {:.1} ms, last after {:.1} ms | {:.0} deliveries/s = {:.2} x raw signing ({:.0}/s) | \
         CPU {:.0} µs/delivery, cores {:.0}% busy | unsigned HTTP floor {:.0}/s, signing + HTTP \
         at best {:.0}/s, reached {:.0}% | pending after: {} | setup {:.1} s",
        format!("{mode:?}"),
        options.followers,
        options.instances,
        expected,
        tally.bad.load(Ordering::Relaxed),
        queued.as_secs_f64() * 1e3,
        to_first.as_secs_f64() * 1e3,
        to_last.as_secs_f64() * 1e3,
        rate,
        rate / raw_rate,
        raw_rate,
        cpu_per_delivery,
        busy * 100.0,
        floor,
        ideal,
        rate / ideal * 100.0,
        pending,
        setup.as_secs_f64(),
    );
    let pool = state.db.pool.clone();
    drop(state);
    pool.close().await;
    scratch.drop_database().await;
}

fn main() {
    // As `rounds serve` runs (src/main.rs).
    rounds::process::keep_pages_small();
    let options = options();
    let runtime = runtime::multi_thread();
    let pem = activitypub_federation::http_signatures::generate_actor_keypair()
        .unwrap()
        .private_key;
    let raw = raw_signing_rate(&pem, Duration::from_secs(1));
    let rsa_rate = rsa_crate_rate(&pem, Duration::from_millis(500));
    println!(
        "raw aws-lc-rs RSA-2048 signing on {} cores: {raw:.0}/s; rsa crate, one core: {rsa_rate:.0}/s",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for mode in options.modes.clone() {
        runtime.block_on(run(&options, mode, raw));
    }
}
