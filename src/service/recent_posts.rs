//! The posts that replies from other servers arrive under, kept for a moment. A webinar or a
//! journal paper draws a burst of replies to one thread, and each reply read what it answers,
//! and its thread's first post, again: a statement handed to a pooled connection each (on
//! SQLite to the connection's own thread), about a third of the CPU a reply cost in the ingest
//! benchmark.
//!
//! Only what never changes is relied on: a post's id, place (forum, thread, parent), address
//! and time. Whether a conversation is locked, or its first post deleted, may be up to [`KEEP`]
//! old here, so:
//! - only the bulk write of a reply (`reply_writes`) uses these copies, and it checks both
//!   again in its own transaction, before anything of the reply is written;
//! - a first post seen locked here is read again before a reply is refused.
//!
//! Every other path (ancestors fetched, new threads, edits) reads afresh.
//!
//! The copies keep no words (title, summary, content, source and details are emptied), and
//! at most [`CAPACITY`] of them are kept.

use std::time::Duration;

use url::Url;

use crate::{
    db::Db,
    delivery::cache::SmallCache,
    error::Result,
    federation::objects::post::local_post_id,
    model::{Post, PostDetails},
    state::AppState,
};

/// How long a copy is used.
pub const KEEP: Duration = Duration::from_secs(2);

/// The most copies kept (all are dropped when it is reached).
pub const CAPACITY: usize = 2_048;

/// Recently read posts, by row id, and the row ids of remote posts by ActivityPub id.
pub struct RecentPosts {
    by_id: SmallCache<i64, Post>,
    ids: SmallCache<String, i64>,
}

impl Default for RecentPosts {
    fn default() -> RecentPosts {
        RecentPosts {
            by_id: SmallCache::new(CAPACITY, Some(KEEP)),
            ids: SmallCache::new(CAPACITY, Some(KEEP)),
        }
    }
}

impl RecentPosts {
    fn keep(&self, post: &Post) {
        let mut copy = post.clone();
        copy.title = None;
        copy.summary = None;
        copy.content_html = String::new();
        copy.source = None;
        copy.details = PostDetails::default();
        if let Some(ap_id) = &copy.ap_id {
            self.ids.put(ap_id.clone(), copy.id);
        }
        self.by_id.put(copy.id, copy);
    }
}

/// A post here that `id` names: a local post, or a remote one already stored; from the recent
/// copies if `recent`.
pub async fn known_post(data: &AppState, id: &Url, recent: bool) -> Result<Option<Post>> {
    if let Some(number) = local_post_id(data, id) {
        let post = match recent {
            true => post_by_id(data, number).await?,
            false => data.db.post_by_id(number).await?,
        };
        return Ok(post.filter(|post| post.ap_id.is_none()));
    }
    if recent {
        return post_by_ap_id(data, id).await;
    }
    Ok(Db::post_by_ap_id(&mut *data.db.pool.acquire().await?, id.as_str()).await?)
}

/// The post `id` (see the module's notes on what may be old).
pub async fn post_by_id(data: &AppState, id: i64) -> Result<Option<Post>> {
    if let Some(post) = data.recent_posts.by_id.get(&id) {
        return Ok(Some(post));
    }
    let post = data.db.post_by_id(id).await?;
    if let Some(post) = &post {
        data.recent_posts.keep(post);
    }
    Ok(post)
}

/// The stored remote post `ap_id` (see the module's notes on what may be old).
pub async fn post_by_ap_id(data: &AppState, ap_id: &Url) -> Result<Option<Post>> {
    if let Some(id) = data.recent_posts.ids.get(ap_id.as_str()) {
        if let Some(post) = data.recent_posts.by_id.get(&id) {
            return Ok(Some(post));
        }
    }
    let post = Db::post_by_ap_id(&mut *data.db.pool.acquire().await?, ap_id.as_str()).await?;
    if let Some(post) = &post {
        data.recent_posts.keep(post);
    }
    Ok(post)
}
