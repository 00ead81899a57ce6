//! A small fediverse server for tests, built on activitypub_federation and none of Rounds' code:
//! it serves actor documents in Mastodon's and Fedify's shapes and verifies, with the library,
//! the signature of every activity it receives before recording it.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, OnceLock,
    },
};

use activitypub_federation::{
    axum::inbox::{receive_activity, ActivityData},
    config::{Data, FederationConfig, FederationMiddleware},
    http_signatures::{generate_actor_keypair, Keypair},
    protocol::{public_key::PublicKey, verification::verify_domains_match},
    traits::{Activity, Actor, Object},
};
use axum::{
    extract::Path,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use url::Url;

use super::signing::Signer;

/// How a peer actor's documents look.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    Mastodon,
    Fedify,
    /// Mastodon's shape without `endpoints.sharedInbox` (as some small servers serve).
    NoSharedInbox,
}

/// The peer's actors: alice (Mastodon), bob (Fedify), mallory (Mastodon, for forgeries), carol
/// and dave (no shared inbox).
pub const ACTORS: [(&str, Shape); 5] = [
    ("alice", Shape::Mastodon),
    ("bob", Shape::Fedify),
    ("mallory", Shape::Mastodon),
    ("carol", Shape::NoSharedInbox),
    ("dave", Shape::NoSharedInbox),
];

/// An activity the peer took, and the inbox path it came to.
#[derive(Clone, Debug)]
pub struct Arrival {
    pub path: String,
    pub activity: Value,
}

fn keys() -> &'static Vec<Keypair> {
    static KEYS: OnceLock<Vec<Keypair>> = OnceLock::new();
    KEYS.get_or_init(|| {
        ACTORS
            .iter()
            .map(|_| generate_actor_keypair().unwrap())
            .collect()
    })
}

#[derive(Clone)]
pub struct PeerState(Arc<PeerInner>);

pub struct PeerInner {
    pub base: String,
    /// Activities received with a signature valid both to activitypub_federation and to
    /// Mastodon's rules, with the inbox path.
    pub received: Mutex<Vec<Arrival>>,
    /// Signatures that failed Mastodon's rules (with the reason).
    pub refused: Mutex<Vec<String>>,
    /// When set, inboxes answer 503, as a server that is down would (through a proxy).
    pub inbox_down: AtomicBool,
    /// Answers to give instead of taking the activity: inbox path -> (status, Retry-After).
    pub answers: Mutex<HashMap<String, (StatusCode, Option<String>)>>,
    /// Inbox POSTs that have reached the peer, answered or not yet.
    pub started: std::sync::atomic::AtomicUsize,
    /// Milliseconds to wait before answering each inbox POST.
    pub delay_ms: std::sync::atomic::AtomicU64,
    remote: Mutex<HashMap<Url, RoundsActor>>,
    /// Posts this peer serves at `/notes/{id}` (for Rounds to fetch missing ancestors).
    pub notes: Mutex<HashMap<String, Value>>,
}

impl std::ops::Deref for PeerState {
    type Target = PeerInner;
    fn deref(&self) -> &PeerInner {
        &self.0
    }
}

