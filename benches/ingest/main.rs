//! Ingest benchmark: signed `Create(Note)` replies to one thread, from many distinct remote
//! actors whose keys Rounds has already cached, POSTed to Rounds' shared inbox over HTTP, each
//! verified, threaded, stored and announced by the forum's Group to its one follower.
//!
//! Run: `cargo bench --bench ingest -- [--replies 20000] [--actors 1000] [--concurrency 64]
//!       [--database postgres://...] [--and-postgres postgres://...] [--no-worker] [--check]
//!       [--keep-database] [--against fedify] [--fedify-args "--workers 2 --raw"]`
//!
//! One process holds everything, on the same cores: one Rounds instance (`rounds::app`, with its
//! delivery worker unless `--no-worker`), an "origin" of remote instances (ten actors on each
//! loopback port; all actors share one RSA-2048 key pair, made once, so setup stays fast) that
//! serves actor documents and answers 202 to deliveries, and the load generator. Before the
//! timer: one actor of the origin follows the `community` Group (so each reply's Announce is
//! queued), every actor sends one reply (so Rounds has fetched and stored every actor and key),
//! and all the timed replies are signed. Then the replies go to `/inbox` over `--concurrency`
//! keep-alive connections; it prints replies/s, latency percentiles, the statuses, and checks in
//! the database that every reply was stored and its Announce queued.
//!
//! The same run measures a raw floor on the same requests without HTTP or Rounds: the digest
//! checked, the Signature header parsed (http-signature-normalization, as activitypub_federation
//! does), RSA-SHA256 verified with a cached key (the `rsa` crate that activitypub_federation
//! verifies with, and aws-lc-rs), the JSON parsed, and one awaited sqlx insert per activity into
//! a scratch table of the same database, from `--concurrency` tokio tasks on all cores.
//!
//! With `--and-postgres URL`, the same run measures Rounds again on a PostgreSQL database of the
//! server at URL (after the first measurement, on SQLite unless `--database` says otherwise)
//! and prints the second's throughput and p99 against the first's.
//!
//! With `--against fedify`, the same run then measures an independent Fedify-based inbox doing
//! the same job (`benches/ingest/fedify/`, Node.js; see `peer.rs`) on the same replies, and
//! prints Rounds / Fedify.

