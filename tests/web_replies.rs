//! Replying from the web and what thread pages show to whom, on SQLite and PostgreSQL: a member
//! logs in through `/login`, replies through the form under a thread (the reply appears nested,
//! and the forum's Group relays it to a follower on another server); a form without the
//! session's CSRF token is refused and stores nothing; a logged-out POST goes to the login page;
//! bad input comes back with its messages and the text kept; a locked conversation takes none.
//! Moderators see replies that are not shown publicly (followers-only, direct, held, removed),
//! marked; authors and visitors never do (a removed reply is a tombstone to them). Likes and boosts from another server and
//! repeated edits show as counts. A thread of 120 top-level replies is paged 50 at a time.

mod common;
mod web_support;

use common::{eventually, follow, peer::Peer, TestDb};
use reqwest::{header, StatusCode};
use rounds::{
    db::{pages::ThreadView, Db},
    model::{Role, Visibility},
    service::{
        actors::add_member,
        moderation::{labels, public_log, removal, Moderator},
        publishing::Place,
    },
};
use serde_json::json;
use web_support::*;

/// Signs and posts `activity` to the shared inbox (see `common::send_signed`).
use common::send_signed as send;

/// The Group's Announces of a Create of `id` that reached `peer`.
fn relayed(peer: &Peer, id: &str) -> usize {
    peer.arrivals_of("Announce")
        .iter()
        .filter(|a| a.activity["object"]["type"] == "Create")
        .filter(|a| {
            a.activity["object"]["object"]["id"] == id || a.activity["object"]["object"] == id
        })
        .count()
}

