//! A forum's Group relays each public reply from another server as an `Announce` of the
//! `Create` that brought it, queued as a reference to the post and rendered when it is sent; on
//! SQLite and PostgreSQL. The queue keeps none of what was written. While the follower's server
//! is down: a reply edited meanwhile goes out as it is when sent; one deleted by its author,
//! removed by a moderator or held goes out never (its delivery is withdrawn), and neither does
//! a reply whose thread a moderator removed. The rest arrive as they were stored.

mod common;

use common::{eventually, follow, peer::Peer, send_signed as send, TestDb, TestInstance};
use rounds::{
    db::{deliveries::WITHDRAWN, Db},
    model::{Post, Role},
    service::{
        actors::add_member,
        moderation::{removal, Moderator},
        post_rules::Draft,
        publishing::{publish, Place},
    },
};
use serde_json::{json, Value};
use sqlx::Row;

async fn stored(rounds: &TestInstance, ap_id: &str) -> Post {
    let state = rounds.state();
    let mut conn = state.db.pool.acquire().await.unwrap();
    Db::post_by_ap_id(&mut conn, ap_id).await.unwrap().unwrap()
}

/// The Group's relay of `post` in the queue: its id, payload and post reference.
async fn queued_relay(rounds: &TestInstance, post: i64) -> (String, Option<String>, Option<i64>) {
    let row = sqlx::query(
        "SELECT ap_id, payload, relayed_post_id FROM outbound_activities \
         WHERE relayed_post_id = $1",
    )
    .bind(post)
    .fetch_one(&rounds.state().db.pool)
    .await
    .unwrap();
    (
        row.get("ap_id"),
        row.get("payload"),
        row.get("relayed_post_id"),
    )
}

/// The Announces of a `Create` of `ap_id` that reached `peer`.
fn relayed_creates(peer: &Peer, ap_id: &str) -> Vec<Value> {
    peer.arrivals_of("Announce")
        .into_iter()
        .map(|a| a.activity)
        .filter(|a| a["object"]["type"] == "Create" && a["object"]["object"]["id"] == ap_id)
        .collect()
}

