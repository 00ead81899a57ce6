//! Publishing through the API as a client meets it, on SQLite and PostgreSQL: 401 without a
//! token, 403 for the wrong role or someone else's post, 404 for unknown forums and posts, 422
//! naming each wrong field (missing title, a webinar ending before it starts, an unknown time
//! zone, wrong types), and Markdown that tries to inject script shown as text; and a webinar's
//! capacity held when two Joins are written at once.

mod common;

use common::member_token;

use common::{get_activity, get_activity_json, TestDb, TestInstance};
use reqwest::{Method, StatusCode};
use rounds::model::Role;
use serde_json::{json, Value};

async fn call(
    rounds: &TestInstance,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, rounds.url(path))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn number(created: &Value) -> String {
    created["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

fn webinar() -> Value {
    json!({"title": "Shared decisions", "summary": "Preparing together.", "body": "Bring questions.",
           "starts_at": "2026-12-01T18:00:00-05:00", "ends_at": "2026-12-01T19:00:00-05:00",
           "timezone": "America/New_York", "join_url": "https://meet.example/spm"})
}

async fn bad_input_is_refused_field_by_field(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let author = member_token(&rounds, "ada", Role::Author).await;
    let moderator = member_token(&rounds, "mo", Role::Moderator).await;
    let threads = "/api/v1/forums/community/threads";
    let thread = json!({"title": "Hello", "body": "First."});

    let (status, _) = call(&rounds, Method::POST, threads, None, thread.clone()).await;
    assert_eq!(status, 401);
    let (status, _) = call(
        &rounds,
        Method::POST,
        "/api/v1/journal",
        None,
        thread.clone(),
    )
    .await;
    assert_eq!(status, 401);

    let (status, body) = call(
        &rounds,
        Method::POST,
        threads,
        Some(&author),
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"]["title"], "is required");
    assert!(body["fields"].get("body").is_none());
    let (status, body) = call(
        &rounds,
        Method::POST,
        threads,
        Some(&author),
        json!({"title": 5, "body": "", "tags": "one", "content_warning": ["x"]}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"]["title"], "must be a string");
    assert_eq!(body["fields"]["tags"], "must be an array of strings");
    assert_eq!(body["fields"]["content_warning"], "must be a string");
    let (status, _) = call(
        &rounds,
        Method::POST,
        "/api/v1/forums/nowhere/threads",
        Some(&author),
        thread.clone(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &rounds,
        Method::POST,
        "/api/v1/forums/journal/threads",
        Some(&author),
        thread.clone(),
    )
    .await;
    assert_eq!(status, 404, "the journal is not a forum");

    let mut ends_first = webinar();
    ends_first["ends_at"] = json!("2026-12-01T17:00:00-05:00");
    ends_first["timezone"] = json!("Europe/Atlantis");
    ends_first["capacity"] = json!("many");
    let (status, body) = call(
        &rounds,
        Method::POST,
        "/api/v1/webinars",
        Some(&author),
        ends_first,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"]["ends_at"], "must be after starts_at");
    assert!(body["fields"]["timezone"]
        .as_str()
        .unwrap()
        .contains("IANA"));
    assert_eq!(body["fields"]["capacity"], "must be a whole number");
    let (status, body) = call(
        &rounds,
        Method::POST,
        "/api/v1/journal",
        Some(&author),
        json!({"title": "Paper", "summary": "s", "body": "b", "link": "javascript:alert(1)"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"]["link"], "must be an http or https address");
    let (status, _) = call(
        &rounds,
        Method::POST,
        "/api/v1/journal",
        Some(&moderator),
        json!({}),
    )
    .await;
    assert_eq!(status, 403, "moderators do not speak for the journal");

    // Replies and changes to unknown posts.
    for (method, path) in [
        (Method::POST, "/api/v1/posts/999/replies"),
        (Method::PATCH, "/api/v1/posts/999"),
        (Method::DELETE, "/api/v1/posts/999"),
        (Method::PATCH, "/api/v1/posts/abc"),
    ] {
        let (status, _) = call(
            &rounds,
            method.clone(),
            path,
            Some(&author),
            json!({"body": "x"}),
        )
        .await;
        assert_eq!(status, 404, "{method} {path}");
    }

    // Nothing was published by any of this.
    let outbox = get_activity_json(&rounds.url("/actors/community/outbox")).await;
    assert_eq!(outbox["totalItems"], 0);
    let outbox = get_activity_json(&rounds.url("/actors/webinars/outbox")).await;
    assert_eq!(outbox["totalItems"], 0);
}

async fn markdown_cannot_inject_script_and_edits_are_checked_whole(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let author = member_token(&rounds, "ada", Role::Author).await;
    let other = member_token(&rounds, "ben", Role::Author).await;
    let moderator = member_token(&rounds, "mo", Role::Moderator).await;
    let body = "Hello <script>alert(1)</script> and <img src=x onerror=alert(1)>\n\n\
                [click](javascript:alert(1)) <a href=\"https://ok.example\" onclick=\"x()\">ok</a>";
    let (status, created) = call(
        &rounds,
        Method::POST,
        "/api/v1/forums/community/threads",
        Some(&author),
        json!({"title": "<b>Bold</b> title", "body": body}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let note = get_activity_json(created["id"].as_str().unwrap()).await;
    let content = note["content"].as_str().unwrap();
    // Every tag that survived: none runs script (the payloads remain only as escaped text).
    let tags: Vec<&str> = content
        .split('<')
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap())
        .collect();
    assert!(tags.len() >= 6, "{content}");
    for tag in &tags {
        let name = tag
            .split_whitespace()
            .next()
            .unwrap()
            .trim_start_matches('/');
        assert!(
            ["p", "strong", "em", "a"].contains(&name),
            "<{tag}> in {content}"
        );
        assert!(
            !tag.contains(" on") && !tag.contains("javascript:"),
            "<{tag}>"
        );
    }
    assert!(content.contains("&lt;script&gt;"), "{content}");
    assert!(
        content.contains("&lt;b&gt;Bold&lt;/b&gt; title"),
        "{content}"
    );
    assert_eq!(note["name"], "<b>Bold</b> title", "name is plain text");

    // An edit is checked as the post would be after it.
    let id = number(&created);
    let path = format!("/api/v1/posts/{id}");
    let (status, body) = call(
        &rounds,
        Method::PATCH,
        &path,
        Some(&author),
        json!({"title": "  "}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"]["title"], "is required");
    let (status, _) = call(
        &rounds,
        Method::PATCH,
        &path,
        Some(&other),
        json!({"title": "Mine"}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(&rounds, Method::DELETE, &path, Some(&other), json!(null)).await;
    assert_eq!(status, 403);
    let note = get_activity_json(created["id"].as_str().unwrap()).await;
    assert_eq!(
        note["name"], "<b>Bold</b> title",
        "refused changes changed nothing"
    );

    // A webinar edit that would end it before it starts is refused.
    let (status, webinar) = call(
        &rounds,
        Method::POST,
        "/api/v1/webinars",
        Some(&author),
        webinar(),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = call(
        &rounds,
        Method::PATCH,
        &format!("/api/v1/posts/{}", number(&webinar)),
        Some(&author),
        json!({"starts_at": "2026-12-01T20:00:00-05:00"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"]["ends_at"], "must be after starts_at");

    // Moderators may take a thread down.
    let (status, _) = call(
        &rounds,
        Method::DELETE,
        &path,
        Some(&moderator),
        json!(null),
    )
    .await;
    assert_eq!(status, 204);
    let gone = reqwest::Client::new()
        .get(created["id"].as_str().unwrap())
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);
}

/// A webinar's capacity holds when two Joins are written at once: the second transaction waits
/// for the first and finds the webinar full (on PostgreSQL, where transactions run side by side,
/// both counted the participants before either wrote, and both got in).
async fn a_full_webinar_stays_full_under_concurrent_joins(db: TestDb) {
    use rounds::db::{posts::Participation, Db};
    use std::time::Duration;

    let rounds = TestInstance::spawn(db).await;
    let author = member_token(&rounds, "ada", Role::Author).await;
    let mut one_seat = webinar();
    one_seat["capacity"] = json!(1);
    let (status, created) = call(
        &rounds,
        Method::POST,
        "/api/v1/webinars",
        Some(&author),
        one_seat,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let state = rounds.state();
    let event = state
        .db
        .post_by_id(number(&created).parse().unwrap())
        .await
        .unwrap()
        .expect("the webinar is stored");
    let mut people = Vec::new();
    for name in ["carol", "dave"] {
        let ap_id = format!("https://mobilizon.example/@{name}");
        let actor = state
            .db
            .upsert_remote_actor(&common::remote_actor(&ap_id, Some(name), None))
            .await
            .unwrap();
        people.push(actor.id);
    }

    // carol's Join is written and not yet committed when dave's is.
    let mut first = state.db.begin().await.unwrap();
    let carol = Db::join_event(
        &mut first,
        event.id,
        people[0],
        "https://mobilizon.example/j/1",
        Some(1),
    )
    .await
    .unwrap();
    assert_eq!(carol, Participation::Joined);
    let second = {
        let state = state.clone();
        let (event, dave) = (event.id, people[1]);
        tokio::spawn(async move {
            let mut tx = state.db.begin().await.unwrap();
            let outcome = Db::join_event(
                &mut tx,
                event,
                dave,
                "https://mobilizon.example/j/2",
                Some(1),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            outcome
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    assert_eq!(second.await.unwrap(), Participation::Full);
    assert_eq!(state.db.count_participants(event.id).await.unwrap(), 1);
}

/// A forum's outbox pages by one row more, not by its total, and counts only up to a bound
/// (`db::posts::COUNTED_UP_TO`): 25 threads give a first page of 20 with a next, and a second of 5
/// without; no page lies beyond the bound; the count stops one past its bound.
async fn an_outbox_pages_without_counting_everything(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let author = member_token(&rounds, "ada", Role::Author).await;
    for n in 0..25 {
        let (status, created) = call(
            &rounds,
            Method::POST,
            "/api/v1/forums/community/threads",
            Some(&author),
            json!({"title": format!("Thread {n}"), "body": "On pacing."}),
        )
        .await;
        assert_eq!(status, 201, "{created}");
    }
    let outbox_url = rounds.url("/actors/community/outbox");
    let first = get_activity_json(&format!("{outbox_url}?page=1")).await;
    assert_eq!(first["totalItems"], 25);
    assert_eq!(first["orderedItems"].as_array().unwrap().len(), 20);
    assert_eq!(first["next"], format!("{outbox_url}?page=2").as_str());
    let newest = &first["orderedItems"][0]["object"]["object"]["name"];
    assert_eq!(newest, "Thread 24", "newest first");
    let second = get_activity_json(&format!("{outbox_url}?page=2")).await;
    assert_eq!(second["orderedItems"].as_array().unwrap().len(), 5);
    assert!(second.get("next").is_none(), "{second}");
    assert_eq!(second["prev"], format!("{outbox_url}?page=1").as_str());
    // The pages reach as far as the count: the newest 10,000 posts, 500 pages.
    let last = get_activity(&format!("{outbox_url}?page=500")).await;
    assert_eq!(last.status(), StatusCode::OK);
    let beyond = get_activity(&format!("{outbox_url}?page=501")).await;
    assert_eq!(beyond.status(), StatusCode::NOT_FOUND);

    let state = rounds.state();
    let community: i64 = sqlx::query_scalar("SELECT id FROM local_actors WHERE name = 'community'")
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
    let counted = |bound| state.db.count_outbox(community, true, bound);
    assert_eq!(counted(rounds::db::posts::COUNTED_UP_TO).await.unwrap(), 25);
    assert_eq!(counted(3).await.unwrap(), 4, "one past the bound: more");
    assert_eq!(counted(25).await.unwrap(), 25);
    assert_eq!(counted(100).await.unwrap(), 25);
}

both_databases!(
    an_outbox_pages_without_counting_everything,
    bad_input_is_refused_field_by_field,
    markdown_cannot_inject_script_and_edits_are_checked_whole,
    a_full_webinar_stays_full_under_concurrent_joins,
);
