//! `/api/v1/moderation/...`: the moderation service over JSON, for moderators and admins (401
//! without a token, 403 for authors). One file per area: `posts` (the queue of held replies,
//! removal, locks, where a decision's activity was delivered, and members' reports of posts),
//! `actors` (bans and labels), `instances` (instance policies, the federation mode, Mastodon's
//! CSV), `reports`, `policies` (reply policies and screening words) and `log`. Handlers only read
//! the request and shape the answer; the service decides and writes the log.

mod actors;
mod instances;
mod log;
mod policies;
mod posts;
mod reports;

use actors::{ban, bans, label, labels, lift_ban, withdraw_label};
use instances::{
    clear_instance, export_csv, import_csv, instances, set_federation_mode, set_instance,
};
use log::log;
use policies::{add_word, policy, remove_word, set_policy, words};
use posts::{approve, deliveries, lock, queue, reject, remove, report_post, restore, unlock};
use reports::{reports, resolve};

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::{delete, get, post, put},
    Router,
};
use serde_json::{Map, Value};

use super::{json_object, member, string_field};
use crate::{
    error::{Error, FieldError, Result},
    service::moderation::Moderator,
    state::AppState,
};

/// The moderation routes, and members' reports of posts.
pub fn router() -> Router {
    const M: &str = "/api/v1/moderation";
    let at = |path: &str| format!("{M}{path}");
    Router::new()
        .route("/api/v1/posts/{id}/report", post(report_post))
        .route(&at("/queue"), get(queue))
        .route(&at("/queue/{id}/approve"), post(approve))
        .route(&at("/queue/{id}/reject"), post(reject))
        .route(&at("/posts/{id}/remove"), post(remove))
        .route(&at("/posts/{id}/restore"), post(restore))
        .route(&at("/posts/{id}/lock"), post(lock))
        .route(&at("/posts/{id}/unlock"), post(unlock))
        .route(&at("/posts/{id}/deliveries"), get(deliveries))
        .route(&at("/bans"), get(bans).post(ban))
        .route(&at("/bans/lift"), post(lift_ban))
        .route(&at("/instances"), get(instances))
        .route(
            &at("/instances/{instance}"),
            put(set_instance).delete(clear_instance),
        )
        .route(&at("/instances.csv"), get(export_csv).post(import_csv))
        .route(&at("/federation_mode"), put(set_federation_mode))
        .route(&at("/reports"), get(reports))
        .route(&at("/reports/{id}/resolve"), post(resolve))
        .route(&at("/labels"), get(labels).put(label))
        .route(&at("/labels/withdraw"), post(withdraw_label))
        .route(&at("/log"), get(log))
        .route(&at("/policies/{name}"), get(policy).put(set_policy))
        .route(&at("/words"), get(words).post(add_word))
        .route(&at("/words/{word}"), delete(remove_word))
}

/// The longest reason or note kept with a decision.
pub const MAX_REASON: usize = 2_000;

/// The moderator the bearer token belongs to: 401 without a valid token, 403 for a member who
/// is not a moderator or an admin.
async fn moderator(data: &Data<AppState>, headers: &HeaderMap) -> Result<Moderator, Response> {
    let member = member(data, headers).await?;
    Moderator::of(&member).map_err(IntoResponse::into_response)
}

/// The body as a JSON object; an empty body is an empty object (for calls whose fields are all
/// optional).
fn optional_object(body: &Bytes) -> Result<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(Map::new())
    } else {
        json_object(body)
    }
}

/// An optional free-text field (a reason, a note), trimmed; empty if absent.
fn text_field(
    input: &Map<String, Value>,
    field: &'static str,
    problems: &mut Vec<FieldError>,
) -> String {
    let text = string_field(input, field, problems).unwrap_or_default();
    let text = text.trim();
    if text.chars().count() > MAX_REASON {
        problems.push(FieldError::new(
            field,
            format!("at most {MAX_REASON} characters"),
        ));
    }
    text.to_string()
}

/// A free-text field that must say something.
fn required_text(
    input: &Map<String, Value>,
    field: &'static str,
    problems: &mut Vec<FieldError>,
) -> String {
    let text = text_field(input, field, problems);
    if text.is_empty() && !problems.iter().any(|problem| problem.field == field) {
        problems.push(FieldError::new(field, "is required"));
    }
    text
}

/// 422 naming every problem found, if there is any.
fn check(problems: Vec<FieldError>) -> Result<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

/// A post number from the path; 404 when it is not one.
fn post_number(text: &str) -> Result<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Error::NotFound)
}

/// A Unix-ms time as RFC 3339.
fn time(millis: i64) -> String {
    crate::web::rfc3339(millis)
}

/// The answer for a handler's result.
fn respond(result: Result<Response>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}
