//! The moderator console clicked through in headless Chromium (driven by chromedriver over
//! WebDriver), on SQLite and PostgreSQL, against a Rounds instance with independent peers: one
//! whose actor follows `@community` (the watcher), one whose actors reply (the replier), and one
//! whose instance gets suspended (the rogue).
//!
//! A moderator logs in through the login form, sets the forum to hold every remote reply,
//! approves one held reply and rejects another, removes the approved one, bans its author and
//! suspends the rogue's instance, each by filling and submitting the console's forms. Then: the
//! watcher received the Group's `Announce` of the approved reply and none of the rejected one,
//! and the `Announce` of the `Delete` after the removal, which the console shows delivered to
//! its instance; the banned actor's and the suspended instance's new replies are refused (403)
//! and not stored, while another actor of the replier's instance is still heard. Last, an
//! author logs in and is refused the console (403).
//!
//! Chromium and chromedriver come from Debian's `chromium` and `chromium-driver` packages; when
//! they are missing the test fails, unless `ROUNDS_SKIP_BROWSER_TESTS=1`.

mod common;

use std::sync::Arc;

use common::{
    eventually, follow,
    peer::Peer,
    signing,
    webdriver::{Driver, Session},
    TestDb, TestInstance,
};
use rounds::{
    db::Db,
    model::{Post, Role},
    service::{
        actors::add_member,
        moderation::{console, holds::ReplyPolicy},
    },
};
use serde_json::Value;

/// Signs and posts a reply by `actor` of `peer` to `parent`; the note and the status.
async fn reply(
    rounds: &TestInstance,
    peer: &Peer,
    actor: &str,
    parent: &str,
    content: &str,
) -> (Value, u16) {
    let note = peer.note(actor, Some(parent), content, None);
    let (status, body) = signing::post(
        &rounds.url("/inbox"),
        peer.create(&note).to_string().as_bytes(),
        Some(&peer.signer(actor)),
        &signing::SignOptions::default(),
    )
    .await;
    assert!(status.as_u16() < 500, "{status}: {body}");
    (note, status.as_u16())
}

/// The stored post with this ActivityPub id.
async fn stored(rounds: &TestInstance, note: &Value) -> Option<Post> {
    let state = rounds.state();
    let mut conn = state.db.pool.acquire().await.unwrap();
    Db::post_by_ap_id(&mut conn, note["id"].as_str().unwrap())
        .await
        .unwrap()
}

/// Logs in through the login form, as a person would.
async fn log_in(browser: &Session, rounds: &TestInstance, name: &str, password: &str) {
    if !browser.url().await.ends_with("/login") {
        browser.goto(&rounds.url("/login")).await;
    }
    browser.type_into("#name", name).await;
    browser.type_into("#password", password).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for("API tokens").await;
}

/// Whether `peer` received the Group's `Announce` of a `kind` activity about `note`.
fn announced(peer: &Peer, kind: &str, note: &Value) -> bool {
    peer.arrivals_of("Announce").iter().any(|arrival| {
        arrival.activity["object"]["type"] == kind
            && arrival.activity["object"]["object"]["id"] == note["id"]
    })
}

