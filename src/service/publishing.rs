//! Publishing: members' threads and replies, the journal's announcements and the webinars'
//! notices; their edits and deletions. Each change is written in one transaction with the
//! deliveries it causes:
//!
//! - the author's activity (`Create`, `Update`, `Delete`) to the author's followers, the remote
//!   actors the post mentions, the author of what it answers and (webinars) the participants;
//!   edits and deletions in a forum also go to the forum's followers, so that servers which
//!   only saw the Group's boost (Mastodon) apply them;
//! - in a forum, the Group's `Announce` of that activity to the forum's followers (FEP-1b12),
//!   and for a new post also the Group's boost of the object itself.

use activitypub_federation::config::Data;
use url::Url;

use super::moderation::bans;
use super::{
    members::require_role,
    mentions::{resolve_mentions, Mentioned},
    post_rules::{check_draft, Checked, Draft},
};
use crate::{
    db::{
        now_millis,
        posts::{NewPost, PostContent},
        Db, Tx,
    },
    delivery::{self, Recipient},
    error::{Error, Result},
    federation::{
        activities::{
            announce::{announce_activity, announce_object},
            create_post::create_post,
            delete_post::delete_post,
            outgoing::Outgoing,
            update_post::update_post,
        },
        objects::post::{object_json, post_url, ObjectJson},
    },
    model::{ActorKind, LocalActor, MentionRef, Post, PostDetails, PostKind, Role, Visibility},
    render::{render_markdown, Handle},
    state::AppState,
};

/// The journal's and the webinars' actors.
pub const JOURNAL: &str = "journal";
pub const WEBINARS: &str = "webinars";

/// Who may write in forums, and who may speak as the journal or the webinars.
const WRITERS: [Role; 3] = [Role::Admin, Role::Moderator, Role::Author];
const SOCIETY_VOICES: [Role; 2] = [Role::Admin, Role::Author];

/// Where a new post goes.
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// A new thread in the forum of this name.
    Forum(&'a str),
    /// A journal announcement.
    Journal,
    /// A webinar notice.
    Webinars,
    /// A reply to the post of this id.
    ReplyTo(i64),
}

/// A post just published or changed.
#[derive(Debug)]
pub struct Published {
    pub post: Post,
    /// Its ActivityPub id; also its page.
    pub id: Url,
    /// How many deliveries (requests) were queued.
    pub deliveries: usize,
}

async fn local_actor(data: &AppState, name: &str) -> Result<LocalActor> {
    data.db
        .local_actor_by_name(name)
        .await?
        .ok_or(Error::NotFound)
}

/// A live local post (404 otherwise: remote posts are changed only by their authors).
async fn live_local_post(data: &AppState, id: i64) -> Result<Post> {
    data.db
        .post_by_id(id)
        .await?
        .filter(|post| !post.is_deleted() && post.ap_id.is_none())
        .ok_or(Error::NotFound)
}

/// 403 unless `member` may edit (or, `deleting`, delete) `post`: its author, an admin, an
/// author for the journal's and webinars' posts, a moderator to delete.
fn may_change(member: &LocalActor, post: &Post, deleting: bool) -> Result<()> {
    let society_post = matches!(post.kind, PostKind::Article | PostKind::Event);
    let allowed = post.is_by_local(member.id)
        || member.role == Some(Role::Admin)
        || (society_post && member.role == Some(Role::Author))
        || (deleting && member.role == Some(Role::Moderator));
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only its author or an admin may change this".into(),
        ))
    }
}

