//! The JSON API as a client meets it, on SQLite and PostgreSQL: bearer tokens (401 without, 403
//! for the wrong role), forums created by admins (201 with the ActivityPub id and the page, then
//! followable), one message per wrong field (422), tokens listed and revoked, and an OpenAPI
//! document whose every operation is served.

mod common;

use common::member_token;

use common::{get_activity_json, TestDb, TestInstance};
use reqwest::StatusCode;
use rounds::model::Role;
use serde_json::{json, Value};

async fn post(
    rounds: &TestInstance,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = reqwest::Client::new()
        .post(rounds.url(path))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

async fn forums_need_an_admin_token(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let admin = member_token(&rounds, "ada", Role::Admin).await;
    let author = member_token(&rounds, "aubrey", Role::Author).await;
    let body = json!({"name": "caregivers", "title": "Caregivers", "summary": "For caregivers"})
        .to_string();

    let (status, error, headers) = post(&rounds, "/api/v1/forums", None, &body).await;
    assert_eq!(status, 401);
    assert!(error["error"].is_string());
    assert_eq!(headers["www-authenticate"], "Bearer realm=\"rounds\"");
    for wrong in ["rounds_notatoken", "Basic xyz", ""] {
        let (status, _, _) = post(&rounds, "/api/v1/forums", Some(wrong), &body).await;
        assert_eq!(status, 401, "{wrong}");
    }
    let (status, error, _) = post(&rounds, "/api/v1/forums", Some(&author), &body).await;
    assert_eq!(status, 403, "{error}");
    assert!(rounds
        .state()
        .db
        .local_actor_by_name("caregivers")
        .await
        .unwrap()
        .is_none());

    let (status, created, headers) = post(&rounds, "/api/v1/forums", Some(&admin), &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["id"], rounds.actor_url("caregivers"));
    assert_eq!(created["url"], rounds.url("/@caregivers"));
    assert_eq!(headers["location"], rounds.url("/@caregivers").as_str());
    let group = get_activity_json(created["id"].as_str().unwrap()).await;
    assert_eq!(group["type"], "Group");
    assert_eq!(group["name"], "Caregivers");
    assert_eq!(group["preferredUsername"], "caregivers");
}

async fn wrong_input_is_named_field_by_field(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let admin = member_token(&rounds, "ada", Role::Admin).await;
    let cases = [
        (json!({"name": "Bad Name!"}), vec!["name", "title"]),
        (json!({"name": 7, "title": ["x"]}), vec!["name", "title"]),
        (
            json!({"name": "ok_name", "title": "x".repeat(101), "summary": false}),
            vec!["summary", "title"],
        ),
        (
            json!({"name": "ok_name", "title": "x".repeat(101)}),
            vec!["title"],
        ),
        (json!({"name": "community", "title": "Taken"}), vec!["name"]),
    ];
    for (body, fields) in cases {
        let (status, answer, _) =
            post(&rounds, "/api/v1/forums", Some(&admin), &body.to_string()).await;
        assert_eq!(status, 422, "{body} -> {answer}");
        assert_eq!(answer["error"], "invalid input");
        let mut named: Vec<&str> = answer["fields"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        named.sort();
        assert_eq!(named, fields, "{body} -> {answer}");
    }
    for not_an_object in ["not json", "[1,2]", "\"text\""] {
        let (status, _, _) = post(&rounds, "/api/v1/forums", Some(&admin), not_an_object).await;
        assert_eq!(status, 400, "{not_an_object}");
    }
    let forums = rounds
        .state()
        .db
        .local_actors_of_kinds(&[rounds::model::ActorKind::Group])
        .await
        .unwrap();
    assert_eq!(forums.len(), 1, "nothing was created: {forums:?}");
}

async fn members_manage_their_own_tokens(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let first = member_token(&rounds, "mo", Role::Moderator).await;
    let other = member_token(&rounds, "otto", Role::Author).await;
    let (status, made, _) = post(
        &rounds,
        "/api/v1/tokens",
        Some(&first),
        &json!({"label": "phone"}).to_string(),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let second = made["token"].as_str().unwrap().to_string();
    assert!(second.starts_with("rounds_") && second != first);

    let client = reqwest::Client::new();
    let listed: Value = client
        .get(rounds.url("/api/v1/tokens"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let labels: Vec<&str> = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["test", "phone"]);
    assert!(
        !listed.to_string().contains(&second),
        "a list never shows tokens"
    );

    // Another member cannot revoke it; its owner can, and then it no longer works.
    let id = made["id"].as_i64().unwrap();
    let url = rounds.url(&format!("/api/v1/tokens/{id}"));
    assert_eq!(
        client
            .delete(&url)
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client
            .delete(&url)
            .bearer_auth(&first)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        client
            .get(rounds.url("/api/v1/tokens"))
            .bearer_auth(&second)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        client
            .get(rounds.url("/api/v1/tokens"))
            .bearer_auth(&first)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn the_openapi_document_describes_what_is_served(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let spec: Value = reqwest::get(rounds.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let client = reqwest::Client::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let url = rounds.url(&path.replace("{id}", "1").replace("{name}", "community"));
            let request = match method.as_str() {
                "get" => client.get(&url),
                "post" => client.post(&url),
                "patch" => client.patch(&url),
                "put" => client.put(&url),
                "delete" => client.delete(&url),
                other => panic!("unexpected method {other}"),
            };
            let status = request.send().await.unwrap().status();
            // Served: answered by the API (200, or 401 without a token), not "no such route".
            assert!(status == 200 || status == 401, "{method} {path}: {status}");
        }
    }
}

async fn a_forum_edited_through_the_api_tells_its_followers(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let admin = member_token(&rounds, "ada", Role::Admin).await;
    let author = member_token(&rounds, "aubrey", Role::Author).await;
    let peer = common::peer::Peer::spawn().await;
    common::follow(&peer, "alice", rounds.port, "community").await;
    let client = reqwest::Client::new();
    let patch = |token: &str, path: &str, body: Value| {
        client
            .patch(rounds.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let answer = patch(
        &author,
        "/api/v1/forums/community",
        json!({"title": "Mine"}),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 403);
    let answer = patch(&admin, "/api/v1/forums/nowhere", json!({"title": "X"}))
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    let answer = patch(&admin, "/api/v1/forums/journal", json!({"title": "X"}))
        .await
        .unwrap();
    assert_eq!(answer.status(), 404, "the journal is not a forum");
    let answer = patch(
        &admin,
        "/api/v1/forums/community",
        json!({"title": "", "summary": 3}),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 422);
    let problems: Value = answer.json().await.unwrap();
    assert!(
        problems["fields"]["title"].is_string() && problems["fields"]["summary"].is_string(),
        "{problems}"
    );
    assert!(
        peer.arrivals_of("Update").is_empty(),
        "nothing was sent for refused edits"
    );

    let answer = patch(
        &admin,
        "/api/v1/forums/community",
        json!({"title": "Community, renamed", "summary": "New words."}),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["id"], rounds.actor_url("community"));
    let arrived = common::eventually(10, || async { peer.arrivals_of("Update").len() == 1 }).await;
    assert!(arrived);
    let update = &peer.arrivals_of("Update")[0].activity;
    assert_eq!(update["object"]["name"], "Community, renamed");
    assert_eq!(update["object"]["summary"], "<p>New words.</p>");
    let group = get_activity_json(&rounds.actor_url("community")).await;
    assert_eq!(group["name"], "Community, renamed");
}

both_databases!(
    a_forum_edited_through_the_api_tells_its_followers,
    forums_need_an_admin_token,
    wrong_input_is_named_field_by_field,
    members_manage_their_own_tokens,
    the_openapi_document_describes_what_is_served,
);
