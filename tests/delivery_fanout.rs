//! Fan-out through the durable queue over real HTTP, on SQLite and PostgreSQL: one request per
//! remote shared inbox, signatures that verify under activitypub_federation's rules and under
//! Mastodon's, per-instance backoff that holds up only the failing instance, its backlog
//! arriving in order once it is back (also after it was marked unavailable), the meaning of
//! 410, 4xx and 429 answers, addressing to followers and mentioned actors, and `/metrics`.

mod common;

use std::time::Duration;

use common::{eventually, follow, peer::Peer, TestDb, TestInstance};
use rounds::{
    db::deliveries::{DELIVERED, PENDING, REFUSED},
    delivery::Recipient,
    service::profiles::update_profile,
};

/// Updates community's profile (an `Update` to every follower); returns the activity id.
async fn publish_update(rounds: &TestInstance, title: &str) -> String {
    let update = update_profile(&rounds.state(), "community", title, None)
        .await
        .unwrap();
    update.activity_id.to_string()
}

fn updates_at(peer: &Peer) -> Vec<(String, String)> {
    peer.arrivals_of("Update")
        .into_iter()
        .map(|a| (a.path, a.activity["id"].as_str().unwrap().to_string()))
        .collect()
}

async fn each_instance_gets_one_signed_copy(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let (first, second, third) = (
        Peer::spawn().await,
        Peer::spawn().await,
        Peer::spawn().await,
    );
    // Two followers on the first instance (one shared inbox), one on the second, two without
    // a shared inbox on the third.
    for (peer, actor) in [
        (&first, "alice"),
        (&first, "bob"),
        (&second, "alice"),
        (&third, "carol"),
        (&third, "dave"),
    ] {
        follow(peer, actor, rounds.port, "community").await;
    }
    let activity = publish_update(&rounds, "Community discussions (renamed)").await;

    let all_there = eventually(20, || async {
        updates_at(&first).len() == 1
            && updates_at(&second).len() == 1
            && updates_at(&third).len() == 2
    })
    .await;
    assert!(
        all_there,
        "first {:?} second {:?} third {:?}",
        updates_at(&first),
        updates_at(&second),
        updates_at(&third)
    );
    // Let any duplicate that was going to come arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        updates_at(&first),
        [("/inbox".to_string(), activity.clone())]
    );
    assert_eq!(
        updates_at(&second),
        [("/inbox".to_string(), activity.clone())]
    );
    let mut third_paths: Vec<String> = updates_at(&third).into_iter().map(|(p, _)| p).collect();
    third_paths.sort();
    assert_eq!(third_paths, ["/users/carol/inbox", "/users/dave/inbox"]);
    let update = &first.arrivals_of("Update")[0].activity;
    assert_eq!(update["object"]["name"], "Community discussions (renamed)");
    assert_eq!(update["actor"], rounds.actor_url("community"));
    for peer in [&first, &second, &third] {
        assert!(
            peer.refused().is_empty(),
            "Mastodon's rules refused: {:?}",
            peer.refused()
        );
    }
    // The records say where it went: four inboxes on three instances, all delivered.
    let state = rounds.state();
    let records_done = eventually(10, || async {
        let records = state.db.delivery_records(&activity).await.unwrap();
        records.len() == 4 && records.iter().all(|r| r.state == DELIVERED)
    })
    .await;
    assert!(
        records_done,
        "{:?}",
        state.db.delivery_records(&activity).await.unwrap()
    );
    let records = state.db.delivery_records(&activity).await.unwrap();
    let mut instances: Vec<String> = records.iter().map(|r| r.instance.clone()).collect();
    instances.dedup();
    assert_eq!(instances.len(), 3);
    assert!(records.iter().all(|r| r.attempts == 1));
}

