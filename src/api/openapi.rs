//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the API, kept beside the handlers
//! (tests/api.rs checks that every operation it describes is served): publishing, forums and
//! tokens, then moderation.

use axum::Json;
use serde_json::{json, Value};

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn error_responses() -> Value {
    json!({
        "401": {"description": "No valid bearer token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "403": {"description": "The member's role does not allow this", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    })
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    base
}

/// The document.
pub fn spec() -> Value {
    let mut spec = base_spec();
    if let Some(schemas) = spec["components"]["schemas"].as_object_mut() {
        if let Value::Object(more) = moderation_schemas() {
            schemas.extend(more);
        }
    }
    if let Some(paths) = spec["paths"].as_object_mut() {
        if let Value::Object(more) = moderation_paths() {
            paths.extend(more);
        }
    }
    spec
}

/// Publishing, forums and tokens.
fn base_spec() -> Value {
    let created = json!({"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}}});
    let post_id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "The number at the end of the post's URL"});
    let invalid = json!({"422": {"description": "Invalid input: one message per field", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Invalid"}}}}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Rounds API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Publishing, moderation and administration for the Society for Participatory Medicine's federated discussion server.",
            "license": {"name": "AGPL-3.0-only"}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A member's API token (rounds_...), from `rounds user token NAME` or POST /api/v1/tokens"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "Invalid": {"type": "object", "required": ["error", "fields"], "properties": {
                    "error": {"type": "string", "const": "invalid input"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}}
                }},
                "Created": {"type": "object", "required": ["id", "url"], "properties": {
                    "id": {"type": "string", "format": "uri", "description": "The ActivityPub id"},
                    "url": {"type": "string", "format": "uri", "description": "The HTML page"}
                }},
                "NewForum": {"type": "object", "required": ["name", "title"], "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9_]{1,30}$", "description": "The handle: @NAME@DOMAIN"},
                    "title": {"type": "string", "maxLength": 100},
                    "summary": {"type": "string", "maxLength": 2000}
                }},
                "NewThread": {"type": "object", "required": ["title", "body"], "properties": {
                    "title": {"type": "string", "maxLength": 200},
                    "body": {"type": "string", "maxLength": 50000, "description": "Markdown; raw HTML is shown as text. #hashtags and @user@instance mentions are linked"},
                    "content_warning": {"type": "string", "maxLength": 200, "description": "Shown before the body; federated as summary + sensitive"},
                    "tags": {"type": "array", "maxItems": 10, "items": {"type": "string", "pattern": "^#?[\\p{L}\\p{N}_]{1,50}$"}}
                }},
                "NewReply": {"type": "object", "required": ["body"], "properties": {
                    "body": {"type": "string", "maxLength": 50000, "description": "Markdown"},
                    "content_warning": {"type": "string", "maxLength": 200}
                }},
                "NewArticle": {"type": "object", "required": ["title", "summary", "body", "link"], "properties": {
                    "title": {"type": "string", "maxLength": 200},
                    "summary": {"type": "string", "maxLength": 1000, "description": "Plain text that stands on its own: Mastodon shows only the title, this and the link"},
                    "body": {"type": "string", "maxLength": 50000, "description": "Markdown"},
                    "link": {"type": "string", "format": "uri", "description": "The paper (http or https)"},
                    "doi": {"type": "string", "description": "Such as 10.2196/12345"}
                }},
                "NewWebinar": {"type": "object", "required": ["title", "summary", "starts_at", "ends_at", "timezone", "join_url"], "properties": {
                    "title": {"type": "string", "maxLength": 200},
                    "summary": {"type": "string", "maxLength": 1000},
                    "body": {"type": "string", "maxLength": 50000, "description": "Markdown"},
                    "starts_at": {"type": "string", "format": "date-time"},
                    "ends_at": {"type": "string", "format": "date-time", "description": "After starts_at"},
                    "timezone": {"type": "string", "description": "IANA time zone, such as America/New_York"},
                    "join_url": {"type": "string", "format": "uri"},
                    "capacity": {"type": "integer", "minimum": 1, "maximum": 1000000}
                }},
                "PostChanges": {"type": "object", "description": "Any fields of the post's kind (see NewThread, NewReply, NewArticle, NewWebinar); those given replace the post's, and the result is checked as a new post is", "additionalProperties": true},
                "Token": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "label": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "last_used_at": {"type": ["string", "null"], "format": "date-time"}
                }}
            }
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/forums": {"post": {
                "summary": "Create a forum (admins)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewForum"}}}},
                "responses": merge(merge(json!({"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}}}), error_responses()), invalid.clone())
            }},
            "/api/v1/forums/{name}": {"patch": {
                "summary": "Change a forum's title or summary (admins; its followers receive an Update), or whether it takes new threads from other servers",
                "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"title": {"type": "string", "maxLength": 100}, "summary": {"type": "string", "maxLength": 2000}, "remote_threads": {"type": "boolean", "description": "Whether a public post from another server that addresses or mentions the forum starts a thread in it (default: true for community, false for other forums)"}}}}}},
                "responses": merge(merge(json!({"200": {"description": "Updated", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}}, "404": {"description": "No such forum"}}), error_responses()), invalid.clone())
            }},
            "/api/v1/forums/{name}/threads": {"post": {
                "summary": "Start a thread in a forum (admins, moderators, authors); the forum's followers receive it through the Group",
                "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewThread"}}}},
                "responses": merge(merge(created.clone(), error_responses()), merge(invalid.clone(), json!({"404": {"description": "No such forum"}})))
            }},
            "/api/v1/posts/{id}/replies": {"post": {
                "summary": "Reply to any post of a conversation (admins, moderators, authors)",
                "parameters": [post_id.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewReply"}}}},
                "responses": merge(merge(created.clone(), error_responses()), merge(invalid.clone(), json!({"404": {"description": "No such post"}})))
            }},
            "/api/v1/journal": {"post": {
                "summary": "Announce a journal paper, as @journal (admins, authors)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewArticle"}}}},
                "responses": merge(merge(created.clone(), error_responses()), invalid.clone())
            }},
            "/api/v1/webinars": {"post": {
                "summary": "Announce a webinar, as @webinars (admins, authors)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewWebinar"}}}},
                "responses": merge(merge(created.clone(), error_responses()), invalid.clone())
            }},
            "/api/v1/posts/{id}": {
                "patch": {"summary": "Edit a post (its author; admins; authors for journal and webinar posts); followers receive an Update",
                          "parameters": [post_id.clone()],
                          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PostChanges"}}}},
                          "responses": merge(merge(json!({"200": {"description": "Edited", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}}, "404": {"description": "No such live post"}}), error_responses()), invalid.clone())},
                "delete": {"summary": "Delete a post everywhere it went (its author, admins, moderators); its id then answers 410",
                           "parameters": [post_id],
                           "responses": merge(json!({"204": {"description": "Deleted"}, "404": {"description": "No such live post"}}), error_responses())}
            },
            "/api/v1/tokens": {
                "get": {"summary": "The caller's live API tokens (never the tokens themselves)",
                        "responses": merge(json!({"200": {"description": "The tokens", "content": {"application/json": {"schema": {"type": "object", "properties": {"tokens": {"type": "array", "items": {"$ref": "#/components/schemas/Token"}}}}}}}}), error_responses())},
                "post": {"summary": "Create an API token for the caller; the token is shown only in this answer",
                         "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"label": {"type": "string"}}}}}},
                         "responses": merge(merge(json!({"201": {"description": "Created", "content": {"application/json": {"schema": {"type": "object", "required": ["id", "token"], "properties": {"id": {"type": "integer"}, "token": {"type": "string"}}}}}}}), error_responses()), invalid)}
            },
            "/api/v1/tokens/{id}": {"delete": {
                "summary": "Revoke one of the caller's tokens",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": merge(json!({"204": {"description": "Revoked"}, "404": {"description": "No such live token of the caller"}}), error_responses())
            }},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}}
        }
    })
}

