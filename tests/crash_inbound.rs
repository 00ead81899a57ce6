//! SIGKILL in the middle of a burst of inbound replies, with the real `rounds` binary: every
//! reply the server answered with 2xx before it died is stored after the restart, and the
//! forum's Announce of each one reaches its follower (the relay was queued in the same
//! transaction as the reply). Requests cut off by the kill may or may not have been stored;
//! their senders would retry, as servers do. On SQLite and PostgreSQL.

mod common;

use std::sync::{Arc, Mutex};

use common::{
    eventually, follow, fresh_database,
    peer::Peer,
    process::{free_port, rounds_command, start_server},
    signing, test_config, TestDb,
};
use rounds::{app, db::Db};

/// Senders at once, and replies each sends in turn.
const SENDERS: usize = 4;
const REPLIES_EACH: usize = 60;

async fn sigkill_during_an_inbound_burst_loses_nothing_acknowledged(db: TestDb) {
    let (database_url, _dir) = fresh_database(db).await;
    let port = free_port();
    let (ok, _) = rounds_command(
        port,
        &database_url,
        &["user", "add", "ada", "--role", "author"],
    );
    assert!(ok);
    let (ok, published) = rounds_command(
        port,
        &database_url,
        &[
            "publish",
            "--as",
            "ada",
            "thread",
            "--title",
            "Pain",
            "--body",
            "How is it?",
        ],
    );
    assert!(ok);
    let thread = published.lines().last().unwrap().trim().to_string();

    let mut server = start_server(port, port, &database_url, &[]).await;
    let follower = Peer::spawn().await;
    follow(&follower, "alice", port, "community").await;
    let sender = Arc::new(Peer::spawn().await);

    // The burst: each task sends its replies one after another and keeps those answered 2xx.
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for task in 0..SENDERS {
        let (sender, accepted, thread) = (sender.clone(), accepted.clone(), thread.clone());
        tasks.push(tokio::spawn(async move {
            let actor = ["alice", "bob", "carol", "dave"][task % 4];
            for n in 0..REPLIES_EACH {
                let note = sender.note(actor, Some(&thread), &format!("<p>{task}-{n}</p>"), None);
                let create = sender.create(&note);
                let signer = sender.signer(actor);
                // A request cut off by the kill fails inside the helper (a panic in its own
                // task): not acknowledged.
                let answered = tokio::spawn(async move {
                    signing::post(
                        &format!("http://localhost:{port}/inbox"),
                        create.to_string().as_bytes(),
                        Some(&signer),
                        &signing::SignOptions::default(),
                    )
                    .await
                })
                .await;
                if answered.is_ok_and(|(status, _)| status.is_success()) {
                    accepted
                        .lock()
                        .unwrap()
                        .push(note["id"].as_str().unwrap().to_string());
                }
            }
        }));
    }
    let under_way = eventually(30, || async { accepted.lock().unwrap().len() >= 40 }).await;
    assert!(under_way, "the burst did not start");
    server.kill();
    for task in tasks {
        task.await.unwrap();
    }
    let acknowledged = accepted.lock().unwrap().clone();
    assert!(
        acknowledged.len() < SENDERS * REPLIES_EACH,
        "the kill came after the burst: nothing was tested"
    );

    let _server = start_server(port, port, &database_url, &[]).await;
    let reader = app::open(test_config(port, &database_url)).await.unwrap();
    let mut conn = reader.db.pool.acquire().await.unwrap();
    for id in &acknowledged {
        let stored = Db::post_by_ap_id(&mut conn, id).await.unwrap();
        assert!(stored.is_some(), "{id} was acknowledged, then lost");
    }
    drop(conn);
    let relayed = |id: &String| {
        follower
            .arrivals_of("Announce")
            .iter()
            .any(|a| a.activity["object"]["object"]["id"] == id.as_str())
    };
    let all_relayed = eventually(90, || async { acknowledged.iter().all(relayed) }).await;
    let missing = acknowledged.iter().filter(|id| !relayed(id)).count();
    assert!(
        all_relayed,
        "{missing} of {} acknowledged replies were never relayed",
        acknowledged.len()
    );
}

both_databases!(sigkill_during_an_inbound_burst_loses_nothing_acknowledged);