async fn a_dead_instance_holds_up_only_itself(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let (down, up) = (Peer::spawn().await, Peer::spawn().await);
    follow(&down, "alice", rounds.port, "community").await;
    follow(&up, "alice", rounds.port, "community").await;
    down.set_down(true);
    let mut sent = Vec::new();
    for n in 1..=3 {
        sent.push(publish_update(&rounds, &format!("Community, edition {n}")).await);
    }
    let prompt = eventually(10, || async { updates_at(&up).len() == 3 }).await;
    assert!(
        prompt,
        "the healthy instance waited for the dead one: {:?}",
        updates_at(&up)
    );
    assert!(updates_at(&down).is_empty());
    let state = rounds.state();
    // Outcomes are recorded a moment after they happen.
    let recorded = eventually(5, || async {
        let statuses = state.db.delivery_instance_statuses().await.unwrap();
        statuses
            .iter()
            .any(|s| s.instance == down.domain() && s.failures >= 1)
            && statuses
                .iter()
                .any(|s| s.instance == up.domain() && s.backlog == 0)
    })
    .await;
    assert!(recorded);
    let statuses = state.db.delivery_instance_statuses().await.unwrap();
    let dead = statuses
        .iter()
        .find(|s| s.instance == down.domain())
        .unwrap();
    assert_eq!(dead.backlog, 3);
    assert!(dead.failures >= 1, "{dead:?}");
    assert!(dead.last_status.as_deref() == Some("HTTP 503"), "{dead:?}");
    let healthy = statuses.iter().find(|s| s.instance == up.domain()).unwrap();
    assert_eq!(healthy.backlog, 0);
    assert_eq!(healthy.failures, 0);
    assert!(healthy.last_success_at.is_some());

    // Back up: the backlog arrives, in the order it was queued, once each.
    down.set_down(false);
    let caught_up = eventually(30, || async { updates_at(&down).len() >= 3 }).await;
    assert!(
        caught_up,
        "the backlog did not arrive: {:?}",
        updates_at(&down)
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let order: Vec<String> = updates_at(&down).into_iter().map(|(_, id)| id).collect();
    assert_eq!(order, sent);
    let after = state.db.delivery_instance_statuses().await.unwrap();
    let recovered = after.iter().find(|s| s.instance == down.domain()).unwrap();
    assert_eq!(
        (recovered.backlog, recovered.failures),
        (0, 0),
        "{recovered:?}"
    );
}

async fn a_slow_instance_holds_up_only_itself(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let (slow, fast) = (Peer::spawn().await, Peer::spawn().await);
    follow(&slow, "alice", rounds.port, "community").await;
    follow(&fast, "alice", rounds.port, "community").await;
    slow.set_delay_ms(1500);
    for n in 1..=3 {
        publish_update(&rounds, &format!("Community, take {n}")).await;
    }
    let prompt = eventually(10, || async { updates_at(&fast).len() == 3 }).await;
    assert!(prompt);
    // Had the fast instance waited behind the slow one, the slow one would have all three.
    assert!(
        updates_at(&slow).len() <= 1,
        "the fast instance waited for the slow one"
    );
    // The slow one gets everything too, in order, in its own time.
    let all = eventually(15, || async { updates_at(&slow).len() == 3 }).await;
    assert!(all);
}

async fn gone_refused_and_rate_limited_answers(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let (small, strict, busy) = (
        Peer::spawn().await,
        Peer::spawn().await,
        Peer::spawn().await,
    );
    follow(&small, "carol", rounds.port, "community").await;
    follow(&small, "dave", rounds.port, "community").await;
    follow(&strict, "alice", rounds.port, "community").await;
    follow(&busy, "alice", rounds.port, "community").await;
    small.answer("/users/carol/inbox", 410, None);
    strict.answer("/inbox", 403, None);
    busy.answer("/inbox", 429, Some("3600"));
    let activity = publish_update(&rounds, "Community, after the answers").await;

    let state = rounds.state();
    let community = state
        .db
        .local_actor_by_name("community")
        .await
        .unwrap()
        .unwrap()
        .id;
    let settled = eventually(15, || async {
        let records = state.db.delivery_records(&activity).await.unwrap();
        let statuses = state.db.delivery_instance_statuses().await.unwrap();
        let busy_failed = statuses
            .iter()
            .any(|s| s.instance == busy.domain() && s.failures == 1);
        let carol_gone = state.db.count_followers(community).await.unwrap() == 3;
        records.len() == 4
            && records.iter().filter(|r| r.state != PENDING).count() == 3
            && busy_failed
            && carol_gone
    })
    .await;
    assert!(
        settled,
        "{:?}",
        state.db.delivery_records(&activity).await.unwrap()
    );
    let records = state.db.delivery_records(&activity).await.unwrap();
    let by_inbox = |suffix: &str, domain: &str| {
        records
            .iter()
            .find(|r| r.instance == domain && r.inbox.ends_with(suffix))
            .unwrap()
            .clone()
    };
    // 410 from carol's own inbox: final, and carol no longer follows.
    let carol = by_inbox("/users/carol/inbox", &small.domain());
    assert_eq!(
        (carol.state, carol.last_status.as_deref()),
        (REFUSED, Some("HTTP 410"))
    );
    let (count, followers) = rounds.followers("community").await;
    assert_eq!(count, 3, "{followers:?}");
    assert!(!followers.contains(&small.actor_id("carol")));
    // dave on the same instance was delivered.
    assert_eq!(
        by_inbox("/users/dave/inbox", &small.domain()).state,
        DELIVERED
    );
    // 403: refused for good, tried once.
    let strict_record = by_inbox("/inbox", &strict.domain());
    assert_eq!((strict_record.state, strict_record.attempts), (REFUSED, 1));
    // 429 with Retry-After: 3600: still pending, not tried again for an hour.
    let busy_record = by_inbox("/inbox", &busy.domain());
    assert_eq!(busy_record.state, PENDING);
    let statuses = state.db.delivery_instance_statuses().await.unwrap();
    let busy_status = statuses
        .iter()
        .find(|s| s.instance == busy.domain())
        .unwrap();
    let wait = busy_status.next_attempt_at - rounds::db::now_millis();
    assert!(
        wait > 3_500_000 && wait <= 3_600_000,
        "next try in {wait} ms"
    );
    assert_eq!(busy_status.last_status.as_deref(), Some("HTTP 429"));
}

async fn metrics_need_the_token_and_count_results(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "alice", rounds.port, "journal").await;
    let client = reqwest::Client::new();
    let url = rounds.url("/metrics");
    let anonymous = client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = client
        .get(&url)
        .bearer_auth("not-the-token-at-all")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // The peer has the Accept; its delivery leaves the queue when the worker records the
    // answer, a moment later.
    let recorded = eventually(10, || async {
        common::metrics_text(&url)
            .await
            .contains("rounds_delivery_queue_depth 0\n")
    })
    .await;
    assert!(recorded, "the delivered Accept left the queue");
    let text = common::metrics_text(&url).await;
    // The Accept of the follow was delivered by this process.
    assert!(
        text.contains("rounds_deliveries_total{result=\"delivered\"} 1\n"),
        "{text}"
    );
    assert!(text.contains("rounds_delivery_queue_depth 0\n"), "{text}");
    assert!(
        text.contains("rounds_delivery_duration_seconds_count 1\n"),
        "{text}"
    );
}

