//! Replies (and new threads) from other servers: threading them into conversations, their
//! edits and deletions, and the deletion of an actor with everything it wrote. The forum's Group
//! relays each public change to the forum's followers (FEP-1b12).
//!
//! Every change runs in one transaction with the inbound activity's id (a replay changes
//! nothing: 409) and the deliveries it causes. Network work (fetching missing ancestors) happens
//! before the transaction.

use std::collections::HashSet;

use activitypub_federation::{
    config::Data,
    fetch::{fetch_object_http, object_id::ObjectId},
};
use sqlx::AnyConnection;
use url::Url;

use super::{
    moderation::{bans, holds, screening},
    reply_writes::{NewReply, RemoteReplies, Written},
};
use crate::{
    db::{
        deliveries::OutboundBody,
        now_millis,
        posts::{NewPost, PostContent},
        Db, Tx,
    },
    delivery::{self, Recipient},
    error::{Error, Result},
    federation::{
        activities::{
            announce::{announce_activity, relay_announce_id},
            outgoing::Outgoing,
        },
        objects::{
            local_actor::ApubLocalActor, note::NoteJson, post::object_json,
            remote_actor::ApubRemoteActor,
        },
    },
    model::{
        actor::instance_of, ActorKind, Author, LocalActor, Post, PostDetails, PostKind, Visibility,
    },
    service::recent_posts,
    state::AppState,
};

/// A forum's Group as it relays posts: its row id (the signer) and its id.
#[derive(Clone, Debug)]
pub(crate) struct Relayer {
    pub id: i64,
    pub url: Url,
    /// Its followers, the recipients of what it relays.
    followers: [Recipient; 1],
}

impl Relayer {
    fn of(data: &AppState, group: &LocalActor) -> Relayer {
        Relayer {
            id: group.id,
            url: data.actor_url(group),
            followers: [Recipient::FollowersOf(group.id)],
        }
    }

    /// The Group's `Announce` of `activity`: its id and payload.
    pub fn announce(&self, activity: &Outgoing) -> (Url, String) {
        let announce = announce_activity(&self.url, activity);
        let payload = announce.payload();
        (announce.id, payload)
    }

    /// The `Announce` `id`, carrying `body`, to queue for the Group's followers.
    pub fn queued<'a>(
        &'a self,
        id: &'a Url,
        body: OutboundBody<'a>,
    ) -> delivery::enqueue::Queued<'a> {
        delivery::enqueue::Queued {
            activity_id: id.as_str(),
            signer_id: self.id,
            body,
            recipients: &self.followers,
        }
    }

    /// The id of the Group's `Announce` of the `Create` that brought `post` from elsewhere, if
    /// the Group relays it (public, not held). Queued with `OutboundBody::RelayOf`, the delivery
    /// worker renders it when it sends it (`relayed_posts`).
    pub fn relay_id(&self, post: &Post) -> Option<Url> {
        // The relay carries the post by its address: one without a valid one is not relayed.
        let addressed = post
            .ap_id
            .as_deref()
            .is_some_and(|id| Url::parse(id).is_ok());
        (addressed && is_relayed(post)).then(|| relay_announce_id(&self.url, post.id))
    }
}

/// How far up an `inReplyTo` chain Rounds fetches to find the conversation a reply belongs to.
pub const MAX_ANCESTORS: usize = 16;

/// The built-in forum that takes new threads from other servers unless told otherwise.
const OPEN_BY_DEFAULT: &str = "community";

pub(super) fn already_processed() -> Error {
    Error::Conflict("activity already processed".into())
}

pub(super) fn conversation_locked() -> Error {
    Error::Forbidden("this conversation is locked".into())
}

/// Records an inbound activity's id; 409 if it was acted on before.
async fn record_once(conn: &mut AnyConnection, activity_id: &Url) -> Result<()> {
    if Db::record_received_activity(conn, activity_id.as_str()).await? {
        Ok(())
    } else {
        Err(already_processed())
    }
}

/// Where a received post goes.
enum Placement {
    /// Under `anchor` (a post here), after the `ancestors` fetched on the way (nearest first).
    Reply {
        anchor: Box<Post>,
        /// The conversation's first post (the anchor itself when it is one).
        root: Box<Post>,
        ancestors: Vec<(NoteJson, i64)>,
    },
    /// A new thread in this forum.
    Thread(LocalActor),
}

