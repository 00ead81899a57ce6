//! Taking content down: removing a post (hidden here, and a `Delete` sent through the forum's
//! Group to every instance that received it; restorable) and locking a conversation (no more
//! replies; Lemmy's `Lock`, relayed by the Group). The log keeps the id of what was sent, so the
//! console can show, per instance, whether it was delivered.

use activitypub_federation::config::Data;
use serde_json::{json, Value};
use url::Url;

use super::{audit, holds::post_target, Moderator};
use crate::{
    db::{Db, Tx},
    delivery::{self, Recipient},
    error::{Error, Result},
    federation::{
        activities::{
            announce::announce_activity,
            delete_post::delete_post,
            outgoing::{unique_id, Outgoing},
        },
        objects::post::{object_json, post_url, PUBLIC},
    },
    model::{ActorKind, Author, LocalActor, Post},
    state::AppState,
};

/// The post and the actor whose conversation it is.
async fn post_and_owner(state: &AppState, post_id: i64) -> Result<(Post, LocalActor)> {
    let post = state
        .db
        .post_by_id(post_id)
        .await?
        .filter(|post| !post.is_deleted())
        .ok_or(Error::NotFound)?;
    let owner = state
        .db
        .local_actor_by_id(post.audience_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((post, owner))
}

/// Queues `activity` signed by `signer` to `recipients`, and the Group's relay of it when the
/// conversation is a forum's; returns the id to follow in the delivery records (the relay's).
async fn send_and_relay(
    tx: &mut Tx,
    state: &AppState,
    owner: &LocalActor,
    signer: &LocalActor,
    activity: &Outgoing,
    recipients: &[Recipient],
) -> Result<Url> {
    let mut followed = activity.id.clone();
    if !recipients.is_empty() {
        delivery::enqueue(tx, &activity.id, signer, &activity.payload(), recipients).await?;
    }
    if owner.kind == ActorKind::Group {
        let announce = announce_activity(&state.actor_url(owner), activity);
        delivery::enqueue(
            tx,
            &announce.id,
            owner,
            &announce.payload(),
            &[Recipient::FollowersOf(owner.id)],
        )
        .await?;
        followed = announce.id;
    }
    Ok(followed)
}

/// A `Delete` of `post` as the fediverse should see it: by its author when the author is a
/// member here (Mastodon accepts only the author's), else by the moderator (as Lemmy sends a
/// moderator's removal). Returns the activity, its signer and its direct recipients.
async fn deletion(
    state: &AppState,
    moderator: &Moderator,
    post: &Post,
    owner: &LocalActor,
) -> Result<(Outgoing, LocalActor, Vec<Recipient>)> {
    match &post.author {
        Author::Local { id, .. } => {
            let author = state
                .db
                .local_actor_by_id(*id)
                .await?
                .ok_or(Error::NotFound)?;
            let mut recipients = vec![Recipient::FollowersOf(author.id)];
            if owner.kind == ActorKind::Group && owner.id != author.id {
                recipients.push(Recipient::FollowersOf(owner.id));
            }
            Ok((
                delete_post(&object_json(state, post, None, 0)),
                author,
                recipients,
            ))
        }
        Author::Remote { .. } => {
            let moderator_url = state.actor_url(&moderator.0);
            let target = post_url(state, post);
            let mut delete = Outgoing::new(
                "Delete",
                unique_id(&moderator_url, "removals"),
                moderator_url,
                json!({ "id": target, "type": "Tombstone" }),
            );
            delete.to = vec![PUBLIC.to_string()];
            delete.audience = Some(state.actor_url(owner));
            Ok((delete, moderator.0.clone(), Vec::new()))
        }
    }
}

/// Removes a post: hidden here (restorable), and a `Delete` goes to every instance that received
/// it. Returns the id of the activity whose delivery records show where it reached.
pub async fn remove(
    data: &Data<AppState>,
    moderator: &Moderator,
    post_id: i64,
    reason: &str,
) -> Result<Url> {
    let removal = prepare_removal(data, moderator, post_id).await?;
    if removal.post.removed_at.is_some() {
        return Err(Error::Conflict("already removed".into()));
    }
    if removal.delete.is_none() {
        // Nobody else has it yet: rejecting it erases it, and sends nothing.
        return Err(Error::Conflict("held for review: reject it instead".into()));
    }
    let mut tx = data.db.begin().await?;
    let followed = apply_removal(&mut tx, data, moderator, &removal, reason).await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    followed.ok_or_else(|| Error::Internal("a removal sent nothing".into()))
}

/// A post's removal, read and built before its transaction (code holding a transaction never
/// waits for a second connection).
pub(crate) struct Removal {
    post: Post,
    owner: LocalActor,
    /// The `Delete`, its signer and its direct recipients; `None` for a post held for review,
    /// which nobody else has.
    delete: Option<(Outgoing, LocalActor, Vec<Recipient>)>,
}

async fn prepare_removal(
    data: &Data<AppState>,
    moderator: &Moderator,
    post_id: i64,
) -> Result<Removal> {
    let (post, owner) = post_and_owner(data, post_id).await?;
    let delete = match post.held_reason {
        Some(_) => None,
        None => Some(deletion(data, moderator, &post, &owner).await?),
    };
    Ok(Removal {
        post,
        owner,
        delete,
    })
}

/// Marks the post removed, queues its `Delete` (unless it was held) and records the decision,
/// in `tx`; the id to follow in the delivery records, if anything was sent. `NotFound` if it
/// was deleted meanwhile.
async fn apply_removal(
    tx: &mut Tx,
    data: &Data<AppState>,
    moderator: &Moderator,
    removal: &Removal,
    reason: &str,
) -> Result<Option<Url>> {
    let Removal {
        post,
        owner,
        delete,
    } = removal;
    if !Db::set_post_removed(tx, post.id, true).await? {
        return Err(Error::NotFound);
    }
    let followed = match delete {
        Some((delete, signer, recipients)) => {
            Some(send_and_relay(tx, data, owner, signer, delete, recipients).await?)
        }
        None => None,
    };
    audit::record(
        tx,
        moderator,
        "remove",
        &post_target(data, post),
        Some(owner.id),
        reason,
        followed.as_ref().map(Url::as_str),
    )
    .await?;
    Ok(followed)
}

/// Restores a removed post here; servers that honour it (Lemmy and other FEP-1b12 servers)
/// receive the Group's `Announce` of an `Undo` of the removal.
pub async fn restore(
    data: &Data<AppState>,
    moderator: &Moderator,
    post_id: i64,
    reason: &str,
) -> Result<()> {
    let (post, owner) = post_and_owner(data, post_id).await?;
    let moderator_url = data.actor_url(&moderator.0);
    let mut undo = Outgoing::new(
        "Undo",
        unique_id(&moderator_url, "restores"),
        moderator_url.clone(),
        json!({ "type": "Delete", "actor": moderator_url, "object": post_url(data, &post) }),
    );
    undo.to = vec![PUBLIC.to_string()];
    let mut tx = data.db.begin().await?;
    if !Db::set_post_removed(&mut tx, post.id, false).await? {
        return Err(Error::Conflict("not removed".into()));
    }
    // A held post was never sent: restored, it is held again, and nothing is sent.
    let followed = if owner.kind == ActorKind::Group && post.held_reason.is_none() {
        Some(send_and_relay(&mut tx, data, &owner, &moderator.0, &undo, &[]).await?)
    } else {
        None
    };
    audit::record(
        &mut tx,
        moderator,
        "restore",
        &post_target(data, &post),
        Some(owner.id),
        reason,
        followed.as_ref().map(Url::as_str),
    )
    .await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    Ok(())
}

/// Locks (or unlocks) a conversation by its first post: no further replies are accepted, here or
/// through the API; other servers are told with Lemmy's `Lock` (or `Undo(Lock)`).
pub async fn lock(
    data: &Data<AppState>,
    moderator: &Moderator,
    post_id: i64,
    locked: bool,
    reason: &str,
) -> Result<()> {
    let (post, owner) = post_and_owner(data, post_id).await?;
    if post.root_id.is_some() {
        return Err(Error::Unprocessable(
            "only a conversation's first post can be locked".into(),
        ));
    }
    let moderator_url = data.actor_url(&moderator.0);
    let target = post_url(data, &post);
    let lock = json!({ "type": "Lock", "actor": moderator_url, "object": target });
    let object: Value = if locked {
        lock.get("object").cloned().unwrap_or(Value::Null)
    } else {
        lock.clone()
    };
    let kind = if locked { "Lock" } else { "Undo" };
    let mut activity = Outgoing::new(
        kind,
        unique_id(&moderator_url, "locks"),
        moderator_url,
        object,
    );
    activity.to = vec![PUBLIC.to_string()];
    activity.audience = Some(data.actor_url(&owner));
    let mut tx = data.db.begin().await?;
    if !Db::set_post_locked(&mut tx, post.id, locked).await? {
        return Err(Error::Conflict(
            if locked {
                "already locked"
            } else {
                "not locked"
            }
            .into(),
        ));
    }
    let followed = if owner.kind == ActorKind::Group {
        Some(send_and_relay(&mut tx, data, &owner, &moderator.0, &activity, &[]).await?)
    } else {
        None
    };
    let action = if locked { "lock" } else { "unlock" };
    audit::record(
        &mut tx,
        moderator,
        action,
        target.as_str(),
        Some(owner.id),
        reason,
        followed.as_ref().map(Url::as_str),
    )
    .await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    Ok(())
}

/// The removal of everything `actor` wrote (in one forum, or everywhere), read and built
/// before the transaction that applies it ([`remove_everything_in`]).
pub(crate) async fn prepare_removal_of_everything_by(
    data: &Data<AppState>,
    moderator: &Moderator,
    actor: &Url,
    forum_id: Option<i64>,
) -> Result<Vec<Removal>> {
    let remote = data
        .db
        .remote_actor_by_ap_id(actor)
        .await?
        .map(|actor| actor.id);
    let local =
        match crate::federation::objects::local_actor::ApubLocalActor::name_in_url(actor, data) {
            Some(name) => data
                .db
                .local_actor_by_name(name)
                .await?
                .map(|actor| actor.id),
            None => None,
        };
    if remote.is_none() && local.is_none() {
        return Ok(Vec::new());
    }
    let mut removals = Vec::new();
    for post_id in data.db.live_posts_by_actor(remote, local, forum_id).await? {
        removals.push(prepare_removal(data, moderator, post_id).await?);
    }
    Ok(removals)
}

/// Applies [`prepare_removal_of_everything_by`]'s removals in `tx` (posts held for review are
/// marked removed too, and send nothing); how many posts were removed. A post deleted
/// meanwhile is passed over.
pub(crate) async fn remove_everything_in(
    tx: &mut Tx,
    data: &Data<AppState>,
    moderator: &Moderator,
    removals: &[Removal],
    reason: &str,
) -> Result<usize> {
    let mut removed = 0;
    for removal in removals {
        match apply_removal(tx, data, moderator, removal, reason).await {
            Ok(_) => removed += 1,
            Err(Error::NotFound) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(removed)
}
