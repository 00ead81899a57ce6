//! `Announce` of a post here by a person on another server (a boost): counted once per actor.
//! An `Announce` that carries an activity (a Lemmy community relaying its threads) is not a
//! boost and is dropped.

use activitypub_federation::{config::Data, kinds::activity::AnnounceType, traits::Activity};
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

/// What may be boosted: a post, by id or embedded.
const BOOSTABLE: [&str; 5] = ["Note", "Article", "Page", "Question", "Event"];

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Boost {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AnnounceType,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    pub object: Value,
}

impl Boost {
    /// The boosted post's id, when the object is a post (not an activity).
    pub fn boosted(&self) -> Option<Url> {
        match &self.object {
            Value::String(_) => url_in(&self.object),
            Value::Object(map) => {
                let kind = map.get("type").and_then(Value::as_str)?;
                BOOSTABLE
                    .contains(&kind)
                    .then(|| url_in(&self.object))
                    .flatten()
            }
            _ => None,
        }
    }
}

#[async_trait::async_trait]
impl Activity for Boost {
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
        match self.boosted() {
            Some(object) => {
                service::reactions::react(
                    data,
                    &self.id,
                    &self.actor,
                    &object,
                    ReactionKind::Announce,
                )
                .await
            }
            None => Ok(()),
        }
    }
}
