//! The queue across process deaths and processes sharing a database, with the real `rounds`
//! binary: SIGKILL during a large fan-out loses nothing; two processes on one PostgreSQL
//! database deliver everything once between them and one finishes when the other is killed;
//! SIGTERM lets the request in flight finish, records it, and releases the process's claims;
//! and an operator sees (and nudges) the queue with `rounds delivery`.

mod common;

use std::time::{Duration, Instant};

use common::{
    eventually, follow, fresh_database,
    peer::Peer,
    process::{delivered_by, free_port, rounds_command, start_server},
    test_config, TestDb,
};
use rounds::{app, service::profiles::update_profile, state::AppState};

/// Peers, each with two followers behind its shared inbox and one with only a personal inbox:
/// two deliveries per peer for every activity.
async fn followed_by_peers(count: usize, port: u16) -> Vec<Peer> {
    let mut peers = Vec::new();
    for _ in 0..count {
        let peer = Peer::spawn().await;
        for actor in ["alice", "bob", "carol"] {
            follow(&peer, actor, port, "community").await;
        }
        peers.push(peer);
    }
    peers
}

/// Queues `count` Updates of community from this test process, as another writer would.
async fn queue_updates(state: &AppState, count: usize, label: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..count {
        let update = update_profile(state, "community", &format!("{label} {n}"), None)
            .await
            .unwrap();
        ids.push(update.activity_id.to_string());
    }
    ids
}

/// How many copies of each of `ids` arrived at each inbox of each peer: (missing, extra).
fn tally(peers: &[Peer], ids: &[String]) -> (usize, usize) {
    let (mut missing, mut extra) = (0, 0);
    for peer in peers {
        let arrivals = peer.arrivals_of("Update");
        for path in ["/inbox", "/users/carol/inbox"] {
            for id in ids {
                let copies = arrivals
                    .iter()
                    .filter(|a| a.path == path && a.activity["id"] == id.as_str())
                    .count();
                if copies == 0 {
                    missing += 1;
                }
                extra += copies.saturating_sub(1);
            }
        }
    }
    (missing, extra)
}

async fn sigkill_during_a_large_fan_out_loses_nothing(db: TestDb) {
    let (database_url, _dir) = fresh_database(db).await;
    let port = free_port();
    let mut server = start_server(port, port, &database_url, &[]).await;
    let peers = followed_by_peers(8, port).await;
    for peer in &peers {
        peer.set_delay_ms(25);
    }
    let writer = app::open(test_config(port, &database_url)).await.unwrap();
    let ids = queue_updates(&writer, 20, "Before the crash").await;
    // 320 deliveries at 25 ms each, 40 per instance in order: about a second. Kill mid-way.
    let started = eventually(10, || async {
        peers
            .iter()
            .map(|p| p.arrivals_of("Update").len())
            .sum::<usize>()
            >= 40
    })
    .await;
    assert!(started, "the fan-out did not start");
    server.kill();
    let (missing_at_kill, _) = tally(&peers, &ids);
    assert!(
        missing_at_kill > 0,
        "the kill came too late to test anything"
    );

    let _server = start_server(port, port, &database_url, &[]).await;
    let complete = eventually(60, || async { tally(&peers, &ids).0 == 0 }).await;
    let (missing, extra) = tally(&peers, &ids);
    assert!(complete, "{missing} deliveries never arrived");
    // At most the requests in flight at the kill (one per instance) arrive twice.
    assert!(extra <= peers.len(), "{extra} duplicates");
    // And the queue knows it: every delivery recorded (outcomes are written a moment later).
    let recorded = eventually(10, || async {
        writer.db.count_pending_deliveries().await.unwrap() == 0
    })
    .await;
    assert!(recorded, "deliveries still pending after they all arrived");
}

async fn two_processes_share_one_postgres_queue(db: TestDb) {
    let (database_url, _dir) = fresh_database(db).await;
    let (port, second_port) = (free_port(), free_port());
    // Each process takes at most three instances at a time, so both must work the eight.
    let limit = [("ROUNDS_DELIVERY_MAX_INSTANCES", "3")];
    let _first = start_server(port, port, &database_url, &limit).await;
    let mut second = start_server(port, second_port, &database_url, &limit).await;
    let peers = followed_by_peers(8, port).await;
    for peer in &peers {
        peer.set_delay_ms(10);
    }
    let writer = app::open(test_config(port, &database_url)).await.unwrap();

    // Both running: everything arrives exactly once, and both processes took part.
    let ids = queue_updates(&writer, 10, "Shared").await;
    let complete = eventually(60, || async { tally(&peers, &ids).0 == 0 }).await;
    assert!(complete, "missing: {}", tally(&peers, &ids).0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(tally(&peers, &ids), (0, 0), "every delivery exactly once");
    let (by_first, by_second) = (delivered_by(port).await, delivered_by(second_port).await);
    assert!(
        by_first > 0 && by_second > 0,
        "first {by_first}, second {by_second}"
    );

    // The second process is killed mid-way: the first finishes once the leases run out. (The
    // first serves the domain, so receivers can still fetch our keys: it is the load balancer's
    // part in a real deployment.)
    for peer in &peers {
        peer.set_delay_ms(40);
    }
    let more = queue_updates(&writer, 20, "After the kill").await;
    let started = eventually(10, || async {
        tally(&peers, &more).0 < more.len() * 16 - 10
    })
    .await;
    assert!(started);
    second.kill();
    let complete = eventually(90, || async { tally(&peers, &more).0 == 0 }).await;
    let (missing, extra) = tally(&peers, &more);
    assert!(
        complete,
        "{missing} deliveries never arrived after the kill"
    );
    assert!(extra <= peers.len(), "{extra} duplicates");
}

async fn sigterm_finishes_in_flight_and_releases(db: TestDb) {
    let (database_url, _dir) = fresh_database(db).await;
    let port = free_port();
    let server = start_server(port, port, &database_url, &[]).await;
    let peer = Peer::spawn().await;
    follow(&peer, "alice", port, "community").await;
    peer.set_delay_ms(1500);
    let writer = app::open(test_config(port, &database_url)).await.unwrap();
    let ids = queue_updates(&writer, 1, "Before shutdown").await;
    // Wait until the request is in flight (the peer is sleeping on it), then SIGTERM.
    let before = 1; // the Accept
    let in_flight = eventually(10, || async { peer.posts_started() > before }).await;
    assert!(in_flight);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    server.terminate();
    let mut server = server;
    let status = tokio::task::spawn_blocking(move || {
        let status = server.0.wait().unwrap();
        std::mem::forget(server);
        status
    })
    .await
    .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(15),
        "{:?}",
        asked.elapsed()
    );
    // The delivery in flight was finished and recorded, and no claim is left behind.
    assert_eq!(peer.arrivals_of("Update").len(), 1);
    assert_eq!(writer.db.count_pending_deliveries().await.unwrap(), 0);
    let records = writer.db.delivery_records(&ids[0]).await.unwrap();
    assert_eq!(records[0].state, rounds::db::deliveries::DELIVERED);
    let statuses = writer.db.delivery_instance_statuses().await.unwrap();
    assert!(
        statuses.iter().all(|s| s.claimed_by.is_none()),
        "{statuses:?}"
    );
}

