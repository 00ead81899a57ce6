//! The moderator console over HTTP, on SQLite and PostgreSQL: without a session every console
//! page and form sends the browser to `/login` (303); authors get a 403 page and their forms
//! change nothing; moderators and admins get the pages, with the security headers and no
//! caching. A form without the session's CSRF token (missing, wrong, or not a form at all) is a
//! 403 page and changes nothing; with it, the browser is sent back with a confirmation. Refusals
//! are readable pages (422 naming each field, 404, 409). Names, handles, reasons and comments
//! from other servers are escaped, and their addresses are links only when they are http(s). A
//! Mastodon blocklist pasted into the console takes effect: the listed instance's reply is
//! refused, and the export has it.

mod common;
mod web_support;

use common::{peer::Peer, signing, TestDb};
use reqwest::{header, StatusCode};
use rounds::{
    db::{actors::NewRemoteActor, Db},
    model::Role,
    service::{moderation::instances, moderation::reports, publishing::Place},
};
use web_support::*;

const PAGES: [&str; 10] = [
    "/mod",
    "/mod/queue",
    "/mod/posts/1",
    "/mod/bans",
    "/mod/instances",
    "/mod/instances.csv",
    "/mod/reports",
    "/mod/labels",
    "/mod/log",
    "/mod/policies",
];

fn location(response: &reqwest::Response) -> &str {
    response.headers()[header::LOCATION].to_str().unwrap()
}

