//! The queue of held replies (`/mod/queue[?owner=NAME]`), oldest first, each with its author,
//! where it was written, why it is held and the start of its words; approved
//! (`POST /mod/queue/{id}/approve`: shown and relayed) or rejected
//! (`POST /mod/queue/{id}/reject`: erased, optionally telling its author's server).

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::FormRejection, Path},
    http::{HeaderMap, StatusCode},
    response::Response,
    Form,
};
use serde::Deserialize;

use super::{
    after, author_html, checkbox, console_page, conversation_owners, done_html, form_or_empty,
    input, number, problem_page, query_value, reason, Console, PageQuery,
};
use crate::{
    error::Result,
    model::Post,
    service::moderation::{
        console::{excerpt, EXCERPT},
        holds,
    },
    state::AppState,
    web::{escape, parts::time_html},
};

/// `GET /mod/queue[?owner=NAME]`
pub async fn page(data: Data<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let console = match Console::enter(&data, &headers).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let owner = query_value(&query, "owner");
    match body(&data, &console, owner).await {
        Ok(body) => {
            let body = format!("{}{}", done_html(&query), body);
            console_page(StatusCode::OK, "Queue", "/mod/queue", &body)
        }
        Err(err) => problem_page(err, "/mod/queue"),
    }
}

async fn body(data: &AppState, console: &Console, owner: Option<&str>) -> Result<String> {
    let held = holds::queue(data, owner).await?;
    let owners = conversation_owners(data).await?;
    let mut filter = vec![if owner.is_none() {
        "<strong>All</strong>".to_string()
    } else {
        "<a href=\"/mod/queue\">All</a>".to_string()
    }];
    for actor in &owners {
        filter.push(if Some(actor.name.as_str()) == owner {
            format!("<strong>{}</strong>", escape(&actor.name))
        } else {
            format!(
                "<a href=\"/mod/queue?owner={name}\">{name}</a>",
                name = escape(&actor.name)
            )
        });
    }
    let items: String = held.iter().map(|post| item(data, console, post)).collect();
    let list = if held.is_empty() {
        "<p>Nothing is held.</p>".to_string()
    } else {
        items
    };
    Ok(format!(
        "<h1>Queue</h1><p>Replies held before anyone sees them, oldest first. Approving shows a \
         reply and its forum relays it; rejecting erases its words.</p>\
         <nav aria-label=\"Whose replies\"><p>{filter}</p></nav>\
         <p>{count}</p>{list}",
        filter = filter.join(" · "),
        count = match held.len() {
            1 => "1 held reply.".to_string(),
            n => format!("{n} held replies."),
        },
    ))
}

fn item(data: &AppState, console: &Console, post: &Post) -> String {
    let id = post.id;
    let words = excerpt(&crate::render::plain_text(&post.content_html), EXCERPT);
    let warning = post
        .content_warning
        .as_deref()
        .map(|warning| format!("<p class=\"meta\">Content warning: {}</p>", escape(warning)))
        .unwrap_or_default();
    let approve = console.form(
        &format!("/mod/queue/{id}/approve"),
        &input(
            &format!("approve-reason-{id}"),
            "reason",
            "Reason for approving (optional)",
            " maxlength=\"2000\"",
        ),
        "Approve",
    );
    let reject = console.form(
        &format!("/mod/queue/{id}/reject"),
        &format!(
            "{}{}",
            input(
                &format!("reject-reason-{id}"),
                "reason",
                "Reason for rejecting (optional)",
                " maxlength=\"2000\"",
            ),
            checkbox(
                &format!("reject-notify-{id}"),
                "notify_author",
                "Tell the author's server (a Reject)",
            ),
        ),
        "Reject",
    );
    format!(
        "<article class=\"card\" id=\"held-{id}\"><h3>{author}</h3>\
         <p class=\"meta\">in {owner} · {time} · <a href=\"/mod/posts/{id}\">the whole reply</a>\
         </p><p><span class=\"state\">Held:</span> {held}</p>{warning}\
         <blockquote>{words}</blockquote><div class=\"actions\">{approve}{reject}</div></article>",
        author = author_html(data, &post.author),
        owner = escape(&post.audience_name),
        time = time_html(post.published_at),
        held = escape(post.held_reason.as_deref().unwrap_or("")),
        words = escape(&words),
    )
}

/// What the approve and reject forms send (no `Debug`: it holds the CSRF token).
#[derive(Default, Deserialize)]
pub struct Decision {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    notify_author: String,
}

/// `POST /mod/queue/{id}/approve`
pub async fn approve(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Decision>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let result = async {
        let id = number(&id)?;
        let reason = reason("reason", &form.reason, false)?;
        holds::approve(&data, &console.moderator, id, &reason).await
    }
    .await;
    after(result, "/mod/queue", "approved")
}

/// `POST /mod/queue/{id}/reject`
pub async fn reject(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Decision>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let notify = super::ticked(&form.notify_author);
    let result = async {
        let id = number(&id)?;
        let reason = reason("reason", &form.reason, false)?;
        holds::reject(&data, &console.moderator, id, notify, &reason).await
    }
    .await;
    let key = if notify { "rejected_told" } else { "rejected" };
    after(result, "/mod/queue", key)
}
