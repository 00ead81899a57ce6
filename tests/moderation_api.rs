//! The moderation API as moderators and other servers meet it, on SQLite and PostgreSQL: 401
//! without a token and 403 for authors; wrong fields named one by one (422); reply policies and
//! screening hold replies from a test peer until approved (then shown in `context`) or rejected
//! (the peer receives a `Reject`); removal reaches a following peer as the Group's `Announce` of
//! a `Delete`, and the deliveries endpoint shows it delivered; locks, bans, suspensions, CSV
//! imports and allowlist mode refuse the peer's activities with 403; `Flag`s and members'
//! reports join the report queue and are resolved (and forwarded); labels are set and
//! withdrawn; the log names each decision's moderator and reason, and `q=` filters it.

mod common;

use common::{eventually, follow, member_token, peer::Peer, TestDb, TestInstance};
use reqwest::{Method, StatusCode};
use rounds::{db::Db, model::Role};
use serde_json::{json, Value};
use sqlx::Row;

/// A client of the API with one member's token (or none). Paths starting with `/api` are used
/// as they are; others are under `/api/v1/moderation`.
struct Client<'a> {
    rounds: &'a TestInstance,
    token: Option<String>,
}

impl Client<'_> {
    async fn call(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let path = if path.starts_with("/api") {
            path.to_string()
        } else {
            format!("/api/v1/moderation{path}")
        };
        let mut request = reqwest::Client::new().request(method, self.rounds.url(&path));
        if !body.is_null() {
            request = request.json(&body);
        }
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// GET, expecting 200.
    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, Value::Null).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, body).await
    }

    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, body).await
    }

    async fn delete(&self, path: &str) -> StatusCode {
        self.call(Method::DELETE, path, Value::Null).await.0
    }
}

/// A new member `name` with `role`, and a client with their token.
async fn client<'a>(rounds: &'a TestInstance, name: &str, role: Role) -> Client<'a> {
    let token = member_token(rounds, name, role).await;
    Client {
        rounds,
        token: Some(token),
    }
}

/// Signs and posts `activity` to the shared inbox (see `common::send_signed`).
use common::send_signed as send;

/// A reply by `actor` of `peer` to `parent`, sent; the note and the status.
async fn reply(
    rounds: &TestInstance,
    peer: &Peer,
    actor: &str,
    parent: &str,
    content: &str,
) -> (Value, u16) {
    let note = peer.note(actor, Some(parent), content, None);
    let status = send(rounds, peer, actor, &peer.create(&note)).await;
    (note, status)
}

/// The stored post with this ActivityPub id.
async fn stored(rounds: &TestInstance, ap_id: &Value) -> Option<rounds::model::Post> {
    let state = rounds.state();
    let mut conn = state.db.pool.acquire().await.unwrap();
    Db::post_by_ap_id(&mut conn, ap_id.as_str().unwrap())
        .await
        .unwrap()
}

/// Whether the post `ap_id` is in the conversation's `context` (page 1).
async fn in_context(thread: &str, ap_id: &Value) -> bool {
    let page = common::get_activity_json(&format!("{thread}/context?page=1")).await;
    page["orderedItems"].as_array().unwrap().contains(ap_id)
}

/// A thread in `community`; its URL and number.
async fn thread(rounds: &TestInstance) -> (String, i64) {
    let published = common::start_thread(rounds, "Pacing", "What helped you?").await;
    (published.id.to_string(), published.post.id)
}

/// The fields a 422 answer names, in order.
fn field_names(answer: &Value) -> Vec<String> {
    let mut names: Vec<String> = answer["fields"]
        .as_object()
        .unwrap_or_else(|| panic!("no fields in {answer}"))
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

/// `field` of each item of the array `list`.
fn each<'v>(list: &'v Value, field: &str) -> Vec<&'v str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| item[field].as_str().unwrap())
        .collect()
}

