//! `Create` of a post by another server's actor: a reply to something here (at any depth), or
//! a new thread addressed to a forum. Anything else is accepted and dropped.

use activitypub_federation::{config::Data, kinds::activity::CreateType, traits::Activity};
use serde::Deserialize;
use url::Url;

use crate::{
    error::{Error, Result},
    federation::objects::{id_of, note::NoteJson},
    service,
    state::AppState,
};

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CreateNote {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: CreateType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    pub object: NoteJson,
}

#[async_trait::async_trait]
impl Activity for CreateNote {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        self.object.check_sent_by(&self.actor)
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        service::conversations::receive_note(data, &self.id, &self.actor, self.object).await
    }
}
