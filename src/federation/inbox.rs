//! The inboxes (per actor and shared): every inbound activity passes here.
//!
//! Order of checks, cheapest first: body size (413), a signature over the request target,
//! digest and a current date (401), JSON (400), id and actor acceptable URLs (`urls`: http(s),
//! a domain, no credentials, not too long), on one instance and not ours (400), the instance federates with us and the actor is not banned (403), the actor and its
//! instance are within their rate limits (429), the signing key belongs to the actor (401), the
//! digest matches the body and the signature verifies (`verification`, aws-lc-rs; 401), the
//! activity parses as a type we handle (400; unknown types are accepted and dropped), its own
//! rules run, and its effect is written together with its id, so a replay changes nothing (409).

use std::{sync::Arc, time::SystemTime};

use activitypub_federation::{config::Data, fetch::object_id::ObjectId, traits::Activity};
use axum::{
    extract::{Path, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;
use url::Url;

use super::{
    activities::{Envelope, InboxActivity},
    objects::{remote_actor::ApubRemoteActor, url_in},
    signatures::check_signed_post,
    urls,
    verification::{verify_digest, verify_signature},
};
use crate::{
    delivery,
    error::{Error, Result},
    model::actor::{instance_of, RemoteActor},
    service::moderation::{bans, instances},
    state::AppState,
};

/// The largest activity we read.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// `POST /actors/{name}/inbox`
pub async fn actor_inbox(
    data: Data<AppState>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    match data.db.local_actor_by_name(&name).await {
        Ok(Some(_)) => answer(receive(&data, request).await),
        Ok(None) => Error::NotFound.into_response(),
        Err(err) => Error::from(err).into_response(),
    }
}

/// `POST /inbox`
pub async fn shared_inbox(data: Data<AppState>, request: Request) -> Response {
    answer(receive(&data, request).await)
}

fn answer(result: Result<()>) -> Response {
    match result {
        Ok(()) => (StatusCode::ACCEPTED, Json(json!({ "status": "accepted" }))).into_response(),
        Err(err) => {
            if err.status().is_client_error() {
                tracing::info!(status = err.status().as_u16(), reason = %err, "refused an inbound activity");
            }
            err.into_response()
        }
    }
}

async fn receive(data: &Data<AppState>, request: Request) -> Result<()> {
    let (parts, body) = request.into_parts();
    let declared_length = parts
        .headers
        .get("content-length")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared_length.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(Error::PayloadTooLarge);
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| Error::PayloadTooLarge)?;
    // Inbound work from here on, for `delivery::inbound_first`: counted once the body is in,
    // so that connections trickling their bodies cannot make the inbox look busy.
    let _counted = data.inbox_load.receiving();

    let signature = check_signed_post(&parts.headers, SystemTime::now())?;

    let envelope =
        Envelope::from_json(&bytes).map_err(|reason| Error::BadRequest(reason.into()))?;
    let (Some(id), Some(actor)) = (url_in(&envelope.id), url_in(&envelope.actor)) else {
        return Err(Error::BadRequest(
            "activity needs an id and an actor".into(),
        ));
    };
    check_origin(data, &id, &actor)?;
    // Moderation, before anything is fetched: suspended instances (and, in allowlist mode,
    // unlisted ones), actors banned from the server, then the rate limits.
    instances::check_url(data, &actor).await?;
    bans::check(data, actor.as_str(), None).await?;
    data.inbound_limits
        .check(actor.as_str(), &instance_of(&actor).unwrap_or_default())?;
    let signer = verify_key_owner(data, &actor, &signature.key_id).await?;
    verify_digest(&parts.headers, &bytes)?;
    verify_signature(
        &parts,
        &data.config.domain,
        signer.id,
        &signer.public_key_pem,
        &data.verifying_keys,
    )?;

    let activity = InboxActivity::from_json_of_type(&bytes, envelope.kind.as_str())
        .map_err(|_| Error::BadRequest("activity does not match its type".into()))?;
    let received = receive_verified(activity, data).await;
    // Verified (a replay is verified too): the sender's instance is up.
    if matches!(&received, Ok(()) | Err(Error::Conflict(_))) {
        if let Some(instance) = instance_of(&actor) {
            delivery::revive::heard_from(data, &instance).await;
        }
    }
    received
}

/// The activity's own rules, then its effect.
async fn receive_verified(activity: InboxActivity, data: &Data<AppState>) -> Result<()> {
    activity.verify(data).await?;
    activity.receive(data).await
}

/// The activity and its actor are acceptable URLs on one instance (host and port), and it is
/// not ours.
fn check_origin(data: &Data<AppState>, id: &Url, actor: &Url) -> Result<()> {
    let allow_http = data.config.insecure_federation;
    for url in [actor, id] {
        if let Some(reason) = urls::refusal(url, allow_http) {
            return Err(Error::BadRequest(format!(
                "activity id or actor refused: {reason}"
            )));
        }
    }
    let instance = instance_of(actor);
    if instance.is_none() || instance != instance_of(id) {
        return Err(Error::BadRequest(
            "activity id and actor are on different hosts".into(),
        ));
    }
    if instance.as_deref() == Some(data.config.domain.as_str()) {
        return Err(Error::BadRequest(
            "activity claims to come from this server".into(),
        ));
    }
    Ok(())
}

/// The key that signed the request is the actor's own: the actor, as stored. A key id we do
/// not know may be a rotated key, so the actor is fetched again once before refusing.
async fn verify_key_owner(
    data: &Data<AppState>,
    actor: &Url,
    key_id: &str,
) -> Result<Arc<RemoteActor>> {
    let actor_id = ObjectId::<ApubRemoteActor>::from(actor.clone());
    let known = actor_id.dereference(data).await?;
    if known.0.public_key_id == key_id {
        return Ok(known.0);
    }
    let refreshed = actor_id.dereference_forced(data).await?;
    if refreshed.0.public_key_id == key_id {
        Ok(refreshed.0)
    } else {
        Err(Error::Unauthorized(
            "signature key does not belong to the actor".into(),
        ))
    }
}