pub struct Peer {
    pub port: u16,
    pub state: PeerState,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    pub async fn spawn() -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Peer::spawn_on(listener).await
    }

    pub async fn spawn_on(listener: TcpListener) -> Peer {
        let port = listener.local_addr().unwrap().port();
        let state = PeerState(Arc::new(PeerInner {
            base: format!("http://localhost:{port}"),
            received: Mutex::new(Vec::new()),
            refused: Mutex::new(Vec::new()),
            inbox_down: AtomicBool::new(false),
            answers: Mutex::new(HashMap::new()),
            delay_ms: std::sync::atomic::AtomicU64::new(0),
            started: std::sync::atomic::AtomicUsize::new(0),
            remote: Mutex::new(HashMap::new()),
            notes: Mutex::new(HashMap::new()),
        }));
        let config = FederationConfig::builder()
            .domain(format!("localhost:{port}"))
            .app_data(state.clone())
            .debug(true)
            .build()
            .await
            .unwrap();
        let app = Router::new()
            .route("/.well-known/webfinger", get(webfinger))
            .route("/users/{name}", get(actor_document))
            .route("/notes/{id}", get(note_document))
            .route("/users/{name}/inbox", post(inbox))
            .route("/inbox", post(inbox))
            .layer(FederationMiddleware::new(config));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Peer { port, state, task }
    }

    pub fn actor_id(&self, name: &str) -> String {
        format!("{}/users/{name}", self.state.base)
    }

    pub fn signer(&self, name: &str) -> Signer {
        let index = ACTORS.iter().position(|(n, _)| *n == name).unwrap();
        Signer::new(
            &format!("{}#main-key", self.actor_id(name)),
            &keys()[index].private_key,
        )
    }

    /// A fresh activity id on this peer.
    pub fn new_id(&self, what: &str) -> String {
        format!("{}/{what}/{:016x}", self.state.base, rand::random::<u64>())
    }

    pub fn received(&self) -> Vec<Value> {
        self.arrivals().into_iter().map(|a| a.activity).collect()
    }

    pub fn arrivals(&self) -> Vec<Arrival> {
        self.state.received.lock().unwrap().clone()
    }

    /// Activities of `kind` that arrived, with their inbox paths.
    pub fn arrivals_of(&self, kind: &str) -> Vec<Arrival> {
        self.arrivals()
            .into_iter()
            .filter(|a| a.activity["type"] == kind)
            .collect()
    }

    /// Signatures refused by the Mastodon-rules check.
    pub fn refused(&self) -> Vec<String> {
        self.state.refused.lock().unwrap().clone()
    }

    pub fn set_down(&self, down: bool) {
        self.state.inbox_down.store(down, Ordering::SeqCst);
    }

    /// Answers POSTs to `path` with `status` (and `Retry-After`) instead of taking them.
    pub fn answer(&self, path: &str, status: u16, retry_after: Option<&str>) {
        self.state.answers.lock().unwrap().insert(
            path.to_string(),
            (
                StatusCode::from_u16(status).unwrap(),
                retry_after.map(str::to_string),
            ),
        );
    }

    /// Inbox POSTs that have reached the peer so far, answered or not.
    pub fn posts_started(&self) -> usize {
        self.state.started.load(Ordering::SeqCst)
    }

    pub fn set_delay_ms(&self, delay: u64) {
        self.state.delay_ms.store(delay, Ordering::SeqCst);
    }

    /// A note by `actor` on this peer, answering `in_reply_to`, public unless `addressing`
    /// (to, cc) says otherwise; served at its id from now on. Returns its JSON.
    pub fn note(
        &self,
        actor: &str,
        in_reply_to: Option<&str>,
        content: &str,
        addressing: Option<(Vec<String>, Vec<String>)>,
    ) -> Value {
        let key = format!("{:016x}", rand::random::<u64>());
        let id = format!("{}/notes/{key}", self.state.base);
        let actor_id = self.actor_id(actor);
        let (to, cc) = addressing.unwrap_or_else(|| {
            (
                vec!["https://www.w3.org/ns/activitystreams#Public".to_string()],
                vec![format!("{actor_id}/followers")],
            )
        });
        let note = json!({
            "id": id,
            "type": "Note",
            "attributedTo": actor_id,
            "content": content,
            "inReplyTo": in_reply_to,
            "to": to,
            "cc": cc,
            "published": "2026-11-25T12:00:00Z",
            "url": format!("{}/@{actor}/{key}", self.state.base),
        });
        self.serve_note(&note);
        note
    }

    /// Serves `note` at its id.
    pub fn serve_note(&self, note: &Value) {
        let id = note["id"].as_str().unwrap();
        let key = id.rsplit('/').next().unwrap().to_string();
        self.state.notes.lock().unwrap().insert(key, note.clone());
    }

    /// A `Create` of `note` by its author, with a fresh id.
    pub fn create(&self, note: &Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id("creates"),
            "type": "Create",
            "actor": note["attributedTo"],
            "object": note,
            "to": note["to"],
            "cc": note["cc"],
        })
    }

    pub fn domain(&self) -> String {
        format!("localhost:{}", self.port)
    }
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: String,
}

/// `acct:NAME@localhost:PORT` for the peer's actors, as Mastodon answers it.
async fn webfinger(
    data: Data<PeerState>,
    axum::extract::Query(query): axum::extract::Query<WebfingerQuery>,
) -> Result<Response, StatusCode> {
    let domain = data.base.trim_start_matches("http://");
    let name = query
        .resource
        .strip_prefix("acct:")
        .and_then(|acct| acct.strip_suffix(&format!("@{domain}")))
        .filter(|name| ACTORS.iter().any(|(n, _)| n == name))
        .ok_or(StatusCode::NOT_FOUND)?;
    let body = json!({
        "subject": query.resource,
        "links": [{
            "rel": "self",
            "type": "application/activity+json",
            "href": format!("{}/users/{name}", data.base),
        }],
    });
    Ok((
        [(header::CONTENT_TYPE, "application/jrd+json")],
        body.to_string(),
    )
        .into_response())
}

async fn note_document(data: Data<PeerState>, Path(id): Path<String>) -> Response {
    match data.notes.lock().unwrap().get(&id) {
        Some(note) => (
            [(header::CONTENT_TYPE, "application/activity+json")],
            note.to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn actor_document(
    data: Data<PeerState>,
    Path(name): Path<String>,
) -> Result<Response, StatusCode> {
    let index = ACTORS
        .iter()
        .position(|(n, _)| *n == name)
        .ok_or(StatusCode::NOT_FOUND)?;
    let (_, shape) = ACTORS[index];
    let base = &data.base;
    let id = format!("{base}/users/{name}");
    let pem = &keys()[index].public_key;
    let body = match shape {
        Shape::NoSharedInbox => json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id,
            "type": "Person",
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "preferredUsername": name,
            "name": name,
            "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem},
        }),
        Shape::Mastodon => json!({
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
            "name": name.to_uppercase(),
            "summary": "<p>Test peer</p>",
            "url": format!("{base}/@{name}"),
            "manuallyApprovesFollowers": false,
            "discoverable": true,
            "published": "2024-01-01T00:00:00Z",
            "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem},
            "endpoints": {"sharedInbox": format!("{base}/inbox")},
        }),
        Shape::Fedify => json!({
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/data-integrity/v1",
                {"toot": "http://joinmastodon.org/ns#", "discoverable": "toot:discoverable"}
            ],
            "id": id,
            "type": "Person",
            "preferredUsername": name,
            "name": name,
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "endpoints": {"type": "as:Endpoints", "sharedInbox": format!("{base}/inbox")},
            "publicKey": {
                "id": format!("{id}#main-key"),
                "type": "CryptographicKey",
                "owner": id,
                "publicKeyPem": pem
            },
        }),
    };
    Ok((
        [(header::CONTENT_TYPE, "application/activity+json")],
        body.to_string(),
    )
        .into_response())
}