/// Publishes a new post written by `member` at `place`.
pub async fn publish(
    data: &Data<AppState>,
    member: &LocalActor,
    place: Place<'_>,
    draft: &Draft,
) -> Result<Published> {
    let (kind, author, audience, parent) = match place {
        Place::Forum(name) => {
            require_role(member, &WRITERS)?;
            let forum = local_actor(data, name).await?;
            if forum.kind != ActorKind::Group {
                return Err(Error::NotFound);
            }
            (PostKind::Thread, member.clone(), forum, None)
        }
        Place::Journal => {
            require_role(member, &SOCIETY_VOICES)?;
            let journal = local_actor(data, JOURNAL).await?;
            (PostKind::Article, journal.clone(), journal, None)
        }
        Place::Webinars => {
            require_role(member, &SOCIETY_VOICES)?;
            let webinars = local_actor(data, WEBINARS).await?;
            (PostKind::Event, webinars.clone(), webinars, None)
        }
        Place::ReplyTo(parent_id) => {
            require_role(member, &WRITERS)?;
            let parent = data
                .db
                .post_by_id(parent_id)
                .await?
                .filter(|post| post.is_visible())
                .ok_or(Error::NotFound)?;
            let audience = data
                .db
                .local_actor_by_id(parent.audience_id)
                .await?
                .ok_or(Error::NotFound)?;
            (PostKind::Reply, member.clone(), audience, Some(parent))
        }
    };
    // Moderation: a member banned here may not write; a locked conversation takes no replies.
    bans::check(data, data.actor_url(member).as_str(), Some(audience.id)).await?;
    if let Some(parent) = &parent {
        let root = match parent.root_id {
            Some(root_id) => data.db.post_by_id(root_id).await?,
            None => Some(parent.clone()),
        };
        if root.is_some_and(|root| root.locked_at.is_some() || root.is_deleted()) {
            return Err(Error::Forbidden("this conversation is locked".into()));
        }
    }
    let checked = check_draft(kind, draft).map_err(Error::Invalid)?;
    let mentions = resolve_mentions(data, &checked.body).await;
    let (html, details) = render(data, &checked, &mentions);
    let parent_url = parent.as_ref().map(|parent| post_url(data, parent));
    let mut recipients = remote_mentions(data, &details).await?;
    if let Some(parent) = &parent {
        recipients.extend(remote_author(parent));
    }

    let mut tx = data.db.begin().await?;
    let post_id = Db::insert_post(
        &mut tx,
        &NewPost {
            ap_id: None,
            kind,
            author_local_id: Some(author.id),
            author_remote_id: None,
            audience_id: audience.id,
            root_id: parent.as_ref().map(Post::root),
            parent_id: parent.as_ref().map(|parent| parent.id),
            content: content(&checked, &html, &details),
            visibility: Visibility::Public,
            remote_url: None,
            published_at: now_millis(),
            activity_ap_id: None,
        },
    )
    .await?;
    Db::add_post_hashtags(&mut tx, post_id, &details.hashtags).await?;
    let post = Db::post_by_id_in(&mut tx, post_id)
        .await?
        .ok_or_else(|| Error::Internal("a new post vanished".into()))?;
    let object = object_json(data, &post, parent_url, 0);
    let create = create_post(&object);
    recipients.push(Recipient::FollowersOf(author.id));
    let mut deliveries = send(&mut tx, &author, &create, &recipients).await?;
    deliveries += relay(&mut tx, data, &audience, &author, &create, Some(&object)).await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    tracing::info!(post = post.id, kind = kind.as_str(), by = %member.name, deliveries, "published");
    Ok(Published {
        id: object.id,
        post,
        deliveries,
    })
}