async fn an_unavailable_instance_is_kept_and_revived_when_heard_from(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "alice", rounds.port, "community").await;
    let state = rounds.state();
    // The Accept's success is recorded (a moment after it arrived) before the history is set.
    let recorded = eventually(5, || async {
        let statuses = state.db.delivery_instance_statuses().await.unwrap();
        statuses
            .iter()
            .any(|s| s.instance == peer.domain() && s.last_success_at.is_some())
    })
    .await;
    assert!(recorded);
    // As if the instance had already failed through the whole retry schedule (16 tries).
    sqlx::query("UPDATE delivery_instances SET failures = 16 WHERE instance = $1")
        .bind(peer.domain())
        .execute(&state.db.pool)
        .await
        .unwrap();
    peer.set_down(true);
    let first = publish_update(&rounds, "Community, while it is down").await;
    let status = || async {
        let statuses = state.db.delivery_instance_statuses().await.unwrap();
        statuses
            .into_iter()
            .find(|s| s.instance == peer.domain())
            .unwrap()
    };
    let marked = eventually(10, || async { status().await.unavailable_since.is_some() }).await;
    assert!(marked, "{:?}", status().await);
    let unavailable = status().await;
    assert_eq!(unavailable.failures, 17);
    let wait = unavailable.next_attempt_at - rounds::db::now_millis();
    assert!(
        wait > 6 * 3600 * 1000 - 60_000,
        "tried again in {wait} ms: not rarely"
    );
    // Its backlog grows while it is away, and is kept.
    let second = publish_update(&rounds, "Community, still down").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status().await.backlog, 2);
    assert!(updates_at(&peer).is_empty());

    // It is back, and shows it: one of its people follows the journal. A verified activity from
    // an unavailable instance makes its backlog due at once, not in six hours.
    peer.set_down(false);
    follow(&peer, "bob", rounds.port, "journal").await;
    let resumed = eventually(15, || async { updates_at(&peer).len() == 2 }).await;
    assert!(resumed, "{:?}", updates_at(&peer));
    let order: Vec<String> = updates_at(&peer).into_iter().map(|(_, id)| id).collect();
    assert_eq!(order, [first, second]);
    let healthy = eventually(5, || async {
        let now = status().await;
        now.unavailable_since.is_none() && now.failures == 0 && now.backlog == 0
    })
    .await;
    assert!(healthy, "{:?}", status().await);
}

