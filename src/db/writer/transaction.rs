//! The writer's transaction and savepoints, as plain statements on its connection (the same
//! `BEGIN`, `COMMIT` and `ROLLBACK` as `db::Tx`'s, for the reason given there: under the ingest
//! benchmark's burst sqlx's `begin_with` was a quarter of the writer's time, see
//! docs/performance.md, Ingest). sqlx then does not know about the transaction, so it cannot
//! roll it back when a batch is dropped half-way: [`Open`] closes the connection instead of
//! handing it back to the pool inside the transaction.

use sqlx::{pool::PoolConnection, AnyConnection, Executor};

pub(super) use crate::db::tx::{begin_on as begin, commit_on as commit, rollback_on as rollback};

/// Opens the savepoint around one write (or one kind's writes): `write`, never nested.
pub(super) async fn savepoint(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute("SAVEPOINT write").await.map(drop)
}

/// Keeps what was written since [`savepoint`] (`kept`), or undoes it, and closes the savepoint.
pub(super) async fn close_savepoint(
    conn: &mut AnyConnection,
    kept: bool,
) -> Result<(), sqlx::Error> {
    let statement = if kept {
        "RELEASE write"
    } else {
        // `ROLLBACK TO` undoes the writes but leaves the savepoint open.
        "ROLLBACK TO write; RELEASE write"
    };
    conn.execute(statement).await.map(drop)
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
