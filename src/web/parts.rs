//! Pieces that several pages share: an author's name, handle and participant label, a time, a
//! post's body behind its content warning, its hashtags, its edits and reactions, OpenGraph tags,
//! plain-text excerpts, list items and the pager.
//!
//! Everything here returns HTML built from escaped text, except the post bodies, which are
//! `content_html`, sanitized when it was stored (`render/`). Only http(s) addresses become links.

use std::collections::HashMap;

use url::Url;

use super::{escape, layout::SITE_NAME};
use crate::{
    db::pages::PostStats,
    error::Result,
    federation::objects::post::post_url,
    model::{Author, Post, PostKind},
    render::{
        plain_text,
        time::{event_when, local_rfc3339},
    },
    state::AppState,
    web::rfc3339,
};

/// Items on one page of a list (threads, announcements, a member's posts, past webinars).
pub const PER_PAGE: i64 = 20;

/// `href` for an address written by someone else: escaped, and only when it is http(s).
pub fn safe_href(address: &str) -> Option<String> {
    Url::parse(address)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(|url| escape(url.as_str()))
}

/// A time in UTC for people (`1 December 2026, 23:00 UTC`) in a `<time>` element.
pub fn time_html(millis: i64) -> String {
    let when = chrono::DateTime::from_timestamp_millis(millis)
        .unwrap_or_default()
        .format("%-d %B %Y, %H:%M UTC");
    format!("<time datetime=\"{}\">{when}</time>", rfc3339(millis))
}

/// A webinar's time span in its own zone, in a `<time>` element.
pub fn event_time_html(post: &Post) -> String {
    let zone = event_zone(post);
    let (starts, ends) = (post.starts_at.unwrap_or(0), post.ends_at.unwrap_or(0));
    format!(
        "<time datetime=\"{}\">{}</time>",
        escape(&local_rfc3339(starts, zone)),
        escape(&event_when(starts, ends, zone))
    )
}

/// The IANA zone a webinar is shown in.
pub fn event_zone(post: &Post) -> &str {
    post.details.timezone.as_deref().unwrap_or("UTC")
}

/// The name people read for an author.
pub fn author_name(author: &Author) -> String {
    match author {
        Author::Local {
            display_name, name, ..
        } => {
            if display_name.trim().is_empty() {
                name.clone()
            } else {
                display_name.clone()
            }
        }
        Author::Remote {
            display_name,
            preferred_username,
            ap_id,
            ..
        } => display_name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .or_else(|| preferred_username.clone())
            .unwrap_or_else(|| ap_id.clone()),
    }
}

/// An author's handle (`@name@domain`), when it has one.
pub fn author_handle(data: &AppState, author: &Author) -> Option<String> {
    match author {
        Author::Local { name, .. } => Some(format!("@{name}@{}", data.config.domain)),
        Author::Remote {
            preferred_username,
            instance,
            ..
        } => preferred_username
            .as_ref()
            .map(|user| format!("@{user}@{instance}")),
    }
}

/// The participant labels (clinician, patient, caregiver, researcher) that moderators gave the
/// authors of the posts on one page, read in one query and shown beside each name. Labels are
/// the Society's statement about a person, so they are shown wherever that person's posts are.
#[derive(Debug, Default)]
pub struct Labels(HashMap<String, String>);

impl Labels {
    /// The labels of the authors of `posts`.
    pub async fn of<'p>(
        data: &AppState,
        posts: impl IntoIterator<Item = &'p Post>,
    ) -> Result<Labels> {
        let mut ids: Vec<String> = posts
            .into_iter()
            .map(|post| author_id(data, &post.author))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(Labels(data.db.labels_of(&ids).await?.into_iter().collect()))
    }

    /// The label beside `author`'s name, or nothing.
    fn html(&self, data: &AppState, author: &Author) -> String {
        match self.0.get(&author_id(data, author)) {
            Some(label) => format!(
                " <span class=\"label\" title=\"Verified by the Society's moderators\">\
                 Verified {}</span>",
                escape(label)
            ),
            None => String::new(),
        }
    }
}

/// The ActivityPub id of an author, as labels are kept.
fn author_id(data: &AppState, author: &Author) -> String {
    match author {
        Author::Local { name, .. } => data.actor_url_named(name).to_string(),
        Author::Remote { ap_id, .. } => ap_id.clone(),
    }
}

