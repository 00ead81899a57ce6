//! How queueing deliveries and the delivery worker meet on one instance's row in PostgreSQL,
//! where transactions run side by side (SQLite runs one writer at a time): transactions that
//! queue deliveries to the same instance do not wait for each other, the worker can claim an
//! instance while they are open, its release of an instance to idle never strands a
//! delivery queued at the same moment, whichever of the two comes first, and it never waits
//! for a transaction queueing deliveries (which could deadlock).

mod common;

use std::time::Duration;

use common::{fresh_database, test_config, TestDb};
use rounds::{
    db::{
        deliveries::{DeliveryTarget, OutboundBody, DELIVERED},
        delivery_instances::{FinishedDelivery, InstanceUpdate, OutcomeBatch, IDLE},
        Db,
    },
    service::actors::ensure_built_in_actors,
};
use sqlx::{AnyConnection, Connection};

const INSTANCE: &str = "localhost:7001";

/// A connected database with its built-in actors, and the id of one of them (the signer).
async fn database() -> (Db, i64) {
    let (url, _dir) = fresh_database(TestDb::Postgres).await;
    let db = Db::connect(&test_config(0, &url)).await.unwrap();
    db.migrate().await.unwrap();
    ensure_built_in_actors(&db).await.unwrap();
    let signer = db
        .local_actor_by_name("community")
        .await
        .unwrap()
        .expect("the built-in community actor")
        .id;
    (db, signer)
}

const OTHER_INSTANCE: &str = "localhost:7002";

fn target(instance: &str) -> DeliveryTarget {
    DeliveryTarget {
        instance: instance.to_string(),
        inbox: format!("http://{instance}/inbox"),
        recipient_actor_id: None,
    }
}

/// Queues one activity (`ap_id`) to [`INSTANCE`] in `conn`'s transaction; its delivery's id.
async fn queue(conn: &mut AnyConnection, signer: i64, ap_id: &str) -> i64 {
    queue_to(conn, signer, ap_id, INSTANCE).await
}

