//! SQL for the public pages and feeds that `posts.rs` does not already answer: the reply counts
//! of a page of threads in one query, past webinars, a page of a thread's conversation (paged by
//! its top-level replies, for the public or for moderators), and the likes, boosts and edits of
//! all the posts of a page in one query.
//!
//! "Visible" means what it means in `posts.rs`: public, not deleted, not held for moderation, not
//! removed by a moderator.
//!
//! Invariant: reading a page of a thread hands over in proportion to that page, not to the
//! thread: the page's top-level replies are found with `LIMIT`/`OFFSET` on the `posts_by_root`
//! index (counted in the same pass), their descendants with a recursive walk down
//! `posts_by_parent` from those alone (no walk when the page is the whole thread: then it is
//! the thread's shown posts along `posts_by_root`), and the page's posts come in one query
//! (`post_rows::page_posts_query`).
//! The counts read the thread's rows once each (the top-level replies, and the reply counts
//! unless the page holds the whole thread and counts them itself).

use std::collections::HashMap;

use sqlx::Row;

use super::{
    post_rows::{page_posts, page_posts_query, PagePosts},
    posts::{as_public_tombstone, post_from_row, POST_SELECT, VISIBLE},
    sql_lists::{bind_each, in_json_list, json_list, placeholders},
    Backend, Db,
};
use crate::model::Post;

/// Who a page of a thread is read by: what it may show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadView {
    /// Anyone: public replies that are not held for moderation. Deleted ones, and ones removed
    /// by a moderator, come as tombstones that keep their answers (as `conversation` gives).
    Public,
    /// Moderators and admins: every reply, whoever its author addressed it to, held or removed
    /// ones too, as stored.
    Staff,
}

impl ThreadView {
    /// The condition on the posts row `alias` for a reply this view shows.
    fn shows(self, alias: &str) -> String {
        match self {
            ThreadView::Public => {
                format!("{alias}.visibility = 'public' AND {alias}.held_reason IS NULL")
            }
            ThreadView::Staff => "1 = 1".to_string(),
        }
    }

    /// A post as this view shows it.
    fn shown(self, post: Post) -> Post {
        match self {
            ThreadView::Public => as_public_tombstone(post),
            ThreadView::Staff => post,
        }
    }

    /// The replies of the thread `$1` shown at its top level: those whose parent is the root,
    /// or a post this view does not show (a public answer to a followers-only reply, say).
    /// `NOT IN` reads the thread's shown ids once into a hash (both databases); PostgreSQL's
    /// prepared plan for the `NOT EXISTS` it replaces, made for a thread of average size,
    /// compared every reply with every other (136,000 comparisons, 14 ms, at 500 replies).
    fn top_level(self) -> String {
        format!(
            "p.root_id = $1 AND {} AND (p.parent_id IS NULL OR p.parent_id NOT IN (\
             SELECT q.id FROM posts q WHERE q.root_id = $1 AND {}))",
            self.shows("p"),
            self.shows("q")
        )
    }
}

/// One page of a thread's conversation.
#[derive(Debug, Default)]
pub struct ThreadPage {
    /// The ids of the page's top-level replies, oldest first.
    pub top_level: Vec<i64>,
    /// Those replies and everything under them that the view shows, oldest first (at most the
    /// limit asked for; what is cut is the newest).
    pub posts: Vec<Post>,
    /// How many top-level replies the whole thread has in this view.
    pub top_level_total: i64,
    /// The thread's reply counts. The public view is not told how many replies it does not
    /// see: its `not_public` is 0.
    pub counts: ReplyCounts,
}

/// How many live (not deleted) replies a thread has: shown to the public, and not (addressed
/// to followers or to people, held or removed by moderators).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplyCounts {
    pub public: i64,
    pub not_public: i64,
}