async fn only_moderators_and_admins_moderate(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let (_, number) = thread(&rounds).await;
    let author = client(&rounds, "aubrey", Role::Author).await;
    let mo = client(&rounds, "mo", Role::Moderator).await;
    let admin = client(&rounds, "root", Role::Admin).await;
    let nobody = Client {
        rounds: &rounds,
        token: None,
    };
    let remove = format!("/posts/{number}/remove");
    let calls = [
        ("GET", "/queue".to_string(), Value::Null),
        ("POST", remove.clone(), json!({"reason": "because"})),
        ("POST", format!("/posts/{number}/lock"), Value::Null),
        ("GET", "/bans".into(), Value::Null),
        (
            "POST",
            "/bans".into(),
            json!({"actor": "aubrey", "reason": "x"}),
        ),
        (
            "PUT",
            "/instances/spam.example".into(),
            json!({"policy": "suspend", "reason": "spam"}),
        ),
        ("GET", "/instances.csv".into(), Value::Null),
        ("GET", "/reports".into(), Value::Null),
        (
            "PUT",
            "/labels".into(),
            json!({"actor": "aubrey", "label": "patient"}),
        ),
        ("GET", "/log".into(), Value::Null),
        (
            "PUT",
            "/policies/community".into(),
            json!({"policy": "closed"}),
        ),
        ("GET", "/words".into(), Value::Null),
    ];
    for (method, path, body) in &calls {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let (status, _) = nobody.call(method.clone(), path, body.clone()).await;
        assert_eq!(status, 401, "{method} {path} without a token");
        let (status, answer) = author.call(method.clone(), path, body.clone()).await;
        assert_eq!(status, 403, "{method} {path} as an author: {answer}");
    }
    let post = rounds.state().db.post_by_id(number).await.unwrap().unwrap();
    assert!(post.removed_at.is_none() && post.locked_at.is_none());
    assert_eq!(mo.get("/bans").await, json!({"bans": []}));
    admin.get("/queue").await;
    assert_eq!(
        admin.get("/log").await["entries"],
        json!([]),
        "nothing done"
    );

    // Wrong fields, each named.
    let cases = [
        ("POST", remove.clone(), json!({}), vec!["reason"]),
        ("POST", "/bans".into(), json!({}), vec!["actor", "reason"]),
        (
            "POST",
            "/bans".into(),
            json!({"actor": "nobody_here", "reason": "", "expires_at": "tomorrow"}),
            vec!["actor", "expires_at", "reason"],
        ),
        (
            "PUT",
            "/instances/spam.example".into(),
            json!({"policy": "block", "reason": 3}),
            vec!["policy", "reason"],
        ),
        (
            "PUT",
            "/instances/bad%20host".into(),
            json!({"policy": "suspend", "reason": "x"}),
            vec!["instance"],
        ),
        (
            "PUT",
            "/policies/community".into(),
            json!({"policy": "sometimes"}),
            vec!["policy"],
        ),
        (
            "PUT",
            "/federation_mode".into(),
            json!({"mode": "closed", "reason": false}),
            vec!["mode", "reason"],
        ),
        (
            "POST",
            format!("/queue/{number}/reject"),
            json!({"notify_author": "yes"}),
            vec!["notify_author"],
        ),
        (
            "POST",
            "/reports/1/resolve".into(),
            json!({"forward": 1}),
            vec!["action", "forward"],
        ),
        (
            "PUT",
            "/labels".into(),
            json!({"actor": "aubrey", "label": "wizard"}),
            vec!["label"],
        ),
    ];
    for (method, path, body, fields) in cases {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let (status, answer) = mo.call(method.clone(), &path, body).await;
        assert_eq!(status, 422, "{method} {path}: {answer}");
        assert_eq!(field_names(&answer), fields, "{method} {path}: {answer}");
    }
    for (path, field) in [
        ("/log?page=0", "page"),
        ("/log?page=two", "page"),
        ("/log?forum=nowhere", "forum"),
        ("/reports?state=closed", "state"),
    ] {
        let (status, answer) = mo.call(Method::GET, path, Value::Null).await;
        assert_eq!(status, 422, "{path}: {answer}");
        assert_eq!(field_names(&answer), [field], "{path}");
    }
    let (status, _) = mo
        .call(Method::GET, "/queue?owner=nowhere", Value::Null)
        .await;
    assert_eq!(status, 404);
    let (status, _) = mo.post("/queue/999/approve", Value::Null).await;
    assert_eq!(status, 404, "no such held post");
    let (status, _) = mo.post(&remove, json!([1])).await;
    assert_eq!(status, 400, "not a JSON object");

    // Any member may report a post; the report reaches the moderators.
    let report = format!("/api/v1/posts/{number}/report");
    let (status, _) = nobody.post(&report, json!({"comment": "x"})).await;
    assert_eq!(status, 401);
    let (status, answer) = author.post(&report, json!({})).await;
    assert_eq!(status, 422);
    assert_eq!(field_names(&answer), ["comment"]);
    let comment = json!({"comment": "Dosage advice without sources"});
    let (status, answer) = author.post(&report, comment).await;
    assert_eq!(status, 201, "{answer}");
    let listed = &mo.get("/reports").await["reports"][0];
    assert_eq!(listed["id"], answer["id"]);
    assert_eq!(listed["comment"], "Dosage advice without sources");
    assert_eq!(listed["reporter"], rounds.actor_url("aubrey"));
    assert_eq!(listed["reported_actor"], rounds.actor_url("ada"));
    let post_url = rounds.url(&format!("/posts/{number}"));
    assert_eq!(listed["reported_posts"], json!([post_url]));
}

