//! [`Tx`]: a transaction on one pooled connection, begun, committed and rolled back by plain
//! statements.
//!
//! sqlx's own transaction costs a SQLite connection more than its statements: `begin_with`
//! (which `BEGIN IMMEDIATE` needs) hands the connection's thread a second command after the
//! `BEGIN` (a check that the connection is now in a transaction, waiting for the thread to hand
//! its handle over), and its `commit` makes the thread wait until the task has acknowledged the
//! answer; on an idle machine 155 µs for the `BEGIN IMMEDIATE` against 75 µs as a plain
//! statement (docs/performance.md, Ingest). That second round trip came after the write lock
//! was taken, so every transaction held it longer. The group-commit writer's transaction uses
//! the same statements ([`begin_on`], [`commit_on`], [`rollback_on`]) on the connection it
//! keeps (`writer/transaction.rs`).
//!
//! sqlx does not know of these transactions: nothing may begin one through sqlx on a [`Tx`]'s
//! connection. A [`Tx`] dropped without [`Tx::commit`] (an early return on an error) is rolled
//! back by a task before its connection goes back to the pool, or the connection is closed.

use std::ops::{Deref, DerefMut};

use sqlx::{pool::PoolConnection, Any, AnyConnection, AnyPool, Executor};

/// Runs `statement` (`BEGIN` or `BEGIN IMMEDIATE`) on `conn`.
pub(in crate::db) async fn begin_on(
    conn: &mut AnyConnection,
    statement: &str,
) -> Result<(), sqlx::Error> {
    conn.execute(statement).await.map(drop)
}

/// Commits the transaction open on `conn`.
pub(in crate::db) async fn commit_on(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute("COMMIT").await.map(drop)
}

/// Rolls back the transaction open on `conn`.
pub(in crate::db) async fn rollback_on(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute("ROLLBACK").await.map(drop)
}

/// A transaction in progress. Derefs to its connection, to run statements in it.
pub struct Tx {
    /// Always there until the transaction is dropped.
    conn: Option<PoolConnection<Any>>,
    /// Neither committed nor rolled back yet.
    open: bool,
}

impl Tx {
    /// Takes a connection from `pool` and runs `statement` (`BEGIN` or `BEGIN IMMEDIATE`).
    pub(super) async fn begin(pool: &AnyPool, statement: &str) -> Result<Tx, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        // A `BEGIN` that failed began nothing: the connection goes back as it was.
        begin_on(&mut conn, statement).await?;
        Ok(Tx {
            conn: Some(conn),
            open: true,
        })
    }

    /// Commits the transaction. If the commit fails, what is left of it is rolled back when
    /// this is dropped.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        commit_on(&mut self).await?;
        self.open = false;
        Ok(())
    }

    /// Rolls the transaction back.
    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        rollback_on(&mut self).await?;
        self.open = false;
        Ok(())
    }

    fn connection(&self) -> &PoolConnection<Any> {
        match &self.conn {
            Some(conn) => conn,
            None => unreachable!("a transaction's connection is taken only when it is dropped"),
        }
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        self.connection()
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.conn {
            Some(conn) => conn,
            None => unreachable!("a transaction's connection is taken only when it is dropped"),
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if !self.open {
            return; // back to the pool as it is
        }
        match tokio::runtime::Handle::try_current() {
            // The connection goes back to the pool once the rollback is done; if it fails, the
            // connection is closed instead (it may be broken, or still in the transaction).
            Ok(runtime) => {
                runtime.spawn(async move {
                    if rollback_on(&mut conn).await.is_err() {
                        conn.close_on_drop();
                    }
                });
            }
            Err(_) => conn.close_on_drop(),
        }
    }
}