async fn scenario(db: TestDb, browser: Arc<Session>) {
    let rounds = TestInstance::spawn(db).await;
    let state = rounds.state();
    let watcher = Peer::spawn().await;
    let replier = Peer::spawn().await;
    let rogue = Peer::spawn().await;
    follow(&watcher, "bob", rounds.port, "community").await;
    let mo = add_member(&state.db, "mo", Role::Moderator).await.unwrap();
    let aubrey = add_member(&state.db, "aubrey", Role::Author).await.unwrap();
    let thread = common::start_thread(&rounds, "Pacing", "What helped you?")
        .await
        .id
        .to_string();

    // Not logged in: the console sends the browser to the login form.
    browser.goto(&rounds.url("/mod")).await;
    assert!(
        browser.url().await.ends_with("/login"),
        "{}",
        browser.url().await
    );
    log_in(&browser, &rounds, "mo", &mo.password).await;
    browser.goto(&rounds.url("/mod")).await;
    browser.wait_for("Logged in as mo.").await;

    // The forum holds every reply from other servers.
    browser.goto(&rounds.url("/mod/policies")).await;
    browser
        .click("#policy-community option[value=hold_remote]")
        .await;
    browser
        .click("#owner-community form[action='/mod/policies'] button[type=submit]")
        .await;
    browser.wait_for("The reply policy is set.").await;
    assert_eq!(
        console::reply_policy_of(&state, "community").await.unwrap(),
        ReplyPolicy::HoldRemote
    );

    let (kept, status) = reply(&rounds, &replier, "alice", &thread, "<p>Short walks.</p>").await;
    assert_eq!(status, 202);
    let (dropped, status) = reply(&rounds, &replier, "carol", &thread, "<p>Buy pills</p>").await;
    assert_eq!(status, 202);
    let kept_post = stored(&rounds, &kept).await.unwrap();
    let dropped_post = stored(&rounds, &dropped).await.unwrap();
    assert!(kept_post.held_reason.is_some() && dropped_post.held_reason.is_some());
    let (kept_id, dropped_id) = (kept_post.id, dropped_post.id);

    // The queue: one approved, one rejected with its author's server told.
    browser.goto(&rounds.url("/mod/queue")).await;
    let queue = browser.wait_for("Short walks.").await;
    assert!(queue.contains("Buy pills"), "{queue}");
    assert!(queue.contains("every reply from other servers is held"));
    browser
        .type_into(&format!("#approve-reason-{kept_id}"), "kind words")
        .await;
    browser
        .click(&format!(
            "form[action='/mod/queue/{kept_id}/approve'] button[type=submit]"
        ))
        .await;
    browser.wait_for("Approved: the reply is shown").await;
    browser
        .type_into(&format!("#reject-reason-{dropped_id}"), "advertising")
        .await;
    browser.click(&format!("#reject-notify-{dropped_id}")).await;
    browser
        .click(&format!(
            "form[action='/mod/queue/{dropped_id}/reject'] button[type=submit]"
        ))
        .await;
    let queue = browser
        .wait_for("Rejected: the reply's words are erased, and")
        .await;
    assert!(queue.contains("Nothing is held."), "{queue}");

    // The follower on another instance receives the Group's Announce of the approved reply.
    assert!(
        eventually(30, || async { announced(&watcher, "Create", &kept) }).await,
        "no Announce of the approved reply: {:?}",
        watcher.received()
    );
    let told = eventually(30, || async {
        replier
            .arrivals_of("Reject")
            .iter()
            .any(|arrival| arrival.activity["object"] == dropped["id"])
    });
    assert!(told.await, "the rejected reply's author was told");
    assert!(stored(&rounds, &dropped).await.unwrap().is_deleted());

    // Removal: a Delete through the Group, shown delivered per instance on the post's page.
    browser
        .goto(&rounds.url(&format!("/mod/posts/{kept_id}")))
        .await;
    browser
        .type_into(&format!("#remove-reason-{kept_id}"), "off topic")
        .await;
    browser
        .click(&format!(
            "form[action='/mod/posts/{kept_id}/remove'] button[type=submit]"
        ))
        .await;
    browser.wait_for("Removed: the post is hidden here").await;
    assert!(
        eventually(30, || async { announced(&watcher, "Delete", &kept) }).await,
        "no Announce of the Delete: {:?}",
        watcher.received()
    );
    let delivered = format!(
        "<td>{}</td><td class=\"state\">delivered</td>",
        watcher.domain()
    );
    let shown = eventually(30, || async {
        browser
            .goto(&rounds.url(&format!("/mod/posts/{kept_id}")))
            .await;
        browser.source().await.contains(&delivered)
    });
    assert!(shown.await, "{}", browser.source().await);
    // One instance's deliveries go in order, and the Delete came after: the rejected reply
    // would have been announced before it.
    assert!(
        !announced(&watcher, "Create", &dropped),
        "the rejected reply was announced"
    );
    assert!(stored(&rounds, &kept).await.unwrap().removed_at.is_some());

    // A ban of the approved reply's author, named by handle.
    browser.goto(&rounds.url("/mod/bans")).await;
    let handle = format!("@alice@{}", replier.domain());
    browser.type_into("#ban-actor", &handle).await;
    browser.type_into("#ban-reason", "spam").await;
    browser
        .click("form[action='/mod/bans'] button[type=submit]")
        .await;
    let bans = browser.wait_for("Banned: the actor").await;
    assert!(bans.contains(&replier.actor_id("alice")), "{bans}");

    // A suspension of the rogue's instance.
    browser.goto(&rounds.url("/mod/instances")).await;
    browser.type_into("#instance-name", &rogue.domain()).await;
    browser
        .click("#instance-policy option[value=suspend]")
        .await;
    browser.type_into("#instance-reason", "spam wave").await;
    browser
        .click("form[action='/mod/instances'] button[type=submit]")
        .await;
    let instances = browser.wait_for("Suspended: nothing is taken").await;
    assert!(instances.contains(&rogue.domain()), "{instances}");

    // Now the banned actor and the suspended instance are refused, and nothing is stored;
    // another actor of the replier's instance is still heard (and held).
    let (late, status) = reply(&rounds, &replier, "alice", &thread, "<p>Again</p>").await;
    assert_eq!(status, 403, "the banned actor");
    assert!(stored(&rounds, &late).await.is_none());
    let (spam, status) = reply(&rounds, &rogue, "dave", &thread, "<p>Spam</p>").await;
    assert_eq!(status, 403, "the suspended instance");
    assert!(stored(&rounds, &spam).await.is_none());
    let (heard, status) = reply(&rounds, &replier, "carol", &thread, "<p>Still here</p>").await;
    assert_eq!(status, 202);
    assert!(stored(&rounds, &heard).await.unwrap().held_reason.is_some());

    // Every decision is in the log, found by the console's search.
    browser.goto(&rounds.url("/mod/log?q=spam")).await;
    let log = browser.wait_for("ban from the server").await;
    assert!(
        log.contains("spam wave") && !log.contains("advertising"),
        "{log}"
    );

    // An author logs in, and is refused the console.
    browser.delete_cookies().await;
    log_in(&browser, &rounds, "aubrey", &aubrey.password).await;
    browser.goto(&rounds.url("/mod")).await;
    let refused = browser.wait_for("<h1>Not allowed</h1>").await;
    assert!(refused.contains("the console is for moderators and admins"));
    assert!(!refused.contains("Logged in as"));
    let session = browser.cookie("rounds_session").await.unwrap();
    let response = reqwest::Client::new()
        .get(rounds.url("/mod"))
        .header("cookie", format!("rounds_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

async fn moderators_decide_in_the_browser(db: TestDb) {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let browser = Arc::new(driver.session().await);
    // The scenario runs as its own task so that the browser is closed even when it fails.
    let outcome = tokio::spawn(scenario(db, browser.clone())).await;
    if let Ok(browser) = Arc::try_unwrap(browser) {
        browser.quit().await;
    }
    drop(driver);
    if let Err(err) = outcome {
        if err.is_panic() {
            std::panic::resume_unwind(err.into_panic());
        }
        panic!("the scenario did not finish: {err}");
    }
}

both_databases!(moderators_decide_in_the_browser);