async fn the_operator_sees_the_queue_from_the_command_line(db: TestDb) {
    let (database_url, _dir) = fresh_database(db).await;
    let port = free_port();
    let _server = start_server(port, port, &database_url, &[]).await;
    let (up, down) = (Peer::spawn().await, Peer::spawn().await);
    follow(&up, "alice", port, "community").await;
    follow(&down, "alice", port, "community").await;
    down.set_down(true);

    let (ok, out) = rounds_command(
        port,
        &database_url,
        &[
            "forum",
            "edit",
            "community",
            "--title",
            "Community (edited)",
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("queued 2 deliveries"), "{out}");
    let delivered = eventually(10, || async { up.arrivals_of("Update").len() == 1 }).await;
    assert!(delivered);
    let update_id = up.arrivals_of("Update")[0].activity["id"]
        .as_str()
        .unwrap()
        .to_string();
    let failed = eventually(10, || async {
        let (_, status) = rounds_command(port, &database_url, &["delivery", "status"]);
        status.contains("HTTP 503")
    })
    .await;
    assert!(failed);
    let (ok, status) = rounds_command(port, &database_url, &["delivery", "status"]);
    assert!(ok);
    let line = |domain: &str| {
        status
            .lines()
            .find(|l| l.starts_with(domain))
            .unwrap_or_else(|| panic!("{domain} missing from:\n{status}"))
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let down_line = line(&down.domain());
    assert_eq!(down_line[1], "1", "backlog of the dead instance: {status}");
    assert_ne!(down_line[4], "0", "failures: {status}");
    assert_eq!(line(&up.domain())[1], "0", "{status}");
    assert!(
        status.contains("2 instances, 1 deliveries pending."),
        "{status}"
    );

    let (ok, records) = rounds_command(port, &database_url, &["delivery", "records", &update_id]);
    assert!(ok);
    let record = |domain: &str| {
        records
            .lines()
            .find(|l| l.starts_with(domain))
            .unwrap_or_else(|| panic!("{domain} missing from:\n{records}"))
            .to_string()
    };
    assert!(
        record(&up.domain()).contains("\tdelivered\t1 tries\tHTTP 202"),
        "{records}"
    );
    assert!(record(&down.domain()).contains("\tpending\t"), "{records}");

    // Back up, and the operator asks for a retry now rather than at the end of the backoff.
    down.set_down(false);
    let (ok, out) = rounds_command(port, &database_url, &["delivery", "retry", &down.domain()]);
    assert!(ok, "{out}");
    let arrived = eventually(10, || async { down.arrivals_of("Update").len() == 1 }).await;
    assert!(arrived);
    let (ok, _) = rounds_command(
        port,
        &database_url,
        &["delivery", "retry", "nowhere.example"],
    );
    assert!(!ok, "an unknown instance is an error");
}

both_databases!(
    sigkill_during_a_large_fan_out_loses_nothing,
    sigterm_finishes_in_flight_and_releases,
    the_operator_sees_the_queue_from_the_command_line,
);

mod sqlite_only {
    use super::common::{fresh_database, process::free_port, process::start_server, TestDb};

    /// One process owns an SQLite queue: a second `rounds serve` on the same file refuses to
    /// start, rather than send what the first is sending.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_process_on_one_sqlite_database_refuses_to_start() {
        let (database_url, _dir) = fresh_database(TestDb::Sqlite).await;
        let port = free_port();
        let _first = start_server(port, port, &database_url, &[]).await;
        let second_port = free_port();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_rounds"))
                .arg("serve")
                .env("ROUNDS_DOMAIN", format!("localhost:{port}"))
                .env("ROUNDS_BIND", format!("127.0.0.1:{second_port}"))
                .env("ROUNDS_DATABASE_URL", &database_url)
                .env("ROUNDS_INSECURE_FEDERATION", "true")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("another `rounds serve` is delivering from this SQLite database"),
            "{stderr}"
        );
    }
}

mod postgres_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_processes_share_one_postgres_queue() {
        super::two_processes_share_one_postgres_queue(super::common::TestDb::Postgres).await
    }
}
