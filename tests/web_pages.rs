//! The public pages and feeds, on SQLite and PostgreSQL: the home page, forum pages (paged,
//! with reply counts), a thread with its conversation nested by parent (deleted replies marked,
//! their answers kept), a reply's page, an announcement, a webinar at its time in its zone, tag
//! and member pages, 410 after a delete; script in Markdown shown as text; OpenGraph tags, the
//! ActivityPub alternate link and the security headers on every page; Atom feeds that parse as
//! Atom, iCalendar with CRLF lines folded at 75 octets and times in UTC.

mod common;
mod web_support;

use common::TestDb;
use reqwest::header;
use rounds::{
    db::{
        actors::NewRemoteActor,
        posts::{NewPost, PostContent},
        Db,
    },
    model::{PostDetails, PostKind, Visibility},
    service::{
        post_rules::Draft,
        publishing::{self, Place},
    },
};
use url::Url;
use web_support::*;

async fn home_page_lists_forums_announcements_and_upcoming_webinars(db: TestDb) {
    let site = site(db).await;
    let year = webinar_year();
    site.publish(
        &site.ada,
        Place::Journal,
        announcement("Patients as co-authors"),
    )
    .await;
    site.publish(
        &site.ada,
        Place::Webinars,
        webinar("Shared decisions", year),
    )
    .await;
    site.publish(&site.ada, Place::Webinars, webinar("Already over", 2020))
        .await;

    let html = page_ok(&site.url("/")).await;
    assert!(html.contains("<a href=\"/@community\">Community discussions</a>"));
    assert!(html.contains(&format!("@community@{}", site.rounds.domain)));
    assert!(html.contains("Patients as co-authors"));
    assert!(html.contains("Shared decisions"));
    // The webinar at its time in its own zone.
    assert!(
        html.contains(&format!(
            " 1 December {year}, 18:00–19:30 EST (America/New_York)</time>"
        )),
        "{html}"
    );
    assert!(
        !html.contains("Already over"),
        "past webinars are not upcoming"
    );
    assert!(html.contains("type=\"application/atom+xml\""));
    assert!(html.contains(&format!(
        "<link rel=\"alternate\" type=\"text/calendar\" title=\"Webinars\" href=\"{}\">",
        site.url("/webinars.ics")
    )));
}

