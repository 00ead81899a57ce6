//! `Update` of a post by its author after an edit: the whole new object, with `updated` set,
//! as Mastodon and Lemmy expect. Each edit has its own id.

use super::outgoing::{unique_id, Outgoing};
use crate::federation::objects::post::{object_body, ObjectJson};

pub fn update_post(object: &ObjectJson) -> Outgoing {
    let mut update = Outgoing::new(
        "Update",
        unique_id(&object.id, "updates"),
        object.attributed_to.clone(),
        object_body(object),
    );
    update.to = object.to.clone();
    update.cc = object.cc.clone();
    update.audience = Some(object.audience.clone());
    update
}