async fn held_replies_wait_for_a_moderator(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let mo = client(&rounds, "mo", Role::Moderator).await;
    let (thread, _) = thread(&rounds).await;
    let policy = json!({"policy": "hold_remote", "reason": "busy week"});
    let (status, answer) = mo.put("/policies/community", policy).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        mo.get("/policies/community").await,
        json!({"owner": "community", "policy": "hold_remote"})
    );

    let text = "<p>Short walks,   then rest.</p><p>Then more.</p>";
    let (first, status) = reply(&rounds, &peer, "alice", &thread, text).await;
    assert_eq!(status, 202);
    let queue = mo.get("/queue").await;
    assert_eq!(queue["posts"].as_array().unwrap().len(), 1, "{queue}");
    let item = &queue["posts"][0];
    assert_eq!(item["ap_id"], first["id"]);
    assert_eq!(item["author_id"], peer.actor_id("alice"));
    assert_eq!(item["author_handle"], format!("@alice@{}", peer.domain()));
    assert_eq!(item["owner"], "community");
    assert_eq!(item["excerpt"], "Short walks, then rest. Then more.");
    assert_eq!(
        item["held_reason"],
        "every reply from other servers is held"
    );
    assert!(item["published"].as_str().unwrap().ends_with('Z'));
    assert!(
        !in_context(&thread, &first["id"]).await,
        "held replies are not in the conversation"
    );

    // A held reply is rejected, not removed: nobody else has it.
    let remove = format!("/posts/{}/remove", item["id"]);
    let (status, answer) = mo.post(&remove, json!({"reason": "spam"})).await;
    assert_eq!(status, 409, "{answer}");
    let approve = format!("/queue/{}/approve", item["id"]);
    let too_long = json!({"reason": "x".repeat(2_001)});
    let (status, answer) = mo.post(&approve, too_long).await;
    assert_eq!(
        (status.as_u16(), field_names(&answer)),
        (422, vec!["reason".to_string()])
    );
    let (status, answer) = mo.post(&approve, json!({"reason": "kind words"})).await;
    assert_eq!(status, 200, "{answer}");
    assert!(in_context(&thread, &first["id"]).await);
    let (status, _) = mo.post(&approve, Value::Null).await;
    assert_eq!(status, 404, "no longer held");

    // Rejected, with the author told.
    let (second, status) = reply(&rounds, &peer, "alice", &thread, "<p>Buy my pills</p>").await;
    assert_eq!(status, 202);
    let number = stored(&rounds, &second["id"]).await.unwrap().id;
    let reject = json!({"reason": "advertising", "notify_author": true});
    let (status, answer) = mo.post(&format!("/queue/{number}/reject"), reject).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["author_notified"], true);
    let told = eventually(20, || async {
        peer.arrivals_of("Reject")
            .iter()
            .any(|a| a.activity["object"] == second["id"])
    });
    assert!(told.await, "the author's server was told");
    assert!(!in_context(&thread, &second["id"]).await);
    assert_eq!(mo.get("/queue").await["posts"], json!([]));

    // Personal identifiers are held whatever the policy.
    mo.put("/policies/community", json!({"policy": "open"}))
        .await;
    let (open, status) = reply(&rounds, &peer, "bob", &thread, "<p>Open to all</p>").await;
    assert_eq!(status, 202);
    assert!(stored(&rounds, &open["id"])
        .await
        .unwrap()
        .held_reason
        .is_none());
    let phone_text = "<p>Call me on 555-123-4567 any time</p>";
    let (phone, status) = reply(&rounds, &peer, "bob", &thread, phone_text).await;
    assert_eq!(status, 202);
    let queue = mo.get("/queue?owner=community").await;
    assert_eq!(queue["posts"].as_array().unwrap().len(), 1, "{queue}");
    assert_eq!(queue["posts"][0]["ap_id"], phone["id"]);
    let reason = queue["posts"][0]["held_reason"].as_str().unwrap();
    assert!(reason.contains("phone"), "{reason}");
    assert_eq!(mo.get("/queue?owner=journal").await["posts"], json!([]));

    // Screening words hold too, until they are removed.
    let (status, answer) = mo.post("/words", json!({"word": " Miracle Cure "})).await;
    assert_eq!(status, 200);
    assert_eq!(answer, json!({"word": "miracle cure", "added": true}));
    assert_eq!(mo.get("/words").await, json!({"words": ["miracle cure"]}));
    let (cure, _) = reply(&rounds, &peer, "bob", &thread, "<p>A MIRACLE cure!</p>").await;
    assert_eq!(
        stored(&rounds, &cure["id"])
            .await
            .unwrap()
            .held_reason
            .as_deref(),
        Some("contains a screened word: miracle cure")
    );
    assert_eq!(mo.delete("/words/miracle%20cure").await, 200);
    assert_eq!(mo.delete("/words/miracle%20cure").await, 404);

    // Each decision is in the log, with its moderator and reason.
    let log = mo.get("/log").await;
    assert_eq!(
        each(&log["entries"], "action"),
        [
            "remove screening word",
            "add screening word",
            "reply policy open",
            "reject",
            "approve",
            "reply policy hold_remote"
        ]
    );
    let reject = &log["entries"][3];
    assert_eq!(reject["moderator"], "mo");
    assert_eq!(reject["reason"], "advertising");
    assert_eq!(reject["target"], second["id"]);
    assert_eq!(reject["forum"], "community");
    assert!(reject["activity_id"].is_string(), "the Reject's id");
    let found = mo.get("/log?q=advert").await;
    assert_eq!(each(&found["entries"], "action"), ["reject"]);
    let forum = mo.get("/log?forum=community").await;
    assert_eq!(forum["entries"].as_array().unwrap().len(), 4);
    assert_eq!(forum["next_page"], Value::Null);
}

