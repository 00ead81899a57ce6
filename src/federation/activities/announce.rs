//! `Announce` by a forum's Group (FEP-1b12): the Group relays every activity in its
//! conversations to its followers, so that following `@community` is enough to see everything.
//! Lemmy and other FEP-1b12 servers read the announced activity; Mastodon, which does not
//! process an `Announce` of an activity, also receives an `Announce` of the new object itself (a
//! boost), as Lemmy sends for the same reason.

use url::Url;

use super::outgoing::{unique_id, Outgoing};
use crate::federation::objects::post::{object_body, ObjectJson, PUBLIC};

fn addressed(mut announce: Outgoing, group: &Url) -> Outgoing {
    announce.to = vec![PUBLIC.to_string()];
    announce.cc = vec![format!("{group}/followers")];
    announce.audience = Some(group.clone());
    announce
}

/// The Group relays `activity` (a `Create`, `Update` or `Delete` by a participant).
pub fn announce_activity(group: &Url, activity: &Outgoing) -> Outgoing {
    let id = announce_id(group, &activity.object_id_or(group), activity.kind);
    announce_activity_with_id(group, activity, id)
}

/// The id of the Group's `Announce` of an activity of `kind` about `object`: under a local
/// object's own, so that everything about one post can be found (and withdrawn when it is
/// deleted); under the Group's for objects from elsewhere, unique to this `Announce`.
pub fn announce_id(group: &Url, object: &Url, kind: &str) -> Url {
    if object.origin() != group.origin() {
        unique_id(group, "announces")
    } else if kind == "Create" {
        Url::parse(&format!("{object}/announce")).unwrap_or_else(|_| unique_id(object, "announces"))
    } else {
        unique_id(object, "announces")
    }
}

/// The id of a Group's `Announce` of the `Create` that brought a post from elsewhere (its row
/// `post_id`): one id for each post, the same in the delivery queue and in the Group's outbox,
/// so that a server reading both sees one activity. The row id is written in fixed-width
/// hexadecimal (`…/actors/community#relays/00000000002a`): ids made later sort later, as the
/// delivery queue's index of activity ids prefers (see [`unique_id`]).
pub fn relay_announce_id(group: &Url, post_id: i64) -> Url {
    let mut id = group.clone();
    id.set_fragment(Some(&format!("relays/{:012x}", post_id.max(0))));
    id
}

/// As [`announce_activity`], under an id chosen before (when the relay was queued).
pub fn announce_activity_with_id(group: &Url, activity: &Outgoing, id: Url) -> Outgoing {
    addressed(
        Outgoing::new("Announce", id, group.clone(), activity.embedded()),
        group,
    )
}

/// The Group boosts a new object, for servers that show boosts but not relayed activities.
pub fn announce_object(group: &Url, object: &ObjectJson) -> Outgoing {
    let id =
        Url::parse(&format!("{}/boost", object.id)).unwrap_or_else(|_| unique_id(group, "boosts"));
    addressed(
        Outgoing::new("Announce", id, group.clone(), object_body(object)),
        group,
    )
}

impl Outgoing {
    /// The id of the object this activity carries (or `fallback`).
    fn object_id_or(&self, fallback: &Url) -> Url {
        self.object
            .get("id")
            .and_then(|id| id.as_str())
            .and_then(|id| Url::parse(id).ok())
            .unwrap_or_else(|| fallback.clone())
    }
}
