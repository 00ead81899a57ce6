//! Which instances federate: their policies (`GET instances`, `PUT instances/{instance}`,
//! `DELETE instances/{instance}`), the server-wide mode (`PUT federation_mode`: open, or only
//! the instances marked allow), and blocklists in Mastodon's CSV format (`GET instances.csv`,
//! `POST instances.csv` with the CSV text as the body).

use activitypub_federation::config::Data;
use axum::{body::Bytes, extract::Path, http::header, response::IntoResponse, Json};
use serde_json::{json, Value};

use super::{optional_reason, time, Fields, ModeratorAuth};
use crate::{
    api::MAX_BODY,
    error::{Error, Result},
    service::moderation::instances::{self, Policy},
    state::AppState,
};

/// `GET /api/v1/moderation/instances`: `{allowlist, policies}`.
pub async fn instances(data: Data<AppState>, _: ModeratorAuth) -> Result<Json<Value>> {
    let (allowlist, policies) = instances::list(&data).await?;
    Ok(Json(json!({
        "allowlist": allowlist,
        "policies": policies.iter().map(|row| json!({
            "instance": row.instance,
            "policy": row.policy,
            "reason": row.reason,
            "created_at": time(row.created_at),
        })).collect::<Vec<_>>(),
    })))
}

/// `PUT /api/v1/moderation/instances/{instance} {policy, reason}`
pub async fn set_instance(
    data: Data<AppState>,
    Path(instance): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let mut fields = Fields::of(&body)?;
    let policy = fields.required_string("policy");
    let reason = fields.required_text("reason");
    let policy = Policy::parse(&policy);
    if policy.is_none() {
        fields.note("policy", "must be suspend, limit or allow");
    }
    let policy = fields.checked(policy)?;
    let instance = instances::set_policy(&data, &moderator, &instance, policy, &reason).await?;
    Ok(Json(
        json!({ "instance": instance, "policy": policy.as_str() }),
    ))
}

/// `DELETE /api/v1/moderation/instances/{instance}` (body optional: `{reason?}`): the instance
/// federates as any other again; 404 if it had no policy.
pub async fn clear_instance(
    data: Data<AppState>,
    Path(instance): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let reason = optional_reason(&body)?;
    instances::clear_policy(&data, &moderator, &instance, &reason).await?;
    Ok(Json(
        json!({ "instance": instance.trim().to_ascii_lowercase(), "policy": null }),
    ))
}

/// `PUT /api/v1/moderation/federation_mode {mode: open|allowlist, reason?}`
pub async fn set_federation_mode(
    data: Data<AppState>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let mut fields = Fields::of(&body)?;
    let mode = fields.required_string("mode");
    let reason = fields.text("reason");
    let allowlist = match mode.as_str() {
        "open" => Some(false),
        "allowlist" => Some(true),
        _ => None,
    };
    if allowlist.is_none() {
        fields.note("mode", "must be open or allowlist");
    }
    let allowlist = fields.checked(allowlist)?;
    instances::set_allowlist_mode(&data, &moderator, allowlist, &reason).await?;
    Ok(Json(json!({ "mode": mode })))
}

/// `GET /api/v1/moderation/instances.csv`: suspensions and limits in Mastodon's format.
pub async fn export_csv(data: Data<AppState>, _: ModeratorAuth) -> Result<impl IntoResponse> {
    let csv = instances::export_csv(&data).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"blocklist.csv\"",
            ),
        ],
        csv,
    ))
}

/// `POST /api/v1/moderation/instances.csv` (body: the CSV text): `{suspended, limited, skipped}`.
pub async fn import_csv(
    data: Data<AppState>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    if body.len() > MAX_BODY {
        return Err(Error::PayloadTooLarge);
    }
    let csv = match std::str::from_utf8(&body) {
        Ok(text) if !text.trim().is_empty() => text.to_string(),
        _ => {
            return Err(Error::BadRequest(
                "the body must be the CSV text (UTF-8)".into(),
            ))
        }
    };
    let imported = instances::import_csv(data.app_data(), &moderator, &csv).await?;
    Ok(Json(json!({
        "suspended": imported.suspended,
        "limited": imported.limited,
        "skipped": imported.skipped,
    })))
}
