//! The delivery worker of one process: a dispatcher claims instances that have due deliveries
//! and starts one task per instance ([`instance`](super::instance)), which sends that instance's
//! backlog in order, so a slow or dead instance holds up only itself. Outcomes go to the
//! [`recorder`](super::recorder), which writes them in batches.
//!
//! Several processes on one PostgreSQL database share the queue: an instance is claimed with a
//! lease (`FOR NO KEY UPDATE SKIP LOCKED`), renewed while its task runs; a process that dies
//! loses its leases and another takes over when they run out. On SQLite one process owns the
//! queue (a lock file beside the database says which) and clears stale claims at start.
//!
//! Shutdown: the dispatcher stops claiming, each task finishes the request it has in flight and
//! releases its instance; whatever is still running after the grace period is dropped (those
//! deliveries are still pending and are sent again later: at least once, never lost).

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{
    instance::{serve_instance, PayloadCache},
    recorder::{self, Outcome, OutcomeSender},
    signing::KeyCache,
};
use crate::{
    db::{deliveries::Delivery, delivery_instances::InstanceUpdate, now_millis},
    error::{Error, Result},
    state::AppState,
};

/// Deliveries of one instance read at a time.
pub(super) const PAGE: i64 = 64;
/// How often to look for due work when nothing rings the bell (retries, other processes).
const POLL: Duration = Duration::from_secs(1);
/// The least time between two claims. Every reply stored rings the bell; during a burst of
/// thousands a second each ring found the worker ready and made a claim (a write: ≈ 900 a
/// second on PostgreSQL, one of the writer's turns on SQLite), nearly all of them finding
/// nothing new. Rings within the gap are answered by one claim at its end.
const CLAIM_GAP: Duration = Duration::from_millis(25);
/// How often the set of unavailable instances (for revival) is reloaded from the database.
const RELOAD_UNAVAILABLE_EVERY: Duration = Duration::from_secs(60);
/// How often delivered records older than the retention are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// A running delivery worker. Dropping it stops it at once; [`DeliveryWorker::shutdown`] stops
/// it gracefully.
pub struct DeliveryWorker {
    cancel: CancellationToken,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for DeliveryWorker {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }
}

impl DeliveryWorker {
    /// Starts the worker on the current runtime.
    pub async fn start(state: AppState) -> Result<DeliveryWorker> {
        let worker_id = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
        let queue_lock = match state.config.sqlite_path() {
            Some(path) => {
                let lock = own_sqlite_queue(path).await?;
                // One process owns an SQLite queue: claims left by a killed process are stale.
                state.db.release_instance_claims(None).await?;
                Some(lock)
            }
            None => None,
        };
        let client = crate::federation::http_client(&state.config)?;
        let (outcomes, recorder) = recorder::spawn(
            state.db.clone(),
            worker_id.clone(),
            state.delivery_bell.clone(),
        );
        let cancel = CancellationToken::new();
        let context = Arc::new(WorkerContext {
            per_instance: state.config.delivery_instance_concurrency.max(1),
            lease: state.config.delivery_lease,
            state,
            worker_id,
            client,
            keys: KeyCache::default(),
            payloads: PayloadCache::default(),
            cancel: cancel.clone(),
            _queue_lock: queue_lock,
        });
        let handle = tokio::spawn(async move {
            dispatch(context.clone(), outcomes).await;
            // Every sender is gone: the recorder writes what it holds and ends.
            let _ = recorder.await;
            if let Err(err) = context
                .state
                .db
                .release_instance_claims(Some(&context.worker_id))
                .await
            {
                tracing::warn!(error = %err, "could not release delivery claims at shutdown");
            }
        });
        Ok(DeliveryWorker {
            cancel,
            handle: Some(handle),
        })
    }

    /// Stops claiming work, lets in-flight deliveries finish for up to `grace`, records their
    /// outcomes and releases this process's claims.
    pub async fn shutdown(mut self, grace: Duration) {
        self.cancel.cancel();
        if let Some(mut handle) = self.handle.take() {
            // Grace for the tasks, and a little more for the recorder's last batch.
            let bound = grace + Duration::from_secs(5);
            if tokio::time::timeout(bound, &mut handle).await.is_err() {
                tracing::warn!("delivery worker did not stop in time; stopping it now");
                handle.abort();
            }
        }
    }
}

/// What the dispatcher and the instance tasks of one worker share.
pub(super) struct WorkerContext {
    pub(super) state: AppState,
    pub(super) worker_id: String,
    pub(super) client: reqwest::Client,
    pub(super) keys: KeyCache,
    pub(super) payloads: PayloadCache,
    pub(super) cancel: CancellationToken,
    pub(super) per_instance: usize,
    lease: Duration,
    /// On SQLite, the lock that makes this process the queue's only worker; released when the
    /// worker stops (or the process dies).
    _queue_lock: Option<std::fs::File>,
}

/// How long a starting worker waits for an SQLite queue another worker holds (one that was
/// just stopped in this process releases it at once; another live process does not).
const QUEUE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// Takes the SQLite queue's lock file (`PATH.delivery-lock`), waiting a little for it.
async fn own_sqlite_queue(database_path: &str) -> Result<std::fs::File> {
    let path = format!("{database_path}.delivery-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|err| Error::Internal(format!("cannot open {path}: {err}")))?;
    let deadline = Instant::now() + QUEUE_LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Internal(format!(
                    "another `rounds serve` is delivering from this SQLite database ({path} is \
                     locked); run one process per SQLite database, or use PostgreSQL"
                )))
            }
            Err(std::fs::TryLockError::Error(err)) => {
                return Err(Error::Internal(format!("cannot lock {path}: {err}")))
            }
        }
    }
}

