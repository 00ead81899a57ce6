//! SQL for what other servers add to conversations: posts by their ids, edits, reactions, the
//! removal of everything an actor wrote, and each forum's setting for new threads from
//! elsewhere.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::{
    now_millis,
    posts::POST_SELECT,
    sql_lists::{in_json_list, json_list},
    Backend, Db,
};
use crate::model::Post;

/// What relaying a post needs besides the post ([`Db::relay_context`]).
#[derive(Clone, Debug)]
pub struct RelayContext {
    pub create_id: Option<String>,
    pub parent_ap_id: Option<String>,
    pub conversation_stands: bool,
}

/// What a reaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReactionKind {
    Like,
    Announce,
}

impl ReactionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReactionKind::Like => "like",
            ReactionKind::Announce => "announce",
        }
    }
}

/// How many likes and boosts a post has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReactionCounts {
    pub likes: i64,
    pub announces: i64,
}

impl Db {
    /// A stored remote post by its ActivityPub id.
    pub async fn post_by_ap_id(
        conn: &mut AnyConnection,
        ap_id: &str,
    ) -> Result<Option<Post>, sqlx::Error> {
        let sql = format!("{POST_SELECT} WHERE p.ap_id = $1");
        let row = sqlx::query(&sql).bind(ap_id).fetch_optional(conn).await?;
        row.as_ref().map(super::posts::post_from_row).transpose()
    }

    /// Whether each of these conversations (by first post) is locked; those whose first post
    /// is deleted, or not there, are absent.
    pub async fn live_conversations_locked(
        conn: &mut AnyConnection,
        roots: &[i64],
    ) -> Result<HashMap<i64, bool>, sqlx::Error> {
        if roots.is_empty() {
            return Ok(HashMap::new());
        }
        let backend = Backend::of(conn);
        // Planned on each call on PostgreSQL: the writer asks this in every batch, and a plan
        // kept from when `posts` was small scans the whole table for good (a new server's
        // first burst of replies: 2-5 ms a batch, and growing, instead of an index probe). A
        // batch's replies nearly always answer one conversation, asked for with the simplest
        // text to parse and plan (the server's time for it about halves, docs/performance.md).
        let list_sql;
        let query = match roots {
            [root] => {
                sqlx::query("SELECT id, locked_at FROM posts WHERE id = $1 AND deleted_at IS NULL")
                    .bind(*root)
            }
            _ => {
                list_sql = format!(
                    "SELECT id, locked_at FROM posts WHERE {} AND deleted_at IS NULL",
                    in_json_list(backend, "id", 1, false)
                );
                sqlx::query(&list_sql).bind(json_list(roots)?)
            }
        };
        let rows = query
            .persistent(backend == Backend::Sqlite)
            .fetch_all(conn)
            .await?;
        rows.iter()
            .map(|row| {
                let locked_at: Option<i64> = row.try_get("locked_at")?;
                Ok((row.try_get("id")?, locked_at.is_some()))
            })
            .collect()
    }

    /// Remembers the id of the `Create` that brought a remote post.
    pub async fn set_post_activity(
        conn: &mut AnyConnection,
        post_id: i64,
        activity_id: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE posts SET activity_ap_id = $1 WHERE id = $2")
            .bind(activity_id)
            .bind(post_id)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// The id of the `Create` that brought a remote post, if it came in one.
    pub async fn post_activity(
        conn: &mut AnyConnection,
        post_id: i64,
    ) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT activity_ap_id FROM posts WHERE id = $1")
            .bind(post_id)
            .fetch_optional(conn)
            .await?;
        Ok(row
            .map(|row| row.try_get("activity_ap_id"))
            .transpose()?
            .flatten())
    }