async fn inbox(data: Data<PeerState>, request: axum::extract::Request) -> Response {
    use axum::extract::FromRequest;
    data.started.fetch_add(1, Ordering::SeqCst);
    let delay = data.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    if data.inbox_down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let answer = data.answers.lock().unwrap().get(&path).cloned();
    if let Some((status, retry_after)) = answer {
        let mut response = status.into_response();
        if let Some(value) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, value.parse().unwrap());
        }
        return response;
    }
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or(path.clone(), |pq| pq.as_str().to_string());
    if let Err(reason) =
        super::mastodon_verify::verify(&parts.method, &path_and_query, &parts.headers, &bytes).await
    {
        eprintln!("test peer (Mastodon rules) refused an activity: {reason}");
        data.refused.lock().unwrap().push(reason);
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let activity_id = serde_json::from_slice::<Value>(&bytes)
        .map(|v| v["id"].clone())
        .unwrap_or(Value::Null);
    let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    let activity = match ActivityData::from_request(request, &()).await {
        Ok(activity) => activity,
        Err(response) => return response,
    };
    match receive_activity::<Received, RoundsActor, PeerState>(activity, &data).await {
        Ok(()) => {
            let mut received = data.received.lock().unwrap();
            if let Some(arrival) = received
                .iter_mut()
                .rev()
                .find(|a| a.path.is_empty() && a.activity["id"] == activity_id)
            {
                arrival.path = path;
            }
            StatusCode::ACCEPTED.into_response()
        }
        Err(err) => {
            eprintln!("test peer refused an activity: {err}");
            StatusCode::UNAUTHORIZED.into_response()
        }
    }
}

/// Any activity, kept whole.
#[derive(Deserialize, Debug)]
pub struct Received {
    id: Url,
    actor: Url,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

#[async_trait::async_trait]
impl Activity for Received {
    type DataType = PeerState;
    type Error = activitypub_federation::error::Error;

    fn id(&self) -> &Url {
        &self.id
    }
    fn actor(&self) -> &Url {
        &self.actor
    }
    async fn verify(&self, _data: &Data<PeerState>) -> Result<(), Self::Error> {
        Ok(())
    }
    async fn receive(self, data: &Data<PeerState>) -> Result<(), Self::Error> {
        let mut activity = Value::Object(self.rest);
        activity["id"] = json!(self.id);
        activity["actor"] = json!(self.actor);
        data.received.lock().unwrap().push(Arrival {
            path: String::new(),
            activity,
        });
        Ok(())
    }
}

/// A Rounds actor as the peer fetched it.
#[derive(Clone, Debug)]
pub struct RoundsActor {
    id: Url,
    inbox: Url,
    public_key: PublicKey,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RoundsActorJson {
    id: Url,
    inbox: Url,
    public_key: PublicKey,
}

#[async_trait::async_trait]
impl Object for RoundsActor {
    type DataType = PeerState;
    type Kind = RoundsActorJson;
    type Error = activitypub_federation::error::Error;

    fn id(&self) -> &Url {
        &self.id
    }
    async fn read_from_id(id: Url, data: &Data<PeerState>) -> Result<Option<Self>, Self::Error> {
        Ok(data.remote.lock().unwrap().get(&id).cloned())
    }
    async fn into_json(self, _data: &Data<PeerState>) -> Result<RoundsActorJson, Self::Error> {
        Err(activitypub_federation::error::Error::NotFound)
    }
    async fn verify(
        json: &RoundsActorJson,
        expected: &Url,
        _data: &Data<PeerState>,
    ) -> Result<(), Self::Error> {
        verify_domains_match(&json.id, expected)?;
        assert_eq!(json.public_key.owner, json.id);
        Ok(())
    }
    async fn from_json(json: RoundsActorJson, data: &Data<PeerState>) -> Result<Self, Self::Error> {
        let actor = RoundsActor {
            id: json.id,
            inbox: json.inbox,
            public_key: json.public_key,
        };
        data.remote
            .lock()
            .unwrap()
            .insert(actor.id.clone(), actor.clone());
        Ok(actor)
    }
}

impl Actor for RoundsActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key.public_key_pem
    }
    fn private_key_pem(&self) -> Option<String> {
        None
    }
    fn inbox(&self) -> Url {
        self.inbox.clone()
    }
}