async fn relays_are_rendered_when_sent_and_never_after_deletion(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "bob", rounds.port, "community").await;
    let data = rounds.federation.to_request_data();
    let ada = add_member(&rounds.state().db, "ada", Role::Author)
        .await
        .unwrap()
        .actor;
    let mo = Moderator::of(
        &add_member(&rounds.state().db, "mo", Role::Moderator)
            .await
            .unwrap()
            .actor,
    )
    .unwrap();
    let thread = |title: &str| Draft {
        title: Some(title.into()),
        body: Some("What helps?".into()),
        ..Default::default()
    };
    let first = publish(&data, &ada, Place::Forum("community"), &thread("Sleep"))
        .await
        .unwrap();
    let second = publish(&data, &ada, Place::Forum("community"), &thread("Diet"))
        .await
        .unwrap();
    // Let the threads' own deliveries go before the follower's server goes down.
    assert!(eventually(20, || async { rounds.pending_deliveries().await == 0 }).await);
    peer.set_down(true);

    // The deleted reply comes first: its relay is rendered by the first (failed) try.
    const DELETED: usize = 0;
    const KEPT: usize = 1;
    const EDITED: usize = 2;
    const REMOVED: usize = 3;
    const HELD: usize = 4;
    const IN_REMOVED_THREAD: usize = 5;
    let words = ["deleted", "kept", "edited", "removed", "held", "in-removed"];
    let tries = peer.posts_started();
    let (mut notes, mut creates) = (Vec::new(), Vec::new());
    for (n, word) in words.into_iter().enumerate() {
        let parent = if n == IN_REMOVED_THREAD {
            &second.id
        } else {
            &first.id
        };
        let note = peer.note(
            "alice",
            Some(parent.as_str()),
            &format!("<p>Reply {word}: naps <b>help</b>.</p>"),
            None,
        );
        let create = peer.create(&note);
        assert_eq!(send(&rounds, &peer, "alice", &create).await, 202);
        creates.push(create);
        notes.push(note);
        if n == DELETED {
            assert!(eventually(20, || async { peer.posts_started() > tries }).await);
        }
    }
    let ap_id = |n: usize| notes[n]["id"].as_str().unwrap().to_string();
    let mut posts = Vec::new();
    for n in 0..notes.len() {
        posts.push(stored(&rounds, &ap_id(n)).await);
    }

    // The queue holds a reference to each post, none of its words.
    let mut relays = Vec::new();
    for post in &posts {
        let (id, payload, reference) = queued_relay(&rounds, post.id).await;
        assert_eq!((payload, reference), (None, Some(post.id)));
        assert!(id.starts_with(&rounds.actor_url("community")), "{id}");
        relays.push(id);
    }
    let copies: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbound_activities WHERE payload LIKE '%naps%'")
            .fetch_one(&rounds.state().db.pool)
            .await
            .unwrap();
    assert_eq!(copies, 0, "no relay copies a reply's words");

    // Meanwhile: an edit by the author, a deletion by the author, a moderator's removal, a hold,
    // and the removal of the second thread.
    let mut edited = notes[EDITED].clone();
    edited["content"] = json!("<p>Reply edited, second version.</p>");
    edited["updated"] = json!("2026-11-28T09:00:00Z");
    let update = json!({"@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.new_id("updates"), "type": "Update", "actor": peer.actor_id("alice"),
        "object": edited});
    assert_eq!(send(&rounds, &peer, "alice", &update).await, 202);
    let delete = json!({"@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.new_id("deletes"), "type": "Delete", "actor": peer.actor_id("alice"),
        "object": {"id": ap_id(DELETED), "type": "Tombstone"}});
    assert_eq!(send(&rounds, &peer, "alice", &delete).await, 202);
    removal::remove(&data, &mo, posts[REMOVED].id, "off topic")
        .await
        .unwrap();
    let mut conn = rounds.state().db.pool.acquire().await.unwrap();
    Db::hold_post(&mut conn, posts[HELD].id, "a second look")
        .await
        .unwrap();
    drop(conn);
    removal::remove(&data, &mo, second.post.id, "duplicate thread")
        .await
        .unwrap();

    // The follower's server is back: everything still to send goes.
    peer.set_down(false);
    assert!(
        eventually(40, || async { rounds.pending_deliveries().await == 0 }).await,
        "the queue drains"
    );

    // What was kept arrives as stored, under the id queued, with the Create's own id.
    let kept = relayed_creates(&peer, &ap_id(KEPT));
    assert!(!kept.is_empty(), "the kept reply is relayed");
    let announce = &kept[0];
    assert_eq!(announce["id"], relays[KEPT].as_str());
    assert_eq!(announce["actor"], rounds.actor_url("community").as_str());
    let create = &announce["object"];
    assert_eq!(create["id"], creates[KEPT]["id"]);
    assert_eq!(
        create["object"]["content"],
        posts[KEPT].content_html.as_str()
    );
    assert_eq!(
        create["object"]["replies"],
        rounds.url(&format!("/posts/{}/replies", posts[KEPT].id))
    );
    assert_eq!(create["object"]["inReplyTo"], first.id.as_str());

    // The edit: sent as it is now.
    let sent = relayed_creates(&peer, &ap_id(EDITED));
    assert!(!sent.is_empty(), "the edited reply is relayed");
    let content = sent[0]["object"]["object"]["content"].as_str().unwrap();
    assert!(content.contains("second version"), "{content}");
    assert!(!content.contains("naps"), "{content}");

    // Deleted, removed, held, or in a removed thread: never sent, and recorded as withdrawn.
    for n in [DELETED, REMOVED, HELD, IN_REMOVED_THREAD] {
        assert!(
            relayed_creates(&peer, &ap_id(n)).is_empty(),
            "reply {} was not to be relayed",
            words[n]
        );
        let records = rounds
            .state()
            .db
            .delivery_records(&relays[n])
            .await
            .unwrap();
        assert_eq!(records.len(), 1, "{}", words[n]);
        assert_eq!(records[0].state, WITHDRAWN, "{}: {records:?}", words[n]);
    }
    assert!(peer.refused().is_empty(), "{:?}", peer.refused());
}

both_databases!(relays_are_rendered_when_sent_and_never_after_deletion);
