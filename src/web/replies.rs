//! Members reply from the web: the reply form (under a thread, under a reply's page, and at
//! `/posts/{id}/reply` with the post it answers quoted), and `POST /posts/{id}/reply`, which
//! publishes through `service::publishing` exactly as the API does (so the reply federates the
//! same way) and sends the browser to the reply in its thread. Visitors who are not logged in
//! are told how to reply instead.
//!
//! Invariant: a reply is published only for a live session whose CSRF token the form carries
//! (403 otherwise; the login page when there is no session). The text is never logged.

use activitypub_federation::config::Data;
use axum::{
    extract::Path,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;

use super::{
    account::Viewer,
    escape,
    layout::page,
    parts::{author_html, body_html, post_title, time_html, Labels},
    posts::place_html,
    thread::place_in_thread,
};
use crate::{
    error::{Error, FieldError, Result},
    federation::objects::post::post_url,
    model::{Post, PostKind},
    service::{
        post_rules::{Draft, MAX_BODY, MAX_CONTENT_WARNING},
        publishing::{self, Place},
        secrets,
    },
    state::AppState,
};

/// What the reply form sends (no `Debug`: it holds the words and the CSRF token).
#[derive(Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    content_warning: String,
    #[serde(default)]
    csrf: String,
}

/// What the form shows: the text as written, and what was wrong with it (field by field, or
/// why the reply was refused).
#[derive(Default)]
struct Filled<'a> {
    body: &'a str,
    content_warning: &'a str,
    problems: &'a [FieldError],
    refusal: Option<&'a str>,
}

/// Whether the conversation whose first post is `root` takes replies: it is shown, and neither
/// locked by a moderator nor deleted.
pub fn takes_replies(root: Option<&Post>) -> bool {
    root.is_some_and(|root| root.is_visible() && root.locked_at.is_none())
}

/// How the form names a field in its messages.
fn field_label(field: &str) -> &str {
    match field {
        "body" => "Your reply",
        "content_warning" => "Content warning",
        other => other,
    }
}

/// The form answering the post `target`, for the session's `csrf` token.
fn reply_form(target: i64, csrf: &str, filled: &Filled) -> String {
    let problems: String = filled
        .problems
        .iter()
        .map(|problem| {
            format!(
                "<li id=\"{field}-error\">{label}: {message}</li>",
                field = escape(problem.field),
                label = escape(field_label(problem.field)),
                message = escape(&problem.message),
            )
        })
        .collect();
    let problems = match (filled.refusal, problems.is_empty()) {
        (Some(reason), _) => format!(
            "<div role=\"alert\" class=\"error\"><p>The reply was not posted: {}.</p></div>",
            escape(reason)
        ),
        (None, true) => String::new(),
        (None, false) => format!(
            "<div role=\"alert\" class=\"error\"><p>The reply was not posted:</p>\
             <ul>{problems}</ul></div>"
        ),
    };
    let described = |field: &str| {
        if filled.problems.iter().any(|problem| problem.field == field) {
            format!(" aria-invalid=\"true\" aria-describedby=\"{field}-error\"")
        } else {
            String::new()
        }
    };
    format!(
        "{problems}<form method=\"post\" action=\"/posts/{target}/reply\" class=\"reply-form\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label for=\"body\">Your reply</label> <span class=\"meta\">(Markdown: \
         *emphasis*, links, #hashtags, @mentions)</span><br>\
         <textarea id=\"body\" name=\"body\" rows=\"6\" maxlength=\"{MAX_BODY}\" required\
         {body_invalid}>{body}</textarea></p>\
         <p><label for=\"content_warning\">Content warning (optional)</label> \
         <span class=\"meta\">readers see it first and open the reply themselves</span><br>\
         <input id=\"content_warning\" name=\"content_warning\" \
         maxlength=\"{MAX_CONTENT_WARNING}\" value=\"{content_warning}\"{cw_invalid}></p>\
         <p><button type=\"submit\">Post reply</button></p></form>",
        csrf = escape(csrf),
        body = escape(filled.body),
        content_warning = escape(filled.content_warning),
        body_invalid = described("body"),
        cw_invalid = described("content_warning"),
    )
}

/// How to reply to `post`, for a page about it: the form for a member who may write, and for
/// everyone else a way to log in or to reply from the fediverse; that the conversation takes no
/// more replies when it is `locked`.
pub fn reply_section(
    data: &AppState,
    post: &Post,
    viewer: &Viewer,
    heading: &str,
    locked: bool,
) -> String {
    section(data, post, viewer, heading, locked, &Filled::default())
}

fn section(
    data: &AppState,
    post: &Post,
    viewer: &Viewer,
    heading: &str,
    locked: bool,
    filled: &Filled,
) -> String {
    let inner = match viewer.csrf() {
        _ if locked => "<p>This conversation is locked: it takes no more replies.</p>".into(),
        Some(csrf) if viewer.may_write() => reply_form(post.id, csrf, filled),
        Some(_) => "<p>Your account may not post replies.</p>".to_string(),
        None => format!(
            "<p class=\"join\"><a href=\"/login\">Log in</a> to reply, or reply from your own \
             fediverse account by searching for this URL there: <code>{url}</code>. Follow \
             <code>@{forum}@{domain}</code> to see new threads and replies.</p>",
            url = escape(post_url(data, post).as_str()),
            forum = escape(&post.audience_name),
            domain = escape(&data.config.domain),
        ),
    };
    format!(
        "<section aria-labelledby=\"reply-heading\"><h2 id=\"reply-heading\">{}</h2>{inner}\
         </section>",
        escape(heading)
    )
}

