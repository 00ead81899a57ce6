//! The report queue: `Flag`s from other servers and members' reports of posts
//! (`GET reports[?state=open|resolved]`), each resolved with the action taken and a note, and
//! optionally forwarded to the reported actor's instance (`POST reports/{id}/resolve`).

use std::collections::HashMap;

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::{Path, Query},
    http::HeaderMap,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

use super::{check, moderator, post_number, required_text, respond, text_field, time};
use crate::{
    api::{bool_field, json_object},
    db::moderation_records::Report,
    error::{Error, FieldError},
    service::moderation::reports,
    state::AppState,
};

fn report_json(report: &Report) -> Value {
    json!({
        "id": report.id,
        "reporter": report.reporter,
        "reported_actor": report.reported_actor,
        "reported_posts": report.reported_posts,
        "comment": report.comment,
        "state": report.state,
        "resolution": report.resolution,
        "note": report.resolution_note,
        "created_at": time(report.created_at),
        "resolved_at": report.resolved_at.map(time),
        "forwarded_at": report.forwarded_at.map(time),
    })
}

/// `GET /api/v1/moderation/reports[?state=open|resolved]`: open ones oldest first (the
/// default), resolved ones newest first.
pub async fn reports(
    data: Data<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let _moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let state = query.get("state").map_or("open", String::as_str);
        if !matches!(state, "open" | "resolved") {
            return Err(Error::Invalid(vec![FieldError::new(
                "state",
                "must be open or resolved",
            )]));
        }
        let reports = reports::list(&data, state).await?;
        Ok(
            Json(json!({ "reports": reports.iter().map(report_json).collect::<Vec<_>>() }))
                .into_response(),
        )
    }
    .await;
    respond(result)
}

/// `POST /api/v1/moderation/reports/{id}/resolve {action, note?, forward?}`
pub async fn resolve(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let moderator = match moderator(&data, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let result = async {
        let id = post_number(&id)?;
        let input = json_object(&body)?;
        let mut problems = Vec::new();
        let action = required_text(&input, "action", &mut problems);
        let note = text_field(&input, "note", &mut problems);
        let forward = bool_field(&input, "forward", &mut problems).unwrap_or(false);
        check(problems)?;
        reports::resolve(&data, &moderator, id, &action, &note, forward).await?;
        Ok(Json(json!({ "id": id, "state": "resolved", "forwarded": forward })).into_response())
    }
    .await;
    respond(result)
}
