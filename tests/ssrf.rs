//! Server-side request forgery (issue 7, item 2). Outside insecure mode Rounds never fetches
//! from, or delivers to, a loopback, private, link-local or multicast address: not by IP literal
//! (in any spelling), not through a name whose DNS answer is one, not through a redirect. Every
//! request is bounded in time and in the size read, and an inbound activity may cause at most 16
//! ancestor fetches and 50 fetches in all.
//!
//! "Refused before connecting" is proved with a listener on loopback that counts every TCP
//! connection it accepts (`common::hostile`). The reply-chain bound is tested here; loops in
//! `inReplyTo` and unreachable parents are in `tests/conversations.rs`
//! (`loops_unrelated_replies_and_new_threads`).

mod common;

use std::time::{Duration, Instant};

use activitypub_federation::{
    error::Error as LibError,
    fetch::{fetch_object_http, object_id::ObjectId},
    http_signatures::generate_actor_keypair,
};
use bytes::Bytes;
use common::{
    hostile::{Canned, Hostile},
    peer::Peer,
    signing::{post, SignOptions},
    TestDb, TestInstance,
};
use rounds::{
    config::Config,
    delivery::{
        send::{post_activity, SendResult},
        signing::{body_digest, SigningKey},
    },
    federation::{http_client, objects::remote_actor::ApubRemoteActor},
    state::AppState,
};
use serde_json::{json, Value};
use url::Url;

fn config(insecure: bool) -> Config {
    let mut config = common::test_config(1, "sqlite://unused");
    config.insecure_federation = insecure;
    config
}

