//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the API, kept beside the handlers
//! (tests/api.rs checks that every operation it describes is served).

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
    let created = json!({"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}}});
    let post_id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "The number at the end of the post's URL"});
    let invalid = json!({"422": {"description": "Invalid input: one message per field", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Invalid"}}}}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Rounds API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Publishing and administration for the Society for Participatory Medicine's federated discussion server.",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The API's paths and methods, as `super::super::router` serves them.
    const OPERATIONS: [(&str, &str); 12] = [
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
