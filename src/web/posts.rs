//! Pages of posts, served at their ids for browsers: a thread with a page of its conversation
//! (`thread.rs`), a reply in its thread, a journal announcement, a webinar; 410 with a short
//! page once deleted. Also each webinar's `.ics`.
//!
//! A post's page depends on who looks (the reply form, the replies only moderators see), so it
//! is answered with `Vary: Accept, Cookie`, and not cached at all when a member is logged in.

use activitypub_federation::config::Data;
use axum::{
    extract::Path,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use super::{
    account::Viewer,
    actors::PageParam,
    calendar, escape,
    layout::page,
    paragraphs,
    parts::{
        author_html, body_html, edited_html, event_time_html, hashtags_html, post_head, post_title,
        reactions_html, safe_href, time_html, Labels,
    },
    replies::{reply_section, takes_replies},
    thread::{place_in_thread, thread_body},
};
use crate::{
    db::{now_millis, pages::PostStats},
    error::{Error, Result},
    model::{Post, PostKind, Visibility},
    service::publishing::WEBINARS,
    state::AppState,
};

/// The page of a post, served at its id for browsers (410 once deleted or removed by a
/// moderator, 404 while held for moderation), for the viewer the request's session cookie names
/// (`headers`), at the `?page=N` its `query` asks for (threads only: 400 when not a number, 404
/// past the last page). Answers with `Vary: Accept, Cookie`.
pub async fn post_page_for(
    data: &AppState,
    post: &Post,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response> {
    if post.held_reason.is_some() {
        return Err(Error::NotFound);
    }
    if post.is_deleted() || post.removed_at.is_some() {
        return gone_page(data, post).await;
    }
    let viewer = Viewer::of(data, headers).await?;
    let mut title = post_title(post);
    let body = match post.kind {
        PostKind::Thread => {
            let number = PageParam::from_query(query).number()?;
            let body = thread_body(data, post, &viewer, number).await?;
            if number > 1 {
                title = format!("{title} (page {number})");
            }
            body
        }
        PostKind::Reply => reply_body(data, post, &viewer).await?,
        PostKind::Article => article_body(data, post, &stats_of(data, post).await?),
        PostKind::Event => event_body(data, post, &stats_of(data, post).await?).await?,
    };
    let mut head = post_head(data, post, &post_title(post));
    head.push_str(&feed_link(data, post));
    let mut response = page(&title, &head, &body).into_response();
    viewer.cache_headers(response.headers_mut());
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept, Cookie"));
    Ok(response)
}

/// The likes, boosts and edits of one post.
async fn stats_of(data: &AppState, post: &Post) -> Result<PostStats> {
    Ok(data
        .db
        .post_stats(&[post.id])
        .await?
        .remove(&post.id)
        .unwrap_or_default())
}

/// The feed of the place a post belongs to, for feed readers' discovery: the webinars'
/// calendar, or the forum's or journal's Atom feed.
fn feed_link(data: &AppState, post: &Post) -> String {
    if post.kind == PostKind::Event || post.audience_name == WEBINARS {
        format!(
            "<link rel=\"alternate\" type=\"text/calendar\" href=\"{}\">",
            escape(data.url("/webinars.ics").as_str())
        )
    } else {
        format!(
            "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"{}\">",
            escape(
                data.url(&format!("/@{}/feed.atom", post.audience_name))
                    .as_str()
            )
        )
    }
}

/// "In Community discussions", linked to the forum (or the journal, or the webinars).
pub(super) async fn place_html(data: &AppState, post: &Post) -> Result<String> {
    let title = data
        .db
        .local_actor_by_id(post.audience_id)
        .await?
        .map(|actor| actor.display_name)
        .unwrap_or_else(|| post.audience_name.clone());
    Ok(format!(
        "<p class=\"kicker\"><a href=\"/@{}\">{}</a></p>",
        escape(&post.audience_name),
        escape(&title)
    ))
}

async fn reply_body(data: &AppState, post: &Post, viewer: &Viewer) -> Result<String> {
    let root = post.root();
    let root_post = data.db.post_by_id(root).await?;
    let href = escape(&place_in_thread(data, root, post.id, viewer).await?);
    let thread = match &root_post {
        Some(root_post) if root_post.is_visible() => format!(
            "In the thread <a href=\"{href}\">{}</a>",
            escape(&post_title(root_post)),
        ),
        _ => format!("In <a href=\"{href}\">a thread that was deleted</a>"),
    };
    let parent = match post.parent_id {
        Some(parent_id) if parent_id != root => data.db.post_by_id(parent_id).await?,
        _ => None,
    };
    let labels = Labels::of(data, std::iter::once(post).chain(&parent)).await?;
    let answering = match parent {
        Some(parent) if !parent.is_visible() => {
            format!(
                "<p>Answering <a href=\"/posts/{root}#post-{}\">a reply that is no longer \
                 shown</a>.</p>",
                parent.id
            )
        }
        Some(parent) => format!(
            "<blockquote><p class=\"meta\">Answering {} · <a href=\"/posts/{}\">{}</a></p>{}\
             </blockquote>",
            author_html(data, &parent.author, &labels),
            parent.id,
            time_html(parent.published_at),
            body_html(&parent),
        ),
        None => String::new(),
    };
    let stats = stats_of(data, post).await?;
    Ok(format!(
        "<header><nav aria-label=\"Thread\"><p>{thread}</p></nav><h1>Reply by {name}</h1>\
         </header>{answering}<article id=\"post-{id}\"><p class=\"meta\">{author} · {time}\
         {edited}{reactions}</p>{body}{tags}</article>{reply}",
        id = post.id,
        name = escape(&super::parts::author_name(&post.author)),
        author = author_html(data, &post.author, &labels),
        time = time_html(post.published_at),
        edited = edited_html(post, stats.edits),
        reactions = reactions_html(&stats),
        body = body_html(post),
        tags = hashtags_html(data, post),
        reply = reply_section(
            data,
            post,
            viewer,
            "Reply to this",
            !takes_replies(root_post.as_ref()),
        ),
    ))
}

/// A DOI as its resolver's address (`https://doi.org/10.2196/12345`), the suffix
/// percent-encoded where a URL needs it.
pub fn doi_url(doi: &str) -> String {
    let mut url = String::from("https://doi.org/");
    for byte in doi.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:;()".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

fn article_body(data: &AppState, post: &Post, stats: &PostStats) -> String {
    let summary = post.summary.as_deref().map(paragraphs).unwrap_or_default();
    let link = post
        .details
        .link
        .as_deref()
        .and_then(|link| {
            safe_href(link).map(|href| {
                format!(
                    "<p><strong>Read the paper:</strong> <a href=\"{href}\">{}</a></p>",
                    escape(link)
                )
            })
        })
        .unwrap_or_default();
    let doi = post
        .details
        .doi
        .as_deref()
        .map(|doi| {
            format!(
                "<p><strong>DOI:</strong> <a href=\"{}\">{}</a></p>",
                escape(&doi_url(doi)),
                escape(doi)
            )
        })
        .unwrap_or_default();
    format!(
        "<article id=\"post-{id}\"><header><p class=\"kicker\"><a href=\"/@{journal}\">\
         Journal announcement</a></p><h1>{title}</h1><p class=\"meta\">{time}{edited}{reactions}</p>\
         </header><div class=\"summary\">{summary}</div>{body}{link}{doi}{tags}</article>",
        id = post.id,
        journal = escape(&post.audience_name),
        title = escape(&post_title(post)),
        time = time_html(post.published_at),
        edited = edited_html(post, stats.edits),
        reactions = reactions_html(stats),
        body = body_html(post),
        tags = hashtags_html(data, post),
    )
}

async fn event_body(data: &AppState, post: &Post, stats: &PostStats) -> Result<String> {
    let participants = data.db.count_participants(post.id).await?;
    let ended = post.ends_at.is_some_and(|ends| ends <= now_millis());
    let join = match post.details.join_url.as_deref().and_then(safe_href) {
        Some(href) if !ended => {
            format!("<p><strong>Join online:</strong> <a href=\"{href}\">{href}</a></p>")
        }
        _ => String::new(),
    };
    let taking_part = match participants {
        1 => "1 person is taking part".to_string(),
        n => format!("{n} people are taking part"),
    };
    let room = match post.details.capacity {
        Some(capacity) => format!(
            " of {capacity} places ({} left)",
            (capacity - participants).max(0)
        ),
        None => String::new(),
    };
    let status = if ended {
        "<p><strong>This webinar has ended.</strong></p>"
    } else {
        ""
    };
    Ok(format!(
        "<article id=\"post-{id}\"><header><p class=\"kicker\"><a href=\"/@{webinars}\">\
         Webinar</a></p><h1>{title}</h1><p><strong>When:</strong> {when}</p></header>{status}\
         {join}<p>{taking_part}{room}.</p><div class=\"summary\">{summary}</div>{body}{tags}\
         <p><a href=\"/posts/{id}/event.ics\" type=\"text/calendar\" download>Add to your \
         calendar (.ics)</a></p><p class=\"meta\">Announced {time}{edited}{reactions}</p></article>",
        id = post.id,
        webinars = escape(&post.audience_name),
        title = escape(&post_title(post)),
        when = event_time_html(post),
        summary = post.summary.as_deref().map(paragraphs).unwrap_or_default(),
        body = body_html(post),
        tags = hashtags_html(data, post),
        time = time_html(post.published_at),
        edited = edited_html(post, stats.edits),
        reactions = reactions_html(stats),
    ))
}

/// 410 for a deleted post, with a way back to its thread or its place.
async fn gone_page(data: &AppState, post: &Post) -> Result<Response> {
    let when = post
        .deleted_at
        .or(post.removed_at)
        .map(time_html)
        .unwrap_or_default();
    let back = match post.root_id {
        Some(root) => match data.db.post_by_id(root).await? {
            Some(thread) if thread.is_visible() => format!(
                "<p><a href=\"/posts/{root}\">Back to the thread {}</a></p>",
                escape(&post_title(&thread))
            ),
            _ => String::new(),
        },
        None => format!(
            "<p><a href=\"/@{name}\">Back to @{name}</a></p>",
            name = escape(&post.audience_name)
        ),
    };
    let body = format!(
        "<h1>This post was deleted</h1><p>It was deleted on {when}. Its words are gone from \
         this server.</p>{back}"
    );
    Ok((
        StatusCode::GONE,
        page(
            "Deleted post",
            "<meta name=\"robots\" content=\"noindex\">",
            &body,
        ),
    )
        .into_response())
}

/// `GET /posts/{id}/event.ics`: one public webinar, to add to a calendar.
pub async fn event_ics(data: Data<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let post = data
        .db
        .post_by_id(id)
        .await?
        .filter(|post| {
            post.kind == PostKind::Event
                && post.visibility == Visibility::Public
                && post.held_reason.is_none()
        })
        .ok_or(Error::NotFound)?;
    if post.is_deleted() || post.removed_at.is_some() {
        return gone_page(&data, &post).await;
    }
    let name = format!("webinar-{}.ics", post.id);
    Ok(calendar::ics_response(
        &calendar::calendar(&data, &post_title(&post), &[post]),
        Some(&name),
    ))
}
