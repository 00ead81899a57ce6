//! The moderation log, newest first, fifty entries a page: `GET log[?q=TEXT&forum=NAME&page=N]`
//! (`q` matches the action, target, reason or moderator).

use std::collections::HashMap;

use activitypub_federation::config::Data;
use axum::{extract::Query, Json};
use serde_json::{json, Value};

use super::{time, ModeratorAuth};
use crate::{
    error::{Error, FieldError, Result},
    service::moderation::console,
    state::AppState,
};

/// `GET /api/v1/moderation/log`: `{entries, page, next_page}`.
pub async fn log(
    data: Data<AppState>,
    Query(query): Query<HashMap<String, String>>,
    _: ModeratorAuth,
) -> Result<Json<Value>> {
    let search = query.get("q").map_or("", String::as_str);
    let forum = query
        .get("forum")
        .map(|name| name.trim())
        .filter(|name| !name.is_empty());
    let page = match query.get("page").map(|page| page.trim().parse::<i64>()) {
        None => 1,
        Some(Ok(page)) => page,
        Some(Err(_)) => {
            return Err(Error::Invalid(vec![FieldError::new(
                "page",
                "must be a whole number",
            )]))
        }
    };
    let log = console::log(&data, search, forum, page).await?;
    Ok(Json(json!({
        "entries": log.lines.iter().map(|line| json!({
            "id": line.entry.id,
            "at": time(line.entry.created_at),
            "moderator": line.entry.moderator_name,
            "action": line.entry.action,
            "target": line.entry.target,
            "forum": line.forum,
            "reason": line.entry.reason,
            "activity_id": line.entry.activity_id,
        })).collect::<Vec<_>>(),
        "page": log.page,
        "next_page": log.more.then_some(log.page + 1),
    })))
}
