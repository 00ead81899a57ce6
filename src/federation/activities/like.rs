//! `Like` of a post here, from another server: counted once per actor.

use activitypub_federation::{config::Data, kinds::activity::LikeType, traits::Activity};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{
    db::conversations::ReactionKind,
    error::{Error, Result},
    federation::objects::id_of,
    service,
    state::AppState,
};

#[derive(Deserialize, Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Like {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: LikeType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    #[serde(deserialize_with = "id_of")]
    pub object: Url,
}

#[async_trait::async_trait]
impl Activity for Like {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        service::reactions::react(
            data,
            &self.id,
            &self.actor,
            &self.object,
            ReactionKind::Like,
        )
        .await
    }
}
