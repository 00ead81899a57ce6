//! Publishing as another server sees it, on SQLite and PostgreSQL: a test peer (built on
//! activitypub_federation, verifying every signature) follows `@community`, `@journal` and
//! `@webinars`; a thread, a member's reply, an announcement and a webinar are published, edited
//! and deleted through the API; each arrives as the right activity with the right fields, the
//! objects answer at their ids as JSON and HTML, and a deleted one answers 410 with a Tombstone.
//! Webinars answer Mobilizon's Join and Leave.

mod common;

use common::member_token;

use common::{eventually, follow, get_activity_json, peer::Peer, signing, TestDb, TestInstance};
use reqwest::StatusCode;
use rounds::model::Role;
use serde_json::{json, Value};
use sqlx::Row;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

async fn call(
    rounds: &TestInstance,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, rounds.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The number at the end of a post's id.
fn number(id: &Value) -> String {
    id.as_str().unwrap().rsplit('/').next().unwrap().to_string()
}

/// The activities of `kind` that arrived whose object (or announced activity's object) has `id`.
fn arrived_about(peer: &Peer, kind: &str, id: &str) -> Vec<Value> {
    peer.arrivals_of(kind)
        .into_iter()
        .map(|a| a.activity)
        .filter(|a| a["object"]["id"] == id || a["object"]["object"]["id"] == id)
        .collect()
}

async fn wait_for(peer: &Peer, what: impl Fn(&Peer) -> bool) {
    let arrived = eventually(20, || async { what(peer) }).await;
    let seen: Vec<(String, String, String)> = peer
        .arrivals()
        .iter()
        .map(|a| {
            let object = &a.activity["object"];
            let inner = object["type"].as_str().unwrap_or("-").to_string();
            (a.activity["type"].to_string(), inner, a.path.clone())
        })
        .collect();
    assert!(arrived, "timed out; arrived: {seen:?}");
}

fn tag_named<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object["tag"].as_array()?.iter().find(|t| t["name"] == name)
}

