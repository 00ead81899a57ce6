//! The web pages people read in a browser (home, actors, posts, threads, tags), their feeds
//! (Atom, iCalendar), members' login and account pages and their reply form, the moderators'
//! console under `/mod` (`console/`), a forum's published moderation log; and `/metrics` for
//! the operator's monitoring.
//! One file per area; the router is here.
//!
//! Architecture invariant: every piece of text that reaches HTML goes through `escape` (or
//! `paragraphs`); our own text included, so a forum title cannot break a page. User content
//! reaches pages only as the `content_html` that `render/` sanitized.
//!
//! Architecture invariant: every page is a `layout::Page`, which answers with the security
//! headers (a policy that allows no script); feeds and calendars add the same headers.

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};

pub mod account;
pub mod actors;
pub mod calendar;
mod console;
pub mod conversation;
pub mod feeds;
pub mod home;
pub mod layout;
pub mod metrics;
pub mod parts;
pub mod posts;
pub mod public_log;
pub mod replies;
pub mod tags;
pub mod thread;

pub use actors::actor_page;
pub(crate) use layout::page;

const ICON: &[u8] = include_bytes!("icon.png");

pub fn router() -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/{at_name}", get(actors::profile))
        .route("/{at_name}/feed.atom", get(feeds::feed))
        .route("/{at_name}/log", get(public_log::forum_log))
        .route("/tags/{tag}", get(tags::tag_page))
        .route("/webinars.ics", get(calendar::webinars_ics))
        .route("/posts/{id}/event.ics", get(posts::event_ics))
        .route(
            "/posts/{id}/reply",
            get(replies::reply_page).post(replies::post_reply),
        )
        .route("/icon.png", get(icon))
        .route("/metrics", get(metrics::metrics))
        .route("/login", get(account::login_page).post(account::log_in))
        .route("/logout", post(account::log_out))
        .route("/account", get(account::account))
        .route("/account/tokens", post(account::make_token))
        .merge(console::router())
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// Plain text to HTML paragraphs: blank lines separate paragraphs, everything escaped.
pub fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| format!("<p>{}</p>", escape(paragraph).replace('\n', "<br>")))
        .collect()
}

async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        ICON,
    )
        .into_response()
}

/// A Unix-ms time as RFC 3339 in UTC, to the second (`2026-11-25T17:02:11Z`).
pub fn rfc3339(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_into_paragraphs() {
        assert_eq!(
            paragraphs("a <b>\n& c\n\n\"d\""),
            "<p>a &lt;b&gt;<br>&amp; c</p><p>&quot;d&quot;</p>"
        );
    }
}