/// An author's name, linked to their page (`/@name` here; their own address for a remote
/// author), their handle, and the participant label moderators gave them.
pub fn author_html(data: &AppState, author: &Author, labels: &Labels) -> String {
    let name = escape(&author_name(author));
    let link = match author {
        Author::Local { name: login, .. } => {
            format!("<a href=\"/@{}\" rel=\"author\">{name}</a>", escape(login))
        }
        Author::Remote {
            ap_id,
            profile_url,
            avatar_url,
            ..
        } => {
            // The avatar's address was checked (http(s), no credentials) when the actor was
            // stored, and again here; it is loaded without a referrer.
            let avatar = avatar_url
                .as_deref()
                .and_then(safe_href)
                .map(|src| {
                    format!(
                        "<img class=\"avatar\" src=\"{src}\" alt=\"\" width=\"32\" height=\"32\" \
                         loading=\"lazy\" referrerpolicy=\"no-referrer\"> "
                    )
                })
                .unwrap_or_default();
            match profile_url
                .as_deref()
                .or(Some(ap_id.as_str()))
                .and_then(safe_href)
            {
                Some(href) => {
                    format!("{avatar}<a href=\"{href}\" rel=\"author nofollow\">{name}</a>")
                }
                None => format!("{avatar}{name}"),
            }
        }
    };
    let handle = author_handle(data, author)
        .map(|handle| format!(" <span class=\"handle\">{}</span>", escape(&handle)))
        .unwrap_or_default();
    format!("{link}{handle}{}", labels.html(data, author))
}

/// "· edited <time>" when the post was edited; "· edited 3 times, last <time>" when its earlier
/// versions were kept more than once (`edits`, from [`PostStats`]).
pub fn edited_html(post: &Post, edits: i64) -> String {
    match (post.updated_at, edits) {
        (Some(at), 2..) => format!(" · edited {edits} times, last {}", time_html(at)),
        (None, 2..) => format!(" · edited {edits} times"),
        (Some(at), _) => format!(" · edited {}", time_html(at)),
        (None, _) => String::new(),
    }
}

/// "· 3 likes · 1 boost" for the reactions a post has; nothing when it has none.
pub fn reactions_html(stats: &PostStats) -> String {
    let count = |n: i64, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    let counts: Vec<String> = [
        count(stats.likes, "like", "likes"),
        count(stats.announces, "boost", "boosts"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if counts.is_empty() {
        return String::new();
    }
    format!(" · <span class=\"reactions\">{}</span>", counts.join(" · "))
}

/// The body of a post, folded behind its content warning when it has one.
pub fn body_html(post: &Post) -> String {
    match &post.content_warning {
        Some(warning) => format!(
            "<details class=\"cw\"><summary>Content warning: {}</summary>{}</details>",
            escape(warning),
            post.content_html
        ),
        None => post.content_html.clone(),
    }
}

/// The path of a tag's page (percent-encoded, lower-cased).
pub fn tag_path(data: &AppState, tag: &str) -> String {
    data.url(&format!("/tags/{}", tag.to_lowercase()))
        .path()
        .to_string()
}

/// A post's hashtags as links to their pages, or nothing.
pub fn hashtags_html(data: &AppState, post: &Post) -> String {
    if post.details.hashtags.is_empty() {
        return String::new();
    }
    let links: Vec<String> = post
        .details
        .hashtags
        .iter()
        .map(|tag| {
            format!(
                "<a href=\"{}\" rel=\"tag\">#{}</a>",
                escape(&tag_path(data, tag)),
                escape(tag)
            )
        })
        .collect();
    let links = links.join(" ");
    format!("<p class=\"tags\">Tags: {links}</p>")
}

/// At most `max` characters of `text`, cut at a word and ended with `…` when shortened.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at_word = match cut.rfind(' ') {
        Some(space) if space > max / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end())
}

/// What a post is about in one short plain text: its content warning when it has one (so the
/// body stays folded in previews too), else its summary, else the start of its body.
pub fn description(post: &Post) -> String {
    if let Some(warning) = &post.content_warning {
        return format!("Content warning: {warning}");
    }
    let text = match (&post.summary, post.kind) {
        (_, PostKind::Event) => crate::federation::objects::post::event_summary(post),
        (Some(summary), _) => summary.clone(),
        (None, _) => plain_text(&post.content_html),
    };
    excerpt(&text, 200)
}

/// A post's title for lists and the `<title>`: its own, or the start of its words.
pub fn post_title(post: &Post) -> String {
    match &post.title {
        Some(title) => title.clone(),
        None => {
            let words = if post.content_warning.is_some() {
                description(post)
            } else {
                excerpt(&plain_text(&post.content_html), 60)
            };
            format!("Reply by {}: {words}", author_name(&post.author))
        }
    }
}

