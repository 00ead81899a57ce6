//! Queueing an activity in the caller's transaction: addressing decides the recipients, and the
//! recipients become one delivery per remote shared inbox (a personal inbox only for actors
//! without one, or when an activity is meant for one actor's own inbox, as an `Accept` is).

use std::collections::{hash_map::Entry, BTreeSet, HashMap};

use sqlx::AnyConnection;
use url::Url;

use crate::{
    db::{
        deliveries::{DeliveryTarget, OutboundBody, RecipientInboxes},
        Db,
    },
    error::Result,
    model::LocalActor,
};

/// Who an activity is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// Every follower of this local actor (by row id).
    FollowersOf(i64),
    /// One remote actor (mentioned, or the author of the parent), reached through its
    /// instance's shared inbox when it has one.
    Actor(i64),
    /// One remote actor, at its own inbox (answers to that actor alone, such as `Accept`).
    PersonalInbox(i64),
}

/// Queues `payload` (the activity `activity_id`, signed by `signer`) for `recipients`. Call it
/// inside the transaction that makes the change, and ring the delivery bell after commit.
/// Returns how many deliveries (requests) were queued.
pub async fn enqueue(
    conn: &mut AnyConnection,
    activity_id: &Url,
    signer: &LocalActor,
    payload: &str,
    recipients: &[Recipient],
) -> Result<usize> {
    let queued = enqueue_many(
        conn,
        &[Queued {
            activity_id: activity_id.as_str(),
            signer_id: signer.id,
            body: OutboundBody::Json(payload),
            recipients,
        }],
    )
    .await?;
    Ok(queued.into_iter().sum())
}

/// One activity to queue with others (see [`enqueue_many`]).
pub struct Queued<'a> {
    pub activity_id: &'a str,
    pub signer_id: i64,
    pub body: OutboundBody<'a>,
    pub recipients: &'a [Recipient],
}

/// As [`enqueue`] for several activities at once (a group commit's): the activities, their
/// deliveries and the instances' queue places are each written with one multi-row statement,
/// and a local actor's followers are read once. Returns how many deliveries each one queued.
pub async fn enqueue_many(conn: &mut AnyConnection, queued: &[Queued<'_>]) -> Result<Vec<usize>> {
    let mut followers_of: HashMap<i64, Vec<RecipientInboxes>> = HashMap::new();
    let mut all_targets = Vec::with_capacity(queued.len());
    for activity in queued {
        let mut preferred = Vec::new();
        let mut personal = Vec::new();
        for recipient in activity.recipients {
            match *recipient {
                Recipient::FollowersOf(local_actor_id) => {
                    let inboxes = match followers_of.entry(local_actor_id) {
                        Entry::Occupied(known) => known.into_mut(),
                        Entry::Vacant(unread) => {
                            unread.insert(Db::follower_inboxes(conn, local_actor_id).await?)
                        }
                    };
                    preferred.extend(inboxes.iter().cloned());
                }
                Recipient::Actor(id) => {
                    preferred.extend(Db::remote_actor_inboxes(conn, &[id]).await?)
                }
                Recipient::PersonalInbox(id) => {
                    personal.extend(Db::remote_actor_inboxes(conn, &[id]).await?)
                }
            }
        }
        all_targets.push(targets(&preferred, &personal));
    }
    let activities: Vec<(&str, i64, OutboundBody<'_>)> = queued
        .iter()
        .map(|activity| (activity.activity_id, activity.signer_id, activity.body))
        .collect();
    let ids = Db::insert_outbound_activities(conn, &activities).await?;
    let deliveries: Vec<(i64, &[DeliveryTarget])> = ids
        .iter()
        .zip(&all_targets)
        .map(|(id, targets)| (*id, targets.as_slice()))
        .collect();
    Db::insert_deliveries_of(conn, &deliveries).await?;
    Ok(all_targets.iter().map(Vec::len).collect())
}

/// One target per distinct inbox: the shared inbox of each actor in `preferred` that has one,
/// else its own inbox; the own inbox of each actor in `personal`.
pub fn targets(
    preferred: &[RecipientInboxes],
    personal: &[RecipientInboxes],
) -> Vec<DeliveryTarget> {
    let mut seen_inboxes = BTreeSet::new();
    let mut targets = Vec::new();
    let preferred = preferred.iter().map(|r| match &r.shared_inbox {
        Some(shared) => (r, shared.as_str(), None),
        None => (r, r.inbox.as_str(), Some(r.remote_actor_id)),
    });
    let personal = personal
        .iter()
        .map(|r| (r, r.inbox.as_str(), Some(r.remote_actor_id)));
    for (recipient, inbox, owner) in preferred.chain(personal) {
        if seen_inboxes.insert(inbox.to_string()) {
            targets.push(DeliveryTarget {
                instance: recipient.instance.clone(),
                inbox: inbox.to_string(),
                recipient_actor_id: owner,
            });
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: i64, instance: &str, shared: bool) -> RecipientInboxes {
        RecipientInboxes {
            remote_actor_id: id,
            instance: instance.to_string(),
            inbox: format!("https://{instance}/users/{id}/inbox"),
            shared_inbox: shared.then(|| format!("https://{instance}/inbox")),
        }
    }

    #[test]
    fn one_request_per_shared_inbox_and_personal_inboxes_only_without_one() {
        let followers = [
            actor(1, "a.example", true),
            actor(2, "a.example", true),
            actor(3, "b.example:8443", true),
            actor(4, "c.example", false),
            actor(5, "c.example", false),
        ];
        let found = targets(&followers, &[]);
        let inboxes: Vec<&str> = found.iter().map(|t| t.inbox.as_str()).collect();
        assert_eq!(
            inboxes,
            [
                "https://a.example/inbox",
                "https://b.example:8443/inbox",
                "https://c.example/users/4/inbox",
                "https://c.example/users/5/inbox",
            ]
        );
        assert_eq!(found[0].recipient_actor_id, None);
        assert_eq!(found[2].recipient_actor_id, Some(4));
        assert_eq!(found[1].instance, "b.example:8443");
    }

    #[test]
    fn a_mentioned_follower_is_not_sent_twice_and_personal_inboxes_stay_personal() {
        let alice = actor(1, "a.example", true);
        let found = targets(&[alice.clone(), alice.clone()], &[alice]);
        let inboxes: Vec<&str> = found.iter().map(|t| t.inbox.as_str()).collect();
        assert_eq!(
            inboxes,
            ["https://a.example/inbox", "https://a.example/users/1/inbox"]
        );
        assert_eq!(found[1].recipient_actor_id, Some(1));
    }
}
