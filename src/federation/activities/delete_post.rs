//! `Delete` of a post by its author: the object is a `Tombstone` with the post's id, as Mastodon
//! sends it, addressed as the post was.

use serde_json::json;

use super::outgoing::{unique_id, Outgoing};
use crate::federation::objects::post::ObjectJson;

/// `addressed` is the post as it was last sent (for its id, author and addressing).
pub fn delete_post(addressed: &ObjectJson) -> Outgoing {
    let mut delete = Outgoing::new(
        "Delete",
        unique_id(&addressed.id, "delete"),
        addressed.attributed_to.clone(),
        json!({ "id": addressed.id, "type": "Tombstone" }),
    );
    delete.to = addressed.to.clone();
    delete.cc = addressed.cc.clone();
    delete.audience = Some(addressed.audience.clone());
    delete
}