async fn a_thread_shows_its_conversation_nested_by_parent(db: TestDb) {
    let site = site(db).await;
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            Draft {
                content_warning: Some("Hospital stays".into()),
                tags: Some(vec!["LongCovid".into()]),
                ..thread("Pacing after long COVID", "What helped you *most*?")
            },
        )
        .await;
    let first = site
        .publish(
            &site.ben,
            Place::ReplyTo(root),
            reply("First: short walks."),
        )
        .await;
    let second = site
        .publish(&site.ada, Place::ReplyTo(root), reply("Second: rest days."))
        .await;
    // Answers `first`, published after `second`: shown under `first`, before `second`.
    let under_first = site
        .publish(
            &site.ada,
            Place::ReplyTo(first),
            reply("Under first: how long?"),
        )
        .await;
    let doomed = site
        .publish(&site.ben, Place::ReplyTo(second), reply("Doomed words"))
        .await;
    let orphan = site
        .publish(
            &site.ada,
            Place::ReplyTo(doomed),
            reply("Answer to the doomed one"),
        )
        .await;
    publishing::delete(&site.data, &site.ben, doomed)
        .await
        .unwrap();
    publishing::edit(
        &site.data,
        &site.ben,
        first,
        reply("First: short, slow walks."),
    )
    .await
    .unwrap();

    let url = site.url(&format!("/posts/{root}"));
    let html = page_ok(&url).await;
    assert!(html.contains("<title>Pacing after long COVID</title>"));
    assert!(html.contains("<h1>Pacing after long COVID</h1>"));
    // The author: display name linked to their page, and their handle.
    assert!(
        html.contains("<a href=\"/@ada\" rel=\"author\">ada</a>"),
        "{html}"
    );
    assert!(html.contains(&format!("@ada@{}", site.rounds.domain)));
    // The body behind its content warning, the hashtag linked to its page.
    let warning = at(
        &html,
        "<details class=\"cw\"><summary>Content warning: Hospital stays",
    );
    assert!(at(&html, "<em>most</em>") > warning);
    assert!(html.contains("<a href=\"/tags/longcovid\" rel=\"tag\">#LongCovid</a>"));
    assert!(html.contains("<time datetime=\""));
    // OpenGraph, and the ActivityPub object as the alternate.
    assert_eq!(meta(&html, "og:title"), "Pacing after long COVID");
    assert_eq!(meta(&html, "og:url"), url);
    assert_eq!(meta(&html, "og:type"), "article");
    assert_eq!(
        meta(&html, "og:description"),
        "Content warning: Hospital stays",
        "the warning, not the words it hides"
    );
    assert!(!meta(&html, "og:site_name").is_empty());
    assert!(html.contains(&format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{url}\">"
    )));
    assert!(html.contains(&format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"{}\">",
        site.url("/@community/feed.atom")
    )));

    // Nesting and order: first, under_first (nested), second, the deleted one, its answer.
    let positions: Vec<usize> = [first, under_first, second, doomed, orphan]
        .iter()
        .map(|id| at(&html, &format!("id=\"post-{id}\"")))
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "reading order {positions:?}"
    );
    let depths: Vec<i64> = positions.iter().map(|p| depth(&html, *p)).collect();
    assert_eq!(depths, [1, 2, 1, 2, 3], "nesting depths");
    assert!(html.contains("First: short, slow walks."));
    let first_block = &html[positions[0]..positions[1]];
    assert!(first_block.contains("edited"), "{first_block}");
    let second_block = &html[positions[2]..positions[3]];
    assert!(!second_block.contains("edited"));
    let doomed_block = &html[positions[3]..positions[4]];
    assert!(doomed_block.contains("This reply was deleted"));
    assert!(!html.contains("Doomed words"));
    assert!(html.contains("Answer to the doomed one"));
    assert!(html.contains("4 replies"), "four visible replies");
}

async fn a_long_exchange_stops_nesting_at_six_levels(db: TestDb) {
    let site = site(db).await;
    let root = site
        .publish(&site.ada, Place::Forum("community"), thread("Long", "Go"))
        .await;
    let mut chain = Vec::new();
    let mut parent = root;
    for n in 1..=8 {
        let who = if n % 2 == 0 { &site.ada } else { &site.ben };
        parent = site
            .publish(who, Place::ReplyTo(parent), reply(&format!("Turn {n}")))
            .await;
        chain.push(parent);
    }
    let html = page_ok(&site.url(&format!("/posts/{root}"))).await;
    let positions: Vec<usize> = chain
        .iter()
        .map(|id| at(&html, &format!("id=\"post-{id}\"")))
        .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    let depths: Vec<i64> = positions.iter().map(|p| depth(&html, *p)).collect();
    assert_eq!(depths, [1, 2, 3, 4, 5, 6, 6, 6]);
    // Listed flat, each names what it answers (turn 6 is ada's).
    let seventh = &html[positions[6]..positions[7]];
    assert!(
        seventh.contains(&format!("answering <a href=\"#post-{}\">ada</a>", chain[5])),
        "{seventh}"
    );
    assert!(!html[positions[5]..positions[6]].contains("answering"));
}

