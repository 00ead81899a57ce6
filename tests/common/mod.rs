//! Test support: real Rounds instances on loopback with a fresh database of either kind, a
//! test peer built on activitypub_federation, and request signing with every flaw an attacker
//! might try. Every test that touches a database runs once per backend (see `both_databases!`).

#![allow(dead_code)]

pub mod hostile;
pub mod mastodon_verify;
pub mod numbers;
pub mod peer;
pub mod process;
pub mod signing;
pub mod webdriver;

use std::time::Duration;

use activitypub_federation::config::FederationConfig;
use rounds::{app, config::Config, state::AppState};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::TestDb::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::TestDb::Postgres).await
                }
            )*
        }
    };
}

#[derive(Clone, Copy, Debug)]
pub enum TestDb {
    Sqlite,
    Postgres,
}

/// The server tests create their PostgreSQL databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("ROUNDS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A fresh, empty database; dropped with the returned guard for SQLite (PostgreSQL databases
/// are named `rounds_test_*` and left for `.ci/run` to clear).
pub async fn fresh_database(kind: TestDb) -> (String, Option<tempfile::TempDir>) {
    match kind {
        TestDb::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/rounds.db", dir.path().display());
            (url, Some(dir))
        }
        TestDb::Postgres => {
            use sqlx::{Connection, Executor};
            let admin = postgres_admin_url();
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|err| {
                panic!("PostgreSQL is required for the postgres half of the tests ({admin}): {err}")
            });
            let name = format!("rounds_test_{:016x}", rand::random::<u64>());
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            (format!("{base}/{name}"), None)
        }
    }
}

/// A Rounds server on `localhost:PORT` with its own database.
pub struct TestInstance {
    pub port: u16,
    pub domain: String,
    pub database_url: String,
    pub federation: FederationConfig<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

pub fn test_config(port: u16, database_url: &str) -> Config {
    Config {
        domain: format!("localhost:{port}"),
        bind: format!("127.0.0.1:{port}").parse().unwrap(),
        database_url: database_url.to_string(),
        insecure_federation: true,
        delivery_first_retry: Duration::from_secs(1),
        delivery_instance_concurrency: 1,
        delivery_max_instances: 256,
        delivery_lease: Duration::from_secs(5),
        delivery_shutdown_grace: Duration::from_secs(5),
        delivery_record_retention: Duration::from_secs(30 * 24 * 3600),
        metrics_token: Some("test-metrics-token-0123456789".to_string()),
        inbound_per_actor_per_minute: 300,
        inbound_per_instance_per_minute: 3_000,
    }
}

impl TestInstance {
    pub async fn spawn(kind: TestDb) -> TestInstance {
        TestInstance::spawn_with(kind, |_| {}).await
    }

    /// Like [`TestInstance::spawn`], with the test settings changed by `adjust`.
    pub async fn spawn_with(kind: TestDb, adjust: impl FnOnce(&mut Config)) -> TestInstance {
        let (database_url, dir) = fresh_database(kind).await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut config = test_config(port, &database_url);
        adjust(&mut config);
        let mut instance = TestInstance::start_configured(listener, config).await;
        instance._dir = dir;
        instance
    }

    /// Starts an instance on an already bound listener and an existing database.
    pub async fn start(listener: TcpListener, port: u16, database_url: String) -> TestInstance {
        TestInstance::start_configured(listener, test_config(port, &database_url)).await
    }

    /// Starts an instance with these settings on an already bound listener.
    pub async fn start_configured(listener: TcpListener, config: Config) -> TestInstance {
        let port = listener.local_addr().unwrap().port();
        let database_url = config.database_url.clone();
        let state = app::open(config).await.unwrap();
        let federation = app::federation_for(state).await.unwrap();
        let (shutdown, signal) = oneshot::channel::<()>();
        let served = federation.clone();
        let task = tokio::spawn(async move {
            app::serve(served, listener, async {
                let _ = signal.await;
            })
            .await
            .unwrap();
        });
        TestInstance {
            port,
            domain: format!("localhost:{port}"),
            database_url,
            federation,
            shutdown: Some(shutdown),
            task: Some(task),
            _dir: None,
        }
    }

    pub fn state(&self) -> AppState {
        self.federation.to_request_data().app_data().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{}", self.port, path)
    }

    pub fn actor_url(&self, name: &str) -> String {
        self.url(&format!("/actors/{name}"))
    }

