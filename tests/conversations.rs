//! Conversations with other servers, on SQLite and PostgreSQL: three independent instances
//! (test peers verifying every signature) reply to a thread, to a reply, and to a reply Rounds
//! never received; all are threaded, listed in `replies` and `context`, and relayed by the
//! forum's Group to its followers. Edits and deletions by their authors follow; forgeries are
//! refused. Replays, Likes and Undo leave correct counts. Followers-only and mention-only replies
//! never reach public collections or Announces. Loops and unrelated replies end cleanly.

mod common;

use common::{eventually, follow, get_activity_json, peer::Peer, TestDb, TestInstance};
use serde_json::{json, Value};

/// Signs and posts `activity` to the shared inbox (see `common::send_signed`).
use common::send_signed as send;

async fn items(url: &str) -> Vec<String> {
    let page = get_activity_json(&format!("{url}?page=1")).await;
    page["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item.as_str().unwrap().to_string())
        .collect()
}

async fn thread_page(url: &str) -> String {
    let page = reqwest::Client::new()
        .get(url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

/// The Announces (by the forum) of a Create whose object is `id`, that reached `peer` (delivery
/// is at least once: a retry after a timeout may bring one twice).
fn relayed(peer: &Peer, kind: &str, id: &str) -> usize {
    peer.arrivals_of("Announce")
        .iter()
        .filter(|a| a.activity["object"]["type"] == kind)
        .filter(|a| {
            a.activity["object"]["object"]["id"] == id || a.activity["object"]["object"] == id
        })
        .count()
}

async fn start_thread(rounds: &TestInstance) -> String {
    common::start_thread(rounds, "Pacing after long COVID", "What helped you?")
        .await
        .id
        .to_string()
}

async fn replies_from_three_instances_are_threaded_and_relayed(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let (one, two, three) = (
        Peer::spawn().await,
        Peer::spawn().await,
        Peer::spawn().await,
    );
    follow(&one, "alice", rounds.port, "community").await;
    follow(&two, "bob", rounds.port, "community").await;
    let thread = start_thread(&rounds).await;

    // One replies to the thread; two replies to that reply.
    let first = one.note(
        "alice",
        Some(&thread),
        "<p>Short walks, then rest.</p>",
        None,
    );
    let create_first = one.create(&first);
    assert_eq!(send(&rounds, &one, "alice", &create_first).await, 202);
    let first_id = first["id"].as_str().unwrap().to_string();
    let second = two.note(
        "bob",
        Some(&first_id),
        "<p>Same here <script>x()</script></p>",
        None,
    );
    assert_eq!(send(&rounds, &two, "bob", &two.create(&second)).await, 202);
    let second_id = second["id"].as_str().unwrap().to_string();

    // Three: carol answered bob, but Rounds never received it; dave answers carol.
    let unseen = three.note(
        "carol",
        Some(&second_id),
        "<p>A reply Rounds never saw.</p>",
        None,
    );
    let unseen_id = unseen["id"].as_str().unwrap().to_string();
    let third = three.note(
        "dave",
        Some(&unseen_id),
        "<p>Pacing apps help me.</p>",
        None,
    );
    assert_eq!(
        send(&rounds, &three, "dave", &three.create(&third)).await,
        202
    );
    let third_id = third["id"].as_str().unwrap().to_string();

    // All are in the conversation, in order, the missing one fetched.
    let context = items(&format!("{thread}/context")).await;
    assert_eq!(
        context,
        [
            thread.clone(),
            first_id.clone(),
            second_id.clone(),
            unseen_id.clone(),
            third_id.clone()
        ]
    );
    let thread_number = thread.rsplit('/').next().unwrap();
    assert_eq!(
        items(&format!("{thread}/replies")).await,
        [first_id.as_str()]
    );
    let state = rounds.state();
    let stored = state
        .db
        .visible_in_context(thread_number.parse().unwrap(), 10, 0)
        .await
        .unwrap()
        .0;
    let by_id = |id: &str| {
        stored
            .iter()
            .find(|p| p.ap_id.as_deref() == Some(id))
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_id(&first_id).parent_id.unwrap().to_string(),
        thread_number
    );
    assert_eq!(by_id(&second_id).parent_id, Some(by_id(&first_id).id));
    assert_eq!(by_id(&unseen_id).parent_id, Some(by_id(&second_id).id));
    assert_eq!(by_id(&third_id).parent_id, Some(by_id(&unseen_id).id));
    assert!(
        !by_id(&second_id).content_html.contains("script"),
        "sanitized"
    );
    assert_eq!(
        items(&rounds.url(&format!("/posts/{}/replies", by_id(&first_id).id))).await,
        [second_id.as_str()]
    );

    // The page shows the whole conversation, nested, each reply with its author's handle.
    let page = thread_page(&thread).await;
    for text in [
        "Short walks, then rest.",
        "A reply Rounds never saw.",
        "Pacing apps help me.",
    ] {
        assert!(page.contains(text), "{text} missing");
    }
    assert!(page.contains(&format!("@alice@{}", one.domain())));
    assert!(page.contains(&format!("@dave@{}", three.domain())));
    let order = ["Short walks", "Same here", "never saw", "Pacing apps"]
        .map(|text| page.find(text).unwrap());
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "in conversation order"
    );

    // Every follower receives the Group's Announces of the replies it received.
    for peer in [&one, &two] {
        for id in [&first_id, &second_id, &third_id] {
            let arrived = eventually(20, || async { relayed(peer, "Create", id) >= 1 }).await;
            assert!(arrived, "{id} not relayed to {}", peer.domain());
        }
    }
    let announce = one
        .arrivals_of("Announce")
        .into_iter()
        .find(|a| a.activity["object"]["object"]["id"] == first_id)
        .unwrap()
        .activity;
    assert_eq!(announce["actor"], rounds.actor_url("community"));
    assert_eq!(announce["object"]["id"], create_first["id"]);
    assert_eq!(announce["object"]["actor"], one.actor_id("alice"));
    assert_eq!(announce["object"]["object"]["inReplyTo"], thread);

    // The forum's outbox lists the same Announce, under the id it was sent with, of the same
    // Create, on every read.
    for _ in 0..2 {
        let outbox = get_activity_json(&rounds.url("/actors/community/outbox?page=1")).await;
        let listed = outbox["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["object"]["object"]["id"] == first_id)
            .expect("the relayed reply is in the forum's outbox")
            .clone();
        assert_eq!(listed["id"], announce["id"]);
        assert_eq!(listed["object"]["id"], create_first["id"]);
    }

    // The same activity again: 409, nothing changes. The same post by another route: 202,
    // stored once.
    assert_eq!(send(&rounds, &one, "alice", &create_first).await, 409);
    assert_eq!(send(&rounds, &one, "alice", &one.create(&first)).await, 202);
    assert_eq!(items(&format!("{thread}/context")).await.len(), 5);
    assert!(one.refused().is_empty() && two.refused().is_empty());
}

async fn edits_and_deletions_come_only_from_their_authors(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "bob", rounds.port, "community").await;
    let thread = start_thread(&rounds).await;
    let reply = peer.note("alice", Some(&thread), "<p>Version one.</p>", None);
    assert_eq!(
        send(&rounds, &peer, "alice", &peer.create(&reply)).await,
        202
    );
    let reply_id = reply["id"].as_str().unwrap().to_string();

    // A forged edit: mallory claims alice's post (400), or sends it as her own (403).
    let mut forged = reply.clone();
    forged["content"] = json!("<p>Forged.</p>");
    let update = |note: &Value, actor: &str| {
        json!({"@context": "https://www.w3.org/ns/activitystreams", "id": peer.new_id("updates"),
               "type": "Update", "actor": peer.actor_id(actor), "object": note})
    };
    assert_eq!(
        send(&rounds, &peer, "mallory", &update(&forged, "mallory")).await,
        400
    );
    forged["attributedTo"] = json!(peer.actor_id("mallory"));
    assert_eq!(
        send(&rounds, &peer, "mallory", &update(&forged, "mallory")).await,
        403
    );
    assert!(!thread_page(&thread).await.contains("Forged."));

    // The author's edit replaces the words and is kept as an edit; the Group relays it.
    let mut edited = reply.clone();
    edited["content"] = json!("<p>Version two.</p>");
    edited["updated"] = json!("2026-11-25T13:00:00Z");
    assert_eq!(
        send(&rounds, &peer, "alice", &update(&edited, "alice")).await,
        202
    );
    let page = thread_page(&thread).await;
    assert!(page.contains("Version two.") && !page.contains("Version one."));
    let state = rounds.state();
    let mut conn = state.db.pool.acquire().await.unwrap();
    let stored = rounds::db::Db::post_by_ap_id(&mut conn, &reply_id)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    assert!(stored.updated_at.is_some());
    assert_eq!(state.db.count_edits(stored.id).await.unwrap(), 1);
    let arrived = eventually(20, || async { relayed(&peer, "Update", &reply_id) >= 1 }).await;
    assert!(
        arrived,
        "{:?} {:?}",
        peer.received(),
        rounds.pending_deliveries().await
    );

    // A forged Delete changes nothing; the author's removes it from pages and collections.
    let delete = |actor: &str| {
        json!({"@context": "https://www.w3.org/ns/activitystreams", "id": peer.new_id("deletes"),
               "type": "Delete", "actor": peer.actor_id(actor),
               "object": {"id": reply_id, "type": "Tombstone"}})
    };
    assert_eq!(
        send(&rounds, &peer, "mallory", &delete("mallory")).await,
        403
    );
    assert_eq!(
        items(&format!("{thread}/replies")).await,
        [reply_id.as_str()]
    );
    assert_eq!(send(&rounds, &peer, "alice", &delete("alice")).await, 202);
    assert!(items(&format!("{thread}/replies")).await.is_empty());
    assert!(!thread_page(&thread).await.contains("Version two."));
    let mut conn = state.db.pool.acquire().await.unwrap();
    let erased = rounds::db::Db::post_by_ap_id(&mut conn, &reply_id)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    assert!(erased.deleted_at.is_some() && erased.content_html.is_empty());
    assert_eq!(
        state.db.count_edits(stored.id).await.unwrap(),
        0,
        "edits erased too"
    );
    assert!(
        eventually(20, || async {
            peer.arrivals_of("Announce")
                .iter()
                .any(|a| a.activity["object"]["type"] == "Delete")
        })
        .await
    );

    // Deleting an actor removes everything it wrote.
    let more = [
        peer.note("carol", Some(&thread), "<p>Carol one.</p>", None),
        peer.note("carol", Some(&thread), "<p>Carol two.</p>", None),
    ];
    for note in &more {
        assert_eq!(send(&rounds, &peer, "carol", &peer.create(note)).await, 202);
    }
    assert_eq!(items(&format!("{thread}/replies")).await.len(), 2);
    let gone = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": peer.new_id("deletes"),
                      "type": "Delete", "actor": peer.actor_id("carol"), "object": peer.actor_id("carol")});
    assert_eq!(send(&rounds, &peer, "carol", &gone).await, 202);
    assert!(items(&format!("{thread}/replies")).await.is_empty());
    assert!(!thread_page(&thread).await.contains("Carol one."));
}

