//! SQL for the public pages and feeds that `posts.rs` does not already answer: the reply counts
//! of a page of threads in one query, and past webinars.
//!
//! "Visible" means what it means in `posts.rs`: public and not deleted.

use std::collections::HashMap;

use sqlx::Row;

use super::Db;
use crate::model::Post;

/// The same condition as `posts.rs`'s (kept in step with it).
const VISIBLE: &str = "p.visibility = 'public' AND p.deleted_at IS NULL";

impl Db {
    /// Visible replies in each of these conversations (by root id); roots without any are
    /// absent from the map.
    pub async fn visible_reply_counts(
        &self,
        roots: &[i64],
    ) -> Result<HashMap<i64, i64>, sqlx::Error> {
        if roots.is_empty() {
            return Ok(HashMap::new());
        }
        let placeholders: Vec<String> = (1..=roots.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT p.root_id AS root, COUNT(*) AS n FROM posts p \
             WHERE p.root_id IN ({}) AND {VISIBLE} GROUP BY p.root_id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for root in roots {
            query = query.bind(*root);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((row.try_get("root")?, row.try_get("n")?)))
            .collect()
    }

    /// Visible events that ended by `before` (Unix ms), the latest start first, with their
    /// total: the webinars page's past webinars.
    pub async fn visible_events_ended_by(
        &self,
        before: i64,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Post>, i64), sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT p.id FROM posts p WHERE p.kind = 'event' AND p.ends_at <= $1 AND {VISIBLE} \
             ORDER BY p.starts_at DESC, p.id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(before)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM posts p WHERE p.kind = 'event' AND p.ends_at <= $1 \
             AND {VISIBLE}"
        ))
        .bind(before)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        // One page (at most a few dozen rows) read by id: the post columns are decoded in one
        // place, `posts.rs`.
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(post) = self.post_by_id(row.try_get("id")?).await? {
                events.push(post);
            }
        }
        Ok((events, total))
    }
}