async fn dispatch(context: Arc<WorkerContext>, outcomes: OutcomeSender) {
    let bell = context.state.delivery_bell.clone();
    let mut tasks = JoinSet::new();
    let mut active = HashSet::new();
    let mut last_prune = Instant::now();
    let mut last_reload = Instant::now() - RELOAD_UNAVAILABLE_EVERY;
    let mut renewals = tokio::time::interval(context.lease / 3);
    // Whether to look for work whatever the free slots (at start, on the bell, on each poll).
    let mut look = true;
    let mut last_claim: Option<tokio::time::Instant> = None;
    loop {
        if context.cancel.is_cancelled() {
            break;
        }
        let max = context.state.config.delivery_max_instances;
        let free = max.saturating_sub(tasks.len());
        // After tasks end, claim again only once a good share of the slots is free: each claim
        // is a write, and on SQLite writes queue behind the recorder's.
        let worth_claiming = look || free >= (max / 8).max(1) || tasks.is_empty();
        let now = tokio::time::Instant::now();
        let gap_over = last_claim.is_none_or(|at| now >= at + CLAIM_GAP);
        // A claim is due but waits for the end of `CLAIM_GAP`.
        let claim_waits = free > 0 && worth_claiming && !gap_over;
        if free > 0 && worth_claiming && gap_over {
            look = false;
            last_claim = Some(now);
            if let Err(err) =
                claim_and_start(&context, &outcomes, free, &mut tasks, &mut active).await
            {
                tracing::error!(error = %err, "delivery worker could not read the queue");
            }
        }
        let gap_end = last_claim.map_or(now, |at| at + CLAIM_GAP);
        if last_reload.elapsed() >= RELOAD_UNAVAILABLE_EVERY {
            last_reload = Instant::now();
            super::revive::reload(&context.state).await;
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = Instant::now();
            prune(&context.state).await;
        }
        tokio::select! {
            _ = context.cancel.cancelled() => break,
            _ = bell.notified() => look = true,
            _ = tokio::time::sleep(POLL) => look = true,
            _ = renewals.tick() => renew_claims(&context).await,
            _ = tokio::time::sleep_until(gap_end), if claim_waits => {}
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                // Reap whatever else finished, then claim once for all of them.
                if let Ok(instance) = done {
                    active.remove(&instance);
                }
                while let Some(done) = tasks.try_join_next() {
                    if let Ok(instance) = done {
                        active.remove(&instance);
                    }
                }
            }
        }
    }
    let grace = context.state.config.delivery_shutdown_grace;
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            in_flight = tasks.len(),
            "deliveries still in flight at the end of the grace period; they will be sent again"
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

/// Extends the leases on every instance this process holds.
async fn renew_claims(context: &WorkerContext) {
    let lease_until = now_millis() + millis(context.lease);
    if let Err(err) = context
        .state
        .db
        .renew_instance_claims(&context.worker_id, lease_until)
        .await
    {
        tracing::error!(error = %err, "could not renew delivery claims");
    }
}

/// Claims up to `free` instances and starts a task for each, with its first page of work.
async fn claim_and_start(
    context: &Arc<WorkerContext>,
    outcomes: &OutcomeSender,
    free: usize,
    tasks: &mut JoinSet<String>,
    active: &mut HashSet<String>,
) -> Result<(), sqlx::Error> {
    let db = &context.state.db;
    let lease_until = now_millis() + millis(context.lease);
    let limit = i64::try_from(free).unwrap_or(i64::MAX);
    context.state.delivery_metrics.count_claim();
    let claimed = db
        .claim_instances(&context.worker_id, lease_until, limit)
        .await?;
    if claimed.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = claimed.iter().map(|c| c.instance.clone()).collect();
    let mut pages: HashMap<String, Vec<Delivery>> = HashMap::new();
    match db.pending_deliveries_of(&names, PAGE).await {
        Ok(rows) => {
            for delivery in rows {
                pages
                    .entry(delivery.instance.clone())
                    .or_default()
                    .push(delivery);
            }
        }
        Err(err) => {
            // Nothing was sent: hand the instances back.
            for name in names {
                let _ = outcomes.send(Outcome::Instance(InstanceUpdate::Released {
                    instance: name,
                }));
            }
            return Err(err);
        }
    }
    // Tasks that ended since the last look: their instances may be claimed again.
    while let Some(done) = tasks.try_join_next() {
        if let Ok(instance) = done {
            active.remove(&instance);
        }
    }
    for instance in claimed {
        // Our own claim cannot be taken while a task holds it (leases are renewed), but a task
        // whose release is recorded may not have ended yet: never run two tasks for one
        // instance, and hand such a claim back (kept, it would be renewed and never served).
        if !active.insert(instance.instance.clone()) {
            let _ = outcomes.send(Outcome::Instance(InstanceUpdate::Released {
                instance: instance.instance,
            }));
            continue;
        }
        let page = pages.remove(&instance.instance).unwrap_or_default();
        let context = context.clone();
        let outcomes = outcomes.clone();
        tasks.spawn(async move {
            let name = instance.instance.clone();
            serve_instance(context, outcomes, instance, page).await;
            name
        });
    }
    Ok(())
}

async fn prune(state: &AppState) {
    let before = now_millis() - millis(state.config.delivery_record_retention);
    match state.db.prune_deliveries(before).await {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "pruned old delivery records"),
        Err(err) => tracing::warn!(error = %err, "could not prune delivery records"),
    }
}

pub(super) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