/// A `Create` of a post by `actor`: stored once, threaded, and relayed by the forum. Posts
/// unrelated to Rounds are dropped (`Ok`, nothing stored).
pub async fn receive_note(
    data: &Data<AppState>,
    activity_id: &Url,
    actor: &Url,
    note: NoteJson,
) -> Result<()> {
    note.check_sent_by(actor)?;
    let author = ObjectId::<ApubRemoteActor>::from(actor.clone())
        .dereference(data)
        .await?;
    let Some(placement) = place(data, &note).await? else {
        tracing::info!(actor = %actor, "dropped a post unrelated to this server");
        return Ok(());
    };
    // A reply to a post here is written in bulk, which tells a post stored before by itself;
    // anything else is looked for first.
    let bulk = matches!(&placement, Placement::Reply { ancestors, .. } if ancestors.is_empty());
    if !bulk
        && Db::post_by_ap_id(&mut *data.db.pool.acquire().await?, note.id.as_str())
            .await?
            .is_some()
    {
        // The same post by another route (or again): nothing changes but the activity's id.
        let activity_id = activity_id.clone();
        return data
            .db
            .writer
            .write(move |conn| Box::pin(async move { record_once(conn, &activity_id).await }))
            .await;
    }

    // Moderation: locks, bans, reply policies and screening decide before anything is stored.
    let owner_id = match &placement {
        Placement::Reply { anchor, root, .. } => {
            if root.locked_at.is_some() {
                return Err(conversation_locked());
            }
            anchor.audience_id
        }
        Placement::Thread(forum) => forum.id,
    };
    bans::check(data, actor.as_str(), Some(owner_id)).await?;
    let html = note.sanitized_content();
    let hold = holds::inbound_hold(data, owner_id, &author.0, &html).await?;

    // The group that relays it (a forum; journal and webinar owners relay nothing).
    let group = relaying_group(data, owner_id).await?;
    // The common case, a reply to a post here with nothing fetched: written in bulk with the
    // other such replies waiting.
    if let Placement::Reply {
        anchor, ancestors, ..
    } = &placement
    {
        if ancestors.is_empty() {
            let reply = NewReply::new(data, activity_id, &author.0, &note, html, anchor)
                .held(hold)
                .relayed_by(group);
            return match data.db.writer.write_batched::<RemoteReplies>(reply).await? {
                Written::Stored {
                    id,
                    deliveries: Some(deliveries),
                } => {
                    data.ring_delivery_bell();
                    tracing::info!(post = id, kind = "reply", deliveries, "received a post");
                    Ok(())
                }
                Written::Stored {
                    id,
                    deliveries: None,
                } => {
                    tracing::info!(post = id, "received a post; held for review");
                    Ok(())
                }
                Written::Known => Ok(()),
                Written::Dropped => {
                    tracing::info!(actor = %actor, "dropped a reply: its conversation is gone");
                    Ok(())
                }
            };
        }
    }

    // Everything read from the pool is read before the transaction: code holding a transaction
    // never waits for a second connection (under load the pool would deadlock).
    let words = match &placement {
        Placement::Reply { ancestors, .. } if !ancestors.is_empty() => data
            .moderation_rules
            .current(&data.db)
            .await?
            .screening_words()
            .to_vec(),
        _ => Vec::new(),
    };
    // Written with other requests' writes in one transaction (group commit), answered once
    // committed.
    let state = AppState::clone(data);
    let activity_id = activity_id.clone();
    let author_id = author.0.id;
    let (stored, deliveries): (Post, Option<usize>) = data
        .db
        .writer
        .write::<_, Error, _>(move |conn| {
            Box::pin(async move {
                record_once(conn, &activity_id).await?;
                let stored = match placement {
                    Placement::Reply {
                        anchor, ancestors, ..
                    } => {
                        let mut parent = *anchor;
                        for (ancestor, ancestor_author) in ancestors.iter().rev() {
                            let html = ancestor.sanitized_content();
                            let place = reply_place(*ancestor_author, &parent);
                            let id =
                                insert_remote(conn, &state, ancestor, &html, place, None).await?;
                            parent = stored_post(conn, id).await?;
                            // Fetched ancestors are screened too; they are never relayed.
                            let text = crate::render::plain_text(&parent.content_html);
                            if let Some(reason) = screening::screen(&text, &words) {
                                Db::hold_post(conn, parent.id, &reason).await?;
                            }
                        }
                        let place = reply_place(author_id, &parent);
                        let id =
                            insert_remote(conn, &state, &note, &html, place, Some(&activity_id))
                                .await?;
                        stored_post(conn, id).await?
                    }
                    Placement::Thread(forum) => {
                        let title = note.title(&html);
                        let place = thread_place(author_id, &forum, &title);
                        let id =
                            insert_remote(conn, &state, &note, &html, place, Some(&activity_id))
                                .await?;
                        stored_post(conn, id).await?
                    }
                };
                if let Some(reason) = &hold {
                    Db::hold_post(conn, stored.id, reason).await?;
                    return Ok((stored, None));
                }
                let deliveries = match &group {
                    Some(group) => relay_received(conn, &stored, group)
                        .await?
                        .map_or(0, |(_, deliveries)| deliveries),
                    None => 0,
                };
                Ok((stored, Some(deliveries)))
            })
        })
        .await?;
    let Some(deliveries) = deliveries else {
        tracing::info!(post = stored.id, "received a post; held for review");
        return Ok(());
    };
    data.ring_delivery_bell();
    tracing::info!(
        post = stored.id,
        kind = stored.kind.as_str(),
        deliveries,
        "received a post"
    );
    Ok(())
}