/// Edits a post: `changes` replaces the fields it gives, and the post as it would be is
/// checked as a new one is (422 field by field). Followers receive an `Update`.
pub async fn edit(
    data: &Data<AppState>,
    member: &LocalActor,
    id: i64,
    changes: Draft,
) -> Result<Published> {
    let post = live_local_post(data, id).await?;
    may_change(member, &post, false)?;
    let draft = Draft::from_post(&post).with_changes(changes);
    let checked = check_draft(post.kind, &draft).map_err(Error::Invalid)?;
    let mentions = resolve_mentions(data, &checked.body).await;
    let (html, details) = render(data, &checked, &mentions);
    let (author, audience, parent_url, mut recipients) = conversation_of(data, &post).await?;
    recipients.extend(remote_mentions(data, &details).await?);

    let mut tx = data.db.begin().await?;
    // The version it replaces is kept, as a remote post's is (shown as "edited", erased with
    // the post when it is deleted).
    let before = Db::post_by_id_in(&mut tx, post.id)
        .await?
        .filter(|before| !before.is_deleted())
        .ok_or(Error::NotFound)?;
    Db::record_edit(&mut tx, &before).await?;
    if !Db::update_post_content(&mut tx, post.id, &content(&checked, &html, &details)).await? {
        return Err(Error::NotFound);
    }
    Db::set_post_hashtags(&mut tx, post.id, &details.hashtags).await?;
    let post = Db::post_by_id_in(&mut tx, post.id)
        .await?
        .ok_or(Error::NotFound)?;
    recipients.extend(participants(&mut tx, &post).await?);
    let participant_count = participant_count(data, &post).await?;
    let object = object_json(data, &post, parent_url, participant_count);
    let update = update_post(&object);
    let mut deliveries = send(&mut tx, &author, &update, &recipients).await?;
    deliveries += relay(&mut tx, data, &audience, &author, &update, None).await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    tracing::info!(post = post.id, by = %member.name, deliveries, "edited");
    Ok(Published {
        id: object.id,
        post,
        deliveries,
    })
}