    /// The follower ids on page 1 of an actor's followers collection, and its totalItems.
    pub async fn followers(&self, name: &str) -> (i64, Vec<String>) {
        let top = get_activity_json(&self.url(&format!("/actors/{name}/followers"))).await;
        let page = get_activity_json(top["first"].as_str().unwrap()).await;
        assert_eq!(page["totalItems"], top["totalItems"]);
        let items = page["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item.as_str().unwrap().to_string())
            .collect();
        (top["totalItems"].as_i64().unwrap(), items)
    }

    /// The number of rows in each table an inbound activity can write to: two equal snapshots
    /// prove that nothing was stored or queued in between.
    pub async fn stored_rows(&self) -> Vec<(&'static str, i64)> {
        const TABLES: [&str; 11] = [
            "posts",
            "post_edits",
            "post_hashtags",
            "remote_actors",
            "follows",
            "received_activities",
            "outbound_activities",
            "deliveries",
            "reactions",
            "reports",
            "event_participants",
        ];
        let pool = self.state().db.pool.clone();
        let mut counts = Vec::new();
        for table in TABLES {
            let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap();
            counts.push((table, count));
        }
        counts
    }

    pub async fn pending_deliveries(&self) -> i64 {
        self.state().db.count_pending_deliveries().await.unwrap()
    }

    /// Stops serving and stops the delivery worker, as an abrupt stop would.
    pub async fn stop(mut self) -> (String, Option<tempfile::TempDir>) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
        self.shutdown.take();
        (self.database_url.clone(), self._dir.take())
    }
}

impl Drop for TestInstance {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// GETs `url` as ActivityStreams JSON.
/// Signs and posts `activity` as `actor` of `peer` to `rounds`' shared inbox; the status, which
/// must not be a 5xx.
pub async fn send_signed(
    rounds: &TestInstance,
    peer: &peer::Peer,
    actor: &str,
    activity: &serde_json::Value,
) -> u16 {
    let (status, body) = signing::post(
        &rounds.url("/inbox"),
        activity.to_string().as_bytes(),
        Some(&peer.signer(actor)),
        &signing::SignOptions::default(),
    )
    .await;
    assert!(status.as_u16() < 500, "{status}: {body}");
    status.as_u16()
}

/// `GET url` as a fediverse server asks for an ActivityPub document.
pub async fn get_activity(url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
}

pub async fn get_activity_json(url: &str) -> serde_json::Value {
    get_activity(url).await.json().await.unwrap()
}

/// The Prometheus text at `url`, fetched with the test metrics token.
pub async fn metrics_text(url: &str) -> String {
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(test_config(1, "sqlite://unused").metrics_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Polls `check` until it returns true, for at most `seconds`.
pub async fn eventually<F, Fut>(seconds: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `actor` on `peer` follows the local actor `target` of the Rounds server on `port`, over
/// signed HTTP; returns once the Accept has arrived.
pub async fn follow(peer: &peer::Peer, actor: &str, port: u16, target: &str) {
    let follow_id = peer.new_id("follows");
    let follow = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": follow_id,
        "type": "Follow",
        "actor": peer.actor_id(actor),
        "object": format!("http://localhost:{port}/actors/{target}"),
    });
    let (status, body) = signing::post(
        &format!("http://localhost:{port}/actors/{target}/inbox"),
        follow.to_string().as_bytes(),
        Some(&peer.signer(actor)),
        &signing::SignOptions::default(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let accepted = eventually(30, || async {
        peer.received()
            .iter()
            .any(|a| a["type"] == "Accept" && a["object"]["id"] == follow_id)
    })
    .await;
    assert!(accepted, "no Accept for {actor}'s follow of {target}");
}

/// A new member `name` with `role`, and an API token for them.
pub async fn member_token(rounds: &TestInstance, name: &str, role: rounds::model::Role) -> String {
    let state = rounds.state();
    rounds::service::actors::add_member(&state.db, name, role)
        .await
        .unwrap();
    rounds::service::members::create_token(&state.db, name, "test")
        .await
        .unwrap()
        .token
}

/// A thread by a new author `ada` in `community`, published through the service; its id.
pub async fn start_thread(
    rounds: &TestInstance,
    title: &str,
    body: &str,
) -> rounds::service::publishing::Published {
    let state = rounds.state();
    let ada = rounds::service::actors::add_member(&state.db, "ada", rounds::model::Role::Author)
        .await
        .unwrap()
        .actor;
    let data = rounds.federation.to_request_data();
    let draft = rounds::service::post_rules::Draft {
        title: Some(title.into()),
        body: Some(body.into()),
        ..Default::default()
    };
    rounds::service::publishing::publish(
        &data,
        &ada,
        rounds::service::publishing::Place::Forum("community"),
        &draft,
    )
    .await
    .unwrap()
}

/// A remote actor with this id, username and display name (stored as given: tests use it for
/// hostile names too), no avatar or profile address.
pub fn remote_actor(
    ap_id: &str,
    username: Option<&str>,
    name: Option<&str>,
) -> rounds::db::actors::NewRemoteActor {
    let id = url::Url::parse(ap_id).unwrap();
    rounds::db::actors::NewRemoteActor {
        avatar_url: None,
        profile_url: None,
        instance: id.host_str().unwrap().to_string(),
        kind: "Person".into(),
        preferred_username: username.map(str::to_string),
        display_name: name.map(str::to_string),
        inbox: url::Url::parse(&format!("{ap_id}/inbox")).unwrap(),
        shared_inbox: None,
        public_key_id: format!("{ap_id}#main-key"),
        public_key_pem: "unused".into(),
        ap_id: id,
    }
}
