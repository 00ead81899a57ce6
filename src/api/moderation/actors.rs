//! Decisions about actors, here or on other servers: bans from a forum or the whole server
//! (`GET bans`, `POST bans`, `POST bans/lift`) and participant labels (`GET labels`,
//! `PUT labels`, `POST labels/withdraw`). An actor is named by its id (URL), its handle
//! (`@user@instance`, looked up by WebFinger when unknown) or a member's name.

use activitypub_federation::config::Data;
use axum::{body::Bytes, http::StatusCode, Json};
use serde_json::{json, Value};

use super::{time, Fields, ModeratorAuth};
use crate::{
    error::{Error, Result},
    service::moderation::{
        bans::{self, BanRequest},
        console,
        holds::conversation_owner,
        labels,
    },
    state::AppState,
};

/// `GET /api/v1/moderation/bans`: the bans in force, newest first.
pub async fn bans(data: Data<AppState>, _: ModeratorAuth) -> Result<Json<Value>> {
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
    })))
}

/// `POST /api/v1/moderation/bans {actor, forum?, reason, expires_at?, remove_content?}`: 201
/// with the ban's id.
pub async fn ban(
    data: Data<AppState>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>)> {
    let mut fields = Fields::of(&body)?;
    let actor = fields.required_string("actor");
    let forum = fields.string("forum").filter(|f| !f.is_empty());
    let reason = fields.text("reason");
    let expires_at = fields.string("expires_at");
    let remove_content = fields.bool("remove_content");
    // Wrong types stop here; the values (actor, forum, reason, expires_at) are checked
    // together by the service, which names each wrong one.
    if !fields.problems.is_empty() {
        if reason.is_empty() {
            fields.note("reason", "is required");
        }
        fields.check()?;
    }
    let request = BanRequest {
        actor,
        forum,
        reason,
        expires_at,
        remove_content: remove_content.unwrap_or(false),
    };
    let id = bans::ban(&data, &moderator, &request).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

/// `POST /api/v1/moderation/bans/lift {actor, forum?, reason?}`: 404 if there was no such ban.
pub async fn lift_ban(
    data: Data<AppState>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let mut fields = Fields::of(&body)?;
    let actor = fields.required_string("actor");
    let forum = fields.string("forum").filter(|f| !f.is_empty());
    let reason = fields.text("reason");
    // An unknown forum is a wrong field, not a missing ban.
    if let Some(name) = forum.as_deref() {
        if let Err(Error::NotFound) = conversation_owner(&data, name).await {
            fields.note("forum", "no such forum");
        }
    }
    fields.check()?;
    bans::unban(&data, &moderator, &actor, forum.as_deref(), &reason).await?;
    Ok(Json(
        json!({ "actor": actor, "forum": forum, "lifted": true }),
    ))
}

/// `GET /api/v1/moderation/labels`: every participant label, by actor id.
pub async fn labels(data: Data<AppState>, _: ModeratorAuth) -> Result<Json<Value>> {
    let labels = labels::list(&data).await?;
    Ok(Json(json!({
        "labels": labels.iter().map(|(actor, label)| json!({
            "actor": actor, "label": label,
        })).collect::<Vec<_>>()
    })))
}

/// `PUT /api/v1/moderation/labels {actor, label, reason?}`: sets (or replaces) a label.
pub async fn label(
    data: Data<AppState>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let mut fields = Fields::of(&body)?;
    let actor = fields.required_string("actor");
    let label = fields.required_string("label");
    let reason = fields.text("reason");
    if !label.is_empty() && !labels::LABELS.contains(&label.as_str()) {
        fields.note(
            "label",
            format!("must be one of {}", labels::LABELS.join(", ")),
        );
    }
    fields.check()?;
    let actor = labels::set_label(&data, &moderator, &actor, Some(&label), &reason).await?;
    Ok(Json(json!({ "actor": actor, "label": label })))
}

/// `POST /api/v1/moderation/labels/withdraw {actor, reason?}`: 404 if the actor had none.
pub async fn withdraw_label(
    data: Data<AppState>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let mut fields = Fields::of(&body)?;
    let actor = fields.required_string("actor");
    let reason = fields.text("reason");
    fields.check()?;
    let actor = labels::set_label(&data, &moderator, &actor, None, &reason).await?;
    Ok(Json(json!({ "actor": actor, "label": null })))
}
