//! Nothing is lost: an Accept queued for a peer that is down survives the server being killed
//! (SIGKILL of the real `rounds` binary) and arrives once the peer is back.

mod common;

use std::process::{Child, Command, Stdio};

use common::{
    fresh_database,
    peer::Peer,
    signing::{post, SignOptions},
    TestDb,
};
use serde_json::json;

/// A `rounds serve` process, killed with SIGKILL when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_server(port: u16, database_url: &str) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_rounds"))
        .arg("serve")
        .env("ROUNDS_DOMAIN", format!("localhost:{port}"))
        .env("ROUNDS_BIND", format!("127.0.0.1:{port}"))
        .env("ROUNDS_DATABASE_URL", database_url)
        .env("ROUNDS_INSECURE_FEDERATION", "true")
        .env("ROUNDS_DELIVERY_FIRST_RETRY_SECONDS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let url = format!("http://localhost:{port}/.well-known/nodeinfo");
    let up = common::eventually(60, || async {
        reqwest::get(&url).await.is_ok_and(|r| r.status() == 200)
    })
    .await;
    assert!(up, "rounds serve did not start on port {port}");
    server
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn accept_survives_sigkill(db: TestDb) {
    let (database_url, _dir) = fresh_database(db).await;
    let port = free_port();
    let peer = Peer::spawn().await;
    peer.set_down(true);

    let mut server = start_server(port, &database_url).await;
    let follow_id = peer.new_id("follows");
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": follow_id,
        "type": "Follow",
        "actor": peer.actor_id("alice"),
        "object": format!("http://localhost:{port}/actors/journal"),
    });
    let (status, body) = post(
        &format!("http://localhost:{port}/actors/journal/inbox"),
        follow.to_string().as_bytes(),
        Some(&peer.signer("alice")),
        &SignOptions::default(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    // Let the worker try (and fail) at least once, then kill the process outright.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    assert!(peer.received().is_empty());

    let _server = start_server(port, &database_url).await;
    peer.set_down(false);
    let arrived = common::eventually(30, || async {
        peer.received()
            .iter()
            .any(|a| a["type"] == "Accept" && a["object"]["id"] == follow_id)
    })
    .await;
    assert!(
        arrived,
        "the queued Accept did not arrive after the restart"
    );
}

both_databases!(accept_survives_sigkill);