async fn a_thread_reaches_the_forums_followers_and_is_edited_and_deleted(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "alice", rounds.port, "community").await;
    let ada = member_token(&rounds, "ada", Role::Author).await;
    let ben = member_token(&rounds, "ben", Role::Author).await;

    let body = format!(
        "What helped you pace yourself? #PatientVoices\n\nAsking @dave@{} too.",
        peer.domain()
    );
    let (status, created) = call(
        &rounds,
        reqwest::Method::POST,
        "/api/v1/forums/community/threads",
        &ada,
        Some(json!({"title": "Pacing after long COVID", "body": body,
                    "content_warning": "fatigue", "tags": ["LongCovid"]})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["url"], id);
    assert!(id.starts_with(&rounds.url("/posts/")));

    // The Group relays the Create (FEP-1b12) and boosts the Note (for Mastodon).
    wait_for(&peer, |p| arrived_about(p, "Announce", &id).len() == 2).await;
    let announces = arrived_about(&peer, "Announce", &id);
    let relayed = announces
        .iter()
        .find(|a| a["object"]["type"] == "Create")
        .unwrap();
    let boosted = announces
        .iter()
        .find(|a| a["object"]["type"] == "Note")
        .unwrap();
    for announce in [relayed, boosted] {
        assert_eq!(announce["actor"], rounds.actor_url("community"));
        assert_eq!(announce["to"][0], PUBLIC);
        assert_eq!(
            announce["cc"][0],
            format!("{}/followers", rounds.actor_url("community"))
        );
    }
    let note = &relayed["object"]["object"];
    assert_eq!(relayed["object"]["actor"], rounds.actor_url("ada"));
    assert_eq!(note["type"], "Note");
    assert_eq!(note["name"], "Pacing after long COVID");
    assert!(note["content"]
        .as_str()
        .unwrap()
        .starts_with("<p><strong>Pacing after long COVID</strong></p>"));
    assert_eq!(note["summary"], "fatigue");
    assert_eq!(note["sensitive"], true);
    assert_eq!(note["attributedTo"], rounds.actor_url("ada"));
    assert_eq!(note["audience"], rounds.actor_url("community"));
    assert_eq!(note["context"], format!("{id}/context"));
    assert_eq!(note["replies"], format!("{id}/replies"));
    assert_eq!(note["to"][0], PUBLIC);
    assert!(note["cc"]
        .as_array()
        .unwrap()
        .contains(&json!(rounds.actor_url("community"))));
    assert_eq!(note["source"]["mediaType"], "text/markdown");
    let hashtag = tag_named(note, "#PatientVoices").expect("hashtag tag");
    assert_eq!(hashtag["type"], "Hashtag");
    assert_eq!(hashtag["href"], rounds.url("/tags/patientvoices"));
    assert!(
        tag_named(note, "#LongCovid").is_some(),
        "tags given beside the body"
    );
    let mention = tag_named(note, &format!("@dave@{}", peer.domain())).expect("mention tag");
    assert_eq!(mention["type"], "Mention");
    assert_eq!(mention["href"], peer.actor_id("dave"));
    assert!(note["content"]
        .as_str()
        .unwrap()
        .contains(&format!("href=\"{}\"", peer.actor_id("dave"))));
    assert_eq!(boosted["object"]["id"], id);

    // The mentioned actor (no shared inbox) receives the Create at its own inbox.
    wait_for(&peer, |p| {
        p.arrivals_of("Create")
            .iter()
            .any(|a| a.path == "/users/dave/inbox" && a.activity["object"]["id"] == id)
    })
    .await;

    // The object answers at its id: JSON for ActivityPub clients, HTML for browsers.
    let fetched = get_activity_json(&id).await;
    assert_eq!(fetched["type"], "Note");
    assert_eq!(fetched["name"], "Pacing after long COVID");
    assert!(fetched["@context"].is_array());
    let page = reqwest::Client::new()
        .get(&id)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Pacing after long COVID"));

    // A local member replies: the Group relays it too, answering the thread.
    let (status, reply) = call(
        &rounds,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{}/replies", number(&json!(id))),
        &ben,
        Some(json!({"body": "Short walks, *then* rest."})),
    )
    .await;
    assert_eq!(status, 201, "{reply}");
    let reply_id = reply["id"].as_str().unwrap().to_string();
    wait_for(&peer, |p| {
        !arrived_about(p, "Announce", &reply_id).is_empty()
    })
    .await;
    let relayed_reply = arrived_about(&peer, "Announce", &reply_id)
        .into_iter()
        .find(|a| a["object"]["type"] == "Create")
        .unwrap();
    let reply_note = &relayed_reply["object"]["object"];
    assert_eq!(reply_note["inReplyTo"], id);
    assert_eq!(reply_note["context"], format!("{id}/context"));
    assert!(reply_note["content"]
        .as_str()
        .unwrap()
        .contains("<em>then</em>"));
    assert!(reply_note.get("name").is_none());
    let replies = get_activity_json(&format!("{id}/replies?page=1")).await;
    assert_eq!(replies["orderedItems"], json!([reply_id]));
    let context = get_activity_json(&format!("{id}/context?page=1")).await;
    assert_eq!(context["orderedItems"], json!([id, reply_id]));

    // An edit: the author's Update reaches the forum's followers, and the Group relays it.
    let (status, _) = call(
        &rounds,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{}", number(&json!(id))),
        &ada,
        Some(json!({"title": "Pacing after long COVID (updated)"})),
    )
    .await;
    assert_eq!(status, 200);
    // The version it replaced is kept (a page says "edited"), until the post is deleted.
    let edits = || async {
        let pool = rounds.state().db.pool.clone();
        sqlx::query("SELECT title FROM post_edits WHERE post_id = $1")
            .bind(number(&json!(id)).parse::<i64>().unwrap())
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<Option<String>, _>("title"))
            .collect::<Vec<_>>()
    };
    assert_eq!(edits().await, [Some("Pacing after long COVID".to_string())]);
    // Once to the shared inbox (the forum's follower alice), once to the mentioned dave.
    wait_for(&peer, |p| arrived_about(p, "Update", &id).len() == 2).await;
    let update = &arrived_about(&peer, "Update", &id)[0];
    assert_eq!(update["actor"], rounds.actor_url("ada"));
    assert_eq!(
        update["object"]["name"],
        "Pacing after long COVID (updated)"
    );
    assert!(update["object"]["updated"].is_string());
    assert_eq!(
        update["object"]["summary"], "fatigue",
        "fields not given stay"
    );
    wait_for(&peer, |p| {
        arrived_about(p, "Announce", &id)
            .iter()
            .any(|a| a["object"]["type"] == "Update")
    })
    .await;

    // Someone else may not change it.
    let (status, _) = call(
        &rounds,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{}", number(&json!(id))),
        &ben,
        Some(json!({"title": "Hijacked"})),
    )
    .await;
    assert_eq!(status, 403);

    // Deletion: a Delete with a Tombstone, relayed; the id answers 410.
    let outbox_before =
        get_activity_json(&format!("{}/outbox", rounds.actor_url("community"))).await;
    assert_eq!(outbox_before["totalItems"], 2);
    let (status, _) = call(
        &rounds,
        reqwest::Method::DELETE,
        &format!("/api/v1/posts/{}", number(&json!(id))),
        &ada,
        None,
    )
    .await;
    assert_eq!(status, 204);
    wait_for(&peer, |p| arrived_about(p, "Delete", &id).len() == 2).await;
    let delete = &arrived_about(&peer, "Delete", &id)[0];
    assert_eq!(delete["object"]["type"], "Tombstone");
    assert_eq!(delete["actor"], rounds.actor_url("ada"));
    wait_for(&peer, |p| {
        arrived_about(p, "Announce", &id)
            .iter()
            .any(|a| a["object"]["type"] == "Delete")
    })
    .await;
    let gone = reqwest::Client::new()
        .get(&id)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);
    let tombstone: Value = gone.json().await.unwrap();
    assert_eq!(tombstone["type"], "Tombstone");
    assert_eq!(tombstone["formerType"], "Note");
    assert!(tombstone.get("content").is_none());
    let outbox =
        get_activity_json(&format!("{}/outbox?page=1", rounds.actor_url("community"))).await;
    assert_eq!(outbox["totalItems"], 1);
    assert_eq!(outbox["orderedItems"][0]["type"], "Announce");
    assert_eq!(
        outbox["orderedItems"][0]["object"]["object"]["id"],
        reply_id
    );
    let (status, _) = call(
        &rounds,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{}", number(&json!(id))),
        &ada,
        Some(json!({"title": "Back"})),
    )
    .await;
    assert_eq!(status, 404, "a deleted post cannot be edited");
    assert!(
        edits().await.is_empty(),
        "earlier versions go with the post"
    );
    assert!(peer.refused().is_empty(), "{:?}", peer.refused());
}

