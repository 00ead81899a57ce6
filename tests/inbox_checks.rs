//! Every inbound check, each with a request that only that check refuses: the status, the
//! reason, and that nothing was stored or queued.

mod common;

use std::time::{Duration, SystemTime};

use common::{
    peer::Peer,
    signing::{post, SignOptions, Signer},
    TestDb, TestInstance,
};
use serde_json::{json, Value};

struct Setup {
    rounds: TestInstance,
    peer: Peer,
    inbox: String,
    community: String,
    alice: String,
}

async fn setup(db: TestDb) -> Setup {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    Setup {
        inbox: rounds.url("/actors/community/inbox"),
        community: rounds.actor_url("community"),
        alice: peer.actor_id("alice"),
        rounds,
        peer,
    }
}

impl Setup {
    fn follow(&self) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.peer.new_id("follows"),
            "type": "Follow",
            "actor": self.alice,
            "object": self.community,
        })
    }

    async fn send(
        &self,
        body: &Value,
        signer: Option<&Signer>,
        options: &SignOptions,
    ) -> (u16, String) {
        let (status, text) = post(&self.inbox, body.to_string().as_bytes(), signer, options).await;
        (status.as_u16(), text)
    }

    /// Nothing was stored: no follower, nothing queued, no activity id recorded.
    async fn assert_unchanged(&self, case: &str) {
        assert_eq!(
            self.rounds.followers("community").await.0,
            0,
            "{case}: follower stored"
        );
        assert_eq!(
            self.rounds.pending_deliveries().await,
            0,
            "{case}: delivery queued"
        );
    }
}

fn expect(case: &str, got: (u16, String), status: u16, reason: &str) {
    assert_eq!(got.0, status, "{case}: {}", got.1);
    assert!(
        got.1.contains(reason),
        "{case}: expected {reason:?} in {}",
        got.1
    );
}

async fn refuses_bad_signatures(db: TestDb) {
    let s = setup(db).await;
    let alice = s.peer.signer("alice");
    let mallory = s.peer.signer("mallory");
    let now = SystemTime::now();

    let got = s.send(&s.follow(), None, &SignOptions::default()).await;
    expect("unsigned", got, 401, "not signed");
    s.assert_unchanged("unsigned").await;

    // Alice's key id, Mallory's key: the signature does not verify.
    let wrong_key = Signer {
        key_id: alice.key_id.clone(),
        private_key: mallory.private_key.clone(),
    };
    let got = s
        .send(&s.follow(), Some(&wrong_key), &SignOptions::default())
        .await;
    expect("wrongly signed", got, 401, "signature");
    s.assert_unchanged("wrongly signed").await;

    // Mallory signs, honestly, an activity that claims Alice as its actor.
    let got = s
        .send(&s.follow(), Some(&mallory), &SignOptions::default())
        .await;
    expect("forged actor", got, 401, "does not belong to the actor");
    s.assert_unchanged("forged actor").await;

    // Alice's key, but a key id naming Mallory: the key's owner is not the actor.
    let misnamed = Signer {
        key_id: mallory.key_id.clone(),
        private_key: alice.private_key.clone(),
    };
    let got = s
        .send(&s.follow(), Some(&misnamed), &SignOptions::default())
        .await;
    expect(
        "key id of another actor",
        got,
        401,
        "does not belong to the actor",
    );
    s.assert_unchanged("key id of another actor").await;

    for (case, date) in [
        ("stale date", now - Duration::from_secs(2 * 3600)),
        ("future date", now + Duration::from_secs(2 * 3600)),
    ] {
        let options = SignOptions {
            date,
            ..SignOptions::default()
        };
        let got = s.send(&s.follow(), Some(&alice), &options).await;
        expect(case, got, 401, "outside the accepted window");
        s.assert_unchanged(case).await;
    }

    let unsigned_date = SignOptions {
        headers: "(request-target) host digest content-type",
        ..SignOptions::default()
    };
    let got = s.send(&s.follow(), Some(&alice), &unsigned_date).await;
    expect("date not signed", got, 401, "does not cover a date");

    let unsigned_digest = SignOptions {
        headers: "(request-target) host date content-type",
        ..SignOptions::default()
    };
    let got = s.send(&s.follow(), Some(&alice), &unsigned_digest).await;
    expect("digest not signed", got, 401, "does not cover the digest");

    let wrong_digest = SignOptions {
        wrong_digest: true,
        ..SignOptions::default()
    };
    let got = s.send(&s.follow(), Some(&alice), &wrong_digest).await;
    expect("wrong digest", got, 401, "digest");
    s.assert_unchanged("wrong digest").await;

    // The control: the same request, correctly signed, is accepted.
    let got = s
        .send(&s.follow(), Some(&alice), &SignOptions::default())
        .await;
    assert_eq!(got.0, 202, "{}", got.1);
    assert_eq!(s.rounds.followers("community").await.0, 1);
}

