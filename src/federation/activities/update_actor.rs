//! `Update` of a local actor (its profile), sent to its followers when the profile changes, so
//! that Mastodon and the rest refresh the name and summary they show.

use serde::Serialize;
use url::Url;

use crate::federation::objects::local_actor::ActorJson;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

#[derive(Serialize, Debug)]
pub struct UpdateActor {
    #[serde(rename = "@context")]
    pub context: serde_json::Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: Url,
    pub object: ActorJson,
    pub to: [&'static str; 1],
    pub cc: [Url; 1],
}

impl UpdateActor {
    /// An Update of `actor`'s document, with an id unique to this change.
    pub fn new(actor: ActorJson) -> UpdateActor {
        let token: u64 = rand::random();
        let mut id = actor.id.clone();
        id.set_fragment(Some(&format!("updates/{token:016x}")));
        UpdateActor {
            context: crate::federation::objects::local_actor::actor_context(),
            id,
            kind: "Update",
            actor: actor.id.clone(),
            cc: [actor.followers.clone()],
            object: actor,
            to: [PUBLIC],
        }
    }
}
