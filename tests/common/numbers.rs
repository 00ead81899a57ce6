//! A table of numbers, `numbers (n BIGINT PRIMARY KEY)`, for the tests of the storage layer's
//! transactions and group commit: what was committed is the list of its numbers.

use std::time::Duration;

use rounds::db::Db;
use sqlx::Row;

/// Creates the table in `db`.
pub async fn create(db: &Db) {
    sqlx::query("CREATE TABLE numbers (n BIGINT PRIMARY KEY)")
        .execute(&db.pool)
        .await
        .unwrap();
}

/// The numbers stored, in order, as any other connection of the pool sees them.
pub async fn stored(db: &Db) -> Vec<i64> {
    sqlx::query("SELECT n FROM numbers ORDER BY n")
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<i64, _>("n"))
        .collect()
}

/// Inserts `n` in a transaction of its own, committed; fails if that takes more than 2 s
/// (SQLite waits 5 s for a write lock held elsewhere, PostgreSQL for a row's key).
pub async fn insert_committed(db: &Db, n: i64) {
    let write = async {
        let mut tx = db.begin().await?;
        sqlx::query("INSERT INTO numbers (n) VALUES ($1)")
            .bind(n)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    };
    tokio::time::timeout(Duration::from_secs(2), write)
        .await
        .expect("nothing else holds the database")
        .expect("the insert commits");
}
