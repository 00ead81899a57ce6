//! An actor of another instance: fetched (with a signed GET), verified, then stored.
//!
//! Verification: the document's id is on the instance we fetched from (host and port), the key
//! belongs to the actor (`publicKey.owner` is the actor, the key id on the same instance), the
//! key is a readable RSA public key, and the inbox is an acceptable URL (`urls`: http(s), a
//! domain rather than an IP address, no credentials), so nothing is ever delivered to
//! `http://169.254.169.254/` on a hostile document's say.

use std::{sync::Arc, time::Duration};

use activitypub_federation::{
    config::Data,
    traits::{Actor, Object},
};
use chrono::{DateTime, Utc};
use rsa::{pkcs8::DecodePublicKey, RsaPublicKey};
use serde::Deserialize;
use url::Url;

use super::{first_of, lenient_text};
use crate::{
    db::actors::NewRemoteActor,
    delivery::cache::SmallCache,
    error::{Error, Result},
    federation::urls,
    model::{actor::instance_of, RemoteActor},
    state::AppState,
};

/// A stored, verified remote actor; shared with [`RemoteActorCache`] rather than copied (an
/// inbound activity reads its actor several times).
#[derive(Clone, Debug)]
pub struct ApubRemoteActor(pub Arc<RemoteActor>);

/// Remote actors as stored, by id, for this process: one inbound activity reads its actor
/// several times (the key's owner, the author of what it carries). Updated whenever this
/// process stores the actor; entries are dropped after [`RemoteActorCache::KEEP`], so a
/// refresh by another process is seen within that time (a rotated key is fetched again at
/// once: see `inbox::verify_key_owner`).
pub struct RemoteActorCache(SmallCache<String, Arc<RemoteActor>>);

impl Default for RemoteActorCache {
    fn default() -> Self {
        RemoteActorCache(SmallCache::new(Self::CAPACITY, Some(Self::KEEP)))
    }
}

impl RemoteActorCache {
    /// Actors kept at most (≈ 1 KB each).
    pub const CAPACITY: usize = 4096;
    pub const KEEP: Duration = Duration::from_secs(60);
}

/// The parts of a remote actor document Rounds reads. Unknown fields are ignored.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RemoteActorJson {
    pub id: Url,
    #[serde(rename = "type", deserialize_with = "first_of")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient_text")]
    pub preferred_username: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "super::id_of")]
    pub inbox: Url,
    #[serde(default)]
    pub endpoints: Option<RemoteEndpoints>,
    #[serde(deserialize_with = "first_of")]
    pub public_key: RemotePublicKey,
    /// The avatar: an `Image` (or its URL, or an array of either).
    #[serde(default)]
    pub icon: Option<serde_json::Value>,
    /// The profile page: a URL, a `Link`, or an array of either.
    #[serde(default)]
    pub url: Option<serde_json::Value>,
}

