//! Nothing is lost: an Accept queued for a peer that is down survives the server being killed
//! (SIGKILL of the real `rounds` binary) and arrives once the peer is back.

mod common;

use common::{
    fresh_database,
    peer::Peer,
    process::{free_port, start_server},
    signing::{post, SignOptions},
    TestDb,
};
use serde_json::json;

async fn accept_survives_sigkill(db: TestDb) {
    let (database_url, _dir) = fresh_database(db).await;
    let port = free_port();
    let peer = Peer::spawn().await;
    peer.set_down(true);

    let mut server = start_server(port, port, &database_url, &[]).await;
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
    server.kill();
    assert!(peer.received().is_empty());

    let _server = start_server(port, port, &database_url, &[]).await;
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
