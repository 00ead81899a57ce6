//! `Undo(Follow)`: the follower leaves. The Follow may be embedded or referenced by id.

use activitypub_federation::{config::Data, kinds::activity::UndoType, traits::Activity};
use serde::Deserialize;
use url::Url;

use super::follow::Follow;
use crate::{
    error::{Error, Result},
    federation::objects::id_of,
    service,
    state::AppState,
};

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct UndoFollow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UndoType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    pub object: UndoneFollow,
}

/// What an Undo points at: the Follow itself (Mastodon, Lemmy, Misskey, GoToSocial), or only its
/// id (some smaller servers).
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum UndoneFollow {
    Embedded(Follow),
    Reference(Url),
}

#[async_trait::async_trait]
impl Activity for UndoFollow {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        if let UndoneFollow::Embedded(follow) = &self.object {
            if follow.actor != self.actor {
                return Err(Error::Forbidden(
                    "cannot undo another actor's follow".into(),
                ));
            }
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        service::follows::undo_follow(data, &self).await
    }
}