async fn a_remote_reply_is_shown_with_its_handle_and_escaped(db: TestDb) {
    let site = site(db).await;
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Sleep", "Any tips?"),
        )
        .await;
    let state = site.rounds.state();
    let remote = state
        .db
        .upsert_remote_actor(&NewRemoteActor {
            avatar_url: None,
            profile_url: None,
            ap_id: Url::parse("https://mastodon.example/users/zoe").unwrap(),
            instance: "mastodon.example".into(),
            kind: "Person".into(),
            preferred_username: Some("zoe".into()),
            display_name: Some("Zoë <b>\"bold\"</b>".into()),
            inbox: Url::parse("https://mastodon.example/users/zoe/inbox").unwrap(),
            shared_inbox: None,
            public_key_id: "https://mastodon.example/users/zoe#main-key".into(),
            public_key_pem: "unused".into(),
        })
        .await
        .unwrap();
    let details = PostDetails::default();
    let community = community_id(&state).await;
    let mut tx = state.db.begin().await.unwrap();
    let id = Db::insert_post(
        &mut tx,
        &NewPost {
            ap_id: Some("https://mastodon.example/users/zoe/statuses/1"),
            kind: PostKind::Reply,
            author_local_id: None,
            author_remote_id: Some(remote.id),
            audience_id: community,
            root_id: Some(root),
            parent_id: Some(root),
            content: PostContent {
                title: None,
                summary: None,
                content_warning: None,
                source: None,
                content_html: "<p>Dim the lights.</p>",
                details: &details,
                starts_at: None,
                ends_at: None,
            },
            visibility: Visibility::Public,
            remote_url: Some("javascript:alert(1)"),
            published_at: rounds::db::now_millis(),
            activity_ap_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let html = page_ok(&site.url(&format!("/posts/{root}"))).await;
    let reply = &html[at(&html, &format!("id=\"post-{id}\""))..];
    assert!(reply.contains(
        "<a href=\"https://mastodon.example/users/zoe\" rel=\"author nofollow\">\
         Zoë &lt;b&gt;&quot;bold&quot;&lt;/b&gt;</a> <span class=\"handle\">@zoe@mastodon.example</span>"
    ), "{reply}");
    assert!(reply.contains("Dim the lights."));
    assert!(
        !html.contains("javascript:"),
        "only http(s) addresses become links"
    );
    assert!(!html.contains("<b>\"bold\""));
}

async fn script_in_markdown_is_shown_as_text(db: TestDb) {
    let site = site(db).await;
    let body = "Before <script>alert(1)</script> and <img src=x onerror=alert(1)> after.\n\n\
                <script>document.title='pwned'</script>\n\n[click](javascript:alert(1))";
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Is <b>this</b> safe?", body),
        )
        .await;
    let html = page_ok(&site.url(&format!("/posts/{root}"))).await;
    for tag in tags_of(&html) {
        let lower = tag.to_ascii_lowercase();
        assert!(
            !lower.starts_with("<script")
                && !lower.starts_with("<img src=x")
                && !lower.contains("onerror")
                && !lower.contains("javascript:"),
            "a live tag from the content: {tag}"
        );
    }
    assert!(!html.to_ascii_lowercase().contains("href=\"javascript:"));
    // Shown as what it is: text.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("<h1>Is &lt;b&gt;this&lt;/b&gt; safe?</h1>"));
    assert!(html.contains("<title>Is &lt;b&gt;this&lt;/b&gt; safe?</title>"));
}

async fn a_reply_page_links_to_its_thread_and_what_it_answers(db: TestDb) {
    let site = site(db).await;
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Diet", "What do you eat?"),
        )
        .await;
    let parent = site
        .publish(&site.ben, Place::ReplyTo(root), reply("Mostly *greens*."))
        .await;
    let answer = site
        .publish(&site.ada, Place::ReplyTo(parent), reply("Which greens?"))
        .await;
    let url = site.url(&format!("/posts/{answer}"));
    let html = page_ok(&url).await;
    assert!(
        html.contains(&format!("href=\"/posts/{root}#post-{answer}\">Diet</a>")),
        "{html}"
    );
    assert!(html.contains("<h1>Reply by ada</h1>"));
    assert!(html.contains("Which greens?"));
    // What it answers, quoted with its author.
    let quote = at(&html, "<blockquote>");
    assert!(at(&html, "<em>greens</em>") > quote);
    assert!(html[quote..].contains("<a href=\"/@ben\" rel=\"author\">ben</a>"));
    assert_eq!(meta(&html, "og:url"), url);
    assert_eq!(meta(&html, "og:description"), "Which greens?");
    assert!(html.contains("type=\"application/activity+json\""));
}