    /// The ids of the `Create`s that brought the posts `post_ids`, for those that came in one.
    pub async fn post_activities(
        &self,
        post_ids: &[i64],
    ) -> Result<HashMap<i64, String>, sqlx::Error> {
        if post_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, activity_ap_id FROM posts WHERE {} AND activity_ap_id IS NOT NULL",
            in_json_list(self.backend, "id", 1, false)
        );
        let rows = sqlx::query(&sql)
            .bind(json_list(post_ids)?)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("activity_ap_id")?)))
            .collect()
    }

    /// What relaying the post `post_id` needs besides the post: the id of the `Create` that
    /// brought it, the id of the remote post it answers (`None` for a local one or none), and
    /// whether its conversation's first post stands (not deleted, not removed). `None` if there
    /// is no such post.
    pub async fn relay_context(
        conn: &mut AnyConnection,
        post_id: i64,
    ) -> Result<Option<RelayContext>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT p.activity_ap_id, parent.ap_id AS parent_ap_id, \
             CAST(CASE WHEN p.root_id IS NULL THEN 1 \
                       WHEN root.deleted_at IS NULL AND root.removed_at IS NULL THEN 1 \
                       ELSE 0 END AS BIGINT) AS conversation_stands \
             FROM posts p LEFT JOIN posts parent ON parent.id = p.parent_id \
             LEFT JOIN posts root ON root.id = p.root_id WHERE p.id = $1",
        )
        .bind(post_id)
        .fetch_optional(conn)
        .await?;
        row.map(|row| {
            Ok(RelayContext {
                create_id: row.try_get("activity_ap_id")?,
                parent_ap_id: row.try_get("parent_ap_id")?,
                conversation_stands: row.try_get::<i64, _>("conversation_stands")? == 1,
            })
        })
        .transpose()
    }

    /// Keeps the version of a post that an edit replaces.
    pub async fn record_edit(conn: &mut AnyConnection, post: &Post) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO post_edits (post_id, title, content_warning, content_html, replaced_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(post.id)
        .bind(post.title.as_deref())
        .bind(post.content_warning.as_deref())
        .bind(&post.content_html)
        .bind(now_millis())
        .execute(conn)
        .await?;
        Ok(())
    }

    /// How many times a post was edited.
    pub async fn count_edits(&self, post_id: i64) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COUNT(*) AS n FROM post_edits WHERE post_id = $1")
            .bind(post_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// The live posts a remote actor wrote.
    pub async fn live_posts_of_remote_actor(
        conn: &mut AnyConnection,
        remote_actor_id: i64,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id FROM posts WHERE author_remote_id = $1 AND deleted_at IS NULL ORDER BY id",
        )
        .bind(remote_actor_id)
        .fetch_all(conn)
        .await?;
        rows.iter().map(|row| row.try_get("id")).collect()
    }

    /// Forgets a remote actor's part in everything but its posts (tombstoned apart): its
    /// follows, reactions and webinar participation.
    pub async fn forget_remote_actor_activity(
        conn: &mut AnyConnection,
        remote_actor_id: i64,
    ) -> Result<(), sqlx::Error> {
        for table in ["follows", "reactions", "event_participants"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE remote_actor_id = $1"))
                .bind(remote_actor_id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Counts a reaction; `false` if this actor already reacted so to this post.
    pub async fn add_reaction(
        conn: &mut AnyConnection,
        post_id: i64,
        remote_actor_id: i64,
        kind: ReactionKind,
        activity_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO reactions (post_id, remote_actor_id, kind, activity_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(post_id)
        .bind(remote_actor_id)
        .bind(kind.as_str())
        .bind(activity_id)
        .bind(now_millis())
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes the reaction an `Undo` names: by the id of the activity undone, or (when the
    /// Undo embeds it) by post and kind; only the actor's own.
    pub async fn remove_reaction(
        conn: &mut AnyConnection,
        remote_actor_id: i64,
        activity_id: &str,
        post_and_kind: Option<(i64, ReactionKind)>,
    ) -> Result<bool, sqlx::Error> {
        let by_activity =
            sqlx::query("DELETE FROM reactions WHERE remote_actor_id = $1 AND activity_id = $2")
                .bind(remote_actor_id)
                .bind(activity_id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
        if by_activity > 0 {
            return Ok(true);
        }
        let Some((post_id, kind)) = post_and_kind else {
            return Ok(false);
        };
        let done = sqlx::query(
            "DELETE FROM reactions WHERE remote_actor_id = $1 AND post_id = $2 AND kind = $3",
        )
        .bind(remote_actor_id)
        .bind(post_id)
        .bind(kind.as_str())
        .execute(conn)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn reaction_counts(&self, post_id: i64) -> Result<ReactionCounts, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM reactions WHERE post_id = $1 GROUP BY kind",
        )
        .bind(post_id)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = ReactionCounts::default();
        for row in rows {
            let kind: String = row.try_get("kind")?;
            let n: i64 = row.try_get("n")?;
            match kind.as_str() {
                "like" => counts.likes = n,
                "announce" => counts.announces = n,
                _ => {}
            }
        }
        Ok(counts)
    }

    /// A forum's choice about new threads from other servers, if it made one.
    pub async fn forum_accepts_remote_threads(
        &self,
        actor_id: i64,
    ) -> Result<Option<bool>, sqlx::Error> {
        let row = sqlx::query("SELECT remote_threads FROM forum_settings WHERE actor_id = $1")
            .bind(actor_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            row.try_get::<i64, _>("remote_threads")
                .map(|value| value != 0)
        })
        .transpose()
    }

    pub async fn set_forum_accepts_remote_threads(
        &self,
        actor_id: i64,
        accepts: bool,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO forum_settings (actor_id, remote_threads) VALUES ($1, $2) \
             ON CONFLICT (actor_id) DO UPDATE SET remote_threads = excluded.remote_threads",
        )
        .bind(actor_id)
        .bind(i64::from(accepts))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
