//! Helpers of `tests/web_pages.rs` and `tests/web_replies.rs`: a browser-like GET with the checks
//! every page passes (status, security headers, landmarks), reading OpenGraph tags, reply depths
//! and live tags out of HTML, unfolding iCalendar, an instance with two members and drafts of
//! each kind, a browser that logs in through `/login`, and replies stored directly (many local
//! ones at once, or a remote one addressed as a test needs).

#![allow(dead_code)]

use activitypub_federation::config::Data;
use chrono::Datelike;
use reqwest::{header, StatusCode};
use rounds::{
    db::{
        actors::NewRemoteActor,
        posts::{NewPost, PostContent},
        Db,
    },
    model::{LocalActor, PostDetails, PostKind, Role, Visibility},
    service::{
        actors::add_member,
        post_rules::Draft,
        publishing::{self, Place},
    },
    state::AppState,
};

use crate::common::{TestDb, TestInstance};

pub const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub struct Page {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub html: String,
}

/// GET as a browser does.
pub async fn browse(url: &str) -> Page {
    let response = reqwest::Client::new()
        .get(url)
        .header(
            header::ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    Page {
        status: response.status(),
        headers: response.headers().clone(),
        html: response.text().await.unwrap(),
    }
}

/// A page that answered 200 with the security headers, an HTML5 frame and landmarks.
pub async fn page_ok(url: &str) -> String {
    let page = browse(url).await;
    assert_eq!(page.status, 200, "{url}: {}", page.html);
    assert_secure(&page.headers, url);
    assert!(page.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.html.starts_with("<!DOCTYPE html>"), "{url}");
    for landmark in ["<html lang=\"en\">", "<main id=\"main\">", "<nav ", "<h1"] {
        assert!(page.html.contains(landmark), "{url} lacks {landmark}");
    }
    page.html
}

pub fn assert_secure(headers: &header::HeaderMap, url: &str) {
    assert_eq!(headers["content-security-policy"], CSP, "{url}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{url}");
    assert_eq!(headers["referrer-policy"], "same-origin", "{url}");
}

/// The value of `<meta property="{property}" content="...">`.
pub fn meta(html: &str, property: &str) -> String {
    let marker = format!("<meta property=\"{property}\" content=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {property} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Where `needle` first is; panics when absent.
pub fn at(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {html}"))
}

/// How many `<ol class="replies">` are open at `position`: a reply's nesting depth.
pub fn depth(html: &str, position: usize) -> i64 {
    let before = &html[..position];
    before.matches("<ol class=\"replies\">").count() as i64 - before.matches("</ol>").count() as i64
}

/// Every tag (`<...>`) of a document with its quoted attribute values emptied: the names of
/// the elements and attributes a browser would act on.
pub fn tags_of(html: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |end| start + end + 1);
        let mut in_value = false;
        let tag: String = rest[start..end]
            .chars()
            .filter(|c| {
                if *c == '"' {
                    in_value = !in_value;
                    return true;
                }
                !in_value
            })
            .collect();
        tags.push(tag);
        rest = &rest[end..];
    }
    tags
}

pub struct Site {
    pub rounds: TestInstance,
    pub data: Data<AppState>,
    pub ada: LocalActor,
    pub ben: LocalActor,
}

pub async fn site(db: TestDb) -> Site {
    let rounds = TestInstance::spawn(db).await;
    let state = rounds.state();
    let ada = add_member(&state.db, "ada", Role::Author)
        .await
        .unwrap()
        .actor;
    let ben = add_member(&state.db, "ben", Role::Author)
        .await
        .unwrap()
        .actor;
    let data = rounds.federation.to_request_data();
    Site {
        rounds,
        data,
        ada,
        ben,
    }
}

pub fn thread(title: &str, body: &str) -> Draft {
    Draft {
        title: Some(title.into()),
        body: Some(body.into()),
        ..Draft::default()
    }
}

pub fn reply(body: &str) -> Draft {
    Draft {
        body: Some(body.into()),
        ..Draft::default()
    }
}

impl Site {
    pub async fn publish(&self, who: &LocalActor, place: Place<'_>, draft: Draft) -> i64 {
        publishing::publish(&self.data, who, place, &draft)
            .await
            .unwrap()
            .post
            .id
    }

    pub fn url(&self, path: &str) -> String {
        self.rounds.url(path)
    }
}

/// Next year's 1 December at 18:00 in New York (EST, UTC-5): 23:00 UTC.
pub fn webinar_year() -> i32 {
    chrono::Utc::now().year() + 1
}

pub fn webinar(title: &str, year: i32) -> Draft {
    Draft {
        title: Some(title.into()),
        summary: Some("Preparing for a visit together, with time for questions.".into()),
        body: Some("Bring your **questions**.".into()),
        starts_at: Some(format!("{year}-12-01T18:00:00-05:00")),
        ends_at: Some(format!("{year}-12-01T19:30:00-05:00")),
        timezone: Some("America/New_York".into()),
        join_url: Some("https://meet.example/spm?room=1&lang=en".into()),
        capacity: Some(100),
        ..Draft::default()
    }
}

pub fn announcement(title: &str) -> Draft {
    Draft {
        title: Some(title.into()),
        summary: Some("A study of 40 papers written with patients.".into()),
        body: Some("Patients were **co-authors** of every paper.".into()),
        link: Some("https://jopm.example/article/42".into()),
        doi: Some("10.2196/12345".into()),
        tags: Some(vec!["Research".into()]),
        ..Draft::default()
    }
}

pub async fn community_id(state: &AppState) -> i64 {
    state
        .db
        .local_actor_by_name("community")
        .await
        .unwrap()
        .unwrap()
        .id
}

pub fn ical_lines(text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'), "a bare LF");
    assert!(!text.replace("\r\n", "").contains('\r'), "a bare CR");
    let physical: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    for line in &physical {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    let mut lines: Vec<String> = Vec::new();
    for line in physical {
        match line.strip_prefix(' ') {
            Some(rest) => lines.last_mut().unwrap().push_str(rest),
            None => lines.push(line.to_string()),
        }
    }
    lines
}

/// A browser with its own cookie jar of one: the session cookie once logged in.
pub struct Browser {
    pub client: reqwest::Client,
    pub cookie: Option<String>,
}

impl Browser {
    /// A visitor who is not logged in (redirects are not followed, so that they can be read).
    pub fn anonymous() -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    /// Logs in through `/login` as a person would: the form's CSRF token and its cookie, then
    /// the session cookie from the answer.
    pub async fn log_in(site: &Site, name: &str, password: &str) -> Browser {
        let mut browser = Browser::anonymous();
        let login = browser.client.get(site.url("/login")).send().await.unwrap();
        let login_csrf = cookie_set(&login, "rounds_login_csrf").unwrap();
        let form = login.text().await.unwrap();
        assert_eq!(csrf_in(&form), login_csrf);
        let answer = browser
            .client
            .post(site.url("/login"))
            .header(header::COOKIE, format!("rounds_login_csrf={login_csrf}"))
            .form(&[
                ("name", name),
                ("password", password),
                ("csrf", &login_csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let session = cookie_set(&answer, "rounds_session").unwrap();
        browser.cookie = Some(format!("rounds_session={session}"));
        browser
    }

    /// GET as a browser does, with the session cookie if there is one.
    pub async fn get(&self, url: &str) -> Page {
        let mut request = self.client.get(url).header(
            header::ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        );
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            html: response.text().await.unwrap(),
        }
    }

    /// POSTs a form, with the session cookie if there is one.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.post(url).form(form);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send().await.unwrap()
    }
}

/// A new member with `role`, logged in.
pub async fn logged_in_member(site: &Site, name: &str, role: Role) -> (LocalActor, Browser) {
    let member = add_member(&site.rounds.state().db, name, role)
        .await
        .unwrap();
    let browser = Browser::log_in(site, name, &member.password).await;
    (member.actor, browser)
}

/// The value a response sets for cookie `name`.
pub fn cookie_set(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|line| line.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap().to_string())
}

/// The value of the hidden `csrf` field of the page's first form.
pub fn csrf_in(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = at(page, marker) + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// Replies by `ada` stored directly (one transaction, a millisecond apart, in order), each
/// answering its `parent` in the thread `root`; their ids.
pub async fn store_replies(site: &Site, root: i64, replies: &[(i64, String)]) -> Vec<i64> {
    let state = site.rounds.state();
    let details = PostDetails::default();
    let base = rounds::db::now_millis();
    let community = community_id(&state).await;
    let mut tx = state.db.begin().await.unwrap();
    let mut ids = Vec::new();
    for (n, (parent, html)) in replies.iter().enumerate() {
        ids.push(
            Db::insert_post(
                &mut tx,
                &NewPost {
                    ap_id: None,
                    kind: PostKind::Reply,
                    author_local_id: Some(site.ada.id),
                    author_remote_id: None,
                    audience_id: community,
                    root_id: Some(root),
                    parent_id: Some(*parent),
                    content: PostContent {
                        title: None,
                        summary: None,
                        content_warning: None,
                        source: None,
                        content_html: html,
                        details: &details,
                        starts_at: None,
                        ends_at: None,
                    },
                    visibility: Visibility::Public,
                    remote_url: None,
                    published_at: base + n as i64,
                    activity_ap_id: None,
                },
            )
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    ids
}

/// `zoe@mastodon.example`, a plain remote actor.
pub fn zoe() -> NewRemoteActor {
    remote_actor(
        "https://mastodon.example/users/zoe",
        Some("zoe"),
        Some("Zoë"),
    )
}

pub use crate::common::remote_actor;

/// A reply by the remote actor `zoe@mastodon.example` to `parent` in the thread `root`,
/// addressed as `visibility` says, stored as the inbox would; its id.
pub async fn store_remote_reply(
    site: &Site,
    root: i64,
    parent: i64,
    html: &str,
    visibility: Visibility,
) -> i64 {
    let ap_id = format!(
        "https://mastodon.example/users/zoe/statuses/{:x}",
        rand::random::<u64>()
    );
    let reply = RemoteReply {
        html,
        visibility,
        ..RemoteReply::new(&ap_id, root, parent)
    };
    store_reply_by(site, &zoe(), &reply).await
}

/// What [`store_reply_by`] stores.
pub struct RemoteReply<'a> {
    pub ap_id: &'a str,
    pub root: i64,
    pub parent: i64,
    pub html: &'a str,
    pub content_warning: Option<&'a str>,
    pub visibility: Visibility,
    pub remote_url: Option<&'a str>,
}

impl<'a> RemoteReply<'a> {
    /// A public reply saying "hello", without content warning or original address.
    pub fn new(ap_id: &'a str, root: i64, parent: i64) -> RemoteReply<'a> {
        RemoteReply {
            ap_id,
            root,
            parent,
            html: "<p>hello</p>",
            content_warning: None,
            visibility: Visibility::Public,
            remote_url: None,
        }
    }
}

/// `reply` by `author` (stored, or updated, first) in the community forum, stored as the inbox
/// would; its id.
pub async fn store_reply_by(site: &Site, author: &NewRemoteActor, reply: &RemoteReply<'_>) -> i64 {
    let state = site.rounds.state();
    let author = state.db.upsert_remote_actor(author).await.unwrap();
    let details = PostDetails::default();
    let community = community_id(&state).await;
    let mut tx = state.db.begin().await.unwrap();
    let id = Db::insert_post(
        &mut tx,
        &NewPost {
            ap_id: Some(reply.ap_id),
            kind: PostKind::Reply,
            author_local_id: None,
            author_remote_id: Some(author.id),
            audience_id: community,
            root_id: Some(reply.root),
            parent_id: Some(reply.parent),
            content: PostContent {
                title: None,
                summary: None,
                content_warning: reply.content_warning,
                source: None,
                content_html: reply.html,
                details: &details,
                starts_at: None,
                ends_at: None,
            },
            visibility: reply.visibility,
            remote_url: reply.remote_url,
            published_at: rounds::db::now_millis(),
            activity_ap_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}
