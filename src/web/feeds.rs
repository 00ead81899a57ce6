//! Atom feeds (RFC 4287): a forum's newest threads and the journal's newest announcements, at
//! `/@{name}/feed.atom`. Each entry carries the post's sanitized HTML as escaped `html` content.
//!
//! Every piece of text is escaped for XML, and characters XML 1.0 cannot hold are dropped, so
//! the feed is well-formed whatever was written.

use activitypub_federation::config::Data;
use axum::{
    extract::Path,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};

use super::{
    layout::{security_headers, SITE_NAME},
    parts::{author_name, body_html, safe_href},
    posts::doi_url,
};
use crate::{
    error::{Error, Result},
    federation::objects::post::{author_url, post_url},
    model::{ActorKind, LocalActor, Post, PostKind},
    service::publishing::JOURNAL,
    state::AppState,
    web::{escape, rfc3339},
};

/// Entries in a feed.
const FEED_SIZE: i64 = 50;

/// `GET /@{name}/feed.atom`: a forum's or the journal's feed; 404 for other actors.
pub async fn feed(data: Data<AppState>, Path(at_name): Path<String>) -> Result<Response> {
    let name = at_name.strip_prefix('@').ok_or(Error::NotFound)?;
    let actor = data
        .db
        .local_actor_by_name(name)
        .await?
        .ok_or(Error::NotFound)?;
    let kind = match actor.kind {
        ActorKind::Group => PostKind::Thread,
        ActorKind::Organization if actor.name == JOURNAL => PostKind::Article,
        _ => return Err(Error::NotFound),
    };
    let (posts, _) = data.db.visible_roots(actor.id, kind, FEED_SIZE, 0).await?;
    let mut response = atom(&data, &actor, &posts).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    security_headers(headers);
    Ok(response)
}

/// Text as XML character data or attribute value.
pub fn xml(text: &str) -> String {
    let allowed: String = text
        .chars()
        .filter(|c| {
            matches!(c, '\t' | '\n' | '\r')
                || matches!(*c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        })
        .collect();
    escape(&allowed)
}

/// The feed document of `actor` with these posts, newest first.
pub fn atom(data: &AppState, actor: &LocalActor, posts: &[Post]) -> String {
    let page = data.url(&format!("/@{}", actor.name));
    let feed = data.url(&format!("/@{}/feed.atom", actor.name));
    let updated = posts
        .iter()
        .map(|post| post.updated_at.unwrap_or(post.published_at))
        .max()
        .unwrap_or(actor.created_at);
    let entries: String = posts.iter().map(|post| entry(data, post)).collect();
    let subtitle = if actor.summary.trim().is_empty() {
        String::new()
    } else {
        format!("<subtitle>{}</subtitle>", xml(&actor.summary))
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\
         <id>{page}</id><title>{title}</title>{subtitle}\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{feed}\"/>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{page}\"/>\
         <updated>{updated}</updated>\
         <author><name>{site}</name><uri>{base}</uri></author>\
         <generator>Rounds</generator>\
         <icon>{icon}</icon>{entries}</feed>\n",
        page = xml(page.as_str()),
        feed = xml(feed.as_str()),
        title = xml(&actor.display_name),
        updated = rfc3339(updated),
        site = xml(SITE_NAME),
        base = xml(data.url("/").as_str()),
        icon = xml(data.url("/icon.png").as_str()),
    )
}

fn entry(data: &AppState, post: &Post) -> String {
    let id = post_url(data, post);
    let mut html = String::new();
    if let Some(summary) = post
        .summary
        .as_deref()
        .filter(|_| post.kind == PostKind::Article)
    {
        html.push_str(&format!("<p><strong>{}</strong></p>", escape(summary)));
    }
    html.push_str(&body_html(post));
    if let Some(href) = post.details.link.as_deref().and_then(safe_href) {
        html.push_str(&format!(
            "<p>Read the paper: <a href=\"{href}\">{href}</a></p>"
        ));
    }
    if let Some(doi) = &post.details.doi {
        html.push_str(&format!(
            "<p>DOI: <a href=\"{}\">{}</a></p>",
            escape(&doi_url(doi)),
            escape(doi)
        ));
    }
    let summary = match (&post.content_warning, &post.summary) {
        (Some(warning), _) => format!(
            "<summary>{}</summary>",
            xml(&format!("Content warning: {warning}"))
        ),
        (None, Some(summary)) => format!("<summary>{}</summary>", xml(summary)),
        _ => String::new(),
    };
    let categories: String = post
        .details
        .hashtags
        .iter()
        .map(|tag| format!("<category term=\"{}\"/>", xml(tag)))
        .collect();
    format!(
        "<entry><id>{id}</id><title type=\"text\">{title}</title>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{id}\"/>\
         <published>{published}</published><updated>{updated}</updated>\
         <author><name>{author}</name><uri>{author_uri}</uri></author>{categories}{summary}\
         <content type=\"html\">{content}</content></entry>",
        id = xml(id.as_str()),
        title = xml(post.title.as_deref().unwrap_or("Untitled")),
        published = rfc3339(post.published_at),
        updated = rfc3339(post.updated_at.unwrap_or(post.published_at)),
        author = xml(&author_name(&post.author)),
        author_uri = xml(author_url(data, &post.author).as_str()),
        content = xml(&html),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_made_safe_for_xml() {
        assert_eq!(
            xml("a<b>&\"c'\u{1}\u{FFFF}é"),
            "a&lt;b&gt;&amp;&quot;c&#x27;é"
        );
    }
}
