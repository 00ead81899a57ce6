//! `/api/v1/forums` (admins): a new forum, a Group actor that people can follow
//! (`POST /api/v1/forums`), and changes to its title and summary, which its followers receive as
//! an `Update` (`PATCH /api/v1/forums/{name}`), and whether it takes new threads from other
//! servers (`remote_threads`).

use activitypub_federation::config::Data;
use axum::{body::Bytes, extract::Path, response::Response, Json};
use serde_json::{json, Value};

use super::{
    add_problems, bool_field, created, json_object, required_string, string_field, MemberAuth,
};
use crate::{
    error::{Error, Result},
    model::Role,
    service::{actors, conversations, members, profiles},
    state::AppState,
};

pub async fn create(
    data: Data<AppState>,
    MemberAuth(member): MemberAuth,
    body: Bytes,
) -> Result<Response> {
    members::require_role(&member, &[Role::Admin])?;
    let input = json_object(&body)?;
    let mut problems = Vec::new();
    let name = required_string(&input, "name", &mut problems);
    let title = required_string(&input, "title", &mut problems);
    let summary = string_field(&input, "summary", &mut problems).unwrap_or_default();
    add_problems(
        &mut problems,
        actors::forum_problems(&name, &title, &summary),
    );
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let forum = actors::add_forum(&data.db, &name, &title, &summary).await?;
    tracing::info!(forum = %forum.name, by = %member.name, "forum created");
    Ok(created(
        data.actor_url(&forum).as_str(),
        data.url(&format!("/@{}", forum.name)).as_str(),
    ))
}

pub async fn update(
    data: Data<AppState>,
    Path(name): Path<String>,
    MemberAuth(member): MemberAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    members::require_role(&member, &[Role::Admin])?;
    let input = json_object(&body)?;
    let mut problems = Vec::new();
    let title = string_field(&input, "title", &mut problems);
    let summary = string_field(&input, "summary", &mut problems);
    let remote_threads = bool_field(&input, "remote_threads", &mut problems);
    let rules = profiles::forum_update_problems(&data, &name, title.as_deref(), summary.as_deref());
    add_problems(&mut problems, rules.await?);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    if let Some(accepts) = remote_threads {
        conversations::set_remote_threads(&data, &name, accepts).await?;
    }
    let forum = if title.is_some() || summary.is_some() {
        let update =
            profiles::update_forum(&data, &name, title.as_deref(), summary.as_deref()).await?;
        tracing::info!(forum = %update.actor.name, by = %member.name, "forum updated");
        update.actor
    } else {
        data.db
            .local_actor_by_name(&name)
            .await?
            .ok_or(Error::NotFound)?
    };
    Ok(Json(json!({
        "id": data.actor_url(&forum),
        "url": data.url(&format!("/@{}", forum.name)),
        "remote_threads": conversations::accepts_remote_threads(&data, &forum).await?,
    })))
}