/// Queues one activity (`ap_id`) to `instance` in `conn`'s transaction; its delivery's id.
async fn queue_to(conn: &mut AnyConnection, signer: i64, ap_id: &str, instance: &str) -> i64 {
    let ids = Db::insert_outbound_activities(conn, &[(ap_id, signer, OutboundBody::Json("{}"))])
        .await
        .unwrap();
    Db::insert_deliveries(conn, ids[0], &[target(instance)])
        .await
        .unwrap();
    sqlx::query_scalar("SELECT id FROM deliveries WHERE activity_id = $1")
        .bind(ids[0])
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn next_attempt_at(db: &Db) -> i64 {
    next_attempt_at_of(db, INSTANCE).await
}

async fn next_attempt_at_of(db: &Db, instance: &str) -> i64 {
    sqlx::query_scalar("SELECT next_attempt_at FROM delivery_instances WHERE instance = $1")
        .bind(instance)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// The worker's report: `delivery` arrived, and it is done with the instance for now.
fn delivered_and_released(delivery: i64) -> OutcomeBatch {
    OutcomeBatch {
        finished: vec![FinishedDelivery {
            id: delivery,
            state: DELIVERED,
            status: "202".to_string(),
        }],
        instances: vec![
            InstanceUpdate::Succeeded {
                instance: INSTANCE.to_string(),
                status: "202".to_string(),
            },
            InstanceUpdate::Released {
                instance: INSTANCE.to_string(),
            },
        ],
        ..OutcomeBatch::default()
    }
}

/// A worker holding the instance with its one delivery sent: (the delivery, the worker's name).
async fn claimed_with_one_delivery(db: &Db, signer: i64) -> (i64, &'static str) {
    let mut conn = db.pool.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    let first = queue(&mut tx, signer, "http://localhost:1/activities/first").await;
    tx.commit().await.unwrap();
    let claimed = db
        .claim_instances("worker-a", i64::MAX / 2, 10)
        .await
        .unwrap();
    assert_eq!(
        claimed.len(),
        1,
        "the instance with a pending delivery is claimed"
    );
    (first, "worker-a")
}

/// Another worker can claim the instance, and `delivery` is the one delivery pending.
async fn claimed_again_for(db: &Db, delivery: i64) {
    let claimed = db
        .claim_instances("worker-b", i64::MAX / 2, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "the instance is not due");
    let pending: Vec<i64> = sqlx::query_scalar("SELECT id FROM deliveries WHERE state = 0")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(pending, vec![delivery]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueuers_share_an_instance_and_the_worker_still_claims_it() {
    let (db, signer) = database().await;
    // The instance has its place in the queue already (a new one's row is inserted by the
    // first transaction to queue for it, and a second waits to see whether that commits).
    let mut conn = db.pool.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    queue(&mut tx, signer, "http://localhost:1/activities/earlier").await;
    tx.commit().await.unwrap();

    let mut first_conn = db.pool.acquire().await.unwrap();
    let mut first = first_conn.begin().await.unwrap();
    queue(&mut first, signer, "http://localhost:1/activities/a").await;

    // A second transaction queues to the same instance while the first is open: it does not
    // wait for the first to commit.
    let mut second_conn = db.pool.acquire().await.unwrap();
    let mut second = second_conn.begin().await.unwrap();
    let queued = tokio::time::timeout(
        Duration::from_secs(3),
        queue(&mut second, signer, "http://localhost:1/activities/b"),
    )
    .await;
    assert!(queued.is_ok(), "the second enqueuer waited for the first");
    second.commit().await.unwrap();

    // The worker claims the instance (for the committed deliveries) although the first
    // transaction still holds its share of the row.
    let claimed = tokio::time::timeout(
        Duration::from_secs(3),
        db.claim_instances("worker-a", i64::MAX / 2, 10),
    )
    .await
    .expect("the claim waited for an enqueuer")
    .unwrap();
    assert_eq!(claimed.len(), 1, "the busy instance was skipped");
    assert_eq!(claimed[0].instance, INSTANCE);
    first.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_beside_a_delivery_being_queued_does_not_wait_and_keeps_the_instance_due() {
    let (db, signer) = database().await;
    let (sent, worker) = claimed_with_one_delivery(&db, signer).await;

    // A delivery is being queued (not yet committed) when the worker reports its last one
    // sent and releases the instance: the release goes ahead, and does not idle the instance.
    let mut conn = db.pool.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    let late = queue(&mut tx, signer, "http://localhost:1/activities/late").await;
    tokio::time::timeout(
        Duration::from_secs(3),
        db.record_delivery_outcomes(worker, &delivered_and_released(sent)),
    )
    .await
    .expect("the release waited for a transaction queueing deliveries")
    .unwrap();
    assert_ne!(next_attempt_at(&db).await, IDLE, "the instance went idle");
    tx.commit().await.unwrap();

    assert_ne!(
        next_attempt_at(&db).await,
        IDLE,
        "the late delivery was stranded"
    );
    claimed_again_for(&db, late).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_and_a_transaction_queueing_for_two_instances_out_of_order_do_not_deadlock() {
    let (db, signer) = database().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    let sent_first = queue_to(&mut tx, signer, "http://localhost:1/a/1", INSTANCE).await;
    let sent_other = queue_to(&mut tx, signer, "http://localhost:1/b/1", OTHER_INSTANCE).await;
    tx.commit().await.unwrap();
    let claimed = db
        .claim_instances("worker-a", i64::MAX / 2, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2, "both instances are claimed");

    // A transaction (the writer's batch, say) queues for the instance later in name order,
    // then, in a statement of its own, for the earlier one; between the two, the worker
    // releases both. Were the release to lock the earlier one and wait for the later, each
    // would wait for the other, and PostgreSQL would abort one of them.
    let mut conn = db.pool.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    let late_other = queue_to(&mut tx, signer, "http://localhost:1/b/2", OTHER_INSTANCE).await;
    let release = {
        let db = db.clone();
        let batch = OutcomeBatch {
            finished: [sent_first, sent_other]
                .into_iter()
                .map(|id| FinishedDelivery {
                    id,
                    state: DELIVERED,
                    status: "202".to_string(),
                })
                .collect(),
            instances: [INSTANCE, OTHER_INSTANCE]
                .into_iter()
                .flat_map(|instance| {
                    [
                        InstanceUpdate::Succeeded {
                            instance: instance.to_string(),
                            status: "202".to_string(),
                        },
                        InstanceUpdate::Released {
                            instance: instance.to_string(),
                        },
                    ]
                })
                .collect(),
            ..OutcomeBatch::default()
        };
        tokio::spawn(async move { db.record_delivery_outcomes("worker-a", &batch).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let late_first = queue_to(&mut tx, signer, "http://localhost:1/a/2", INSTANCE).await;
    tx.commit().await.unwrap();
    release
        .await
        .unwrap()
        .expect("the release was aborted (deadlock)");

    for instance in [INSTANCE, OTHER_INSTANCE] {
        assert_ne!(
            next_attempt_at_of(&db, instance).await,
            IDLE,
            "a delivery to {instance} was stranded"
        );
    }
    let claimed = db
        .claim_instances("worker-b", i64::MAX / 2, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2, "an instance is not due");
    let mut pending: Vec<i64> = sqlx::query_scalar("SELECT id FROM deliveries WHERE state = 0")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    pending.sort_unstable();
    let mut expected = vec![late_first, late_other];
    expected.sort_unstable();
    assert_eq!(pending, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_queued_during_a_release_wakes_the_idle_instance() {
    let (db, signer) = database().await;
    let (sent, worker) = claimed_with_one_delivery(&db, signer).await;

    // The worker's release runs in a transaction that has not committed yet (as the recorder
    // does it: the instance's row locked first, then set idle as nothing is pending).
    let mut conn = db.pool.acquire().await.unwrap();
    let mut release = conn.begin().await.unwrap();
    sqlx::query("UPDATE deliveries SET state = $1 WHERE id = $2")
        .bind(DELIVERED)
        .bind(sent)
        .execute(&mut *release)
        .await
        .unwrap();
    sqlx::query("SELECT instance FROM delivery_instances WHERE instance = $1 FOR UPDATE")
        .bind(INSTANCE)
        .fetch_all(&mut *release)
        .await
        .unwrap();
    let idled = sqlx::query(&format!(
        "UPDATE delivery_instances SET claimed_by = NULL, claimed_until = 0, \
         next_attempt_at = {IDLE} WHERE instance = $1 AND claimed_by = $2"
    ))
    .bind(INSTANCE)
    .bind(worker)
    .execute(&mut *release)
    .await
    .unwrap();
    assert_eq!(idled.rows_affected(), 1);

    // Meanwhile a delivery is queued: it waits for the release, then wakes the instance.
    let enqueue = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut conn = db.pool.acquire().await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            let id = queue(&mut tx, signer, "http://localhost:1/activities/during").await;
            tx.commit().await.unwrap();
            id
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    release.commit().await.unwrap();
    let during = enqueue.await.unwrap();

    assert_eq!(next_attempt_at(&db).await, 0, "the instance was left idle");
    claimed_again_for(&db, during).await;
}
