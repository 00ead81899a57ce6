//! Pages of posts, served at their ids for browsers: a thread with its conversation, a reply
//! in its thread, a journal announcement, a webinar; 410 with a short page once deleted. Also
//! each webinar's `.ics`.

use activitypub_federation::config::Data;
use axum::{
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
};

use super::{
    calendar,
    conversation::{conversation_html, CONVERSATION_LIMIT},
    escape,
    layout::page,
    paragraphs,
    parts::{
        author_html, body_html, edited_html, event_time_html, hashtags_html, post_head, post_title,
        safe_href, time_html,
    },
};
use crate::{
    db::now_millis,
    error::{Error, Result},
    model::{Post, PostKind, Visibility},
    service::publishing::WEBINARS,
    state::AppState,
};

/// The page of a post, served at its id for browsers (410 once deleted).
pub async fn post_page(data: &AppState, post: &Post) -> Result<Response> {
    if post.is_deleted() {
        return gone_page(data, post).await;
    }
    let title = post_title(post);
    let body = match post.kind {
        PostKind::Thread => thread_body(data, post).await?,
        PostKind::Reply => reply_body(data, post).await?,
        PostKind::Article => article_body(data, post),
        PostKind::Event => event_body(data, post).await?,
    };
    let mut head = post_head(data, post, &title);
    head.push_str(&feed_link(data, post));
    Ok(page(&title, &head, &body).into_response())
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
async fn place_html(data: &AppState, post: &Post) -> Result<String> {
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

async fn thread_body(data: &AppState, post: &Post) -> Result<String> {
    let posts = data.db.conversation(post.id, CONVERSATION_LIMIT).await?;
    let visible = posts
        .iter()
        .filter(|reply| !reply.is_deleted() && reply.visibility == Visibility::Public)
        .count();
    let heading = match visible {
        0 => "No replies yet".to_string(),
        1 => "1 reply".to_string(),
        n => format!("{n} replies"),
    };
    let more = if posts.len() as i64 >= CONVERSATION_LIMIT {
        format!("<p>Only the first {CONVERSATION_LIMIT} replies are shown.</p>")
    } else {
        String::new()
    };
    Ok(format!(
        "<article id=\"post-{id}\"><header>{place}<h1>{title}</h1>\
         <p class=\"meta\">by {author} · {time}{edited}</p></header>{body}{tags}</article>\
         <section aria-labelledby=\"replies\"><h2 id=\"replies\">{heading}</h2>\
         {conversation}{more}<p>To reply, follow <code>@{forum}@{domain}</code> from your own \
         fediverse account and answer this thread there.</p></section>",
        id = post.id,
        place = place_html(data, post).await?,
        title = escape(&post_title(post)),
        author = author_html(data, &post.author),
        time = time_html(post.published_at),
        edited = edited_html(post),
        body = body_html(post),
        tags = hashtags_html(data, post),
        conversation = conversation_html(data, post, &posts),
        forum = escape(&post.audience_name),
        domain = escape(&data.config.domain),
    ))
}

async fn reply_body(data: &AppState, post: &Post) -> Result<String> {
    let root = post.root();
    let root_post = data.db.post_by_id(root).await?;
    let thread = match &root_post {
        Some(root_post) if !root_post.is_deleted() => format!(
            "In the thread <a href=\"/posts/{root}#post-{id}\">{}</a>",
            escape(&post_title(root_post)),
            id = post.id,
        ),
        _ => format!(
            "In <a href=\"/posts/{root}#post-{id}\">a thread that was deleted</a>",
            id = post.id
        ),
    };
    let parent = match post.parent_id {
        Some(parent_id) if parent_id != root => data.db.post_by_id(parent_id).await?,
        _ => None,
    };
    let answering = match parent {
        Some(parent) if parent.is_deleted() || parent.visibility != Visibility::Public => {
            format!(
                "<p>Answering <a href=\"/posts/{root}#post-{}\">a reply that is no longer \
                 shown</a>.</p>",
                parent.id
            )
        }
        Some(parent) => format!(
            "<blockquote><p class=\"meta\">Answering {} · <a href=\"/posts/{}\">{}</a></p>{}\
             </blockquote>",
            author_html(data, &parent.author),
            parent.id,
            time_html(parent.published_at),
            body_html(&parent),
        ),
        None => String::new(),
    };
    Ok(format!(
        "<header><nav aria-label=\"Thread\"><p>{thread}</p></nav><h1>Reply by {name}</h1>\
         </header>{answering}<article id=\"post-{id}\"><p class=\"meta\">{author} · {time}\
         {edited}</p>{body}{tags}</article>",
        id = post.id,
        name = escape(&super::parts::author_name(&post.author)),
        author = author_html(data, &post.author),
        time = time_html(post.published_at),
        edited = edited_html(post),
        body = body_html(post),
        tags = hashtags_html(data, post),
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

fn article_body(data: &AppState, post: &Post) -> String {
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
         Journal announcement</a></p><h1>{title}</h1><p class=\"meta\">{time}{edited}</p>\
         </header><div class=\"summary\">{summary}</div>{body}{link}{doi}{tags}</article>",
        id = post.id,
        journal = escape(&post.audience_name),
        title = escape(&post_title(post)),
        time = time_html(post.published_at),
        edited = edited_html(post),
        body = body_html(post),
        tags = hashtags_html(data, post),
    )
}

async fn event_body(data: &AppState, post: &Post) -> Result<String> {
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
         calendar (.ics)</a></p><p class=\"meta\">Announced {time}{edited}</p></article>",
        id = post.id,
        webinars = escape(&post.audience_name),
        title = escape(&post_title(post)),
        when = event_time_html(post),
        summary = post.summary.as_deref().map(paragraphs).unwrap_or_default(),
        body = body_html(post),
        tags = hashtags_html(data, post),
        time = time_html(post.published_at),
        edited = edited_html(post),
    ))
}

/// 410 for a deleted post, with a way back to its thread or its place.
async fn gone_page(data: &AppState, post: &Post) -> Result<Response> {
    let when = post.deleted_at.map(time_html).unwrap_or_default();
    let back = match post.root_id {
        Some(root) => match data.db.post_by_id(root).await? {
            Some(thread) if !thread.is_deleted() => format!(
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
        .filter(|post| post.kind == PostKind::Event && post.visibility == Visibility::Public)
        .ok_or(Error::NotFound)?;
    if post.is_deleted() {
        return gone_page(&data, &post).await;
    }
    let name = format!("webinar-{}.ics", post.id);
    Ok(calendar::ics_response(
        &calendar::calendar(&data, &post_title(&post), &[post]),
        Some(&name),
    ))
}
