//! `Undo` of a `Like` or a boost (`Announce`), embedded as Mastodon and the rest send it. An
//! `Undo` that names the activity only by id is handled with `Undo(Follow)` (see
//! `service::follows::undo_follow`).

use activitypub_federation::{config::Data, kinds::activity::UndoType, traits::Activity};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::{
    db::conversations::ReactionKind,
    error::{Error, Result},
    federation::objects::{id_of, url_in},
    service,
    state::AppState,
};

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct UndoReaction {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UndoType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    pub object: UndoneReaction,
}

#[derive(Deserialize, Debug)]
pub struct UndoneReaction {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ReactionType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    pub object: Value,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionType {
    Like,
    Announce,
}

#[async_trait::async_trait]
impl Activity for UndoReaction {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        if self.object.actor != self.actor {
            return Err(Error::BadRequest(
                "an actor may undo only its own activities".into(),
            ));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        let kind = match self.object.kind {
            ReactionType::Like => ReactionKind::Like,
            ReactionType::Announce => ReactionKind::Announce,
        };
        let object = url_in(&self.object.object);
        service::reactions::undo(
            data,
            &self.id,
            &self.actor,
            &self.object.id,
            object.as_ref().map(|o| (o, kind)),
        )
        .await
    }
}
