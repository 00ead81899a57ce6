//! SQL for posts (threads, replies, journal announcements, webinars) and webinar participants.
//!
//! "Visible" everywhere here means public and not deleted: what public pages, collections and
//! feeds may show.

use serde::Serialize;
use sqlx::{
    any::{AnyArguments, AnyRow},
    query::Query,
    Any, AnyConnection, Row,
};

pub(super) use super::post_rows::{post_from_row, POST_SELECT};
use super::{
    now_millis,
    sql_lists::{json_list, json_rows, placeholders, value_rows},
    Backend, Db,
};
use crate::model::{Post, PostDetails, PostKind, Visibility};

/// What is needed to store a new post.
pub struct NewPost<'a> {
    pub ap_id: Option<&'a str>,
    pub kind: PostKind,
    pub author_local_id: Option<i64>,
    pub author_remote_id: Option<i64>,
    pub audience_id: i64,
    pub root_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub content: PostContent<'a>,
    pub visibility: Visibility,
    pub remote_url: Option<&'a str>,
    pub published_at: i64,
    /// The id of the inbound `Create` that brought a remote post.
    pub activity_ap_id: Option<&'a str>,
}

/// The words and fields of a post: what an edit replaces.
pub struct PostContent<'a> {
    pub title: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub content_warning: Option<&'a str>,
    pub source: Option<&'a str>,
    pub content_html: &'a str,
    pub details: &'a PostDetails,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

/// The columns a new post is stored with, in [`bind_new_post`]'s order.
const INSERT_COLUMNS: &str = "ap_id, kind, author_local_id, author_remote_id, audience_id, \
     root_id, parent_id, title, summary, content_warning, source, content_html, visibility, \
     details, starts_at, ends_at, remote_url, published_at, activity_ap_id";
const INSERT_WIDTH: usize = 19;
/// Posts per multi-row INSERT: 19 values each, well under both databases' limits.
const POSTS_PER_INSERT: usize = 100;

/// Binds a new post's values, in [`INSERT_COLUMNS`]' order.
fn bind_new_post<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    post: &NewPost<'q>,
) -> Query<'q, Any, AnyArguments<'q>> {
    let content = &post.content;
    query
        .bind(post.ap_id)
        .bind(post.kind.as_str())
        .bind(post.author_local_id)
        .bind(post.author_remote_id)
        .bind(post.audience_id)
        .bind(post.root_id)
        .bind(post.parent_id)
        .bind(content.title)
        .bind(content.summary)
        .bind(content.content_warning)
        .bind(content.source)
        .bind(content.content_html)
        .bind(post.visibility.as_str())
        .bind(details_json(content.details))
        .bind(content.starts_at)
        .bind(content.ends_at)
        .bind(post.remote_url)
        .bind(post.published_at)
        .bind(post.activity_ap_id)
}

/// [`INSERT_COLUMNS`] with their PostgreSQL types: the table [`PostRow`]s are read back as.
const INSERT_TYPES: &str = "ap_id text, kind text, author_local_id bigint, \
     author_remote_id bigint, audience_id bigint, root_id bigint, parent_id bigint, title text, \
     summary text, content_warning text, source text, content_html text, visibility text, \
     details text, starts_at bigint, ends_at bigint, remote_url text, published_at bigint, \
     activity_ap_id text";

/// A new post as one row of the JSON that PostgreSQL's multi-row insert reads
/// (`sql_lists::json_rows`): the fields of [`INSERT_COLUMNS`], by name.
#[derive(Serialize)]
struct PostRow<'a> {
    ap_id: Option<&'a str>,
    kind: &'a str,
    author_local_id: Option<i64>,
    author_remote_id: Option<i64>,
    audience_id: i64,
    root_id: Option<i64>,
    parent_id: Option<i64>,
    title: Option<&'a str>,
    summary: Option<&'a str>,
    content_warning: Option<&'a str>,
    source: Option<&'a str>,
    content_html: &'a str,
    visibility: &'a str,
    details: String,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    remote_url: Option<&'a str>,
    published_at: i64,
    activity_ap_id: Option<&'a str>,
}

