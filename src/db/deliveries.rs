//! SQL for the durable delivery queue: activities to send (stored once), one delivery row per
//! inbox they go to, and those rows kept after the fact as the record of where each activity
//! reached. Per-instance progress (claims, backoff, health) is in [`super::delivery_instances`].

use std::collections::BTreeSet;

use serde::Serialize;
use sqlx::{any::AnyRow, AnyConnection, Row};

use super::{
    delivery_instances::IDLE,
    now_millis,
    sql_lists::{bind_each, json_list, json_rows, placeholders, value_rows},
    Backend, Db,
};

/// `deliveries.state`: waiting to be sent (or retried).
pub const PENDING: i64 = 0;
/// The receiver answered 2xx.
pub const DELIVERED: i64 = 1;
/// The receiver refused it for good (a 4xx other than 408 and 429).
pub const REFUSED: i64 = 2;
/// We gave up on it: the row cannot be sent (its signer is gone, its inbox is unusable).
pub const GIVEN_UP: i64 = 3;
/// Withdrawn before it was sent: what it carried was deleted (a post deleted while its `Create`
/// still waited for a peer). Never sent.
pub const WITHDRAWN: i64 = 4;

/// Rows per multi-row INSERT: well under both databases' limits on bound values.
const INSERT_CHUNK: usize = 200;

/// An outbound activity as one row of the JSON that PostgreSQL's multi-row insert reads.
#[derive(Serialize)]
struct ActivityRow<'a> {
    ap_id: &'a str,
    signer_id: i64,
    payload: Option<&'a str>,
    relayed_post_id: Option<i64>,
}

impl<'a> ActivityRow<'a> {
    const TYPES: &'static str =
        "ap_id text, signer_id bigint, payload text, relayed_post_id bigint";

    fn of((ap_id, signer_id, body): &(&'a str, i64, OutboundBody<'a>)) -> ActivityRow<'a> {
        let (payload, relayed_post_id) = match *body {
            OutboundBody::Json(json) => (Some(json), None),
            OutboundBody::RelayOf(post) => (None, Some(post)),
        };
        ActivityRow {
            ap_id,
            signer_id: *signer_id,
            payload,
            relayed_post_id,
        }
    }
}

/// A delivery as one row of the JSON that PostgreSQL's multi-row insert reads.
#[derive(Serialize)]
struct DeliveryRow<'a> {
    activity_id: i64,
    instance: &'a str,
    inbox: &'a str,
    recipient_actor_id: Option<i64>,
}

impl<'a> DeliveryRow<'a> {
    const TYPES: &'static str =
        "activity_id bigint, instance text, inbox text, recipient_actor_id bigint";

    fn of((activity_id, target): &(i64, &'a DeliveryTarget)) -> DeliveryRow<'a> {
        DeliveryRow {
            activity_id: *activity_id,
            instance: &target.instance,
            inbox: &target.inbox,
            recipient_actor_id: target.recipient_actor_id,
        }
    }
}

/// What an activity to queue carries.
#[derive(Clone, Copy, Debug)]
pub enum OutboundBody<'a> {
    /// The JSON as it is sent.
    Json(&'a str),
    /// The Group's `Announce` of the `Create` that brought this post from another server,
    /// rendered from the post when it is sent (`service::relayed_posts`): nothing copied into the
    /// queue, and nothing sent if the post is deleted, removed or held before then.
    RelayOf(i64),
}

/// What a queued activity carries when it is read to be sent.
#[derive(Clone, PartialEq, Eq)]
pub enum StoredBody {
    Json(String),
    /// See [`OutboundBody::RelayOf`].
    RelayOf(i64),
}

impl std::fmt::Debug for StoredBody {
    /// Leaves the JSON out: activities carry what people wrote.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoredBody::Json(json) => write!(f, "Json({} bytes)", json.len()),
            StoredBody::RelayOf(post) => write!(f, "RelayOf({post})"),
        }
    }
}

/// Where one copy of an activity goes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DeliveryTarget {
    /// `host:port` of the inbox, the unit of queueing.
    pub instance: String,
    pub inbox: String,
    /// The remote actor whose own inbox this is; `None` for a shared inbox.
    pub recipient_actor_id: Option<i64>,
}

/// A remote actor as addressing sees it: where its own and its instance's inboxes are.
#[derive(Clone, Debug)]
pub struct RecipientInboxes {
    pub remote_actor_id: i64,
    pub instance: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
}

