//! Which instances federate: their policies (`GET instances`, `PUT instances/{instance}`,
//! `DELETE instances/{instance}`), the server-wide mode (`PUT federation_mode`: open, or only
//! the instances marked allow), and blocklists in Mastodon's CSV format (`GET instances.csv`,
//! `POST instances.csv` with the CSV text as the body).

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::Path,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use super::{check, moderator, optional_object, required_text, respond, text_field, time};
use crate::{
    api::{json_object, required_string, MAX_BODY},
    error::{Error, FieldError},
    service::moderation::instances::{self, Policy},
    state::AppState,
};

/// `GET /api/v1/moderation/instances`: `{allowlist, policies}`.
pub async fn instances(data: Data<AppState>, headers: HeaderMap) -> Response {
    let _moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let (allowlist, policies) = instances::list(&data).await?;
        Ok(Json(json!({
            "allowlist": allowlist,
            "policies": policies.iter().map(|row| json!({
                "instance": row.instance,
                "policy": row.policy,
                "reason": row.reason,
                "created_at": time(row.created_at),
            })).collect::<Vec<_>>(),
        }))
        .into_response())
    }
    .await;
    respond(result)
}

/// `PUT /api/v1/moderation/instances/{instance} {policy, reason}`
pub async fn set_instance(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(instance): Path<String>,
    body: Bytes,
) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let policy = required_string(&input, "policy", &mut problems);
        let reason = required_text(&input, "reason", &mut problems);
        let policy = Policy::parse(&policy);
        if policy.is_none() && !problems.iter().any(|problem| problem.field == "policy") {
            problems.push(FieldError::new("policy", "must be suspend, limit or allow"));
        }
        let (Some(policy), true) = (policy, problems.is_empty()) else {
            return Err(Error::Invalid(problems));
        };
        let instance = instances::set_policy(&data, &moderator, &instance, policy, &reason).await?;
        Ok(Json(json!({ "instance": instance, "policy": policy.as_str() })).into_response())
    }
    .await;
    respond(result)
}

/// `DELETE /api/v1/moderation/instances/{instance}` (body optional: `{reason?}`): the instance
/// federates as any other again; 404 if it had no policy.
pub async fn clear_instance(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(instance): Path<String>,
    body: Bytes,
) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let input = optional_object(&body)?;
        let mut problems = Vec::new();
        let reason = text_field(&input, "reason", &mut problems);
        check(problems)?;
        instances::clear_policy(&data, &moderator, &instance, &reason).await?;
        Ok(
            Json(json!({ "instance": instance.trim().to_ascii_lowercase(), "policy": null }))
                .into_response(),
        )
    }
    .await;
    respond(result)
}

/// `PUT /api/v1/moderation/federation_mode {mode: open|allowlist, reason?}`
pub async fn set_federation_mode(
    data: Data<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let mode = required_string(&input, "mode", &mut problems);
        let reason = text_field(&input, "reason", &mut problems);
        let allowlist = match mode.as_str() {
            "open" => Some(false),
            "allowlist" => Some(true),
            _ => None,
        };
        if allowlist.is_none() && !problems.iter().any(|problem| problem.field == "mode") {
            problems.push(FieldError::new("mode", "must be open or allowlist"));
        }
        let (Some(allowlist), true) = (allowlist, problems.is_empty()) else {
            return Err(Error::Invalid(problems));
        };
        instances::set_allowlist_mode(&data, &moderator, allowlist, &reason).await?;
        Ok(Json(json!({ "mode": mode })).into_response())
    }
    .await;
    respond(result)
}

/// `GET /api/v1/moderation/instances.csv`: suspensions and limits in Mastodon's format.
pub async fn export_csv(data: Data<AppState>, headers: HeaderMap) -> Response {
    let _moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
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
        )
            .into_response())
    }
    .await;
    respond(result)
}

/// `POST /api/v1/moderation/instances.csv` (body: the CSV text): `{suspended, limited, skipped}`.
pub async fn import_csv(data: Data<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
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
        }))
        .into_response())
    }
    .await;
    respond(result)
}