async fn removal_and_locks_reach_other_servers(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "bob", rounds.port, "community").await;
    let mo = client(&rounds, "mo", Role::Moderator).await;
    let (thread, thread_number) = thread(&rounds).await;
    let (note, status) = reply(&rounds, &peer, "alice", &thread, "<p>Off topic</p>").await;
    assert_eq!(status, 202);
    let number = stored(&rounds, &note["id"]).await.unwrap().id;

    let remove = format!("/posts/{number}/remove");
    let (status, answer) = mo.post(&remove, json!({"reason": "off topic"})).await;
    assert_eq!(status, 200, "{answer}");
    let activity_id = answer["activity_id"].clone();
    let announced = eventually(20, || async {
        peer.arrivals_of("Announce").iter().any(|a| {
            a.activity["id"] == activity_id
                && a.activity["object"]["type"] == "Delete"
                && a.activity["object"]["object"]["id"] == note["id"]
        })
    });
    assert!(
        announced.await,
        "the follower received the Group's Announce of the Delete"
    );
    let deliveries = format!("/posts/{number}/deliveries");
    let delivered = eventually(20, || async {
        let answer = mo.get(&deliveries).await;
        let records = answer["activities"][0]["deliveries"].as_array().cloned();
        records.unwrap_or_default().iter().any(|record| {
            record["instance"] == peer.domain().as_str() && record["state"] == "delivered"
        })
    });
    assert!(delivered.await, "{}", mo.get(&deliveries).await);
    let answer = mo.get(&deliveries).await;
    assert_eq!(answer["activities"][0]["action"], "remove");
    assert_eq!(answer["activities"][0]["moderator"], "mo");
    assert_eq!(answer["activities"][0]["activity_id"], activity_id);
    assert!(!in_context(&thread, &note["id"]).await);
    let (status, _) = mo.post(&remove, json!({"reason": "again"})).await;
    assert_eq!(status, 409, "already removed");

    let restore = format!("/posts/{number}/restore");
    assert_eq!(mo.post(&restore, Value::Null).await.0, 200);
    assert!(in_context(&thread, &note["id"]).await);
    assert_eq!(mo.post(&restore, Value::Null).await.0, 409, "not removed");
    let answer = mo.get(&deliveries).await;
    assert_eq!(each(&answer["activities"], "action"), ["remove", "restore"]);

    // A locked conversation takes no more replies.
    let (status, answer) = mo.post(&format!("/posts/{number}/lock"), Value::Null).await;
    assert_eq!(status, 422, "only a first post is locked: {answer}");
    let lock = format!("/posts/{thread_number}/lock");
    let (status, answer) = mo.post(&lock, json!({"reason": "heated"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["locked"], true);
    let (late, status) = reply(&rounds, &peer, "alice", &thread, "<p>One more</p>").await;
    assert_eq!(status, 403);
    assert!(stored(&rounds, &late["id"]).await.is_none());
    assert_eq!(mo.post(&lock, Value::Null).await.0, 409, "already locked");
    let relayed = eventually(20, || async {
        peer.arrivals_of("Announce")
            .iter()
            .any(|a| a.activity["object"]["type"] == "Lock")
    });
    assert!(relayed.await, "the Lock was relayed");
    let unlock = format!("/posts/{thread_number}/unlock");
    assert_eq!(mo.post(&unlock, Value::Null).await.0, 200);
    let (_, status) = reply(&rounds, &peer, "alice", &thread, "<p>Calmer now</p>").await;
    assert_eq!(status, 202);
}

/// A ban that removes what the actor wrote: every post of theirs, the one still held for review
/// too (it sends nothing), in the ban's own transaction; nobody else's.
async fn a_ban_removes_everything_the_actor_wrote(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let mo = client(&rounds, "mo", Role::Moderator).await;
    let (thread, _) = thread(&rounds).await;
    let mut alices = Vec::new();
    for text in ["<p>Buy now</p>", "<p>Buy again</p>"] {
        let (note, status) = reply(&rounds, &peer, "alice", &thread, text).await;
        assert_eq!(status, 202);
        alices.push(note);
    }
    let (bobs, status) = reply(&rounds, &peer, "bob", &thread, "<p>Not me</p>").await;
    assert_eq!(status, 202);
    let policy = json!({"policy": "hold_remote", "reason": "spam wave"});
    assert_eq!(mo.put("/policies/community", policy).await.0, 200);
    let (held, status) = reply(&rounds, &peer, "alice", &thread, "<p>Buy later</p>").await;
    assert_eq!(status, 202);
    assert!(stored(&rounds, &held["id"])
        .await
        .unwrap()
        .held_reason
        .is_some());

    let ban = json!({"actor": peer.actor_id("alice"), "reason": "spam", "remove_content": true});
    let (status, answer) = mo.post("/bans", ban).await;
    assert_eq!(status, 201, "{answer}");
    for note in alices.iter().chain([&held]) {
        let post = stored(&rounds, &note["id"]).await.unwrap();
        assert!(post.removed_at.is_some(), "{}", note["id"]);
        assert!(!in_context(&thread, &note["id"]).await);
    }
    assert!(stored(&rounds, &bobs["id"])
        .await
        .unwrap()
        .removed_at
        .is_none());
    assert!(in_context(&thread, &bobs["id"]).await);
    let log = mo.get("/log").await;
    assert_eq!(
        each(&log["entries"], "action"),
        [
            "remove",
            "remove",
            "remove",
            "ban from the server",
            "reply policy hold_remote"
        ],
        "{log}"
    );
    // The held reply (removed last) sent nothing; the others a Delete through the Group.
    let sent: Vec<bool> = log["entries"].as_array().unwrap()[..3]
        .iter()
        .map(|entry| entry["activity_id"].is_string())
        .collect();
    assert_eq!(sent, [false, true, true]);
    // The held one awaits no review any more: not in the queue, and cannot be approved.
    assert_eq!(mo.get("/queue").await["posts"], json!([]));
    let held_number = stored(&rounds, &held["id"]).await.unwrap().id;
    let approve = format!("/queue/{held_number}/approve");
    assert_eq!(mo.post(&approve, json!({})).await.0, 404);
    // Restored, it is held again (and nothing was sent for it).
    let restore = format!("/posts/{held_number}/restore");
    assert_eq!(mo.post(&restore, json!({"reason": "mistake"})).await.0, 200);
    let queue = mo.get("/queue").await;
    assert_eq!(queue["posts"][0]["ap_id"], held["id"], "{queue}");
    let log = mo.get("/log").await;
    assert_eq!(log["entries"][0]["action"], "restore");
    assert!(log["entries"][0]["activity_id"].is_null(), "{log}");

    // A held reply removed by a ban can still be rejected, which erases its words.
    let (carols, status) = reply(&rounds, &peer, "carol", &thread, "<p>Cheap pills</p>").await;
    assert_eq!(status, 202);
    let ban = json!({"actor": peer.actor_id("carol"), "reason": "spam", "remove_content": true});
    assert_eq!(mo.post("/bans", ban).await.0, 201);
    let carols_number = stored(&rounds, &carols["id"]).await.unwrap().id;
    let reject = format!("/queue/{carols_number}/reject");
    assert_eq!(mo.post(&reject, json!({"reason": "spam"})).await.0, 200);
    let erased = stored(&rounds, &carols["id"]).await.unwrap();
    assert!(erased.is_deleted());
    assert_eq!(erased.content_html, "");
}

/// A reply's conversation is checked as the reply is written, not only as a moment-old copy
/// (`service::recent_posts`) says: a lock, or the deletion of the first post, made by another
/// process (here straight in the database, as another `rounds` would) holds at once.
async fn locks_and_deletions_made_elsewhere_hold_at_once(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let (thread, thread_number) = thread(&rounds).await;
    let pool = rounds.state().db.pool.clone();
    let set_locked = |locked: Option<i64>| {
        let pool = pool.clone();
        async move {
            sqlx::query("UPDATE posts SET locked_at = $1 WHERE id = $2")
                .bind(locked)
                .bind(thread_number)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    let (first, status) = reply(&rounds, &peer, "alice", &thread, "<p>First</p>").await;
    assert_eq!(status, 202);
    assert!(stored(&rounds, &first["id"]).await.is_some());
    let first_id = first["id"].as_str().unwrap().to_string();

    // Locked a moment after the thread and the first reply were read.
    set_locked(Some(1_790_000_000_000)).await;
    for parent in [&thread, &first_id] {
        let (late, status) = reply(&rounds, &peer, "bob", parent, "<p>Late</p>").await;
        assert_eq!(status, 403, "answering {parent}");
        assert!(stored(&rounds, &late["id"]).await.is_none());
    }
    // Read locked, then unlocked elsewhere: taken at once, not refused by the copy.
    tokio::time::sleep(rounds::service::recent_posts::KEEP).await;
    let (late, status) = reply(&rounds, &peer, "bob", &thread, "<p>Late</p>").await;
    assert_eq!(status, 403);
    assert!(stored(&rounds, &late["id"]).await.is_none());
    set_locked(None).await;
    let (calm, status) = reply(&rounds, &peer, "bob", &thread, "<p>Calm</p>").await;
    assert_eq!(status, 202);
    assert!(stored(&rounds, &calm["id"]).await.is_some());

    // The first post deleted elsewhere: the reply is dropped, and nothing of it kept.
    let mut conn = pool.acquire().await.unwrap();
    assert!(Db::tombstone_post(&mut conn, thread_number).await.unwrap());
    drop(conn);
    let received = |id: String| {
        let pool = pool.clone();
        async move {
            sqlx::query("SELECT COUNT(*) AS n FROM received_activities WHERE ap_id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>("n")
        }
    };
    let note = peer.note("carol", Some(&first_id), "<p>Gone?</p>", None);
    let create = peer.create(&note);
    let status = send(&rounds, &peer, "carol", &create).await;
    assert_eq!(status, 202, "accepted and dropped");
    assert!(stored(&rounds, &note["id"]).await.is_none());
    assert_eq!(
        received(create["id"].as_str().unwrap().to_string()).await,
        0
    );
}

async fn bans_and_instance_policies_refuse_activities(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let mo = client(&rounds, "mo", Role::Moderator).await;
    let (thread, _) = thread(&rounds).await;
    let (_, status) = reply(&rounds, &peer, "alice", &thread, "<p>Hello</p>").await;
    assert_eq!(status, 202);

    // A server-wide ban, by actor id.
    let alice = peer.actor_id("alice");
    let ban = json!({"actor": alice, "reason": "spam", "expires_at": "2099-01-01T00:00:00Z"});
    let (status, answer) = mo.post("/bans", ban).await;
    assert_eq!(status, 201, "{answer}");
    let bans = mo.get("/bans").await;
    let listed = &bans["bans"][0];
    assert_eq!(listed["id"], answer["id"]);
    assert_eq!(listed["actor"], alice.as_str());
    assert_eq!(listed["forum"], Value::Null);
    assert_eq!(listed["expires_at"], "2099-01-01T00:00:00Z");
    let (note, status) = reply(&rounds, &peer, "alice", &thread, "<p>Banned?</p>").await;
    assert_eq!(status, 403);
    assert!(stored(&rounds, &note["id"]).await.is_none());
    let (_, status) = reply(&rounds, &peer, "bob", &thread, "<p>Not banned</p>").await;
    assert_eq!(status, 202);
    let lifted = mo.post("/bans/lift", json!({"actor": alice, "reason": "appeal"}));
    assert_eq!(lifted.await.0, 200);
    let again = mo.post("/bans/lift", json!({"actor": alice})).await;
    assert_eq!(again.0, 404, "no ban left");
    let (_, status) = reply(&rounds, &peer, "alice", &thread, "<p>Back</p>").await;
    assert_eq!(status, 202);

    // A forum ban, by handle.
    let handle = format!("@alice@{}", peer.domain());
    let ban = json!({"actor": handle, "forum": "community", "reason": "off topic"});
    let (status, answer) = mo.post("/bans", ban).await;
    assert_eq!(status, 201, "{answer}");
    let (_, status) = reply(&rounds, &peer, "alice", &thread, "<p>Here?</p>").await;
    assert_eq!(status, 403);
    let wrong = json!({"actor": handle, "forum": "nowhere"});
    let (status, answer) = mo.post("/bans/lift", wrong).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(field_names(&answer), ["forum"]);
    let lift = json!({"actor": handle, "forum": "community"});
    assert_eq!(mo.post("/bans/lift", lift).await.0, 200);

    // A suspended instance: refused, nothing stored; cleared, heard again.
    let instance = format!("/instances/{}", peer.domain());
    let suspend = json!({"policy": "suspend", "reason": "spam wave"});
    let (status, answer) = mo.put(&instance, suspend).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({"instance": peer.domain(), "policy": "suspend"})
    );
    let listed = mo.get("/instances").await;
    assert_eq!(listed["allowlist"], false);
    assert_eq!(listed["policies"][0]["instance"], peer.domain().as_str());
    assert_eq!(listed["policies"][0]["reason"], "spam wave");
    let (note, status) = reply(&rounds, &peer, "bob", &thread, "<p>Suspended</p>").await;
    assert_eq!(status, 403);
    assert!(stored(&rounds, &note["id"]).await.is_none());
    assert_eq!(mo.delete(&instance).await, 200);
    assert_eq!(mo.delete(&instance).await, 404, "no policy left");
    let (_, status) = reply(&rounds, &peer, "bob", &thread, "<p>Cleared</p>").await;
    assert_eq!(status, 202);

    // Mastodon's CSV, imported and exported.
    let csv = format!(
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
         {},suspend,false,false,\"spam, lots of it\",false\n\
         quiet.example,silence,false,false,,false\n\
         fine.example,noop,false,false,,false\n",
        peer.domain()
    );
    let http = reqwest::Client::new();
    let csv_url = rounds.url("/api/v1/moderation/instances.csv");
    let token = mo.token.as_deref().unwrap();
    let response = http
        .post(&csv_url)
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let counts: Value = response.json().await.unwrap();
    assert_eq!(counts, json!({"suspended": 1, "limited": 1, "skipped": 1}));
    let (note, status) = reply(&rounds, &peer, "bob", &thread, "<p>Imported</p>").await;
    assert_eq!(status, 403);
    assert!(stored(&rounds, &note["id"]).await.is_none());
    let response = http.get(&csv_url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"].to_str().unwrap();
    assert!(kind.starts_with("text/csv"), "{kind}");
    let exported = response.text().await.unwrap();
    assert!(exported.starts_with("#domain,#severity,"), "{exported}");
    let line = format!(
        "{},suspend,false,false,\"spam, lots of it\",false",
        peer.domain()
    );
    assert!(exported.contains(&line), "{exported}");
    assert!(exported.contains("quiet.example,silence,"), "{exported}");

    // Allowlist mode: only instances marked allow federate.
    mo.delete(&instance).await;
    let mode = json!({"mode": "allowlist", "reason": "pilot"});
    assert_eq!(mo.put("/federation_mode", mode).await.0, 200);
    assert_eq!(mo.get("/instances").await["allowlist"], true);
    let (_, status) = reply(&rounds, &peer, "bob", &thread, "<p>Unlisted</p>").await;
    assert_eq!(status, 403);
    let allow = json!({"policy": "allow", "reason": "partner"});
    assert_eq!(mo.put(&instance, allow).await.0, 200);
    let (_, status) = reply(&rounds, &peer, "bob", &thread, "<p>Listed</p>").await;
    assert_eq!(status, 202);

    let log = mo.get("/log?q=import").await;
    assert_eq!(each(&log["entries"], "action"), ["import blocklist"]);
    assert_eq!(
        log["entries"][0]["reason"],
        "1 suspended, 1 limited, 1 skipped"
    );
    let log = mo.get("/log?q=spam").await;
    assert_eq!(
        each(&log["entries"], "action"),
        ["suspend", "ban from the server"]
    );
}

async fn reports_and_labels(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let mo = client(&rounds, "mo", Role::Moderator).await;
    let author = client(&rounds, "aubrey", Role::Author).await;
    let (thread, _) = thread(&rounds).await;

    // A Flag from another server.
    let flag = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.new_id("flags"),
        "type": "Flag",
        "actor": peer.actor_id("alice"),
        "object": [rounds.actor_url("ada"), thread],
        "content": "Selling a cure",
    });
    assert_eq!(send(&rounds, &peer, "alice", &flag).await, 202);
    let reports = mo.get("/reports").await;
    let report = &reports["reports"][0];
    assert_eq!(report["reporter"], peer.actor_id("alice").as_str());
    assert_eq!(report["reported_actor"], rounds.actor_url("ada"));
    assert_eq!(report["reported_posts"], json!([thread]));
    assert_eq!(report["comment"], "Selling a cure");
    assert_eq!(report["state"], "open");
    let resolve = format!("/reports/{}/resolve", report["id"]);
    let resolution = json!({"action": "no action", "note": "a real study"});
    let (status, answer) = mo.post(&resolve, resolution).await;
    assert_eq!(status, 200, "{answer}");
    let again = mo.post(&resolve, json!({"action": "again"})).await;
    assert_eq!(again.0, 409, "already resolved");
    assert_eq!(mo.get("/reports").await["reports"], json!([]));
    let resolved = mo.get("/reports?state=resolved").await;
    assert_eq!(resolved["reports"][0]["resolution"], "no action");
    assert_eq!(resolved["reports"][0]["note"], "a real study");

    // A member's report of a post from another server, forwarded to its instance.
    let (note, _) = reply(&rounds, &peer, "bob", &thread, "<p>Spam</p>").await;
    let number = stored(&rounds, &note["id"]).await.unwrap().id;
    let report = format!("/api/v1/posts/{number}/report");
    let (status, answer) = author
        .post(&report, json!({"comment": "advertising"}))
        .await;
    assert_eq!(status, 201);
    let resolve = format!("/reports/{}/resolve", answer["id"]);
    let forward = json!({"action": "removed", "forward": true});
    let (status, resolved) = mo.post(&resolve, forward).await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["forwarded"], true);
    let forwarded = eventually(20, || async {
        peer.arrivals_of("Flag").iter().any(|a| {
            a.activity["content"] == "advertising"
                && a.activity["object"][0] == peer.actor_id("bob").as_str()
                && a.activity["object"][1] == note["id"]
        })
    });
    assert!(forwarded.await, "the report was forwarded");
    let flag = &peer.arrivals_of("Flag")[0].activity;
    assert_eq!(flag["actor"], rounds.actor_url("instance"));
    assert!(
        !flag.to_string().contains("aubrey"),
        "forwarded reports do not say who reported"
    );

    // Labels.
    let alice = peer.actor_id("alice");
    let label = json!({"actor": alice, "label": "clinician", "reason": "verified licence"});
    let (status, answer) = mo.put("/labels", label).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"actor": alice, "label": "clinician"}));
    assert_eq!(
        mo.get("/labels").await,
        json!({"labels": [{"actor": alice, "label": "clinician"}]})
    );
    let withdraw = json!({"actor": alice, "reason": "licence lapsed"});
    assert_eq!(mo.post("/labels/withdraw", withdraw).await.0, 200);
    let again = mo.post("/labels/withdraw", json!({"actor": alice})).await;
    assert_eq!(again.0, 404, "no label left");
    assert_eq!(mo.get("/labels").await["labels"], json!([]));

    let log = mo.get("/log").await;
    let entries: Vec<(&str, &str, &str)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["moderator"].as_str().unwrap(),
                entry["action"].as_str().unwrap(),
                entry["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("mo", "withdraw label", "licence lapsed"),
            ("mo", "label clinician", "verified licence"),
            ("mo", "resolve report: removed", ""),
            ("mo", "resolve report: no action", "a real study"),
        ]
    );
    assert!(
        log["entries"][2]["activity_id"].is_string(),
        "the Flag's id"
    );
    let found = mo.get("/log?q=LICENCE").await;
    assert_eq!(found["entries"].as_array().unwrap().len(), 2);
    // `%` and `_` are searched for as themselves, not as patterns matching anything.
    for pattern in ["%25", "_", "licence_lapsed", "%25licence"] {
        let found = mo.get(&format!("/log?q={pattern}")).await;
        assert_eq!(found["entries"], json!([]), "q={pattern}");
    }
}

