//! `/metrics`: Prometheus metrics (delivery queue depth, results, latency). Not public: without
//! a configured `metrics_token` it answers 404; with one, it wants `Authorization: Bearer TOKEN`
//! (compared in constant time) and answers 401 otherwise.

use activitypub_federation::config::Data;
use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
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
        data.delivery_metrics.render(&gauges),
    )
        .into_response())
}