/// The allocator of the `rounds` binary (src/main.rs), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant, SystemTime},
};

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use axum::{
    body::Bytes,
    http::{HeaderMap, HeaderValue},
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use rounds::{
    app,
    config::Config,
    db::writer::WriterStats,
    delivery::signing::{body_digest, sign_post, SigningKey},
    model::Role,
    service,
};
use rsa::{pkcs8::DecodePublicKey, RsaPublicKey};
use serde_json::json;
use sqlx::AnyPool;
use tokio::{net::TcpListener, sync::oneshot};
use url::Url;

/// Remote actors per origin instance (loopback port): replies come from many instances.
const ACTORS_PER_INSTANCE: usize = 10;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

struct Options {
    replies: usize,
    actors: usize,
    concurrency: usize,
    database: Option<String>,
    /// Measure again on PostgreSQL in the same run, and compare (`--and-postgres URL`).
    and_postgres: Option<String>,
    /// Run Rounds' delivery worker (as `rounds serve` does); off with `--no-worker`.
    worker: bool,
    /// Exit with an error when a reply was refused, not stored, not announced, or (with the
    /// worker) its Announce not delivered before the queue stalled for 10 s (`--check`).
    check: bool,
    /// An independent server to measure in the same run (`--against fedify`).
    against: Option<peer::Peer>,
    /// More arguments for the Fedify server (`--fedify-args "--workers 2 --raw"`).
    fedify_args: Vec<String>,
    /// Leave the database and print where it is (`--keep-database`), to look at its tables.
    keep_database: bool,
}

fn options() -> Options {
    let mut options = Options {
        replies: 20_000,
        actors: 1_000,
        concurrency: 64,
        database: None,
        and_postgres: None,
        worker: true,
        check: false,
        against: None,
        fedify_args: Vec::new(),
        keep_database: false,
    };
    let mut args = Args::from_env();
    while let Some(name) = args.next_name() {
        match name.as_str() {
            "--replies" => options.replies = args.parse("--replies M"),
            "--actors" => options.actors = args.parse("--actors N"),
            "--concurrency" => options.concurrency = args.parse("--concurrency C"),
            "--database" => options.database = Some(args.value()),
            "--and-postgres" => options.and_postgres = Some(args.value()),
            "--against" => options.against = Some(peer::Peer::parse(&args.value())),
            "--fedify-args" => {
                options.fedify_args = args.value().split_whitespace().map(String::from).collect();
            }
            "--no-worker" => options.worker = false,
            "--check" => options.check = true,
            "--keep-database" => options.keep_database = true,
            // `cargo bench` passes --bench; ignore what is not ours.
            _ => {}
        }
    }
    assert!(options.actors >= 1 && options.replies >= 1 && options.concurrency >= 1);
    options
}

#[path = "../common/mod.rs"]
mod common;
mod load;
mod origin;
mod peer;
mod raw;

use common::{
    args::Args,
    procfs::{cpu_time, memory_mib, storage_written},
    runtime,
    scratch::{postgres_server, Scratch},
    words::{reply_words, REPLY_WORDS},
};
use load::*;
use origin::*;
use raw::*;

// ---------------------------------------------------------------------------------------------
// Pre-signed requests.

/// One POST, signed in advance.
struct Signed {
    headers: HeaderMap,
    body: Bytes,
}

/// About 300 bytes of Mastodon-style HTML, varied by `seed`, with no digits (screening holds
/// replies that look like phone numbers or addresses).
fn reply_html(seed: usize, mention: &str) -> String {
    // The first 16 words only: the replies measured in docs/performance.md.
    let words = reply_words(seed, 30, &REPLY_WORDS[..16]);
    format!(
        "<p><span class=\"h-card\"><a href=\"{mention}\" class=\"u-url mention\">@<span>ada</span></a></span> {}.</p><p>{} <a href=\"https://example.org/reading\" rel=\"nofollow noopener\" target=\"_blank\">example.org/reading</a></p>",
        words[..18].join(" "),
        words[18..].join(" "),
    )
}

/// A `Create(Note)` in Mastodon's shape: `key` names the note (distinct per request).
fn create_note(
    bases: &[String],
    actor: usize,
    (key, seed): (&str, usize),
    thread: &str,
    ada: &str,
) -> String {
    let actor_id = actor_id(bases, actor);
    let note_id = format!("{actor_id}/statuses/{key}");
    let content = reply_html(seed, ada);
    json!({
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri", "inReplyToAtomUri": "ostatus:inReplyToAtomUri", "conversation": "ostatus:conversation", "sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#"}
        ],
        "id": format!("{note_id}/activity"),
        "type": "Create",
        "actor": actor_id,
        "published": "2026-11-26T02:00:00Z",
        "to": [PUBLIC],
        "cc": [format!("{actor_id}/followers"), ada],
        "object": {
            "id": note_id,
            "type": "Note",
            "summary": null,
            "inReplyTo": thread,
            "published": "2026-11-26T02:00:00Z",
            "url": format!("{}/@u{actor}/{key}", bases[actor / ACTORS_PER_INSTANCE]),
            "attributedTo": actor_id,
            "to": [PUBLIC],
            "cc": [format!("{actor_id}/followers"), ada],
            "sensitive": false,
            "atomUri": note_id,
            "inReplyToAtomUri": thread,
            "conversation": format!("tag:localhost,2026-11-26:objectId={key}:objectType=Conversation"),
            "content": content,
            "contentMap": {"en": content},
            "attachment": [],
            "tag": [{"type": "Mention", "href": ada, "name": "@ada"}],
            "replies": {
                "id": format!("{note_id}/replies"),
                "type": "Collection",
                "first": {"type": "CollectionPage", "next": format!("{note_id}/replies?only_other_accounts=true&page=true"), "partOf": format!("{note_id}/replies"), "items": []}
            }
        }
    })
    .to_string()
}

