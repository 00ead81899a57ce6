//! `/api/v1/tokens`: a member's own API tokens: list them, make another (shown once), revoke one.

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::Path,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use super::{json_object, member, string_field};
use crate::{error::Error, service::members, state::AppState};

pub async fn list(data: Data<AppState>, headers: HeaderMap) -> Response {
    let member = match member(&data, &headers).await {
        Ok(member) => member,
        Err(response) => return response,
    };
    match members::tokens_of(&data.db, &member).await {
        Ok(tokens) => Json(json!({
            "tokens": tokens.iter().map(|t| json!({
                "id": t.id,
                "label": t.label,
                "created_at": crate::web::rfc3339(t.created_at),
                "last_used_at": t.last_used_at.map(crate::web::rfc3339),
            })).collect::<Vec<_>>()
        }))
        .into_response(),
        Err(err) => err.into_response(),
    }
}

pub async fn create(data: Data<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let member = match member(&data, &headers).await {
        Ok(member) => member,
        Err(response) => return response,
    };
    let result = async {
        let input = if body.is_empty() {
            Default::default()
        } else {
            json_object(&body)?
        };
        let mut problems = Vec::new();
        let label = string_field(&input, "label", &mut problems).unwrap_or_default();
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let token = members::create_token(&data.db, &member.name, &label).await?;
        Ok((
            StatusCode::CREATED,
            Json(json!({ "id": token.id, "token": token.token })),
        )
            .into_response())
    }
    .await;
    result.unwrap_or_else(|err: Error| err.into_response())
}

pub async fn revoke(data: Data<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    let member = match member(&data, &headers).await {
        Ok(member) => member,
        Err(response) => return response,
    };
    match members::revoke_token(&data.db, &member, id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => err.into_response(),
    }
}
