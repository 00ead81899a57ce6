//! Group commit: the writes of many requests share one transaction.
//!
//! A request hands its write to [`Writer::write`] as a closure over a connection; writer tasks
//! take every write waiting, run them one after another in one transaction (each inside its own
//! savepoint, so a write that fails is undone alone and answers its own error), commit once, and
//! only then answer each request. A request therefore hears "done" only once its rows are
//! committed, as with a transaction of its own, and SQLite's single writer lock is taken once
//! per batch instead of being fought over by every request (with `busy_timeout` sleeps).
//!
//! Writes of one kind that are cheaper together ([`BatchWrite`], [`Writer::write_batched`]) are
//! written by one call for all of a batch's items of that kind, with a few multi-row statements
//! instead of a few statements each: on SQLite every statement is a hand-off to the connection's
//! thread and back, and that, not SQLite, bounded the writer (see docs/performance.md). The
//! first kind of a batch is written with no savepoint around it (a failure as a whole rolls the
//! young transaction back and begins it again). On SQLite a savepoint also keeps a statement
//! journal of the pages it changes; without it the ingest benchmark took a fifth more replies a
//! second.
//!
//! Rules for a write: it must not wait for another pool connection (the writer holds one; under
//! load the pool would run dry), it should only write and read what it writes (reads belong
//! before it), and it must not fetch anything over the network.

use std::{
    any::{Any, TypeId},
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Arc, OnceLock,
    },
    time::{Duration, Instant},
};

use futures::{
    future::{BoxFuture, OptionFuture},
    FutureExt,
};
use sqlx::{pool::PoolConnection, AnyConnection, AnyPool};
use tokio::sync::{mpsc, oneshot, Mutex, Notify};

mod transaction;

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
    work: Task,
    on_commit_failure: Failure,
    answer: oneshot::Sender<Value>,
}

enum Task {
    /// A write of its own, in its own savepoint.
    One(Work),
    /// An item of a [`BatchWrite`] kind, written with the batch's other items of that kind.
    Batched {
        kind: TypeId,
        item: Item,
        write: BatchRunner,
    },
}

type Item = Box<dyn Any + Send + Sync>;
/// Writes items of one kind: each item's outcome, or (for the whole call) a failure to answer
/// with when the call had one item.
type BatchRunner =
    for<'c> fn(&'c mut AnyConnection, &'c [Item]) -> BoxFuture<'c, Result<Vec<Outcome>, Value>>;

/// Each item's answer, or a failure of the whole call.
pub type BatchAnswers<T, E> = Result<Vec<Result<T, E>>, E>;

/// Writes that are cheaper together: [`Writer::write_batched`] hands over one item; the writer
/// calls [`BatchWrite::write`] once with every item of the kind waiting in its batch.
pub trait BatchWrite: 'static {
    type Item: Send + Sync + 'static;
    type Output: Send + 'static;
    type Error: From<sqlx::Error> + Send + 'static;

    /// Writes `items` and answers each, in order. An `Err` for an item means nothing of that
    /// item was written; an `Err` for the whole call undoes every item, and the writer then
    /// writes them again one at a time, so that an item that cannot be written fails alone.
    fn write<'c>(
        conn: &'c mut AnyConnection,
        items: Vec<&'c Self::Item>,
    ) -> BoxFuture<'c, BatchAnswers<Self::Output, Self::Error>>;
}

fn run_batch<'c, K: BatchWrite>(
    conn: &'c mut AnyConnection,
    items: &'c [Item],
) -> BoxFuture<'c, Result<Vec<Outcome>, Value>> {
    Box::pin(async move {
        let typed: Vec<&K::Item> = items
            .iter()
            .filter_map(|item| item.downcast_ref::<K::Item>())
            .collect();
        if typed.len() != items.len() {
            let err = K::Error::from(sqlx::Error::Protocol("batched items of mixed kinds".into()));
            return Err(Box::new(Err::<K::Output, K::Error>(err)) as Value);
        }
        let answers = K::write(conn, typed)
            .await
            .map_err(|err| Box::new(Err::<K::Output, K::Error>(err)) as Value)?;
        if answers.len() != items.len() {
            let err = K::Error::from(sqlx::Error::Protocol("a batch answered wrongly".into()));
            return Err(Box::new(Err::<K::Output, K::Error>(err)) as Value);
        }
        Ok(answers
            .into_iter()
            .map(|answer| Outcome {
                kept: answer.is_ok(),
                value: Box::new(answer),
            })
            .collect())
    })
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
    /// Told of each commit, when SQLite's log is checkpointed apart (`db::checkpoints`).
    committed: Option<Arc<Notify>>,
    started: Arc<OnceLock<()>>,
    counters: Arc<Counters>,
}

