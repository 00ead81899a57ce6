//! `POST /api/v1/forums` (admins): a new forum, a Group actor that people can follow.

use activitypub_federation::config::Data;
use axum::{body::Bytes, http::HeaderMap, response::Response};

use super::{created, json_object, member, required_string, string_field};
use crate::{
    error::Error,
    model::Role,
    service::{actors, members},
    state::AppState,
};

pub async fn create(data: Data<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    use axum::response::IntoResponse;
    let member = match member(&data, &headers).await {
        Ok(member) => member,
        Err(response) => return response,
    };
    let result = async {
        members::require_role(&member, &[Role::Admin])?;
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let name = required_string(&input, "name", &mut problems);
        let title = required_string(&input, "title", &mut problems);
        let summary = string_field(&input, "summary", &mut problems).unwrap_or_default();
        // Then what the rules say of the values given, for the fields not already wrong.
        for problem in actors::forum_problems(&name, &title, &summary) {
            if !problems.iter().any(|known| known.field == problem.field) {
                problems.push(problem);
            }
        }
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
    .await;
    result.unwrap_or_else(|err: Error| err.into_response())
}
