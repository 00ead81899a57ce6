//! What is held before anyone sees it: each conversation owner's reply policy
//! (`GET`/`PUT policies/{name}`, for a forum, `journal` or `webinars`) and the screening words
//! that hold any reply containing them (`GET words`, `POST words`, `DELETE words/{word}`).

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::Path,
    http::HeaderMap,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use super::{check, moderator, respond, text_field};
use crate::{
    api::{json_object, required_string},
    error::Error,
    service::moderation::{console, holds},
    state::AppState,
};

/// `GET /api/v1/moderation/policies/{name}`: `{owner, policy}`.
pub async fn policy(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let _moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let policy = console::reply_policy_of(&data, &name).await?;
        Ok(Json(json!({ "owner": name, "policy": policy.as_str() })).into_response())
    }
    .await;
    respond(result)
}

/// `PUT /api/v1/moderation/policies/{name} {policy, reason?}`
pub async fn set_policy(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
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
        let reason = text_field(&input, "reason", &mut problems);
        check(problems)?;
        let policy = holds::set_reply_policy(&data, &moderator, &name, &policy, &reason).await?;
        Ok(Json(json!({ "owner": name, "policy": policy.as_str() })).into_response())
    }
    .await;
    respond(result)
}

/// `GET /api/v1/moderation/words`: `{words}`, in order.
pub async fn words(data: Data<AppState>, headers: HeaderMap) -> Response {
    let _moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let words = console::screening_words(&data).await?;
        Ok(Json(json!({ "words": words })).into_response())
    }
    .await;
    respond(result)
}

/// `POST /api/v1/moderation/words {word}`: `{word, added}` (`added` false if it was listed).
pub async fn add_word(data: Data<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let word = required_string(&input, "word", &mut problems);
        check(problems)?;
        let added = holds::set_screening_word(&data, &moderator, &word, true).await?;
        Ok(Json(json!({ "word": word.trim().to_lowercase(), "added": added })).into_response())
    }
    .await;
    respond(result)
}

/// `DELETE /api/v1/moderation/words/{word}`: 404 if it was not listed.
pub async fn remove_word(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(word): Path<String>,
) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        if !holds::set_screening_word(&data, &moderator, &word, false).await? {
            return Err(Error::NotFound);
        }
        Ok(Json(json!({ "word": word.trim().to_lowercase(), "removed": true })).into_response())
    }
    .await;
    respond(result)
}
