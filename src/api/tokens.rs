//! `/api/v1/tokens`: a member's own API tokens: list them, make another (shown once), revoke one.

use activitypub_federation::config::Data;
use axum::{body::Bytes, extract::Path, http::StatusCode, Json};
use serde_json::{json, Value};

use super::{json_object, string_field, MemberAuth};
use crate::{
    error::{Error, Result},
    service::members,
    state::AppState,
};

pub async fn list(data: Data<AppState>, MemberAuth(member): MemberAuth) -> Result<Json<Value>> {
    let tokens = members::tokens_of(&data.db, &member).await?;
    Ok(Json(json!({
        "tokens": tokens.iter().map(|t| json!({
            "id": t.id,
            "label": t.label,
            "created_at": crate::web::rfc3339(t.created_at),
            "last_used_at": t.last_used_at.map(crate::web::rfc3339),
        })).collect::<Vec<_>>()
    })))
}

pub async fn create(
    data: Data<AppState>,
    MemberAuth(member): MemberAuth,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>)> {
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
    ))
}

pub async fn revoke(
    data: Data<AppState>,
    Path(id): Path<i64>,
    MemberAuth(member): MemberAuth,
) -> Result<StatusCode> {
    members::revoke_token(&data.db, &member, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
