//! Any activity Rounds does not act on (yet): verified like the rest, then dropped with 202.

use activitypub_federation::{config::Data, traits::Activity};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::{
    error::{Error, Result},
    federation::objects::id_of,
    state::AppState,
};

/// Types that must never fall through to this catch-all: when one does, its JSON was malformed.
const HANDLED_TYPES: [&str; 1] = ["Follow"];

#[derive(Deserialize, Debug)]
pub struct IgnoredActivity {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: Value,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
}

#[async_trait::async_trait]
impl Activity for IgnoredActivity {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        match self.kind.as_str() {
            Some(kind) if HANDLED_TYPES.contains(&kind) => {
                Err(Error::BadRequest(format!("malformed {kind} activity")))
            }
            _ => Ok(()),
        }
    }

    async fn receive(self, _data: &Data<AppState>) -> Result<()> {
        tracing::debug!(activity = %self.id, "dropped an activity of a type Rounds does not handle");
        Ok(())
    }
}
