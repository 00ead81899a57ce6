//! Publishing through the API (members with a bearer token): threads in forums, replies,
//! journal announcements and webinars (`POST`), and changes to any of them by id
//! (`PATCH` / `DELETE /api/v1/posts/{id}`, where `{id}` is the number at the end of the
//! post's URL). Every create answers 201 with `{id, url}`.

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Map, Value};

use super::{created, json_object, post_number, string_field, MemberAuth};
use crate::{
    error::{FieldError, Result},
    service::{
        post_rules::Draft,
        publishing::{self, Place},
    },
    state::AppState,
};

/// Every field a draft may have, read by type; a field of the wrong type is left out and named
/// in `input_problems`, to be reported with what the rules find.
fn draft_from(input: &Map<String, Value>) -> Draft {
    let mut problems = Vec::new();
    let mut text = |field| string_field(input, field, &mut problems);
    let mut draft = Draft {
        title: text("title"),
        summary: text("summary"),
        body: text("body"),
        content_warning: text("content_warning"),
        link: text("link"),
        doi: text("doi"),
        starts_at: text("starts_at"),
        ends_at: text("ends_at"),
        timezone: text("timezone"),
        join_url: text("join_url"),
        ..Draft::default()
    };
    match input.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            draft.tags = Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            );
        }
        Some(_) => problems.push(FieldError::new("tags", "must be an array of strings")),
    }
    match input.get("capacity") {
        None | Some(Value::Null) => {}
        Some(Value::Number(number)) if number.as_i64().is_some() => {
            draft.capacity = number.as_i64()
        }
        Some(_) => problems.push(FieldError::new("capacity", "must be a whole number")),
    }
    draft.input_problems = problems;
    draft
}

async fn publish_at(
    data: Data<AppState>,
    MemberAuth(member): MemberAuth,
    place: Place<'_>,
    body: Bytes,
) -> Result<Response> {
    let draft = draft_from(&json_object(&body)?);
    let published = publishing::publish(&data, &member, place, &draft).await?;
    Ok(created(published.id.as_str(), published.id.as_str()))
}

/// `POST /api/v1/forums/{name}/threads`
pub async fn create_thread(
    data: Data<AppState>,
    Path(name): Path<String>,
    member: MemberAuth,
    body: Bytes,
) -> Result<Response> {
    publish_at(data, member, Place::Forum(&name), body).await
}

/// `POST /api/v1/posts/{id}/replies`. The post number is read before the token: a path that
/// names no post is 404 whoever asks.
pub async fn create_reply(
    data: Data<AppState>,
    Path(id): Path<String>,
    member: Result<MemberAuth, Response>,
    body: Bytes,
) -> Response {
    let id = match post_number(&id) {
        Ok(id) => id,
        Err(err) => return err.into_response(),
    };
    match member {
        Ok(member) => publish_at(data, member, Place::ReplyTo(id), body)
            .await
            .into_response(),
        Err(rejection) => rejection,
    }
}

/// `POST /api/v1/journal`
pub async fn create_article(
    data: Data<AppState>,
    member: MemberAuth,
    body: Bytes,
) -> Result<Response> {
    publish_at(data, member, Place::Journal, body).await
}

/// `POST /api/v1/webinars`
pub async fn create_event(
    data: Data<AppState>,
    member: MemberAuth,
    body: Bytes,
) -> Result<Response> {
    publish_at(data, member, Place::Webinars, body).await
}

/// `PATCH /api/v1/posts/{id}`: the fields given replace the post's; 200 with `{id, url}`.
pub async fn update(
    data: Data<AppState>,
    Path(id): Path<String>,
    MemberAuth(member): MemberAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let id = post_number(&id)?;
    let changes = draft_from(&json_object(&body)?);
    let edited = publishing::edit(&data, &member, id, changes).await?;
    Ok(Json(json!({ "id": edited.id, "url": edited.id })))
}

/// `DELETE /api/v1/posts/{id}`: 204.
pub async fn delete(
    data: Data<AppState>,
    Path(id): Path<String>,
    MemberAuth(member): MemberAuth,
) -> Result<StatusCode> {
    publishing::delete(&data, &member, post_number(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
