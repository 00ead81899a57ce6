//! Profiles of local actors: changing one and telling its followers (`Update`), in one
//! transaction with the deliveries it causes.

use crate::{
    db::Db,
    delivery::{self, Recipient},
    error::{Error, Result},
    federation::{activities::update_actor::UpdateActor, objects::local_actor::ApubLocalActor},
    model::LocalActor,
    state::AppState,
};

/// The change made, and how many deliveries (one per remote shared inbox) it queued.
#[derive(Debug)]
pub struct ProfileUpdate {
    pub actor: LocalActor,
    pub activity_id: url::Url,
    pub deliveries: usize,
}

/// Sets the display name (and summary, if given) of the local actor `name` and queues an
/// `Update` of it to every follower.
pub async fn update_profile(
    state: &AppState,
    name: &str,
    display_name: &str,
    summary: Option<&str>,
) -> Result<ProfileUpdate> {
    let display_name = display_name.trim();
    if display_name.is_empty() {
        return Err(Error::Unprocessable("a display name is needed".into()));
    }
    let current = state
        .db
        .local_actor_by_name(name)
        .await?
        .ok_or(Error::NotFound)?;
    let summary = summary.map_or(current.summary.as_str(), str::trim);
    let mut tx = state.db.begin().await?;
    let actor = Db::update_local_actor_profile(&mut tx, name, display_name, summary)
        .await?
        .ok_or(Error::NotFound)?;
    let update = UpdateActor::new(ApubLocalActor::new(actor.clone(), state).to_json(state));
    let payload = serde_json::to_string(&update).map_err(|err| Error::Internal(err.to_string()))?;
    let deliveries = delivery::enqueue(
        &mut tx,
        &update.id,
        &actor,
        &payload,
        &[Recipient::FollowersOf(actor.id)],
    )
    .await?;
    tx.commit().await?;
    state.ring_delivery_bell();
    tracing::info!(actor = %actor.name, deliveries, "profile updated");
    Ok(ProfileUpdate {
        actor,
        activity_id: update.id,
        deliveries,
    })
}
