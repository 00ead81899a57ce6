//! Follows of local actors: accepting one (and queueing the `Accept`), and undoing one (an
//! `Undo` that names its activity only by id may also take back a reaction).
//!
//! Each change runs in one transaction that also records the inbound activity id, so a replay
//! changes nothing, and that also writes the deliveries it causes.

use activitypub_federation::{config::Data, fetch::object_id::ObjectId};

use crate::{
    db::Db,
    delivery::{self, Recipient},
    error::{Error, Result},
    federation::{
        activities::{
            accept::AcceptFollow,
            follow::Follow,
            undo_follow::{UndoFollow, UndoneFollow},
        },
        objects::{local_actor::ApubLocalActor, remote_actor::ApubRemoteActor},
    },
    state::AppState,
};

fn already_processed() -> Error {
    Error::Conflict("activity already processed".into())
}

/// Records the follow and queues the signed `Accept` to the follower, in one transaction.
pub async fn accept_follow(
    data: &Data<AppState>,
    target: &ApubLocalActor,
    follow: &Follow,
) -> Result<()> {
    let follower = ObjectId::<ApubRemoteActor>::from(follow.actor.clone())
        .dereference(data)
        .await?;
    let accept = AcceptFollow::new(target.id.clone(), follow);
    let payload = serde_json::to_string(&accept).map_err(|err| Error::Internal(err.to_string()))?;

    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, follow.id.as_str()).await? {
        return Err(already_processed());
    }
    Db::add_follower(&mut tx, target.row.id, follower.0.id, follow.id.as_str()).await?;
    delivery::enqueue(
        &mut tx,
        &accept.id,
        &target.row,
        &payload,
        &[Recipient::PersonalInbox(follower.0.id)],
    )
    .await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    tracing::info!(actor = %target.row.name, follower = %follower.0.ap_id, "accepted a follow");
    Ok(())
}

/// Removes the follow an `Undo` points at, if it is still in force.
pub async fn undo_follow(data: &Data<AppState>, undo: &UndoFollow) -> Result<()> {
    let follower = ObjectId::<ApubRemoteActor>::from(undo.actor.clone())
        .dereference(data)
        .await?;
    let named_target = match &undo.object {
        UndoneFollow::Embedded(follow) => match ApubLocalActor::name_in_url(&follow.object, data) {
            Some(name) => data.db.local_actor_by_name(name).await?,
            None => None,
        },
        UndoneFollow::Reference(_) => None,
    };

    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, undo.id.as_str()).await? {
        return Err(already_processed());
    }
    let target_id = match (&undo.object, named_target) {
        (_, Some(actor)) => Some(actor.id),
        (UndoneFollow::Reference(follow_id), None) => {
            Db::followed_by_activity(&mut tx, follower.0.id, follow_id.as_str()).await?
        }
        (UndoneFollow::Embedded(_), None) => None,
    };
    let removed = match target_id {
        Some(target_id) => Db::remove_follower(&mut tx, target_id, follower.0.id).await?,
        None => false,
    };
    // An Undo naming its activity only by id may take back a Like or a boost instead.
    if let (UndoneFollow::Reference(undone), false) = (&undo.object, removed) {
        Db::remove_reaction(&mut tx, follower.0.id, undone.as_str(), None).await?;
    }
    tx.commit().await?;
    if removed {
        tracing::info!(follower = %follower.0.ap_id, "removed a follower");
    }
    Ok(())
}
