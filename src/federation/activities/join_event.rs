//! `Join` of a webinar, as Mobilizon and Gancio send it: answered with an `Accept` (the actor
//! is counted as a participant) or, when the webinar is full, a `Reject`; queued in the same
//! transaction.

use activitypub_federation::{config::Data, kinds::activity::JoinType, traits::Activity};
use serde::{Deserialize, Serialize};
use url::Url;

use super::outgoing::Outgoing;
use crate::{
    error::{Error, Result},
    federation::objects::{id_of, post::local_post_id},
    model::{Post, PostKind},
    service,
    state::AppState,
};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Join {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: JoinType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    #[serde(deserialize_with = "id_of")]
    pub object: Url,
}

/// The live local webinar an activity's `object` names, or 404.
pub async fn local_event(data: &AppState, object: &Url) -> Result<Post> {
    let id = local_post_id(data, object).ok_or(Error::NotFound)?;
    data.db
        .post_by_id(id)
        .await?
        .filter(|post| post.kind == PostKind::Event && !post.is_deleted() && post.ap_id.is_none())
        .ok_or(Error::NotFound)
}

/// The answer to a `Join`: `Accept` or `Reject` by the webinar's organiser, carrying the Join
/// rebuilt from its verified fields.
pub fn answer_join(kind: &'static str, organiser: Url, join: &Join) -> Outgoing {
    let id = super::outgoing::unique_id(&organiser, &format!("{}s/joins", kind.to_lowercase()));
    let object = serde_json::to_value(join).unwrap_or_default();
    let mut answer = Outgoing::new(kind, id, organiser, object);
    answer.to = vec![join.actor.to_string()];
    answer
}

#[async_trait::async_trait]
impl Activity for Join {
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
        service::participation::join(data, &event, &self).await
    }
}
