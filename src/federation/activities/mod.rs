//! Activities, one file per activity: the wire struct and its `verify` / `receive`.
//! `InboxActivity` is what every inbox accepts.

pub mod accept;
pub mod announce;
pub mod create_post;
pub mod delete_post;
pub mod follow;
pub mod ignored;
pub mod join_event;
pub mod leave_event;
pub mod outgoing;
pub mod undo_follow;
pub mod update_actor;
pub mod update_post;

use activitypub_federation::{config::Data, traits::Activity};
use serde::Deserialize;
use url::Url;

use crate::{error::Error, state::AppState};

/// Every activity an inbox understands. Serde tries the variants in order:
/// **the catch-all `Ignored` must stay last**, or it would swallow the others.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum InboxActivity {
    Follow(follow::Follow),
    UndoFollow(undo_follow::UndoFollow),
    Join(join_event::Join),
    Leave(leave_event::Leave),
    Ignored(ignored::IgnoredActivity),
}

#[async_trait::async_trait]
impl Activity for InboxActivity {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        match self {
            InboxActivity::Follow(activity) => activity.id(),
            InboxActivity::UndoFollow(activity) => activity.id(),
            InboxActivity::Join(activity) => activity.id(),
            InboxActivity::Leave(activity) => activity.id(),
            InboxActivity::Ignored(activity) => activity.id(),
        }
    }

    fn actor(&self) -> &Url {
        match self {
            InboxActivity::Follow(activity) => activity.actor(),
            InboxActivity::UndoFollow(activity) => activity.actor(),
            InboxActivity::Join(activity) => activity.actor(),
            InboxActivity::Leave(activity) => activity.actor(),
            InboxActivity::Ignored(activity) => activity.actor(),
        }
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), Error> {
        match self {
            InboxActivity::Follow(activity) => activity.verify(data).await,
            InboxActivity::UndoFollow(activity) => activity.verify(data).await,
            InboxActivity::Join(activity) => activity.verify(data).await,
            InboxActivity::Leave(activity) => activity.verify(data).await,
            InboxActivity::Ignored(activity) => activity.verify(data).await,
        }
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), Error> {
        match self {
            InboxActivity::Follow(activity) => activity.receive(data).await,
            InboxActivity::UndoFollow(activity) => activity.receive(data).await,
            InboxActivity::Join(activity) => activity.receive(data).await,
            InboxActivity::Leave(activity) => activity.receive(data).await,
            InboxActivity::Ignored(activity) => activity.receive(data).await,
        }
    }
}
