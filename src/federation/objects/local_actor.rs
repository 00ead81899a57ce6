//! A local actor as the fediverse sees it: the actor document we serve, and the signing identity
//! of everything we send.

use activitypub_federation::{
    config::Data,
    protocol::public_key::PublicKey,
    traits::{Actor, Object},
};
use serde::Serialize;
use serde_json::{json, Value};
use url::Url;

use crate::{
    error::{Error, Result},
    model::LocalActor,
    state::AppState,
};

/// A local actor with its URLs resolved against the configured domain.
#[derive(Clone, Debug)]
pub struct ApubLocalActor {
    pub row: LocalActor,
    pub id: Url,
    pub inbox: Url,
    pub shared_inbox: Url,
}

impl ApubLocalActor {
    pub fn new(row: LocalActor, state: &AppState) -> ApubLocalActor {
        let id = state.url(&format!("/actors/{}", row.name));
        ApubLocalActor {
            inbox: state.url(&format!("/actors/{}/inbox", row.name)),
            shared_inbox: state.url("/inbox"),
            id,
            row,
        }
    }

    /// The name in a local actor URL (`/actors/NAME`), if the URL is one (with no credentials:
    /// an origin alone ignores them).
    pub fn name_in_url<'u>(url: &'u Url, state: &AppState) -> Option<&'u str> {
        if url.origin() != state.base.origin()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return None;
        }
        let name = url.path().strip_prefix("/actors/")?;
        (!name.is_empty() && !name.contains('/')).then_some(name)
    }
}

/// The actor document, as Mastodon, Lemmy and the rest expect it.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ActorJson {
    #[serde(rename = "@context")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub preferred_username: String,
    pub name: String,
    /// HTML, built from our own plain text.
    pub summary: String,
    pub url: Url,
    pub inbox: Url,
    pub outbox: Url,
    pub followers: Url,
    pub endpoints: Endpoints,
    pub public_key: PublicKey,
    pub icon: Value,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub published: String,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Url,
}

/// The JSON-LD context of our actor documents.
pub fn actor_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable"
        }
    ])
}

impl ApubLocalActor {
    /// The actor document. Never contains the private key.
    pub fn to_json(&self, state: &AppState) -> ActorJson {
        let row = &self.row;
        let published = crate::web::rfc3339(row.created_at);
        ActorJson {
            context: actor_context(),
            id: self.id.clone(),
            kind: row.kind.as_str(),
            preferred_username: row.name.clone(),
            name: row.display_name.clone(),
            summary: crate::web::paragraphs(&row.summary),
            url: state.url(&format!("/@{}", row.name)),
            inbox: self.inbox.clone(),
            outbox: state.url(&format!("/actors/{}/outbox", row.name)),
            followers: state.url(&format!("/actors/{}/followers", row.name)),
            endpoints: Endpoints {
                shared_inbox: self.shared_inbox.clone(),
            },
            public_key: self.public_key(),
            icon: json!({
                "type": "Image",
                "mediaType": "image/png",
                "url": state.url("/icon.png"),
            }),
            manually_approves_followers: false,
            discoverable: true,
            published,
        }
    }
}

#[async_trait::async_trait]
impl Object for ApubLocalActor {
    type DataType = AppState;
    type Kind = ActorJson;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(object_id: Url, data: &Data<AppState>) -> Result<Option<Self>> {
        let Some(name) = ApubLocalActor::name_in_url(&object_id, data) else {
            return Ok(None);
        };
        let row = data.db.local_actor_by_name(name).await?;
        Ok(row.map(|row| ApubLocalActor::new(row, data)))
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<ActorJson> {
        Ok(self.to_json(data))
    }

    async fn verify(_json: &ActorJson, _expected: &Url, _data: &Data<AppState>) -> Result<()> {
        Err(Error::BadRequest("local actors are not received".into()))
    }

    async fn from_json(_json: ActorJson, _data: &Data<AppState>) -> Result<Self> {
        Err(Error::BadRequest("local actors are not received".into()))
    }
}

impl Actor for ApubLocalActor {
    fn public_key_pem(&self) -> &str {
        &self.row.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        Some(self.row.private_key_pem.clone())
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }

    fn shared_inbox(&self) -> Option<Url> {
        Some(self.shared_inbox.clone())
    }
}