/// The Group that relays what is posted in `owner_id`'s conversations: the owner if it is a
/// forum; journal and webinar owners relay nothing. Names and kinds of local actors never
/// change, so the answer is kept.
pub(super) async fn relaying_group(data: &AppState, owner_id: i64) -> Result<Option<Relayer>> {
    if let Some(known) = data.relaying_groups.get(&owner_id) {
        return Ok(known);
    }
    let group = data
        .db
        .local_actor_by_id(owner_id)
        .await?
        .filter(|owner| owner.kind == ActorKind::Group)
        .map(|group| Relayer::of(data, &group));
    data.relaying_groups.put(owner_id, group.clone());
    Ok(group)
}

/// Finds where a post belongs: under a post here (fetching missing ancestors), or, without
/// `inReplyTo`, as a new thread in a forum it addresses that takes them. `None`: unrelated.
async fn place(data: &Data<AppState>, note: &NoteJson) -> Result<Option<Placement>> {
    let Some(parent) = note.in_reply_to.clone() else {
        return Ok(forum_addressed(data, note).await?.map(Placement::Thread));
    };
    let mut ancestors = Vec::new();
    let mut seen = HashSet::new();
    let mut next = parent;
    for _ in 0..=MAX_ANCESTORS {
        if !seen.insert(next.clone()) {
            return Ok(None); // a loop in inReplyTo
        }
        // What a reply answers directly may come from `recent_posts`: only the bulk write
        // takes such a reply, and it checks the lock and the first post again as it writes.
        let recent = ancestors.is_empty();
        if let Some(anchor) = recent_posts::known_post(data, &next, recent).await? {
            let mut root = match anchor.root_id {
                Some(root_id) if recent => recent_posts::post_by_id(data, root_id).await?,
                Some(root_id) => data.db.post_by_id(root_id).await?,
                None => Some(anchor.clone()),
            };
            if let Some(locked) = root
                .as_ref()
                .filter(|root| recent && root.locked_at.is_some())
            {
                root = data.db.post_by_id(locked.id).await?; // refused only if it still is
            }
            // A conversation whose first post is gone takes no more replies.
            let Some(root) = root.filter(|root| !root.is_deleted()) else {
                return Ok(None);
            };
            return Ok(Some(Placement::Reply {
                anchor: Box::new(anchor),
                root: Box::new(root),
                ancestors,
            }));
        }
        if ancestors.len() == MAX_ANCESTORS
            || instance_of(&next).as_deref() == Some(data.config.domain.as_str())
        {
            return Ok(None);
        }
        let Some(ancestor) = fetch_ancestor(data, &next).await else {
            return Ok(None);
        };
        let Some(grandparent) = ancestor.0.in_reply_to.clone() else {
            return Ok(None); // the conversation starts elsewhere
        };
        ancestors.push(ancestor);
        next = grandparent;
    }
    Ok(None)
}

/// Fetches a missing ancestor and its author; `None` when it cannot be had or checked.
async fn fetch_ancestor(data: &Data<AppState>, id: &Url) -> Option<(NoteJson, i64)> {
    let fetched = match fetch_object_http::<AppState, NoteJson>(id, data).await {
        Ok(fetched) => fetched.object,
        Err(err) => {
            // Never the error itself: some carry the fetched body.
            let reason = crate::federation::urls::fetch_failure(&err);
            tracing::info!(ancestor = %id, reason, "an ancestor could not be fetched");
            return None;
        }
    };
    if instance_of(&fetched.id) != instance_of(id) || fetched.check_own_instance().is_err() {
        tracing::info!(ancestor = %id, "a fetched ancestor was not from its own instance");
        return None;
    }
    let author = ObjectId::<ApubRemoteActor>::from(fetched.attributed_to.clone())
        .dereference(data)
        .await
        .ok()?;
    Some((fetched, author.0.id))
}

