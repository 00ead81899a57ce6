//! Nothing secret reaches the logs, at any level: the real `rounds serve` runs with
//! `RUST_LOG=trace` (every crate, every level) while a member's password and API token, a
//! session cookie, the metrics token, a thread's words, a reply's words from another server and
//! the signing of deliveries all pass through it; then its whole output is searched for each of
//! them and for the actors' private keys. On SQLite and PostgreSQL.

mod common;

use std::{fs::File, process::Stdio};

use common::{eventually, follow, peer::Peer, process, signing, TestDb};
use serde_json::json;

/// `rounds ARGS` against `database_url` for `localhost:port`; its standard output.
fn rounds_cli(database_url: &str, port: u16, args: &[&str]) -> String {
    let (ok, output) = process::rounds_command(port, database_url, args);
    assert!(ok, "{args:?} failed");
    output
}

/// The value a response sets for cookie `name`.
fn cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|line| line.strip_prefix(&format!("{name}=")))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no cookie {name}"))
        .to_string()
}

/// The private keys of the local actors, as stored.
async fn private_keys(database_url: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await.unwrap();
    let rows = sqlx::query("SELECT private_key_pem FROM local_actors")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.iter()
        .map(|row| row.try_get::<String, _>("private_key_pem").unwrap())
        .collect()
}

async fn secrets_stay_out_of_the_logs(db: TestDb) {
    let (database_url, _dir) = common::fresh_database(db).await;
    let port = process::free_port();
    let added = rounds_cli(
        &database_url,
        port,
        &["user", "add", "ada", "--role", "author"],
    );
    let password = added
        .lines()
        .find_map(|line| line.trim().strip_prefix("password: "))
        .expect("the password is printed")
        .to_string();
    let token = rounds_cli(&database_url, port, &["user", "token", "ada"])
        .lines()
        .last()
        .unwrap()
        .to_string();

    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("rounds.log");
    let log = File::create(&log_path).unwrap();
    let mut server = process::start_server_with_output(
        port,
        port,
        &database_url,
        &[("RUST_LOG", "trace")],
        Stdio::from(log.try_clone().unwrap()),
        Stdio::from(log),
    )
    .await;
    let base = format!("http://localhost:{port}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let peer = Peer::spawn().await;
    follow(&peer, "alice", port, "community").await;

    // A thread through the API, with the token.
    let thread_words = format!("thread-words-{:016x}", rand::random::<u64>());
    let answer = client
        .post(format!("{base}/api/v1/forums/community/threads"))
        .bearer_auth(&token)
        .json(&json!({"title": "Night sweats", "body": thread_words}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let thread: serde_json::Value = answer.json().await.unwrap();
    let thread_id = thread["id"].as_str().unwrap().to_string();

    // A login through the form, with the password.
    let login = client.get(format!("{base}/login")).send().await.unwrap();
    let login_csrf = cookie(&login, "rounds_login_csrf");
    let answer = client
        .post(format!("{base}/login"))
        .header(
            reqwest::header::COOKIE,
            format!("rounds_login_csrf={login_csrf}"),
        )
        .form(&[
            ("name", "ada"),
            ("password", password.as_str()),
            ("csrf", login_csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "logged in");
    let session = cookie(&answer, "rounds_session");
    let account = client
        .get(format!("{base}/account"))
        .header(reqwest::header::COOKIE, format!("rounds_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 200);

    // A reply from another server, relayed by the forum to its follower.
    let reply_words = format!("reply-words-{:016x}", rand::random::<u64>());
    let note = peer.note(
        "alice",
        Some(&thread_id),
        &format!("<p>{reply_words}</p>"),
        None,
    );
    let (status, body) = signing::post(
        &format!("{base}/inbox"),
        peer.create(&note).to_string().as_bytes(),
        Some(&peer.signer("alice")),
        &signing::SignOptions::default(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let relayed = eventually(30, || async {
        peer.arrivals_of("Announce")
            .iter()
            .any(|a| a.activity["object"]["object"]["id"] == note["id"])
    })
    .await;
    assert!(relayed, "the reply was relayed, so deliveries were signed");
    let metrics = client
        .get(format!("{base}/metrics"))
        .bearer_auth(process::METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    server.kill();

    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logged.contains("TRACE") && logged.contains("DEBUG"),
        "the server logged at trace level ({} lines)",
        logged.lines().count()
    );
    let keys = private_keys(&database_url).await;
    assert!(keys.len() >= 4, "the built-in actors and ada have keys");
    let mut secrets: Vec<(&str, String)> = vec![
        ("password", password.clone()),
        ("API token", token.clone()),
        ("session cookie", session),
        ("login CSRF token", login_csrf),
        ("metrics token", process::METRICS_TOKEN.to_string()),
        ("thread words", thread_words),
        ("reply words", reply_words),
        ("a private key's header", "PRIVATE KEY".to_string()),
    ];
    for key in &keys {
        // Any line of the key's body would give it away.
        for line in key.lines().filter(|line| !line.starts_with("-----")) {
            secrets.push(("a line of a private key", line.to_string()));
        }
    }
    for (what, secret) in &secrets {
        let lines: Vec<&str> = logged
            .lines()
            .filter(|line| line.contains(secret.as_str()))
            .map(|line| &line[..line.len().min(400)])
            .collect();
        assert!(
            lines.is_empty(),
            "{what} appears in the logs:\n{}",
            lines.join("\n")
        );
    }
}

both_databases!(secrets_stay_out_of_the_logs);