/// Signs `body` for a POST to `inbox` by `key`, as Rounds signs its deliveries.
fn sign(key: &SigningKey, inbox: &Url, body: String) -> Signed {
    let digest = body_digest(body.as_bytes());
    let signed = sign_post(key, inbox, &digest, SystemTime::now()).unwrap();
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        headers.insert(name, HeaderValue::from_str(value).unwrap());
    };
    put("host", &signed.host);
    put("date", &signed.date);
    put("digest", &signed.digest);
    put("content-type", signed.content_type);
    put("signature", &signed.signature);
    Signed {
        headers,
        body: Bytes::from(body),
    }
}

/// Signs `(actor, body)` pairs on every core.
fn sign_all(keys: &[SigningKey], inbox: &Url, bodies: Vec<(usize, String)>) -> Vec<Signed> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = bodies.len().div_ceil(threads).max(1);
    let mut bodies = bodies;
    let mut parts = Vec::new();
    while !bodies.is_empty() {
        let rest = bodies.split_off(chunk.min(bodies.len()));
        parts.push(std::mem::replace(&mut bodies, rest));
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                scope.spawn(move || {
                    part.into_iter()
                        .map(|(actor, body)| sign(&keys[actor], inbox, body))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// The warm-up's replies, one per actor (`(actor, body)`), so that the server fetches and
/// caches every actor and key.
fn warm_bodies(bases: &[String], actors: usize, thread: &str, ada: &str) -> Vec<(usize, String)> {
    (0..actors)
        .map(|n| (n, create_note(bases, n, (&format!("w{n}"), n), thread, ada)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The database, and waiting.

async fn count(pool: &AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Waits until `counter` reaches `target`, for at most `limit`; whether it did.
/// Waits until `counter` reaches `target`; `false` after `limit`.
async fn wait_for(counter: &AtomicUsize, target: usize, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while counter.load(Ordering::Relaxed) < target {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

/// Waits until `counter` reaches `target`; `false` once it has not moved for `stall` (a queue
/// that stopped, not one that is slow: a slower machine only takes longer).
async fn wait_while_progressing(counter: &AtomicUsize, target: usize, stall: Duration) -> bool {
    let mut last = counter.load(Ordering::Relaxed);
    let mut moved = Instant::now();
    while last < target {
        if moved.elapsed() > stall {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        let now = counter.load(Ordering::Relaxed);
        if now != last {
            (last, moved) = (now, Instant::now());
        }
    }
    true
}

/// What one measurement of Rounds gave.
struct Measurement {
    backend: &'static str,
    rate: f64,
    /// Milliseconds.
    p99: f64,
    /// Every check passed (`--check` makes the process fail otherwise).
    ok: bool,
}

/// Measures Rounds on `database` (SQLite when `None`), and the peer of `--against` when
/// `with_peer`.
async fn run(
    options: &Options,
    database: Option<&str>,
    with_peer: bool,
    rss_start: f64,
) -> Measurement {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let scratch = Scratch::create(postgres_server(database)).await;
    let backend = if scratch.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    // Rounds.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut env = HashMap::new();
    env.insert("ROUNDS_DOMAIN".to_string(), format!("localhost:{port}"));
    env.insert("ROUNDS_BIND".to_string(), format!("127.0.0.1:{port}"));
    env.insert("ROUNDS_INSECURE_FEDERATION".to_string(), "true".to_string());
    env.insert("ROUNDS_DATABASE_URL".to_string(), scratch.url.clone());
    // The limits still run, but never bind: the benchmark is one burst from few instances.
    env.insert(
        "ROUNDS_INBOUND_PER_ACTOR_PER_MINUTE".to_string(),
        "1000000".to_string(),
    );
    env.insert(
        "ROUNDS_INBOUND_PER_INSTANCE_PER_MINUTE".to_string(),
        "10000000".to_string(),
    );
    let config = Config::from_sources(None, &env).unwrap();
    let state = app::open(config).await.unwrap();
    let federation = app::federation_for(state.clone()).await.unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let served = federation.clone();
    let server = if options.worker {
        tokio::spawn(async move {
            app::serve(served, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        })
    } else {
        tokio::spawn(async move {
            axum::serve(listener, app::app(served))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        })
    };
    let pool = state.db.pool.clone();

    // The thread, by a local member in `community`.
    let ada = service::actors::add_member(&state.db, "ada", Role::Author)
        .await
        .unwrap()
        .actor;
    let draft = service::post_rules::Draft {
        title: Some("A burst of replies".into()),
        body: Some("Tell us how you manage your records.".into()),
        ..Default::default()
    };
    let thread = service::publishing::publish(
        &federation.to_request_data(),
        &ada,
        service::publishing::Place::Forum("community"),
        &draft,
    )
    .await
    .unwrap();
    let thread_url = thread.id.to_string();
    let ada_url = format!("http://localhost:{port}/actors/ada");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_idle = memory_mib("VmRSS");

    // The origin, and every actor's key (one pair for all).
    let setup = Instant::now();
    let pair = activitypub_federation::http_signatures::generate_actor_keypair().unwrap();
    let delivered = Arc::new(AtomicUsize::new(0));
    let instances = options.actors.div_ceil(ACTORS_PER_INSTANCE);
    let bases = start_origin(
        instances,
        Arc::new(pair.public_key.clone()),
        delivered.clone(),
    )
    .await;
    let keys: Vec<SigningKey> = (0..options.actors)
        .map(|n| {
            SigningKey::from_pem(
                format!("{}#main-key", actor_id(&bases, n)),
                &pair.private_key,
            )
            .unwrap()
        })
        .collect();
    let shared_inbox = Url::parse(&format!("http://localhost:{port}/inbox")).unwrap();
    let inbox_url = shared_inbox.to_string();

    // One follower of the Group (actor 0), so that every reply's Announce is queued.
    let community_url = format!("http://localhost:{port}/actors/community");
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/community", actor_id(&bases, 0)),
        "type": "Follow",
        "actor": actor_id(&bases, 0),
        "object": community_url,
    })
    .to_string();
    let follow = sign(
        &keys[0],
        &Url::parse(&format!("{community_url}/inbox")).unwrap(),
        follow,
    );
    let followed = drive(&format!("{community_url}/inbox"), Arc::new(vec![follow]), 1).await;
    assert_eq!(non_2xx(&followed), 0, "{:?}", followed.first_refusal);
    if options.worker {
        assert!(
            wait_for(&delivered, 1, Duration::from_secs(30)).await,
            "no Accept"
        );
    }

    // Warm-up (untimed): one reply per actor, so Rounds fetches and stores every actor and key.
    let warm_bodies = warm_bodies(&bases, options.actors, &thread_url, &ada_url);
    let (warm_refused, warmed) =
        warm_up(&keys, &shared_inbox, &warm_bodies, options.concurrency).await;
    assert!(
        warmed.refused.is_empty(),
        "warm-up refused: {:?} {:?}",
        warmed.statuses,
        warmed.first_refusal
    );
    let remote_actors = count(&pool, "SELECT COUNT(*) FROM remote_actors").await;
    // The warm-up's Announces delivered before the timed phase (for at most 5 s).
    let drained =
        !options.worker || wait_for(&delivered, 1 + options.actors, Duration::from_secs(5)).await;

    // The timed replies, signed now (before the timer).
    let signing = Instant::now();
    let bodies = (0..options.replies)
        .map(|i| {
            let actor = i % options.actors;
            let key = format!("r{i}");
            (
                actor,
                create_note(&bases, actor, (&key, i + 7), &thread_url, &ada_url),
            )
        })
        .collect();
    let requests = Arc::new(sign_all(&keys, &shared_inbox, bodies));
    let signing = signing.elapsed();
    let body_bytes =
        requests.iter().map(|r| r.body.len()).sum::<usize>() as f64 / requests.len() as f64;
    let setup = setup.elapsed();
    println!(
        "{backend}: {} remote actors on {instances} instances stored (keys cached; one RSA-2048 \
         pair, made with activitypub_federation's generate_actor_keypair, shared by all), one \
         follower of community, warm-up (4 at a time) refused {warm_refused} then took them one \
         by one, drained: {drained}; {} replies signed in {:.1} s \
         (aws-lc-rs, all cores), {body_bytes:.0} bytes each; setup {:.1} s",
        remote_actors,
        options.replies,
        signing.as_secs_f64(),
        setup.as_secs_f64(),
    );

    // The raw floor, while Rounds is idle.
    let mut raw_keys = HashMap::new();
    let shared = Arc::new(RawKey {
        rsa: RsaPublicKey::from_public_key_pem(&pair.public_key).unwrap(),
        aws_lc: ParsedPublicKey::new(
            &RSA_PKCS1_2048_8192_SHA256,
            BASE64
                .decode(
                    pair.public_key
                        .lines()
                        .filter(|line| !line.starts_with("-----"))
                        .collect::<String>(),
                )
                .unwrap(),
        )
        .unwrap(),
    });
    for key in &keys {
        raw_keys.insert(key.key_id.clone(), shared.clone());
    }
    let raw_keys = Arc::new(raw_keys);
    let verify_rsa = verify_only_rate(&requests, &raw_keys, Verifier::RsaCrate);
    let verify_aws = verify_only_rate(&requests, &raw_keys, Verifier::AwsLc);
    let mut raw = Vec::new();
    for (verifier, table) in [
        (Verifier::Skip, "bench_raw_insert"),
        (Verifier::RsaCrate, "bench_raw_rsa"),
        (Verifier::AwsLc, "bench_raw_aws_lc"),
    ] {
        let (rate, failures) = raw_loop(
            &pool,
            requests.clone(),
            raw_keys.clone(),
            verifier,
            table,
            options.concurrency,
        )
        .await;
        assert_eq!(failures, 0, "{verifier:?}");
        raw.push(rate);
    }
    let (insert_only, raw_rsa, raw_aws) = (raw[0], raw[1], raw[2]);
    println!(
        "raw, {cores} cores, no HTTP: verify only (digest + Signature header + RSA-SHA256): rsa \
         crate {verify_rsa:.0}/s, aws-lc-rs {verify_aws:.0}/s | one awaited sqlx insert per \
         activity, {} tasks: insert alone {insert_only:.0}/s, rsa verify + insert \
         {raw_rsa:.0}/s, aws-lc-rs verify + insert {raw_aws:.0}/s",
        options.concurrency
    );

    // The timed phase.
    let posts_sql = format!(
        "SELECT COUNT(*) FROM posts WHERE root_id = {}",
        thread.post.id
    );
    let posts_before = count(&pool, &posts_sql).await;
    let outbound_before = count(&pool, "SELECT COUNT(*) FROM outbound_activities").await;
    let deliveries_before = count(&pool, "SELECT COUNT(*) FROM deliveries").await;
    let delivered_before = delivered.load(Ordering::Relaxed);
    let anon_before = memory_mib("RssAnon");
    let cpu_before = cpu_time();
    let written_before = storage_written();
    let writer_before = state.db.writer.stats();
    let driven = drive(&inbox_url, requests.clone(), options.concurrency).await;
    let writer = state.db.writer.stats().since(&writer_before);
    let cpu = cpu_time().saturating_sub(cpu_before);
    let written = storage_written().saturating_sub(written_before);
    let delivered_during = delivered.load(Ordering::Relaxed) - delivered_before;
    let rss_after = memory_mib("VmRSS");
    let anon_after = memory_mib("RssAnon");
    let stored = count(&pool, &posts_sql).await - posts_before;
    let announces =
        count(&pool, "SELECT COUNT(*) FROM outbound_activities").await - outbound_before;
    let deliveries = count(&pool, "SELECT COUNT(*) FROM deliveries").await - deliveries_before;
    let refused = non_2xx(&driven);
    let sent = driven.latencies.len();
    let rate = driven.rate();
    println!(
        "Rounds, {backend}, {} replies from {} actors, {} connections{}: {}{} | CPU of the whole \
         process {:.0} µs/reply, cores {:.0}% busy, {:.1} KiB written to storage a reply",
        options.replies,
        options.actors,
        options.concurrency,
        if options.worker {
            ""
        } else {
            " (no delivery worker)"
        },
        driven.summary(),
        if sent < options.replies {
            format!(", GAVE UP after {sent} sent ({GIVE_UP_AFTER} refused)")
        } else {
            String::new()
        },
        cpu.as_secs_f64() * 1e6 / sent.max(1) as f64,
        cpu.as_secs_f64() / (driven.elapsed.as_secs_f64() * cores as f64) * 100.0,
        written as f64 / 1024.0 / sent.max(1) as f64,
    );
    println!(
        "{}",
        writer_summary(&writer, state.db.writer.tasks(), driven.elapsed)
    );
    println!(
        "stored {stored}/{} replies in the thread ({}), Announces queued {announces}/{} ({}), \
         deliveries queued {deliveries}, Announces delivered to the follower during the run \
         {delivered_during}",
        options.replies,
        if stored == options.replies as i64 {
            "all"
        } else {
            "MISSING"
        },
        options.replies,
        if announces == options.replies as i64 {
            "all"
        } else {
            "MISSING"
        },
    );
    println!(
        "Rounds / raw: {:.2} x rsa verify + insert, {:.2} x aws-lc-rs verify + insert, {:.2} x \
         insert alone",
        rate / raw_rsa,
        rate / raw_aws,
        rate / insert_only,
    );
    // Whether the worker delivered every Announce of the run: waited for as long as deliveries
    // keep arriving (signing them takes longer on a slower machine); a queue with no delivery
    // for 10 s has stalled, and fails `--check`.
    let mut delivered_all = true;
    if options.worker && refused == 0 {
        let drain = Instant::now();
        let during = delivered.load(Ordering::Relaxed) - delivered_before;
        let all = wait_while_progressing(
            &delivered,
            delivered_before + options.replies,
            Duration::from_secs(10),
        )
        .await;
        let pending = state.db.count_pending_deliveries().await.unwrap_or(-1);
        let after = delivered.load(Ordering::Relaxed) - delivered_before - during;
        println!(
            "the worker delivered {} of the run's Announces by {:.1} s after it ({:.0}/s after \
             the run){}; deliveries pending then: {pending}",
            during + after,
            drain.elapsed().as_secs_f64(),
            after as f64 / drain.elapsed().as_secs_f64().max(1e-3),
            if all {
                ""
            } else {
                " (stalled: none delivered for 10 s)"
            }
        );
        delivered_all = all;
    }
    println!(
        "memory (VmRSS of this one process: Rounds + origin + load generator): at start {:.1} \
         MiB, Rounds idle with its thread {rss_idle:.1} MiB, after the run {rss_after:.1} MiB \
         (with {:.0} MiB of pre-signed requests; anonymous {:.1}, file-backed {:.1}: the \
         program and the SQLite pages it maps), peak {:.1} MiB; anonymous memory grew by \
         {:.1} MiB during the timed phase (Rounds, and the load generator's answers)",
        rss_start,
        (requests.len() as f64 * (body_bytes + 700.0)) / (1024.0 * 1024.0),
        memory_mib("RssAnon"),
        memory_mib("RssFile") + memory_mib("RssShmem"),
        memory_mib("VmHWM"),
        anon_after - anon_before,
    );

    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    // The same job for an independent server, now that Rounds is stopped (`--against`).
    let peer_ok = match options.against.filter(|_| with_peer) {
        Some(against) => {
            let job = peer::Job {
                keys: &keys,
                warm_bodies: &warm_bodies,
                timed: &requests,
                actors: options.actors,
                concurrency: options.concurrency,
                thread: &thread_url,
                extra_args: &options.fedify_args,
            };
            let rounds = peer::Measured {
                name: format!("Rounds ({backend})"),
                rate,
                p50: percentile(&driven.latencies, 0.50),
                p99: percentile(&driven.latencies, 0.99),
            };
            peer::run(against, &job, &rounds).await
        }
        None => true,
    };
    drop(federation);
    drop(state);
    pool.close().await;
    if options.keep_database {
        println!("database kept: {}", scratch.keep());
    } else {
        scratch.drop_database().await;
    }
    let expected = options.replies as i64;
    let ok = refused == 0 && stored == expected && announces == expected && delivered_all;
    if ok {
        println!(
            "check: every reply was accepted, stored, and its Announce queued (and delivered, \
             with the worker)"
        );
    } else {
        println!(
            "CHECK FAILED: {refused} replies refused, {} not stored, {} Announces not queued, \
             delivered all: {delivered_all}",
            expected - stored,
            expected - announces
        );
    }
    if !peer_ok {
        println!("CHECK FAILED for the peer (--against): see its lines above");
    }
    Measurement {
        backend,
        rate,
        p99: percentile(&driven.latencies, 0.99),
        ok: ok && peer_ok,
    }
}

fn main() {
    // As `rounds serve` runs (src/main.rs).
    rounds::process::keep_pages_small();
    let rss_start = memory_mib("VmRSS");
    runtime::logs_if_asked();
    let options = options();
    let runtime = runtime::multi_thread();
    let first = runtime.block_on(run(&options, options.database.as_deref(), true, rss_start));
    let mut ok = first.ok;
    if let Some(postgres) = &options.and_postgres {
        let second = runtime.block_on(run(&options, Some(postgres), false, rss_start));
        ok &= second.ok;
        println!(
            "one run, {} then {}: {:.0}/s then {:.0}/s, {:.2} x slower (target for PostgreSQL: \
             within 2 x of SQLite) | p99 {:.1} ms then {:.1} ms",
            first.backend,
            second.backend,
            first.rate,
            second.rate,
            first.rate / second.rate.max(1e-9),
            first.p99,
            second.p99,
        );
    }
    if options.check && !ok {
        std::process::exit(1);
    }
}

/// The group-commit writer over the timed phase: how full its batches were, how busy its tasks
/// were, and where a write's share of that time went.
fn writer_summary(writer: &WriterStats, tasks: usize, elapsed: Duration) -> String {
    let writes = writer.writes.max(1) as f64;
    let per_write = |time: Duration| time.as_secs_f64() * 1e6 / writes;
    format!(
        "writer ({tasks} task{}): {} batches, {:.1} writes a batch, busy {:.0}% of the run; a \
         write's share: begin {:.0} µs, writes {:.0} µs, commit {:.0} µs",
        if tasks == 1 { "" } else { "s" },
        writer.batches,
        writer.writes as f64 / writer.batches.max(1) as f64,
        writer.busy().as_secs_f64() / (elapsed.as_secs_f64() * tasks as f64) * 100.0,
        per_write(writer.begin),
        per_write(writer.writing),
        per_write(writer.commit),
    )
}
