//! The JSON API under `/api/v1`: thin handlers over `service`, authenticated by members' bearer
//! tokens (`Authorization: Bearer rounds_...`). Authentication is an argument of the handler
//! (`MemberAuth`, or `ModeratorAuth` for moderation), and handlers return `Result`, an
//! [`Error`] being answered as its own `IntoResponse` says. Bodies are read as JSON objects field
//! by field, so that every wrong field is named in the 422 answer. Documented in `docs/api.md`
//! and by the OpenAPI document at `/api/v1/openapi.json` ([`openapi`]).

mod forums;
mod moderation;
mod openapi;
mod posts;
mod tokens;

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{delete, get, patch, post},
    Json, Router,
};
use serde_json::{Map, Value};

use crate::{
    error::{Error, FieldError, Result},
    model::LocalActor,
    service::members,
    state::AppState,
};

/// The largest API request body accepted.
pub const MAX_BODY: usize = 256 * 1024;

pub fn router() -> Router {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/forums", post(forums::create))
        .route("/api/v1/forums/{name}", patch(forums::update))
        .route("/api/v1/forums/{name}/threads", post(posts::create_thread))
        .route("/api/v1/journal", post(posts::create_article))
        .route("/api/v1/webinars", post(posts::create_event))
        .route(
            "/api/v1/posts/{id}",
            patch(posts::update).delete(posts::delete),
        )
        .route("/api/v1/posts/{id}/replies", post(posts::create_reply))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}", delete(tokens::revoke))
        .merge(moderation::router())
}

/// The member the request's bearer token belongs to, as a handler argument. Without a valid
/// token the handler is not called: the rejection is a 401 that says how to authenticate.
///
/// Handlers take it after their `Path` and `Query` and before the body, so that a malformed path
/// is answered as before the token is looked at, and the body is read only for a member.
struct MemberAuth(LocalActor);

impl<S: Send + Sync> FromRequestParts<S> for MemberAuth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let data = Data::<AppState>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        match members::authenticate(&data.db, authorization).await {
            Ok(member) => Ok(MemberAuth(member)),
            Err(err) => {
                let unauthorized = matches!(err, Error::Unauthorized(_));
                let mut response = err.into_response();
                if unauthorized {
                    response.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Bearer realm=\"rounds\""),
                    );
                }
                Err(response)
            }
        }
    }
}

/// The request body as a JSON object: 400 if it is not one.
fn json_object(body: &Bytes) -> Result<Map<String, Value>> {
    if body.len() > MAX_BODY {
        return Err(Error::PayloadTooLarge);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::BadRequest("the body must be a JSON object".into())),
    }
}

/// A string field: `None` if absent or null; a field error if of another type.
fn string_field(
    map: &Map<String, Value>,
    field: &'static str,
    problems: &mut Vec<FieldError>,
) -> Option<String> {
    match map.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            problems.push(FieldError::new(field, "must be a string"));
            None
        }
    }
}

/// A boolean field: `None` if absent or null; a field error if of another type.
fn bool_field(
    map: &Map<String, Value>,
    field: &'static str,
    problems: &mut Vec<FieldError>,
) -> Option<bool> {
    match map.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(value)) => Some(*value),
        Some(_) => {
            problems.push(FieldError::new(field, "must be true or false"));
            None
        }
    }
}

/// A required string field.
fn required_string(
    map: &Map<String, Value>,
    field: &'static str,
    problems: &mut Vec<FieldError>,
) -> String {
    let value = string_field(map, field, problems);
    if value.is_none() && !problems.iter().any(|p| p.field == field) {
        problems.push(FieldError::new(field, "is required"));
    }
    value.unwrap_or_default()
}

/// Adds what the rules say of the values (`rules`) to the type problems already found, for the
/// fields not already named.
fn add_problems(problems: &mut Vec<FieldError>, rules: Vec<FieldError>) {
    for problem in rules {
        if !problems.iter().any(|known| known.field == problem.field) {
            problems.push(problem);
        }
    }
}

/// 201 Created with `{id, url}` and a `Location` header.
fn created(id: &str, url: &str) -> Response {
    let mut response = (
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": id, "url": url })),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(url) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A post number from the path; 404 when it is not one.
fn post_number(text: &str) -> Result<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Error::NotFound)
}
