//! One post under moderation (`/mod/posts/{id}`): what it is, where, by whom, its state (held,
//! removed, locked, deleted) and its words; removing and restoring it, locking and unlocking its
//! conversation (`POST /mod/posts/{id}/remove|restore|lock|unlock`); and, for each decision
//! that sent something, whether each instance's copy was delivered (the delivery records).
//! `/mod/posts?id=…` finds a post by its number, its address here or its id on another server.

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::FormRejection, Path},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;
use url::Url;

use super::{
    address_html, after, author_html, console_page, done_html, form_or_empty, input, number,
    problem_page, query_value, reason, Console, PageQuery,
};
use crate::{
    db::Db,
    error::{Error, Result},
    federation::objects::post::local_post_id,
    model::{Post, PostKind, Visibility},
    service::moderation::{
        console::{self, SentActivity},
        holds::post_target,
        removal,
    },
    state::AppState,
    web::{
        escape,
        parts::{body_html, post_title, time_html},
    },
};

/// The form that finds a post, with `value` filled in.
pub fn find_form(value: &str) -> String {
    format!(
        "<form method=\"get\" action=\"/mod/posts\"><p><label for=\"find-post\">Find a post \
         </label><br><input id=\"find-post\" name=\"id\" value=\"{}\" required \
         placeholder=\"its number, its address here, or its id on another server\"></p>\
         <p><button type=\"submit\">Find</button></p></form>",
        escape(value)
    )
}

/// `GET /mod/posts?id=…`: to the post's console page, found by number, address or id.
pub async fn find(data: Data<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    if let Err(response) = Console::enter(&data, &headers).await {
        return response;
    }
    let Some(wanted) = query_value(&query, "id") else {
        let body = format!("<h1>Find a post</h1>{}", find_form(""));
        return console_page(StatusCode::OK, "Find a post", "", &body);
    };
    match locate(&data, wanted).await {
        Ok(Some(id)) => Redirect::to(&format!("/mod/posts/{id}")).into_response(),
        Ok(None) => {
            let body = format!(
                "<h1>Find a post</h1><div role=\"alert\" class=\"error\"><p>No post here has \
                 that number, address or id.</p></div>{}",
                find_form(wanted)
            );
            console_page(StatusCode::NOT_FOUND, "Find a post", "", &body)
        }
        Err(err) => problem_page(err, "/mod"),
    }
}

async fn locate(data: &Data<AppState>, wanted: &str) -> Result<Option<i64>> {
    if let Ok(id) = number(wanted.trim_start_matches('#')) {
        return Ok(data.db.post_by_id(id).await?.map(|post| post.id));
    }
    let Ok(url) = Url::parse(wanted) else {
        return Ok(None);
    };
    if let Some(id) = local_post_id(data, &url) {
        return Ok(data.db.post_by_id(id).await?.map(|post| post.id));
    }
    let mut conn = data.db.pool.acquire().await?;
    Ok(Db::post_by_ap_id(&mut conn, url.as_str())
        .await?
        .map(|post| post.id))
}

/// `GET /mod/posts/{id}`
pub async fn page(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: PageQuery,
) -> Response {
    let console = match Console::enter(&data, &headers).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let result = async {
        let id = number(&id)?;
        let post = data.db.post_by_id(id).await?.ok_or(Error::NotFound)?;
        let sent = console::post_deliveries(&data, id).await?;
        Ok::<_, Error>((post, sent))
    }
    .await;
    match result {
        Ok((post, sent)) => {
            let body = format!(
                "{}{}",
                done_html(&query),
                body(&data, &console, &post, &sent)
            );
            console_page(StatusCode::OK, &post_title(&post), "", &body)
        }
        Err(err) => problem_page(err, "/mod"),
    }
}

/// The post's states, in words.
fn states(post: &Post) -> Vec<String> {
    let mut states = Vec::new();
    if let Some(reason) = &post.held_reason {
        states.push(format!("held for review ({})", escape(reason)));
    }
    if let Some(at) = post.removed_at {
        states.push(format!("removed by a moderator {}", time_html(at)));
    }
    if let Some(at) = post.locked_at {
        states.push(format!("locked {}", time_html(at)));
    }
    if let Some(at) = post.deleted_at {
        states.push(format!("deleted {}", time_html(at)));
    }
    match post.visibility {
        Visibility::Public => {}
        Visibility::Followers => states.push("followers only".into()),
        Visibility::Direct => states.push("direct".into()),
    }
    if states.is_empty() {
        states.push("shown".into());
    }
    states
}

fn body(data: &AppState, console: &Console, post: &Post, sent: &[SentActivity]) -> String {
    let id = post.id;
    let kind = match post.kind {
        PostKind::Thread => "Thread",
        PostKind::Reply => "Reply",
        PostKind::Article => "Announcement",
        PostKind::Event => "Webinar",
    };
    let place = match post.root_id {
        Some(root) => {
            format!(" in the conversation of <a href=\"/mod/posts/{root}\">post {root}</a>")
        }
        None => String::new(),
    };
    let public = if post.is_visible() {
        format!(" · <a href=\"/posts/{id}\">its public page</a>")
    } else {
        String::new()
    };
    let words = if post.is_deleted() {
        "<p class=\"gone\">Its words were erased.</p>".to_string()
    } else {
        body_html(post)
    };
    format!(
        "<h1>{kind} {id}</h1><p class=\"meta\">By {author} · in {owner}{place} · {time}\
         {public}</p><p>Id: {ap_id}</p><p><span class=\"state\">State:</span> {states}</p>\
         <blockquote>{words}</blockquote><h2>Decide</h2>{actions}\
         <h2 id=\"deliveries\">Sent to other servers</h2>{deliveries}",
        author = author_html(data, &post.author),
        owner = escape(&post.audience_name),
        time = time_html(post.published_at),
        ap_id = address_html(&post_target(data, post)),
        states = states(post).join("; "),
        actions = actions(console, post),
        deliveries = deliveries_html(id, sent),
    )
}

