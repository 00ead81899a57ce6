//! The inbox under deliberate attack, on SQLite and PostgreSQL: the cases of issue 7 that
//! `tests/inbox_checks.rs` does not already cover. Every hostile request gets its 4xx and its
//! reason (never a 500), and a snapshot of every table an activity can write to is the same
//! before and after it: no post, no follower, no reaction, no remote actor, nothing queued.
//!
//! Already covered elsewhere, and not repeated here: unsigned, wrongly signed, forged actor,
//! key of another actor, stale and future `Date`, unsigned `Date`/`Digest`, wrong digest, id
//! and actor on two instances, ids claiming this server, invalid JSON, 1 MiB + 1 byte, unknown
//! types and replays (`tests/inbox_checks.rs`); an `Update` or `Delete` of another actor's
//! remote post, 400 or 403 (`tests/conversations.rs`,
//! `edits_and_deletions_come_only_from_their_authors`). Here the same forgeries are tried on
//! posts that live on this server.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use activitypub_federation::fetch::object_id::ObjectId;
use common::{
    hostile::Hostile,
    peer::Peer,
    signing::{post, SignOptions, Signer},
    TestDb, TestInstance,
};
use rounds::federation::objects::remote_actor::ApubRemoteActor;
use serde_json::{json, Value};
use url::Url;

struct Setup {
    rounds: TestInstance,
    peer: Peer,
    /// The id of a thread on Rounds, by the local author `ada`.
    thread: String,
}

async fn setup(db: TestDb) -> Setup {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let thread = common::start_thread(&rounds, "Sleep and fatigue", "<p>What helps?</p>")
        .await
        .id
        .to_string();
    // The signers are known beforehand, so that a refused request has nothing legitimate to
    // store and any new remote actor row would be the hostile request's doing.
    let data = rounds.federation.to_request_data();
    for name in ["alice", "bob", "mallory"] {
        ObjectId::<ApubRemoteActor>::from(Url::parse(&peer.actor_id(name)).unwrap())
            .dereference(&data)
            .await
            .unwrap();
    }
    Setup {
        rounds,
        peer,
        thread,
    }
}

/// Sets the value at a JSON pointer (its parent must exist).
fn set(doc: &mut Value, path: &str, value: Value) {
    let (parent, key) = path.rsplit_once('/').unwrap();
    doc.pointer_mut(parent).unwrap()[key] = value;
}

impl Setup {
    async fn send(&self, body: &[u8], signer: &Signer, options: &SignOptions) -> (u16, String) {
        let (status, text) = post(&self.rounds.url("/inbox"), body, Some(signer), options).await;
        (status.as_u16(), text)
    }

    /// Sends `body` signed by `signer`; asserts the status, the reason and that nothing was
    /// stored or queued.
    async fn refused(
        &self,
        case: &str,
        body: &[u8],
        signer: &Signer,
        options: &SignOptions,
        status: u16,
        reason: &str,
    ) {
        let before = self.rounds.stored_rows().await;
        let (got, text) = self.send(body, signer, options).await;
        assert_eq!(got, status, "{case}: {text}");
        assert!(
            text.contains(reason),
            "{case}: expected {reason:?} in {text}"
        );
        assert_eq!(
            self.rounds.stored_rows().await,
            before,
            "{case}: something was stored"
        );
    }

    async fn refused_json(
        &self,
        case: &str,
        activity: &Value,
        actor: &str,
        status: u16,
        reason: &str,
    ) {
        self.refused(
            case,
            activity.to_string().as_bytes(),
            &self.peer.signer(actor),
            &SignOptions::default(),
            status,
            reason,
        )
        .await;
    }

    /// A public reply by alice to the thread, and its `Create`.
    fn reply(&self, content: &str) -> (Value, Value) {
        let note = self.peer.note("alice", Some(&self.thread), content, None);
        let create = self.peer.create(&note);
        (note, create)
    }