/// JSON bodies and answers of the moderation API.
fn moderation_schemas() -> Value {
    let time = json!({"type": "string", "format": "date-time"});
    let maybe_time = json!({"type": ["string", "null"], "format": "date-time"});
    let text = json!({"type": "string", "maxLength": 2000});
    json!({
        "Reason": {"type": "object", "properties": {"reason": text.clone()}, "description": "Optional; kept in the moderation log"},
        "HeldPost": {"type": "object", "properties": {
            "id": {"type": "integer", "description": "The number at the end of the post's URL"},
            "ap_id": {"type": "string", "format": "uri"},
            "author_id": {"type": "string", "format": "uri"},
            "author_handle": {"type": ["string", "null"], "description": "@user@instance"},
            "owner": {"type": "string", "description": "The forum (or journal, webinars) whose conversation it is in"},
            "excerpt": {"type": "string", "description": "The start of its words, as plain text"},
            "held_reason": {"type": "string"},
            "published": time.clone()
        }},
        "SentActivity": {"type": "object", "properties": {
            "log_id": {"type": "integer"}, "action": {"type": "string"}, "moderator": {"type": "string"},
            "at": time.clone(), "activity_id": {"type": "string", "format": "uri"},
            "deliveries": {"type": "array", "items": {"type": "object", "properties": {
                "instance": {"type": "string"}, "inbox": {"type": "string", "format": "uri"},
                "state": {"type": "string", "enum": ["pending", "delivered", "refused", "given up", "withdrawn"]},
                "attempts": {"type": "integer"}, "last_status": {"type": ["string", "null"]},
                "finished_at": maybe_time.clone()
            }}}
        }},
        "Ban": {"type": "object", "properties": {
            "id": {"type": "integer"}, "actor": {"type": "string", "format": "uri"},
            "forum": {"type": ["string", "null"], "description": "null: the whole server"},
            "reason": {"type": "string"}, "expires_at": maybe_time.clone(), "created_at": time.clone()
        }},
        "NewBan": {"type": "object", "required": ["actor", "reason"], "properties": {
            "actor": {"type": "string", "description": "An actor id (URL), a handle @user@instance, or a member's name"},
            "forum": {"type": "string", "description": "A forum's name; absent: the whole server"},
            "reason": text.clone(),
            "expires_at": {"type": "string", "format": "date-time", "description": "In the future; absent: no end"},
            "remove_content": {"type": "boolean", "description": "Also remove everything the actor wrote (in that forum, or everywhere)"}
        }},
        "InstancePolicy": {"type": "object", "properties": {
            "instance": {"type": "string", "description": "host or host:port"},
            "policy": {"type": "string", "enum": ["suspend", "limit", "allow"]},
            "reason": {"type": "string"}, "created_at": time.clone()
        }},
        "Report": {"type": "object", "properties": {
            "id": {"type": "integer"}, "reporter": {"type": "string", "format": "uri"},
            "reported_actor": {"type": ["string", "null"], "format": "uri"},
            "reported_posts": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "comment": {"type": "string"}, "state": {"type": "string", "enum": ["open", "resolved"]},
            "resolution": {"type": ["string", "null"]}, "note": {"type": ["string", "null"]},
            "created_at": time.clone(), "resolved_at": maybe_time.clone(), "forwarded_at": maybe_time
        }},
        "LogEntry": {"type": "object", "properties": {
            "id": {"type": "integer"}, "at": time, "moderator": {"type": "string"},
            "action": {"type": "string"}, "target": {"type": "string"},
            "forum": {"type": ["string", "null"]}, "reason": {"type": "string"},
            "activity_id": {"type": ["string", "null"], "format": "uri", "description": "What the decision sent, if anything"}
        }}
    })
}