/// What the writer tasks of one [`Writer`] have done since it was made ([`Writer::stats`]):
/// whether the writer bounds a burst (busy nearly all of it, with more tasks than one on
/// PostgreSQL adding up) and where its time goes. Times are wall-clock, waits included: on
/// SQLite each statement is a hand-off to the connection's thread and back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Batches taken (transactions begun, or tried), committed or not.
    pub batches: u64,
    /// Writes in those batches.
    pub writes: u64,
    /// Beginning the transactions (`BEGIN`; on SQLite `BEGIN IMMEDIATE` takes the write lock).
    pub begin: Duration,
    /// Running the writes, savepoints included.
    pub writing: Duration,
    /// Committing.
    pub commit: Duration,
}

impl WriterStats {
    /// The writer tasks' time in batches, added up over the tasks.
    pub fn busy(&self) -> Duration {
        self.begin + self.writing + self.commit
    }

    /// What was done after `earlier` (a snapshot of the same writer).
    pub fn since(&self, earlier: &WriterStats) -> WriterStats {
        WriterStats {
            batches: self.batches.saturating_sub(earlier.batches),
            writes: self.writes.saturating_sub(earlier.writes),
            begin: self.begin.saturating_sub(earlier.begin),
            writing: self.writing.saturating_sub(earlier.writing),
            commit: self.commit.saturating_sub(earlier.commit),
        }
    }
}

/// [`WriterStats`] as the writer tasks add to them (times in nanoseconds).
#[derive(Default)]
struct Counters {
    batches: AtomicU64,
    writes: AtomicU64,
    begin: AtomicU64,
    writing: AtomicU64,
    commit: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> WriterStats {
        WriterStats {
            batches: self.batches.load(Relaxed),
            writes: self.writes.load(Relaxed),
            begin: Duration::from_nanos(self.begin.load(Relaxed)),
            writing: Duration::from_nanos(self.writing.load(Relaxed)),
            commit: Duration::from_nanos(self.commit.load(Relaxed)),
        }
    }
}

fn nanos(time: Duration) -> u64 {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

/// Times one batch and adds it to the [`Counters`]: when stopped, before a committed batch's
/// answers go out (so that whoever hears "done" finds the batch counted), or when dropped,
/// however else the batch ends.
struct BatchClock<'a> {
    counters: &'a Counters,
    writes: usize,
    started: Instant,
    begin: Duration,
    commit: Duration,
    stopped: bool,
}

impl BatchClock<'_> {
    fn start(counters: &Counters, writes: usize) -> BatchClock<'_> {
        BatchClock {
            counters,
            writes,
            started: Instant::now(),
            begin: Duration::ZERO,
            commit: Duration::ZERO,
            stopped: false,
        }
    }

    fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        let counters = self.counters;
        let writing = self
            .started
            .elapsed()
            .saturating_sub(self.begin + self.commit);
        counters.batches.fetch_add(1, Relaxed);
        counters.writes.fetch_add(self.writes as u64, Relaxed);
        counters.begin.fetch_add(nanos(self.begin), Relaxed);
        counters.writing.fetch_add(nanos(writing), Relaxed);
        counters.commit.fetch_add(nanos(self.commit), Relaxed);
    }
}

impl Drop for BatchClock<'_> {
    fn drop(&mut self) {
        self.stop();
    }
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
            committed: None,
            started: Arc::new(OnceLock::new()),
            counters: Arc::default(),
        }
    }

    /// SQLite: the log is checkpointed by a task of its own after commits, not inside them.
    pub fn with_checkpoints(mut self) -> Writer {
        self.committed = Some(Arc::new(Notify::new()));
        self
    }

    /// How many writer tasks share the writes.
    pub fn tasks(&self) -> usize {
        self.tasks
    }

    /// What the writer tasks have done so far (take two and [`WriterStats::since`] for a span).
    pub fn stats(&self) -> WriterStats {
        self.counters.snapshot()
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
        self.hand_over::<T, E>(Task::One(work)).await
    }

    /// Hands `item` to be written with the other items of kind `K` waiting (see
    /// [`BatchWrite`]) and returns its answer once their transaction has committed.
    pub async fn write_batched<K: BatchWrite>(&self, item: K::Item) -> Result<K::Output, K::Error> {
        self.start();
        let task = Task::Batched {
            kind: TypeId::of::<K>(),
            item: Box::new(item),
            write: run_batch::<K>,
        };
        self.hand_over::<K::Output, K::Error>(task).await
    }

    async fn hand_over<T, E>(&self, work: Task) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
    {
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
                tokio::spawn(run(
                    self.pool.clone(),
                    self.queue.clone(),
                    self.begin,
                    self.committed.clone(),
                    self.counters.clone(),
                ));
            }
            if let Some(committed) = &self.committed {
                super::checkpoints::start(self.pool.clone(), committed.clone());
            }
        });
    }
}