async fn the_console_is_for_moderators_only(db: TestDb) {
    let site = site(db).await;
    let thread = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Pacing", "Body"),
        )
        .await;
    let nobody = Browser::anonymous();
    for path in PAGES {
        let page = nobody.get(&site.url(path)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.headers[header::LOCATION], "/login", "{path}");
    }
    let answer = nobody
        .post_form(&site.url("/mod/bans"), &[("actor", "ben"), ("reason", "x")])
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/login");

    let (_, author) = logged_in_member(&site, "aubrey", Role::Author).await;
    for path in PAGES {
        let page = author.get(&site.url(path)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert_secure(&page.headers, path);
        assert!(page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(page.html.contains("<h1>Not allowed</h1>"), "{path}");
        assert!(!page.html.contains("Moderation log"), "{path}");
    }
    // Even with their own session's token, an author's forms change nothing.
    let csrf = csrf_in(&author.get(&site.url("/account")).await.html);
    let forms: [(String, Vec<(&str, &str)>); 3] = [
        (
            "/mod/instances".into(),
            vec![
                ("instance", "spam.example"),
                ("policy", "suspend"),
                ("reason", "spam"),
            ],
        ),
        (format!("/mod/posts/{thread}/remove"), vec![("reason", "x")]),
        (
            "/mod/bans".into(),
            vec![("actor", "ben"), ("reason", "rude")],
        ),
    ];
    for (path, fields) in &forms {
        let mut fields = fields.clone();
        fields.push(("csrf", &csrf));
        let answer = author.post_form(&site.url(path), &fields).await;
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let state = site.rounds.state();
    assert!(instances::list(&state).await.unwrap().1.is_empty());
    assert!(state
        .db
        .post_by_id(thread)
        .await
        .unwrap()
        .unwrap()
        .removed_at
        .is_none());
    assert!(state
        .db
        .moderation_log("", None, 10, 0)
        .await
        .unwrap()
        .is_empty());

    // Moderators and admins get every page, made for them alone.
    let (_, mo) = logged_in_member(&site, "mo", Role::Moderator).await;
    let (_, admin) = logged_in_member(&site, "root", Role::Admin).await;
    for path in PAGES {
        let path = path.replace("/mod/posts/1", &format!("/mod/posts/{thread}"));
        for browser in [&mo, &admin] {
            let page = browser.get(&site.url(&path)).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.html);
            assert_secure(&page.headers, &path);
            assert_eq!(page.headers[header::CACHE_CONTROL], "private, no-store");
        }
    }
    let page = mo.get(&site.url("/mod")).await.html;
    for landmark in [
        "<html lang=\"en\">",
        "<main id=\"main\">",
        "<h1>Moderation</h1>",
    ] {
        assert!(page.contains(landmark), "{landmark}");
    }
    assert!(page.contains("name=\"viewport\""));
    assert!(page.contains("Logged in as mo."));
}

async fn forms_need_the_session_token(db: TestDb) {
    let site = site(db).await;
    let thread = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Pacing", "Body"),
        )
        .await;
    let (_, mo) = logged_in_member(&site, "mo", Role::Moderator).await;
    let csrf = csrf_in(&mo.get(&site.url("/mod/instances")).await.html);
    let suspend = [
        ("instance", "spam.example"),
        ("policy", "suspend"),
        ("reason", "spam"),
    ];
    let remove = format!("/mod/posts/{thread}/remove");
    for token in [None, Some("not-the-token")] {
        let mut fields = suspend.to_vec();
        let mut removal = vec![("reason", "off topic")];
        if let Some(token) = token {
            fields.push(("csrf", token));
            removal.push(("csrf", token));
        }
        let answer = mo.post_form(&site.url("/mod/instances"), &fields).await;
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{token:?}");
        let html = answer.text().await.unwrap();
        assert!(html.contains("the form has expired"), "{html}");
        let answer = mo.post_form(&site.url(&remove), &removal).await;
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{token:?}");
    }
    let not_a_form = mo
        .client
        .post(site.url("/mod/instances"))
        .header(header::COOKIE, mo.cookie.clone().unwrap())
        .json(&serde_json::json!({"instance": "spam.example", "policy": "suspend"}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_form.status(), StatusCode::FORBIDDEN);
    let state = site.rounds.state();
    assert!(
        instances::list(&state).await.unwrap().1.is_empty(),
        "nothing changed"
    );
    assert!(state
        .db
        .post_by_id(thread)
        .await
        .unwrap()
        .unwrap()
        .removed_at
        .is_none());
    assert!(state
        .db
        .moderation_log("", None, 10, 0)
        .await
        .unwrap()
        .is_empty());

    // With the token: done, and the page says so.
    let mut fields = suspend.to_vec();
    fields.push(("csrf", &csrf));
    let answer = mo.post_form(&site.url("/mod/instances"), &fields).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/mod/instances?done=suspend");
    let page = mo.get(&site.url("/mod/instances?done=suspend")).await.html;
    assert!(
        page.contains("role=\"status\" class=\"done\">Suspended:"),
        "{page}"
    );
    assert!(page.contains("<code>spam.example</code>: suspend"));
    let answer = mo
        .post_form(
            &site.url(&remove),
            &[("reason", "off topic"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&answer),
        format!("/mod/posts/{thread}?done=removed")
    );
    assert!(state
        .db
        .post_by_id(thread)
        .await
        .unwrap()
        .unwrap()
        .removed_at
        .is_some());

    // Refusals are pages: what was wrong, field by field; not found; already done.
    let answer = mo
        .post_form(
            &site.url("/mod/bans"),
            &[
                ("actor", "nobody_here"),
                ("expires_at", "tomorrow"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = answer.text().await.unwrap();
    for problem in [
        "<li>Reason: is required</li>",
        "<li>Ends: must be an RFC 3339 time</li>",
        "<li>Actor: no such actor</li>",
    ] {
        assert!(html.contains(problem), "{problem}: {html}");
    }
    let answer = mo
        .post_form(&site.url(&remove), &[("reason", "again"), ("csrf", &csrf)])
        .await;
    assert_eq!(answer.status(), StatusCode::CONFLICT);
    assert!(answer.text().await.unwrap().contains("already removed"));
    let answer = mo
        .post_form(&site.url("/mod/queue/99999/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    assert!(answer.text().await.unwrap().contains("<h1>Not found</h1>"));
    let page = mo.get(&site.url("/mod/posts/99999")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("<h1>Not found</h1>"));
    let page = mo.get(&site.url("/mod/log?page=two")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("<li>Page: must be a whole number</li>"));
    // The log holds the two decisions made, found by the console's search.
    let page = mo.get(&site.url("/mod/log?q=off+topic")).await.html;
    assert!(page.contains("<td>remove</td>") && !page.contains("<td>suspend</td>"));
    assert!(page.contains("value=\"off topic\""));
}

async fn remote_text_is_escaped_in_the_console(db: TestDb) {
    let site = site(db).await;
    let thread = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Pacing", "Body"),
        )
        .await;
    let state = site.rounds.state();
    let zoe = NewRemoteActor {
        avatar_url: Some(url::Url::parse("javascript:alert(3)").unwrap()),
        profile_url: Some(url::Url::parse("javascript:alert(2)").unwrap()),
        ..remote_actor(
            "https://mastodon.example/users/zoe",
            Some("zoe\"><b>"),
            Some("<img src=x onerror=alert(1)>Zoë"),
        )
    };
    let held = RemoteReply {
        content_warning: Some("<svg onload=alert(4)>"),
        html: "<p>Call &lt;script&gt;alert(5)&lt;/script&gt; me</p>",
        ..RemoteReply::new(
            "https://mastodon.example/users/zoe/statuses/1",
            thread,
            thread,
        )
    };
    let held = store_reply_by(&site, &zoe, &held).await;
    let mut conn = state.db.pool.acquire().await.unwrap();
    Db::hold_post(&mut conn, held, "looks like <i>a phone</i> number")
        .await
        .unwrap();
    drop(conn);
    let data = site.rounds.federation.to_request_data();
    reports::receive_flag(
        &data,
        &url::Url::parse("https://mastodon.example/flags/1").unwrap(),
        &url::Url::parse("https://mastodon.example/users/zoe").unwrap(),
        &[url::Url::parse(&site.url(&format!("/posts/{thread}"))).unwrap()],
        "<script>alert(6)</script> see this",
    )
    .await
    .unwrap();

    let (_, mo) = logged_in_member(&site, "mo", Role::Moderator).await;
    for path in [
        "/mod/queue".to_string(),
        format!("/mod/posts/{held}"),
        "/mod/reports".into(),
    ] {
        let page = mo.get(&site.url(&path)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for tag in tags_of(&page.html) {
            let lower = tag.to_ascii_lowercase();
            for live in ["<img", "<script", "<svg", "<b>", "<i>"] {
                assert!(!lower.starts_with(live), "{tag} is live on {path}");
            }
            assert!(!lower.contains("javascript:"), "{tag} on {path}");
        }
        assert!(!page.html.contains("href=\"javascript"), "{path}");
    }
    let queue = mo.get(&site.url("/mod/queue")).await.html;
    assert!(
        queue.contains("&lt;img src=x onerror=alert(1)&gt;Zoë"),
        "{queue}"
    );
    assert!(queue.contains("<code>@zoe&quot;&gt;&lt;b&gt;@mastodon.example</code>"));
    assert!(queue.contains("looks like &lt;i&gt;a phone&lt;/i&gt; number"));
    assert!(queue.contains("Content warning: &lt;svg onload=alert(4)&gt;"));
    assert!(queue.contains("Call &lt;script&gt;alert(5)&lt;/script&gt; me"));
    let reports = mo.get(&site.url("/mod/reports")).await.html;
    assert!(
        reports.contains("&lt;script&gt;alert(6)&lt;/script&gt; see this"),
        "{reports}"
    );
    assert!(reports.contains("href=\"https://mastodon.example/users/zoe\""));
}

async fn a_blocklist_pasted_in_the_console_takes_effect(db: TestDb) {
    let site = site(db).await;
    let peer = Peer::spawn().await;
    let thread = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Pacing", "Body"),
        )
        .await;
    let (_, mo) = logged_in_member(&site, "mo", Role::Moderator).await;
    let csrf = csrf_in(&mo.get(&site.url("/mod/instances")).await.html);
    let csv = format!(
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
         {},suspend,false,false,\"spam, lots of it\",false\n\
         quiet.example,silence,false,false,,false\n\
         fine.example,noop,false,false,,false\n",
        peer.domain()
    );
    let answer = mo
        .post_form(
            &site.url("/mod/instances/import"),
            &[("csv", ""), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer
        .text()
        .await
        .unwrap()
        .contains("Blocklist: paste the list first"));
    let answer = mo
        .post_form(
            &site.url("/mod/instances/import"),
            &[("csv", &csv), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let back = location(&answer).to_string();
    assert_eq!(
        back,
        "/mod/instances?done=imported&suspended=1&limited=1&skipped=1"
    );
    let page = mo.get(&site.url(&back)).await.html;
    assert!(
        page.contains("1 suspended, 1 limited, 1 skipped."),
        "{page}"
    );
    assert!(page.contains(&format!("<code>{}</code>: suspend", peer.domain())));

    // The listed instance is refused, and nothing of it is stored.
    let note = peer.note(
        "alice",
        Some(&site.url(&format!("/posts/{thread}"))),
        "<p>let me in</p>",
        None,
    );
    let (status, _) = signing::post(
        &site.url("/inbox"),
        peer.create(&note).to_string().as_bytes(),
        Some(&peer.signer("alice")),
        &signing::SignOptions::default(),
    )
    .await;
    assert_eq!(status.as_u16(), 403);
    let state = site.rounds.state();
    let mut conn = state.db.pool.acquire().await.unwrap();
    let ap_id = note["id"].as_str().unwrap();
    assert!(Db::post_by_ap_id(&mut conn, ap_id).await.unwrap().is_none());

    // The export is Mastodon's CSV, as a download.
    let export = mo.get(&site.url("/mod/instances.csv")).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(export.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let line = format!(
        "{},suspend,false,false,\"spam, lots of it\",false",
        peer.domain()
    );
    assert!(export.html.contains(&line), "{}", export.html);
    assert!(export.html.contains("quiet.example,silence,"));
}

both_databases!(
    the_console_is_for_moderators_only,
    forms_need_the_session_token,
    remote_text_is_escaped_in_the_console,
    a_blocklist_pasted_in_the_console_takes_effect,
);
