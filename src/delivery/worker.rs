//! The delivery worker of one process: a dispatcher claims instances that have due deliveries
//! and starts one task per instance; each task sends that instance's backlog in order (with at
//! most `delivery_instance_concurrency` requests in flight), so a slow or dead instance holds up
//! only itself. Outcomes go to the [`recorder`](super::recorder), which writes them in batches.
//!
//! Several processes on one PostgreSQL database share the queue: an instance is claimed with a
//! lease (`FOR UPDATE SKIP LOCKED`), renewed while its task runs; a process that dies loses its
//! leases and another takes over when they run out. On SQLite one process owns the queue (a lock
//! file beside the database says which) and clears stale claims at start.
//!
//! Shutdown: the dispatcher stops claiming, each task finishes the request it has in flight and
//! releases its instance; whatever is still running after the grace period is dropped (those
//! deliveries are still pending and are sent again later: at least once, never lost).

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use futures::StreamExt;
use reqwest::redirect::Policy;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::{
    metrics::ResultKind,
    recorder::{self, Outcome, OutcomeSender},
    retry,
    send::{post_activity, SendResult},
    signing::{body_digest, KeyCache, SigningKey},
};
use crate::{
    db::{
        deliveries::{Delivery, DELIVERED, GIVEN_UP, REFUSED},
        delivery_instances::{ClaimedInstance, FinishedDelivery, InstanceUpdate},
        now_millis,
    },
    error::{Error, Result},
    state::AppState,
};

/// Deliveries of one instance read at a time.
const PAGE: i64 = 64;
/// How often to look for due work when nothing rings the bell (retries, other processes).
const POLL: Duration = Duration::from_secs(1);
/// Timeout of each delivery request, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
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
        let client = delivery_client(&state)?;
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

struct WorkerContext {
    state: AppState,
    worker_id: String,
    client: reqwest::Client,
    keys: KeyCache,
    payloads: PayloadCache,
    cancel: CancellationToken,
    lease: Duration,
    per_instance: usize,
    /// On SQLite, the lock that makes this process the queue's only worker; released when the
    /// worker stops (or the process dies).
    _queue_lock: Option<std::fs::File>,
}

/// Bodies of activities being delivered, by outbound row id, for a short while: what people
/// wrote is not kept in memory longer than a fan-out needs it. Bounded in size too: cleared whole
/// when it holds [`PayloadCache::CAPACITY`] activities (a miss only costs one read).
#[derive(Default)]
struct PayloadCache {
    bodies: std::sync::Mutex<HashMap<i64, CachedBody>>,
}

type CachedBody = (Bytes, Arc<str>, Instant);

impl PayloadCache {
    const CAPACITY: usize = 1024;
    const KEEP: Duration = Duration::from_secs(60);

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, CachedBody>> {
        self.bodies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, activity: i64) -> Option<(Bytes, Arc<str>)> {
        let mut bodies = self.lock();
        match bodies.get(&activity) {
            Some((body, digest, at)) if at.elapsed() < Self::KEEP => {
                Some((body.clone(), digest.clone()))
            }
            Some(_) => {
                bodies.remove(&activity);
                None
            }
            None => None,
        }
    }

