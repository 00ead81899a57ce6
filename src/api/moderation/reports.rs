//! The report queue: `Flag`s from other servers and members' reports of posts
//! (`GET reports[?state=open|resolved]`), each resolved with the action taken and a note, and
//! optionally forwarded to the reported actor's instance (`POST reports/{id}/resolve`).

use std::collections::HashMap;

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::{Path, Query},
    Json,
};
use serde_json::{json, Value};

use super::{time, Fields, ModeratorAuth};
use crate::{
    api::post_number,
    db::moderation_records::Report,
    error::{Error, FieldError, Result},
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
    Query(query): Query<HashMap<String, String>>,
    _: ModeratorAuth,
) -> Result<Json<Value>> {
    let state = query.get("state").map_or("open", String::as_str);
    if !matches!(state, "open" | "resolved") {
        return Err(Error::Invalid(vec![FieldError::new(
            "state",
            "must be open or resolved",
        )]));
    }
    let reports = reports::list(&data, state).await?;
    Ok(Json(
        json!({ "reports": reports.iter().map(report_json).collect::<Vec<_>>() }),
    ))
}

/// `POST /api/v1/moderation/reports/{id}/resolve {action, note?, forward?}`
pub async fn resolve(
    data: Data<AppState>,
    Path(id): Path<String>,
    ModeratorAuth(moderator): ModeratorAuth,
    body: Bytes,
) -> Result<Json<Value>> {
    let id = post_number(&id)?;
    let mut fields = Fields::of(&body)?;
    let action = fields.required_text("action");
    let note = fields.text("note");
    let forward = fields.bool("forward").unwrap_or(false);
    fields.check()?;
    reports::resolve(&data, &moderator, id, &action, &note, forward).await?;
    Ok(Json(
        json!({ "id": id, "state": "resolved", "forwarded": forward }),
    ))
}