async fn announcement_and_webinar_pages(db: TestDb) {
    let site = site(db).await;
    let year = webinar_year();
    let article = site
        .publish(
            &site.ada,
            Place::Journal,
            announcement("Patients as co-authors"),
        )
        .await;
    let html = page_ok(&site.url(&format!("/posts/{article}"))).await;
    assert!(html.contains("<h1>Patients as co-authors</h1>"));
    assert!(html.contains("<p>A study of 40 papers written with patients.</p>"));
    assert!(html.contains("<strong>co-authors</strong>"));
    assert!(html.contains("<a href=\"https://jopm.example/article/42\">"));
    assert!(html.contains("<a href=\"https://doi.org/10.2196/12345\">10.2196/12345</a>"));
    assert_eq!(
        meta(&html, "og:description"),
        "A study of 40 papers written with patients."
    );
    assert!(html.contains(&format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"{}\">",
        site.url("/@journal/feed.atom")
    )));

    let event = site
        .publish(
            &site.ada,
            Place::Webinars,
            webinar("Shared decisions", year),
        )
        .await;
    let url = site.url(&format!("/posts/{event}"));
    let html = page_ok(&url).await;
    assert!(html.contains("<h1>Shared decisions</h1>"));
    assert!(
        html.contains(&format!("<time datetime=\"{year}-12-01T18:00:00-05:00\">")),
        "{html}"
    );
    assert!(html.contains(&format!(
        "1 December {year}, 18:00–19:30 EST (America/New_York)</time>"
    )));
    assert!(html.contains("<a href=\"https://meet.example/spm?room=1&amp;lang=en\">"));
    assert!(html.contains("0 people are taking part of 100 places (100 left)"));
    assert!(html.contains("<strong>questions</strong>"));
    assert!(html.contains(&format!("href=\"/posts/{event}/event.ics\"")));
    assert_eq!(meta(&html, "og:type"), "article");
    assert_eq!(meta(&html, "og:title"), "Shared decisions");
    assert!(meta(&html, "og:description").contains("18:00"));
    assert!(html.contains(&format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{url}\">"
    )));
}

async fn a_deleted_post_answers_410(db: TestDb) {
    let site = site(db).await;
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Gone soon", "Words"),
        )
        .await;
    let url = site.url(&format!("/posts/{root}"));
    page_ok(&url).await;
    publishing::delete(&site.data, &site.ada, root)
        .await
        .unwrap();
    let page = browse(&url).await;
    assert_eq!(page.status, 410);
    assert_secure(&page.headers, &url);
    assert!(page.html.contains("<h1>This post was deleted</h1>"));
    assert!(!page.html.contains("Gone soon") && !page.html.contains("Words"));
    // No longer listed either.
    let forum = page_ok(&site.url("/@community")).await;
    assert!(!forum.contains("Gone soon"));
}

async fn forum_pages_are_paged_newest_first_with_reply_counts(db: TestDb) {
    let site = site(db).await;
    let mut threads = Vec::new();
    for n in 1..=25 {
        threads.push(
            site.publish(
                &site.ada,
                Place::Forum("community"),
                thread(&format!("Thread number {n:02}"), "Words"),
            )
            .await,
        );
    }
    site.publish(&site.ben, Place::ReplyTo(threads[24]), reply("One"))
        .await;
    site.publish(&site.ben, Place::ReplyTo(threads[24]), reply("Two"))
        .await;
    site.publish(&site.ben, Place::ReplyTo(threads[23]), reply("Only"))
        .await;

    let first = page_ok(&site.url("/@community")).await;
    assert_eq!(first.matches("<li><article>").count(), 20);
    assert!(at(&first, "Thread number 25") < at(&first, "Thread number 24"));
    assert!(first.contains("Thread number 06") && !first.contains("Thread number 05"));
    let newest = &first[at(&first, "Thread number 25")..at(&first, "Thread number 24")];
    assert!(newest.contains("2 replies"), "{newest}");
    let next = &first[at(&first, "Thread number 24")..at(&first, "Thread number 23")];
    assert!(next.contains("1 reply"), "{next}");
    assert!(first.contains("rel=\"next\" href=\"/@community?page=2\""));
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains(&format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Community discussions\" \
         href=\"{}\">",
        site.url("/@community/feed.atom")
    )));
    assert_eq!(meta(&first, "og:title"), "Community discussions");

    let second = page_ok(&site.url("/@community?page=2")).await;
    assert_eq!(second.matches("<li><article>").count(), 5);
    for n in 1..=5 {
        assert!(second.contains(&format!("Thread number {n:02}")));
    }
    assert!(!second.contains("Thread number 06"));
    assert!(second.contains("rel=\"prev\" href=\"/@community\""));
    assert!(!second.contains("rel=\"next\""));
    assert!(second.contains("Page 2 of 2"));

    assert_eq!(browse(&site.url("/@community?page=3")).await.status, 404);
    assert_eq!(browse(&site.url("/@community?page=x")).await.status, 400);
    // The same first page at the forum's id, for browsers.
    let at_id = page_ok(&site.rounds.actor_url("community")).await;
    assert_eq!(at_id.matches("<li><article>").count(), 20);
}

