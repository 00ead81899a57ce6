//! Upgrading a database of the first schema: deliveries still pending in the old one-row-per-inbox
//! table move to the per-instance queue, with their instance read from the inbox URL (host and
//! port). Runs the migrations' own SQL on SQLite and PostgreSQL.

mod common;

use common::{fresh_database, TestDb};
use sqlx::{any::AnyPoolOptions, Row};

async fn pending_deliveries_survive_the_upgrade(db: TestDb) {
    let (url, _dir) = fresh_database(db).await;
    sqlx::any::install_default_drivers();
    let url = match db {
        TestDb::Sqlite => format!("{url}?mode=rwc"),
        TestDb::Postgres => url,
    };
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let dialect = match db {
        TestDb::Sqlite => "sqlite",
        TestDb::Postgres => "postgres",
    };
    let migration = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/migrations/{dialect}/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    sqlx::raw_sql(&migration("0001_foundation.sql"))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(
        "INSERT INTO local_actors (name, kind, display_name, summary, public_key_pem, \
         private_key_pem, created_at) VALUES ('community', 'Group', 'C', '', 'pub', 'priv', 1); \
         INSERT INTO deliveries (activity_id, signer_id, inbox, payload, attempts, \
         next_attempt_at, created_at) VALUES \
         ('https://spm.example/a#1', 1, 'https://mastodon.example/users/a/inbox', '{\"n\":1}', \
          2, 5, 1), \
         ('https://spm.example/a#2', 1, 'http://localhost:7001/inbox', '{\"n\":2}', 0, 5, 2); \
         INSERT INTO deliveries (activity_id, signer_id, inbox, payload, attempts, \
         next_attempt_at, given_up_at, created_at) VALUES \
         ('https://spm.example/a#3', 1, 'https://gone.example/inbox', '{}', 17, 5, 9, 3);",
    )
    .execute(&pool)
    .await
    .unwrap();

    sqlx::raw_sql(&migration("0002_delivery_by_instance.sql"))
        .execute(&pool)
        .await
        .unwrap();

    let rows = sqlx::query(
        "SELECT d.instance, d.inbox, d.state, d.attempts, a.ap_id, a.payload \
         FROM deliveries d JOIN outbound_activities a ON a.id = d.activity_id ORDER BY d.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let moved: Vec<(String, i64, i64, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<String, _>("instance"),
                r.get::<i64, _>("state"),
                r.get::<i64, _>("attempts"),
                r.get::<String, _>("payload"),
            )
        })
        .collect();
    assert_eq!(
        moved,
        [
            (
                "mastodon.example".to_string(),
                0,
                2,
                "{\"n\":1}".to_string()
            ),
            ("localhost:7001".to_string(), 0, 0, "{\"n\":2}".to_string()),
        ],
        "pending rows move, the given-up one does not"
    );
    let instances: Vec<String> =
        sqlx::query_scalar("SELECT instance FROM delivery_instances ORDER BY instance")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(instances, ["localhost:7001", "mastodon.example"]);
    // New activities get fresh ids after the moved ones.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbound_activities (ap_id, signer_id, payload, created_at) \
         VALUES ('https://spm.example/a#4', 1, '{}', 4) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(id > 2, "{id}");
}

both_databases!(pending_deliveries_survive_the_upgrade);