/// One writer task: takes what waits, writes it in one transaction, answers, again.
///
/// The task keeps one connection from batch to batch. On SQLite that keeps the writer's page
/// cache: a connection that did not write the last commit finds the log changed when its
/// transaction begins and drops every page it had cached, then reads again each page it
/// touches (with whichever connection the pool gave, the ingest benchmark's process read 0.48
/// pages for each page it wrote; with one kept, 0.30, and it took ≈ 13 % more replies a second:
/// see docs/performance.md, Ingest). On both databases its prepared statements stay prepared. A
/// batch that does not commit closes the connection (it may be broken, or still inside the
/// batch's transaction: `transaction::Open`): the next batch takes one from the pool again.
/// When the pool closes, the connection goes back too.
async fn run(
    pool: AnyPool,
    queue: Arc<Mutex<mpsc::Receiver<Job>>>,
    begin: &'static str,
    committed: Option<Arc<Notify>>,
    counters: Arc<Counters>,
) {
    let mut held: Option<PoolConnection<sqlx::Any>> = None;
    loop {
        let mut batch = Vec::new();
        {
            let mut receiver = queue.lock().await;
            // The pool is closing: the held connection goes back to it (to be closed), and a
            // later write fails as the pool is closed instead of going on with it. Listen
            // first, then look: `close_event` checks `is_closed` before it starts listening,
            // so a close between the two would be missed by the listener alone (the close
            // then waited for this connection, or a later write ran on it: seen once in CI).
            let closing = OptionFuture::from(held.is_some().then(|| pool.close_event()));
            if held.is_some() && pool.is_closed() {
                held = None;
                continue;
            }
            let first = tokio::select! {
                biased;
                _ = closing, if held.is_some() => {
                    held = None;
                    continue;
                }
                job = receiver.recv() => job,
            };
            let Some(first) = first else {
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
        let mut conn = match held.take() {
            Some(conn) => conn,
            None => match pool.acquire().await {
                Ok(conn) => conn,
                Err(err) => {
                    fail_all(batch, &err);
                    continue;
                }
            },
        };
        let mut open = transaction::Open::on(&mut conn);
        if write_batch(open.conn(), begin, batch, &counters).await {
            open.committed();
            held = Some(conn);
            if let Some(committed) = &committed {
                committed.notify_one();
            }
        }
    }
}

/// Writes one batch in one transaction; whether it committed.
async fn write_batch(
    conn: &mut AnyConnection,
    begin: &'static str,
    batch: Vec<Job>,
    counters: &Counters,
) -> bool {
    let mut clock = BatchClock::start(counters, batch.len());
    if let Err(err) = transaction::begin(conn, begin).await {
        return fail_all(batch, &err);
    }
    clock.begin = clock.started.elapsed();
    let mut kept = Vec::with_capacity(batch.len());
    // Batched items first, one call per kind; then the writes of their own.
    let mut kinds: Vec<Kind> = Vec::new();
    let mut singles = Vec::new();
    for job in batch {
        match job.work {
            Task::Batched { kind, item, write } => {
                let waiter = (job.answer, job.on_commit_failure);
                match kinds.iter_mut().find(|group| group.kind == kind) {
                    Some(group) => {
                        group.items.push(item);
                        group.waiters.push(waiter);
                    }
                    None => kinds.push(Kind {
                        kind,
                        write,
                        items: vec![item],
                        waiters: vec![waiter],
                    }),
                }
            }
            Task::One(work) => singles.push(Single {
                work,
                waiter: (job.answer, job.on_commit_failure),
            }),
        }
    }
    let mut kinds = kinds.into_iter();
    // The first kind writes straight into the fresh transaction, with no savepoint around it:
    // two statements fewer a batch (on PostgreSQL two round trips to the server, on SQLite two
    // hand-offs to the connection's thread). Nothing else is in the transaction yet, so if its
    // call fails as a whole, the transaction is rolled back and begun again, and its items are
    // written one at a time as any other kind's are.
    if let Some(Kind {
        write,
        items,
        waiters,
        ..
    }) = kinds.next()
    {
        match run_guarded(write(conn, &items)).await {
            Ok(outcomes) => {
                for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                    answer_or_keep(&mut kept, waiter, outcome);
                }
            }
            Err(failure) => {
                let begun_again = match transaction::rollback(conn).await {
                    Ok(()) => transaction::begin(conn, begin).await,
                    Err(err) => Err(err),
                };
                if let Err(err) = begun_again {
                    let rest = waiters.into_iter().chain(waiters_of(kinds, singles));
                    return abandon(kept, rest.collect(), &err);
                }
                let alone = write_alone(conn, write, &items, waiters, failure, &mut kept);
                if let Err(err) = alone.await {
                    return abandon(kept, waiters_of(kinds, singles).collect(), &err);
                }
                return finish(conn, kinds, singles, kept, &mut clock).await;
            }
        }
    }
    finish(conn, kinds, singles, kept, &mut clock).await
}

/// A write of its own in a batch, and who waits for it.
struct Single {
    work: Work,
    waiter: Waiter,
}

/// Who waits for the kinds and writes of a batch not yet written.
fn waiters_of(
    kinds: std::vec::IntoIter<Kind>,
    singles: Vec<Single>,
) -> impl Iterator<Item = Waiter> {
    kinds
        .flat_map(Kind::into_waiters)
        .chain(singles.into_iter().map(|single| single.waiter))
}

/// Writes the rest of a batch (the other kinds, then the writes of their own) in `tx`, commits
/// it and answers every waiter; whether it committed.
async fn finish(
    tx: &mut AnyConnection,
    mut kinds: std::vec::IntoIter<Kind>,
    singles: Vec<Single>,
    mut kept: Vec<Kept>,
    clock: &mut BatchClock<'_>,
) -> bool {
    while let Some(group) = kinds.next() {
        if let Err(err) = write_kind(tx, group, &mut kept).await {
            return abandon(kept, waiters_of(kinds, singles).collect(), &err);
        }
    }
    let mut singles = singles.into_iter();
    while let Some(Single { work, waiter }) = singles.next() {
        let rest = |singles: std::vec::IntoIter<Single>| {
            singles.map(|single| single.waiter).collect::<Vec<Waiter>>()
        };
        if let Err(err) = transaction::savepoint(tx).await {
            let mut waiting = vec![waiter];
            waiting.extend(rest(singles));
            return abandon(kept, waiting, &err);
        }
        let outcome = AssertUnwindSafe(work(tx)).catch_unwind().await;
        let Ok(outcome) = outcome else {
            // A write panicked: its caller hears nothing committed; the batch is undone (the
            // connection, its transaction still open, is closed: `transaction::Open`).
            tracing::error!("a write panicked; its batch is rolled back");
            let err = sqlx::Error::Protocol("a write in the same batch failed".into());
            return abandon(kept, rest(singles), &err);
        };
        let closed = transaction::close_savepoint(tx, outcome.kept).await;
        answer_or_keep(&mut kept, waiter, outcome);
        if let Err(err) = closed {
            return abandon(kept, rest(singles), &err);
        }
    }
    let committing = Instant::now();
    let committed = transaction::commit(tx).await;
    clock.commit = committing.elapsed();
    clock.stop();
    match committed {
        Ok(()) => {
            for (answer, _, value) in kept {
                let _ = answer.send(value);
            }
            true
        }
        Err(err) => {
            tracing::error!(error = %err, "a group commit failed");
            for (answer, on_commit_failure, _) in kept {
                let _ = answer.send(on_commit_failure(copy_of(&err)));
            }
            false
        }
    }
}

type Waiter = (oneshot::Sender<Value>, Failure);

/// The items of one [`BatchWrite`] kind in a batch, and who waits for each.
struct Kind {
    kind: TypeId,
    write: BatchRunner,
    items: Vec<Item>,
    waiters: Vec<Waiter>,
}

impl Kind {
    fn into_waiters(self) -> Vec<Waiter> {
        self.waiters
    }
}

/// Writes one kind's items in one savepoint; if that call fails as a whole, each item again in
/// a savepoint of its own. `Err`: the transaction cannot go on (every waiter of this kind has
/// been answered).
async fn write_kind(
    tx: &mut AnyConnection,
    group: Kind,
    kept: &mut Vec<Kept>,
) -> Result<(), sqlx::Error> {
    let Kind {
        write,
        items,
        waiters,
        ..
    } = group;
    match run_in_savepoint(tx, write, &items).await {
        Ok(Ok(outcomes)) => {
            for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                answer_or_keep(kept, waiter, outcome);
            }
            Ok(())
        }
        Ok(Err(failure)) => write_alone(tx, write, &items, waiters, failure, kept).await,
        Err(err) => {
            for (answer, on_commit_failure) in waiters {
                let _ = answer.send(on_commit_failure(copy_of(&err)));
            }
            Err(err)
        }
    }
}