async fn journal_webinars_member_and_tag_pages(db: TestDb) {
    let site = site(db).await;
    let year = webinar_year();
    site.publish(
        &site.ada,
        Place::Journal,
        announcement("Patients as co-authors"),
    )
    .await;
    site.publish(&site.ada, Place::Webinars, webinar("Next one", year))
        .await;
    site.publish(&site.ada, Place::Webinars, webinar("Long ago", 2021))
        .await;
    site.publish(&site.ada, Place::Webinars, webinar("Less long ago", 2022))
        .await;
    let root = site
        .publish(
            &site.ben,
            Place::Forum("community"),
            Draft {
                tags: Some(vec!["Research".into()]),
                ..thread("Ben's question", "About #research")
            },
        )
        .await;
    site.publish(&site.ben, Place::ReplyTo(root), reply("Ben follows up"))
        .await;
    site.publish(
        &site.ada,
        Place::Forum("community"),
        thread("Ada's thread", "x"),
    )
    .await;

    let journal = page_ok(&site.url("/@journal")).await;
    assert!(journal.contains("<h2 id=\"list\">Announcements</h2>"));
    assert!(journal.contains("Patients as co-authors"));
    assert!(journal.contains("/@journal/feed.atom\""));

    let webinars = page_ok(&site.url("/@webinars")).await;
    let upcoming = at(&webinars, "Upcoming webinars");
    let past = at(&webinars, "Past webinars");
    assert!(upcoming < at(&webinars, "Next one") && at(&webinars, "Next one") < past);
    // Past ones after, the latest first.
    assert!(past < at(&webinars, "Less long ago"));
    assert!(at(&webinars, "Less long ago") < at(&webinars, "Long ago<"));
    assert!(webinars.contains("type=\"text/calendar\""));

    let ben = page_ok(&site.url("/@ben")).await;
    assert!(ben.contains("Ben&#x27;s question") && ben.contains("Ben follows up"));
    assert!(!ben.contains("Ada&#x27;s thread"));

    let tag = page_ok(&site.url("/tags/Research")).await;
    assert!(tag.contains("<h1>#research</h1>"));
    assert!(tag.contains("Ben&#x27;s question") && tag.contains("Patients as co-authors"));
    assert!(!tag.contains("Ada&#x27;s thread"));
    assert_eq!(browse(&site.url("/tags/not%20a%20tag")).await.status, 404);
}

