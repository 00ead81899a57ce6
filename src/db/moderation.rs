//! SQL for moderation: held and removed posts, locks, reply policies, approved participants,
//! screening words, bans, instance policies and server-wide moderation settings.

use sqlx::{AnyConnection, Row};

use super::{now_millis, posts::POST_SELECT, Db};
use crate::model::Post;

/// A ban as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ban {
    pub id: i64,
    pub actor_ap_id: String,
    /// `None`: the whole server.
    pub forum_id: Option<i64>,
    pub reason: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

/// An instance's policy as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstancePolicyRow {
    pub instance: String,
    pub policy: String,
    pub reason: String,
    pub created_at: i64,
}

impl Db {
    /// Holds a post for review with `reason`.
    pub async fn hold_post(
        conn: &mut AnyConnection,
        post_id: i64,
        reason: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE posts SET held_reason = $1 WHERE id = $2")
            .bind(reason)
            .bind(post_id)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Releases a held post; `false` if it was not held (or was removed by a moderator since).
    pub async fn release_post(conn: &mut AnyConnection, post_id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE posts SET held_reason = NULL WHERE id = $1 AND held_reason IS NOT NULL \
             AND deleted_at IS NULL AND removed_at IS NULL",
        )
        .bind(post_id)
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Held posts awaiting review (not removed by a moderator), oldest first (optionally of one
    /// conversation owner).
    pub async fn held_posts(
        &self,
        audience_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Post>, sqlx::Error> {
        let sql = format!(
            "{POST_SELECT} WHERE p.held_reason IS NOT NULL AND p.deleted_at IS NULL \
             AND p.removed_at IS NULL AND ($1 = 0 OR p.audience_id = $1) ORDER BY p.id LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(audience_id.unwrap_or(0))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(super::posts::post_from_row).collect()
    }

    /// Marks a post removed (or restored, `removed = false`); `false` if nothing changed.
    pub async fn set_post_removed(
        conn: &mut AnyConnection,
        post_id: i64,
        removed: bool,
    ) -> Result<bool, sqlx::Error> {
        let sql = if removed {
            "UPDATE posts SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL AND deleted_at IS NULL"
        } else {
            "UPDATE posts SET removed_at = NULL WHERE id = $2 AND removed_at IS NOT NULL AND $1 > 0"
        };
        let done = sqlx::query(sql)
            .bind(now_millis())
            .bind(post_id)
            .execute(conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Locks (or unlocks) a conversation; `false` if nothing changed.
    pub async fn set_post_locked(
        conn: &mut AnyConnection,
        post_id: i64,
        locked: bool,
    ) -> Result<bool, sqlx::Error> {
        let sql = if locked {
            "UPDATE posts SET locked_at = $1 WHERE id = $2 AND locked_at IS NULL"
        } else {
            "UPDATE posts SET locked_at = NULL WHERE id = $2 AND locked_at IS NOT NULL AND $1 > 0"
        };
        let done = sqlx::query(sql)
            .bind(now_millis())
            .bind(post_id)
            .execute(conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Live posts by an actor (remote by id), optionally in one forum's conversations.
    pub async fn live_posts_by_actor(
        &self,
        remote_actor_id: Option<i64>,
        local_actor_id: Option<i64>,
        forum_id: Option<i64>,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id FROM posts WHERE deleted_at IS NULL AND removed_at IS NULL \
             AND (author_remote_id = $1 OR author_local_id = $2) \
             AND ($3 = 0 OR audience_id = $3) ORDER BY id",
        )
        .bind(remote_actor_id.unwrap_or(0))
        .bind(local_actor_id.unwrap_or(0))
        .bind(forum_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| row.try_get("id")).collect()
    }

    pub async fn set_reply_policy(
        conn: &mut AnyConnection,
        actor_id: i64,
        policy: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO reply_policies (actor_id, policy) VALUES ($1, $2) \
             ON CONFLICT (actor_id) DO UPDATE SET policy = excluded.policy",
        )
        .bind(actor_id)
        .bind(policy)
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn is_approved_participant(
        &self,
        audience_id: i64,
        remote_actor_id: i64,
    ) -> Result<bool, sqlx::Error> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM approved_participants WHERE audience_id = $1 AND remote_actor_id = $2",
        )
        .bind(audience_id)
        .bind(remote_actor_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    pub async fn approve_participant(
        conn: &mut AnyConnection,
        audience_id: i64,
        remote_actor_id: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO approved_participants (audience_id, remote_actor_id, approved_at) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(audience_id)
        .bind(remote_actor_id)
        .bind(now_millis())
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn screening_words(&self) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query("SELECT word FROM screening_words ORDER BY word")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| row.try_get("word")).collect()
    }

    /// Adds (`add`) or removes a screening word; `false` if nothing changed.
    pub async fn set_screening_word(
        conn: &mut AnyConnection,
        word: &str,
        add: bool,
        by: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = if add {
            sqlx::query(
                "INSERT INTO screening_words (word, added_by, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(word)
            .bind(by)
            .bind(now_millis())
            .execute(conn)
            .await?
        } else {
            sqlx::query("DELETE FROM screening_words WHERE word = $1")
                .bind(word)
                .execute(conn)
                .await?
        };
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_ban(
        conn: &mut AnyConnection,
        actor_ap_id: &str,
        forum_id: Option<i64>,
        reason: &str,
        expires_at: Option<i64>,
        by: i64,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query(
            "INSERT INTO bans (actor_ap_id, forum_id, reason, expires_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(actor_ap_id)
        .bind(forum_id)
        .bind(reason)
        .bind(expires_at)
        .bind(by)
        .bind(now_millis())
        .fetch_one(conn)
        .await?
        .try_get("id")
    }

    /// Lifts the bans of an actor in one forum (or server-wide, `None`); how many.
    pub async fn lift_bans(
        conn: &mut AnyConnection,
        actor_ap_id: &str,
        forum_id: Option<i64>,
    ) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE bans SET lifted_at = $1 WHERE actor_ap_id = $2 AND lifted_at IS NULL \
             AND COALESCE(forum_id, 0) = $3",
        )
        .bind(now_millis())
        .bind(actor_ap_id)
        .bind(forum_id.unwrap_or(0))
        .execute(conn)
        .await?;
        Ok(done.rows_affected())
    }

    /// Every ban in force, newest first.
    pub async fn all_bans_in_force(&self) -> Result<Vec<Ban>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, actor_ap_id, forum_id, reason, expires_at, created_at FROM bans \
             WHERE lifted_at IS NULL AND (expires_at IS NULL OR expires_at > $1) ORDER BY id DESC",
        )
        .bind(now_millis())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ban_from_row).collect()
    }

    /// Every conversation owner's reply policy that is set, as stored.
    pub async fn reply_policies(&self) -> Result<Vec<(i64, String)>, sqlx::Error> {
        let rows = sqlx::query("SELECT actor_id, policy FROM reply_policies")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("actor_id")?, row.try_get("policy")?)))
            .collect()
    }

    pub async fn instance_policies(&self) -> Result<Vec<InstancePolicyRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT instance, policy, reason, created_at FROM instance_policies ORDER BY instance",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(InstancePolicyRow {
                    instance: row.try_get("instance")?,
                    policy: row.try_get("policy")?,
                    reason: row.try_get("reason")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    pub async fn set_instance_policy(
        conn: &mut AnyConnection,
        instance: &str,
        policy: &str,
        reason: &str,
        by: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO instance_policies (instance, policy, reason, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (instance) DO UPDATE SET \
             policy = excluded.policy, reason = excluded.reason, created_by = excluded.created_by, \
             created_at = excluded.created_at",
        )
        .bind(instance)
        .bind(policy)
        .bind(reason)
        .bind(by)
        .bind(now_millis())
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn remove_instance_policy(
        conn: &mut AnyConnection,
        instance: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM instance_policies WHERE instance = $1")
            .bind(instance)
            .execute(conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn moderation_setting(&self, name: &str) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT value FROM moderation_settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| row.try_get("value")).transpose()
    }

    pub async fn set_moderation_setting(
        conn: &mut AnyConnection,
        name: &str,
        value: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO moderation_settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(conn)
        .await?;
        Ok(())
    }
}

fn ban_from_row(row: &sqlx::any::AnyRow) -> Result<Ban, sqlx::Error> {
    Ok(Ban {
        id: row.try_get("id")?,
        actor_ap_id: row.try_get("actor_ap_id")?,
        forum_id: row.try_get("forum_id")?,
        reason: row.try_get("reason")?,
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
    })
}
