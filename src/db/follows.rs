//! SQL for follows: who follows which local actor.

use sqlx::AnyConnection;

use super::{now_millis, Db};

impl Db {
    /// Records (or renews) a follow; returns nothing, the pair is unique.
    pub async fn add_follower(
        conn: &mut AnyConnection,
        local_actor_id: i64,
        remote_actor_id: i64,
        follow_activity_id: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO follows (local_actor_id, remote_actor_id, follow_activity_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (local_actor_id, remote_actor_id) \
             DO UPDATE SET follow_activity_id = excluded.follow_activity_id",
        )
        .bind(local_actor_id)
        .bind(remote_actor_id)
        .bind(follow_activity_id)
        .bind(now_millis())
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Removes a follow; returns whether there was one.
    pub async fn remove_follower(
        conn: &mut AnyConnection,
        local_actor_id: i64,
        remote_actor_id: i64,
    ) -> Result<bool, sqlx::Error> {
        let result =
            sqlx::query("DELETE FROM follows WHERE local_actor_id = $1 AND remote_actor_id = $2")
                .bind(local_actor_id)
                .bind(remote_actor_id)
                .execute(conn)
                .await?;
        Ok(result.rows_affected() > 0)
    }

    /// The local actor a follow (by its activity id) was addressed to, if it is still in force.
    pub async fn followed_by_activity(
        conn: &mut AnyConnection,
        remote_actor_id: i64,
        follow_activity_id: &str,
    ) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT local_actor_id FROM follows \
             WHERE remote_actor_id = $1 AND follow_activity_id = $2",
        )
        .bind(remote_actor_id)
        .bind(follow_activity_id)
        .fetch_optional(conn)
        .await
    }

    pub async fn count_followers(&self, local_actor_id: i64) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM follows WHERE local_actor_id = $1")
            .bind(local_actor_id)
            .fetch_one(&self.pool)
            .await
    }

    /// A page of follower ids, oldest follow first.
    pub async fn follower_page(
        &self,
        local_actor_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT r.ap_id FROM follows f JOIN remote_actors r ON r.id = f.remote_actor_id \
             WHERE f.local_actor_id = $1 ORDER BY f.created_at, r.id LIMIT $2 OFFSET $3",
        )
        .bind(local_actor_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
    }
}
