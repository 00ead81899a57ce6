//! `Follow` of a local actor: answered with an `Accept`, queued in the same transaction.

use activitypub_federation::{config::Data, kinds::activity::FollowType, traits::Activity};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{
    error::{Error, Result},
    federation::objects::{id_of, local_actor::ApubLocalActor},
    model::actor::instance_of,
    service,
    state::AppState,
};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Follow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FollowType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    #[serde(deserialize_with = "id_of")]
    pub object: Url,
}

impl Follow {
    /// The followed local actor, or 404 when the object is not one of ours.
    pub async fn local_target(&self, data: &Data<AppState>) -> Result<ApubLocalActor> {
        let name = ApubLocalActor::name_in_url(&self.object, data).ok_or(Error::NotFound)?;
        let row = data
            .db
            .local_actor_by_name(name)
            .await?
            .ok_or(Error::NotFound)?;
        Ok(ApubLocalActor::new(row, data))
    }
}

#[async_trait::async_trait]
impl Activity for Follow {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<()> {
        if instance_of(&self.id) != instance_of(&self.actor) {
            return Err(Error::BadRequest(
                "activity id and actor are on different hosts".into(),
            ));
        }
        self.local_target(data).await.map(|_| ())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        let target = self.local_target(data).await?;
        service::follows::accept_follow(data, &target, &self).await
    }
}
