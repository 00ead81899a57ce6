//! Webinars as iCalendar (RFC 5545): the feed of all of them (`/webinars.ics`, to subscribe to)
//! and one file per webinar (`/posts/{id}/event.ics`, to add it).
//!
//! Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character); text values
//! are escaped; times are in UTC, so no time-zone definitions are needed (calendars show them in
//! the reader's zone, and the page shows them in the webinar's).

use activitypub_federation::config::Data;
use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};

use super::layout::security_headers;
use crate::render::plain_text;
use crate::{
    db::now_millis, error::Result, federation::objects::post::post_url, model::Post,
    render::time::ical_utc, state::AppState,
};

/// How far back the feed keeps webinars that have ended.
const PAST_DAYS: i64 = 90;
/// The most webinars in the feed.
const FEED_LIMIT: i64 = 500;

/// `GET /webinars.ics`: upcoming webinars and those of the last [`PAST_DAYS`] days.
pub async fn webinars_ics(data: Data<AppState>) -> Result<Response> {
    let since = now_millis() - PAST_DAYS * 24 * 3600 * 1000;
    let events = data.db.events_ending_after(since, FEED_LIMIT).await?;
    let name = data
        .db
        .local_actor_by_name(crate::service::publishing::WEBINARS)
        .await?
        .map(|actor| actor.display_name)
        .unwrap_or_else(|| "Webinars".to_string());
    Ok(ics_response(&calendar(&data, &name, &events), None))
}

/// A calendar answer; `download` names the file when it is one to save rather than subscribe
/// to.
pub fn ics_response(body: &str, download: Option<&str>) -> Response {
    let mut response = body.to_string().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    if let Some(name) = download {
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    security_headers(headers);
    response
}

/// A VCALENDAR named `name` with one VEVENT per webinar.
pub fn calendar(data: &AppState, name: &str, events: &[Post]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Rounds//Society webinars//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        format!("NAME:{}", text(name)),
        format!("X-WR-CALNAME:{}", text(name)),
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H".to_string(),
    ];
    for event in events {
        lines.extend(vevent(data, event));
    }
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|line| fold(line)).collect()
}

fn vevent(data: &AppState, post: &Post) -> Vec<String> {
    let url = post_url(data, post);
    let join = post.details.join_url.as_deref().unwrap_or_default();
    let mut description = Vec::new();
    if let Some(summary) = &post.summary {
        description.push(summary.clone());
    }
    if !join.is_empty() {
        description.push(format!("Join online: {join}"));
    }
    let body = plain_text(&post.content_html);
    if !body.is_empty() {
        description.push(body);
    }
    description.push(format!("Details: {url}"));
    let changed = post.updated_at.unwrap_or(post.published_at);
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", text(url.as_str())),
        format!("DTSTAMP:{}", ical_utc(changed)),
        format!("LAST-MODIFIED:{}", ical_utc(changed)),
        format!("CREATED:{}", ical_utc(post.published_at)),
        format!("DTSTART:{}", ical_utc(post.starts_at.unwrap_or(0))),
        format!("DTEND:{}", ical_utc(post.ends_at.unwrap_or(0))),
        format!(
            "SUMMARY:{}",
            text(post.title.as_deref().unwrap_or("Webinar"))
        ),
        format!("DESCRIPTION:{}", text(&description.join("\n\n"))),
        format!("URL:{}", uri(url.as_str())),
        "STATUS:CONFIRMED".to_string(),
        "TRANSP:OPAQUE".to_string(),
    ];
    if !join.is_empty() {
        lines.push(format!("LOCATION:{}", text(join)));
    }
    lines.push("END:VEVENT".to_string());
    lines
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline escaped; other
/// control characters dropped.
pub fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// A URI value: no escaping, but no control characters either.
fn uri(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// One content line, folded (RFC 5545 §3.1): at most 75 octets per line, continuation lines
/// starting with a space; each line ends in CRLF.
pub fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut octets = 0;
    for c in line.chars() {
        if octets + c.len_utf8() > 75 {
            folded.push_str("\r\n ");
            octets = 1;
        }
        folded.push(c);
        octets += c.len_utf8();
    }
    folded.push_str("\r\n");
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("a,b;c\\d\nline\r\u{7}"), "a\\,b\\;c\\\\d\\nline");
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        let parts: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(parts.len() > 1);
        for (n, part) in parts.iter().enumerate() {
            assert!(part.len() <= 75, "{part}");
            assert_eq!(n > 0, part.starts_with(' '));
        }
        let unfolded: String = parts
            .iter()
            .enumerate()
            .map(|(n, part)| if n == 0 { *part } else { &part[1..] })
            .collect();
        assert_eq!(unfolded, line);
        assert_eq!(fold("VERSION:2.0"), "VERSION:2.0\r\n");
    }
}
