//! `Flag`: a report from another server (by a user or its instance actor) about an actor and/or
//! posts here, with an optional comment. It joins the moderators' report queue.

use activitypub_federation::{config::Data, kinds::activity::FlagType, traits::Activity};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::{
    error::{Error, Result},
    federation::objects::{id_of, lenient_text, url_in},
    service,
    state::AppState,
};

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Flag {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FlagType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    pub object: Value,
    #[serde(default, deserialize_with = "lenient_text")]
    pub content: Option<String>,
}

impl Flag {
    /// The reported actor and posts: one reference or many.
    pub fn objects(&self) -> Vec<Url> {
        match &self.object {
            Value::Array(items) => items.iter().filter_map(url_in).collect(),
            other => url_in(other).into_iter().collect(),
        }
    }
}

#[async_trait::async_trait]
impl Activity for Flag {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        if self.objects().is_empty() {
            return Err(Error::BadRequest("a Flag needs an object".into()));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        let objects = self.objects();
        let content = self.content.clone().unwrap_or_default();
        service::moderation::reports::receive_flag(data, &self.id, &self.actor, &objects, &content)
            .await
    }
}
