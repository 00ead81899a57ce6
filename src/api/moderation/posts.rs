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
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

use super::{
    check, moderator, optional_object, post_number, required_text, respond, text_field, time,
};
use crate::{
    api::{bool_field, json_object, member},
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
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let _moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let owner = query
            .get("owner")
            .map(|o| o.trim())
            .filter(|o| !o.is_empty());
        let held = console::held_posts(&data, owner).await?;
        Ok(
            Json(json!({ "posts": held.iter().map(held_json).collect::<Vec<_>>() }))
                .into_response(),
        )
    }
    .await;
    respond(result)
}

/// `POST /api/v1/moderation/queue/{id}/approve {reason?}`: shown and relayed.
pub async fn approve(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let id = post_number(&id)?;
        let input = optional_object(&body)?;
        let mut problems = Vec::new();
        let reason = text_field(&input, "reason", &mut problems);
        check(problems)?;
        holds::approve(&data, &moderator, id, &reason).await?;
        Ok(Json(json!({ "id": id, "approved": true })).into_response())
    }
    .await;
    respond(result)
}

/// `POST /api/v1/moderation/queue/{id}/reject {reason?, notify_author?}`: erased; with
/// `notify_author`, its author's server receives a `Reject`.
pub async fn reject(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let id = post_number(&id)?;
        let input = optional_object(&body)?;
        let mut problems = Vec::new();
        let reason = text_field(&input, "reason", &mut problems);
        let notify = bool_field(&input, "notify_author", &mut problems).unwrap_or(false);
        check(problems)?;
        holds::reject(&data, &moderator, id, notify, &reason).await?;
        Ok(Json(json!({ "id": id, "rejected": true, "author_notified": notify })).into_response())
    }
    .await;
    respond(result)
}

/// `POST /api/v1/moderation/posts/{id}/remove {reason}`: hidden here, and a `Delete` sent
/// everywhere it went; answers the id of the activity whose deliveries show where it reached.
pub async fn remove(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let id = post_number(&id)?;
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let reason = required_text(&input, "reason", &mut problems);
        check(problems)?;
        let sent = removal::remove(&data, &moderator, id, &reason).await?;
        Ok(Json(json!({ "id": id, "removed": true, "activity_id": sent })).into_response())
    }
    .await;
    respond(result)
}

/// The shared body of restore, lock and unlock: `{reason?}`.
async fn post_action(
    data: Data<AppState>,
    headers: HeaderMap,
    id: String,
    body: Bytes,
    action: PostAction,
) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let id = post_number(&id)?;
        let input = optional_object(&body)?;
        let mut problems = Vec::new();
        let reason = text_field(&input, "reason", &mut problems);
        check(problems)?;
        let answer = match action {
            PostAction::Restore => {
                removal::restore(&data, &moderator, id, &reason).await?;
                json!({ "id": id, "removed": false })
            }
            PostAction::Lock(locked) => {
                removal::lock(&data, &moderator, id, locked, &reason).await?;
                json!({ "id": id, "locked": locked })
            }
        };
        Ok(Json(answer).into_response())
    }
    .await;
    respond(result)
}

enum PostAction {
    Restore,
    Lock(bool),
}

/// `POST /api/v1/moderation/posts/{id}/restore {reason?}`
pub async fn restore(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    post_action(data, headers, id, body, PostAction::Restore).await
}

/// `POST /api/v1/moderation/posts/{id}/lock {reason?}`: the conversation takes no more replies.
pub async fn lock(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    post_action(data, headers, id, body, PostAction::Lock(true)).await
}

/// `POST /api/v1/moderation/posts/{id}/unlock {reason?}`
pub async fn unlock(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    post_action(data, headers, id, body, PostAction::Lock(false)).await
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
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let _moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let id = post_number(&id)?;
        let sent = console::post_deliveries(&data, id).await?;
        Ok(Json(json!({
            "id": id,
            "activities": sent.iter().map(sent_json).collect::<Vec<_>>(),
        }))
        .into_response())
    }
    .await;
    respond(result)
}

/// `POST /api/v1/posts/{id}/report {comment}` (any member): 201 with the report's id.
pub async fn report_post(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let member = match member(&data, &headers).await {
        Ok(member) => member,
        Err(response) => return response,
    };
    let result: Result<Response> = async {
        let id = post_number(&id)?;
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let comment = required_text(&input, "comment", &mut problems);
        check(problems)?;
        let report = reports::report_post(&data, &member, id, &comment).await?;
        Ok((StatusCode::CREATED, Json(json!({ "id": report }))).into_response())
    }
    .await;
    respond(result)
}