/// An address safe to show as a link or image: http(s) (https only outside insecure mode), a
/// domain (no IP address, so visitors' browsers are not sent to private ones), no credentials,
/// not too long.
pub fn safe_web_url(value: &serde_json::Value, allow_http: bool) -> Option<Url> {
    use serde_json::Value;
    let text = match value {
        Value::String(text) => Some(text.as_str()),
        Value::Object(map) => map
            .get("url")
            .or_else(|| map.get("href"))
            .and_then(|inner| match inner {
                Value::String(text) => Some(text.as_str()),
                Value::Object(link) => link.get("href").and_then(Value::as_str),
                _ => None,
            }),
        Value::Array(items) => return items.iter().find_map(|item| safe_web_url(item, allow_http)),
        _ => None,
    }?;
    let url = Url::parse(text).ok()?;
    (urls::is_acceptable(&url, allow_http) && text.len() <= 2_000).then_some(url)
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RemoteEndpoints {
    #[serde(default)]
    pub shared_inbox: Option<Url>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RemotePublicKey {
    pub id: Url,
    #[serde(deserialize_with = "super::id_of")]
    pub owner: Url,
    pub public_key_pem: String,
}

const ACTOR_TYPES: [&str; 5] = ["Person", "Service", "Group", "Application", "Organization"];

/// Checks a remote actor document against the instance it was fetched from.
pub fn verify_actor_document(json: &RemoteActorJson, expected: &Url) -> Result<()> {
    let instance = instance_of(&json.id);
    if instance.is_none() || instance != instance_of(expected) {
        return Err(Error::BadRequest(
            "actor id is not on the instance it came from".into(),
        ));
    }
    if !ACTOR_TYPES.contains(&json.kind.as_str()) {
        return Err(Error::BadRequest("document is not an actor".into()));
    }
    if json.public_key.owner != json.id || instance_of(&json.public_key.id) != instance {
        return Err(Error::BadRequest(
            "the key does not belong to the actor".into(),
        ));
    }
    for url in std::iter::once(&json.inbox).chain(
        json.endpoints
            .as_ref()
            .and_then(|endpoints| endpoints.shared_inbox.as_ref()),
    ) {
        // The scheme by mode is checked again before each delivery.
        if let Some(reason) = urls::refusal(url, true) {
            return Err(Error::BadRequest(format!("inbox refused: {reason}")));
        }
    }
    if json.public_key.public_key_pem.len() > 16 * 1024
        || RsaPublicKey::from_public_key_pem(json.public_key.public_key_pem.trim()).is_err()
    {
        return Err(Error::BadRequest(
            "public key is not an RSA key in PEM".into(),
        ));
    }
    Ok(())
}

#[async_trait::async_trait]
impl Object for ApubRemoteActor {
    type DataType = AppState;
    type Kind = RemoteActorJson;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.0.ap_id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.0.fetched_at)
    }

    async fn read_from_id(object_id: Url, data: &Data<AppState>) -> Result<Option<Self>> {
        if let Some(actor) = data.remote_actors.0.get(object_id.as_str()) {
            return Ok(Some(ApubRemoteActor(actor)));
        }
        let actor = data
            .db
            .remote_actor_by_ap_id(&object_id)
            .await?
            .map(Arc::new);
        if let Some(actor) = &actor {
            data.remote_actors
                .0
                .put(actor.ap_id.to_string(), actor.clone());
        }
        Ok(actor.map(ApubRemoteActor))
    }

    async fn into_json(self, _data: &Data<AppState>) -> Result<RemoteActorJson> {
        Err(Error::NotFound)
    }

    async fn verify(json: &RemoteActorJson, expected: &Url, _data: &Data<AppState>) -> Result<()> {
        verify_actor_document(json, expected)
    }

    async fn from_json(json: RemoteActorJson, data: &Data<AppState>) -> Result<Self> {
        let instance = instance_of(&json.id)
            .ok_or_else(|| Error::BadRequest("actor id has no host".into()))?;
        let allow_http = data.config.insecure_federation;
        let actor = data
            .db
            .upsert_remote_actor(&NewRemoteActor {
                instance,
                kind: json.kind,
                preferred_username: json.preferred_username,
                display_name: json.name,
                inbox: json.inbox,
                shared_inbox: json.endpoints.and_then(|endpoints| endpoints.shared_inbox),
                public_key_id: json.public_key.id.to_string(),
                public_key_pem: json.public_key.public_key_pem,
                avatar_url: json
                    .icon
                    .as_ref()
                    .and_then(|icon| safe_web_url(icon, allow_http)),
                profile_url: json
                    .url
                    .as_ref()
                    .and_then(|url| safe_web_url(url, allow_http)),
                ap_id: json.id,
            })
            .await?;
        let actor = Arc::new(actor);
        data.remote_actors
            .0
            .put(actor.ap_id.to_string(), actor.clone());
        Ok(ApubRemoteActor(actor))
    }
}

impl Actor for ApubRemoteActor {
    fn public_key_pem(&self) -> &str {
        &self.0.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        None
    }

    fn inbox(&self) -> Url {
        self.0.inbox.clone()
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.0.shared_inbox.clone()
    }
}