/// A member's page counts, and lists, only the newest 10,000 posts (`COUNTED_UP_TO`), saying so
/// when there are more; with fewer, the pager has the exact number of pages.
async fn a_members_page_lists_the_newest_posts_without_counting_them_all(db: TestDb) {
    let site = site(db).await;
    let root = site
        .publish(&site.ben, Place::Forum("community"), thread("Pacing", "x"))
        .await;
    let few = page_ok(&site.url("/@ben")).await;
    assert!(few.contains("<h2 id=\"list\">Posts</h2>"), "{few}");
    assert!(!few.contains("rel=\"next\""));

    // 10,005 replies more, written straight into the table (publishing them one by one would
    // take minutes), the newest last.
    let state = site.rounds.state();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10005) \
         INSERT INTO posts (kind, author_local_id, audience_id, root_id, parent_id, \
         content_html, visibility, details, published_at) \
         SELECT 'reply', $1, p.audience_id, p.id, p.id, '<p>Reply ' || i || '</p>', 'public', \
         '{}', p.published_at + i FROM n, posts p WHERE p.id = $2",
    )
    .bind(site.ben.id)
    .bind(root)
    .execute(&state.db.pool)
    .await
    .unwrap();
    let first = page_ok(&site.url("/@ben")).await;
    assert!(first.contains("(the newest 10000 are listed)"), "{first}");
    assert!(first.contains("<span>Page 1 of 500</span>"), "{first}");
    assert!(first.contains("rel=\"next\" href=\"/@ben?page=2\""));
    assert!(first.contains("Reply 10005</a>"), "the newest first");
    // The 10,000th newest is reply 6: the last page holds replies 25 to 6, and no next.
    let last = page_ok(&site.url("/@ben?page=500")).await;
    assert!(last.contains("Reply 25</a>") && last.contains("Reply 6</a>"));
    assert!(!last.contains("Reply 5</a>") && !last.contains("rel=\"next\""));
    assert_eq!(browse(&site.url("/@ben?page=501")).await.status, 404);
}

async fn other_pages_keep_working_with_the_headers(db: TestDb) {
    let site = site(db).await;
    let login = browse(&site.url("/login")).await;
    assert_eq!(login.status, 200);
    assert_secure(&login.headers, "/login");
    assert!(login
        .html
        .contains("<form method=\"post\" action=\"/login\">"));
    let missing = browse(&site.url("/@nobody")).await;
    assert_eq!(missing.status, 404);
}

