//! Follows over real HTTP: a test peer (built on activitypub_federation) finds Rounds' actors
//! by WebFinger, follows each, receives a signed Accept, appears in the followers collection,
//! unfollows and is gone. On SQLite and PostgreSQL, with Mastodon's and Fedify's JSON.

mod common;

use common::{
    peer::Peer,
    signing::{post, SignOptions},
    TestDb, TestInstance,
};
use serde_json::{json, Value};

async fn get_json(url: &str, accept: &str) -> (reqwest::StatusCode, String, Value) {
    let response = reqwest::Client::new()
        .get(url)
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    (
        status,
        content_type,
        serde_json::from_str(&body).unwrap_or(Value::Null),
    )
}

/// WebFinger, then the actor document behind the `self` link.
async fn discover(rounds: &TestInstance, name: &str) -> Value {
    let resource = format!("acct:{name}@{}", rounds.domain);
    let (status, content_type, jrd) = get_json(
        &rounds.url(&format!("/.well-known/webfinger?resource={resource}")),
        "application/jrd+json",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/jrd+json");
    assert_eq!(jrd["subject"], resource);
    let self_link = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|link| link["rel"] == "self")
        .unwrap();
    assert_eq!(self_link["type"], "application/activity+json");
    let href = self_link["href"].as_str().unwrap();
    assert_eq!(href, rounds.actor_url(name));

    let (status, content_type, actor) = get_json(href, "application/activity+json").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/activity+json"));
    assert_eq!(actor["id"], href, "the self link is exactly the actor id");
    assert_eq!(actor["preferredUsername"], name);
    assert_eq!(actor["publicKey"]["owner"], href);
    assert!(actor["publicKey"]["publicKeyPem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    assert!(!actor.to_string().contains("PRIVATE KEY"));
    assert_eq!(actor["endpoints"]["sharedInbox"], rounds.url("/inbox"));
    for field in ["inbox", "outbox", "followers", "name", "summary", "url"] {
        assert!(actor[field].is_string(), "{field} in {actor}");
    }
    assert!(actor["icon"]["url"].is_string());
    actor
}

async fn wait_for_accept(peer: &Peer, follow_id: &str, actor_id: &str) -> Value {
    let mut found = None;
    let arrived = common::eventually(15, || {
        let received = peer.received();
        found = received
            .into_iter()
            .find(|activity| activity["type"] == "Accept" && activity["object"]["id"] == follow_id);
        let done = found.is_some();
        async move { done }
    })
    .await;
    assert!(arrived, "no signed Accept of {follow_id} reached the peer");
    let accept = found.unwrap();
    assert_eq!(accept["actor"], actor_id);
    assert_eq!(accept["object"]["type"], "Follow");
    accept
}

async fn mastodon_follow_accept_undo(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let alice = peer.actor_id("alice");
    for name in ["community", "journal", "webinars"] {
        let actor = discover(&rounds, name).await;
        let inbox = actor["inbox"].as_str().unwrap();
        let follow_id = peer.new_id("follows");
        let follow = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": follow_id,
            "type": "Follow",
            "actor": alice,
            "object": actor["id"],
        });
        let (status, body) = post(
            inbox,
            follow.to_string().as_bytes(),
            Some(&peer.signer("alice")),
            &SignOptions::default(),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        wait_for_accept(&peer, &follow_id, actor["id"].as_str().unwrap()).await;
        let (total, items) = rounds.followers(name).await;
        assert_eq!((total, items.clone()), (1, vec![alice.clone()]));

        let undo = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{alice}#follows/{}/undo", rand::random::<u32>()),
            "type": "Undo",
            "actor": alice,
            "object": follow,
        });
        let (status, body) = post(
            inbox,
            undo.to_string().as_bytes(),
            Some(&peer.signer("alice")),
            &SignOptions::default(),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(rounds.followers(name).await, (0, Vec::new()));
    }
}

/// Fedify compacts JSON-LD: single values instead of arrays, `as:Public`, and here the Undo
/// names the Follow by id only. Sent to the shared inbox.
async fn fedify_follow_accept_undo(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let bob = peer.actor_id("bob");
    let community = discover(&rounds, "community").await;
    let shared_inbox = community["endpoints"]["sharedInbox"].as_str().unwrap();
    let follow_id = peer.new_id("follow");
    let follow = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"],
        "type": "Follow",
        "id": follow_id,
        "actor": bob,
        "object": community["id"],
        "to": "as:Public",
    });
    let (status, body) = post(
        shared_inbox,
        follow.to_string().as_bytes(),
        Some(&peer.signer("bob")),
        &SignOptions::default(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    wait_for_accept(&peer, &follow_id, community["id"].as_str().unwrap()).await;
    assert_eq!(rounds.followers("community").await, (1, vec![bob.clone()]));

    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Undo",
        "id": peer.new_id("undo"),
        "actor": bob,
        "object": follow_id,
    });
    let (status, body) = post(
        shared_inbox,
        undo.to_string().as_bytes(),
        Some(&peer.signer("bob")),
        &SignOptions::default(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(rounds.followers("community").await, (0, Vec::new()));
}

/// Unknown resources are 404, malformed ones 400; the HTML page is for browsers.
async fn discovery_answers(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let client = reqwest::Client::new();
    let finger =
        |resource: &str| rounds.url(&format!("/.well-known/webfinger?resource={resource}"));
    let cases = [
        (finger(&format!("acct:nobody@{}", rounds.domain)), 404),
        (finger("acct:community@elsewhere.example"), 404),
        (finger(&rounds.actor_url("journal")), 200),
        (finger("not-a-resource"), 400),
        (finger("acct:@"), 400),
        (rounds.url("/.well-known/webfinger"), 400),
    ];
    for (url, expected) in cases {
        let status = client.get(&url).send().await.unwrap().status();
        assert_eq!(status.as_u16(), expected, "{url}");
    }

    let html = client
        .get(rounds.actor_url("webinars"))
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert!(html.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = html.text().await.unwrap();
    assert!(page.contains("Society webinars"));
    assert!(page.contains(&format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{}\">",
        rounds.actor_url("webinars")
    )));

    let (status, content_type, actor) = get_json(
        &rounds.actor_url("community"),
        r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#,
    )
    .await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/ld+json"));
    assert_eq!(actor["type"], "Group");

    let (_, _, links) = get_json(&rounds.url("/.well-known/nodeinfo"), "application/json").await;
    let href = links["links"][0]["href"].as_str().unwrap().to_string();
    let (status, _, nodeinfo) = get_json(&href, "application/json").await;
    assert_eq!(status, 200);
    assert_eq!(nodeinfo["version"], "2.1");
    assert_eq!(nodeinfo["software"]["name"], "rounds");
    assert_eq!(nodeinfo["usage"]["users"]["total"], 0);

    let host_meta = client
        .get(rounds.url("/.well-known/host-meta"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(host_meta.contains(&format!(
        "template=\"http://{}/.well-known/webfinger?resource={{uri}}\"",
        rounds.domain
    )));

    let (status, _, outbox) = get_json(
        &rounds.url("/actors/journal/outbox"),
        "application/activity+json",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(outbox["type"], "OrderedCollection");
    let (status, _, _) = get_json(
        &rounds.url("/actors/journal/outbox?page=0"),
        "application/activity+json",
    )
    .await;
    assert_eq!(status, 400);
}

both_databases!(
    mastodon_follow_accept_undo,
    fedify_follow_accept_undo,
    discovery_answers
);