    fn put(&self, activity: i64, body: Bytes, digest: Arc<str>) {
        let mut bodies = self.lock();
        if bodies.len() >= Self::CAPACITY {
            bodies.clear();
        }
        bodies.insert(activity, (body, digest, Instant::now()));
    }
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

/// The HTTP client of deliveries: connections pooled and reused, no redirects, bounded time,
/// and (outside insecure mode) no loopback or private addresses.
fn delivery_client(state: &AppState) -> Result<reqwest::Client> {
    let insecure = state.config.insecure_federation;
    reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(8)
        .user_agent(format!(
            "Rounds/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            state.config.base_url()
        ))
        .dns_resolver(
            activitypub_federation::resolver::ValidatingDnsResolver::new(Vec::new(), !insecure),
        )
        .build()
        .map_err(|err| Error::Internal(format!("delivery http client: {err}")))
}

async fn dispatch(context: Arc<WorkerContext>, outcomes: OutcomeSender) {
    let bell = context.state.delivery_bell.clone();
    let mut tasks = JoinSet::new();
    let mut active = HashSet::new();
    let mut last_prune = Instant::now();
    let mut renewals = tokio::time::interval(context.lease / 3);
    // Whether to look for work whatever the free slots (at start, on the bell, on each poll).
    let mut look = true;
    loop {
        if context.cancel.is_cancelled() {
            break;
        }
        let max = context.state.config.delivery_max_instances;
        let free = max.saturating_sub(tasks.len());
        // After tasks end, claim again only once a good share of the slots is free: each claim
        // is a write, and on SQLite writes queue behind the recorder's.
        let worth_claiming = look || free >= (max / 8).max(1) || tasks.is_empty();
        if free > 0 && worth_claiming {
            look = false;
            if let Err(err) =
                claim_and_start(&context, &outcomes, free, &mut tasks, &mut active).await
            {
                tracing::error!(error = %err, "delivery worker could not read the queue");
            }
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
    for instance in claimed {
        // Our own claim cannot be taken while a task holds it (leases are renewed), but never
        // run two tasks for one instance.
        if !active.insert(instance.instance.clone()) {
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

/// Sends one instance's backlog in order until it is empty, the instance fails, or shutdown.
async fn serve_instance(
    context: Arc<WorkerContext>,
    outcomes: OutcomeSender,
    claimed: ClaimedInstance,
    mut page: Vec<Delivery>,
) {
    let instance = claimed.instance;
    let mut failures = claimed.failures;
    let mut cursor = 0;
    let mut answered: Option<String> = None;
    'pages: loop {
        if page.is_empty() {
            break;
        }
        // A short page was the whole backlog. Anything queued since is found after the release
        // (which leaves an instance with pending rows due, and rings the bell).
        let last_page = page.len() < usize::try_from(PAGE).unwrap_or(usize::MAX);
        cursor = page.last().map_or(cursor, |d| d.id);
        let mut results = futures::stream::iter(page)
            .map(|delivery| {
                let context = context.clone();
                async move {
                    let result = deliver(&context, &delivery).await;
                    (delivery, result)
                }
            })
            .buffered(context.per_instance);
        while let Some((delivery, result)) = results.next().await {
            match record(&outcomes, &delivery, result) {
                Step::Answered(status) => answered = Some(status),
                Step::Next => {}
                Step::Retry {
                    status,
                    retry_after,
                } => {
                    failures += 1;
                    let (wait, unavailable) = retry::next_try(
                        failures,
                        context.state.config.delivery_first_retry,
                        retry_after,
                    );
                    if unavailable {
                        tracing::warn!(%instance, failures, "instance unavailable; will try it rarely");
                    } else {
                        tracing::info!(%instance, failures, %status, retry_in_secs = wait.as_secs(), "delivery failed, instance backs off");
                    }
                    let _ = outcomes.send(Outcome::Instance(InstanceUpdate::Failed {
                        instance: instance.clone(),
                        failures,
                        next_attempt_at: now_millis() + millis(wait),
                        status,
                        unavailable,
                    }));
                    // An answer earlier in this run does not undo the failure recorded above.
                    answered = None;
                    break 'pages;
                }
            }
            if context.cancel.is_cancelled() {
                break 'pages;
            }
        }
        drop(results);
        if last_page {
            break;
        }
        page = match context
            .state
            .db
            .pending_deliveries_after(&instance, cursor, PAGE)
            .await
        {
            Ok(page) => page,
            Err(err) => {
                tracing::error!(%instance, error = %err, "could not read an instance's backlog");
                break;
            }
        };
    }
    if let Some(status) = answered {
        let _ = outcomes.send(Outcome::Instance(InstanceUpdate::Succeeded {
            instance: instance.clone(),
            status,
        }));
    }
    let _ = outcomes.send(Outcome::Instance(InstanceUpdate::Released { instance }));
}

/// What a try means for the instance's run.
enum Step {
    /// The instance answered (2xx, or a final refusal): go on.
    Answered(String),
    /// Nothing learnt about the instance (the delivery could not be sent): go on.
    Next,
    /// The instance failed: stop and back off.
    Retry {
        status: String,
        retry_after: Option<Duration>,
    },
}

/// Sends the outcome of one try to the recorder; says what it means for the instance.
fn record(outcomes: &OutcomeSender, delivery: &Delivery, result: SendResult) -> Step {
    let finished = |state, status: String| {
        Outcome::Finished(FinishedDelivery {
            id: delivery.id,
            state,
            status,
        })
    };
    match result {
        SendResult::Delivered(code) => {
            let status = format!("HTTP {code}");
            let _ = outcomes.send(finished(DELIVERED, status.clone()));
            Step::Answered(status)
        }
        SendResult::Refused(code) => {
            tracing::info!(activity = %delivery.activity_ap_id, inbox = %delivery.inbox, code, "delivery refused for good");
            let status = format!("HTTP {code}");
            let _ = outcomes.send(finished(REFUSED, status.clone()));
            Step::Answered(status)
        }
        SendResult::Gone => {
            let status = "HTTP 410".to_string();
            let _ = outcomes.send(finished(REFUSED, status.clone()));
            if let Some(remote_actor_id) = delivery.recipient_actor_id {
                tracing::info!(inbox = %delivery.inbox, "recipient is gone; removing its follows");
                let _ = outcomes.send(Outcome::Gone { remote_actor_id });
            }
            Step::Answered(status)
        }
        SendResult::Undeliverable(reason) => {
            tracing::warn!(activity = %delivery.activity_ap_id, inbox = %delivery.inbox, %reason, "undeliverable");
            let _ = outcomes.send(finished(GIVEN_UP, reason));
            Step::Next
        }
        SendResult::Retry {
            status,
            retry_after,
        } => {
            let _ = outcomes.send(Outcome::Retried {
                id: delivery.id,
                status: status.clone(),
            });
            Step::Retry {
                status,
                retry_after,
            }
        }
    }
}

/// Signs and sends one delivery, counting it in the metrics.
async fn deliver(context: &WorkerContext, delivery: &Delivery) -> SendResult {
    let started = Instant::now();
    let result = try_deliver(context, delivery).await;
    let kind = match &result {
        SendResult::Delivered(_) => ResultKind::Delivered,
        SendResult::Refused(_) => ResultKind::Refused,
        SendResult::Gone => ResultKind::Gone,
        SendResult::Retry { .. } => ResultKind::Retry,
        SendResult::Undeliverable(_) => ResultKind::Undeliverable,
    };
    context
        .state
        .delivery_metrics
        .observe(kind, started.elapsed());
    result
}

async fn try_deliver(context: &WorkerContext, delivery: &Delivery) -> SendResult {
    let (body, digest) = match payload(context, delivery.activity).await {
        Ok(Some(body)) => body,
        Ok(None) => return SendResult::Undeliverable("activity no longer stored".into()),
        Err(err) => {
            tracing::error!(error = %err, "could not read an outbound activity");
            return SendResult::Retry {
                status: "activity could not be read".into(),
                retry_after: None,
            };
        }
    };
    let Ok(inbox) = Url::parse(&delivery.inbox) else {
        return SendResult::Undeliverable("inbox URL is unreadable".into());
    };
    let scheme_ok = inbox.scheme() == "https"
        || (inbox.scheme() == "http" && context.state.config.insecure_federation);
    if !scheme_ok {
        return SendResult::Undeliverable("inbox URL scheme refused".into());
    }
    let key = match signing_key(context, delivery.signer_id).await {
        Ok(key) => key,
        Err(result) => return result,
    };
    post_activity(&context.client, &key, &inbox, body, &digest).await
}

/// An activity's body and its `Digest` header value, read and hashed once for all its deliveries
/// (a fan-out to a thousand instances reads one row, not a thousand).
async fn payload(
    context: &WorkerContext,
    activity: i64,
) -> Result<Option<(Bytes, Arc<str>)>, sqlx::Error> {
    if let Some(found) = context.payloads.get(activity) {
        return Ok(Some(found));
    }
    let Some(json) = context.state.db.outbound_payload(activity).await? else {
        return Ok(None);
    };
    let body = Bytes::from(json);
    let digest: Arc<str> = body_digest(&body).into();
    context.payloads.put(activity, body.clone(), digest.clone());
    Ok(Some((body, digest)))
}

/// The parsed key of a local actor, from the cache or the database; or why it cannot be had.
async fn signing_key(
    context: &WorkerContext,
    signer_id: i64,
) -> Result<Arc<SigningKey>, SendResult> {
    if let Some(key) = context.keys.get(signer_id) {
        return Ok(key);
    }
    let signer = match context.state.db.local_actor_by_id(signer_id).await {
        Ok(Some(signer)) => signer,
        Ok(None) => return Err(SendResult::Undeliverable("signer no longer exists".into())),
        Err(err) => {
            tracing::error!(error = %err, "could not read a signing actor");
            return Err(SendResult::Retry {
                status: "signer could not be read".into(),
                retry_after: None,
            });
        }
    };
    let key_id = format!("{}#main-key", context.state.actor_url(&signer));
    context
        .keys
        .get_or_parse(signer_id, || {
            SigningKey::from_pem(key_id, &signer.private_key_pem)
        })
        .map_err(|err| SendResult::Undeliverable(err.to_string()))
}

async fn prune(state: &AppState) {
    let before = now_millis() - millis(state.config.delivery_record_retention);
    match state.db.prune_deliveries(before).await {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "pruned old delivery records"),
        Err(err) => tracing::warn!(error = %err, "could not prune delivery records"),
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
