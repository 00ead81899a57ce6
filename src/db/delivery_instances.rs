//! SQL for each remote instance's place in the delivery queue: claiming an instance (with a
//! lease, `FOR NO KEY UPDATE SKIP LOCKED` on PostgreSQL) so that one worker at a time sends to
//! it, in order; recording outcomes in batches; and the per-instance status operators read.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{any::AnyRow, AnyConnection, Connection, Row};

use super::{
    now_millis,
    sql_lists::{bind_each, placeholders},
    Backend, Db,
};

/// An instance a worker now holds, with its consecutive failures so far.
#[derive(Clone, Debug)]
pub struct ClaimedInstance {
    pub instance: String,
    pub failures: i64,
}

/// What operators see of one instance.
#[derive(Clone, Debug)]
pub struct InstanceStatus {
    pub instance: String,
    /// Pending deliveries.
    pub backlog: i64,
    pub failures: i64,
    pub next_attempt_at: i64,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub last_status: Option<String>,
    pub unavailable_since: Option<i64>,
    pub claimed_by: Option<String>,
}

/// A delivery that ended: delivered, refused or given up.
#[derive(Clone, Debug)]
pub struct FinishedDelivery {
    pub id: i64,
    pub state: i64,
    pub status: String,
}

/// How an instance's turn went.
#[derive(Clone, Debug)]
pub enum InstanceUpdate {
    /// A delivery succeeded: the instance is healthy.
    Succeeded { instance: String, status: String },
    /// A try failed for now: back off until `next_attempt_at`.
    Failed {
        instance: String,
        failures: i64,
        next_attempt_at: i64,
        status: String,
        unavailable: bool,
    },
    /// The worker is done with the instance for now.
    Released { instance: String },
}

/// Outcomes to record in one transaction (group commit).
#[derive(Clone, Debug, Default)]
pub struct OutcomeBatch {
    pub finished: Vec<FinishedDelivery>,
    /// Deliveries tried and failed for now: (id, status).
    pub retried: Vec<(i64, String)>,
    /// Remote actors whose inbox answered 410 Gone: their follows end.
    pub gone_actors: Vec<i64>,
    pub instances: Vec<InstanceUpdate>,
}

const CHUNK: usize = 300;

/// `next_attempt_at` of an instance with nothing to send. Enqueueing sets it back to 0.
pub const IDLE: i64 = i64::MAX;

/// An instance's health after a batch: the last of its successes and failures wins.
enum Health {
    Succeeded(String),
    Failed {
        failures: i64,
        next_attempt_at: i64,
        status: String,
        unavailable: bool,
    },
}

#[derive(Default)]
struct InstanceEffect {
    health: Option<Health>,
    released: bool,
}

fn fold_instance_updates(updates: &[InstanceUpdate]) -> BTreeMap<String, InstanceEffect> {
    let mut effects: BTreeMap<String, InstanceEffect> = BTreeMap::new();
    for update in updates {
        match update {
            InstanceUpdate::Succeeded { instance, status } => {
                effects.entry(instance.clone()).or_default().health =
                    Some(Health::Succeeded(status.clone()));
            }
            InstanceUpdate::Failed {
                instance,
                failures,
                next_attempt_at,
                status,
                unavailable,
            } => {
                effects.entry(instance.clone()).or_default().health = Some(Health::Failed {
                    failures: *failures,
                    next_attempt_at: *next_attempt_at,
                    status: status.clone(),
                    unavailable: *unavailable,
                });
            }
            InstanceUpdate::Released { instance } => {
                effects.entry(instance.clone()).or_default().released = true;
            }
        }
    }
    effects
}

fn status_from_row(row: &AnyRow) -> Result<InstanceStatus, sqlx::Error> {
    Ok(InstanceStatus {
        instance: row.try_get("instance")?,
        backlog: row.try_get("backlog")?,
        failures: row.try_get("failures")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_success_at: row.try_get("last_success_at")?,
        last_failure_at: row.try_get("last_failure_at")?,
        last_status: row.try_get("last_status")?,
        unavailable_since: row.try_get("unavailable_since")?,
        claimed_by: row.try_get("claimed_by")?,
    })
}

