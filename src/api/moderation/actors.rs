//! Decisions about actors, here or on other servers: bans from a forum or the whole server
//! (`GET bans`, `POST bans`, `POST bans/lift`) and participant labels (`GET labels`,
//! `PUT labels`, `POST labels/withdraw`). An actor is named by its id (URL), its handle
//! (`@user@instance`, looked up by WebFinger when unknown) or a member's name.

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use super::{check, moderator, respond, text_field, time};
use crate::{
    api::{bool_field, json_object, required_string, string_field},
    error::{Error, FieldError},
    service::moderation::{
        bans::{self, BanRequest},
        console,
        holds::conversation_owner,
        labels,
    },
    state::AppState,
};

/// `GET /api/v1/moderation/bans`: the bans in force, newest first.
pub async fn bans(data: Data<AppState>, headers: HeaderMap) -> Response {
    let _moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let bans = console::bans(&data).await?;
        Ok(Json(json!({
            "bans": bans.iter().map(|line| json!({
                "id": line.ban.id,
                "actor": line.ban.actor_ap_id,
                "forum": line.forum,
                "reason": line.ban.reason,
                "expires_at": line.ban.expires_at.map(time),
                "created_at": time(line.ban.created_at),
            })).collect::<Vec<_>>()
        }))
        .into_response())
    }
    .await;
    respond(result)
}

/// `POST /api/v1/moderation/bans {actor, forum?, reason, expires_at?, remove_content?}`: 201
/// with the ban's id.
pub async fn ban(data: Data<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let actor = required_string(&input, "actor", &mut problems);
        let forum = string_field(&input, "forum", &mut problems).filter(|f| !f.is_empty());
        let reason = text_field(&input, "reason", &mut problems);
        let expires_at = string_field(&input, "expires_at", &mut problems);
        let remove_content = bool_field(&input, "remove_content", &mut problems);
        // Wrong types stop here; the values (actor, forum, reason, expires_at) are checked
        // together by the service, which names each wrong one.
        if !problems.is_empty() {
            if reason.is_empty() && !problems.iter().any(|p| p.field == "reason") {
                problems.push(FieldError::new("reason", "is required"));
            }
            return Err(Error::Invalid(problems));
        }
        let request = BanRequest {
            actor,
            forum,
            reason,
            expires_at,
            remove_content: remove_content.unwrap_or(false),
        };
        let id = bans::ban(&data, &moderator, &request).await?;
        Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
    }
    .await;
    respond(result)
}

/// `POST /api/v1/moderation/bans/lift {actor, forum?, reason?}`: 404 if there was no such ban.
pub async fn lift_ban(data: Data<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let actor = required_string(&input, "actor", &mut problems);
        let forum = string_field(&input, "forum", &mut problems).filter(|f| !f.is_empty());
        let reason = text_field(&input, "reason", &mut problems);
        // An unknown forum is a wrong field, not a missing ban.
        if let Some(name) = forum.as_deref() {
            if let Err(Error::NotFound) = conversation_owner(&data, name).await {
                problems.push(FieldError::new("forum", "no such forum"));
            }
        }
        check(problems)?;
        bans::unban(&data, &moderator, &actor, forum.as_deref(), &reason).await?;
        Ok(Json(json!({ "actor": actor, "forum": forum, "lifted": true })).into_response())
    }
    .await;
    respond(result)
}

/// `GET /api/v1/moderation/labels`: every participant label, by actor id.
pub async fn labels(data: Data<AppState>, headers: HeaderMap) -> Response {
    let _moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let labels = labels::list(&data).await?;
        Ok(Json(json!({
            "labels": labels.iter().map(|(actor, label)| json!({
                "actor": actor, "label": label,
            })).collect::<Vec<_>>()
        }))
        .into_response())
    }
    .await;
    respond(result)
}

/// `PUT /api/v1/moderation/labels {actor, label, reason?}`: sets (or replaces) a label.
pub async fn label(data: Data<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let actor = required_string(&input, "actor", &mut problems);
        let label = required_string(&input, "label", &mut problems);
        let reason = text_field(&input, "reason", &mut problems);
        if !label.is_empty() && !labels::LABELS.contains(&label.as_str()) {
            problems.push(FieldError::new(
                "label",
                format!("must be one of {}", labels::LABELS.join(", ")),
            ));
        }
        check(problems)?;
        let actor = labels::set_label(&data, &moderator, &actor, Some(&label), &reason).await?;
        Ok(Json(json!({ "actor": actor, "label": label })).into_response())
    }
    .await;
    respond(result)
}

/// `POST /api/v1/moderation/labels/withdraw {actor, reason?}`: 404 if the actor had none.
pub async fn withdraw_label(data: Data<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let actor = required_string(&input, "actor", &mut problems);
        let reason = text_field(&input, "reason", &mut problems);
        check(problems)?;
        let actor = labels::set_label(&data, &moderator, &actor, None, &reason).await?;
        Ok(Json(json!({ "actor": actor, "label": null })).into_response())
    }
    .await;
    respond(result)
}
