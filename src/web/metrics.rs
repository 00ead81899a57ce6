//! `/metrics`: Prometheus metrics (delivery queue depth, results, latency; the group-commit
//! writer's batches, writes and time). Not public: without a configured `metrics_token` it
//! answers 404; with one, it wants `Authorization: Bearer TOKEN` (compared in constant time) and
//! answers 401 otherwise.

use std::fmt::Write;

use activitypub_federation::config::Data;
use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
    db::writer::WriterStats,
    delivery::metrics::QueueGauges,
    error::{Error, Result},
    service::secrets,
    state::AppState,
};

pub async fn metrics(data: Data<AppState>, headers: HeaderMap) -> Result<Response> {
    let Some(expected) = &data.config.metrics_token else {
        return Err(Error::NotFound);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    if !secrets::same_secret(expected, given) {
        let mut response =
            (StatusCode::UNAUTHORIZED, "metrics need the bearer token\n").into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return Ok(response);
    }
    let gauges = QueueGauges {
        pending: data.db.count_pending_deliveries().await?,
        unavailable_instances: data.db.count_unavailable_instances().await?,
    };
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        data.delivery_metrics.render(&gauges) + &writer_metrics(&data.db.writer.stats()),
    )
        .into_response())
}

/// The group-commit writer's counters (`db::writer`): with `rounds_writer_seconds_total` growing
/// by nearly one second a second for each writer task, the writer bounds what the inbox takes.
fn writer_metrics(stats: &WriterStats) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP rounds_writer_batches_total Group-commit transactions of this process.\n\
         # TYPE rounds_writer_batches_total counter\n\
         rounds_writer_batches_total {}\n\
         # HELP rounds_writer_writes_total Writes in those transactions.\n\
         # TYPE rounds_writer_writes_total counter\n\
         rounds_writer_writes_total {}\n\
         # HELP rounds_writer_seconds_total Writer tasks' time in batches, by phase.\n\
         # TYPE rounds_writer_seconds_total counter",
        stats.batches, stats.writes
    );
    for (phase, time) in [
        ("begin", stats.begin),
        ("writing", stats.writing),
        ("commit", stats.commit),
    ] {
        let _ = writeln!(
            out,
            "rounds_writer_seconds_total{{phase=\"{phase}\"}} {}",
            time.as_secs_f64()
        );
    }
    out
}
