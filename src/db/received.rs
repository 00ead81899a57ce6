//! SQL for the ids of inbound activities already acted on.

use sqlx::AnyConnection;

use super::{now_millis, Db};

impl Db {
    /// Records an inbound activity id in the caller's transaction. Returns false when the id
    /// was recorded before: the caller then changes nothing.
    pub async fn record_received_activity(
        conn: &mut AnyConnection,
        ap_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO received_activities (ap_id, received_at) VALUES ($1, $2) \
             ON CONFLICT (ap_id) DO NOTHING",
        )
        .bind(ap_id)
        .bind(now_millis())
        .execute(conn)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
