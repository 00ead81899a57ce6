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
                "summary": "Change a forum's title or summary (admins); its followers receive an Update",
                "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"title": {"type": "string", "maxLength": 100}, "summary": {"type": "string", "maxLength": 2000}}}}}},
                "responses": merge(merge(json!({"200": {"description": "Updated", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}}, "404": {"description": "No such forum"}}), error_responses()), invalid.clone())
            }},
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
    const OPERATIONS: [(&str, &str); 6] = [
        ("/api/v1/forums", "post"),
        ("/api/v1/forums/{name}", "patch"),
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