/// The `<head>` of a post's page: OpenGraph tags and its ActivityPub id as the alternate.
pub fn post_head(data: &AppState, post: &Post, title: &str) -> String {
    let id = post_url(data, post);
    let mut head = format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{id}\">\
         <meta name=\"description\" content=\"{description}\">\
         <meta property=\"og:title\" content=\"{title}\">\
         <meta property=\"og:description\" content=\"{description}\">\
         <meta property=\"og:url\" content=\"{id}\">\
         <meta property=\"og:type\" content=\"article\">\
         <meta property=\"og:site_name\" content=\"{site}\">\
         <meta property=\"article:published_time\" content=\"{published}\">",
        id = escape(id.as_str()),
        title = escape(title),
        description = escape(&description(post)),
        site = escape(SITE_NAME),
        published = rfc3339(post.published_at),
    );
    if let Some(updated) = post.updated_at {
        head.push_str(&format!(
            "<meta property=\"article:modified_time\" content=\"{}\">",
            rfc3339(updated)
        ));
    }
    head
}

/// A post in a list: its title linked to its page, who and when, and what a reader needs to
/// choose (the reply count of a thread, a webinar's time, the start of the words).
pub fn post_item(data: &AppState, post: &Post, replies: Option<i64>, labels: &Labels) -> String {
    let mut meta = vec![];
    if !matches!(post.kind, PostKind::Article | PostKind::Event) {
        meta.push(format!("by {}", author_html(data, &post.author, labels)));
    }
    meta.push(time_html(post.published_at));
    if let Some(replies) = replies {
        meta.push(match replies {
            1 => "1 reply".to_string(),
            n => format!("{n} replies"),
        });
    }
    let when = if post.kind == PostKind::Event {
        format!("<p>{}</p>", event_time_html(post))
    } else {
        String::new()
    };
    let about = match (post.kind, &post.summary) {
        (PostKind::Article, Some(summary)) => format!("<p>{}</p>", escape(&excerpt(summary, 200))),
        _ => String::new(),
    };
    format!(
        "<li><article><h3><a href=\"/posts/{id}\">{title}</a></h3>{when}\
         <p class=\"meta\">{meta}</p>{about}</article></li>",
        id = post.id,
        title = escape(&post_title(post)),
        meta = meta.join(" · "),
    )
}

/// Links to the newer and older pages of a list at `path` (`?page=N`, page 1 is `path` itself).
pub fn pager(path: &str, page: i64, total: i64, newer: &str, older: &str) -> String {
    pager_to(path, page, last_page(total), newer, older)
}

/// Links to the pages before and after `page` of `last` at `path`: `rel="prev"` labelled
/// `newer`, `rel="next"` labelled `older`; nothing when there is one page.
pub fn pager_to(path: &str, page: i64, last: i64, newer: &str, older: &str) -> String {
    if last <= 1 {
        return String::new();
    }
    let href = |n: i64| {
        if n == 1 {
            escape(path)
        } else {
            format!("{}?page={n}", escape(path))
        }
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!(
            "<a rel=\"prev\" href=\"{}\">← {newer}</a>",
            href(page - 1)
        ));
    }
    links.push(format!("<span>Page {page} of {last}</span>"));
    if page < last {
        links.push(format!(
            "<a rel=\"next\" href=\"{}\">{older} →</a>",
            href(page + 1)
        ));
    }
    format!(
        "<nav class=\"pager\" aria-label=\"Pages\">{}</nav>",
        links.concat()
    )
}

/// The number of pages a list of `total` items fills (at least one).
pub fn last_page(total: i64) -> i64 {
    ((total + PER_PAGE - 1) / PER_PAGE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_a_word() {
        assert_eq!(excerpt("one two three", 20), "one two three");
        assert_eq!(excerpt("one two three four", 12), "one two…");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(
            safe_href("https://a.example/x?a=1&b=\"2\"").as_deref(),
            Some("https://a.example/x?a=1&amp;b=%222%22")
        );
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href("data:text/html,hi"), None);
        assert_eq!(safe_href("/relative"), None);
    }

    #[test]
    fn reactions_and_edits_are_counted_in_words() {
        let stats = |likes, announces| PostStats {
            likes,
            announces,
            edits: 0,
        };
        assert_eq!(reactions_html(&stats(0, 0)), "");
        assert_eq!(
            reactions_html(&stats(3, 1)),
            " · <span class=\"reactions\">3 likes · 1 boost</span>"
        );
        assert_eq!(
            reactions_html(&stats(1, 0)),
            " · <span class=\"reactions\">1 like</span>"
        );
        assert_eq!(
            reactions_html(&stats(0, 2)),
            " · <span class=\"reactions\">2 boosts</span>"
        );
    }

    #[test]
    fn the_pager_links_both_ways() {
        let middle = pager("/@community", 2, 45, "Newer", "Older");
        assert!(middle.contains("rel=\"prev\" href=\"/@community\""));
        assert!(middle.contains("rel=\"next\" href=\"/@community?page=3\""));
        assert!(middle.contains("Page 2 of 3"));
        assert_eq!(pager("/@community", 1, 20, "Newer", "Older"), "");
    }
}