fn actions(console: &Console, post: &Post) -> String {
    let id = post.id;
    if post.is_deleted() {
        return "<p>A deleted post cannot be changed.</p>".into();
    }
    let mut forms = Vec::new();
    if post.held_reason.is_some() {
        forms.push(format!(
            "<p>This reply is held: approve or reject it in <a href=\"/mod/queue#held-{id}\">the \
             queue</a>.</p>"
        ));
    }
    let reason_input = |action: &str, label: &str, extra: &str| {
        input(&format!("{action}-reason-{id}"), "reason", label, extra)
    };
    if post.removed_at.is_some() {
        forms.push(console.form(
            &format!("/mod/posts/{id}/restore"),
            &reason_input(
                "restore",
                "Reason for restoring (optional)",
                " maxlength=\"2000\"",
            ),
            "Restore",
        ));
    } else if post.held_reason.is_none() {
        forms.push(console.form(
            &format!("/mod/posts/{id}/remove"),
            &reason_input(
                "remove",
                "Reason for removing",
                " required maxlength=\"2000\"",
            ),
            "Remove everywhere",
        ));
    }
    if post.root_id.is_none() {
        let (action, button, label) = if post.locked_at.is_some() {
            (
                "unlock",
                "Unlock the conversation",
                "Reason for unlocking (optional)",
            )
        } else {
            (
                "lock",
                "Lock the conversation",
                "Reason for locking (optional)",
            )
        };
        forms.push(console.form(
            &format!("/mod/posts/{id}/{action}"),
            &reason_input(action, label, " maxlength=\"2000\""),
            button,
        ));
    }
    format!("<div class=\"actions\">{}</div>", forms.concat())
}

/// Each decision that sent something, and where each copy of it went.
fn deliveries_html(id: i64, sent: &[SentActivity]) -> String {
    if sent.is_empty() {
        return "<p>No decision about this post has sent anything.</p>".into();
    }
    let sections: String = sent
        .iter()
        .map(|activity| {
            let entry = &activity.entry;
            let rows: String = activity
                .deliveries
                .iter()
                .map(|record| {
                    format!(
                        "<tr><td>{instance}</td><td class=\"state\">{state}</td><td>{attempts}\
                         </td><td>{status}</td><td>{finished}</td></tr>",
                        instance = escape(&record.instance),
                        state = console::delivery_state(record.state),
                        attempts = record.attempts,
                        status = escape(record.last_status.as_deref().unwrap_or("")),
                        finished = record.finished_at.map(time_html).unwrap_or_default(),
                    )
                })
                .collect();
            let table = if activity.deliveries.is_empty() {
                "<p>No copies: no other server was to receive it.</p>".to_string()
            } else {
                format!(
                    "<div class=\"wide\"><table><thead><tr><th>Instance</th><th>Delivery</th>\
                     <th>Attempts</th><th>Last answer</th><th>Finished</th></tr></thead>\
                     <tbody>{rows}</tbody></table></div>"
                )
            };
            format!(
                "<section class=\"card\"><h3>{action}</h3><p class=\"meta\">by {moderator} · \
                 {time}{reason}</p><p>Activity: <code>{activity}</code></p>{table}</section>",
                action = escape(&entry.action),
                moderator = escape(&entry.moderator_name),
                time = time_html(entry.created_at),
                reason = if entry.reason.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", escape(&entry.reason))
                },
                activity = escape(entry.activity_id.as_deref().unwrap_or("")),
            )
        })
        .collect();
    format!(
        "{sections}<p><a href=\"/mod/posts/{id}#deliveries\">Check again</a> (copies still \
         pending are retried for days).</p>"
    )
}

/// What the forms of a post's page send (no `Debug`: it holds the CSRF token).
#[derive(Default, Deserialize)]
pub struct PostForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /mod/posts/{id}/remove|restore|lock|unlock`
pub async fn act(
    data: Data<AppState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    form: Result<Form<PostForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let Ok(number) = number(&id) else {
        return problem_page(Error::NotFound, "/mod");
    };
    let back = format!("/mod/posts/{number}");
    let moderator = &console.moderator;
    let (result, key) = match action.as_str() {
        "remove" => {
            let result = match reason("reason", &form.reason, true) {
                Ok(reason) => removal::remove(&data, moderator, number, &reason)
                    .await
                    .map(|_| ()),
                Err(err) => Err(err),
            };
            (result, "removed")
        }
        "restore" | "lock" | "unlock" => {
            let result = match reason("reason", &form.reason, false) {
                Ok(reason) => match action.as_str() {
                    "restore" => removal::restore(&data, moderator, number, &reason).await,
                    locked => {
                        removal::lock(&data, moderator, number, locked == "lock", &reason).await
                    }
                },
                Err(err) => Err(err),
            };
            let key = match action.as_str() {
                "restore" => "restored",
                "lock" => "locked",
                _ => "unlocked",
            };
            (result, key)
        }
        _ => (Err(Error::NotFound), ""),
    };
    after(result, &back, key)
}