/// A forum's log is published and withdrawn through the API; only forums have one.
async fn a_forums_log_is_published_through_the_api(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let mo = client(&rounds, "mo", Role::Moderator).await;
    let setting = "/forums/community/public_log";
    assert_eq!(
        mo.get(setting).await,
        json!({"forum": "community", "public": false})
    );
    let page = || async {
        reqwest::get(rounds.url("/@community/log"))
            .await
            .unwrap()
            .status()
    };
    assert_eq!(page().await, 404);
    let (status, answer) = mo.put(setting, json!({"public": true})).await;
    assert_eq!(
        (status.as_u16(), answer),
        (200, json!({"forum": "community", "public": true}))
    );
    assert_eq!(page().await, 200);
    let (status, answer) = mo.put(setting, json!({"public": "yes"})).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(field_names(&answer), ["public"]);
    assert_eq!(mo.put(setting, json!({})).await.0, 422);
    assert_eq!(
        mo.put("/forums/journal/public_log", json!({"public": true}))
            .await
            .0,
        404
    );
    assert_eq!(mo.put(setting, json!({"public": false})).await.0, 200);
    assert_eq!(page().await, 404);
    let log = mo.get("/log?q=moderation%20log").await;
    assert_eq!(
        each(&log["entries"], "action"),
        ["unpublish moderation log", "publish moderation log"]
    );
}

both_databases!(
    only_moderators_and_admins_moderate,
    held_replies_wait_for_a_moderator,
    removal_and_locks_reach_other_servers,
    a_ban_removes_everything_the_actor_wrote,
    locks_and_deletions_made_elsewhere_hold_at_once,
    bans_and_instance_policies_refuse_activities,
    reports_and_labels,
    a_forums_log_is_published_through_the_api,
);
