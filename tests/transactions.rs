//! `Db::begin`'s transactions, on SQLite and PostgreSQL. They are plain statements that sqlx
//! does not know of (`db::Tx`), so what sqlx's own transactions did for free is checked here: a
//! commit keeps, a rollback undoes, and a transaction dropped without either (an early return
//! on an error) is undone without holding anything (SQLite's write lock, PostgreSQL's row
//! locks) and without its connection coming back to the pool still inside it.

mod common;

use common::{fresh_database, numbers, test_config, TestDb};
use rounds::db::Db;

async fn a_transaction_keeps_what_commits_and_undoes_the_rest(kind: TestDb) {
    let (url, _dir) = fresh_database(kind).await;
    let db = Db::connect(&test_config(0, &url)).await.unwrap();
    numbers::create(&db).await;

    numbers::insert_committed(&db, 1).await;
    assert_eq!(numbers::stored(&db).await, vec![1]);

    let mut tx = db.begin().await.unwrap();
    sqlx::query("INSERT INTO numbers (n) VALUES (2)")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(numbers::stored(&db).await, vec![1]);

    // Dropped half-way, several times over (more than the pool's connections, so that a
    // connection given back inside its transaction would be handed out again): each is
    // undone, and the next transaction takes the same lock and the same key at once.
    for _ in 0..20 {
        let mut tx = db.begin().await.unwrap();
        sqlx::query("INSERT INTO numbers (n) VALUES (3)")
            .execute(&mut *tx)
            .await
            .unwrap();
        drop(tx);
        assert_eq!(numbers::stored(&db).await, vec![1]);
    }
    numbers::insert_committed(&db, 3).await;
    assert_eq!(numbers::stored(&db).await, vec![1, 3]);

    // A statement that fails inside the transaction (the key is taken), then the drop: on
    // PostgreSQL the transaction is aborted by then, and is still rolled back and given back.
    let mut tx = db.begin().await.unwrap();
    let taken = sqlx::query("INSERT INTO numbers (n) VALUES (1)")
        .execute(&mut *tx)
        .await;
    assert!(taken.is_err());
    drop(tx);
    numbers::insert_committed(&db, 4).await;
    assert_eq!(numbers::stored(&db).await, vec![1, 3, 4]);
}

both_databases!(a_transaction_keeps_what_commits_and_undoes_the_rest);