impl<'a> PostRow<'a> {
    fn of(post: &'a NewPost<'a>) -> PostRow<'a> {
        let content = &post.content;
        PostRow {
            ap_id: post.ap_id,
            kind: post.kind.as_str(),
            author_local_id: post.author_local_id,
            author_remote_id: post.author_remote_id,
            audience_id: post.audience_id,
            root_id: post.root_id,
            parent_id: post.parent_id,
            title: content.title,
            summary: content.summary,
            content_warning: content.content_warning,
            source: content.source,
            content_html: content.content_html,
            visibility: post.visibility.as_str(),
            details: details_json(content.details),
            starts_at: content.starts_at,
            ends_at: content.ends_at,
            remote_url: post.remote_url,
            published_at: post.published_at,
            activity_ap_id: post.activity_ap_id,
        }
    }
}

/// Public, not deleted, not held for moderation, not removed by a moderator: the condition of
/// every query here and in `pages.rs` of what the public may see (`p` the post).
pub(super) const VISIBLE: &str = "p.visibility = 'public' AND p.deleted_at IS NULL \
     AND p.held_reason IS NULL AND p.removed_at IS NULL";

/// How far an actor's posts are counted, and listed, newest first: its outbox and a member's
/// page. Counting a forum's million posts took 300 ms a request (`COUNT(*)` reads every one);
/// counted up to here, the count costs at most this many index entries, and the pages reach as
/// far (older posts are still in their conversations).
pub const COUNTED_UP_TO: i64 = 10_000;

/// Whether page `number` (from 1) of `page_size` posts starts past the posts counted and listed
/// ([`COUNTED_UP_TO`]): such a page is not there (404), and nothing need be counted to say so.
pub fn page_past_counted(number: i64, page_size: i64) -> bool {
    (number - 1) * page_size >= COUNTED_UP_TO
}

/// Whose posts an outbox lists: a forum's (every post of its conversations) or an author's.
fn outbox_owner(whole_audience: bool) -> &'static str {
    if whole_audience {
        "p.audience_id = $1"
    } else {
        "p.author_local_id = $1"
    }
}

/// A post as the public may see it: one removed by moderators looks deleted.
pub fn as_public_tombstone(mut post: Post) -> Post {
    if let Some(removed_at) = post.removed_at {
        post.deleted_at = post.deleted_at.or(Some(removed_at));
        post.content_html = String::new();
        post.title = None;
        post.summary = None;
        post.content_warning = None;
        post.source = None;
        post.details = PostDetails::default();
    }
    post
}

fn details_json(details: &PostDetails) -> String {
    serde_json::to_string(details).unwrap_or_else(|_| "{}".to_string())
}

fn posts_from_rows(rows: &[AnyRow]) -> Result<Vec<Post>, sqlx::Error> {
    rows.iter().map(post_from_row).collect()
}

impl Db {
    /// Stores a post in the caller's transaction; returns its row id.
    pub async fn insert_post(
        conn: &mut AnyConnection,
        post: &NewPost<'_>,
    ) -> Result<i64, sqlx::Error> {
        let sql = format!(
            "INSERT INTO posts ({INSERT_COLUMNS}) VALUES ({}) RETURNING id",
            placeholders(1, INSERT_WIDTH)
        );
        let row = bind_new_post(sqlx::query(&sql), post)
            .fetch_one(conn)
            .await?;
        row.try_get("id")
    }

    /// Stores remote posts at once (a group commit's replies); a post whose `ap_id` is stored
    /// already is skipped. Returns the row id of each post stored, with its `ap_id`.
    pub async fn insert_remote_posts(
        conn: &mut AnyConnection,
        posts: &[NewPost<'_>],
    ) -> Result<Vec<(i64, String)>, sqlx::Error> {
        let mut stored = Vec::with_capacity(posts.len());
        if Backend::of(conn) == Backend::Postgres {
            // One statement for any number of posts (`sql_lists::json_rows`).
            let rows: Vec<PostRow> = posts.iter().map(PostRow::of).collect();
            let sql = format!(
                "INSERT INTO posts ({INSERT_COLUMNS}) SELECT {INSERT_COLUMNS} FROM {} \
                 ON CONFLICT DO NOTHING RETURNING id, ap_id",
                json_rows(1, INSERT_TYPES)
            );
            for row in sqlx::query(&sql)
                .bind(json_list(&rows)?)
                .fetch_all(&mut *conn)
                .await?
            {
                stored.push((row.try_get("id")?, row.try_get("ap_id")?));
            }
            return Ok(stored);
        }
        for chunk in posts.chunks(POSTS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO posts ({INSERT_COLUMNS}) VALUES {} \
                 ON CONFLICT DO NOTHING RETURNING id, ap_id",
                value_rows(conn, chunk.len(), INSERT_WIDTH)
            );
            let mut query = sqlx::query(&sql);
            for post in chunk {
                query = bind_new_post(query, post);
            }
            for row in query.fetch_all(&mut *conn).await? {
                stored.push((row.try_get("id")?, row.try_get("ap_id")?));
            }
        }
        Ok(stored)
    }