    async fn stored_post(&self, ap_id: &str) -> Option<rounds::model::Post> {
        let state = self.rounds.state();
        let mut conn = state.db.pool.acquire().await.unwrap();
        rounds::db::Db::post_by_ap_id(&mut conn, ap_id)
            .await
            .unwrap()
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// hs2019-style signatures over `(created)` and `(expires)`: out of range either way is 401.
async fn created_and_expires_out_of_range(db: TestDb) {
    let s = setup(db).await;
    let alice = s.peer.signer("alice");
    let like = || {
        json!({"@context": "https://www.w3.org/ns/activitystreams", "id": s.peer.new_id("likes"),
               "type": "Like", "actor": s.peer.actor_id("alice"), "object": s.thread})
        .to_string()
    };
    let now = unix_now();
    let created = |created: i64| SignOptions {
        headers: "(request-target) (created) host digest content-type",
        created: Some(created),
        ..SignOptions::default()
    };
    let both = |created: i64, expires: i64| SignOptions {
        headers: "(request-target) (created) (expires) host digest content-type",
        created: Some(created),
        expires: Some(expires),
        ..SignOptions::default()
    };
    for (case, options, reason) in [
        (
            "created two hours ago",
            created(now - 7200),
            "outside the accepted window",
        ),
        (
            "created two hours ahead",
            created(now + 7200),
            "outside the accepted window",
        ),
        (
            "expired a minute ago",
            both(now - 120, now - 60),
            "signature has expired",
        ),
        (
            "expired long ago, created now",
            both(now, now - 86_400),
            "signature has expired",
        ),
        (
            "created a day ago, expires tomorrow",
            both(now - 86_400, now + 86_400),
            "outside the accepted window",
        ),
    ] {
        s.refused(case, like().as_bytes(), &alice, &options, 401, reason)
            .await;
    }

    // The control: a current hs2019 signature over (created) and (expires) is accepted.
    let (status, text) = s
        .send(like().as_bytes(), &alice, &both(now, now + 300))
        .await;
    assert_eq!(status, 202, "{text}");
}

/// A `Create` whose object is someone else's, and `Update`/`Delete` of posts on this server.
async fn objects_of_someone_else(db: TestDb) {
    let s = setup(db).await;
    let other = Peer::spawn().await;

    // Alice sends a post attributed to Mallory (same instance): refused.
    let (mut note, _) = s.reply("<p>Words put in Mallory's mouth.</p>");
    note["attributedTo"] = json!(s.peer.actor_id("mallory"));
    let mut create = s.peer.create(&note);
    create["actor"] = json!(s.peer.actor_id("alice"));
    s.refused_json(
        "attributedTo another actor, sent by alice",
        &create,
        "alice",
        400,
        "the object's author is not the activity's actor",
    )
    .await;

    // An author on another instance than the post.
    let (mut note, _) = s.reply("<p>Elsewhere.</p>");
    note["attributedTo"] = json!(other.actor_id("alice"));
    let mut create = s.peer.create(&note);
    create["actor"] = json!(s.peer.actor_id("alice"));
    s.refused_json(
        "attributedTo on another instance",
        &create,
        "alice",
        400,
        "different hosts",
    )
    .await;

    // A post claiming an id on this server, attributed to a local member.
    let local = json!({
        "id": s.rounds.url("/posts/999"), "type": "Note",
        "attributedTo": s.rounds.actor_url("ada"), "content": "<p>I never wrote this.</p>",
        "inReplyTo": s.thread, "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    let mut create = s.peer.create(&local);
    create["actor"] = json!(s.peer.actor_id("alice"));
    s.refused_json(
        "Create of a local id",
        &create,
        "alice",
        400,
        "the object's author is not the activity's actor",
    )
    .await;

    // Update and Delete of the local thread by a remote actor.
    let forged = json!({
        "id": s.thread, "type": "Note", "attributedTo": s.rounds.actor_url("ada"),
        "content": "<p>Forged edit.</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    let update = json!({"@context": "https://www.w3.org/ns/activitystreams",
        "id": s.peer.new_id("updates"), "type": "Update", "actor": s.peer.actor_id("alice"),
        "object": forged});
    s.refused_json(
        "Update of a local post",
        &update,
        "alice",
        400,
        "the object's author is not the activity's actor",
    )
    .await;
    let mut claimed = update.clone();
    claimed["object"]["attributedTo"] = json!(s.peer.actor_id("alice"));
    claimed["id"] = json!(s.peer.new_id("updates"));
    s.refused_json(
        "Update of a local post, claiming it",
        &claimed,
        "alice",
        400,
        "different hosts",
    )
    .await;
    for object in [
        json!(s.thread),
        json!({"id": s.thread, "type": "Tombstone"}),
    ] {
        let delete = json!({"@context": "https://www.w3.org/ns/activitystreams",
            "id": s.peer.new_id("deletes"), "type": "Delete", "actor": s.peer.actor_id("alice"),
            "object": object});
        s.refused_json(
            "Delete of a local post",
            &delete,
            "alice",
            400,
            "an actor deletes only what is on its own instance",
        )
        .await;
    }
    let page = reqwest::get(&s.thread).await.unwrap().text().await.unwrap();
    assert!(page.contains("What helps?") && !page.contains("Forged"));
}

/// An `Announce` carrying an embedded copy that differs from what its origin serves: the copy
/// is never used. A boost counts (by id); the stored words stay the origin's; an unknown post
/// is not taken from the copy.
async fn announce_with_a_forged_copy(db: TestDb) {
    let s = setup(db).await;
    let booster = Peer::spawn().await;
    let (note, create) = s.reply("<p>Origin words.</p>");
    let (status, text) = s
        .send(
            create.to_string().as_bytes(),
            &s.peer.signer("alice"),
            &SignOptions::default(),
        )
        .await;
    assert_eq!(status, 202, "{text}");
    let id = note["id"].as_str().unwrap();
    let stored = s.stored_post(id).await.unwrap();
    let announce = |object: Value| {
        json!({"@context": "https://www.w3.org/ns/activitystreams",
            "id": booster.new_id("announces"), "type": "Announce",
            "actor": booster.actor_id("bob"), "object": object,
            "to": ["https://www.w3.org/ns/activitystreams#Public"]})
    };
    let inbox = s.rounds.url("/inbox");
    let bob = booster.signer("bob");
    let send = |activity: Value| {
        let (inbox, bob) = (inbox.clone(), bob.clone());
        async move {
            post(
                &inbox,
                activity.to_string().as_bytes(),
                Some(&bob),
                &SignOptions::default(),
            )
            .await
        }
    };

    // A stored remote post, boosted with forged words.
    let mut forged = note.clone();
    forged["content"] = json!("<p>Forged words.</p>");
    let (status, text) = send(announce(forged)).await;
    assert_eq!(status.as_u16(), 202, "{text}");
    let after = s.stored_post(id).await.unwrap();
    assert_eq!(after.content_html, stored.content_html);
    assert!(after.content_html.contains("Origin words."));
    let counts = s
        .rounds
        .state()
        .db
        .reaction_counts(stored.id)
        .await
        .unwrap();
    assert_eq!(counts.announces, 1, "the boost itself counts");

    // The local thread, boosted with a forged copy of it.
    let number: i64 = s.thread.rsplit('/').next().unwrap().parse().unwrap();
    let fake = json!({"id": s.thread, "type": "Note", "attributedTo": s.rounds.actor_url("ada"),
                      "content": "<p>Forged thread.</p>"});
    let (status, text) = send(announce(fake)).await;
    assert_eq!(status.as_u16(), 202, "{text}");
    let thread = s
        .rounds
        .state()
        .db
        .post_by_id(number)
        .await
        .unwrap()
        .unwrap();
    assert!(!thread.content_html.contains("Forged"));

    // A post Rounds never had, announced with a copy that claims to answer the thread: the
    // copy is not stored (the origin serves other words, and is not asked on a boost's say).
    let unseen = s
        .peer
        .note("alice", Some(&s.thread), "<p>Origin unseen.</p>", None);
    let mut copy = unseen.clone();
    copy["content"] = json!("<p>Forged unseen.</p>");
    let before = s.rounds.stored_rows().await;
    let (status, text) = send(announce(copy)).await;
    assert_eq!(status.as_u16(), 202, "{text}");
    assert_eq!(s.rounds.stored_rows().await, before, "nothing stored");
    assert!(s
        .stored_post(unseen["id"].as_str().unwrap())
        .await
        .is_none());
    let page = reqwest::get(&s.thread).await.unwrap().text().await.unwrap();
    assert!(page.contains("Origin words.") && !page.contains("Forged"));
}

/// JSON nested 10,000 deep: 400, in this process (a stack overflow would end the test run).
async fn deeply_nested_json(db: TestDb) {
    let s = setup(db).await;
    let alice = s.peer.signer("alice");
    let depth = 10_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    let envelope = |inner: &str| {
        format!(
            r#"{{"@context": "https://www.w3.org/ns/activitystreams", "id": "{}", "type": "Create", "actor": "{}", "object": {inner}}}"#,
            s.peer.new_id("creates"),
            s.peer.actor_id("alice")
        )
    };
    // The envelope (id, actor, type) skips the rest without recursion; the activity itself is
    // read with serde_json's depth limit, after the signature.
    for (case, body, reason) in [
        ("arrays", arrays.clone(), "not valid JSON"),
        ("objects", objects.clone(), "needs an id and an actor"),
        (
            "arrays inside a Create",
            envelope(&arrays),
            "does not match its type",
        ),
        (
            "objects inside a Create",
            envelope(&objects),
            "does not match its type",
        ),
    ] {
        s.refused(
            case,
            body.as_bytes(),
            &alice,
            &SignOptions::default(),
            400,
            reason,
        )
        .await;
    }
    // Still serving.
    let (_, create) = s.reply("<p>Still here.</p>");
    let (status, text) = s
        .send(
            create.to_string().as_bytes(),
            &alice,
            &SignOptions::default(),
        )
        .await;
    assert_eq!(status, 202, "{text}");
}

/// JSON that two parsers could read differently: a reply whose `id`, `actor` or `type` is given
/// twice (a parser keeping the first and one keeping the last would check one and act on the
/// other), and the same fields as an array rather than an object: 400, nothing stored.
async fn ambiguous_json(db: TestDb) {
    let s = setup(db).await;
    let alice = s.peer.signer("alice");
    let (_, create) = s.reply("<p>Twice.</p>");
    let text = create.to_string();
    let body = text.strip_prefix('{').unwrap();
    for (case, field, value) in [
        ("a second id", "id", s.peer.new_id("creates")),
        ("a second actor", "actor", s.peer.actor_id("mallory")),
        ("a second type", "type", "Like".to_string()),
    ] {
        let twice = format!("{{\"{field}\": \"{value}\", {body}");
        s.refused(
            case,
            twice.as_bytes(),
            &alice,
            &SignOptions::default(),
            400,
            "gives its id, actor or type twice",
        )
        .await;
    }
    let array = format!(
        "[\"{}\", \"{}\", \"Create\"]",
        create["id"].as_str().unwrap(),
        create["actor"].as_str().unwrap()
    );
    s.refused(
        "an array",
        array.as_bytes(),
        &alice,
        &SignOptions::default(),
        400,
        "not an object",
    )
    .await;
    // The same reply, each field once: stored.
    let (status, text) = s
        .send(text.as_bytes(), &alice, &SignOptions::default())
        .await;
    assert_eq!(status, 202, "{text}");
    assert!(s
        .stored_post(create["object"]["id"].as_str().unwrap())
        .await
        .is_some());
}

/// A `Create(Note)` with a wrong JSON type in each field in turn: 400, nothing stored.
async fn wrong_types_in_every_field(db: TestDb) {
    let s = setup(db).await;
    let nowhere = format!("{}/notes/nowhere", s.peer.state.base);
    let needs_id = "activity needs an id and an actor";
    let malformed = "malformed Create activity";
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/id", json!(42), needs_id),
        ("/id", json!({"id": 42}), needs_id),
        ("/id", json!(["a", "b"]), needs_id),
        ("/id", json!("not a url"), needs_id),
        (
            "/actor",
            json!([{"id": s.peer.actor_id("alice")}, {"id": s.peer.actor_id("mallory")}]),
            needs_id,
        ),
        ("/actor", json!(7), needs_id),
        ("/actor", Value::Null, needs_id),
        ("/actor", json!({"type": "Person"}), needs_id),
        ("/type", json!(5), "activity type is malformed"),
        (
            "/type",
            json!({"Create": true}),
            "activity type is malformed",
        ),
        ("/type", json!([]), "activity type is malformed"),
        ("/type", Value::Null, "activity type is malformed"),
        ("/object", json!(nowhere), malformed),
        ("/object", json!(5), malformed),
        ("/object", Value::Null, malformed),
        ("/object", json!([]), malformed),
        ("/object", json!(true), malformed),
        ("/object/id", json!(42), malformed),
        ("/object/id", json!({"x": 1}), malformed),
        ("/object/id", Value::Null, malformed),
        ("/object/type", json!(5), malformed),
        ("/object/type", Value::Null, malformed),
        ("/object/type", json!({"Note": 1}), malformed),
        ("/object/attributedTo", json!(5), malformed),
        ("/object/attributedTo", json!([{}]), malformed),
        ("/object/attributedTo", Value::Null, malformed),
        ("/object/to", json!(5), malformed),
        ("/object/to", json!([5, true]), malformed),
        ("/object/cc", json!(true), malformed),
        ("/object/cc", json!([[s.thread]]), malformed),
        ("/object/content", json!({"en": "<p>hi</p>"}), malformed),
        ("/object/content", json!(5), malformed),
        ("/object/content", json!(["<p>hi</p>"]), malformed),
        ("/object/contentMap", json!("<p>hi</p>"), malformed),
        ("/object/inReplyTo", json!(42), malformed),
        ("/object/inReplyTo", json!(true), malformed),
        ("/object/inReplyTo", json!({"type": "Note"}), malformed),
        ("/object/inReplyTo", json!("not a url"), malformed),
        ("/object/published", json!("garbage"), malformed),
        ("/object/published", json!(5), malformed),
        ("/object/updated", json!("yesterday"), malformed),
        ("/object/tag", json!("string"), malformed),
        ("/object/tag", json!(5), malformed),
        ("/object/url", json!(5), malformed),
        ("/object/name", json!(5), malformed),
        ("/object/name", json!({"en": "x"}), malformed),
        ("/object/summary", json!([1]), malformed),
        ("/object/audience", json!(5), malformed),
    ];
    for (path, value, reason) in cases {
        let (_, mut create) = s.reply("<p>A fair reply.</p>");
        set(&mut create, path, value.clone());
        s.refused_json(&format!("{path} = {value}"), &create, "alice", 400, reason)
            .await;
    }

    // Right types, hostile values: stored, without what the database would refuse.
    let (mut note, _) = s.reply("<p>nul\u{0}here</p>");
    note["name"] = json!("title\u{0}");
    note["summary"] = json!("warning\u{0}");
    let (status, text) = s
        .send(
            s.peer.create(&note).to_string().as_bytes(),
            &s.peer.signer("alice"),
            &SignOptions::default(),
        )
        .await;
    assert_eq!(status, 202, "{text}");
    let stored = s.stored_post(note["id"].as_str().unwrap()).await.unwrap();
    assert!(!stored.content_html.contains('\u{0}'));
    assert!(stored.content_html.contains("nul"));

    // The control: the same reply, unchanged, is taken.
    let (note, create) = s.reply("<p>A fair reply.</p>");
    let (status, text) = s
        .send(
            create.to_string().as_bytes(),
            &s.peer.signer("alice"),
            &SignOptions::default(),
        )
        .await;
    assert_eq!(status, 202, "{text}");
    assert!(s.stored_post(note["id"].as_str().unwrap()).await.is_some());
}

/// URLs with credentials, other schemes, IP literals and private ranges, as the actor, the
/// object, `inReplyTo`, an actor's inbox and its avatar.
async fn hostile_urls(db: TestDb) {
    let s = setup(db).await;
    let hostile = Hostile::spawn().await;
    let port = s.peer.port;
    let credentials = "URL carries credentials";
    let ip = "URL names an IP address";
    let scheme = "URL is not http(s)";

    // As the activity's id and actor (both, so that they share a host).
    let actors = [
        (
            format!("http://user:pass@localhost:{port}/users/alice"),
            credentials,
        ),
        (
            format!("http://alice@localhost:{port}/users/alice"),
            credentials,
        ),
        (format!("http://127.0.0.1:{}/users/eve", hostile.port), ip),
        (format!("http://[::1]:{}/users/eve", hostile.port), ip),
        (format!("http://0x7f000001:{}/users/eve", hostile.port), ip),
        (format!("http://2130706433:{}/users/eve", hostile.port), ip),
        ("http://10.0.0.1/users/eve".to_string(), ip),
        ("http://192.168.1.1/users/eve".to_string(), ip),
        ("http://169.254.169.254/latest/meta-data".to_string(), ip),
        ("http://224.0.0.1/users/eve".to_string(), ip),
        ("http://[fe80::1]/users/eve".to_string(), ip),
        (format!("ftp://localhost:{port}/users/alice"), scheme),
        ("gopher://localhost:70/_users".to_string(), scheme),
    ];
    for (actor, reason) in &actors {
        let (_, mut create) = s.reply("<p>From a strange address.</p>");
        create["actor"] = json!(actor);
        create["id"] = json!(format!("{actor}/creates/1"));
        create["object"]["attributedTo"] = json!(actor);
        s.refused_json(&format!("actor {actor}"), &create, "alice", 400, reason)
            .await;
    }
    // Schemes without a host: id and actor alike cannot name an instance.
    for actor in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:application/activity+json,{}",
        "mailto:alice@example.com",
    ] {
        let (_, mut create) = s.reply("<p>From nowhere.</p>");
        create["actor"] = json!(actor);
        create["id"] = json!(actor);
        s.refused_json(&format!("actor {actor}"), &create, "alice", 400, scheme)
            .await;
    }

    // As the object's id.
    for (id, reason) in [
        (format!("http://u:p@localhost:{port}/notes/x1"), credentials),
        (format!("http://127.0.0.1:{port}/notes/x2"), ip),
    ] {
        let (mut note, _) = s.reply("<p>odd id</p>");
        note["id"] = json!(id);
        s.refused_json(
            &format!("object id {id}"),
            &s.peer.create(&note),
            "alice",
            400,
            reason,
        )
        .await;
    }
    // As the object of a Follow: it names no local actor.
    let rounds_port = s.rounds.port;
    for object in [
        format!("http://user:pass@localhost:{rounds_port}/actors/community"),
        format!("http://127.0.0.1:{rounds_port}/actors/community"),
        "file:///actors/community".to_string(),
    ] {
        let follow = json!({"@context": "https://www.w3.org/ns/activitystreams",
            "id": s.peer.new_id("follows"), "type": "Follow",
            "actor": s.peer.actor_id("alice"), "object": object});
        s.refused_json(&format!("Follow of {object}"), &follow, "alice", 404, "")
            .await;
    }

    // As inReplyTo.
    let thread_path = Url::parse(&s.thread).unwrap().path().to_string();
    for (target, reason) in [
        (
            format!("http://user:pass@localhost:{rounds_port}{thread_path}"),
            credentials,
        ),
        (format!("http://127.0.0.1:{rounds_port}{thread_path}"), ip),
        (format!("http://127.0.0.1:{}/notes/1", hostile.port), ip),
        ("http://169.254.169.254/latest/meta-data/".to_string(), ip),
        ("http://10.1.2.3/notes/1".to_string(), ip),
        ("http://[::1]/notes/1".to_string(), ip),
        ("file:///etc/passwd".to_string(), scheme),
        ("javascript:alert(1)".to_string(), scheme),
        (
            "data:text/html,<script>alert(1)</script>".to_string(),
            scheme,
        ),
        (format!("ftp://localhost:{port}/notes/1"), scheme),
    ] {
        let (mut note, _) = s.reply("<p>answering an odd address</p>");
        note["inReplyTo"] = json!(target);
        s.refused_json(
            &format!("inReplyTo {target}"),
            &s.peer.create(&note),
            "alice",
            400,
            reason,
        )
        .await;
    }

    // As an actor's inbox: the actor is refused, so nothing is ever sent there.
    for (n, inbox) in [
        "http://169.254.169.254/latest/meta-data/".to_string(),
        format!("http://127.0.0.1:{}/inbox", hostile.port),
        "http://user:pass@example.com/inbox".to_string(),
        "file:///var/run/docker.sock".to_string(),
    ]
    .iter()
    .enumerate()
    {
        let name = format!("ivan{n}");
        let signer = hostile.actor(&name, json!({"inbox": inbox}));
        let follow = json!({"@context": "https://www.w3.org/ns/activitystreams",
            "id": hostile.url(&format!("/follows/{n}")), "type": "Follow",
            "actor": hostile.url(&format!("/users/{name}")), "object": s.rounds.actor_url("community")});
        s.refused(
            &format!("inbox {inbox}"),
            follow.to_string().as_bytes(),
            &signer,
            &SignOptions::default(),
            400,
            "inbox",
        )
        .await;
    }

    // As an avatar or profile link: the actor is fine, the address is dropped.
    for (n, address) in [
        "http://user:pass@example.com/a.png".to_string(),
        "javascript:alert(1)".to_string(),
        "data:image/svg+xml,<svg onload=alert(1)>".to_string(),
        "file:///etc/passwd".to_string(),
        "http://169.254.169.254/a.png".to_string(),
        "http://10.0.0.1/a.png".to_string(),
        format!("http://127.0.0.1:{}/a.png", hostile.port),
        "http://[::1]/a.png".to_string(),
    ]
    .iter()
    .enumerate()
    {
        let name = format!("eve{n}");
        let signer = hostile.actor(
            &name,
            json!({"icon": {"type": "Image", "url": address}, "url": address}),
        );
        let wave = json!({"@context": "https://www.w3.org/ns/activitystreams",
            "id": hostile.url(&format!("/waves/{n}")), "type": "Wave",
            "actor": hostile.url(&format!("/users/{name}")), "object": s.thread});
        let (status, text) = s
            .send(
                wave.to_string().as_bytes(),
                &signer,
                &SignOptions::default(),
            )
            .await;
        assert_eq!(status, 202, "avatar {address}: {text}");
        let actor = s
            .rounds
            .state()
            .db
            .remote_actor_by_ap_id(&Url::parse(&hostile.url(&format!("/users/{name}"))).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(actor.avatar_url, None, "avatar {address}");
        assert_eq!(actor.profile_url, None, "profile {address}");
    }

    // Nothing was ever fetched from, or sent to, a loopback IP literal.
    let strays: Vec<_> = hostile
        .requests()
        .into_iter()
        .filter(|line| !line.starts_with("GET /users/"))
        .collect();
    assert!(strays.is_empty(), "{strays:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(s.rounds.pending_deliveries().await, 0);
}

/// Ids too long to index: 400, not a database error.
async fn oversized_ids(db: TestDb) {
    let s = setup(db).await;
    let noise: String = (0..8_000)
        .map(|_| char::from(b'a' + rand::random::<u8>() % 26))
        .collect();
    let (_, mut create) = s.reply("<p>long id</p>");
    create["id"] = json!(format!("{}/creates/{noise}", s.peer.state.base));
    s.refused_json("long activity id", &create, "alice", 400, "URL is too long")
        .await;
    let (mut note, _) = s.reply("<p>long note id</p>");
    note["id"] = json!(format!("{}/notes/{noise}", s.peer.state.base));
    s.refused_json(
        "long object id",
        &s.peer.create(&note),
        "alice",
        400,
        "URL is too long",
    )
    .await;
}

/// Connections that trickle their bodies do not make the inbox look busy: a request counts for
/// `inbound_first` (which holds deliveries back while the inbox is busy) only once its body has
/// arrived, so a few slow senders cannot slow every delivery down. Once the bodies arrive they
/// are refused (unsigned) and nothing is stored.
async fn slow_bodies_do_not_hold_deliveries_back(db: TestDb) {
    use rounds::delivery::inbound_first::BUSY;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let s = setup(db).await;
    let before = s.rounds.stored_rows().await;
    let state = s.rounds.state();
    let mut senders = Vec::new();
    let body = br#"{"@context":"https://www.w3.org/ns/activitystreams","type":"Create"}"#;
    for _ in 0..BUSY + 2 {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", s.rounds.port))
            .await
            .expect("connect");
        let head = format!(
            "POST /inbox HTTP/1.1\r\nHost: {}\r\nContent-Type: application/activity+json\r\n\
             Content-Length: {}\r\n\r\n",
            s.rounds.domain,
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(&body[..10]).await.expect("write");
        senders.push(stream);
    }
    // Long enough for every request to reach the inbox's handler and wait for its body.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !state.inbox_load.busy(),
        "requests still sending their bodies counted as inbound work"
    );
    for mut stream in senders {
        stream.write_all(&body[10..]).await.expect("write");
        let mut answer = vec![0; 12];
        stream.read_exact(&mut answer).await.expect("answer");
        assert_eq!(
            &answer,
            b"HTTP/1.1 401",
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_eq!(s.rounds.stored_rows().await, before);
}

both_databases!(
    created_and_expires_out_of_range,
    objects_of_someone_else,
    announce_with_a_forged_copy,
    deeply_nested_json,
    ambiguous_json,
    wrong_types_in_every_field,
    hostile_urls,
    oversized_ids,
    slow_bodies_do_not_hold_deliveries_back,
);