/// After a call over `items` failed as a whole with `failure` (and was undone): each item alone,
/// in a savepoint of its own, so that one bad item fails alone; a single item hears `failure`.
/// `Err`: the transaction cannot go on (every waiter has been answered).
async fn write_alone(
    tx: &mut AnyConnection,
    write: BatchRunner,
    items: &[Item],
    waiters: Vec<Waiter>,
    failure: Value,
    kept: &mut Vec<Kept>,
) -> Result<(), sqlx::Error> {
    if items.len() <= 1 {
        if let Some((answer, _)) = waiters.into_iter().next() {
            let _ = answer.send(failure);
        }
        return Ok(());
    }
    let mut waiters = waiters.into_iter();
    for item in items.chunks(1) {
        let Some((answer, on_commit_failure)) = waiters.next() else {
            break;
        };
        match run_in_savepoint(tx, write, item).await {
            Ok(Ok(mut outcome)) => {
                let outcome = outcome.remove(0);
                answer_or_keep(kept, (answer, on_commit_failure), outcome);
            }
            Ok(Err(failure)) => {
                let _ = answer.send(failure);
            }
            Err(err) => {
                let _ = answer.send(on_commit_failure(copy_of(&err)));
                for (answer, on_commit_failure) in waiters {
                    let _ = answer.send(on_commit_failure(copy_of(&err)));
                }
                return Err(err);
            }
        }
    }
    Ok(())
}

