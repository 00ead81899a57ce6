//! The common case of a post from another server, written in bulk: a reply to a post Rounds
//! has, with nothing fetched on the way. `conversations::receive_note` decides where it goes and
//! whether it is held; this module writes it with every other such reply waiting in the
//! group-commit writer (`db::writer::BatchWrite`): the received ids, the posts, the Group's
//! `Announce`s, their deliveries and the instances' queue places each take one multi-row
//! statement for the whole batch, instead of about nine statements a reply.
//!
//! What is written is what `receive_note`'s general path writes for the same reply: a replay
//! (an activity id seen before) answers 409 and writes nothing; a post already stored (the same
//! note by another route) records the activity id and changes nothing else.

use std::collections::{HashMap, HashSet};

use futures::future::BoxFuture;
use sqlx::AnyConnection;
use url::Url;

use super::conversations::{already_processed, conversation_locked, Relayer};
use crate::{
    db::{
        deliveries::OutboundBody,
        now_millis,
        posts::{NewPost, PostContent},
        writer::{BatchAnswers, BatchWrite},
        Db,
    },
    delivery::{self, enqueue::Queued},
    error::{Error, Result},
    federation::objects::note::NoteJson,
    model::{Author, Post, PostDetails, PostKind, RemoteActor},
    state::AppState,
};

/// A reply to store.
pub(crate) struct NewReply {
    /// The `Create` that brought it.
    pub activity_id: Url,
    /// The post as it will be stored, held or not (its `id` comes from the database).
    pub post: Post,
    /// The forum's Group, which relays the reply if it is public and not held.
    pub relay: Option<Relayer>,
}

/// What became of a reply.
pub(crate) enum Written {
    /// Stored as the post `id`; with the deliveries its `Announce` queued, `None` when it is
    /// held.
    Stored { id: i64, deliveries: Option<usize> },
    /// The same post was stored before (by another route): only the activity id is recorded.
    Known,
    /// Nothing written: the conversation's first post is gone.
    Dropped,
}

impl NewReply {
    /// The reply `note` by `author` under `parent`, its content already sanitized (`html`).
    pub fn new(
        data: &AppState,
        activity_id: &Url,
        author: &RemoteActor,
        note: &NoteJson,
        html: String,
        parent: &Post,
    ) -> NewReply {
        let post = Post {
            id: 0,
            ap_id: Some(note.id.to_string()),
            kind: PostKind::Reply,
            author: Author::Remote {
                id: author.id,
                ap_id: author.ap_id.to_string(),
                display_name: author.display_name.clone(),
                preferred_username: author.preferred_username.clone(),
                instance: author.instance.clone(),
                avatar_url: author.avatar_url.clone(),
                profile_url: author.profile_url.clone(),
            },
            audience_id: parent.audience_id,
            audience_name: parent.audience_name.clone(),
            root_id: Some(parent.root()),
            parent_id: Some(parent.id),
            title: None,
            summary: None,
            content_warning: note.content_warning(),
            source: None,
            content_html: html,
            visibility: note.visibility(),
            details: PostDetails {
                hashtags: note.hashtags(),
                ..PostDetails::default()
            },
            starts_at: None,
            ends_at: None,
            remote_url: note
                .page_url(data.config.insecure_federation)
                .map(|url| url.to_string()),
            // Never before what it answers, so that conversations read in order.
            published_at: note.published_millis(now_millis()).max(parent.published_at),
            updated_at: None,
            deleted_at: None,
            held_reason: None,
            removed_at: None,
            locked_at: None,
        };
        NewReply {
            activity_id: activity_id.clone(),
            post,
            relay: None,
        }
    }

    /// Held for review, for `reason`.
    pub fn held(mut self, reason: Option<String>) -> NewReply {
        self.post.held_reason = reason;
        self
    }

    /// Relayed by `group` (the forum's Group) when public and not held.
    pub fn relayed_by(mut self, group: Option<Relayer>) -> NewReply {
        self.relay = group;
        self
    }

    fn new_post(&self) -> NewPost<'_> {
        let post = &self.post;
        let author_remote_id = match &post.author {
            Author::Remote { id, .. } => Some(*id),
            Author::Local { .. } => None,
        };
        NewPost {
            ap_id: post.ap_id.as_deref(),
            kind: post.kind,
            author_local_id: None,
            author_remote_id,
            audience_id: post.audience_id,
            root_id: post.root_id,
            parent_id: post.parent_id,
            content: PostContent {
                title: post.title.as_deref(),
                summary: post.summary.as_deref(),
                content_warning: post.content_warning.as_deref(),
                source: post.source.as_deref(),
                content_html: &post.content_html,
                details: &post.details,
                starts_at: post.starts_at,
                ends_at: post.ends_at,
            },
            visibility: post.visibility,
            remote_url: post.remote_url.as_deref(),
            published_at: post.published_at,
            activity_ap_id: Some(self.activity_id.as_str()),
        }
    }
}