    /// A post by row id, deleted or not.
    pub async fn post_by_id(&self, id: i64) -> Result<Option<Post>, sqlx::Error> {
        Db::post_by_id_in(&mut *self.pool.acquire().await?, id).await
    }

    /// A post by row id in the caller's connection or transaction.
    pub async fn post_by_id_in(
        conn: &mut AnyConnection,
        id: i64,
    ) -> Result<Option<Post>, sqlx::Error> {
        let sql = format!("{POST_SELECT} WHERE p.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
        row.as_ref().map(post_from_row).transpose()
    }

    /// Replaces the words of a live post, marking it edited now. `false` if it is gone.
    pub async fn update_post_content(
        conn: &mut AnyConnection,
        id: i64,
        content: &PostContent<'_>,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE posts SET title = $1, summary = $2, content_warning = $3, source = $4, \
             content_html = $5, details = $6, starts_at = $7, ends_at = $8, updated_at = $9 \
             WHERE id = $10 AND deleted_at IS NULL",
        )
        .bind(content.title)
        .bind(content.summary)
        .bind(content.content_warning)
        .bind(content.source)
        .bind(content.content_html)
        .bind(details_json(content.details))
        .bind(content.starts_at)
        .bind(content.ends_at)
        .bind(now_millis())
        .bind(id)
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a post for real: its words are erased and only a tombstone (kind, place, times)
    /// stays, so that its id answers 410. `false` if it was already deleted.
    pub async fn tombstone_post(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE posts SET title = NULL, summary = NULL, content_warning = NULL, \
             source = NULL, content_html = '', details = '{}', deleted_at = $1 \
             WHERE id = $2 AND deleted_at IS NULL",
        )
        .bind(now_millis())
        .bind(id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            for table in [
                "event_participants",
                "post_edits",
                "reactions",
                "post_hashtags",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE post_id = $1"))
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Ok(done.rows_affected() == 1)
    }

    /// Visible roots of one kind in an audience (a forum's threads, the journal's
    /// announcements), newest first, with the total: both read from the index
    /// `posts_visible_roots` (its condition repeated here so that both databases use it).
    pub async fn visible_roots(
        &self,
        audience_id: i64,
        kind: PostKind,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Post>, i64), sqlx::Error> {
        // The kind in the text, not a parameter, as in `latest_of_kind`: PostgreSQL planned
        // both statements on every call (≈ 200 µs each of a forum page at a million replies).
        let kind = kind.as_str();
        let sql = format!(
            "{POST_SELECT} WHERE p.audience_id = $1 AND p.kind = '{kind}' AND p.root_id IS NULL \
             AND {VISIBLE} ORDER BY p.published_at DESC, p.id DESC LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(&sql)
            .bind(audience_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM posts p WHERE p.audience_id = $1 AND p.kind = '{kind}' \
             AND p.root_id IS NULL AND {VISIBLE}"
        ))
        .bind(audience_id)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok((posts_from_rows(&rows)?, total))
    }

    /// Visible root posts of `kind` (articles, events, threads) of every audience, newest
    /// first. (Roots only: `root_id IS NULL` lets it read the partial index
    /// `posts_roots_by_kind`.)
    pub async fn latest_of_kind(
        &self,
        kind: PostKind,
        limit: i64,
    ) -> Result<Vec<Post>, sqlx::Error> {
        // The kind in the text (one of four fixed words), not a parameter: PostgreSQL's plan
        // for any kind would have to allow for 'reply', a million rows, so it planned each
        // call anew (≈ 230 µs of a home page at a million replies, docs/performance.md).
        let sql = format!(
            "{POST_SELECT} WHERE p.kind = '{kind}' AND p.root_id IS NULL AND {VISIBLE} \
             ORDER BY p.published_at DESC, p.id DESC LIMIT $1",
            kind = kind.as_str()
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
        posts_from_rows(&rows)
    }

    /// Visible events ending after `after` (Unix ms), soonest first.
    pub async fn events_ending_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Post>, sqlx::Error> {
        let sql = format!(
            "{POST_SELECT} WHERE p.kind = 'event' AND p.root_id IS NULL AND p.ends_at > $1 \
             AND {VISIBLE} ORDER BY p.starts_at, p.id LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        posts_from_rows(&rows)
    }

    /// Visible direct answers to `parent`, oldest first, with the total.
    pub async fn visible_answers(
        &self,
        parent: i64,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Post>, i64), sqlx::Error> {
        let sql = format!(
            "{POST_SELECT} WHERE p.parent_id = $1 AND {VISIBLE} \
             ORDER BY p.published_at, p.id LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(&sql)
            .bind(parent)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM posts p WHERE p.parent_id = $1 AND {VISIBLE}"
        ))
        .bind(parent)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok((posts_from_rows(&rows)?, total))
    }

    /// Visible posts in the conversation rooted at `root`, root first then oldest first, with
    /// the total (the FEP-7888 context collection).
    pub async fn visible_in_context(
        &self,
        root: i64,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Post>, i64), sqlx::Error> {
        let sql = format!(
            "{POST_SELECT} WHERE (p.id = $1 OR p.root_id = $1) AND {VISIBLE} \
             ORDER BY CASE WHEN p.id = $1 THEN 0 ELSE 1 END, p.published_at, p.id \
             LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(&sql)
            .bind(root)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM posts p WHERE (p.id = $1 OR p.root_id = $1) AND {VISIBLE}"
        ))
        .bind(root)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok((posts_from_rows(&rows)?, total))
    }

    /// A page of what a local actor published, newest first (its outbox): for a forum, every
    /// visible post of its conversations; for anyone else, what it wrote. Read in order from an
    /// index (`posts_by_audience`, `posts_by_local_author`), so its cost is the page's.
    pub async fn outbox_page(
        &self,
        actor_id: i64,
        whole_audience: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Post>, sqlx::Error> {
        let sql = format!(
            "{POST_SELECT} WHERE {} AND {VISIBLE} \
             ORDER BY p.published_at DESC, p.id DESC LIMIT $2 OFFSET $3",
            outbox_owner(whole_audience)
        );
        let rows = sqlx::query(&sql)
            .bind(actor_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        posts_from_rows(&rows)
    }

    /// The posts of [`Self::outbox_page`]'s list, counted one by one up to `bound` (in
    /// practice [`COUNTED_UP_TO`]): at most `bound + 1`, meaning more than `bound`, so that the
    /// cost stays bounded however many there are.
    pub async fn count_outbox(
        &self,
        actor_id: i64,
        whole_audience: bool,
        bound: i64,
    ) -> Result<i64, sqlx::Error> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM posts p \
             WHERE {} AND {VISIBLE} LIMIT $2) counted",
            outbox_owner(whole_audience)
        );
        sqlx::query(&sql)
            .bind(actor_id)
            .bind(bound.saturating_add(1))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// Visible local posts: NodeInfo's `localPosts`.
    pub async fn count_local_posts(&self) -> Result<i64, sqlx::Error> {
        sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM posts p WHERE p.author_local_id IS NOT NULL AND {VISIBLE}"
        ))
        .fetch_one(&self.pool)
        .await?
        .try_get("n")
    }