/// Names that resolve only to loopback addresses here: `localhost` in its spellings, and any
/// of the usual /etc/hosts aliases this machine has.
async fn loopback_names() -> Vec<String> {
    let mut names = vec![
        "localhost".to_string(),
        "LocalHost".to_string(),
        "localhost.".to_string(),
    ];
    for name in ["vm", "runsc", "ip6-localhost", "ip6-loopback"] {
        if let Ok(addresses) = tokio::net::lookup_host((name, 80)).await {
            let addresses: Vec<_> = addresses.collect();
            if !addresses.is_empty() && addresses.iter().all(|a| a.ip().is_loopback()) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// IP literals of every forbidden kind, in several spellings; `port` is a loopback listener's.
fn forbidden_hosts(port: u16) -> Vec<String> {
    vec![
        format!("127.0.0.1:{port}"),
        format!("127.1.2.3:{port}"),
        format!("[::1]:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
        format!("0x7f000001:{port}"),
        format!("2130706433:{port}"),
        format!("0177.0.0.1:{port}"),
        format!("0.0.0.0:{port}"),
        "10.0.0.1".to_string(),
        "10.255.255.1:8443".to_string(),
        "172.16.0.1".to_string(),
        "192.168.1.1".to_string(),
        "100.64.0.1".to_string(),
        "169.254.169.254".to_string(),
        "[fe80::1]".to_string(),
        "[fd00::1]".to_string(),
        "224.0.0.1".to_string(),
        "239.255.255.250:1900".to_string(),
        "[ff02::1]".to_string(),
        "255.255.255.255".to_string(),
    ]
}

fn signing_key() -> SigningKey {
    let keys = generate_actor_keypair().unwrap();
    SigningKey::from_pem(
        "https://rounds.example/actors/community#main-key".into(),
        &keys.private_key,
    )
    .unwrap()
}

async fn deliver(client: &reqwest::Client, key: &SigningKey, inbox: &str) -> SendResult {
    let body = Bytes::from_static(br#"{"type":"Create"}"#);
    let digest = body_digest(&body);
    post_activity(client, key, &Url::parse(inbox).unwrap(), body, &digest).await
}

/// The shared client, with insecure mode off, refuses names whose DNS answer is loopback,
/// before connecting; with it on (tests, local development) it connects.
#[tokio::test]
async fn the_client_refuses_names_that_resolve_to_loopback() {
    let listener = Hostile::spawn().await;
    listener.serve_json("/x", &json!({}));
    let client = http_client(&config(false)).unwrap();
    for name in loopback_names().await {
        let url = format!("http://{name}:{}/x", listener.port);
        let got = client.get(&url).send().await;
        assert!(got.is_err(), "{url} was fetched");
    }
    assert_eq!(listener.connections(), 0);

    let insecure = http_client(&config(true)).unwrap();
    let got = insecure
        .get(format!("http://localhost:{}/x", listener.port))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(
        listener.connections(),
        1,
        "the control reaches the listener"
    );
}

/// Deliveries to IP literals (any range, any spelling), inboxes with credentials, and names
/// that resolve to loopback: refused without a connection.
#[tokio::test]
async fn deliveries_never_reach_private_addresses() {
    let listener = Hostile::spawn().await;
    listener.serve(
        "/inbox",
        Canned {
            status: 202,
            headers: Vec::new(),
            body: Vec::new(),
            hang: false,
        },
    );
    let client = http_client(&config(false)).unwrap();
    let key = signing_key();
    let started = Instant::now();
    let mut literals: Vec<String> = forbidden_hosts(listener.port)
        .into_iter()
        .flat_map(|host| {
            [
                format!("https://{host}/inbox"),
                format!("http://{host}/inbox"),
            ]
        })
        .collect();
    literals.push(format!(
        "https://user:pass@localhost:{}/inbox",
        listener.port
    ));
    literals.push("https://user@example.com/inbox".to_string());
    literals.push("ftp://example.com/inbox".to_string());
    for inbox in &literals {
        let result = deliver(&client, &key, inbox).await;
        assert!(
            matches!(&result, SendResult::Undeliverable(reason) if reason.starts_with("inbox refused")),
            "{inbox}: {result:?}"
        );
    }
    for name in loopback_names().await {
        let inbox = format!("http://{name}:{}/inbox", listener.port);
        let result = deliver(&client, &key, &inbox).await;
        assert!(
            matches!(&result, SendResult::Retry { status, .. } if status == "could not connect"),
            "{inbox}: {result:?}"
        );
    }
    assert_eq!(listener.connections(), 0, "{:?}", listener.requests());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused at once, not after a timeout"
    );

    let insecure = http_client(&config(true)).unwrap();
    let inbox = format!("http://localhost:{}/inbox", listener.port);
    assert_eq!(
        deliver(&insecure, &key, &inbox).await,
        SendResult::Delivered(202)
    );
    assert_eq!(
        listener.connections(),
        1,
        "the control reaches the listener"
    );
}

/// Fetches by a server with insecure mode off (objects, actors, WebFinger for mentions, and the
/// actor of an inbound activity): refused before connecting.
async fn fetches_never_reach_private_addresses(db: TestDb) {
    let rounds = TestInstance::spawn_with(db, |config| config.insecure_federation = false).await;
    let listener = Hostile::spawn().await;
    listener.actor("eve", json!({}));
    let data = rounds.federation.to_request_data();
    let port = listener.port;
    let mut urls: Vec<String> = forbidden_hosts(port)
        .into_iter()
        .map(|host| format!("https://{host}/users/eve"))
        .collect();
    for name in loopback_names().await {
        urls.push(format!("https://{name}/users/eve"));
        urls.push(format!("https://{name}:{port}/users/eve"));
        urls.push(format!("http://{name}:{port}/users/eve"));
    }
    urls.extend([
        "https://user:pass@localhost/users/eve".to_string(),
        "file:///etc/passwd".to_string(),
        format!("ftp://localhost:{port}/users/eve"),
        format!("gopher://localhost:{port}/_users"),
    ]);
    let started = Instant::now();
    for url in &urls {
        let url = Url::parse(url).unwrap();
        let fetched = fetch_object_http::<AppState, Value>(&url, &data).await;
        assert!(
            matches!(
                fetched,
                Err(LibError::UrlVerificationError(_)
                    | LibError::DomainResolveError(_)
                    | LibError::ResolveInternalIpError(..))
            ),
            "{url}: {:?}",
            fetched.map(|f| f.url)
        );
        let actor = ObjectId::<ApubRemoteActor>::from(url.clone())
            .dereference(&data)
            .await;
        assert!(actor.is_err(), "{url}");
    }
    let mentions = format!(
        "@eve@localhost @eve@localhost:{port} @eve@127.0.0.1 @eve@10.0.0.1 \
         @eve@169.254.169.254 {}",
        loopback_names()
            .await
            .iter()
            .map(|name| format!("@eve@{name}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let found = rounds::service::mentions::resolve_mentions(&data, &mentions).await;
    assert!(found.is_empty(), "{found:?}");

    // An inbound activity whose actor lives at a loopback address: refused, never fetched.
    let signer = listener.actor("eve", json!({}));
    let before = rounds.stored_rows().await;
    for base in [
        format!("https://localhost:{port}"),
        "https://localhost".to_string(),
        format!("http://localhost:{port}"),
    ] {
        let follow = json!({"@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{base}/follows/1"), "type": "Follow",
            "actor": format!("{base}/users/eve"), "object": rounds.actor_url("community")});
        let (status, text) = post(
            &rounds.url("/actors/community/inbox"),
            follow.to_string().as_bytes(),
            Some(&signer),
            &SignOptions::default(),
        )
        .await;
        assert!(status.is_client_error(), "{base}: {status} {text}");
    }
    assert_eq!(listener.connections(), 0, "{:?}", listener.requests());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(rounds.stored_rows().await, before, "nothing stored");
}

/// A redirect is not followed by the client (fetches and deliveries alike). The library follows
/// at most one on its own fetches, re-checking the target by the same rules as any fetch (so,
/// outside insecure mode, never to a private address), and Rounds does not use what an
/// ancestor's redirect to another instance returns.
async fn redirects_are_not_followed(db: TestDb) {
    let (first, second, third) = (
        Hostile::spawn().await,
        Hostile::spawn().await,
        Hostile::spawn().await,
    );
    first.serve("/x", Canned::redirect(&second.url("/x")));
    first.serve("/inbox", Canned::redirect(&second.url("/inbox")));
    second.serve_json("/x", &json!({}));

    // The client, even in insecure mode: the 302 is the answer.
    let client = http_client(&config(true)).unwrap();
    let got = client.get(first.url("/x")).send().await.unwrap();
    assert_eq!(got.status(), 302);
    let result = deliver(&client, &signing_key(), &first.url("/inbox")).await;
    assert_eq!(result, SendResult::Refused(302));
    assert_eq!(second.connections(), 0);

    // Library fetches: one hop at most.
    let rounds = TestInstance::spawn(db).await;
    let data = rounds.federation.to_request_data();
    first.serve("/notes/hops", Canned::redirect(&second.url("/notes/hops")));
    second.serve("/notes/hops", Canned::redirect(&third.url("/notes/hops")));
    third.serve_json("/notes/hops", &json!({"id": third.url("/notes/hops")}));
    let fetched = fetch_object_http::<AppState, Value>(
        &Url::parse(&first.url("/notes/hops")).unwrap(),
        &data,
    )
    .await;
    assert!(fetched.is_err());
    assert_eq!(third.connections(), 0, "a second redirect is not followed");

    // A reply whose parent redirects to a post on another instance: that post is not used.
    let peer = Peer::spawn().await;
    ObjectId::<ApubRemoteActor>::from(Url::parse(&peer.actor_id("alice")).unwrap())
        .dereference(&data)
        .await
        .unwrap();
    let thread = common::start_thread(&rounds, "Redirects", "<p>Where to?</p>")
        .await
        .id
        .to_string();
    second.actor("zed", json!({}));
    second.serve_json(
        "/notes/parent",
        &json!({"id": second.url("/notes/parent"), "type": "Note",
                "attributedTo": second.url("/users/zed"), "content": "<p>elsewhere</p>",
                "inReplyTo": thread, "to": ["https://www.w3.org/ns/activitystreams#Public"]}),
    );
    first.serve(
        "/notes/parent",
        Canned::redirect(&second.url("/notes/parent")),
    );
    let reply = peer.note("alice", Some(&first.url("/notes/parent")), "<p>r</p>", None);
    let before = rounds.stored_rows().await;
    let (status, text) = post(
        &rounds.url("/inbox"),
        peer.create(&reply).to_string().as_bytes(),
        Some(&peer.signer("alice")),
        &SignOptions::default(),
    )
    .await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(rounds.stored_rows().await, before, "nothing stored");
}

/// Bodies read from other servers are bounded: 1 MiB for fetched objects and WebFinger (the
/// library's limit), 64 KiB drained from a delivery's answer.
async fn fetched_bodies_are_bounded(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let data = rounds.federation.to_request_data();
    let listener = Hostile::spawn().await;
    let huge = |id: &str, status: u16| {
        let mut body = format!(r#"{{"id": "{id}", "type": "Note", "content": ""#).into_bytes();
        body.extend(vec![b'a'; 8 * 1024 * 1024]);
        body.extend_from_slice(br#""}"#);
        Canned {
            status,
            headers: vec![("Content-Type".into(), "application/activity+json".into())],
            body,
            hang: false,
        }
    };
    let big = listener.url("/notes/big");
    listener.serve("/notes/big", huge(&big, 200));
    listener.serve("/.well-known/webfinger", huge(&big, 200));
    listener.serve("/inbox", huge(&big, 202));

    let started = Instant::now();
    let fetched = fetch_object_http::<AppState, Value>(&Url::parse(&big).unwrap(), &data).await;
    assert!(
        matches!(fetched, Err(LibError::ResponseBodyLimit)),
        "{:?}",
        fetched.map(|f| f.url)
    );

    let mention = format!("@eve@localhost:{}", listener.port);
    let found = rounds::service::mentions::resolve_mentions(&data, &mention).await;
    assert!(found.is_empty());

    // A delivery whose receiver answers with 8 MiB: delivered, the rest never read.
    let client = http_client(&config(true)).unwrap();
    let result = deliver(&client, &signing_key(), &listener.url("/inbox")).await;
    assert_eq!(result, SendResult::Delivered(202));

    // A reply whose parent is 8 MiB: dropped cleanly.
    let peer = Peer::spawn().await;
    let reply = peer.note("alice", Some(&big), "<p>r</p>", None);
    let (status, text) = post(
        &rounds.url("/inbox"),
        peer.create(&reply).to_string().as_bytes(),
        Some(&peer.signer("alice")),
        &SignOptions::default(),
    )
    .await;
    assert_eq!(status, 202, "{text}");
    let mut conn = rounds.state().db.pool.acquire().await.unwrap();
    let stored = rounds::db::Db::post_by_ap_id(&mut conn, reply["id"].as_str().unwrap())
        .await
        .unwrap();
    assert!(stored.is_none());
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A server that never answers holds a fetch or a delivery for the 10 s timeout, no longer.
#[tokio::test]
async fn every_request_has_a_timeout() {
    let rounds = TestInstance::spawn(TestDb::Sqlite).await;
    let data = rounds.federation.to_request_data();
    let listener = Hostile::spawn().await;
    listener.serve("/notes/slow", Canned::hang());
    listener.serve("/inbox", Canned::hang());
    let client = http_client(&config(true)).unwrap();
    let key = signing_key();
    let started = Instant::now();
    let slow = Url::parse(&listener.url("/notes/slow")).unwrap();
    let inbox = listener.url("/inbox");
    let (fetched, delivered) = tokio::join!(
        fetch_object_http::<AppState, Value>(&slow, &data),
        deliver(&client, &key, &inbox),
    );
    let elapsed = started.elapsed();
    let reason = fetched
        .as_ref()
        .err()
        .map(rounds::federation::urls::fetch_failure);
    assert_eq!(reason, Some("timed out"));
    assert!(
        matches!(&delivered, SendResult::Retry { status, .. } if status == "timed out"),
        "{delivered:?}"
    );
    assert!(
        elapsed >= Duration::from_secs(9) && elapsed < Duration::from_secs(20),
        "{elapsed:?}"
    );
}

/// A reply at the end of a 40-post chain Rounds has never seen: it fetches 16 ancestors, stops,
/// and drops the reply, storing nothing. A chain within the bound is fetched and threaded. And
/// the library's budget of 50 fetches per inbound request holds.
async fn reply_chains_stop_at_the_fetch_bounds(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let thread = common::start_thread(&rounds, "Chains", "<p>Long ones.</p>")
        .await
        .id
        .to_string();
    let remote = Hostile::spawn().await;
    let zed = remote.actor("zed", json!({}));
    let zed_id = remote.url("/users/zed");
    let public = json!(["https://www.w3.org/ns/activitystreams#Public"]);
    for i in 0..40 {
        let parent = match i {
            0 => thread.clone(),
            _ => remote.url(&format!("/notes/{}", i - 1)),
        };
        remote.serve_json(
            &format!("/notes/{i}"),
            &json!({"id": remote.url(&format!("/notes/{i}")), "type": "Note",
                    "attributedTo": zed_id, "content": format!("<p>link {i}</p>"),
                    "inReplyTo": parent, "to": public}),
        );
    }
    let data = rounds.federation.to_request_data();
    ObjectId::<ApubRemoteActor>::from(Url::parse(&zed_id).unwrap())
        .dereference(&data)
        .await
        .unwrap();
    let note_fetches = || {
        remote
            .requests()
            .iter()
            .filter(|line| line.starts_with("GET /notes/"))
            .count()
    };
    let send_reply = |parent: usize, key: &str| {
        let note = json!({"id": remote.url(&format!("/replies/{key}")), "type": "Note",
            "attributedTo": zed_id, "content": "<p>the end of a chain</p>",
            "inReplyTo": remote.url(&format!("/notes/{parent}")), "to": public});
        let create = json!({"@context": "https://www.w3.org/ns/activitystreams",
            "id": remote.url(&format!("/creates/{key}")), "type": "Create",
            "actor": zed_id, "object": note});
        let (inbox, zed) = (rounds.url("/inbox"), zed.clone());
        async move {
            post(
                &inbox,
                create.to_string().as_bytes(),
                Some(&zed),
                &SignOptions::default(),
            )
            .await
        }
    };

    let before = rounds.stored_rows().await;
    let (status, text) = send_reply(39, "long").await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(rounds.stored_rows().await, before, "nothing stored");
    assert_eq!(
        note_fetches(),
        rounds::service::conversations::MAX_ANCESTORS,
        "{:?}",
        remote.requests()
    );

    let fetched_before = note_fetches();
    let (status, text) = send_reply(10, "short").await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(note_fetches() - fetched_before, 11);
    let mut conn = rounds.state().db.pool.acquire().await.unwrap();
    for path in ["/notes/0", "/notes/10", "/replies/short"] {
        let stored = rounds::db::Db::post_by_ap_id(&mut conn, &remote.url(path))
            .await
            .unwrap();
        assert!(stored.is_some(), "{path}");
    }
    drop(conn);

    // The budget: 50 fetches for one request's data, then none.
    let budget = rounds.federation.to_request_data();
    let fetched_before = note_fetches();
    for i in 0..50 {
        let url = Url::parse(&remote.url(&format!("/notes/{}", i % 40))).unwrap();
        fetch_object_http::<AppState, Value>(&url, &budget)
            .await
            .unwrap();
    }
    let url = Url::parse(&remote.url("/notes/0")).unwrap();
    let over = fetch_object_http::<AppState, Value>(&url, &budget).await;
    assert!(matches!(over, Err(LibError::RequestLimit)));
    assert_eq!(note_fetches() - fetched_before, 50);
}

both_databases!(
    fetches_never_reach_private_addresses,
    redirects_are_not_followed,
    fetched_bodies_are_bounded,
    reply_chains_stop_at_the_fetch_bounds,
);