/// The [`BatchWrite`] kind of [`NewReply`].
pub(crate) struct RemoteReplies;

impl BatchWrite for RemoteReplies {
    type Item = NewReply;
    type Output = Written;
    type Error = Error;

    fn write<'c>(
        conn: &'c mut AnyConnection,
        items: Vec<&'c NewReply>,
    ) -> BoxFuture<'c, BatchAnswers<Written, Error>> {
        Box::pin(write_replies(conn, items))
    }
}

async fn write_replies(
    conn: &mut AnyConnection,
    items: Vec<&NewReply>,
) -> BatchAnswers<Written, Error> {
    let mut answers: Vec<Option<Result<Written>>> = items.iter().map(|_| None).collect();

    // The conversations as they are now, before anything is written: what `receive_note` read
    // of their first posts may be a moment old (`recent_posts`).
    let mut roots: Vec<i64> = items.iter().filter_map(|item| item.post.root_id).collect();
    roots.sort_unstable();
    roots.dedup();
    let locked = Db::live_conversations_locked(conn, &roots).await?;
    let mut open = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        match item.post.root_id.and_then(|root| locked.get(&root)) {
            None => answers[n] = Some(Ok(Written::Dropped)),
            Some(true) => answers[n] = Some(Err(conversation_locked())),
            Some(false) => open.push(n),
        }
    }

    // The activity ids: a replay changes nothing (the first of two in one batch wins).
    let ids: Vec<&str> = open
        .iter()
        .map(|&n| items[n].activity_id.as_str())
        .collect();
    let mut new_ids = Db::record_received_activities(conn, &ids).await?;
    let mut fresh = Vec::with_capacity(items.len());
    for n in open {
        let item = items[n];
        if new_ids.remove(item.activity_id.as_str()) {
            fresh.push(n);
        } else {
            answers[n] = Some(Err(already_processed()));
        }
    }

    // The posts: one already stored by another route is known (as is the second of two in one
    // batch, which never reaches the database).
    let mut distinct = HashSet::with_capacity(fresh.len());
    let (fresh, again): (Vec<usize>, Vec<usize>) = fresh
        .into_iter()
        .partition(|&n| distinct.insert(items[n].post.ap_id.as_deref()));
    for n in again {
        answers[n] = Some(Ok(Written::Known));
    }
    let rows: Vec<NewPost<'_>> = fresh.iter().map(|&n| items[n].new_post()).collect();
    let mut stored: HashMap<String, i64> = Db::insert_remote_posts(conn, &rows)
        .await?
        .into_iter()
        .map(|(id, ap_id)| (ap_id, id))
        .collect();
    let mut written: Vec<(usize, Post)> = Vec::with_capacity(fresh.len());
    for n in fresh {
        let ap_id = items[n].post.ap_id.as_deref().unwrap_or_default();
        match stored.remove(ap_id) {
            Some(id) => {
                let mut post = items[n].post.clone();
                post.id = id;
                written.push((n, post));
            }
            None => answers[n] = Some(Ok(Written::Known)),
        }
    }
    for (_, post) in &written {
        if !post.details.hashtags.is_empty() {
            Db::add_post_hashtags(conn, post.id, &post.details.hashtags).await?;
        }
        if let Some(reason) = &post.held_reason {
            Db::hold_post(conn, post.id, reason).await?;
        }
    }

    // The Groups' Announces of the public replies not held, queued together as references to
    // the posts: the delivery worker renders each when it sends it (`relayed_posts`).
    let mut announces = Vec::new();
    for (w, (n, post)) in written.iter().enumerate() {
        let Some(group) = &items[*n].relay else {
            continue;
        };
        if let Some(id) = group.relay_id(post) {
            announces.push((w, group, id, post.id));
        }
    }
    let queued: Vec<Queued<'_>> = announces
        .iter()
        .map(|(_, group, id, post_id)| group.queued(id, OutboundBody::RelayOf(*post_id)))
        .collect();
    let counts = delivery::enqueue_many(conn, &queued).await?;
    let mut deliveries: HashMap<usize, usize> = announces
        .iter()
        .zip(counts)
        .map(|((w, ..), count)| (*w, count))
        .collect();

    for (w, (n, post)) in written.into_iter().enumerate() {
        let queued = match post.held_reason {
            Some(_) => None,
            None => Some(deliveries.remove(&w).unwrap_or(0)),
        };
        answers[n] = Some(Ok(Written::Stored {
            id: post.id,
            deliveries: queued,
        }));
    }
    Ok(answers
        .into_iter()
        .map(|answer| {
            answer.unwrap_or_else(|| Err(Error::Internal("a reply was not answered".into())))
        })
        .collect())
}