async fn likes_replays_and_privacy(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "bob", rounds.port, "community").await;
    let thread = start_thread(&rounds).await;
    let number: i64 = thread.rsplit('/').next().unwrap().parse().unwrap();
    let state = rounds.state();

    let like = |actor: &str| {
        json!({"@context": "https://www.w3.org/ns/activitystreams", "id": peer.new_id("likes"),
               "type": "Like", "actor": peer.actor_id(actor), "object": thread})
    };
    let alice_like = like("alice");
    assert_eq!(send(&rounds, &peer, "alice", &alice_like).await, 202);
    assert_eq!(
        send(&rounds, &peer, "alice", &alice_like).await,
        409,
        "replayed"
    );
    assert_eq!(
        send(&rounds, &peer, "alice", &like("alice")).await,
        202,
        "liked again"
    );
    assert_eq!(send(&rounds, &peer, "carol", &like("carol")).await, 202);
    let boost = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": peer.new_id("boosts"),
                       "type": "Announce", "actor": peer.actor_id("dave"), "object": thread,
                       "to": ["https://www.w3.org/ns/activitystreams#Public"]});
    assert_eq!(send(&rounds, &peer, "dave", &boost).await, 202);
    let counts = state.db.reaction_counts(number).await.unwrap();
    assert_eq!((counts.likes, counts.announces), (2, 1));
    let undo = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": peer.new_id("undos"),
                      "type": "Undo", "actor": peer.actor_id("alice"), "object": alice_like});
    assert_eq!(send(&rounds, &peer, "alice", &undo).await, 202);
    let undo_boost = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": peer.new_id("undos"),
                            "type": "Undo", "actor": peer.actor_id("dave"), "object": boost["id"]});
    assert_eq!(send(&rounds, &peer, "dave", &undo_boost).await, 202);
    let counts = state.db.reaction_counts(number).await.unwrap();
    assert_eq!((counts.likes, counts.announces), (1, 0));

    // Followers-only and mention-only replies: stored, never public, never relayed.
    let followers_only = peer.note(
        "alice",
        Some(&thread),
        "<p>Only for my followers.</p>",
        Some((
            vec![format!("{}/followers", peer.actor_id("alice"))],
            vec![],
        )),
    );
    let mention_only = peer.note(
        "alice",
        Some(&thread),
        "<p>Only for ada.</p>",
        Some((vec![rounds.actor_url("ada")], vec![])),
    );
    let public = peer.note("alice", Some(&thread), "<p>For everyone.</p>", None);
    for note in [&followers_only, &mention_only, &public] {
        assert_eq!(send(&rounds, &peer, "alice", &peer.create(note)).await, 202);
    }
    assert!(
        eventually(20, || async {
            relayed(&peer, "Create", public["id"].as_str().unwrap()) >= 1
        })
        .await
    );
    assert_eq!(
        items(&format!("{thread}/replies")).await,
        [public["id"].as_str().unwrap()]
    );
    assert_eq!(items(&format!("{thread}/context")).await.len(), 2);
    let page = thread_page(&thread).await;
    assert!(page.contains("For everyone.") && !page.contains("Only for"));
    for note in [&followers_only, &mention_only] {
        assert_eq!(relayed(&peer, "Create", note["id"].as_str().unwrap()), 0);
    }
    assert!(
        peer.received()
            .iter()
            .all(|a| !a.to_string().contains("Only for")),
        "never sent on"
    );
}

