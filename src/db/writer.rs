//! Group commit: the writes of many requests share one transaction.
//!
//! A request hands its write to [`Writer::write`] as a closure over a connection; writer tasks
//! take every write waiting, run them one after another in one transaction (each inside its own
//! savepoint, so a write that fails is undone alone and answers its own error), commit once, and
//! only then answer each request. A request therefore hears "done" only once its rows are
//! committed, as with a transaction of its own, and SQLite's single writer lock is taken once
//! per batch instead of being fought over by every request (with `busy_timeout` sleeps).
//!
//! Rules for a write: it must not wait for another pool connection (the writer holds one; under
//! load the pool would run dry), it should only write and read what it writes (reads belong
//! before it), and it must not fetch anything over the network.

use std::{
    any::Any,
    panic::AssertUnwindSafe,
    sync::{Arc, OnceLock},
};

use futures::{future::BoxFuture, FutureExt};
use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{mpsc, oneshot, Mutex};

/// At most this many writes share one transaction.
pub const MAX_BATCH: usize = 256;

/// Writes waiting beyond this make callers wait to hand theirs over (back-pressure).
const QUEUE: usize = 4096;

type Value = Box<dyn Any + Send>;
type Failure = Box<dyn FnOnce(sqlx::Error) -> Value + Send>;
type Work = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Outcome> + Send>;

/// What a write produced, to send once its batch has committed (or the failure to send if the
/// commit fails).
struct Outcome {
    value: Value,
    /// Whether the write succeeded (its savepoint is kept) or failed (rolled back).
    kept: bool,
}

struct Job {
    work: Work,
    on_commit_failure: Failure,
    answer: oneshot::Sender<Value>,
}

/// Hands writes to the writer tasks of one pool. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    sender: mpsc::Sender<Job>,
    queue: Arc<Mutex<mpsc::Receiver<Job>>>,
    pool: AnyPool,
    tasks: usize,
    /// How a batch's transaction begins (`BEGIN IMMEDIATE` on SQLite: the write lock is taken
    /// at once, so a batch never fails to upgrade a read snapshot).
    begin: &'static str,
    started: Arc<OnceLock<()>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("tasks", &self.tasks)
            .finish()
    }
}

impl Writer {
    /// A writer with `tasks` writer tasks (one for SQLite, which has one writer anyway; a few
    /// for PostgreSQL). Tasks start with the first write, inside the runtime.
    pub fn new(pool: AnyPool, tasks: usize, begin: &'static str) -> Writer {
        let (sender, receiver) = mpsc::channel(QUEUE);
        Writer {
            sender,
            queue: Arc::new(Mutex::new(receiver)),
            pool,
            tasks: tasks.max(1),
            begin,
            started: Arc::new(OnceLock::new()),
        }
    }

    /// Runs `work` in a shared transaction and returns its result once that transaction has
    /// committed. An `Err` from `work` undoes its writes alone.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    {
        self.start();
        let work: Work = Box::new(move |conn| {
            Box::pin(async move {
                let result: Result<T, E> = work(conn).await;
                Outcome {
                    kept: result.is_ok(),
                    value: Box::new(result),
                }
            })
        });
        let on_commit_failure: Failure =
            Box::new(|err| Box::new(Err::<T, E>(E::from(err))) as Value);
        let (answer, answered) = oneshot::channel();
        let job = Job {
            work,
            on_commit_failure,
            answer,
        };
        if self.sender.send(job).await.is_err() {
            return Err(E::from(sqlx::Error::PoolClosed));
        }
        match answered.await {
            Ok(value) => match value.downcast::<Result<T, E>>() {
                Ok(result) => *result,
                Err(_) => Err(E::from(sqlx::Error::Protocol(
                    "group commit answered with the wrong type".into(),
                ))),
            },
            // The writer task stopped (the write panicked): nothing of it was committed.
            Err(_) => Err(E::from(sqlx::Error::Protocol(
                "the write was abandoned".into(),
            ))),
        }
    }

    fn start(&self) {
        self.started.get_or_init(|| {
            for _ in 0..self.tasks {
                tokio::spawn(run(self.pool.clone(), self.queue.clone(), self.begin));
            }
        });
    }
}

/// One writer task: takes what waits, writes it in one transaction, answers, again.
async fn run(pool: AnyPool, queue: Arc<Mutex<mpsc::Receiver<Job>>>, begin: &'static str) {
    loop {
        let mut batch = Vec::new();
        {
            let mut receiver = queue.lock().await;
            let Some(first) = receiver.recv().await else {
                return; // every Writer is gone
            };
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
        }
        write_batch(&pool, begin, batch).await;
    }
}

async fn write_batch(pool: &AnyPool, begin: &'static str, batch: Vec<Job>) {
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(err) => return fail_all(batch, &err),
    };
    let mut tx = match conn.begin_with(begin).await {
        Ok(tx) => tx,
        Err(err) => return fail_all(batch, &err),
    };
    let mut kept = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    while let Some(job) = jobs.next() {
        let mut savepoint = match tx.begin().await {
            Ok(savepoint) => savepoint,
            Err(err) => {
                let rest = std::iter::once(job).chain(jobs).collect();
                return abandon(kept, rest, &err);
            }
        };
        let outcome = AssertUnwindSafe((job.work)(&mut savepoint))
            .catch_unwind()
            .await;
        let Ok(outcome) = outcome else {
            // A write panicked: its caller hears nothing committed; the batch is undone.
            tracing::error!("a write panicked; its batch is rolled back");
            drop(savepoint);
            let err = sqlx::Error::Protocol("a write in the same batch failed".into());
            return abandon(kept, jobs.collect(), &err);
        };
        let closed = if outcome.kept {
            savepoint.commit().await
        } else {
            savepoint.rollback().await
        };
        if let Err(err) = closed {
            let rest = jobs.collect();
            if outcome.kept {
                kept.push((job.answer, job.on_commit_failure, outcome.value));
            } else {
                let _ = job.answer.send(outcome.value);
            }
            return abandon(kept, rest, &err);
        }
        if outcome.kept {
            kept.push((job.answer, job.on_commit_failure, outcome.value));
        } else {
            let _ = job.answer.send(outcome.value);
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for (answer, _, value) in kept {
                let _ = answer.send(value);
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "a group commit failed");
            for (answer, on_commit_failure, _) in kept {
                let _ = answer.send(on_commit_failure(copy_of(&err)));
            }
        }
    }
}

type Kept = (oneshot::Sender<Value>, Failure, Value);

/// The transaction cannot go on: what was kept is not committed, what was not run fails.
fn abandon(kept: Vec<Kept>, rest: Vec<Job>, err: &sqlx::Error) {
    tracing::error!(error = %err, "a group commit was abandoned");
    for (answer, on_commit_failure, _) in kept {
        let _ = answer.send(on_commit_failure(copy_of(err)));
    }
    fail_all(rest, err);
}

fn fail_all(batch: Vec<Job>, err: &sqlx::Error) {
    for job in batch {
        let _ = job.answer.send((job.on_commit_failure)(copy_of(err)));
    }
}

/// `sqlx::Error` is not `Clone`: each waiting write gets a description of the same failure.
fn copy_of(err: &sqlx::Error) -> sqlx::Error {
    match err {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        other => sqlx::Error::Protocol(format!("group commit failed: {other}")),
    }
}
