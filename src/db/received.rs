//! SQL for the ids of inbound activities already acted on.

use std::collections::HashSet;

use sqlx::{AnyConnection, Row};

use super::{
    now_millis,
    sql_lists::{json_list, value_rows},
    Backend, Db,
};

/// Ids per multi-row INSERT.
const IDS_PER_INSERT: usize = 500;

impl Db {
    /// Records an inbound activity id in the caller's transaction. Returns false when the id
    /// was recorded before: the caller then changes nothing.
    pub async fn record_received_activity(
        conn: &mut AnyConnection,
        ap_id: &str,
    ) -> Result<bool, sqlx::Error> {
        Ok(!Db::record_received_activities(conn, &[ap_id])
            .await?
            .is_empty())
    }

    /// Records many inbound activity ids at once (a group commit's); returns the ids that were
    /// not recorded before. An id given twice is new once.
    pub async fn record_received_activities(
        conn: &mut AnyConnection,
        ap_ids: &[&str],
    ) -> Result<HashSet<String>, sqlx::Error> {
        let mut new = HashSet::with_capacity(ap_ids.len());
        let now = now_millis();
        // Each id once: the database never sees one row conflict with another of its statement.
        let mut seen = HashSet::with_capacity(ap_ids.len());
        let ap_ids: Vec<&str> = ap_ids
            .iter()
            .copied()
            .filter(|id| seen.insert(*id))
            .collect();
        if Backend::of(conn) == Backend::Postgres {
            // One statement for any number of ids (`sql_lists::json_rows`).
            let rows = sqlx::query(
                "INSERT INTO received_activities (ap_id, received_at) \
                 SELECT value, $2 FROM json_array_elements_text($1::json) \
                 ON CONFLICT (ap_id) DO NOTHING RETURNING ap_id",
            )
            .bind(json_list(&ap_ids)?)
            .bind(now)
            .fetch_all(&mut *conn)
            .await?;
            for row in rows {
                new.insert(row.try_get("ap_id")?);
            }
            return Ok(new);
        }
        for chunk in ap_ids.chunks(IDS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO received_activities (ap_id, received_at) VALUES {} \
                 ON CONFLICT (ap_id) DO NOTHING RETURNING ap_id",
                value_rows(conn, chunk.len(), 2)
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id).bind(now);
            }
            for row in query.fetch_all(&mut *conn).await? {
                new.insert(row.try_get("ap_id")?);
            }
        }
        Ok(new)
    }
}