async fn addressing_reaches_followers_and_mentioned_actors_once_per_instance(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let (first, second) = (Peer::spawn().await, Peer::spawn().await);
    follow(&first, "alice", rounds.port, "community").await;
    // bob (first instance) and carol (second, no shared inbox) follow only the journal, so
    // Rounds knows them; the activity mentions both, and carol twice over.
    follow(&first, "bob", rounds.port, "journal").await;
    follow(&second, "carol", rounds.port, "journal").await;
    let state = rounds.state();
    let known = |peer: &Peer, name: &str| {
        let id = url::Url::parse(&peer.actor_id(name)).unwrap();
        let db = state.db.clone();
        async move { db.remote_actor_by_ap_id(&id).await.unwrap().unwrap().id }
    };
    let (bob, carol) = (known(&first, "bob").await, known(&second, "carol").await);
    let community = state
        .db
        .local_actor_by_name("community")
        .await
        .unwrap()
        .unwrap();
    let id = url::Url::parse(&format!("{}#notes/1", rounds.actor_url("community"))).unwrap();
    let payload = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Create",
        "actor": rounds.actor_url("community"),
        "object": {"id": format!("{id}-note"), "type": "Note", "content": "<p>Hello</p>"},
    })
    .to_string();
    let mut tx = state.db.begin().await.unwrap();
    let queued = rounds::delivery::enqueue(
        &mut tx,
        &id,
        &community,
        &payload,
        &[
            Recipient::FollowersOf(community.id),
            Recipient::Actor(bob),
            Recipient::Actor(carol),
            Recipient::Actor(carol),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    state.ring_delivery_bell();
    // alice and bob share the first instance's inbox; carol has only her own.
    assert_eq!(queued, 2);
    let creates = |peer: &Peer| peer.arrivals_of("Create");
    let arrived = eventually(10, || async {
        creates(&first).len() == 1 && creates(&second).len() == 1
    })
    .await;
    assert!(arrived);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(creates(&first).len(), 1);
    assert_eq!(creates(&first)[0].path, "/inbox");
    assert_eq!(creates(&second)[0].path, "/users/carol/inbox");
}

/// Every reply stored rings the delivery bell; a burst of rings must not become a claim (a
/// write) each, yet what is queued during it is still sent.
async fn a_burst_of_bells_makes_few_claims(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let state = rounds.state();
    let metrics = state.delivery_metrics.clone();
    assert!(
        eventually(10, || async { metrics.claims() >= 1 }).await,
        "the worker looks for work when it starts"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = metrics.claims();
    let started = std::time::Instant::now();
    for _ in 0..400 {
        state.ring_delivery_bell();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let made = metrics.claims() - before;
    // One claim at most every 25 ms, the worker's once-a-second look, and the last ring's.
    let allowed = u64::try_from(started.elapsed().as_millis() / 25).unwrap() + 3;
    assert!(made >= 2, "the rings were answered ({made} claims)");
    assert!(
        made <= allowed,
        "{made} claims for 400 rings in {:?} (at most {allowed})",
        started.elapsed()
    );
    // A follow during a burst is still answered: its Accept is claimed and sent (`follow`
    // waits for it).
    let peer = Peer::spawn().await;
    let ringing = tokio::spawn({
        let state = state.clone();
        async move {
            for _ in 0..200 {
                state.ring_delivery_bell();
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    });
    follow(&peer, "alice", rounds.port, "journal").await;
    ringing.await.unwrap();
}

async fn metrics_are_not_public_without_a_token(db: TestDb) {
    let rounds = TestInstance::spawn_with(db, |config| config.metrics_token = None).await;
    let response = reqwest::get(rounds.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap();
    assert!(!body.contains("rounds_delivery"), "{body}");
}

both_databases!(
    each_instance_gets_one_signed_copy,
    a_dead_instance_holds_up_only_itself,
    a_slow_instance_holds_up_only_itself,
    gone_refused_and_rate_limited_answers,
    metrics_need_the_token_and_count_results,
    an_unavailable_instance_is_kept_and_revived_when_heard_from,
    addressing_reaches_followers_and_mentioned_actors_once_per_instance,
    metrics_are_not_public_without_a_token,
    a_burst_of_bells_makes_few_claims,
);
