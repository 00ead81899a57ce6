//! A forum's Group relays each public post that reaches it from another server as an `Announce`
//! of the `Create` that brought it. The relay is queued as a reference to the post
//! (`OutboundBody::RelayOf`), and rendered here when the delivery worker first sends it: the
//! queue keeps no copy of what was written, the inbox's group-commit writer builds no JSON, and
//! what goes out is the post as it is then. A post deleted, removed or held by then (or in a
//! conversation deleted or removed) is not sent: its deliveries are withdrawn.

use url::Url;

use super::conversations::relaying_group;
use crate::{
    db::{deliveries::Delivery, Db},
    error::Result,
    federation::{
        activities::{announce::announce_activity_with_id, create_post::create_with_id},
        objects::post::{object_json, post_url_of},
    },
    state::AppState,
};

/// The JSON of the Group's `Announce` that `delivery` carries, relaying the post `post_id`;
/// `None` when it is not to be sent (see the module's comment).
pub async fn announce_json(
    state: &AppState,
    delivery: &Delivery,
    post_id: i64,
) -> Result<Option<String>> {
    let mut conn = state.db.pool.acquire().await?;
    let Some(post) = Db::post_by_id_in(&mut conn, post_id).await? else {
        return Ok(None);
    };
    // Only the post's own forum relays it, under the id the relay was queued with.
    if !post.is_visible() || post.audience_id != delivery.signer_id {
        return Ok(None);
    }
    let Some(context) = Db::relay_context(&mut conn, post.id).await? else {
        return Ok(None);
    };
    drop(conn);
    if !context.conversation_stands {
        return Ok(None);
    }
    let create_id = context.create_id.as_deref().map(Url::parse);
    let (Ok(announce_id), Some(Ok(create_id))) = (Url::parse(&delivery.activity_ap_id), create_id)
    else {
        return Ok(None);
    };
    let Some(group) = relaying_group(state, post.audience_id).await? else {
        return Ok(None);
    };
    let parent_url = post
        .parent_id
        .map(|parent_id| post_url_of(state, parent_id, context.parent_ap_id.as_deref()));
    let object = object_json(state, &post, parent_url, 0);
    let create = create_with_id(&object, create_id);
    Ok(Some(
        announce_activity_with_id(&group.url, &create, announce_id).payload(),
    ))
}
