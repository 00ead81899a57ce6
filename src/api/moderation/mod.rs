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
use policies::{add_word, forum_log, policy, remove_word, set_forum_log, set_policy, words};
use posts::{approve, deliveries, lock, queue, reject, remove, report_post, restore, unlock};
use reports::{reports, resolve};

use axum::{
    body::Bytes,
    extract::FromRequestParts,
    http::request::Parts,
    response::{IntoResponse, Response},
    routing::{delete, get, post, put},
    Router,
};
use serde_json::{Map, Value};

use super::{bool_field, json_object, required_string, string_field, MemberAuth};
use crate::{
    error::{Error, FieldError, Result},
    service::moderation::{Moderator, MAX_REASON},
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
        .route(
            &at("/forums/{name}/public_log"),
            get(forum_log).put(set_forum_log),
        )
}

/// The moderator the bearer token belongs to, as a handler argument (placed as [`MemberAuth`]
/// is): the rejection is a 401 without a valid token, a 403 for a member who is not a moderator
/// or an admin.
struct ModeratorAuth(Moderator);

impl<S: Send + Sync> FromRequestParts<S> for ModeratorAuth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let MemberAuth(member) = MemberAuth::from_request_parts(parts, state).await?;
        Moderator::of(&member)
            .map(ModeratorAuth)
            .map_err(IntoResponse::into_response)
    }
}

/// A request body read field by field: each field of the wrong type, missing or out of bounds is
/// noted, and [`Fields::check`] answers 422 naming them all.
struct Fields {
    input: Map<String, Value>,
    problems: Vec<FieldError>,
}

impl Fields {
    /// The body, which must be a JSON object.
    fn of(body: &Bytes) -> Result<Fields> {
        Ok(Fields::new(json_object(body)?))
    }

    /// The body as a JSON object; an empty body is an empty object (for calls whose fields are
    /// all optional).
    fn optional(body: &Bytes) -> Result<Fields> {
        if body.iter().all(u8::is_ascii_whitespace) {
            Ok(Fields::new(Map::new()))
        } else {
            Fields::of(body)
        }
    }

    fn new(input: Map<String, Value>) -> Fields {
        Fields {
            input,
            problems: Vec::new(),
        }
    }

    /// A string field: `None` if absent or null.
    fn string(&mut self, field: &'static str) -> Option<String> {
        string_field(&self.input, field, &mut self.problems)
    }

    /// A string field that must be there (it may be empty).
    fn required_string(&mut self, field: &'static str) -> String {
        required_string(&self.input, field, &mut self.problems)
    }

    /// A boolean field: `None` if absent or null.
    fn bool(&mut self, field: &'static str) -> Option<bool> {
        bool_field(&self.input, field, &mut self.problems)
    }

    /// An optional free-text field (a reason, a note), trimmed; empty if absent.
    fn text(&mut self, field: &'static str) -> String {
        let text = self.string(field).unwrap_or_default();
        let text = text.trim();
        if text.chars().count() > MAX_REASON {
            self.note(field, format!("at most {MAX_REASON} characters"));
        }
        text.to_string()
    }

    /// A free-text field that must say something.
    fn required_text(&mut self, field: &'static str) -> String {
        let text = self.text(field);
        if text.is_empty() {
            self.note(field, "is required");
        }
        text
    }

    /// Notes a problem with `field`, unless one is already noted.
    fn note(&mut self, field: &'static str, message: impl Into<String>) {
        if !self.problems.iter().any(|problem| problem.field == field) {
            self.problems.push(FieldError::new(field, message));
        }
    }

    /// 422 naming every problem noted, if there is any.
    fn check(self) -> Result<()> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.problems))
        }
    }

    /// 422 naming every problem noted, if there is any; else `value`, a value parsed from the
    /// fields (`None` only when its problem is noted).
    fn checked<T>(self, value: Option<T>) -> Result<T> {
        match value {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ => Err(Error::Invalid(self.problems)),
        }
    }
}

/// The body of the calls that take only `{reason?}` (the body may be empty): the reason,
/// trimmed, or empty.
fn optional_reason(body: &Bytes) -> Result<String> {
    let mut fields = Fields::optional(body)?;
    let reason = fields.text("reason");
    fields.check()?;
    Ok(reason)
}

/// A Unix-ms time as RFC 3339.
fn time(millis: i64) -> String {
    crate::web::rfc3339(millis)
}
