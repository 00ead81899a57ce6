//! Taking part in webinars from other servers (Mobilizon's `Join` and `Leave`). Each change runs
//! in one transaction with the inbound activity's id (a replay changes nothing) and the answer
//! it queues.

use activitypub_federation::{config::Data, fetch::object_id::ObjectId};

use crate::{
    db::{posts::Participation, Db},
    delivery::{self, Recipient},
    error::{Error, Result},
    federation::{
        activities::{
            join_event::{answer_join, Join},
            leave_event::Leave,
        },
        objects::remote_actor::ApubRemoteActor,
    },
    model::{Author, Post},
    state::AppState,
};

fn already_processed() -> Error {
    Error::Conflict("activity already processed".into())
}

/// Counts the joining actor in (or not, when the webinar is full) and queues the `Accept` or
/// `Reject` to its own inbox, signed by the webinar's organiser.
pub async fn join(data: &Data<AppState>, event: &Post, join: &Join) -> Result<()> {
    let participant = ObjectId::<ApubRemoteActor>::from(join.actor.clone())
        .dereference(data)
        .await?;
    let Author::Local {
        id: organiser_id, ..
    } = event.author
    else {
        return Err(Error::NotFound);
    };
    let organiser = data
        .db
        .local_actor_by_id(organiser_id)
        .await?
        .ok_or(Error::NotFound)?;

    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, join.id.as_str()).await? {
        return Err(already_processed());
    }
    let outcome = Db::join_event(
        &mut tx,
        event.id,
        participant.0.id,
        join.id.as_str(),
        event.details.capacity,
    )
    .await?;
    let kind = match outcome {
        Participation::Joined | Participation::AlreadyIn => "Accept",
        Participation::Full => "Reject",
    };
    let answer = answer_join(kind, data.actor_url(&organiser), join);
    delivery::enqueue(
        &mut tx,
        &answer.id,
        &organiser,
        &answer.payload(),
        &[Recipient::PersonalInbox(participant.0.id)],
    )
    .await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    tracing::info!(event = event.id, participant = %participant.0.ap_id, answer = kind, "join");
    Ok(())
}

/// Removes the leaving actor from the participants.
pub async fn leave(data: &Data<AppState>, event: &Post, leave: &Leave) -> Result<()> {
    let participant = ObjectId::<ApubRemoteActor>::from(leave.actor.clone())
        .dereference(data)
        .await?;
    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, leave.id.as_str()).await? {
        return Err(already_processed());
    }
    let left = Db::leave_event(&mut tx, event.id, participant.0.id).await?;
    tx.commit().await?;
    tracing::info!(event = event.id, participant = %participant.0.ap_id, left, "leave");
    Ok(())
}
