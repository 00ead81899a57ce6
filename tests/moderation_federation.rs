//! Moderation as other servers meet it, on SQLite and PostgreSQL: inbound rate limits answer 429
//! with Retry-After; a suspended instance is refused before anything is fetched, gets nothing
//! more delivered, and is not fetched from; allowlist mode lets only listed instances in; the
//! first_time policy holds a participant's first reply and, once approved, not the next; a
//! moderator's removal reaches followers as the Group's Announce of a Delete.

mod common;

use common::{eventually, follow, peer::Peer, signing, TestDb, TestInstance};
use rounds::{
    db::Db,
    model::Role,
    service::{
        actors::add_member,
        moderation::{holds, instances, instances::Policy, removal, Moderator},
    },
};
use serde_json::Value;

async fn send(rounds: &TestInstance, peer: &Peer, actor: &str, activity: &Value) -> (u16, String) {
    let (status, body) = signing::post(
        &rounds.url("/inbox"),
        activity.to_string().as_bytes(),
        Some(&peer.signer(actor)),
        &signing::SignOptions::default(),
    )
    .await;
    (status.as_u16(), body)
}

async fn moderator(rounds: &TestInstance) -> Moderator {
    let member = add_member(&rounds.state().db, "mo", Role::Moderator)
        .await
        .unwrap()
        .actor;
    Moderator::of(&member).unwrap()
}

async fn stored(rounds: &TestInstance, ap_id: &str) -> Option<rounds::model::Post> {
    let state = rounds.state();
    let mut conn = state.db.pool.acquire().await.unwrap();
    Db::post_by_ap_id(&mut conn, ap_id).await.unwrap()
}

async fn inbound_activities_are_rate_limited(db: TestDb) {
    let rounds = TestInstance::spawn_with(db, |config| {
        config.inbound_per_actor_per_minute = 3;
    })
    .await;
    let peer = Peer::spawn().await;
    let thread = common::start_thread(&rounds, "Limits", "Body")
        .await
        .id
        .to_string();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let note = peer.note("alice", Some(&thread), "<p>again</p>", None);
        let response = reqwest_signed(&rounds, &peer, "alice", &peer.create(&note)).await;
        statuses.push(response.0);
        if response.0 == 429 {
            retry_after = response.1;
        }
    }
    assert_eq!(statuses, [202, 202, 202, 429, 429]);
    let wait: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another actor of the same instance has its own allowance.
    let note = peer.note("bob", Some(&thread), "<p>bob</p>", None);
    assert_eq!(
        send(&rounds, &peer, "bob", &peer.create(&note)).await.0,
        202
    );
}

/// Posts a signed activity; the status and the Retry-After header.
async fn reqwest_signed(
    rounds: &TestInstance,
    peer: &Peer,
    actor: &str,
    activity: &Value,
) -> (u16, Option<String>) {
    let response = signing::post_response(
        &rounds.url("/inbox"),
        activity.to_string().as_bytes(),
        Some(&peer.signer(actor)),
        &signing::SignOptions::default(),
    )
    .await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    (response.status().as_u16(), retry_after)
}

async fn a_suspended_instance_is_refused_and_sent_nothing(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let other = Peer::spawn().await;
    follow(&peer, "bob", rounds.port, "community").await;
    follow(&other, "bob", rounds.port, "community").await;
    let mo = moderator(&rounds).await;
    let state = rounds.state();
    instances::set_policy(&state, &mo, &peer.domain(), Policy::Suspend, "spam")
        .await
        .unwrap();

    // Inbound: refused before any fetch, nothing stored.
    let thread = common::start_thread(&rounds, "After the suspension", "Body").await;
    let thread_url = thread.id.to_string();
    let note = peer.note("alice", Some(&thread_url), "<p>let me in</p>", None);
    let (status, body) = send(&rounds, &peer, "alice", &peer.create(&note)).await;
    assert_eq!(status, 403, "{body}");
    assert!(stored(&rounds, note["id"].as_str().unwrap())
        .await
        .is_none());

    // Outbound: the other follower gets the thread's Announces; the suspended one nothing.
    assert!(
        eventually(20, || async {
            other
                .arrivals_of("Announce")
                .iter()
                .any(|a| a.activity["object"]["object"]["id"] == thread_url)
        })
        .await
    );
    assert!(peer
        .arrivals_of("Announce")
        .iter()
        .all(|a| a.activity["object"]["object"]["id"] != thread_url));

    // Fetches: a reply from the other instance whose parent is on the suspended one is not
    // threaded (the ancestor is not fetched).
    let on_suspended = peer.note("alice", Some(&thread_url), "<p>parent</p>", None);
    let child = other.note("carol", on_suspended["id"].as_str(), "<p>child</p>", None);
    let (status, _) = send(&rounds, &other, "carol", &other.create(&child)).await;
    assert_eq!(status, 202);
    assert!(stored(&rounds, child["id"].as_str().unwrap())
        .await
        .is_none());
    assert!(stored(&rounds, on_suspended["id"].as_str().unwrap())
        .await
        .is_none());

    // Lifted: the instance is heard again.
    instances::clear_policy(&state, &mo, &peer.domain(), "appeal accepted")
        .await
        .unwrap();
    let again = peer.note("alice", Some(&thread_url), "<p>thanks</p>", None);
    assert_eq!(
        send(&rounds, &peer, "alice", &peer.create(&again)).await.0,
        202
    );
    assert!(stored(&rounds, again["id"].as_str().unwrap())
        .await
        .is_some());
    let log = state.db.moderation_log("", None, 10, 0).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(actions, ["clear instance policy", "suspend"]);
    assert_eq!(log[1].reason, "spam");
    assert_eq!(log[1].moderator_name, "mo");
}