/// Runs `write` over `items` in a savepoint, kept if the call succeeded. The outer `Err`: the
/// savepoint itself failed (the transaction cannot go on).
async fn run_in_savepoint(
    tx: &mut AnyConnection,
    write: BatchRunner,
    items: &[Item],
) -> Result<Result<Vec<Outcome>, Value>, sqlx::Error> {
    transaction::savepoint(tx).await?;
    let written = run_guarded(write(tx, items)).await;
    transaction::close_savepoint(tx, written.is_ok()).await?;
    Ok(written)
}

/// A batched call, a panic in it taken as its failure as a whole (its caller rolls it back).
async fn run_guarded(
    written: BoxFuture<'_, Result<Vec<Outcome>, Value>>,
) -> Result<Vec<Outcome>, Value> {
    AssertUnwindSafe(written)
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            tracing::error!("a batched write panicked; its items are rolled back");
            Err(Box::new(()) as Value)
        })
}

/// A failed item wrote nothing and hears its answer now; a written one waits for the commit.
fn answer_or_keep(kept: &mut Vec<Kept>, (answer, on_commit_failure): Waiter, outcome: Outcome) {
    if outcome.kept {
        kept.push((answer, on_commit_failure, outcome.value));
    } else {
        let _ = answer.send(outcome.value);
    }
}

type Kept = (oneshot::Sender<Value>, Failure, Value);

/// The transaction cannot go on: what was kept is not committed, what was not run fails.
/// `false`: nothing committed.
fn abandon(kept: Vec<Kept>, rest: Vec<Waiter>, err: &sqlx::Error) -> bool {
    tracing::error!(error = %err, "a group commit was abandoned");
    for (answer, on_commit_failure, _) in kept {
        let _ = answer.send(on_commit_failure(copy_of(err)));
    }
    for (answer, on_commit_failure) in rest {
        let _ = answer.send(on_commit_failure(copy_of(err)));
    }
    false
}

/// Every write of the batch fails with `err`. `false`: nothing committed.
fn fail_all(batch: Vec<Job>, err: &sqlx::Error) -> bool {
    for job in batch {
        let _ = job.answer.send((job.on_commit_failure)(copy_of(err)));
    }
    false
}

/// `sqlx::Error` is not `Clone`: each waiting write gets a description of the same failure.
fn copy_of(err: &sqlx::Error) -> sqlx::Error {
    match err {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        other => sqlx::Error::Protocol(format!("group commit failed: {other}")),
    }
}