    /// Adds a participant to an event, if there is room (`capacity`) and it is not one yet.
    /// Returns the outcome.
    pub async fn join_event(
        conn: &mut AnyConnection,
        post_id: i64,
        remote_actor_id: i64,
        join_activity_id: &str,
        capacity: Option<i64>,
    ) -> Result<Participation, sqlx::Error> {
        let already = sqlx::query(
            "SELECT 1 AS one FROM event_participants WHERE post_id = $1 AND remote_actor_id = $2",
        )
        .bind(post_id)
        .bind(remote_actor_id)
        .fetch_optional(&mut *conn)
        .await?;
        if already.is_some() {
            return Ok(Participation::AlreadyIn);
        }
        if let Some(capacity) = capacity {
            if Backend::of(conn) == Backend::Postgres {
                // PostgreSQL runs transactions side by side: two Joins would both count the
                // seats before either took one. The webinar's row, locked until commit, makes
                // them count in turn (`NO KEY`: the participants' foreign keys still share it).
                // SQLite's write transactions already run one at a time.
                sqlx::query("SELECT id FROM posts WHERE id = $1 FOR NO KEY UPDATE")
                    .bind(post_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            }
            if Db::count_participants_in(&mut *conn, post_id).await? >= capacity {
                return Ok(Participation::Full);
            }
        }
        sqlx::query(
            "INSERT INTO event_participants (post_id, remote_actor_id, join_activity_id, \
             created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(post_id)
        .bind(remote_actor_id)
        .bind(join_activity_id)
        .bind(now_millis())
        .execute(conn)
        .await?;
        Ok(Participation::Joined)
    }

    /// Removes a participant; `true` if it was one.
    pub async fn leave_event(
        conn: &mut AnyConnection,
        post_id: i64,
        remote_actor_id: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM event_participants WHERE post_id = $1 AND remote_actor_id = $2",
        )
        .bind(post_id)
        .bind(remote_actor_id)
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn count_participants(&self, post_id: i64) -> Result<i64, sqlx::Error> {
        Db::count_participants_in(&mut *self.pool.acquire().await?, post_id).await
    }

    async fn count_participants_in(
        conn: &mut AnyConnection,
        post_id: i64,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COUNT(*) AS n FROM event_participants WHERE post_id = $1")
            .bind(post_id)
            .fetch_one(conn)
            .await?
            .try_get("n")
    }
}

/// What a `Join` came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Participation {
    Joined,
    AlreadyIn,
    Full,
}

impl Db {
    /// Replaces the hashtags of a post (lower-cased, each once).
    pub async fn set_post_hashtags(
        conn: &mut AnyConnection,
        post_id: i64,
        tags: &[String],
    ) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM post_hashtags WHERE post_id = $1")
            .bind(post_id)
            .execute(&mut *conn)
            .await?;
        Self::add_post_hashtags(conn, post_id, tags).await
    }