/// A pending delivery with what is needed to send it.
#[derive(Clone)]
pub struct Delivery {
    pub id: i64,
    pub instance: String,
    pub inbox: String,
    pub recipient_actor_id: Option<i64>,
    pub attempts: i64,
    /// The row of the activity in `outbound_activities` (its payload is read once, apart).
    pub activity: i64,
    pub activity_ap_id: String,
    pub signer_id: i64,
}

impl std::fmt::Debug for Delivery {
    /// Leaves the payload out: activities carry what people wrote.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("id", &self.id)
            .field("activity", &self.activity_ap_id)
            .field("inbox", &self.inbox)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// Where one copy of an activity went, for operators and moderators.
#[derive(Clone, Debug)]
pub struct DeliveryRecord {
    pub instance: String,
    pub inbox: String,
    pub state: i64,
    pub attempts: i64,
    pub last_status: Option<String>,
    pub finished_at: Option<i64>,
}

const DELIVERY_COLUMNS: &str = "d.id, d.instance, d.inbox, d.recipient_actor_id, d.attempts, \
                                d.activity_id, a.ap_id, a.signer_id";

fn delivery_from_row(row: &AnyRow) -> Result<Delivery, sqlx::Error> {
    Ok(Delivery {
        id: row.try_get("id")?,
        instance: row.try_get("instance")?,
        inbox: row.try_get("inbox")?,
        recipient_actor_id: row.try_get("recipient_actor_id")?,
        attempts: row.try_get("attempts")?,
        activity: row.try_get("activity_id")?,
        activity_ap_id: row.try_get("ap_id")?,
        signer_id: row.try_get("signer_id")?,
    })
}

fn recipient_from_row(row: &AnyRow) -> Result<RecipientInboxes, sqlx::Error> {
    Ok(RecipientInboxes {
        remote_actor_id: row.try_get("id")?,
        instance: row.try_get("instance")?,
        inbox: row.try_get("inbox")?,
        shared_inbox: row.try_get("shared_inbox")?,
    })
}

impl Db {
    /// Stores activities to send at once (a group commit's), in the caller's transaction:
    /// (ap_id, signer, body) each. Returns each one's row id, in order.
    pub async fn insert_outbound_activities(
        conn: &mut AnyConnection,
        activities: &[(&str, i64, OutboundBody<'_>)],
    ) -> Result<Vec<i64>, sqlx::Error> {
        let mut ids = Vec::with_capacity(activities.len());
        let now = now_millis();
        let postgres = Backend::of(conn) == Backend::Postgres;
        // On PostgreSQL one statement for any number of rows (`sql_lists::json_rows`).
        let chunk_size = if postgres {
            activities.len()
        } else {
            INSERT_CHUNK
        };
        for chunk in activities.chunks(chunk_size.max(1)) {
            let rows: Vec<ActivityRow> = chunk.iter().map(ActivityRow::of).collect();
            let returned_rows = if postgres {
                sqlx::query(&format!(
                    "INSERT INTO outbound_activities \
                     (ap_id, signer_id, payload, relayed_post_id, created_at) \
                     SELECT ap_id, signer_id, payload, relayed_post_id, $2 FROM {} \
                     RETURNING id, ap_id",
                    json_rows(1, ActivityRow::TYPES)
                ))
                .bind(json_list(&rows)?)
                .bind(now)
                .fetch_all(&mut *conn)
                .await?
            } else {
                let sql = format!(
                    "INSERT INTO outbound_activities \
                     (ap_id, signer_id, payload, relayed_post_id, created_at) \
                     VALUES {} RETURNING id, ap_id",
                    value_rows(conn, chunk.len(), 5)
                );
                let mut query = sqlx::query(&sql);
                for row in &rows {
                    query = query
                        .bind(row.ap_id)
                        .bind(row.signer_id)
                        .bind(row.payload)
                        .bind(row.relayed_post_id)
                        .bind(now);
                }
                query.fetch_all(&mut *conn).await?
            };
            // RETURNING promises no order: matched by ap_id (unique among activities queued
            // together: each is a new id).
            let mut returned = std::collections::HashMap::new();
            for row in returned_rows {
                returned.insert(
                    row.try_get::<String, _>("ap_id")?,
                    row.try_get::<i64, _>("id")?,
                );
            }
            for (ap_id, _, _) in chunk {
                ids.push(returned.remove(*ap_id).ok_or_else(|| {
                    sqlx::Error::Protocol("an outbound activity was not stored".into())
                })?);
            }
        }
        Ok(ids)
    }

    /// Queues `activity` for each target, in the caller's transaction, and makes sure each
    /// target's instance has its place in the queue.
    pub async fn insert_deliveries(
        conn: &mut AnyConnection,
        activity: i64,
        targets: &[DeliveryTarget],
    ) -> Result<(), sqlx::Error> {
        Db::insert_deliveries_of(conn, &[(activity, targets)]).await
    }

    /// As [`Db::insert_deliveries`], for several activities at once.
    pub async fn insert_deliveries_of(
        conn: &mut AnyConnection,
        queued: &[(i64, &[DeliveryTarget])],
    ) -> Result<(), sqlx::Error> {
        let now = now_millis();
        let rows: Vec<(i64, &DeliveryTarget)> = queued
            .iter()
            .flat_map(|(activity, targets)| targets.iter().map(move |target| (*activity, target)))
            .collect();
        if Backend::of(conn) == Backend::Postgres {
            if !rows.is_empty() {
                // One statement for any number of rows (`sql_lists::json_rows`).
                let rows: Vec<DeliveryRow> = rows.iter().map(DeliveryRow::of).collect();
                sqlx::query(&format!(
                    "INSERT INTO deliveries \
                     (activity_id, instance, inbox, recipient_actor_id, state, created_at) \
                     SELECT activity_id, instance, inbox, recipient_actor_id, $2, $3 FROM {}",
                    json_rows(1, DeliveryRow::TYPES)
                ))
                .bind(json_list(&rows)?)
                .bind(PENDING)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            }
        } else {
            for chunk in rows.chunks(INSERT_CHUNK) {
                let sql = format!(
                    "INSERT INTO deliveries (activity_id, instance, inbox, recipient_actor_id, \
                     state, created_at) VALUES {}",
                    value_rows(conn, chunk.len(), 6)
                );
                let mut query = sqlx::query(&sql);
                for (activity, target) in chunk {
                    query = query
                        .bind(*activity)
                        .bind(&target.instance)
                        .bind(&target.inbox)
                        .bind(target.recipient_actor_id)
                        .bind(PENDING)
                        .bind(now);
                }
                query.execute(&mut *conn).await?;
            }
        }
        let instances: BTreeSet<&str> = rows
            .iter()
            .map(|(_, target)| target.instance.as_str())
            .collect();
        let instances: Vec<&str> = instances.into_iter().collect();
        for chunk in instances.chunks(INSERT_CHUNK) {
            match Backend::of(conn) {
                Backend::Sqlite => wake_instances_sqlite(conn, chunk).await?,
                Backend::Postgres => wake_instances_postgres(conn, chunk).await?,
            }
        }
        Ok(())
    }

    /// The inboxes of every follower of a local actor.
    pub async fn follower_inboxes(
        conn: &mut AnyConnection,
        local_actor_id: i64,
    ) -> Result<Vec<RecipientInboxes>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT r.id, r.instance, r.inbox, r.shared_inbox FROM follows f \
             JOIN remote_actors r ON r.id = f.remote_actor_id WHERE f.local_actor_id = $1",
        )
        .bind(local_actor_id)
        .fetch_all(conn)
        .await?;
        rows.iter().map(recipient_from_row).collect()
    }

