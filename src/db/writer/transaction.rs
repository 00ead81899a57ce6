//! The writer's transaction and savepoints, as plain statements on its connection.
//!
//! sqlx's own `begin_with` costs the writer's SQLite connection two hand-offs to its thread and
//! back (the `BEGIN`, then a check that the connection is in a transaction, which waits for the
//! thread to hand its handle over), and `commit` waits for the task to acknowledge the answer
//! before the thread goes on: under the ingest benchmark's burst a quarter of the writer's time
//! was its `BEGIN` (see docs/performance.md, Ingest). Sent as plain statements, each is one
//! hand-off. sqlx then does not know about the transaction, so it cannot roll it back when a
//! batch is dropped half-way: [`Open`] closes the connection instead of handing it back to the
//! pool inside the transaction.

use sqlx::{pool::PoolConnection, AnyConnection, Executor};

/// The name of the savepoint around one write, or one kind's writes, of a batch (never nested).
const SAVEPOINT: &str = "write";

/// Runs `statement` (one of the writer's `BEGIN …`) on `conn`.
pub(super) async fn begin(conn: &mut AnyConnection, statement: &str) -> Result<(), sqlx::Error> {
    conn.execute(statement).await.map(drop)
}

/// Commits the transaction open on `conn`.
pub(super) async fn commit(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute("COMMIT").await.map(drop)
}

/// Rolls back the transaction open on `conn`.
pub(super) async fn rollback(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute("ROLLBACK").await.map(drop)
}

/// Opens the savepoint around one write (or one kind's writes).
pub(super) async fn savepoint(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute(format!("SAVEPOINT {SAVEPOINT}").as_str())
        .await
        .map(drop)
}

/// Keeps what was written since [`savepoint`] (`kept`), or undoes it, and closes the savepoint.
pub(super) async fn close_savepoint(
    conn: &mut AnyConnection,
    kept: bool,
) -> Result<(), sqlx::Error> {
    let statement = if kept {
        format!("RELEASE {SAVEPOINT}")
    } else {
        // `ROLLBACK TO` undoes the writes but leaves the savepoint open.
        format!("ROLLBACK TO {SAVEPOINT}; RELEASE {SAVEPOINT}")
    };
    conn.execute(statement.as_str()).await.map(drop)
}

/// The writer's connection while a batch's transaction may be open on it. Unless the batch ends
/// committed ([`Open::committed`]), the connection is closed when it is dropped instead of
/// going back to the pool, where the next user would find itself inside the transaction: after
/// a failed batch, a panic in the writer, or the runtime shutting down mid-batch.
pub(super) struct Open<'a> {
    conn: &'a mut PoolConnection<sqlx::Any>,
    committed: bool,
}

impl<'a> Open<'a> {
    pub(super) fn on(conn: &'a mut PoolConnection<sqlx::Any>) -> Open<'a> {
        Open {
            conn,
            committed: false,
        }
    }

    /// The connection, to write on.
    pub(super) fn conn(&mut self) -> &mut AnyConnection {
        self.conn
    }

    /// The batch committed: nothing is left open, the connection may be kept or pooled.
    pub(super) fn committed(mut self) {
        self.committed = true;
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.conn.close_on_drop();
        }
    }
}
