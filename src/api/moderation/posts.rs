//! Posts under moderation: the queue of held replies (`GET queue`, `POST queue/{id}/approve`,
//! `POST queue/{id}/reject`), taking posts down and bringing them back (`POST posts/{id}/remove`,
//! `restore`), locking conversations (`lock`, `unlock`), where what a decision sent was
//! delivered (`GET posts/{id}/deliveries`), and reports of posts by any member
//! (`POST /api/v1/posts/{id}/report`).

use std::collections::HashMap;

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::{Path, Query},
    http::StatusCode,
    Json,
};
use serde_json::{json, Value};

use super::{optional_reason, time, Fields, ModeratorAuth};
use crate::{
    api::{post_number, MemberAuth},
    error::Result,
    service::moderation::{
        console::{self, HeldPost, SentActivity},
        holds, removal, reports,
    },
    state::AppState,
};

fn held_json(post: &HeldPost) -> Value {
    json!({
        "id": post.id,
        "ap_id": post.ap_id,
        "author_id": post.author_id,
        "author_handle": post.author_handle,
        "owner": post.owner,
        "excerpt": post.excerpt,
        "held_reason": post.held_reason,
        "published": time(post.published_at),
    })
}

/// `GET /api/v1/moderation/queue[?owner=NAME]`: held replies, oldest first.
pub async fn queue(
    data: Data<AppState>,
    Query(query): Query<HashMap<String, String>>,
    _: ModeratorAuth,
) -> Result<Json<Value>> {
    let owner = query
        .get("owner")
        .map(|o| o.trim())
        .filter(|o| !o.is_empty());
    let held = console::held_posts(&data, owner).await?;
    Ok(Json(
        json!({ "posts": held.iter().map(held_json).collect::<Vec<_>>() }),
    ))
}

/// `POST /api/v1/moderation/queue/{id}/approve {reason?}`: shown and relayed.
pub async fn approve(
    data: Data<AppState>,
    Path(id): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let id = post_number(&id)?;
    let reason = optional_reason(&body)?;
    holds::approve(&data, &moderator, id, &reason).await?;
    Ok(Json(json!({ "id": id, "approved": true })))
}

/// `POST /api/v1/moderation/queue/{id}/reject {reason?, notify_author?}`: erased; with
/// `notify_author`, its author's server receives a `Reject`.
pub async fn reject(
    data: Data<AppState>,
    Path(id): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let id = post_number(&id)?;
    let mut fields = Fields::optional(&body)?;
    let reason = fields.text("reason");
    let notify = fields.bool("notify_author").unwrap_or(false);
    fields.check()?;
    holds::reject(&data, &moderator, id, notify, &reason).await?;
    Ok(Json(
        json!({ "id": id, "rejected": true, "author_notified": notify }),
    ))
}

/// `POST /api/v1/moderation/posts/{id}/remove {reason}`: hidden here, and a `Delete` sent
/// everywhere it went; answers the id of the activity whose deliveries show where it reached.
pub async fn remove(
    data: Data<AppState>,
    Path(id): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let id = post_number(&id)?;
    let mut fields = Fields::of(&body)?;
    let reason = fields.required_text("reason");
    fields.check()?;
    let sent = removal::remove(&data, &moderator, id, &reason).await?;
    Ok(Json(
        json!({ "id": id, "removed": true, "activity_id": sent }),
    ))
}

/// `POST /api/v1/moderation/posts/{id}/restore {reason?}`
pub async fn restore(
    data: Data<AppState>,
    Path(id): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let id = post_number(&id)?;
    let reason = optional_reason(&body)?;
    removal::restore(&data, &moderator, id, &reason).await?;
    Ok(Json(json!({ "id": id, "removed": false })))
}

/// `POST /api/v1/moderation/posts/{id}/lock {reason?}`: the conversation takes no more replies.
pub async fn lock(
    data: Data<AppState>,
    Path(id): Path<String>,
    moderator: ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    set_lock(data, id, moderator, body, true).await
}

/// `POST /api/v1/moderation/posts/{id}/unlock {reason?}`
pub async fn unlock(
    data: Data<AppState>,
    Path(id): Path<String>,
    moderator: ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    set_lock(data, id, moderator, body, false).await
}

async fn set_lock(
    data: Data<AppState>,
    id: String,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
    locked: bool,
) -> Result<Json<Value>> {
    let id = post_number(&id)?;
    let reason = optional_reason(&body)?;
    removal::lock(&data, &moderator, id, locked, &reason).await?;
    Ok(Json(json!({ "id": id, "locked": locked })))
}

fn sent_json(sent: &SentActivity) -> Value {
    json!({
        "log_id": sent.entry.id,
        "action": sent.entry.action,
        "moderator": sent.entry.moderator_name,
        "at": time(sent.entry.created_at),
        "activity_id": sent.entry.activity_id,
        "deliveries": sent.deliveries.iter().map(|record| json!({
            "instance": record.instance,
            "inbox": record.inbox,
            "state": console::delivery_state(record.state),
            "attempts": record.attempts,
            "last_status": record.last_status,
            "finished_at": record.finished_at.map(time),
        })).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/moderation/posts/{id}/deliveries`: what the decisions about the post sent, and
/// where each copy was delivered.
pub async fn deliveries(
    data: Data<AppState>,
    Path(id): Path<String>,
    _: ModeratorAuth,
) -> Result<Json<Value>> {
    let id = post_number(&id)?;
    let sent = console::post_deliveries(&data, id).await?;
    Ok(Json(json!({
        "id": id,
        "activities": sent.iter().map(sent_json).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/posts/{id}/report {comment}` (any member): 201 with the report's id.
pub async fn report_post(
    data: Data<AppState>,
    Path(id): Path<String>,
    MemberAuth(member): MemberAuth,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>)> {
    let id = post_number(&id)?;
    let mut fields = Fields::of(&body)?;
    let comment = fields.required_text("comment");
    fields.check()?;
    let report = reports::report_post(&data, &member, id, &comment).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": report }))))
}