impl Db {
    /// Claims up to `limit` instances that have pending deliveries, are due, and are not held by
    /// another worker, until `lease_until` (Unix ms).
    pub async fn claim_instances(
        &self,
        worker: &str,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedInstance>, sqlx::Error> {
        // PostgreSQL: rows another process is claiming right now are skipped, not waited for.
        // `NO KEY UPDATE`, not `UPDATE`: the `KEY SHARE` locks of transactions queueing
        // deliveries to the instance (`deliveries::wake_instances_postgres`) do not make a
        // claim skip it, so a busy instance is sent to during a burst.
        // SQLite: one writer at a time makes the UPDATE atomic by itself.
        let lock = match self.backend {
            Backend::Postgres => "FOR NO KEY UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // Whether a due instance has work is one probe of `deliveries_pending` for it (a scalar
        // subquery with LIMIT 1). Written as `EXISTS`, PostgreSQL's generic plan read and sorted
        // every pending delivery of the queue (a semi-join) on each claim: during a burst to one
        // Group's followers, 20,000 rows and ≈ 1.5 ms of the server a claim, on every bell.
        let sql = format!(
            "UPDATE delivery_instances SET claimed_by = $1, claimed_until = $2 \
             WHERE claimed_until <= $3 AND instance IN ( \
                 SELECT q.instance FROM delivery_instances q \
                 WHERE q.next_attempt_at <= $3 AND q.claimed_until <= $3 \
                 AND (SELECT d.id FROM deliveries d \
                      WHERE d.instance = q.instance AND d.state = 0 LIMIT 1) IS NOT NULL \
                 ORDER BY q.next_attempt_at, q.instance LIMIT $4 {lock}) \
             RETURNING instance, failures"
        );
        let worker = worker.to_string();
        let rows = self
            .write_in_turn(move |conn| {
                Box::pin(async move {
                    sqlx::query(&sql)
                        .bind(worker)
                        .bind(lease_until)
                        .bind(now_millis())
                        .bind(limit)
                        .fetch_all(conn)
                        .await
                })
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ClaimedInstance {
                    instance: row.try_get("instance")?,
                    failures: row.try_get("failures")?,
                })
            })
            .collect()
    }

    /// Extends the leases of every instance `worker` holds.
    pub async fn renew_instance_claims(
        &self,
        worker: &str,
        lease_until: i64,
    ) -> Result<u64, sqlx::Error> {
        let worker = worker.to_string();
        self.write_in_turn(move |conn| {
            Box::pin(async move {
                let result = sqlx::query(
                    "UPDATE delivery_instances SET claimed_until = $1 WHERE claimed_by = $2",
                )
                .bind(lease_until)
                .bind(worker)
                .execute(conn)
                .await?;
                Ok(result.rows_affected())
            })
        })
        .await
    }

    /// Releases every claim `worker` holds (at shutdown), or every claim of anyone when `worker`
    /// is `None` (at start on SQLite, where one process owns the queue).
    pub async fn release_instance_claims(&self, worker: Option<&str>) -> Result<u64, sqlx::Error> {
        let worker = worker.map(str::to_string);
        self.write_in_turn(move |conn| {
            Box::pin(async move {
                let result =
                    match worker {
                        Some(worker) => sqlx::query(
                            "UPDATE delivery_instances SET claimed_until = 0, claimed_by = NULL \
                             WHERE claimed_by = $1",
                        )
                        .bind(worker)
                        .execute(conn)
                        .await?,
                        None => sqlx::query(
                            "UPDATE delivery_instances SET claimed_until = 0, claimed_by = NULL \
                             WHERE claimed_by IS NOT NULL",
                        )
                        .execute(conn)
                        .await?,
                    };
                Ok(result.rows_affected())
            })
        })
        .await
    }

    /// Records a batch of outcomes by `worker` in one transaction.
    pub async fn record_delivery_outcomes(
        &self,
        worker: &str,
        batch: &OutcomeBatch,
    ) -> Result<(), sqlx::Error> {
        let (worker, batch, backend) = (worker.to_string(), batch.clone(), self.backend);
        self.write_in_turn(move |conn| {
            Box::pin(async move { record_outcomes_in(conn, backend, &worker, &batch).await })
        })
        .await
    }
}

/// [`Db::record_delivery_outcomes`] on one connection: on PostgreSQL in a transaction of its
/// own; on SQLite in the writer's transaction, inside the savepoint the writer opens around each
/// of its writes (the writer's transaction is its own statements, which sqlx does not know of:
/// a transaction begun through sqlx there would be a second `BEGIN`).
async fn record_outcomes_in(
    conn: &mut AnyConnection,
    backend: Backend,
    worker: &str,
    batch: &OutcomeBatch,
) -> Result<(), sqlx::Error> {
    match backend {
        Backend::Postgres => {
            let mut tx = conn.begin().await?;
            record_outcomes_on(&mut tx, backend, worker, batch).await?;
            tx.commit().await
        }
        Backend::Sqlite => record_outcomes_on(conn, backend, worker, batch).await,
    }
}

/// What [`record_outcomes_in`] writes, in the transaction (or savepoint) open on `tx`.
async fn record_outcomes_on(
    tx: &mut AnyConnection,
    backend: Backend,
    worker: &str,
    batch: &OutcomeBatch,
) -> Result<(), sqlx::Error> {
    let now = now_millis();
    let effects = fold_instance_updates(&batch.instances);
    // Instances whose row a transaction queueing deliveries holds right now (PostgreSQL):
    // released below, never to idle, as deliveries are being queued for them.
    let mut busy: BTreeSet<&str> = BTreeSet::new();
    if backend == Backend::Postgres && !effects.is_empty() {
        // Lock the instances first, skipping those enqueuers hold (`KEY SHARE`). A release to
        // idle then sees every delivery queued before it (their enqueuers have committed),
        // and an enqueuer that comes after waits for this commit and wakes the idle instance.
        // Waiting for enqueuers instead could deadlock: one transaction may queue deliveries
        // for several instances in several statements (the writer's batch), locking them out
        // of name order, while this one waits on one of them holding the others.
        busy = effects.keys().map(String::as_str).collect();
        let names: Vec<&String> = effects.keys().collect();
        for chunk in names.chunks(CHUNK) {
            let sql = format!(
                "SELECT instance FROM delivery_instances WHERE instance IN ({}) \
                     ORDER BY instance FOR UPDATE SKIP LOCKED",
                placeholders(1, chunk.len())
            );
            let query = bind_each(sqlx::query(&sql), chunk.iter().map(|name| name.as_str()));
            for row in query.fetch_all(&mut *tx).await? {
                busy.remove(row.try_get::<String, _>("instance")?.as_str());
            }
        }
    }
    // Finished deliveries, grouped by (state, status) so that a fan-out is a few statements.
    let mut groups: BTreeMap<(i64, &str), Vec<i64>> = BTreeMap::new();
    for done in &batch.finished {
        groups
            .entry((done.state, done.status.as_str()))
            .or_default()
            .push(done.id);
    }
    for ((state, status), ids) in groups {
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "UPDATE deliveries SET state = $1, last_status = $2, finished_at = $3, \
                     attempts = attempts + 1 WHERE id IN ({})",
                placeholders(4, chunk.len())
            );
            let query = bind_each(
                sqlx::query(&sql).bind(state).bind(status).bind(now),
                chunk.iter().copied(),
            );
            query.execute(&mut *tx).await?;
        }
    }
    for (id, status) in &batch.retried {
        sqlx::query(
            "UPDATE deliveries SET attempts = attempts + 1, last_status = $1 WHERE id = $2",
        )
        .bind(status)
        .bind(*id)
        .execute(&mut *tx)
        .await?;
    }
    for chunk in batch.gone_actors.chunks(CHUNK) {
        let sql = format!(
            "DELETE FROM follows WHERE remote_actor_id IN ({})",
            placeholders(1, chunk.len())
        );
        let query = bind_each(sqlx::query(&sql), chunk.iter().copied());
        query.execute(&mut *tx).await?;
    }
    let mut succeeded: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut released = Vec::new();
    let mut released_busy = Vec::new();
    for (instance, effect) in &effects {
        match &effect.health {
            Some(Health::Succeeded(status)) => succeeded.entry(status).or_default().push(instance),
            Some(Health::Failed {
                failures,
                next_attempt_at,
                status,
                unavailable,
            }) => {
                sqlx::query(
                    "UPDATE delivery_instances SET failures = $1, next_attempt_at = $2, \
                         last_failure_at = $3, last_status = $4, \
                         unavailable_since = CASE WHEN $5 = 1 \
                             THEN COALESCE(unavailable_since, $3) ELSE NULL END \
                         WHERE instance = $6",
                )
                .bind(*failures)
                .bind(*next_attempt_at)
                .bind(now)
                .bind(status.as_str())
                .bind(i64::from(*unavailable))
                .bind(instance.as_str())
                .execute(&mut *tx)
                .await?;
            }
            None => {}
        }
        if effect.released && busy.contains(instance.as_str()) {
            released_busy.push(instance.as_str());
        } else if effect.released {
            released.push(instance.as_str());
        }
    }
    for (status, instances) in succeeded {
        for chunk in instances.chunks(CHUNK) {
            let sql = format!(
                "UPDATE delivery_instances SET failures = 0, next_attempt_at = 0, \
                     last_success_at = $1, last_status = $2, unavailable_since = NULL \
                     WHERE instance IN ({})",
                placeholders(3, chunk.len())
            );
            let query = bind_each(
                sqlx::query(&sql).bind(now).bind(status),
                chunk.iter().copied(),
            );
            query.execute(&mut *tx).await?;
        }
    }
    for chunk in released.chunks(CHUNK) {
        // An instance left with nothing to send goes idle: the claim query skips it until
        // enqueueing wakes it.
        let sql = format!(
            "UPDATE delivery_instances SET claimed_until = 0, claimed_by = NULL, \
                 next_attempt_at = CASE WHEN next_attempt_at = 0 AND NOT EXISTS ( \
                     SELECT 1 FROM deliveries d \
                     WHERE d.instance = delivery_instances.instance AND d.state = 0) \
                     THEN {IDLE} ELSE next_attempt_at END \
                 WHERE claimed_by = $1 AND instance IN ({})",
            placeholders(2, chunk.len())
        );
        let query = bind_each(sqlx::query(&sql).bind(worker), chunk.iter().copied());
        query.execute(&mut *tx).await?;
    }
    for chunk in released_busy.chunks(CHUNK) {
        // Deliveries are being queued: the instance stays due, and is claimed again for them
        // (were they rolled back, it would stay due with nothing to send, which claims skip).
        let sql = format!(
            "UPDATE delivery_instances SET claimed_until = 0, claimed_by = NULL \
                 WHERE claimed_by = $1 AND instance IN ({})",
            placeholders(2, chunk.len())
        );
        let query = bind_each(sqlx::query(&sql).bind(worker), chunk.iter().copied());
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

impl Db {
    /// Every instance Rounds has delivered to or has queued for, most backlog first.
    pub async fn delivery_instance_statuses(&self) -> Result<Vec<InstanceStatus>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT q.instance, q.failures, q.next_attempt_at, q.last_success_at, \
             q.last_failure_at, q.last_status, q.unavailable_since, q.claimed_by, \
             (SELECT COUNT(*) FROM deliveries d WHERE d.instance = q.instance AND d.state = 0) \
                 AS backlog \
             FROM delivery_instances q ORDER BY backlog DESC, q.instance",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(status_from_row).collect()
    }

    /// Makes a backed-off instance due now (an operator's retry); false if it has nothing to
    /// send or is unknown.
    pub async fn make_instance_due(&self, instance: &str) -> Result<bool, sqlx::Error> {
        let sql = format!(
            "UPDATE delivery_instances SET next_attempt_at = 0 \
             WHERE instance = $1 AND next_attempt_at <> {IDLE}"
        );
        let result = sqlx::query(&sql).bind(instance).execute(&self.pool).await?;
        Ok(result.rows_affected() > 0)
    }

    /// Makes an unavailable instance due now; false if it is not unavailable (or unknown).
    pub async fn revive_unavailable_instance(&self, instance: &str) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "UPDATE delivery_instances SET next_attempt_at = 0 \
             WHERE instance = $1 AND unavailable_since IS NOT NULL AND next_attempt_at > $2",
        )
        .bind(instance)
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }

    /// The instances marked unavailable.
    pub async fn unavailable_instances(&self) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT instance FROM delivery_instances WHERE unavailable_since IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
    }

    /// Instances whose retry schedule ran out and that have not answered since.
    pub async fn count_unavailable_instances(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM delivery_instances WHERE unavailable_since IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await
    }
}
