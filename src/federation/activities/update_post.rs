//! `Update` of a post by its author after an edit: the whole new object, with `updated` set,
//! as Mastodon and Lemmy expect. Each edit has its own id.

use super::outgoing::{unique_id, Outgoing};
use crate::federation::objects::post::{object_document, ObjectJson};

pub fn update_post(object: &ObjectJson) -> Outgoing {
    let mut body = object_document(object);
    if let Some(map) = body.as_object_mut() {
        map.remove("@context");
    }
    let mut update = Outgoing::new(
        "Update",
        unique_id(&object.id, "updates"),
        object.attributed_to.clone(),
        body,
    );
    update.to = object.to.clone();
    update.cc = object.cc.clone();
    update.audience = Some(object.audience.clone());
    update
}