async fn loops_unrelated_replies_and_new_threads(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let thread = start_thread(&rounds).await;

    // x and y answer each other; z answers x: a loop, dropped cleanly.
    let x_id = format!("{}/notes/loopx", peer.state.base);
    let y_id = format!("{}/notes/loopy", peer.state.base);
    for (id, parent) in [(&x_id, &y_id), (&y_id, &x_id)] {
        peer.serve_note(
            &json!({"id": id, "type": "Note", "attributedTo": peer.actor_id("alice"),
            "content": "loop", "inReplyTo": parent,
            "to": ["https://www.w3.org/ns/activitystreams#Public"]}),
        );
    }
    let z = peer.note("bob", Some(&x_id), "<p>z</p>", None);
    assert_eq!(send(&rounds, &peer, "bob", &peer.create(&z)).await, 202);
    // A reply to a conversation elsewhere: dropped.
    let elsewhere = peer.note("alice", None, "<p>my own thread</p>", None);
    let unrelated = peer.note("bob", elsewhere["id"].as_str(), "<p>unrelated</p>", None);
    assert_eq!(
        send(&rounds, &peer, "bob", &peer.create(&unrelated)).await,
        202
    );
    // A reply whose parent cannot be fetched: dropped.
    let orphan = peer.note(
        "bob",
        Some(&format!("{}/notes/missing", peer.state.base)),
        "<p>o</p>",
        None,
    );
    assert_eq!(
        send(&rounds, &peer, "bob", &peer.create(&orphan)).await,
        202
    );
    let state = rounds.state();
    let mut conn = state.db.pool.acquire().await.unwrap();
    for id in [
        z["id"].as_str().unwrap(),
        &x_id,
        unrelated["id"].as_str().unwrap(),
        orphan["id"].as_str().unwrap(),
    ] {
        assert!(
            rounds::db::Db::post_by_ap_id(&mut conn, id)
                .await
                .unwrap()
                .is_none(),
            "{id}"
        );
    }
    drop(conn);
    assert_eq!(items(&format!("{thread}/context")).await.len(), 1);

    // A public note addressed to the community, without inReplyTo, starts a thread there.
    let mut opener = peer.note(
        "alice",
        None,
        "<p>Has anyone tried pacing apps? Which one?</p>",
        None,
    );
    opener["cc"] = json!([rounds.actor_url("community")]);
    peer.serve_note(&opener);
    assert_eq!(
        send(&rounds, &peer, "alice", &peer.create(&opener)).await,
        202
    );
    let outbox = get_activity_json(&rounds.url("/actors/community/outbox?page=1")).await;
    assert_eq!(outbox["totalItems"], 2);
    let newest = outbox["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|announce| &announce["object"]["object"])
        .find(|note| note["id"] == opener["id"])
        .expect("the new thread is in the forum's outbox");
    assert_eq!(newest["name"], "Has anyone tried pacing apps? Which one?");
    // The same to a forum that does not take them: dropped.
    let forum = rounds::service::actors::add_forum(&state.db, "closed", "Closed", "")
        .await
        .unwrap();
    assert!(
        !rounds::service::conversations::accepts_remote_threads(&state, &forum)
            .await
            .unwrap()
    );
    let mut knock = peer.note("alice", None, "<p>knock</p>", None);
    knock["cc"] = json!([rounds.actor_url("closed")]);
    assert_eq!(
        send(&rounds, &peer, "alice", &peer.create(&knock)).await,
        202
    );
    let outbox = get_activity_json(&rounds.url("/actors/closed/outbox")).await;
    assert_eq!(outbox["totalItems"], 0);
    // The forum opens through the API: the next one starts a thread.
    let admin = common::member_token(&rounds, "root", rounds::model::Role::Admin).await;
    let opened = reqwest::Client::new()
        .patch(rounds.url("/api/v1/forums/closed"))
        .bearer_auth(&admin)
        .json(&json!({"remote_threads": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    assert_eq!(
        opened.json::<Value>().await.unwrap()["remote_threads"],
        true
    );
    let mut again = peer.note("alice", None, "<p>knock knock</p>", None);
    again["cc"] = json!([rounds.actor_url("closed")]);
    assert_eq!(
        send(&rounds, &peer, "alice", &peer.create(&again)).await,
        202
    );
    let outbox = get_activity_json(&rounds.url("/actors/closed/outbox")).await;
    assert_eq!(outbox["totalItems"], 1);
}

/// The conversations of `roots` that are live (their first post is there and not deleted), in
/// order, with whether each is locked.
async fn live_roots(conn: &mut sqlx::AnyConnection, roots: &[i64]) -> Vec<(i64, bool)> {
    let found = rounds::db::Db::live_conversations_locked(conn, roots)
        .await
        .unwrap();
    let mut found: Vec<(i64, bool)> = found.into_iter().collect();
    found.sort_unstable();
    found
}

/// The writer's check of a batch's conversations, one asked alone (its own statement text) or
/// several at once: open, locked, deleted and unknown first posts.
async fn conversations_are_checked_one_or_several_at_a_time(db: TestDb) {
    use rounds::{db::Db, service::publishing};
    let rounds = TestInstance::spawn(db).await;
    let state = rounds.state();
    let open = common::start_thread(&rounds, "Open", "Talk").await.post.id;
    let ada = state.db.local_actor_by_name("ada").await.unwrap().unwrap();
    let data = rounds.federation.to_request_data();
    let mut threads = Vec::new();
    for title in ["Locked", "Deleted"] {
        let draft = rounds::service::post_rules::Draft {
            title: Some(title.into()),
            body: Some("Talk".into()),
            ..Default::default()
        };
        let place = publishing::Place::Forum("community");
        let published = publishing::publish(&data, &ada, place, &draft).await;
        threads.push(published.unwrap().post.id);
    }
    let (locked, deleted) = (threads[0], threads[1]);
    let mut conn = state.db.pool.acquire().await.unwrap();
    assert!(Db::set_post_locked(&mut conn, locked, true).await.unwrap());
    sqlx::query("UPDATE posts SET deleted_at = 1 WHERE id = $1")
        .bind(deleted)
        .execute(&mut *conn)
        .await
        .unwrap();
    let unknown = deleted + 1_000;

    assert_eq!(live_roots(&mut conn, &[open]).await, vec![(open, false)]);
    assert_eq!(live_roots(&mut conn, &[locked]).await, vec![(locked, true)]);
    assert_eq!(live_roots(&mut conn, &[deleted]).await, vec![]);
    assert_eq!(live_roots(&mut conn, &[unknown]).await, vec![]);
    assert_eq!(
        live_roots(&mut conn, &[open, locked, deleted, unknown]).await,
        vec![(open, false), (locked, true)]
    );
    assert_eq!(live_roots(&mut conn, &[]).await, vec![]);
}

both_databases!(
    conversations_are_checked_one_or_several_at_a_time,
    replies_from_three_instances_are_threaded_and_relayed,
    edits_and_deletions_come_only_from_their_authors,
    likes_replays_and_privacy,
    loops_unrelated_replies_and_new_threads,
);