/// The local forum a post without `inReplyTo` addresses or mentions, if it takes new threads
/// from elsewhere and the post is public.
async fn forum_addressed(data: &AppState, note: &NoteJson) -> Result<Option<LocalActor>> {
    if note.visibility() != Visibility::Public {
        return Ok(None);
    }
    let candidates = note
        .to
        .iter()
        .chain(note.cc.iter())
        .filter_map(|address| Url::parse(address).ok())
        .chain(note.audience.clone())
        .chain(note.mentions());
    for candidate in candidates {
        let Some(name) = ApubLocalActor::name_in_url(&candidate, data) else {
            continue;
        };
        let Some(forum) = data.db.local_actor_by_name(name).await? else {
            continue;
        };
        if forum.kind == ActorKind::Group && accepts_remote_threads(data, &forum).await? {
            return Ok(Some(forum));
        }
    }
    Ok(None)
}

/// Whether a forum takes new threads from other servers (a forum setting; on by default for
/// `community`, off for the others).
pub async fn accepts_remote_threads(data: &AppState, forum: &LocalActor) -> Result<bool> {
    Ok(data
        .db
        .forum_accepts_remote_threads(forum.id)
        .await?
        .unwrap_or(forum.name == OPEN_BY_DEFAULT))
}

/// Sets whether the forum `name` takes new threads from other servers; 404 if it is not a forum.
pub async fn set_remote_threads(data: &AppState, name: &str, accepts: bool) -> Result<()> {
    let forum = data
        .db
        .local_actor_by_name(name)
        .await?
        .filter(|actor| actor.kind == ActorKind::Group)
        .ok_or(Error::NotFound)?;
    data.db
        .set_forum_accepts_remote_threads(forum.id, accepts)
        .await?;
    tracing::info!(forum = %forum.name, accepts, "new threads from other servers");
    Ok(())
}

fn remote_details(note: &NoteJson) -> PostDetails {
    PostDetails {
        hashtags: note.hashtags(),
        ..PostDetails::default()
    }
}

/// Where a reply under `parent` goes.
fn reply_place(author_id: i64, parent: &Post) -> RemotePlace<'static> {
    RemotePlace {
        kind: PostKind::Reply,
        author_id,
        audience_id: parent.audience_id,
        root_id: Some(parent.root()),
        parent_id: Some(parent.id),
        title: None,
        not_before: parent.published_at,
    }
}

/// Where a new thread in `forum` goes.
fn thread_place<'a>(author_id: i64, forum: &LocalActor, title: &'a str) -> RemotePlace<'a> {
    RemotePlace {
        kind: PostKind::Thread,
        author_id,
        audience_id: forum.id,
        root_id: None,
        parent_id: None,
        title: Some(title),
        not_before: 0,
    }
}

/// The post just stored, as stored.
async fn stored_post(conn: &mut AnyConnection, id: i64) -> Result<Post> {
    Db::post_by_id_in(conn, id)
        .await?
        .ok_or_else(|| Error::Internal("a stored post vanished".into()))
}

struct RemotePlace<'a> {
    kind: PostKind,
    author_id: i64,
    audience_id: i64,
    root_id: Option<i64>,
    parent_id: Option<i64>,
    title: Option<&'a str>,
    not_before: i64,
}

