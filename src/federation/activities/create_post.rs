//! `Create` of a post by its author (a member, or the journal or webinars actor), sent to the
//! author's followers and to the actors it mentions or answers. Its id is stable
//! (`/posts/{id}/activity`), so outboxes list it. Also the `Create` of a remote reply that a
//! Group relays (`create_with_id`).

use url::Url;

use super::outgoing::Outgoing;
use crate::federation::objects::post::{object_body, ObjectJson};

/// The `Create` of a local post, with its stable id, its audience and its time.
pub fn create_post(object: &ObjectJson) -> Outgoing {
    let id = Url::parse(&format!("{}/activity", object.id)).unwrap_or_else(|_| object.id.clone());
    let mut create = create_with_id(object, id);
    create.audience = Some(object.audience.clone());
    create.published = Some(object.published.clone());
    create
}

/// A `Create` of `object` with the id `id`, addressed as the object is: what a Group relays of
/// a reply from another server is that reply's `Create` again, under the id it came with.
pub fn create_with_id(object: &ObjectJson, id: Url) -> Outgoing {
    let mut create = Outgoing::new(
        "Create",
        id,
        object.attributed_to.clone(),
        object_body(object),
    );
    create.to = object.to.clone();
    create.cc = object.cc.clone();
    create
}