/// What a page shows beside a post: its likes, boosts and recorded edits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PostStats {
    pub likes: i64,
    pub announces: i64,
    pub edits: i64,
}

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
        let sql = format!(
            "SELECT p.root_id AS root, COUNT(*) AS n FROM posts p \
             WHERE p.root_id IN ({}) AND {VISIBLE} GROUP BY p.root_id",
            placeholders(1, roots.len())
        );
        let query = bind_each(sqlx::query(&sql), roots.iter().copied());
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
            "{POST_SELECT} WHERE p.kind = 'event' AND p.root_id IS NULL AND p.ends_at <= $1 \
             AND {VISIBLE} ORDER BY p.starts_at DESC, p.id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(before)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM posts p WHERE p.kind = 'event' AND p.root_id IS NULL \
             AND p.ends_at <= $1 AND {VISIBLE}"
        ))
        .bind(before)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let events = rows.iter().map(post_from_row).collect::<Result<_, _>>()?;
        Ok((events, total))
    }

    /// Page `page` (from 1) of the conversation of the thread `root` as `view` shows it:
    /// `per_page` top-level replies, oldest first, with all their descendants (at most
    /// `max_posts` posts in all). Deleted replies come as tombstones.
    pub async fn thread_page(
        &self,
        root: i64,
        view: ThreadView,
        page: i64,
        per_page: i64,
        max_posts: i64,
    ) -> Result<ThreadPage, sqlx::Error> {
        // The page's top-level ids and how many the thread has, in one pass (`COUNT(*) OVER ()`
        // counts the rows the page is cut from); a separate count only past the last page.
        let top_level = view.top_level();
        let rows = sqlx::query(&format!(
            "SELECT p.id, COUNT(*) OVER () AS total FROM posts p WHERE {top_level} \
             ORDER BY p.published_at, p.id LIMIT $2 OFFSET $3"
        ))
        .bind(root)
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?;
        let top_level_total: i64 = match rows.first() {
            Some(row) => row.try_get("total")?,
            None if page <= 1 => 0,
            None => sqlx::query(&format!(
                "SELECT COUNT(*) AS n FROM posts p WHERE {top_level}"
            ))
            .bind(root)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?,
        };
        // The page holds the whole thread as the view shows it.
        let whole_thread = page <= 1 && top_level_total <= per_page;
        if ids.is_empty() {
            let counts = if whole_thread {
                ReplyCounts::default()
            } else {
                self.reply_counts_for(root, view).await?
            };
            return Ok(ThreadPage {
                top_level_total,
                counts,
                ..ThreadPage::default()
            });
        }
        let sql = if whole_thread {
            // The whole thread is on this page: every post the view shows is a top-level reply
            // or under one (a shown post whose parent is not shown is itself top-level), so
            // the page is the thread's shown posts, read along `posts_by_root` without a walk
            // (on PostgreSQL the walk was ≈ 2.5 ms of a 500-reply page's ≈ 11).
            page_posts_query(
                self.backend,
                PagePosts::Rows(&format!(
                    "SELECT * FROM posts p WHERE p.root_id = $1 AND {} \
                     ORDER BY p.published_at, p.id LIMIT $2",
                    view.shows("p")
                )),
            )
        } else {
            self.thread_page_walk(view, ids.len())
        };
        let mut query = sqlx::query(&sql).bind(root).bind(max_posts);
        if !whole_thread {
            query = bind_each(query, ids.iter().copied());
        }
        let posts = page_posts(self.backend, &query.fetch_all(&self.pool).await?)?;
        // Every reply of the thread that the view shows is on the page (none cut by the
        // limit): the page counts them, as `reply_counts` would (the staff view shows every
        // reply, and every visible reply is in both views).
        let counts = if whole_thread && (posts.len() as i64) < max_posts {
            let live = posts.iter().filter(|post| post.deleted_at.is_none());
            let public = live.clone().filter(|post| post.is_visible()).count() as i64;
            ReplyCounts {
                public,
                not_public: match view {
                    ThreadView::Public => 0,
                    ThreadView::Staff => live.count() as i64 - public,
                },
            }
        } else {
            self.reply_counts_for(root, view).await?
        };
        Ok(ThreadPage {
            top_level: ids,
            posts: posts.into_iter().map(|post| view.shown(post)).collect(),
            top_level_total,
            counts,
        })
    }

    /// [`Db::reply_counts`] as `view` is told them.
    async fn reply_counts_for(
        &self,
        root: i64,
        view: ThreadView,
    ) -> Result<ReplyCounts, sqlx::Error> {
        let counts = self.reply_counts(root).await?;
        Ok(match view {
            ThreadView::Public => ReplyCounts {
                not_public: 0,
                ..counts
            },
            ThreadView::Staff => counts,
        })
    }

    /// The query of a page's posts when the page is not the whole thread: the thread `$1`'s
    /// posts under the `top_level` replies bound from `$3` on, oldest first, at most `$2`.
    fn thread_page_walk(&self, view: ThreadView, top_level: usize) -> String {
        // Down from the page's top-level replies only, carrying each reply's time so that the
        // page is cut without reading the rows again. UNION (not UNION ALL) ends the walk
        // even if stored parents ever formed a loop. Each step must look the answers of each
        // reply up by `posts_by_parent`, which neither database does on its own: with a plain
        // join SQLite walked every post of the thread (`posts_by_root`) for each reply shown
        // (a page of 500 replies cost 250,000 row visits, 150 ms), and PostgreSQL scanned the
        // thread by `posts_by_root` into a hash join at every level (5.7 ms of a 12.5 ms
        // query at 500 replies). `CROSS JOIN` fixes SQLite's order; PostgreSQL needs a
        // `LATERAL` subquery (its `LIMIT`, the page's, keeps it from being flattened), and
        // its thread check written `root_id + 0` so that it is a filter, not an index: at a
        // million replies PostgreSQL otherwise ANDed `posts_by_root` (the whole thread) into
        // every step's lookup (20 ms a page).
        let answers = match self.backend {
            Backend::Sqlite => format!(
                "SELECT c.id, c.published_at FROM shown s CROSS JOIN posts c \
                 WHERE c.parent_id = s.id AND c.root_id = $1 AND {}",
                view.shows("c")
            ),
            Backend::Postgres => format!(
                "SELECT a.id, a.published_at FROM shown s CROSS JOIN LATERAL (\
                 SELECT c.id, c.published_at FROM posts c \
                 WHERE c.parent_id = s.id AND c.root_id + 0 = $1 AND {} \
                 ORDER BY c.published_at LIMIT $2) a",
                view.shows("c")
            ),
        };
        format!(
            "WITH RECURSIVE shown(id, published_at) AS (\
             SELECT p.id, p.published_at FROM posts p WHERE p.id IN ({ids}) \
             UNION {answers}), \
             page(id) AS (SELECT id FROM shown ORDER BY published_at, id LIMIT $2) {posts}",
            ids = placeholders(3, top_level),
            posts = page_posts_query(self.backend, PagePosts::Ids("SELECT id FROM page")),
        )
    }

    /// Where the reply `post` sits in the thread `root` as `view` shows it: how many top-level
    /// replies come before the one it is under (or is). `None` when the view does not show it.
    pub async fn top_level_position(
        &self,
        root: i64,
        post: i64,
        view: ThreadView,
    ) -> Result<Option<i64>, sqlx::Error> {
        // Up the parents the view shows; the last one reached is the top-level reply. The
        // depth bound ends the walk whatever the stored parents are.
        let sql = format!(
            "WITH RECURSIVE up(id, parent_id, published_at, depth) AS (\
             SELECT p.id, p.parent_id, p.published_at, 0 FROM posts p \
             WHERE p.id = $2 AND p.root_id = $1 AND {shows_p} \
             UNION \
             SELECT q.id, q.parent_id, q.published_at, u.depth + 1 FROM posts q \
             JOIN up u ON q.id = u.parent_id \
             WHERE q.root_id = $1 AND {shows_q} AND u.depth < 10000) \
             SELECT id, published_at FROM up ORDER BY depth DESC LIMIT 1",
            shows_p = view.shows("p"),
            shows_q = view.shows("q"),
        );
        let Some(top) = sqlx::query(&sql)
            .bind(root)
            .bind(post)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let (top_id, published_at): (i64, i64) = (top.try_get("id")?, top.try_get("published_at")?);
        let before: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM posts p WHERE {} \
             AND (p.published_at < $3 OR (p.published_at = $3 AND p.id < $2))",
            view.top_level()
        ))
        .bind(root)
        .bind(top_id)
        .bind(published_at)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(Some(before))
    }

    /// The live replies of the thread `root`: how many the public is shown, and how many not.
    pub async fn reply_counts(&self, root: i64) -> Result<ReplyCounts, sqlx::Error> {
        // One pass over the thread's rows for both counts.
        let row = sqlx::query(&format!(
            "SELECT COALESCE(SUM(CASE WHEN {VISIBLE} THEN 1 ELSE 0 END), 0) AS shown, \
             COUNT(*) AS live FROM posts p WHERE p.root_id = $1 AND p.deleted_at IS NULL"
        ))
        .bind(root)
        .fetch_one(&self.pool)
        .await?;
        let (shown, live): (i64, i64) = (row.try_get("shown")?, row.try_get("live")?);
        Ok(ReplyCounts {
            public: shown,
            not_public: (live - shown).max(0),
        })
    }

    /// The likes, boosts and recorded edits of each of these posts, in one query; posts with
    /// none are absent from the map.
    pub async fn post_stats(&self, ids: &[i64]) -> Result<HashMap<i64, PostStats>, sqlx::Error> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let listed = in_json_list(self.backend, "post_id", 1, false);
        let sql = format!(
            "SELECT post_id, kind, COUNT(*) AS n FROM reactions WHERE {listed} \
             GROUP BY post_id, kind \
             UNION ALL \
             SELECT post_id, 'edit' AS kind, COUNT(*) AS n FROM post_edits \
             WHERE {listed} GROUP BY post_id"
        );
        let ids = json_list(ids)?;
        let query = sqlx::query(&sql).bind(ids);
        let mut stats: HashMap<i64, PostStats> = HashMap::new();
        for row in query.fetch_all(&self.pool).await? {
            let kind: String = row.try_get("kind")?;
            let n: i64 = row.try_get("n")?;
            let entry = stats.entry(row.try_get("post_id")?).or_default();
            match kind.as_str() {
                "like" => entry.likes = n,
                "announce" => entry.announces = n,
                "edit" => entry.edits = n,
                _ => {}
            }
        }
        Ok(stats)
    }
}
