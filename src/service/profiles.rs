//! Profiles of local actors: changing one and telling its followers (`Update`), in one
//! transaction with the deliveries it causes.

use crate::{
    db::Db,
    delivery::{self, Recipient},
    error::{Error, FieldError, Result},
    federation::{activities::update_actor::UpdateActor, objects::local_actor::ApubLocalActor},
    model::{ActorKind, LocalActor},
    service::actors::forum_problems,
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
    state.actor_documents.forget(&actor.name);
    state.ring_delivery_bell();
    tracing::info!(actor = %actor.name, deliveries, "profile updated");
    Ok(ProfileUpdate {
        actor,
        activity_id: update.id,
        deliveries,
    })
}

/// The forum `name` (404 if it is not one) and what is wrong with the change, field by field.
async fn forum_and_problems(
    state: &AppState,
    name: &str,
    title: Option<&str>,
    summary: Option<&str>,
) -> Result<(LocalActor, Vec<FieldError>)> {
    let forum = state
        .db
        .local_actor_by_name(name)
        .await?
        .filter(|actor| actor.kind == ActorKind::Group)
        .ok_or(Error::NotFound)?;
    let problems = forum_problems(
        name,
        title.unwrap_or(&forum.display_name),
        summary.unwrap_or(&forum.summary),
    );
    Ok((forum, problems))
}

/// What is wrong with a change to the forum `name` (field by field, as for a new forum); 404 if
/// `name` is not a forum. Writes nothing.
pub async fn forum_update_problems(
    state: &AppState,
    name: &str,
    title: Option<&str>,
    summary: Option<&str>,
) -> Result<Vec<FieldError>> {
    Ok(forum_and_problems(state, name, title, summary).await?.1)
}

/// Changes a forum's title and/or summary (what is not given stays), validated as a new forum's
/// are (422 field by field), and queues the `Update` to its followers. 404 if `name` is not a
/// forum.
pub async fn update_forum(
    state: &AppState,
    name: &str,
    title: Option<&str>,
    summary: Option<&str>,
) -> Result<ProfileUpdate> {
    let (forum, problems) = forum_and_problems(state, name, title, summary).await?;
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    update_profile(state, name, title.unwrap_or(&forum.display_name), summary).await
}
