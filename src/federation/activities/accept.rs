//! `Accept(Follow)`, sent by a local actor to a new follower.

use serde::Serialize;
use url::Url;

use super::follow::Follow;

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AcceptFollow {
    #[serde(rename = "@context")]
    pub context: &'static str,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: Url,
    /// The Follow, rebuilt from its verified fields only (never echoed verbatim).
    pub object: Follow,
    pub to: [Url; 1],
}

impl AcceptFollow {
    /// An Accept of `follow` by `actor`, with an id unique to this answer.
    pub fn new(actor: Url, follow: &Follow) -> AcceptFollow {
        let token: u64 = rand::random();
        let mut id = actor.clone();
        id.set_fragment(Some(&format!("accepts/follows/{token:016x}")));
        AcceptFollow {
            context: "https://www.w3.org/ns/activitystreams",
            id,
            kind: "Accept",
            actor,
            object: follow.clone(),
            to: [follow.actor.clone()],
        }
    }
}