async fn insert_remote(
    tx: &mut AnyConnection,
    data: &AppState,
    note: &NoteJson,
    html: &str,
    place: RemotePlace<'_>,
    activity_id: Option<&Url>,
) -> Result<i64> {
    let details = &remote_details(note);
    let remote_url = note.page_url(data.config.insecure_federation);
    let content_warning = note.content_warning();
    let id = Db::insert_post(
        tx,
        &NewPost {
            ap_id: Some(note.id.as_str()),
            kind: place.kind,
            author_local_id: None,
            author_remote_id: Some(place.author_id),
            audience_id: place.audience_id,
            root_id: place.root_id,
            parent_id: place.parent_id,
            content: PostContent {
                title: place.title,
                summary: None,
                content_warning: content_warning.as_deref(),
                source: None,
                content_html: html,
                details,
                starts_at: None,
                ends_at: None,
            },
            visibility: note.visibility(),
            remote_url: remote_url.as_ref().map(Url::as_str),
            // Never before what it answers, so that conversations read in order.
            published_at: note.published_millis(now_millis()).max(place.not_before),
            activity_ap_id: activity_id.map(Url::as_str),
        },
    )
    .await
    .map_err(|err| match Error::from(err) {
        // The same post arrived by two routes at once: the other one stored it.
        err if err.is_unique_violation() => already_processed(),
        err => err,
    })?;
    if !details.hashtags.is_empty() {
        Db::add_post_hashtags(tx, id, &details.hashtags).await?;
    }
    Ok(id)
}

/// Relays a post a moderator approved: the `Create` it came in, when it came in one. Returns
/// the id of the Group's `Announce`, if one was queued.
pub(crate) async fn relay_approved(
    tx: &mut Tx,
    data: &AppState,
    post: &Post,
) -> Result<Option<Url>> {
    if Db::post_activity(tx, post.id).await?.is_none() {
        return Ok(None);
    }
    let Some(group) = relaying_group(data, post.audience_id).await? else {
        return Ok(None);
    };
    Ok(relay_received(tx, post, &group).await?.map(|(id, _)| id))
}

/// The id of what a post answers.
async fn parent_url(tx: &mut AnyConnection, data: &AppState, post: &Post) -> Result<Option<Url>> {
    let Some(parent_id) = post.parent_id else {
        return Ok(None);
    };
    Ok(Db::post_by_id_in(tx, parent_id)
        .await?
        .map(|parent| crate::federation::objects::post::post_url(data, &parent)))
}

/// The Group of a public post's forum announces `activity` to its followers; nothing for
/// posts not addressed to the public, held, or outside forums. Returns the deliveries queued.
async fn relay(
    tx: &mut AnyConnection,
    data: &AppState,
    post: &Post,
    activity: &Outgoing,
) -> Result<usize> {
    Ok(relay_queued(tx, data, post, activity)
        .await?
        .map_or(0, |(_, deliveries)| deliveries))
}

async fn relay_queued(
    tx: &mut AnyConnection,
    data: &AppState,
    post: &Post,
    activity: &Outgoing,
) -> Result<Option<(Url, usize)>> {
    let Some(group) = Db::local_actor_by_id_in(tx, post.audience_id).await? else {
        return Ok(None);
    };
    if group.kind != ActorKind::Group {
        return Ok(None);
    }
    relay_to(tx, post, &Relayer::of(data, &group), activity).await
}

/// Whether a forum's Group relays a post: public and not held.
pub(super) fn is_relayed(post: &Post) -> bool {
    post.visibility == Visibility::Public && post.held_reason.is_none()
}

/// `group` (the post's forum) announces `activity` to its followers, if the post is public
/// and not held.
async fn relay_to(
    tx: &mut AnyConnection,
    post: &Post,
    group: &Relayer,
    activity: &Outgoing,
) -> Result<Option<(Url, usize)>> {
    if !is_relayed(post) {
        return Ok(None);
    }
    let (id, payload) = group.announce(activity);
    let deliveries =
        delivery::enqueue_many(tx, &[group.queued(&id, OutboundBody::Json(&payload))]).await?;
    Ok(Some((id, deliveries.into_iter().sum())))
}

/// `group` (the post's forum) relays the `Create` that brought the remote post `post`, if it
/// is public and not held: queued as a reference to the post (`relayed_posts` renders it).
async fn relay_received(
    tx: &mut AnyConnection,
    post: &Post,
    group: &Relayer,
) -> Result<Option<(Url, usize)>> {
    let Some(id) = group.relay_id(post) else {
        return Ok(None);
    };
    let queued = group.queued(&id, OutboundBody::RelayOf(post.id));
    let deliveries = delivery::enqueue_many(tx, &[queued]).await?;
    Ok(Some((id, deliveries.into_iter().sum())))
}

/// The stored remote post `id` names, if `actor` wrote it; 403 if someone else did.
async fn own_post(data: &AppState, actor: &Url, id: &Url) -> Result<Option<Post>> {
    let Some(post) = Db::post_by_ap_id(&mut *data.db.pool.acquire().await?, id.as_str()).await?
    else {
        return Ok(None);
    };
    match &post.author {
        Author::Remote { ap_id, .. } if ap_id == actor.as_str() => Ok(Some(post)),
        _ => Err(Error::Forbidden("only its author may change a post".into())),
    }
}

