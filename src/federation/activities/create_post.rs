//! `Create` of a post by its author (a member, or the journal or webinars actor), sent to the
//! author's followers and to the actors it mentions or answers. Its id is stable
//! (`/posts/{id}/activity`), so outboxes list it.

use url::Url;

use super::outgoing::Outgoing;
use crate::federation::objects::post::{object_body, ObjectJson};

pub fn create_post(object: &ObjectJson) -> Outgoing {
    let id = Url::parse(&format!("{}/activity", object.id)).unwrap_or_else(|_| object.id.clone());
    let mut create = Outgoing::new(
        "Create",
        id,
        object.attributed_to.clone(),
        object_body(object),
    );
    create.to = object.to.clone();
    create.cc = object.cc.clone();
    create.audience = Some(object.audience.clone());
    create.published = Some(object.published.clone());
    create
}
