//! What is held before anyone sees it: each conversation owner's reply policy
//! (`GET`/`PUT policies/{name}`, for a forum, `journal` or `webinars`) and the screening words
//! that hold any reply containing them (`GET words`, `POST words`, `DELETE words/{word}`), and
//! whether a forum publishes its moderation log (`GET`/`PUT forums/{name}/public_log`).

use activitypub_federation::config::Data;
use axum::{body::Bytes, extract::Path, Json};
use serde_json::{json, Value};

use super::{Fields, ModeratorAuth};
use crate::{
    error::{Error, Result},
    service::moderation::{console, holds, public_log},
    state::AppState,
};

/// `GET /api/v1/moderation/policies/{name}`: `{owner, policy}`.
pub async fn policy(
    data: Data<AppState>,
    Path(name): Path<String>,
    _: ModeratorAuth,
) -> Result<Json<Value>> {
    let policy = console::reply_policy_of(&data, &name).await?;
    Ok(Json(json!({ "owner": name, "policy": policy.as_str() })))
}

/// `PUT /api/v1/moderation/policies/{name} {policy, reason?}`
pub async fn set_policy(
    data: Data<AppState>,
    Path(name): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let mut fields = Fields::of(&body)?;
    let policy = fields.required_string("policy");
    let reason = fields.text("reason");
    fields.check()?;
    let policy = holds::set_reply_policy(&data, &moderator, &name, &policy, &reason).await?;
    Ok(Json(json!({ "owner": name, "policy": policy.as_str() })))
}

/// `GET /api/v1/moderation/words`: `{words}`, in order.
pub async fn words(data: Data<AppState>, _: ModeratorAuth) -> Result<Json<Value>> {
    let words = console::screening_words(&data).await?;
    Ok(Json(json!({ "words": words })))
}

/// `POST /api/v1/moderation/words {word}`: `{word, added}` (`added` false if it was listed).
pub async fn add_word(
    data: Data<AppState>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let mut fields = Fields::of(&body)?;
    let word = fields.required_string("word");
    fields.check()?;
    let added = holds::set_screening_word(&data, &moderator, &word, true).await?;
    Ok(Json(
        json!({ "word": word.trim().to_lowercase(), "added": added }),
    ))
}

/// `DELETE /api/v1/moderation/words/{word}`: 404 if it was not listed.
pub async fn remove_word(
    data: Data<AppState>,
    Path(word): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
) -> Result<Json<Value>> {
    if !holds::set_screening_word(&data, &moderator, &word, false).await? {
        return Err(Error::NotFound);
    }
    Ok(Json(
        json!({ "word": word.trim().to_lowercase(), "removed": true }),
    ))
}

/// `GET /api/v1/moderation/forums/{name}/public_log`: `{forum, public}`.
pub async fn forum_log(
    data: Data<AppState>,
    Path(name): Path<String>,
    _: ModeratorAuth,
) -> Result<Json<Value>> {
    let public = public_log::is_public(&data, &name).await?;
    Ok(Json(json!({ "forum": name, "public": public })))
}

/// `PUT /api/v1/moderation/forums/{name}/public_log {public}`: publishes the forum's log at
/// `/@{name}/log`, or stops.
pub async fn set_forum_log(
    data: Data<AppState>,
    Path(name): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let mut fields = Fields::of(&body)?;
    let public = fields.bool("public");
    if public.is_none() {
        fields.note("public", "is required");
    }
    fields.check()?;
    let public = public.unwrap_or(false);
    public_log::set_public(&data, &moderator, &name, public).await?;
    Ok(Json(json!({ "forum": name, "public": public })))
}
