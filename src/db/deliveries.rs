//! SQL for the durable delivery queue.
//!
//! A row is claimed with a lease (`claimed_until`) by one worker at a time, so several processes
//! sharing one PostgreSQL database never send the same row twice while a lease holds; a worker
//! that dies loses its lease and the row is claimed again when the lease runs out.

use sqlx::{AnyConnection, Row};

use super::{now_millis, Db};

/// A delivery to make: one activity to one inbox.
#[derive(Clone)]
pub struct Delivery {
    pub id: i64,
    pub activity_id: String,
    pub signer_id: i64,
    pub inbox: String,
    pub payload: String,
    pub attempts: i64,
}

impl std::fmt::Debug for Delivery {
    /// Leaves the payload out: activities carry what people wrote.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("id", &self.id)
            .field("activity_id", &self.activity_id)
            .field("inbox", &self.inbox)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Adds a delivery in the caller's transaction, due now.
    pub async fn insert_delivery(
        conn: &mut AnyConnection,
        activity_id: &str,
        signer_id: i64,
        inbox: &str,
        payload: &str,
    ) -> Result<(), sqlx::Error> {
        let now = now_millis();
        sqlx::query(
            "INSERT INTO deliveries (activity_id, signer_id, inbox, payload, next_attempt_at, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(activity_id)
        .bind(signer_id)
        .bind(inbox)
        .bind(payload)
        .bind(now)
        .bind(now)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Claims up to `limit` due deliveries until `lease_until` (Unix ms).
    pub async fn claim_due_deliveries(
        &self,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>, sqlx::Error> {
        let now = now_millis();
        let rows = sqlx::query(
            "UPDATE deliveries SET claimed_until = $1 WHERE id IN (SELECT id FROM deliveries \
             WHERE given_up_at IS NULL AND next_attempt_at <= $2 AND claimed_until <= $2 \
             ORDER BY next_attempt_at, id LIMIT $3) AND claimed_until <= $2 \
             RETURNING id, activity_id, signer_id, inbox, payload, attempts",
        )
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Delivery {
                    id: row.try_get("id")?,
                    activity_id: row.try_get("activity_id")?,
                    signer_id: row.try_get("signer_id")?,
                    inbox: row.try_get("inbox")?,
                    payload: row.try_get("payload")?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// The delivery is done: delivered, or refused for good by the receiver.
    pub async fn finish_delivery(&self, id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM deliveries WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The delivery failed for now: try again at `next_attempt_at`.
    pub async fn reschedule_delivery(
        &self,
        id: i64,
        attempts: i64,
        next_attempt_at: i64,
        status: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE deliveries SET attempts = $1, next_attempt_at = $2, claimed_until = 0, \
             last_status = $3 WHERE id = $4",
        )
        .bind(attempts)
        .bind(next_attempt_at)
        .bind(status)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The delivery failed for the last time; the row stays for operators to see.
    pub async fn give_up_delivery(
        &self,
        id: i64,
        attempts: i64,
        status: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE deliveries SET attempts = $1, given_up_at = $2, claimed_until = 0, \
             last_status = $3 WHERE id = $4",
        )
        .bind(attempts)
        .bind(now_millis())
        .bind(status)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deliveries still to make (not given up), due or not.
    pub async fn count_pending_deliveries(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE given_up_at IS NULL")
            .fetch_one(&self.pool)
            .await
    }
}