    /// The inboxes of the given remote actors (mentioned people, parent authors).
    pub async fn remote_actor_inboxes(
        conn: &mut AnyConnection,
        remote_actor_ids: &[i64],
    ) -> Result<Vec<RecipientInboxes>, sqlx::Error> {
        let mut found = Vec::new();
        for chunk in remote_actor_ids.chunks(INSERT_CHUNK) {
            let sql = format!(
                "SELECT id, instance, inbox, shared_inbox FROM remote_actors WHERE id IN ({})",
                placeholders(1, chunk.len())
            );
            let query = bind_each(sqlx::query(&sql), chunk.iter().copied());
            for row in query.fetch_all(&mut *conn).await? {
                found.push(recipient_from_row(&row)?);
            }
        }
        Ok(found)
    }

    /// The first `per_instance` pending deliveries of each of `instances`, oldest first.
    pub async fn pending_deliveries_of(
        &self,
        instances: &[String],
        per_instance: i64,
    ) -> Result<Vec<Delivery>, sqlx::Error> {
        if instances.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, instance, inbox, recipient_actor_id, attempts, activity_id, ap_id, \
             signer_id \
             FROM (SELECT {DELIVERY_COLUMNS}, \
                   ROW_NUMBER() OVER (PARTITION BY d.instance ORDER BY d.id) AS position \
                   FROM deliveries d JOIN outbound_activities a ON a.id = d.activity_id \
                   WHERE d.state = 0 AND d.instance IN ({})) ranked \
             WHERE position <= $1 ORDER BY instance, id",
            placeholders(2, instances.len())
        );
        let query = bind_each(
            sqlx::query(&sql).bind(per_instance),
            instances.iter().map(String::as_str),
        );
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// Up to `limit` pending deliveries of `instance` with ids above `after`, oldest first.
    pub async fn pending_deliveries_after(
        &self,
        instance: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>, sqlx::Error> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d \
             JOIN outbound_activities a ON a.id = d.activity_id \
             WHERE d.instance = $1 AND d.state = 0 AND d.id > $2 ORDER BY d.id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(instance)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// What an outbound activity carries: its JSON, or the post its relay is rendered from;
    /// `None` once its JSON is erased (nothing left to send) or if there is no such activity.
    pub async fn outbound_body(&self, activity: i64) -> Result<Option<StoredBody>, sqlx::Error> {
        let row =
            sqlx::query("SELECT payload, relayed_post_id FROM outbound_activities WHERE id = $1")
                .bind(activity)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if let Some(json) = row.try_get::<Option<String>, _>("payload")? {
            return Ok(Some(StoredBody::Json(json)));
        }
        Ok(row
            .try_get::<Option<i64>, _>("relayed_post_id")?
            .map(StoredBody::RelayOf))
    }

    /// Deliveries still to make, due or not.
    pub async fn count_pending_deliveries(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE state = 0")
            .fetch_one(&self.pool)
            .await
    }

    /// Where the activity `ap_id` went, instance by instance.
    pub async fn delivery_records(&self, ap_id: &str) -> Result<Vec<DeliveryRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT d.instance, d.inbox, d.state, d.attempts, d.last_status, d.finished_at \
             FROM deliveries d JOIN outbound_activities a ON a.id = d.activity_id \
             WHERE a.ap_id = $1 ORDER BY d.instance, d.id",
        )
        .bind(ap_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeliveryRecord {
                    instance: row.try_get("instance")?,
                    inbox: row.try_get("inbox")?,
                    state: row.try_get("state")?,
                    attempts: row.try_get("attempts")?,
                    last_status: row.try_get("last_status")?,
                    finished_at: row.try_get("finished_at")?,
                })
            })
            .collect()
    }

    /// Forgets the payloads of activities with nothing left to send (what people wrote is not
    /// kept longer than delivery needs it), and the records of deliveries that ended before
    /// `records_before` (Unix ms), with their activities. Returns the records removed.
    pub async fn prune_deliveries(&self, records_before: i64) -> Result<u64, sqlx::Error> {
        sqlx::query(
            "UPDATE outbound_activities SET payload = NULL WHERE payload IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM deliveries d \
                             WHERE d.activity_id = outbound_activities.id AND d.state = 0)",
        )
        .execute(&self.pool)
        .await?;
        let removed = sqlx::query("DELETE FROM deliveries WHERE state <> 0 AND finished_at < $1")
            .bind(records_before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        sqlx::query(
            "DELETE FROM outbound_activities WHERE payload IS NULL AND created_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM deliveries d \
                             WHERE d.activity_id = outbound_activities.id)",
        )
        .bind(records_before)
        .execute(&self.pool)
        .await?;
        Ok(removed)
    }

    /// Withdraws the pending deliveries of the activities about one local object (ids equal
    /// to `ids`, or starting with `prefix`), and forgets their payloads: what was deleted is not
    /// sent afterwards. Returns the deliveries withdrawn.
    pub async fn withdraw_pending_about(
        conn: &mut AnyConnection,
        ids: &[String],
        prefix: &str,
    ) -> Result<u64, sqlx::Error> {
        let matching = format!(
            "(ap_id IN ({}) OR substr(ap_id, 1, {}) = ${})",
            placeholders(1, ids.len()),
            prefix.len(),
            ids.len() + 1
        );
        let sql = format!(
            "UPDATE deliveries SET state = {WITHDRAWN}, finished_at = ${}, \
             last_status = 'withdrawn: deleted' \
             WHERE state = 0 AND activity_id IN (SELECT id FROM outbound_activities WHERE {matching})",
            ids.len() + 2
        );
        let query = bind_each(sqlx::query(&sql), ids.iter().map(String::as_str));
        let withdrawn = query
            .bind(prefix)
            .bind(now_millis())
            .execute(&mut *conn)
            .await?
            .rows_affected();
        let sql = format!(
            "UPDATE outbound_activities SET payload = NULL WHERE {matching} \
             AND NOT EXISTS (SELECT 1 FROM deliveries d \
                             WHERE d.activity_id = outbound_activities.id AND d.state = 0)"
        );
        let query = bind_each(sqlx::query(&sql), ids.iter().map(String::as_str));
        query.bind(prefix).execute(conn).await?;
        Ok(withdrawn)
    }
}