/// Deletes a post for real (its words are erased; its id answers 410) and sends `Delete`
/// wherever it went. Its replies stay, under a "deleted" mark.
pub async fn delete(data: &Data<AppState>, member: &LocalActor, id: i64) -> Result<Published> {
    let post = live_local_post(data, id).await?;
    may_change(member, &post, true)?;
    let (author, audience, parent_url, mut recipients) = conversation_of(data, &post).await?;
    recipients.extend(remote_mentions(data, &post.details).await?);
    let object = object_json(data, &post, parent_url, 0);

    let mut tx = data.db.begin().await?;
    recipients.extend(participants(&mut tx, &post).await?);
    if !Db::tombstone_post(&mut tx, post.id).await? {
        return Err(Error::NotFound);
    }
    // What still waits to be sent about it (a Create for a peer that is down) is not sent.
    let about = object.id.to_string();
    let withdrawn = Db::withdraw_pending_about(
        &mut tx,
        &[
            format!("{about}/activity"),
            format!("{about}/announce"),
            format!("{about}/boost"),
        ],
        &format!("{about}#"),
    )
    .await?;
    let delete = delete_post(&object);
    let mut deliveries = send(&mut tx, &author, &delete, &recipients).await?;
    deliveries += relay(&mut tx, data, &audience, &author, &delete, None).await?;
    let post = Db::post_by_id_in(&mut tx, post.id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    data.ring_delivery_bell();
    tracing::info!(post = post.id, by = %member.name, deliveries, withdrawn, "deleted");
    Ok(Published {
        id: object.id,
        post,
        deliveries,
    })
}

/// A post's author and audience, the id of what it answers, and who besides followers hears
/// of its changes (the author of its parent; in a forum, the forum's followers).
async fn conversation_of(
    data: &AppState,
    post: &Post,
) -> Result<(LocalActor, LocalActor, Option<Url>, Vec<Recipient>)> {
    let author_id = match post.author {
        crate::model::Author::Local { id, .. } => id,
        crate::model::Author::Remote { .. } => return Err(Error::NotFound),
    };
    let author = data
        .db
        .local_actor_by_id(author_id)
        .await?
        .ok_or(Error::NotFound)?;
    let audience = data
        .db
        .local_actor_by_id(post.audience_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut recipients = vec![Recipient::FollowersOf(author.id)];
    if audience.kind == ActorKind::Group && audience.id != author.id {
        recipients.push(Recipient::FollowersOf(audience.id));
    }
    let parent = match post.parent_id {
        Some(parent_id) => data.db.post_by_id(parent_id).await?,
        None => None,
    };
    if let Some(parent) = &parent {
        recipients.extend(remote_author(parent));
    }
    let parent_url = parent.as_ref().map(|parent| post_url(data, parent));
    Ok((author, audience, parent_url, recipients))
}

fn remote_author(post: &Post) -> Option<Recipient> {
    match post.author {
        crate::model::Author::Remote { id, .. } => Some(Recipient::Actor(id)),
        crate::model::Author::Local { .. } => None,
    }
}

/// The remote actors among a post's mentions.
async fn remote_mentions(data: &AppState, details: &PostDetails) -> Result<Vec<Recipient>> {
    let mut recipients = Vec::new();
    for mention in &details.mentions {
        let Ok(url) = Url::parse(&mention.href) else {
            continue;
        };
        if let Some(actor) = data.db.remote_actor_by_ap_id(&url).await? {
            recipients.push(Recipient::Actor(actor.id));
        }
    }
    Ok(recipients)
}

async fn participants(tx: &mut Tx, post: &Post) -> Result<Vec<Recipient>> {
    if post.kind != PostKind::Event {
        return Ok(Vec::new());
    }
    Ok(Db::event_participant_ids(tx, post.id)
        .await?
        .into_iter()
        .map(Recipient::Actor)
        .collect())
}

async fn participant_count(data: &AppState, post: &Post) -> Result<i64> {
    if post.kind != PostKind::Event {
        return Ok(0);
    }
    Ok(data.db.count_participants(post.id).await?)
}

/// Queues `activity`, signed by `signer`, for `recipients`.
async fn send(
    tx: &mut Tx,
    signer: &LocalActor,
    activity: &Outgoing,
    recipients: &[Recipient],
) -> Result<usize> {
    delivery::enqueue(tx, &activity.id, signer, &activity.payload(), recipients).await
}

/// In a forum written in by someone else, the Group relays `activity` to its followers, and
/// boosts a new `object`.
async fn relay(
    tx: &mut Tx,
    data: &AppState,
    audience: &LocalActor,
    author: &LocalActor,
    activity: &Outgoing,
    object: Option<&ObjectJson>,
) -> Result<usize> {
    if audience.kind != ActorKind::Group || audience.id == author.id {
        return Ok(0);
    }
    let group = data.actor_url(audience);
    let followers = [Recipient::FollowersOf(audience.id)];
    let mut deliveries = send(
        tx,
        audience,
        &announce_activity(&group, activity),
        &followers,
    )
    .await?;
    if let Some(object) = object {
        deliveries += send(tx, audience, &announce_object(&group, object), &followers).await?;
    }
    Ok(deliveries)
}

/// The Markdown body as sanitized HTML, and the hashtags (written and given) and mentions.
fn render(
    data: &AppState,
    checked: &Checked,
    mentions: &std::collections::HashMap<Handle, Mentioned>,
) -> (String, PostDetails) {
    let urls = mentions
        .iter()
        .map(|(handle, mentioned)| (handle.clone(), mentioned.url.clone()))
        .collect();
    let rendered = render_markdown(&checked.body, &data.url("/tags/"), &urls);
    let mut hashtags = rendered.hashtags;
    for tag in &checked.tags {
        if !hashtags
            .iter()
            .any(|known| known.to_lowercase() == tag.to_lowercase())
        {
            hashtags.push(tag.clone());
        }
    }
    let details = PostDetails {
        hashtags,
        mentions: rendered
            .mentions
            .iter()
            .map(|(handle, url)| MentionRef {
                href: url.to_string(),
                name: handle.to_string(),
            })
            .collect(),
        link: checked.link.clone(),
        doi: checked.doi.clone(),
        timezone: checked.timezone.clone(),
        join_url: checked.join_url.clone(),
        capacity: checked.capacity,
    };
    (rendered.html, details)
}

fn content<'a>(checked: &'a Checked, html: &'a str, details: &'a PostDetails) -> PostContent<'a> {
    PostContent {
        title: checked.title.as_deref(),
        summary: checked.summary.as_deref(),
        content_warning: checked.content_warning.as_deref(),
        source: Some(checked.body.as_str()),
        content_html: html,
        details,
        starts_at: checked.starts_at,
        ends_at: checked.ends_at,
    }
}