/// The moderation operations (moderators and admins; reports of posts by any member).
fn moderation_paths() -> Value {
    let errors = json!({
        "401": {"description": "No valid bearer token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "403": {"description": "Not a moderator or an admin", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    });
    let invalid = json!({"422": {"description": "Invalid input: one message per field", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Invalid"}}}}});
    let post_id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "The number at the end of the post's URL"});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let instance = json!({"name": "instance", "in": "path", "required": true, "schema": {"type": "string"}, "description": "host or host:port"});
    let owner = json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"}, "description": "A forum, journal or webinars"});
    let word =
        json!({"name": "word", "in": "path", "required": true, "schema": {"type": "string"}});
    let forum = json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"}, "description": "A forum"});
    let body = |schema: Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    let optional = |schema: Value| json!({"required": false, "content": {"application/json": {"schema": schema}}});
    let reason = json!({"$ref": "#/components/schemas/Reason"});
    let ok = |description: &str, schema: Value, more: Value| {
        merge(
            merge(
                json!({"200": {"description": description, "content": {"application/json": {"schema": schema}}}}),
                errors.clone(),
            ),
            more,
        )
    };
    let list = |key: &str, item: &str| json!({"type": "object", "properties": {key: {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}}}});
    let object = |properties: Value| json!({"type": "object", "properties": properties});
    let not_found = |what: &str| json!({"404": {"description": what}});
    let conflict = |what: &str| json!({"409": {"description": what}});
    let text = json!({"type": "string", "maxLength": 2000});
    json!({
        "/api/v1/posts/{id}/report": {"post": {
            "summary": "Report a post to the moderators (any member)",
            "parameters": [post_id.clone()],
            "requestBody": body(json!({"type": "object", "required": ["comment"], "properties": {"comment": text.clone()}})),
            "responses": merge(merge(json!({"201": {"description": "Reported", "content": {"application/json": {"schema": object(json!({"id": {"type": "integer"}}))}}}}), errors.clone()), merge(invalid.clone(), not_found("No such live post")))
        }},
        "/api/v1/moderation/queue": {"get": {
            "summary": "Held replies, oldest first",
            "parameters": [{"name": "owner", "in": "query", "required": false, "schema": {"type": "string"}, "description": "Only those in this forum's (or journal's, webinars') conversations"}],
            "responses": ok("The held posts", list("posts", "HeldPost"), not_found("No such forum"))
        }},
        "/api/v1/moderation/queue/{id}/approve": {"post": {
            "summary": "Approve a held reply: shown and relayed by the forum; its author is approved for the first_time policy",
            "parameters": [post_id.clone()], "requestBody": optional(reason.clone()),
            "responses": ok("Approved", object(json!({"id": {"type": "integer"}, "approved": {"type": "boolean"}})), merge(invalid.clone(), not_found("No such held post")))
        }},
        "/api/v1/moderation/queue/{id}/reject": {"post": {
            "summary": "Reject a held reply: its words are erased; with notify_author its author's server receives a Reject",
            "parameters": [post_id.clone()],
            "requestBody": optional(object(json!({"reason": text.clone(), "notify_author": {"type": "boolean", "default": false}}))),
            "responses": ok("Rejected", object(json!({"id": {"type": "integer"}, "rejected": {"type": "boolean"}, "author_notified": {"type": "boolean"}})), merge(invalid.clone(), not_found("No such held post")))
        }},
        "/api/v1/moderation/posts/{id}/remove": {"post": {
            "summary": "Remove a post: hidden here (restorable) and a Delete sent, through the forum's Group, everywhere it went",
            "parameters": [post_id.clone()],
            "requestBody": body(json!({"type": "object", "required": ["reason"], "properties": {"reason": text.clone()}})),
            "responses": ok("Removed", object(json!({"id": {"type": "integer"}, "removed": {"type": "boolean"}, "activity_id": {"type": "string", "format": "uri", "description": "See GET /api/v1/moderation/posts/{id}/deliveries"}})), merge(merge(invalid.clone(), not_found("No such live post")), conflict("Already removed")))
        }},
        "/api/v1/moderation/posts/{id}/restore": {"post": {
            "summary": "Restore a removed post; FEP-1b12 servers receive the Group's Announce of an Undo of the Delete",
            "parameters": [post_id.clone()], "requestBody": optional(reason.clone()),
            "responses": ok("Restored", object(json!({"id": {"type": "integer"}, "removed": {"type": "boolean"}})), merge(merge(invalid.clone(), not_found("No such live post")), conflict("Not removed")))
        }},
        "/api/v1/moderation/posts/{id}/lock": {"post": {
            "summary": "Lock a conversation by its first post: no more replies, here or from other servers (Lemmy's Lock)",
            "parameters": [post_id.clone()], "requestBody": optional(reason.clone()),
            "responses": ok("Locked", object(json!({"id": {"type": "integer"}, "locked": {"type": "boolean"}})), merge(merge(invalid.clone(), not_found("No such live post")), conflict("Already locked")))
        }},
        "/api/v1/moderation/posts/{id}/unlock": {"post": {
            "summary": "Unlock a conversation (Undo of the Lock)",
            "parameters": [post_id.clone()], "requestBody": optional(reason.clone()),
            "responses": ok("Unlocked", object(json!({"id": {"type": "integer"}, "locked": {"type": "boolean"}})), merge(merge(invalid.clone(), not_found("No such live post")), conflict("Not locked")))
        }},
        "/api/v1/moderation/posts/{id}/deliveries": {"get": {
            "summary": "What the decisions about a post sent (removal, restoring, locks, approval, rejection) and, inbox by inbox, whether it was delivered",
            "parameters": [post_id],
            "responses": ok("The activities sent", object(json!({"id": {"type": "integer"}, "activities": {"type": "array", "items": {"$ref": "#/components/schemas/SentActivity"}}})), not_found("No such post"))
        }},
        "/api/v1/moderation/bans": {
            "get": {"summary": "The bans in force, newest first",
                    "responses": ok("The bans", list("bans", "Ban"), json!({}))},
            "post": {"summary": "Ban an actor from a forum or the whole server; its activities are refused with 403",
                     "requestBody": body(json!({"$ref": "#/components/schemas/NewBan"})),
                     "responses": merge(merge(json!({"201": {"description": "Banned", "content": {"application/json": {"schema": object(json!({"id": {"type": "integer"}}))}}}}), errors.clone()), invalid.clone())}
        },
        "/api/v1/moderation/bans/lift": {"post": {
            "summary": "Lift an actor's bans from a forum (or the server)",
            "requestBody": body(json!({"type": "object", "required": ["actor"], "properties": {"actor": {"type": "string"}, "forum": {"type": "string"}, "reason": text.clone()}})),
            "responses": ok("Lifted", object(json!({"actor": {"type": "string"}, "forum": {"type": ["string", "null"]}, "lifted": {"type": "boolean"}})), merge(invalid.clone(), not_found("No such ban")))
        }},
        "/api/v1/moderation/instances": {"get": {
            "summary": "Instance policies and whether allowlist mode is on",
            "responses": ok("The policies", object(json!({"allowlist": {"type": "boolean"}, "policies": {"type": "array", "items": {"$ref": "#/components/schemas/InstancePolicy"}}})), json!({}))
        }},
        "/api/v1/moderation/instances/{instance}": {
            "put": {"summary": "Suspend (refuse everything, send nothing), limit (hold every reply) or allow (for allowlist mode) an instance",
                    "parameters": [instance.clone()],
                    "requestBody": body(json!({"type": "object", "required": ["policy", "reason"], "properties": {"policy": {"type": "string", "enum": ["suspend", "limit", "allow"]}, "reason": text.clone()}})),
                    "responses": ok("Set", object(json!({"instance": {"type": "string"}, "policy": {"type": "string"}})), invalid.clone())},
            "delete": {"summary": "Clear an instance's policy",
                       "parameters": [instance], "requestBody": optional(reason.clone()),
                       "responses": ok("Cleared", object(json!({"instance": {"type": "string"}, "policy": {"type": "null"}})), not_found("The instance had no policy"))}
        },
        "/api/v1/moderation/federation_mode": {"put": {
            "summary": "open: every instance but the suspended ones federates; allowlist: only those marked allow",
            "requestBody": body(json!({"type": "object", "required": ["mode"], "properties": {"mode": {"type": "string", "enum": ["open", "allowlist"]}, "reason": text.clone()}})),
            "responses": ok("Set", object(json!({"mode": {"type": "string"}})), invalid.clone())
        }},
        "/api/v1/moderation/instances.csv": {
            "get": {"summary": "Suspensions and limits as Mastodon's domain blocklist CSV",
                    "responses": merge(json!({"200": {"description": "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate", "content": {"text/csv": {"schema": {"type": "string"}}}}}), errors.clone())},
            "post": {"summary": "Import a blocklist in Mastodon's CSV format (suspend suspends, silence limits, noop is skipped; a bare list of domains suspends)",
                     "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}}},
                     "responses": ok("Imported", object(json!({"suspended": {"type": "integer"}, "limited": {"type": "integer"}, "skipped": {"type": "integer"}})), json!({"400": {"description": "The body is not UTF-8 text"}}))}
        },
        "/api/v1/moderation/reports": {"get": {
            "summary": "Reports: open ones oldest first, or resolved ones newest first",
            "parameters": [{"name": "state", "in": "query", "required": false, "schema": {"type": "string", "enum": ["open", "resolved"], "default": "open"}}],
            "responses": ok("The reports", list("reports", "Report"), invalid.clone())
        }},
        "/api/v1/moderation/reports/{id}/resolve": {"post": {
            "summary": "Resolve a report with the action taken; with forward, the reported actor's instance receives it as a Flag from this server",
            "parameters": [id],
            "requestBody": body(json!({"type": "object", "required": ["action"], "properties": {"action": {"type": "string", "maxLength": 100}, "note": text.clone(), "forward": {"type": "boolean", "default": false}}})),
            "responses": ok("Resolved", object(json!({"id": {"type": "integer"}, "state": {"type": "string"}, "forwarded": {"type": "boolean"}})), merge(merge(invalid.clone(), not_found("No such report")), conflict("Already resolved")))
        }},
        "/api/v1/moderation/labels": {
            "get": {"summary": "Participant labels, by actor id",
                    "responses": ok("The labels", object(json!({"labels": {"type": "array", "items": object(json!({"actor": {"type": "string"}, "label": {"type": "string"}}))}})), json!({}))},
            "put": {"summary": "Label a participant (shown beside their posts here; never federated)",
                    "requestBody": body(json!({"type": "object", "required": ["actor", "label"], "properties": {"actor": {"type": "string"}, "label": {"type": "string", "enum": ["clinician", "patient", "caregiver", "researcher"]}, "reason": text.clone()}})),
                    "responses": ok("Labelled", object(json!({"actor": {"type": "string"}, "label": {"type": "string"}})), invalid.clone())}
        },
        "/api/v1/moderation/labels/withdraw": {"post": {
            "summary": "Withdraw a participant's label",
            "requestBody": body(json!({"type": "object", "required": ["actor"], "properties": {"actor": {"type": "string"}, "reason": text}})),
            "responses": ok("Withdrawn", object(json!({"actor": {"type": "string"}, "label": {"type": "null"}})), merge(invalid.clone(), not_found("The actor had no label")))
        }},
        "/api/v1/moderation/log": {"get": {
            "summary": "The moderation log, newest first, 50 entries a page",
            "parameters": [
                {"name": "q", "in": "query", "required": false, "schema": {"type": "string"}, "description": "Text in the action, target, reason or moderator's name"},
                {"name": "forum", "in": "query", "required": false, "schema": {"type": "string"}},
                {"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "default": 1}}
            ],
            "responses": ok("A page of the log", object(json!({"entries": {"type": "array", "items": {"$ref": "#/components/schemas/LogEntry"}}, "page": {"type": "integer"}, "next_page": {"type": ["integer", "null"]}})), invalid.clone())
        }},
        "/api/v1/moderation/policies/{name}": {
            "get": {"summary": "The reply policy of a forum (or journal, webinars)",
                    "parameters": [owner.clone()],
                    "responses": ok("The policy", object(json!({"owner": {"type": "string"}, "policy": {"type": "string"}})), not_found("No such forum"))},
            "put": {"summary": "Set a reply policy: open, first_time (hold a participant's first reply), hold_remote (hold every reply from other servers), closed (take none)",
                    "parameters": [owner],
                    "requestBody": body(json!({"type": "object", "required": ["policy"], "properties": {"policy": {"type": "string", "enum": ["open", "first_time", "hold_remote", "closed"]}, "reason": {"type": "string", "maxLength": 2000}}})),
                    "responses": ok("Set", object(json!({"owner": {"type": "string"}, "policy": {"type": "string"}})), merge(invalid.clone(), not_found("No such forum")))}
        },
        "/api/v1/moderation/words": {
            "get": {"summary": "Screening words: a reply containing one is held, whatever the policy",
                    "responses": ok("The words", object(json!({"words": {"type": "array", "items": {"type": "string"}}})), json!({}))},
            "post": {"summary": "Add a screening word (whole words, any case)",
                     "requestBody": body(json!({"type": "object", "required": ["word"], "properties": {"word": {"type": "string", "minLength": 1, "maxLength": 100}}})),
                     "responses": ok("Added (added: false if it was listed)", object(json!({"word": {"type": "string"}, "added": {"type": "boolean"}})), invalid.clone())}
        },
        "/api/v1/moderation/words/{word}": {"delete": {
            "summary": "Remove a screening word",
            "parameters": [word],
            "responses": ok("Removed", object(json!({"word": {"type": "string"}, "removed": {"type": "boolean"}})), not_found("Not listed"))
        }},
        "/api/v1/moderation/forums/{name}/public_log": {
            "get": {"summary": "Whether the forum publishes its moderation log at /@{name}/log",
                    "parameters": [forum.clone()],
                    "responses": ok("The setting", object(json!({"forum": {"type": "string"}, "public": {"type": "boolean"}})), not_found("No such forum"))},
            "put": {"summary": "Publish the forum's moderation log at /@{name}/log (without moderators' names), or stop",
                    "parameters": [forum],
                    "requestBody": body(json!({"type": "object", "required": ["public"], "properties": {"public": {"type": "boolean"}}})),
                    "responses": ok("Set", object(json!({"forum": {"type": "string"}, "public": {"type": "boolean"}})), merge(invalid, not_found("No such forum")))}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API's paths and methods, as `super::super::router` serves them.
    const OPERATIONS: [(&str, &str); 43] = [
        ("/api/v1/forums", "post"),
        ("/api/v1/forums/{name}", "patch"),
        ("/api/v1/forums/{name}/threads", "post"),
        ("/api/v1/posts/{id}/replies", "post"),
        ("/api/v1/journal", "post"),
        ("/api/v1/webinars", "post"),
        ("/api/v1/posts/{id}", "patch"),
        ("/api/v1/posts/{id}", "delete"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/posts/{id}/report", "post"),
        ("/api/v1/moderation/queue", "get"),
        ("/api/v1/moderation/queue/{id}/approve", "post"),
        ("/api/v1/moderation/queue/{id}/reject", "post"),
        ("/api/v1/moderation/posts/{id}/remove", "post"),
        ("/api/v1/moderation/posts/{id}/restore", "post"),
        ("/api/v1/moderation/posts/{id}/lock", "post"),
        ("/api/v1/moderation/posts/{id}/unlock", "post"),
        ("/api/v1/moderation/posts/{id}/deliveries", "get"),
        ("/api/v1/moderation/bans", "get"),
        ("/api/v1/moderation/bans", "post"),
        ("/api/v1/moderation/bans/lift", "post"),
        ("/api/v1/moderation/instances", "get"),
        ("/api/v1/moderation/instances/{instance}", "put"),
        ("/api/v1/moderation/instances/{instance}", "delete"),
        ("/api/v1/moderation/federation_mode", "put"),
        ("/api/v1/moderation/instances.csv", "get"),
        ("/api/v1/moderation/instances.csv", "post"),
        ("/api/v1/moderation/reports", "get"),
        ("/api/v1/moderation/reports/{id}/resolve", "post"),
        ("/api/v1/moderation/labels", "get"),
        ("/api/v1/moderation/labels", "put"),
        ("/api/v1/moderation/labels/withdraw", "post"),
        ("/api/v1/moderation/log", "get"),
        ("/api/v1/moderation/policies/{name}", "get"),
        ("/api/v1/moderation/policies/{name}", "put"),
        ("/api/v1/moderation/words", "get"),
        ("/api/v1/moderation/words", "post"),
        ("/api/v1/moderation/words/{word}", "delete"),
        ("/api/v1/moderation/forums/{name}/public_log", "get"),
        ("/api/v1/moderation/forums/{name}/public_log", "put"),
    ];

    #[test]
    fn every_operation_is_described() {
        let spec = spec();
        for (path, method) in OPERATIONS {
            assert!(
                spec["paths"][path][method].is_object(),
                "{method} {path} is not in the document"
            );
            assert!(spec["paths"][path][method]["responses"].is_object());
        }
        let described: usize = spec["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum();
        assert_eq!(described, OPERATIONS.len(), "no stale paths");
    }
}