/// The post of `/posts/{id}/reply`: a live public thread or reply (404 otherwise).
async fn answerable(data: &AppState, id: &str) -> Result<Post> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    data.db
        .post_by_id(id)
        .await?
        .filter(|post| post.is_visible() && matches!(post.kind, PostKind::Thread | PostKind::Reply))
        .ok_or(Error::NotFound)
}

/// The reply page: the post quoted, then the form (or how to reply).
async fn reply_page_html(
    data: &AppState,
    post: &Post,
    viewer: &Viewer,
    filled: &Filled<'_>,
) -> Result<String> {
    let (context, title, locked) = match post.kind {
        PostKind::Reply => {
            let root = post.root();
            let thread = data.db.post_by_id(root).await?;
            let locked = !takes_replies(thread.as_ref());
            let href = place_in_thread(data, root, post.id, viewer).await?;
            let name = thread
                .filter(Post::is_visible)
                .map(|thread| post_title(&thread))
                .unwrap_or_else(|| "a thread that was deleted".into());
            (
                format!(
                    "<p>In the thread <a href=\"{}\">{}</a></p>",
                    escape(&href),
                    escape(&name)
                ),
                String::new(),
                locked,
            )
        }
        _ => (
            place_html(data, post).await?,
            format!("<p><strong>{}</strong></p>", escape(&post_title(post))),
            !takes_replies(Some(post)),
        ),
    };
    let labels = Labels::of(data, [post]).await?;
    Ok(format!(
        "<header><nav aria-label=\"Thread\">{context}</nav><h1>Reply to {name}</h1></header>\
         <blockquote><p class=\"meta\">{author} · <a href=\"/posts/{id}\">{time}</a></p>{title}\
         {body}</blockquote>{form}",
        id = post.id,
        name = escape(&super::parts::author_name(&post.author)),
        author = author_html(data, &post.author, &labels),
        time = time_html(post.published_at),
        body = body_html(post),
        form = section(data, post, viewer, "Your reply", locked, filled),
    ))
}

/// A reply page for `viewer`, with the headers of a page made for one viewer.
fn viewer_page(status: StatusCode, title: &str, body: &str, viewer: &Viewer) -> Response {
    let mut response = (
        status,
        page(title, "<meta name=\"robots\" content=\"noindex\">", body),
    )
        .into_response();
    viewer.cache_headers(response.headers_mut());
    response
}

/// `GET /posts/{id}/reply`: the post quoted, and the form to answer it.
pub async fn reply_page(
    data: Data<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let post = answerable(&data, &id).await?;
    let viewer = Viewer::of(&data, &headers).await?;
    let body = reply_page_html(&data, &post, &viewer, &Filled::default()).await?;
    let title = format!("Reply to {}", post_title(&post));
    Ok(viewer_page(StatusCode::OK, &title, &body, &viewer))
}

/// `POST /posts/{id}/reply`: publishes the reply and sends the browser to it (303); the form
/// again with what is wrong (422); the login page without a session; 403 without the session's
/// CSRF token.
pub async fn post_reply(
    data: Data<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ReplyForm>,
) -> Result<Response> {
    let viewer = Viewer::of(&data, &headers).await?;
    let Some((member, csrf)) = &viewer.member else {
        return Ok(Redirect::to("/login").into_response());
    };
    if !secrets::same_secret(csrf, &form.csrf) {
        return Err(Error::Forbidden(
            "the form has expired; load the page again".into(),
        ));
    }
    let post = answerable(&data, &id).await?;
    let draft = Draft {
        body: Some(form.body.clone()),
        content_warning: Some(form.content_warning.clone()),
        ..Draft::default()
    };
    match publishing::publish(&data, member, Place::ReplyTo(post.id), &draft).await {
        Ok(published) => {
            let root = published.post.root();
            let href = place_in_thread(&data, root, published.post.id, &viewer).await?;
            Ok(Redirect::to(&href).into_response())
        }
        // The form again, the text kept: with what is wrong (422), or why it may not be posted
        // (403: a ban, a locked conversation, an account without a role).
        Err(err @ (Error::Invalid(_) | Error::Forbidden(_))) => {
            let status = err.status();
            let (problems, refusal) = match &err {
                Error::Invalid(problems) => (problems.as_slice(), None),
                Error::Forbidden(reason) => (&[][..], Some(reason.as_str())),
                _ => (&[][..], None),
            };
            let filled = Filled {
                body: &form.body,
                content_warning: &form.content_warning,
                problems,
                refusal,
            };
            let body = reply_page_html(&data, &post, &viewer, &filled).await?;
            let title = format!("Reply to {}", post_title(&post));
            Ok(viewer_page(status, &title, &body, &viewer))
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_keeps_the_text_escaped_and_names_the_problems() {
        let problems = [FieldError::new("body", "is required")];
        let html = reply_form(
            7,
            "tok\"en",
            &Filled {
                body: "</textarea><script>x()</script>",
                content_warning: "\"quoted\"",
                problems: &problems,
                refusal: None,
            },
        );
        assert!(html.contains("action=\"/posts/7/reply\""));
        assert!(html.contains("name=\"csrf\" value=\"tok&quot;en\""));
        assert!(html.contains("&lt;/textarea&gt;&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("value=\"&quot;quoted&quot;\""));
        assert!(html.contains("<li id=\"body-error\">Your reply: is required</li>"));
        assert!(html.contains("aria-describedby=\"body-error\""));
    }
}
