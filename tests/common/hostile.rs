//! A hand-written HTTP server for hostile-peer tests, built on a bare TCP listener (no HTTP
//! library, so it can answer anything): canned answers per path, every connection and request
//! recorded, redirects, huge bodies and answers that never come. It also serves actor
//! documents with fresh keys, so it can sign activities as an instance Rounds has never met.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use activitypub_federation::http_signatures::generate_actor_keypair;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use super::signing::Signer;

/// What one path answers.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Never answer: hold the connection open until the client gives up.
    pub hang: bool,
}

impl Canned {
    pub fn json(value: &Value) -> Canned {
        Canned {
            status: 200,
            headers: vec![("Content-Type".into(), "application/activity+json".into())],
            body: value.to_string().into_bytes(),
            hang: false,
        }
    }

    pub fn redirect(location: &str) -> Canned {
        Canned {
            status: 302,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
            hang: false,
        }
    }

    pub fn hang() -> Canned {
        Canned {
            status: 200,
            headers: Vec::new(),
            body: Vec::new(),
            hang: true,
        }
    }
}

#[derive(Default)]
struct State {
    routes: Mutex<HashMap<String, Canned>>,
    requests: Mutex<Vec<String>>,
    connections: AtomicUsize,
}

/// The server; stops when dropped.
pub struct Hostile {
    pub port: u16,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    /// Listens on `127.0.0.1`, any port.
    pub async fn spawn() -> Hostile {
        Hostile::spawn_on(TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    pub fn spawn_on(listener: TcpListener) -> Hostile {
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State::default());
        let served = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                served.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(answer(stream, served.clone()));
            }
        });
        Hostile { port, state, task }
    }

    /// `http://localhost:PORT`
    pub fn base(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    pub fn serve(&self, path: &str, canned: Canned) {
        self.state
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), canned);
    }

    pub fn serve_json(&self, path: &str, value: &Value) {
        self.serve(path, Canned::json(value));
    }

    /// TCP connections accepted so far (HTTP or not).
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Request lines received so far (`GET /path`).
    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().unwrap().clone()
    }

    /// How many requests asked for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|line| line.split(' ').nth(1) == Some(path))
            .count()
    }

    /// Serves a Mastodon-shaped actor `/users/{name}` with a fresh key; `extra` fields are
    /// merged into the document (an `icon`, a different `inbox`...). Returns its signer.
    pub fn actor(&self, name: &str, extra: Value) -> Signer {
        let keys = generate_actor_keypair().unwrap();
        let id = self.url(&format!("/users/{name}"));
        let mut document = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id,
            "type": "Person",
            "preferredUsername": name,
            "name": name,
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": keys.public_key},
        });
        if let (Some(document), Value::Object(extra)) = (document.as_object_mut(), extra) {
            document.extend(extra);
        }
        self.serve_json(&format!("/users/{name}"), &document);
        Signer::new(&format!("{id}#main-key"), &keys.private_key)
    }
}

/// Reads one request head (and a bounded body), records it, answers as canned, closes.
async fn answer(mut stream: TcpStream, state: Arc<State>) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    let read_head = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => head.extend_from_slice(&buffer[..n]),
            }
        }
        true
    };
    if !tokio::time::timeout(Duration::from_secs(5), read_head)
        .await
        .unwrap_or(false)
    {
        return;
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let line = text.lines().next().unwrap_or_default().to_string();
    let path = line
        .split(' ')
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_string();
    state
        .requests
        .lock()
        .unwrap()
        .push(line.split(' ').take(2).collect::<Vec<_>>().join(" "));
    let canned = state.routes.lock().unwrap().get(&path).cloned();
    let canned = canned.unwrap_or(Canned {
        status: 404,
        headers: Vec::new(),
        body: Vec::new(),
        hang: false,
    });
    if canned.hang {
        tokio::time::sleep(Duration::from_secs(120)).await;
        return;
    }
    let mut response = format!(
        "HTTP/1.1 {} Canned\r\nContent-Length: {}\r\nConnection: close\r\n",
        canned.status,
        canned.body.len()
    );
    for (name, value) in &canned.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.write_all(&canned.body).await;
    let _ = stream.shutdown().await;
}
