//! `Delete` from another server: of a post by its author (the object is its id or a
//! `Tombstone`), or of the actor itself (Mastodon's account deletion: the object is the actor).

use activitypub_federation::{config::Data, kinds::activity::DeleteType, traits::Activity};
use serde::Deserialize;
use url::Url;

use crate::{
    error::{Error, Result},
    federation::objects::id_of,
    model::actor::instance_of,
    service,
    state::AppState,
};

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Delete {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: DeleteType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    #[serde(deserialize_with = "id_of")]
    pub object: Url,
}

#[async_trait::async_trait]
impl Activity for Delete {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        if instance_of(&self.object) != instance_of(&self.actor) {
            return Err(Error::BadRequest(
                "an actor deletes only what is on its own instance".into(),
            ));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        service::conversations::delete_object(data, &self.id, &self.actor, &self.object).await
    }
}
