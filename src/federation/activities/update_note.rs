//! `Update` of a post by its author on another server: the post's new words replace the old
//! (kept as an edit). Only the author may; a post Rounds does not have is ignored.

use activitypub_federation::{config::Data, kinds::activity::UpdateType, traits::Activity};
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
pub struct UpdateNote {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UpdateType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    pub object: NoteJson,
}

#[async_trait::async_trait]
impl Activity for UpdateNote {
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
        service::conversations::edit_note(data, &self.id, &self.actor, self.object).await
    }
}