async fn the_journal_and_webinars_publish_as_themselves(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "bob", rounds.port, "journal").await;
    follow(&peer, "alice", rounds.port, "webinars").await;
    let editor = member_token(&rounds, "eve", Role::Author).await;

    let (status, article) = call(
        &rounds,
        reqwest::Method::POST,
        "/api/v1/journal",
        &editor,
        Some(json!({"title": "Patients as co-authors", "summary": "A study of 40 papers written with patients.",
                    "body": "The paper is **open access**.", "link": "https://jopm.example/article/40",
                    "doi": "10.2196/40000"})),
    )
    .await;
    assert_eq!(status, 201, "{article}");
    let article_id = article["id"].as_str().unwrap().to_string();
    wait_for(&peer, |p| {
        arrived_about(p, "Create", &article_id).len() == 1
    })
    .await;
    let create = &arrived_about(&peer, "Create", &article_id)[0];
    assert_eq!(create["actor"], rounds.actor_url("journal"));
    let object = &create["object"];
    assert_eq!(object["type"], "Article");
    assert_eq!(object["name"], "Patients as co-authors");
    assert_eq!(
        object["summary"],
        "A study of 40 papers written with patients."
    );
    assert_eq!(object["url"], article_id);
    assert_eq!(object["attributedTo"], rounds.actor_url("journal"));
    assert!(object["content"]
        .as_str()
        .unwrap()
        .contains("https://jopm.example/article/40"));
    assert!(object["content"]
        .as_str()
        .unwrap()
        .contains("10.2196/40000"));

    let (status, webinar) = call(
        &rounds,
        reqwest::Method::POST,
        "/api/v1/webinars",
        &editor,
        Some(
            json!({"title": "Shared decisions", "summary": "Preparing for a visit together.",
                    "body": "Bring your questions.", "starts_at": "2026-12-01T23:00:00Z",
                    "ends_at": "2026-12-02T00:30:00Z", "timezone": "America/New_York",
                    "join_url": "https://meet.example/spm", "capacity": 1}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{webinar}");
    let event_id = webinar["id"].as_str().unwrap().to_string();
    wait_for(&peer, |p| arrived_about(p, "Create", &event_id).len() == 1).await;
    let event = arrived_about(&peer, "Create", &event_id)[0]["object"].clone();
    assert_eq!(event["type"], "Event");
    assert_eq!(event["name"], "Shared decisions");
    assert_eq!(event["startTime"], "2026-12-01T18:00:00-05:00");
    assert_eq!(event["endTime"], "2026-12-01T19:30:00-05:00");
    assert_eq!(event["timezone"], "America/New_York");
    assert_eq!(event["isOnline"], true);
    assert_eq!(event["joinMode"], "free");
    assert_eq!(event["maximumAttendeeCapacity"], 1);
    assert_eq!(event["participantCount"], 0);
    let summary = event["summary"].as_str().unwrap();
    assert!(
        summary.contains("Tuesday 1 December 2026, 18:00–19:30 EST (America/New_York)"),
        "{summary}"
    );
    assert!(summary.contains("https://meet.example/spm"), "{summary}");
    assert!(
        summary.contains("Preparing for a visit together."),
        "{summary}"
    );
    assert_eq!(event["url"], event_id);

    // Mobilizon-style participation: carol joins (Accept), dave finds it full (Reject), carol
    // leaves.
    let join = |who: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": peer.new_id("joins"),
            "type": "Join",
            "actor": peer.actor_id(who),
            "object": event_id,
        })
    };
    let webinars_inbox = rounds.url("/actors/webinars/inbox");
    for (who, answer) in [("carol", "Accept"), ("dave", "Reject")] {
        let activity = join(who);
        let (status, body) = signing::post(
            &webinars_inbox,
            activity.to_string().as_bytes(),
            Some(&peer.signer(who)),
            &signing::SignOptions::default(),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        wait_for(&peer, |p| {
            p.arrivals_of(answer).iter().any(|a| {
                a.activity["object"]["id"] == activity["id"]
                    && a.path == format!("/users/{who}/inbox")
            })
        })
        .await;
        let replayed = signing::post(
            &webinars_inbox,
            activity.to_string().as_bytes(),
            Some(&peer.signer(who)),
            &signing::SignOptions::default(),
        )
        .await;
        assert_eq!(replayed.0, 409);
    }
    let counted = get_activity_json(&event_id).await;
    assert_eq!(counted["participantCount"], 1);
    assert_eq!(counted["remainingAttendeeCapacity"], 0);
    let leave = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.new_id("leaves"),
        "type": "Leave",
        "actor": peer.actor_id("carol"),
        "object": event_id,
    });
    let (status, _) = signing::post(
        &webinars_inbox,
        leave.to_string().as_bytes(),
        Some(&peer.signer("carol")),
        &signing::SignOptions::default(),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(get_activity_json(&event_id).await["participantCount"], 0);

    // A Join of something that is not a webinar here: 404.
    let (status, _) = signing::post(
        &webinars_inbox,
        json!({"@context": "https://www.w3.org/ns/activitystreams", "id": peer.new_id("joins"),
               "type": "Join", "actor": peer.actor_id("carol"), "object": article_id})
        .to_string()
        .as_bytes(),
        Some(&peer.signer("carol")),
        &signing::SignOptions::default(),
    )
    .await;
    assert_eq!(status, 404);

    // Edits and deletions reach the followers.
    let (status, _) = call(
        &rounds,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{}", number(&json!(event_id))),
        &editor,
        Some(json!({"starts_at": "2026-12-01T22:00:00Z"})),
    )
    .await;
    assert_eq!(status, 200);
    wait_for(&peer, |p| arrived_about(p, "Update", &event_id).len() == 1).await;
    let updated = &arrived_about(&peer, "Update", &event_id)[0]["object"];
    assert_eq!(updated["startTime"], "2026-12-01T17:00:00-05:00");
    assert_eq!(
        updated["timezone"], "America/New_York",
        "fields not given stay"
    );
    let (status, _) = call(
        &rounds,
        reqwest::Method::DELETE,
        &format!("/api/v1/posts/{}", number(&json!(article_id))),
        &editor,
        None,
    )
    .await;
    assert_eq!(status, 204);
    wait_for(&peer, |p| {
        arrived_about(p, "Delete", &article_id).len() == 1
    })
    .await;
    let outbox = get_activity_json(&format!("{}/outbox?page=1", rounds.actor_url("journal"))).await;
    assert_eq!(outbox["totalItems"], 0);
    let webinars_outbox =
        get_activity_json(&format!("{}/outbox?page=1", rounds.actor_url("webinars"))).await;
    assert_eq!(webinars_outbox["orderedItems"][0]["type"], "Create");
    assert_eq!(webinars_outbox["orderedItems"][0]["object"]["id"], event_id);
    assert!(peer.refused().is_empty(), "{:?}", peer.refused());
}

