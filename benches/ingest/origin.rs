//! The origin: remote instances on loopback ports serving actor documents (all actors share one
//! key pair) and answering 202 to deliveries.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use serde_json::json;
use tokio::net::TcpListener;

use super::ACTORS_PER_INSTANCE;

/// Actor documents served so far, by every instance: once keys are cached, a server under test
/// should fetch none.
pub(crate) static ACTOR_FETCHES: AtomicUsize = AtomicUsize::new(0);

pub(crate) struct OriginInstance {
    pub(crate) base: String,
    pub(crate) public_key_pem: Arc<String>,
    pub(crate) delivered: Arc<AtomicUsize>,
}

pub(crate) async fn actor_document(
    State(origin): State<Arc<OriginInstance>>,
    Path(name): Path<String>,
) -> Response {
    ACTOR_FETCHES.fetch_add(1, Ordering::Relaxed);
    let base = &origin.base;
    let id = format!("{base}/users/{name}");
    // Mastodon's shape.
    let body = json!({
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            "https://w3id.org/security/v1",
            {"manuallyApprovesFollowers": "as:manuallyApprovesFollowers", "toot": "http://joinmastodon.org/ns#"}
        ],
        "id": id,
        "type": "Person",
        "following": format!("{id}/following"),
        "followers": format!("{id}/followers"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "preferredUsername": name,
        "name": name,
        "summary": "<p>A remote participant</p>",
        "url": format!("{base}/@{name}"),
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "published": "2024-01-01T00:00:00Z",
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": origin.public_key_pem.as_str()},
        "endpoints": {"sharedInbox": format!("{base}/inbox")},
    });
    (
        [(header::CONTENT_TYPE, "application/activity+json")],
        body.to_string(),
    )
        .into_response()
}

pub(crate) async fn origin_inbox(State(origin): State<Arc<OriginInstance>>) -> StatusCode {
    origin.delivered.fetch_add(1, Ordering::Relaxed);
    StatusCode::ACCEPTED
}

/// Starts `count` origin instances; returns their base URLs.
pub(crate) async fn start_origin(
    count: usize,
    public_key_pem: Arc<String>,
    delivered: Arc<AtomicUsize>,
) -> Vec<String> {
    let mut bases = Vec::new();
    for _ in 0..count {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let origin = Arc::new(OriginInstance {
            base: base.clone(),
            public_key_pem: public_key_pem.clone(),
            delivered: delivered.clone(),
        });
        let app = Router::new()
            .route("/users/{name}", get(actor_document))
            .route("/users/{name}/inbox", post(origin_inbox))
            .route("/inbox", post(origin_inbox))
            .with_state(origin);
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        bases.push(base);
    }
    bases
}

/// Remote actor `n`'s id.
pub(crate) fn actor_id(bases: &[String], n: usize) -> String {
    format!("{}/users/u{n}", bases[n / ACTORS_PER_INSTANCE])
}
