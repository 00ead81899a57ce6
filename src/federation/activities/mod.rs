//! Activities, one file per activity: the wire struct and its `verify` / `receive`.
//! `InboxActivity` is what every inbox accepts.

pub mod accept;
pub mod announce;
pub mod boost;
pub mod create_note;
pub mod create_post;
pub mod delete;
pub mod delete_post;
pub mod flag;
pub mod follow;
pub mod ignored;
pub mod join_event;
pub mod leave_event;
pub mod like;
pub mod outgoing;
pub mod undo_follow;
pub mod undo_reaction;
pub mod update_actor;
pub mod update_note;
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
    CreateNote(create_note::CreateNote),
    UpdateNote(update_note::UpdateNote),
    Delete(delete::Delete),
    Like(like::Like),
    Boost(boost::Boost),
    UndoReaction(undo_reaction::UndoReaction),
    Flag(flag::Flag),
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
            InboxActivity::CreateNote(activity) => activity.id(),
            InboxActivity::UpdateNote(activity) => activity.id(),
            InboxActivity::Delete(activity) => activity.id(),
            InboxActivity::Like(activity) => activity.id(),
            InboxActivity::Boost(activity) => activity.id(),
            InboxActivity::UndoReaction(activity) => activity.id(),
            InboxActivity::Flag(activity) => activity.id(),
            InboxActivity::Ignored(activity) => activity.id(),
        }
    }

    fn actor(&self) -> &Url {
        match self {
            InboxActivity::Follow(activity) => activity.actor(),
            InboxActivity::UndoFollow(activity) => activity.actor(),
            InboxActivity::Join(activity) => activity.actor(),
            InboxActivity::Leave(activity) => activity.actor(),
            InboxActivity::CreateNote(activity) => activity.actor(),
            InboxActivity::UpdateNote(activity) => activity.actor(),
            InboxActivity::Delete(activity) => activity.actor(),
            InboxActivity::Like(activity) => activity.actor(),
            InboxActivity::Boost(activity) => activity.actor(),
            InboxActivity::UndoReaction(activity) => activity.actor(),
            InboxActivity::Flag(activity) => activity.actor(),
            InboxActivity::Ignored(activity) => activity.actor(),
        }
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), Error> {
        match self {
            InboxActivity::Follow(activity) => activity.verify(data).await,
            InboxActivity::UndoFollow(activity) => activity.verify(data).await,
            InboxActivity::Join(activity) => activity.verify(data).await,
            InboxActivity::Leave(activity) => activity.verify(data).await,
            InboxActivity::CreateNote(activity) => activity.verify(data).await,
            InboxActivity::UpdateNote(activity) => activity.verify(data).await,
            InboxActivity::Delete(activity) => activity.verify(data).await,
            InboxActivity::Like(activity) => activity.verify(data).await,
            InboxActivity::Boost(activity) => activity.verify(data).await,
            InboxActivity::UndoReaction(activity) => activity.verify(data).await,
            InboxActivity::Flag(activity) => activity.verify(data).await,
            InboxActivity::Ignored(activity) => activity.verify(data).await,
        }
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), Error> {
        match self {
            InboxActivity::Follow(activity) => activity.receive(data).await,
            InboxActivity::UndoFollow(activity) => activity.receive(data).await,
            InboxActivity::Join(activity) => activity.receive(data).await,
            InboxActivity::Leave(activity) => activity.receive(data).await,
            InboxActivity::CreateNote(activity) => activity.receive(data).await,
            InboxActivity::UpdateNote(activity) => activity.receive(data).await,
            InboxActivity::Delete(activity) => activity.receive(data).await,
            InboxActivity::Like(activity) => activity.receive(data).await,
            InboxActivity::Boost(activity) => activity.receive(data).await,
            InboxActivity::UndoReaction(activity) => activity.receive(data).await,
            InboxActivity::Flag(activity) => activity.receive(data).await,
            InboxActivity::Ignored(activity) => activity.receive(data).await,
        }
    }
}