    /// The hashtags of a post just stored (so it has none yet), lowercased, each once.
    pub async fn add_post_hashtags(
        conn: &mut AnyConnection,
        post_id: i64,
        tags: &[String],
    ) -> Result<(), sqlx::Error> {
        let mut seen = std::collections::BTreeSet::new();
        for tag in tags {
            let tag = tag.to_lowercase();
            if seen.insert(tag.clone()) {
                sqlx::query("INSERT INTO post_hashtags (post_id, tag) VALUES ($1, $2)")
                    .bind(post_id)
                    .bind(tag)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Ok(())
    }

    /// Visible posts carrying a hashtag, newest first.
    pub async fn visible_with_hashtag(
        &self,
        tag: &str,
        limit: i64,
    ) -> Result<Vec<Post>, sqlx::Error> {
        let sql = format!(
            "{POST_SELECT} JOIN post_hashtags h ON h.post_id = p.id WHERE h.tag = $1 AND {VISIBLE} \
             ORDER BY p.published_at DESC, p.id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(tag.to_lowercase())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        posts_from_rows(&rows)
    }
}

impl Db {
    /// The remote actors taking part in an event.
    pub async fn event_participant_ids(
        conn: &mut AnyConnection,
        post_id: i64,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let rows = sqlx::query("SELECT remote_actor_id FROM event_participants WHERE post_id = $1")
            .bind(post_id)
            .fetch_all(conn)
            .await?;
        rows.iter()
            .map(|row| row.try_get("remote_actor_id"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::sql_lists::keys_and_columns;

    #[test]
    fn a_post_row_has_every_column_of_the_insert_by_name() {
        let details = PostDetails::default();
        let post = NewPost {
            ap_id: Some("https://a.example/notes/1"),
            kind: PostKind::Reply,
            author_local_id: None,
            author_remote_id: Some(2),
            audience_id: 1,
            root_id: Some(3),
            parent_id: Some(3),
            content: PostContent {
                title: None,
                summary: None,
                content_warning: None,
                source: None,
                content_html: "<p>hi</p>",
                details: &details,
                starts_at: None,
                ends_at: None,
            },
            visibility: Visibility::Public,
            remote_url: None,
            published_at: 1,
            activity_ap_id: None,
        };
        let (keys, typed) = keys_and_columns(&PostRow::of(&post), INSERT_TYPES);
        assert_eq!(keys, typed);
        let (_, columns) = keys_and_columns(&PostRow::of(&post), INSERT_COLUMNS);
        assert_eq!(keys, columns);
    }
}