/// The `Location` of a redirect.
fn location(response: &reqwest::Response) -> String {
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

async fn a_member_replies_through_the_form(db: TestDb) {
    let site = site(db).await;
    let peer = Peer::spawn().await;
    follow(&peer, "alice", site.rounds.port, "community").await;
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Pacing", "What helped?"),
        )
        .await;
    let first = site
        .publish(&site.ben, Place::ReplyTo(root), reply("Short walks."))
        .await;
    let thread_url = site.url(&format!("/posts/{root}"));
    let state = site.rounds.state();
    let replies_now = || async { state.db.reply_counts(root).await.unwrap().public };

    // Not logged in: how to reply, no form, no Reply links; cacheable, varying by cookie.
    let anonymous = Browser::anonymous();
    let page = anonymous.get(&thread_url).await;
    assert_eq!(page.status, 200);
    assert_secure(&page.headers, &thread_url);
    assert!(page.html.contains("<a href=\"/login\">Log in</a> to reply"));
    assert!(page.html.contains(&format!("<code>{thread_url}</code>")));
    assert!(!page.html.contains("<form method=\"post\" action=\"/posts/"));
    assert!(!page.html.contains("/reply\""));
    assert!(page.headers.get(header::CACHE_CONTROL).is_none());
    assert!(page.headers[header::VARY]
        .to_str()
        .unwrap()
        .contains("Cookie"));

    // A member: the form under the thread, a Reply link on each reply; not cached.
    let (_, cy) = logged_in_member(&site, "cy", Role::Author).await;
    let page = cy.get(&thread_url).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers[header::CACHE_CONTROL], "private, no-store");
    assert!(page.html.contains(&format!(
        "<form method=\"post\" action=\"/posts/{root}/reply\""
    )));
    assert!(page.html.contains(&format!(
        "<a href=\"/posts/{first}/reply\" aria-label=\"Reply to ben\">"
    )));
    let csrf = csrf_in(&page.html);

    // The Reply link: the post quoted, and the form answering it.
    let reply_page = cy.get(&site.url(&format!("/posts/{first}/reply"))).await;
    assert_eq!(reply_page.status, 200);
    assert_eq!(
        reply_page.headers[header::CACHE_CONTROL],
        "private, no-store"
    );
    assert!(reply_page.html.contains("<blockquote>"));
    assert!(at(&reply_page.html, "Short walks.") < at(&reply_page.html, "<form"));
    assert!(reply_page
        .html
        .contains(&format!("action=\"/posts/{first}/reply\"")));
    assert_eq!(csrf_in(&reply_page.html), csrf);

    // Refused: no CSRF token, a wrong one (403); no session (to the login page). Nothing is
    // stored.
    let reply_url = site.url(&format!("/posts/{first}/reply"));
    let before = replies_now().await;
    let refused = cy.post_form(&reply_url, &[("body", "Forged")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = cy
        .post_form(&reply_url, &[("body", "Forged"), ("csrf", "not-the-token")])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let anonymous_post = anonymous
        .post_form(&reply_url, &[("body", "Anonymous"), ("csrf", &csrf)])
        .await;
    assert_eq!(anonymous_post.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous_post), "/login");
    assert_eq!(replies_now().await, before, "nothing stored");

    // Bad input: the form again, with the message and the text kept.
    let invalid = cy
        .post_form(
            &reply_url,
            &[
                ("body", "   "),
                ("content_warning", "Kept <warning>"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        invalid.headers()[header::CACHE_CONTROL],
        "private, no-store"
    );
    let html = invalid.text().await.unwrap();
    assert!(html.contains("Your reply: is required"), "{html}");
    assert!(html.contains("value=\"Kept &lt;warning&gt;\""));
    assert_eq!(replies_now().await, before);

    // The reply: 303 to its place in the thread, nested under what it answers.
    let posted = cy
        .post_form(
            &reply_url,
            &[
                ("body", "Nested *answer* <script>x()</script>"),
                ("content_warning", ""),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let to = location(&posted);
    let prefix = format!("/posts/{root}#post-");
    assert!(to.starts_with(&prefix), "{to}");
    let new_id: i64 = to[prefix.len()..].parse().unwrap();
    let html = anonymous.get(&thread_url).await.html;
    let first_at = at(&html, &format!("id=\"post-{first}\""));
    let new_at = at(&html, &format!("id=\"post-{new_id}\""));
    assert!(first_at < new_at);
    assert_eq!(depth(&html, first_at), 1);
    assert_eq!(depth(&html, new_at), 2, "nested under what it answers");
    assert!(html[new_at..].contains("Nested <em>answer</em>"));
    assert!(!html.contains("<script>x()"));
    assert!(html.contains("2 replies"));
    // Its author's page lists it; it federates as the API's replies do.
    assert!(page_ok(&site.url("/@cy")).await.contains("Nested answer"));
    let id = site.url(&format!("/posts/{new_id}"));
    assert!(
        eventually(20, || async { relayed(&peer, &id) >= 1 }).await,
        "the Group's Announce of the reply reaches the follower"
    );

    // The reply's own page has the form too, answering it.
    let own = cy.get(&id).await;
    assert!(own
        .html
        .contains(&format!("action=\"/posts/{new_id}/reply\"")));

    // A conversation locked by a moderator takes no more: no form, no Reply links, 403.
    let mut conn = state.db.pool.acquire().await.unwrap();
    assert!(Db::set_post_locked(&mut conn, root, true).await.unwrap());
    drop(conn);
    let page = cy.get(&thread_url).await;
    assert!(page.html.contains("This conversation is locked"));
    assert!(!page.html.contains("<form method=\"post\" action=\"/posts/"));
    assert!(!page.html.contains("/reply\""));
    let before = replies_now().await;
    let locked = cy
        .post_form(&reply_url, &[("body", "Too late"), ("csrf", &csrf)])
        .await;
    assert_eq!(locked.status(), StatusCode::FORBIDDEN);
    assert_eq!(replies_now().await, before);
}

async fn moderators_see_replies_that_are_not_public(db: TestDb) {
    let site = site(db).await;
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Visits", "How do you prepare?"),
        )
        .await;
    let public = store_remote_reply(&site, root, root, "<p>A list.</p>", Visibility::Public).await;
    let followers = store_remote_reply(
        &site,
        root,
        public,
        "<p>Only for my followers.</p>",
        Visibility::Followers,
    )
    .await;
    let direct = store_remote_reply(
        &site,
        root,
        root,
        "<p>Only for ada.</p>",
        Visibility::Direct,
    )
    .await;
    // Held for moderation; removed by a moderator (with a public answer under it).
    let held = store_remote_reply(
        &site,
        root,
        public,
        "<p>Held words.</p>",
        Visibility::Public,
    )
    .await;
    let removed = store_remote_reply(
        &site,
        root,
        root,
        "<p>Removed words.</p>",
        Visibility::Public,
    )
    .await;
    store_remote_reply(
        &site,
        root,
        removed,
        "<p>Answer to the removed one.</p>",
        Visibility::Public,
    )
    .await;
    // A public answer to the followers-only reply: the public sees it at the top level (its
    // parent is not shown to them), moderators under the reply it answers.
    let orphan = store_remote_reply(
        &site,
        root,
        followers,
        "<p>Public answer to a private one.</p>",
        Visibility::Public,
    )
    .await;
    // Deleted by its author: a tombstone in both views, counted in neither.
    let deleted = store_remote_reply(
        &site,
        root,
        root,
        "<p>Deleted words.</p>",
        Visibility::Public,
    )
    .await;
    let state = site.rounds.state();
    let mut conn = state.db.pool.acquire().await.unwrap();
    Db::hold_post(&mut conn, held, "first reply from zoe")
        .await
        .unwrap();
    assert!(Db::set_post_removed(&mut conn, removed, true)
        .await
        .unwrap());
    assert!(Db::tombstone_post(&mut conn, deleted).await.unwrap());
    drop(conn);
    // A page that holds the whole thread counts its replies itself; a page cut by its limit
    // asks the database: the same counts either way, and the public is not told how many it
    // does not see.
    let counts = state.db.reply_counts(root).await.unwrap();
    assert_eq!((counts.public, counts.not_public), (3, 4));
    for (view, not_public) in [(ThreadView::Staff, 4), (ThreadView::Public, 0)] {
        for limit in [2_000, 2] {
            let page = state
                .db
                .thread_page(root, view, 1, 50, limit)
                .await
                .unwrap();
            assert_eq!(
                (page.counts.public, page.counts.not_public),
                (3, not_public),
                "{view:?}, at most {limit} posts"
            );
        }
    }
    let thread_url = site.url(&format!("/posts/{root}"));

    let (_, author) = logged_in_member(&site, "cy", Role::Author).await;
    for (who, page) in [
        ("a visitor", Browser::anonymous().get(&thread_url).await),
        ("an author", author.get(&thread_url).await),
    ] {
        assert_eq!(page.status, 200);
        assert!(page.html.contains("A list."), "{who}");
        for hidden in [
            "Only for",
            "not shown publicly",
            "Held words",
            "Removed words",
            "Deleted words",
        ] {
            assert!(!page.html.contains(hidden), "{who} sees {hidden}");
        }
        assert!(!page.html.contains(&format!("id=\"post-{followers}\"")));
        assert!(!page.html.contains(&format!("id=\"post-{held}\"")));
        let removed_block = &page.html[at(&page.html, &format!("id=\"post-{removed}\""))..];
        assert!(removed_block.contains("This reply was deleted"), "{who}");
        assert!(page.html.contains("Answer to the removed one."));
        assert!(page.html.contains("Public answer to a private one."));
        assert_eq!(
            depth(&page.html, at(&page.html, &format!("id=\"post-{orphan}\""))),
            1,
            "{who}: at the top level"
        );
        assert!(page.html.contains("3 replies"), "{who}");
    }

    let (_, moderator) = logged_in_member(&site, "mo", Role::Moderator).await;
    let page = moderator.get(&thread_url).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers[header::CACHE_CONTROL], "private, no-store");
    let html = page.html;
    let followers_block = &html[at(&html, &format!("id=\"post-{followers}\""))..];
    assert!(followers_block.starts_with(&format!(
        "id=\"post-{followers}\" aria-label=\"Reply by Zoë\">\
         <p class=\"private\"><strong>Followers only — not shown publicly</strong> · \
         <a href=\"/mod/posts/{followers}\">Moderate</a></p>"
    )));
    assert!(followers_block.contains("Only for my followers."));
    assert_eq!(
        depth(&html, at(&html, &format!("id=\"post-{followers}\""))),
        2,
        "under the reply it answers"
    );
    let direct_block = &html[at(&html, &format!("id=\"post-{direct}\""))..];
    assert!(direct_block.contains("Direct — not shown publicly"));
    assert!(direct_block.contains("Only for ada."));
    let held_block = &html[at(&html, &format!("id=\"post-{held}\""))..];
    assert!(held_block
        .contains("Held for moderation (first reply from zoe) — not shown publicly</strong>"));
    assert!(held_block.contains("Held words."));
    assert!(held_block.contains(&format!("<a href=\"/mod/posts/{held}\">Moderate</a>")));
    let removed_block = &html[at(&html, &format!("id=\"post-{removed}\""))..];
    assert!(removed_block.contains("Removed by a moderator — not shown publicly</strong>"));
    assert!(removed_block.contains("Removed words."));
    assert!(
        html.contains("4 more replies are not shown publicly"),
        "{html}"
    );
    assert!(html.contains("3 replies"), "the count is of public replies");
    assert!(!html.contains("Deleted words."), "deleted for everyone");
    assert_eq!(
        depth(&html, at(&html, &format!("id=\"post-{orphan}\""))),
        3,
        "under the followers-only reply"
    );
    // An admin sees them too; public lists and feeds never do.
    let (_, admin) = logged_in_member(&site, "root", Role::Admin).await;
    assert!(admin.get(&thread_url).await.html.contains("Only for ada."));
    for path in ["/", "/@community", "/@community/feed.atom"] {
        let text = reqwest::get(site.url(path))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains("Only for"), "{path}");
    }
}

async fn likes_boosts_and_edits_show_as_counts(db: TestDb) {
    let site = site(db).await;
    let peer = Peer::spawn().await;
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Sleep", "Any tips?"),
        )
        .await;
    let local_reply = site
        .publish(&site.ben, Place::ReplyTo(root), reply("Dim the lights."))
        .await;
    let article = site
        .publish(&site.ada, Place::Journal, announcement("Co-authors"))
        .await;
    let (root_id, reply_id, article_id) = (
        site.url(&format!("/posts/{root}")),
        site.url(&format!("/posts/{local_reply}")),
        site.url(&format!("/posts/{article}")),
    );
    let react = |kind: &str, actor: &str, object: &str| {
        json!({"@context": "https://www.w3.org/ns/activitystreams", "id": peer.new_id("reactions"),
               "type": kind, "actor": peer.actor_id(actor), "object": object,
               "to": ["https://www.w3.org/ns/activitystreams#Public"]})
    };
    for (kind, actor, object) in [
        ("Like", "alice", &root_id),
        ("Like", "bob", &root_id),
        ("Like", "carol", &root_id),
        ("Announce", "alice", &root_id),
        ("Like", "bob", &reply_id),
        ("Like", "alice", &article_id),
        ("Announce", "bob", &article_id),
        ("Announce", "carol", &article_id),
    ] {
        assert_eq!(
            send(&site.rounds, &peer, actor, &react(kind, actor, object)).await,
            202
        );
    }
    // A reply from the peer, edited twice by its author.
    let note = peer.note("alice", Some(&root_id), "<p>Version one.</p>", None);
    assert_eq!(
        send(&site.rounds, &peer, "alice", &peer.create(&note)).await,
        202
    );
    for (n, words) in [(3, "<p>Version two.</p>"), (4, "<p>Version three.</p>")] {
        let mut edited = note.clone();
        edited["content"] = json!(words);
        edited["updated"] = json!(format!("2026-11-25T1{n}:00:00Z"));
        let update = json!({"@context": "https://www.w3.org/ns/activitystreams",
                            "id": peer.new_id("updates"), "type": "Update",
                            "actor": peer.actor_id("alice"), "object": edited});
        assert_eq!(send(&site.rounds, &peer, "alice", &update).await, 202);
    }

    let html = page_ok(&root_id).await;
    let root_block = &html[at(&html, &format!("id=\"post-{root}\""))..];
    let root_meta = &root_block[..at(root_block, "</header>")];
    assert!(root_meta.contains("3 likes · 1 boost"), "{root_meta}");
    let reply_block = &html[at(&html, &format!("id=\"post-{local_reply}\""))..];
    let reply_meta = &reply_block[..at(reply_block, "</header>")];
    assert!(reply_meta.contains("1 like</span>"), "{reply_meta}");
    assert!(!reply_meta.contains("boost"));
    assert!(!reply_meta.contains("edited"));
    let words = at(&html, "Version three.");
    let edited_block = &html[html[..words].rfind("<article").unwrap()..words];
    assert!(edited_block.contains("edited 2 times"), "{edited_block}");

    let reply_page = page_ok(&reply_id).await;
    assert!(reply_page.contains("1 like</span>"));
    let article_page = page_ok(&article_id).await;
    assert!(article_page.contains("1 like · 2 boosts"), "{article_page}");
}

