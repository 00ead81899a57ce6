//! Helpers of `tests/web_pages.rs`: a browser-like GET with the checks every page passes (status,
//! security headers, landmarks), reading OpenGraph tags, reply depths and live tags out of HTML,
//! unfolding iCalendar, and an instance with two members and drafts of each kind.

#![allow(dead_code)]

use activitypub_federation::config::Data;
use chrono::Datelike;
use reqwest::{header, StatusCode};
use rounds::{
    model::{LocalActor, Role},
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
