//! SQLite's WAL checkpoints, off the writer's path.
//!
//! SQLite appends every commit to the write-ahead log and copies the log back into the database
//! file at a checkpoint, which syncs both files to disk. By default the connection whose commit
//! passes 1,000 pages of log runs the checkpoint inside that commit: under a burst of replies
//! that was the writer, and every reply waiting on its batch waited for two `fsync`s too (the
//! ingest benchmark's cores stood 20 % idle). Here the writer only signals its commits; this task
//! runs a `PASSIVE` checkpoint on another pooled connection (its own thread) shortly after, which
//! neither blocks the writer nor waits for readers. Each connection's automatic checkpoint stays
//! as a safety net at a larger size (`AUTOCHECKPOINT_PAGES`, set in `Db::connect`), for when this
//! task cannot keep up.

use std::{sync::Arc, time::Duration};

use sqlx::AnyPool;
use tokio::sync::Notify;

/// Pages of log after which a committing connection checkpoints by itself (SQLite's default is
/// 1,000): 64 MiB at 4 KiB pages.
pub const AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// How long after a commit the checkpoint waits, so that the commits of a burst share it. Under
/// the ingest benchmark's burst (≈ 13,000 log pages a second), 20 ms gave the best p99 (31–33 ms;
/// 100 ms: 39–44 ms, 400 ms: 57–64 ms): small checkpoints often disturb the writer least.
const GATHER: Duration = Duration::from_millis(20);

/// At most this long between checkpoints while anything may have been written outside the
/// writer (a checkpoint with nothing to copy costs a few microseconds).
const AT_LEAST_EVERY: Duration = Duration::from_secs(10);

/// Runs checkpoints for `pool` after the commits `committed` signals, until the pool closes.
pub(crate) fn start(pool: AnyPool, committed: Arc<Notify>) {
    tokio::spawn(async move {
        loop {
            let _ = tokio::time::timeout(AT_LEAST_EVERY, committed.notified()).await;
            tokio::time::sleep(GATHER).await;
            if pool.is_closed() {
                return;
            }
            let Ok(mut conn) = pool.acquire().await else {
                return;
            };
            if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&mut *conn)
                .await
            {
                tracing::warn!(error = %err, "a WAL checkpoint failed");
            }
        }
    });
}