async fn long_threads_are_paged_by_top_level_replies(db: TestDb) {
    let site = site(db).await;
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Busy", "Say hello"),
        )
        .await;
    let top: Vec<i64> = store_replies(
        &site,
        root,
        &(1..=120)
            .map(|n| (root, format!("<p>Reply number {n:03}.</p>")))
            .collect::<Vec<_>>(),
    )
    .await;
    let nested = store_replies(
        &site,
        root,
        &[(top[50], "<p>Under fifty-one.</p>".to_string())],
    )
    .await[0];
    let url = site.url(&format!("/posts/{root}"));
    let articles = |html: &str| html.matches("<article class=\"reply\"").count();

    let first = page_ok(&url).await;
    assert_eq!(articles(&first), 50);
    assert!(first.contains("Reply number 001.") && first.contains("Reply number 050."));
    assert!(!first.contains("Reply number 051."));
    assert!(
        first.contains("121 replies"),
        "counted over the whole thread"
    );
    assert!(first.contains(&format!("rel=\"next\" href=\"/posts/{root}?page=2\"")));
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains("Page 1 of 3"));

    let second = page_ok(&format!("{url}?page=2")).await;
    assert_eq!(
        articles(&second),
        51,
        "50 top-level replies and the answer under one"
    );
    assert!(second.contains("Reply number 051.") && second.contains("Reply number 100."));
    assert!(!second.contains("Reply number 050.") && !second.contains("Reply number 101."));
    let nested_at = at(&second, &format!("id=\"post-{nested}\""));
    assert!(at(&second, &format!("id=\"post-{}\"", top[50])) < nested_at);
    assert_eq!(depth(&second, nested_at), 2);
    assert!(second.contains(&format!("rel=\"prev\" href=\"/posts/{root}\"")));
    assert!(second.contains(&format!("rel=\"next\" href=\"/posts/{root}?page=3\"")));
    assert!(second.contains("<title>Busy (page 2)</title>"));

    let third = page_ok(&format!("{url}?page=3")).await;
    assert_eq!(articles(&third), 20);
    assert!(third.contains("Reply number 120."));
    assert!(!third.contains("rel=\"next\""));
    assert_eq!(browse(&format!("{url}?page=4")).await.status, 404);
    assert_eq!(browse(&format!("{url}?page=x")).await.status, 400);
    assert_eq!(browse(&format!("{url}?page=0")).await.status, 400);

    // A reply's page and a new reply through the form point to the page that holds it.
    let reply_page = page_ok(&site.url(&format!("/posts/{}", top[110]))).await;
    assert!(reply_page.contains(&format!(
        "href=\"/posts/{root}?page=3#post-{}\">Busy</a>",
        top[110]
    )));
    let (_, cy) = logged_in_member(&site, "cy", Role::Author).await;
    let csrf = csrf_in(&cy.get(&url).await.html);
    let posted = cy
        .post_form(
            &site.url(&format!("/posts/{}/reply", top[110])),
            &[("body", "Late answer"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let to = location(&posted);
    assert!(
        to.starts_with(&format!("/posts/{root}?page=3#post-")),
        "{to}"
    );
}

/// Participant labels show beside the person's name wherever their posts are: the thread page,
/// the page of their reply, the reply form quoting it, their member page; for someone on another
/// server and for a member here. A withdrawn label is gone from every page.
async fn labels_show_beside_participants_everywhere(db: TestDb) {
    let site = site(db).await;
    let state = site.rounds.state();
    let mo = add_member(&state.db, "mo", Role::Moderator)
        .await
        .unwrap()
        .actor;
    let moderator = Moderator::of(&mo).unwrap();
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Fatigue", "How?"),
        )
        .await;
    let zoe = store_remote_reply(&site, root, root, "<p>Pacing</p>", Visibility::Public).await;
    let ben = site
        .publish(&site.ben, Place::ReplyTo(root), reply("Rest"))
        .await;
    let zoe_id = "https://mastodon.example/users/zoe";
    labels::set_label(&site.data, &moderator, zoe_id, Some("clinician"), "licence")
        .await
        .unwrap();
    labels::set_label(&site.data, &moderator, "ben", Some("patient"), "asked")
        .await
        .unwrap();

    let visitor = Browser::anonymous();
    let thread_page = visitor.get(&site.url(&format!("/posts/{root}"))).await.html;
    let article = |html: &str, id: i64| -> String {
        let start = at(html, &format!("id=\"post-{id}\""));
        let end = html[start..].find("</article>").unwrap() + start;
        html[start..end].to_string()
    };
    assert!(article(&thread_page, zoe).contains("Verified clinician"));
    assert!(article(&thread_page, ben).contains("Verified patient"));
    assert!(
        !article(&thread_page, root).contains("Verified"),
        "ada has none"
    );
    for path in [format!("/posts/{zoe}"), format!("/posts/{zoe}/reply")] {
        let html = visitor.get(&site.url(&path)).await.html;
        assert!(html.contains("Verified clinician"), "{path}");
    }
    let member_page = visitor.get(&site.url("/@ben")).await.html;
    assert!(member_page.contains("Verified patient"));

    labels::set_label(&site.data, &moderator, zoe_id, None, "lapsed")
        .await
        .unwrap();
    let thread_page = visitor.get(&site.url(&format!("/posts/{root}"))).await.html;
    assert!(!thread_page.contains("Verified clinician"));
    assert!(thread_page.contains("Verified patient"));
}

/// A forum's moderation log is a page only once the forum publishes it; it says what was
/// decided, about what and why, newest first, and never which moderator decided.
async fn a_forum_can_publish_its_moderation_log(db: TestDb) {
    let site = site(db).await;
    let state = site.rounds.state();
    let mo = add_member(&state.db, "mo", Role::Moderator)
        .await
        .unwrap()
        .actor;
    let moderator = Moderator::of(&mo).unwrap();
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Diet", "Ideas?"),
        )
        .await;
    let visitor = Browser::anonymous();
    let log_url = site.url("/@community/log");
    assert_eq!(visitor.get(&log_url).await.status, StatusCode::NOT_FOUND);

    public_log::set_public(&state, &moderator, "community", true)
        .await
        .unwrap();
    removal::remove(&site.data, &moderator, root, "selling supplements")
        .await
        .unwrap();
    let forum = visitor.get(&site.url("/@community")).await.html;
    assert!(
        forum.contains("href=\"/@community/log\""),
        "the forum links to it"
    );
    let page = visitor.get(&log_url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Moderation log of @community"));
    let removed = at(&page.html, "selling supplements");
    let published = at(&page.html, "publish moderation log");
    assert!(removed < published, "newest first");
    assert!(
        page.html.contains(&format!("/posts/{root}")),
        "names the post"
    );
    assert!(!page.html.contains(">mo<") && !page.html.contains("by mo"));
    assert_eq!(
        visitor.get(&site.url("/@journal/log")).await.status,
        StatusCode::NOT_FOUND,
        "only forums publish a log"
    );
    assert_eq!(
        visitor.get(&format!("{log_url}?page=2")).await.status,
        StatusCode::NOT_FOUND
    );

    public_log::set_public(&state, &moderator, "community", false)
        .await
        .unwrap();
    assert_eq!(visitor.get(&log_url).await.status, StatusCode::NOT_FOUND);
    let forum = visitor.get(&site.url("/@community")).await.html;
    assert!(!forum.contains("/@community/log"));
}

both_databases!(
    a_member_replies_through_the_form,
    moderators_see_replies_that_are_not_public,
    likes_boosts_and_edits_show_as_counts,
    long_threads_are_paged_by_top_level_replies,
    labels_show_beside_participants_everywhere,
    a_forum_can_publish_its_moderation_log,
);