/// SQLite: each instance has its place in the queue, and an idle one is due again. One writer
/// at a time: nothing can come between.
async fn wake_instances_sqlite(
    conn: &mut AnyConnection,
    instances: &[&str],
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO delivery_instances (instance) VALUES {} \
         ON CONFLICT (instance) DO UPDATE SET next_attempt_at = 0 \
         WHERE delivery_instances.next_attempt_at = {IDLE}",
        value_rows(conn, instances.len(), 1)
    );
    let query = bind_each(sqlx::query(&sql), instances.iter().copied());
    query.execute(conn).await?;
    Ok(())
}

/// PostgreSQL: as on SQLite, without making concurrent transactions that queue for the same
/// instance wait for each other. Each takes a `FOR KEY SHARE` lock on the instance's row, which
/// other enqueuers share, and the worker's release to idle (`FOR UPDATE` first, then a check
/// for pending deliveries in a statement of its own) waits for: it therefore sees every
/// delivery queued before it, and an enqueuer that comes after it reads the row as it left it,
/// idle, and wakes it. (`ON CONFLICT DO UPDATE` locks the row exclusively even when its `WHERE`
/// changes nothing: the writers queued behind one another on a busy instance until each
/// committed.) The worker's claim takes `FOR NO KEY UPDATE`, which the shared lock allows.
async fn wake_instances_postgres(
    conn: &mut AnyConnection,
    instances: &[&str],
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO delivery_instances (instance) VALUES {} ON CONFLICT (instance) DO NOTHING",
        value_rows(conn, instances.len(), 1)
    );
    let query = bind_each(sqlx::query(&sql), instances.iter().copied());
    query.execute(&mut *conn).await?;
    // In name order, as the worker locks them: no deadlocks.
    let sql = format!(
        "SELECT instance, next_attempt_at FROM delivery_instances WHERE instance IN ({}) \
         ORDER BY instance FOR KEY SHARE",
        placeholders(1, instances.len())
    );
    let query = bind_each(sqlx::query(&sql), instances.iter().copied());
    let mut idle = Vec::new();
    for row in query.fetch_all(&mut *conn).await? {
        if row.try_get::<i64, _>("next_attempt_at")? == IDLE {
            idle.push(row.try_get::<String, _>("instance")?);
        }
    }
    if idle.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE delivery_instances SET next_attempt_at = 0 \
         WHERE next_attempt_at = {IDLE} AND instance IN ({})",
        placeholders(1, idle.len())
    );
    let query = bind_each(sqlx::query(&sql), idle.iter().map(String::as_str));
    query.execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::sql_lists::keys_and_columns;

    #[test]
    fn activity_and_delivery_rows_have_every_column_by_name() {
        let activity = ("https://spm.example/a/1", 1, OutboundBody::RelayOf(2));
        let (keys, columns) = keys_and_columns(&ActivityRow::of(&activity), ActivityRow::TYPES);
        assert_eq!(keys, columns);
        let target = DeliveryTarget {
            instance: "a.example".into(),
            inbox: "https://a.example/inbox".into(),
            recipient_actor_id: None,
        };
        let (keys, columns) = keys_and_columns(&DeliveryRow::of(&(1, &target)), DeliveryRow::TYPES);
        assert_eq!(keys, columns);
    }
}