/// An `Update` of a post by its author: the new words replace the old, which are kept as an
/// edit; the Group relays it. A post Rounds does not have is ignored.
pub async fn edit_note(
    data: &Data<AppState>,
    activity_id: &Url,
    actor: &Url,
    note: NoteJson,
) -> Result<()> {
    note.check_sent_by(actor)?;
    let Some(post) = own_post(data, actor, &note.id).await? else {
        return Ok(());
    };
    if post.is_deleted() {
        return Ok(());
    }
    let html = note.sanitized_content();
    let details = remote_details(&note);
    let content_warning = note.content_warning();
    let title = match post.kind {
        PostKind::Thread => Some(note.title(&html)),
        _ => None,
    };
    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, activity_id.as_str()).await? {
        return Err(already_processed());
    }
    Db::record_edit(&mut tx, &post).await?;
    let content = PostContent {
        title: title.as_deref(),
        summary: None,
        content_warning: content_warning.as_deref(),
        source: None,
        content_html: &html,
        details: &details,
        starts_at: None,
        ends_at: None,
    };
    Db::update_post_content(&mut tx, post.id, &content).await?;
    Db::set_post_hashtags(&mut tx, post.id, &details.hashtags).await?;
    let edited = Db::post_by_id_in(&mut tx, post.id)
        .await?
        .ok_or(Error::NotFound)?;
    let object = object_json(data, &edited, parent_url(&mut tx, data, &edited).await?, 0);
    let mut update = crate::federation::activities::update_post::update_post(&object);
    update.id = activity_id.clone();
    let deliveries = relay(&mut tx, data, &edited, &update).await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    tracing::info!(
        post = post.id,
        deliveries,
        "a post was edited by its author"
    );
    Ok(())
}

/// A `Delete` by `actor`: of one of its posts (erased, its id then answers 410; the Group
/// relays the deletion), or of the actor itself (everything it wrote is erased, and its follows,
/// reactions and participation forgotten). Anything else is ignored.
pub async fn delete_object(
    data: &Data<AppState>,
    activity_id: &Url,
    actor: &Url,
    object: &Url,
) -> Result<()> {
    if object == actor {
        return delete_actor(data, activity_id, actor).await;
    }
    let Some(post) = own_post(data, actor, object).await? else {
        return Ok(());
    };
    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, activity_id.as_str()).await? {
        return Err(already_processed());
    }
    if !Db::tombstone_post(&mut tx, post.id).await? {
        tx.commit().await?;
        return Ok(());
    }
    let object = object_json(data, &post, None, 0);
    let mut delete = crate::federation::activities::delete_post::delete_post(&object);
    delete.id = activity_id.clone();
    let deliveries = relay(&mut tx, data, &post, &delete).await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    tracing::info!(
        post = post.id,
        deliveries,
        "a post was deleted by its author"
    );
    Ok(())
}

async fn delete_actor(data: &Data<AppState>, activity_id: &Url, actor: &Url) -> Result<()> {
    let Some(remote) = data.db.remote_actor_by_ap_id(actor).await? else {
        return Ok(());
    };
    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, activity_id.as_str()).await? {
        return Err(already_processed());
    }
    let posts = Db::live_posts_of_remote_actor(&mut tx, remote.id).await?;
    // Each forum the actor wrote in publicly relays its Delete once.
    let mut forums = Vec::new();
    for post_id in &posts {
        let Some(post) = Db::post_by_id_in(&mut tx, *post_id).await? else {
            continue;
        };
        Db::tombstone_post(&mut tx, post.id).await?;
        if post.visibility == Visibility::Public
            && !forums
                .iter()
                .any(|p: &Post| p.audience_id == post.audience_id)
        {
            forums.push(post);
        }
    }
    let mut delete = Outgoing::new(
        "Delete",
        activity_id.clone(),
        actor.clone(),
        serde_json::Value::String(actor.to_string()),
    );
    delete.to = vec![crate::federation::objects::post::PUBLIC.to_string()];
    let mut deliveries = 0;
    for post in &forums {
        deliveries += relay(&mut tx, data, post, &delete).await?;
    }
    Db::forget_remote_actor_activity(&mut tx, remote.id).await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    tracing::info!(
        posts = posts.len(),
        deliveries,
        "a remote actor was deleted with its posts"
    );
    Ok(())
}