/// A post deleted while its Create still waits for a peer that is down is never sent: the
/// waiting deliveries are withdrawn and their payload forgotten; only the Delete goes.
async fn what_is_deleted_before_delivery_is_never_sent(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "alice", rounds.port, "community").await;
    let ada = member_token(&rounds, "ada", Role::Author).await;
    peer.set_down(true);
    let (status, created) = call(
        &rounds,
        reqwest::Method::POST,
        "/api/v1/forums/community/threads",
        &ada,
        Some(json!({"title": "Regretted", "body": "Something I should not have written."})),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap().to_string();
    // The first try fails (the peer answers 503), so the Announces wait.
    assert!(eventually(20, || async { peer.posts_started() >= 1 }).await);
    let (status, _) = call(
        &rounds,
        reqwest::Method::DELETE,
        &format!("/api/v1/posts/{}", number(&json!(id))),
        &ada,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let state = rounds.state();
    for withdrawn in [format!("{id}/announce"), format!("{id}/boost")] {
        let records = state.db.delivery_records(&withdrawn).await.unwrap();
        assert_eq!(records.len(), 1, "{withdrawn}");
        assert_eq!(
            records[0].state,
            rounds::db::deliveries::WITHDRAWN,
            "{withdrawn}"
        );
    }
    peer.set_down(false);
    assert!(state.db.make_instance_due(&peer.domain()).await.unwrap());
    state.ring_delivery_bell();
    wait_for(&peer, |p| !arrived_about(p, "Announce", &id).is_empty()).await;
    let arrived = peer.received();
    assert!(
        arrived
            .iter()
            .all(|a| !a.to_string().contains("should not have written")),
        "the deleted words never left: {arrived:?}"
    );
    let relayed = arrived_about(&peer, "Announce", &id);
    assert_eq!(relayed.len(), 1);
    assert_eq!(relayed[0]["object"]["type"], "Delete");
}

both_databases!(
    a_thread_reaches_the_forums_followers_and_is_edited_and_deleted,
    the_journal_and_webinars_publish_as_themselves,
    what_is_deleted_before_delivery_is_never_sent,
);