/// Atom, checked with an XML parser.
async fn atom_feeds_parse_and_carry_the_entries(db: TestDb) {
    let site = site(db).await;
    for n in 1..=3 {
        site.publish(
            &site.ada,
            Place::Forum("community"),
            thread(
                &format!("Feed thread {n} & <more>"),
                "Body with <script>x</script>",
            ),
        )
        .await;
    }
    let article = site
        .publish(&site.ada, Place::Journal, announcement("Feed article"))
        .await;

    let response = reqwest::get(site.url("/@community/feed.atom"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let xml = response.text().await.unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let atom = "http://www.w3.org/2005/Atom";
    let feed = doc.root_element();
    assert!(feed.has_tag_name((atom, "feed")));
    let child = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.children()
            .find(|c| c.has_tag_name((atom, name)))
            .unwrap_or_else(|| panic!("no {name}"))
            .text()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(child(feed, "title"), "Community discussions");
    assert!(!child(feed, "id").is_empty() && !child(feed, "updated").is_empty());
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.has_tag_name((atom, "entry")))
        .collect();
    assert_eq!(entries.len(), 3);
    assert_eq!(child(entries[0], "title"), "Feed thread 3 & <more>");
    for entry in &entries {
        let id = child(*entry, "id");
        assert!(id.starts_with(&site.url("/posts/")), "{id}");
        assert!(chrono::DateTime::parse_from_rfc3339(&child(*entry, "updated")).is_ok());
        let link = entry
            .children()
            .find(|c| c.has_tag_name((atom, "link")))
            .unwrap();
        assert_eq!(link.attribute("href"), Some(id.as_str()));
        let content = entry
            .children()
            .find(|c| c.has_tag_name((atom, "content")))
            .unwrap();
        assert_eq!(content.attribute("type"), Some("html"));
        // The HTML inside, unescaped by the parser: the script is still text in it.
        let html = content.text().unwrap();
        assert!(
            html.contains("<p>Body with &lt;script&gt;x&lt;/script&gt;</p>"),
            "{html}"
        );
    }

    let xml = reqwest::get(site.url("/@journal/feed.atom"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let entries: Vec<_> = doc
        .root_element()
        .children()
        .filter(|c| c.has_tag_name((atom, "entry")))
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        child(entries[0], "id"),
        site.url(&format!("/posts/{article}"))
    );
    assert!(child(entries[0], "content").contains("https://doi.org/10.2196/12345"));

    for no_feed in [
        "/@webinars/feed.atom",
        "/@ada/feed.atom",
        "/@nobody/feed.atom",
    ] {
        assert_eq!(
            reqwest::get(site.url(no_feed)).await.unwrap().status(),
            404,
            "{no_feed}"
        );
    }
}

/// The lines of an iCalendar text, checked for CRLF endings and 75-octet folding, unfolded.
async fn calendars_are_rfc_5545(db: TestDb) {
    let site = site(db).await;
    let year = webinar_year();
    let long_title = format!(
        "Shared decisions, {}",
        "a long title; with commas, ".repeat(5)
    );
    let event = site
        .publish(&site.ada, Place::Webinars, webinar(long_title.trim(), year))
        .await;
    site.publish(&site.ada, Place::Webinars, webinar("Long past", 2020))
        .await;

    let response = reqwest::get(site.url(&format!("/posts/{event}/event.ics")))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = response.text().await.unwrap();
    assert!(text.contains("\r\n "), "the long summary is folded");
    let lines = ical_lines(&text);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(lines.contains(&"VERSION:2.0".to_string()));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 1);
    assert!(
        lines.contains(&format!("DTSTART:{year}1201T230000Z")),
        "{lines:?}"
    );
    assert!(
        lines.contains(&format!("DTEND:{year}1202T003000Z")),
        "{lines:?}"
    );
    let post_url = site.url(&format!("/posts/{event}"));
    assert!(lines.contains(&format!("UID:{post_url}")));
    assert!(lines.contains(&format!("URL:{post_url}")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("DTSTAMP:") && l.ends_with('Z')));
    let summary = lines.iter().find(|l| l.starts_with("SUMMARY:")).unwrap();
    assert!(
        summary.contains("a long title\\; with commas\\, "),
        "{summary}"
    );
    let description = lines
        .iter()
        .find(|l| l.starts_with("DESCRIPTION:"))
        .unwrap();
    assert!(
        description.contains("Join online: https://meet.example/spm?room=1&lang=en"),
        "{description}"
    );
    assert!(description.contains("\\n\\n"));

    let response = reqwest::get(site.url("/webinars.ics")).await.unwrap();
    assert_eq!(response.status(), 200);
    let lines = ical_lines(&response.text().await.unwrap());
    assert_eq!(
        lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(),
        1,
        "not the old one"
    );
    assert!(lines.contains(&format!("DTSTART:{year}1201T230000Z")));

    let not_an_event = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Not an event", "x"),
        )
        .await;
    let not_event = reqwest::get(site.url(&format!("/posts/{not_an_event}/event.ics")))
        .await
        .unwrap();
    assert_eq!(not_event.status(), 404);
    publishing::delete(&site.data, &site.ada, event)
        .await
        .unwrap();
    let deleted = reqwest::get(site.url(&format!("/posts/{event}/event.ics")))
        .await
        .unwrap();
    assert_eq!(deleted.status(), 410);
}

both_databases!(
    home_page_lists_forums_announcements_and_upcoming_webinars,
    a_thread_shows_its_conversation_nested_by_parent,
    a_long_exchange_stops_nesting_at_six_levels,
    a_remote_reply_is_shown_with_its_handle_and_escaped,
    script_in_markdown_is_shown_as_text,
    a_reply_page_links_to_its_thread_and_what_it_answers,
    announcement_and_webinar_pages,
    a_deleted_post_answers_410,
    forum_pages_are_paged_newest_first_with_reply_counts,
    journal_webinars_member_and_tag_pages,
    a_members_page_lists_the_newest_posts_without_counting_them_all,
    other_pages_keep_working_with_the_headers,
    atom_feeds_parse_and_carry_the_entries,
    calendars_are_rfc_5545,
);
