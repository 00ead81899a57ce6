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

/// Statements in `text` that remove rows of `posts`, `local_actors` or `remote_actors` (SQL
/// split over lines or Rust string continuations included).
fn removals_of_referenced_rows(text: &str) -> Vec<String> {
    let statement =
        regex::Regex::new(r"(?i)\bDELETE\s+FROM\s+(posts|local_actors|remote_actors)\b").unwrap();
    let joined = text.replace("\\\n", " ");
    statement
        .captures_iter(&joined)
        .map(|found| found[1].to_ascii_lowercase())
        .collect()
}

/// `migrations/postgres/0010_unchecked_references.sql` takes the foreign keys to a post's forum,
/// thread and parent, and to an outbound activity's signer, off PostgreSQL, and `0012` the key
/// to a post's remote author, because those rows are never removed (docs/ARCHITECTURE.md).
/// This holds the code to that: no statement in `src` deletes rows of `posts`, `local_actors`
/// or `remote_actors`. A change that needs to must bring the keys back
/// on PostgreSQL first, and then change this test.
#[test]
fn no_code_removes_the_rows_that_postgres_references_without_keys() {
    fn rust_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    // The check finds such statements however they are written, and not other tables'.
    let samples = "sqlx::query(\"DELETE FROM posts WHERE id = $1\")\n\
                   \"delete \\\n     from Local_Actors\"\n\
                   \"DELETE FROM posts_hashtags WHERE post_id = $1\"\n\
                   \"DELETE FROM remote_actors WHERE id = $1\"";
    assert_eq!(
        removals_of_referenced_rows(samples),
        ["posts", "local_actors", "remote_actors"]
    );

    let mut files = Vec::new();
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 50, "the sources were found: {}", files.len());
    let offending: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            removals_of_referenced_rows(&text)
                .into_iter()
                .map(move |table| format!("{}: {table}", file.display()))
        })
        .collect();
    assert!(offending.is_empty(), "rows removed: {offending:?}");
}
