//! Likes and boosts of posts here, from other servers: counted once per actor and kind, and
//! taken back by `Undo`. Each change is written with the inbound activity's id.

use activitypub_federation::{config::Data, fetch::object_id::ObjectId};
use url::Url;

use crate::{
    db::{conversations::ReactionKind, Db},
    error::{Error, Result},
    federation::objects::{post::local_post_id, remote_actor::ApubRemoteActor},
    model::{Post, Visibility},
    state::AppState,
};

/// The live public post here that `id` names.
async fn reacted_post(data: &AppState, id: &Url) -> Result<Option<Post>> {
    let post = match local_post_id(data, id) {
        Some(number) => data
            .db
            .post_by_id(number)
            .await?
            .filter(|post| post.ap_id.is_none()),
        None => Db::post_by_ap_id(&mut *data.db.pool.acquire().await?, id.as_str()).await?,
    };
    Ok(post.filter(|post| !post.is_deleted() && post.visibility == Visibility::Public))
}

/// Counts a `Like` or boost by `actor` of the post `object`; ignored if it is not one here.
pub async fn react(
    data: &Data<AppState>,
    activity_id: &Url,
    actor: &Url,
    object: &Url,
    kind: ReactionKind,
) -> Result<()> {
    let Some(post) = reacted_post(data, object).await? else {
        return Ok(());
    };
    let reactor = ObjectId::<ApubRemoteActor>::from(actor.clone())
        .dereference(data)
        .await?;
    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, activity_id.as_str()).await? {
        return Err(Error::Conflict("activity already processed".into()));
    }
    Db::add_reaction(&mut tx, post.id, reactor.0.id, kind, activity_id.as_str()).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes back `actor`'s reaction: the one made by `undone` (an activity id), or its reaction of
/// that kind to that post.
pub async fn undo(
    data: &Data<AppState>,
    activity_id: &Url,
    actor: &Url,
    undone: &Url,
    post_and_kind: Option<(&Url, ReactionKind)>,
) -> Result<()> {
    let Some(reactor) = data.db.remote_actor_by_ap_id(actor).await? else {
        return Ok(());
    };
    let post = match post_and_kind {
        Some((object, kind)) => reacted_post(data, object)
            .await?
            .map(|post| (post.id, kind)),
        None => None,
    };
    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, activity_id.as_str()).await? {
        return Err(Error::Conflict("activity already processed".into()));
    }
    Db::remove_reaction(&mut tx, reactor.id, undone.as_str(), post).await?;
    tx.commit().await?;
    Ok(())
}
