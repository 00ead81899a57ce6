//! Replies as Mastodon, Lemmy, Pleroma, GoToSocial, Misskey and Fedify send them (the fixtures in
//! `tests/fixtures/*/create_reply.json`, ids filled in for a test peer), signed and delivered to
//! a running server on SQLite and PostgreSQL: each is stored once, sanitized, threaded under the
//! post it answers, and public in the forum's collections. And new threads as GoToSocial and
//! Misskey start them (`*/create_mention.json`: real captures, hosts rewritten): a note without
//! `inReplyTo` that mentions `@community`, addressed to followers with `Public` in `cc`, becomes
//! a thread in that forum.

mod common;

use common::{peer::Peer, signing, TestDb, TestInstance};
use rounds::{
    db::Db,
    model::{PostKind, Visibility},
};

/// An activity from `tests/fixtures/{path}` with its placeholders filled in.
fn fill(path: &str, rounds: &TestInstance, peer: &Peer, note: &str, parent: &str) -> String {
    std::fs::read_to_string(format!("tests/fixtures/{path}"))
        .unwrap()
        .replace("{{ACTOR}}", &peer.actor_id("alice"))
        .replace("{{NOTE}}", note)
        .replace("{{PARENT}}", parent)
        .replace("{{PARENT_AUTHOR}}", &rounds.actor_url("ada"))
        .replace("{{FORUM}}", &rounds.actor_url("community"))
        .replace("{{BASE}}", &peer.state.base)
        .replace("{{ROUNDS_DOMAIN}}", &rounds.domain)
}

/// Signs `activity` as alice of `peer` and posts it to the shared inbox; the status and body.
async fn deliver(rounds: &TestInstance, peer: &Peer, activity: &str) -> (u16, String) {
    let (status, body) = signing::post(
        &rounds.url("/inbox"),
        activity.as_bytes(),
        Some(&peer.signer("alice")),
        &signing::SignOptions::default(),
    )
    .await;
    (status.as_u16(), body)
}

/// (software, a phrase of its content).
const FIXTURES: [(&str, &str); 6] = [
    ("mastodon", "disappointed by a thinkpad"),
    ("lemmy", "hello"),
    ("pleroma", "test"),
    ("gotosocial", "tracked my heart rate"),
    ("misskey", "keeps a symptom diary"),
    ("fedify", "sharing visit notes"),
];

async fn replies_from_every_kind_of_server_are_threaded(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let state = rounds.state();
    let thread = common::start_thread(&rounds, "Tell us what helps", "Anything at all.").await;
    let thread_url = thread.id.to_string();

    let mut parent = thread_url.clone();
    let mut parent_id = thread.post.id;
    for (software, phrase) in FIXTURES {
        let note = format!(
            "{}/notes/{software}-{:08x}",
            peer.state.base,
            rand::random::<u32>()
        );
        let path = format!("{software}/create_reply.json");
        let activity = fill(&path, &rounds, &peer, &note, &parent);
        serde_json::from_str::<serde_json::Value>(&activity).expect(software);
        let (status, body) = deliver(&rounds, &peer, &activity).await;
        assert_eq!(status, 202, "{software}: {body}");

        let mut conn = state.db.pool.acquire().await.unwrap();
        let stored = Db::post_by_ap_id(&mut conn, &note)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{software}: not stored"));
        drop(conn);
        assert_eq!(stored.parent_id, Some(parent_id), "{software}: threaded");
        assert_eq!(stored.root_id, Some(thread.post.id), "{software}");
        assert_eq!(stored.visibility, Visibility::Public, "{software}");
        assert!(
            stored.content_html.contains(phrase),
            "{software}: {}",
            stored.content_html
        );
        assert!(
            !stored.content_html.contains("data-user"),
            "{software}: sanitized"
        );
        if software == "gotosocial" {
            assert_eq!(stored.details.hashtags, ["LongCovid"]);
        }
        // Each answers the one before: a conversation six servers deep.
        parent = note;
        parent_id = stored.id;
    }
    let context = common::get_activity_json(&format!("{thread_url}/context?page=1")).await;
    assert_eq!(context["totalItems"], 1 + FIXTURES.len());
}

async fn notes_mentioning_the_forum_start_threads(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    let state = rounds.state();
    let community = state
        .db
        .local_actor_by_name("community")
        .await
        .unwrap()
        .unwrap();
    for (software, phrase) in [
        ("gotosocial", "does anyone else get it?"),
        ("misskey", "my infusion nurse suggested a symptom diary"),
    ] {
        let note = format!("{}/notes/{software}-thread", peer.state.base);
        let activity = fill(
            &format!("{software}/create_mention.json"),
            &rounds,
            &peer,
            &note,
            "",
        );
        let (status, body) = deliver(&rounds, &peer, &activity).await;
        assert_eq!(status, 202, "{software}: {body}");
        let mut conn = state.db.pool.acquire().await.unwrap();
        let stored = Db::post_by_ap_id(&mut conn, &note)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{software}: no thread"));
        drop(conn);
        assert_eq!(stored.kind, PostKind::Thread, "{software}");
        assert_eq!(stored.audience_id, community.id, "{software}");
        assert_eq!(stored.root_id, None, "{software}");
        assert_eq!(
            stored.visibility,
            Visibility::Public,
            "{software}: Public in cc"
        );
        assert!(stored.content_html.contains(phrase), "{software}");
        assert!(
            !stored.content_html.contains("target="),
            "{software}: sanitized"
        );
    }
    let outbox = common::get_activity_json(&rounds.url("/actors/community/outbox?page=1")).await;
    let listed = outbox.to_string();
    assert!(listed.contains("gotosocial-thread") && listed.contains("misskey-thread"));
}

both_databases!(
    replies_from_every_kind_of_server_are_threaded,
    notes_mentioning_the_forum_start_threads,
);