async fn allowlist_mode_lets_only_listed_instances_in(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let listed = Peer::spawn().await;
    let unlisted = Peer::spawn().await;
    let mo = moderator(&rounds).await;
    let state = rounds.state();
    instances::set_policy(&state, &mo, &listed.domain(), Policy::Allow, "partner")
        .await
        .unwrap();
    instances::set_allowlist_mode(&state, &mo, true, "pilot")
        .await
        .unwrap();
    let thread = common::start_thread(&rounds, "Allowlist", "Body")
        .await
        .id
        .to_string();
    let from_listed = listed.note("alice", Some(&thread), "<p>in</p>", None);
    let from_unlisted = unlisted.note("alice", Some(&thread), "<p>out</p>", None);
    assert_eq!(
        send(&rounds, &listed, "alice", &listed.create(&from_listed))
            .await
            .0,
        202
    );
    assert_eq!(
        send(
            &rounds,
            &unlisted,
            "alice",
            &unlisted.create(&from_unlisted)
        )
        .await
        .0,
        403
    );
    assert!(stored(&rounds, from_listed["id"].as_str().unwrap())
        .await
        .is_some());
    assert!(stored(&rounds, from_unlisted["id"].as_str().unwrap())
        .await
        .is_none());
}

async fn first_replies_wait_and_removals_reach_followers(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "bob", rounds.port, "community").await;
    let mo = moderator(&rounds).await;
    let state = rounds.state();
    holds::set_reply_policy(&state, &mo, "community", "first_time", "new forum")
        .await
        .unwrap();
    let thread = common::start_thread(&rounds, "First time", "Body")
        .await
        .id
        .to_string();

    let first = peer.note(
        "alice",
        Some(&thread),
        "<p>hello, first time here</p>",
        None,
    );
    assert_eq!(
        send(&rounds, &peer, "alice", &peer.create(&first)).await.0,
        202
    );
    let held = stored(&rounds, first["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        held.held_reason.as_deref(),
        Some("first reply from this participant")
    );
    let queue = holds::queue(&state, Some("community")).await.unwrap();
    assert_eq!(queue.len(), 1);
    let page = reqwest::Client::new()
        .get(&thread)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("first time here"),
        "held replies are not shown"
    );

    let data = rounds.federation.to_request_data();
    holds::approve(&data, &mo, held.id, "welcome")
        .await
        .unwrap();
    assert!(
        eventually(20, || async {
            peer.arrivals_of("Announce")
                .iter()
                .any(|a| a.activity["object"]["object"]["id"] == first["id"])
        })
        .await,
        "approved replies are relayed"
    );
    let second = peer.note("alice", Some(&thread), "<p>and again</p>", None);
    assert_eq!(
        send(&rounds, &peer, "alice", &peer.create(&second)).await.0,
        202
    );
    let second_stored = stored(&rounds, second["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        second_stored.held_reason, None,
        "an approved participant is not held again"
    );

    // A moderator removes it: followers get the Group's Announce of a Delete.
    let followed = removal::remove(&data, &mo, second_stored.id, "off topic")
        .await
        .unwrap();
    assert!(
        eventually(20, || async {
            peer.arrivals_of("Announce").iter().any(|a| {
                a.activity["object"]["type"] == "Delete"
                    && a.activity["object"]["object"]["id"] == second["id"]
            })
        })
        .await
    );
    let records = state.db.delivery_records(followed.as_str()).await.unwrap();
    assert!(
        eventually(20, || async {
            let records = state.db.delivery_records(followed.as_str()).await.unwrap();
            records
                .iter()
                .any(|r| r.instance == peer.domain() && r.state == 1)
        })
        .await,
        "{records:?}"
    );
    let page = reqwest::Client::new()
        .get(&thread)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("and again"), "removed replies are not shown");
    removal::restore(&data, &mo, second_stored.id, "mistake")
        .await
        .unwrap();
    let page = reqwest::Client::new()
        .get(&thread)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("and again"), "restored");
}

both_databases!(
    inbound_activities_are_rate_limited,
    a_suspended_instance_is_refused_and_sent_nothing,
    allowlist_mode_lets_only_listed_instances_in,
    first_replies_wait_and_removals_reach_followers,
);