async fn refuses_bad_bodies(db: TestDb) {
    let s = setup(db).await;
    let alice = s.peer.signer("alice");
    let options = SignOptions::default();

    // Same host, another port: another instance.
    let mut other_port = s.follow();
    other_port["id"] = json!(format!("http://localhost:{}/follows/1", s.peer.port + 1));
    let got = s.send(&other_port, Some(&alice), &options).await;
    expect(
        "id and actor on different instances",
        got,
        400,
        "different hosts",
    );

    let mut claims_local = s.follow();
    claims_local["id"] = json!(s.rounds.url("/follows/1"));
    claims_local["actor"] = json!(s.rounds.actor_url("journal"));
    let got = s.send(&claims_local, Some(&alice), &options).await;
    expect("claims to be local", got, 400, "from this server");

    let (status, text) = post(&s.inbox, b"{\"type\": \"Follow\",", Some(&alice), &options).await;
    expect(
        "malformed JSON",
        (status.as_u16(), text),
        400,
        "not valid JSON",
    );

    let mut no_object = s.follow();
    no_object.as_object_mut().unwrap().remove("object");
    let got = s.send(&no_object, Some(&alice), &options).await;
    expect("malformed Follow", got, 400, "malformed Follow");

    let mut unknown_target = s.follow();
    unknown_target["object"] = json!(s.rounds.actor_url("nobody"));
    let got = s.send(&unknown_target, Some(&alice), &options).await;
    assert_eq!(got.0, 404, "{}", got.1);

    let mut huge = s.follow();
    huge["padding"] = json!("x".repeat(1024 * 1024 + 10));
    let got = s.send(&huge, Some(&alice), &options).await;
    assert_eq!(got.0, 413, "{}", got.1);

    let got = post(
        &s.rounds.url("/actors/nobody/inbox"),
        s.follow().to_string().as_bytes(),
        Some(&alice),
        &options,
    )
    .await;
    assert_eq!(got.0.as_u16(), 404);
    s.assert_unchanged("bad bodies").await;

    // Unknown types: accepted and dropped.
    let wave = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": s.peer.new_id("waves"),
        "type": "Wave",
        "actor": s.alice,
        "object": s.community,
    });
    let got = s.send(&wave, Some(&alice), &options).await;
    assert_eq!(got.0, 202, "{}", got.1);
    s.assert_unchanged("unknown type").await;
}

async fn replays_change_nothing(db: TestDb) {
    let s = setup(db).await;
    let alice = s.peer.signer("alice");
    let follow = s.follow();
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": s.peer.new_id("undos"),
        "type": "Undo",
        "actor": s.alice,
        "object": follow,
    });
    let options = SignOptions::default();
    assert_eq!(s.send(&follow, Some(&alice), &options).await.0, 202);
    common::eventually(10, || async { s.rounds.pending_deliveries().await == 0 }).await;
    assert_eq!(s.send(&undo, Some(&alice), &options).await.0, 202);
    assert_eq!(s.rounds.followers("community").await.0, 0);

    // The Follow again, freshly signed: already processed, so it does not come back.
    let got = s.send(&follow, Some(&alice), &options).await;
    expect("replayed follow", got, 409, "already processed");
    assert_eq!(s.rounds.followers("community").await.0, 0);
    assert_eq!(s.rounds.pending_deliveries().await, 0, "no second Accept");
    let accepts = s
        .peer
        .received()
        .iter()
        .filter(|a| a["type"] == "Accept")
        .count();
    assert_eq!(accepts, 1);
}

both_databases!(
    refuses_bad_signatures,
    refuses_bad_bodies,
    replays_change_nothing
);
