//! `Leave` of a webinar (Mobilizon): the actor no longer takes part.

use activitypub_federation::{config::Data, kinds::activity::LeaveType, traits::Activity};
use serde::Deserialize;
use url::Url;

use super::join_event::local_event;
use crate::{
    error::{Error, Result},
    federation::objects::id_of,
    service,
    state::AppState,
};

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Leave {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: LeaveType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    #[serde(deserialize_with = "id_of")]
    pub object: Url,
}

#[async_trait::async_trait]
impl Activity for Leave {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<()> {
        local_event(data, &self.object).await.map(|_| ())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        let event = local_event(data, &self.object).await?;
        service::participation::leave(data, &event, &self).await
    }
}
