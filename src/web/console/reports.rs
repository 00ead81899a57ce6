//! Reports (`/mod/reports[?state=resolved]`): `Flag`s from other servers and members' reports,
//! open ones oldest first, each with who reported, about whom and which posts, and the comment;
//! resolved with the action taken and a note, optionally forwarded to the reported actor's
//! server (`POST /mod/reports/{id}/resolve`). Resolving does not act by itself: the posts link
//! to their console pages, where they are removed.

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::FormRejection, Path},
    http::{HeaderMap, StatusCode},
    response::Response,
    Form,
};
use serde::Deserialize;

use super::{
    address_html, after, checkbox, console_page, done_html, form_or_empty, input, number,
    problem_page, query_value, reason, ticked, Console, PageQuery,
};
use crate::{
    db::moderation_records::Report,
    error::{Error, FieldError, Result},
    service::moderation::reports,
    state::AppState,
    web::{escape, paragraphs, parts::time_html},
};

/// Suggestions for the action taken (the forms' `list`).
const ACTIONS: &str = "<datalist id=\"actions\"><option value=\"no action\">\
<option value=\"removed the post\"><option value=\"banned the actor\">\
<option value=\"suspended the instance\"></datalist>";

/// `GET /mod/reports[?state=open|resolved]`
pub async fn page(data: Data<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let console = match Console::enter(&data, &headers).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let state = query_value(&query, "state").unwrap_or("open");
    if !matches!(state, "open" | "resolved") {
        let problem = FieldError::new("state", "must be open or resolved");
        return problem_page(Error::Invalid(vec![problem]), "/mod/reports");
    }
    match body(&data, &console, state).await {
        Ok(body) => {
            let body = format!("{}{}", done_html(&query), body);
            console_page(StatusCode::OK, "Reports", "/mod/reports", &body)
        }
        Err(err) => problem_page(err, "/mod"),
    }
}

async fn body(data: &AppState, console: &Console, state: &str) -> Result<String> {
    let list = reports::list(data, state).await?;
    let items: String = list.iter().map(|report| item(console, report)).collect();
    let (heading, other) = if state == "open" {
        (
            "Open reports, oldest first",
            "<a href=\"/mod/reports?state=resolved\">Resolved reports</a>",
        )
    } else {
        (
            "Resolved reports, newest first",
            "<a href=\"/mod/reports\">Open reports</a>",
        )
    };
    let items = if list.is_empty() {
        "<p>None.</p>".to_string()
    } else {
        items
    };
    Ok(format!(
        "<h1>Reports</h1><p>{other}</p><h2>{heading}</h2>{items}{ACTIONS}"
    ))
}

fn item(console: &Console, report: &Report) -> String {
    let id = report.id;
    let posts: String = report
        .reported_posts
        .iter()
        .map(|post| {
            let mut find = url::form_urlencoded::Serializer::new(String::new());
            find.append_pair("id", post);
            format!(
                "<li>{} · <a href=\"/mod/posts?{}\">moderate</a></li>",
                address_html(post),
                escape(&find.finish())
            )
        })
        .collect();
    let posts = if posts.is_empty() {
        String::new()
    } else {
        format!("<p>Posts:</p><ul>{posts}</ul>")
    };
    let about = report
        .reported_actor
        .as_deref()
        .map(|actor| format!("<p>About: {}</p>", address_html(actor)))
        .unwrap_or_default();
    let comment = if report.comment.trim().is_empty() {
        "<p class=\"meta\">No comment.</p>".to_string()
    } else {
        format!("<blockquote>{}</blockquote>", paragraphs(&report.comment))
    };
    let outcome = if report.state == "open" {
        let note = format!(
            "<p><label for=\"resolve-note-{id}\">Note (optional)</label><br>\
             <textarea id=\"resolve-note-{id}\" name=\"note\" rows=\"2\" \
             maxlength=\"2000\"></textarea></p>"
        );
        console.form(
            &format!("/mod/reports/{id}/resolve"),
            &format!(
                "{action}{note}{forward}",
                action = input(
                    &format!("resolve-action-{id}"),
                    "action",
                    "Action taken",
                    " required maxlength=\"100\" list=\"actions\"",
                ),
                forward = checkbox(
                    &format!("resolve-forward-{id}"),
                    "forward",
                    "Forward to the reported actor's server (without saying who reported)",
                ),
            ),
            "Resolve",
        )
    } else {
        format!(
            "<p><span class=\"state\">Resolved</span> {at}: {action}{note}{forwarded}</p>",
            at = report.resolved_at.map(time_html).unwrap_or_default(),
            action = escape(report.resolution.as_deref().unwrap_or("")),
            note = report
                .resolution_note
                .as_deref()
                .filter(|note| !note.is_empty())
                .map(|note| format!(" — {}", escape(note)))
                .unwrap_or_default(),
            forwarded = report
                .forwarded_at
                .map(|at| format!(" · forwarded {}", time_html(at)))
                .unwrap_or_default(),
        )
    };
    format!(
        "<article class=\"card\" id=\"report-{id}\"><h3>Report {id}</h3>\
         <p class=\"meta\">{received} · from {reporter}</p>{about}{posts}{comment}{outcome}\
         </article>",
        received = time_html(report.created_at),
        reporter = address_html(&report.reporter),
    )
}

/// What the resolve form sends (no `Debug`: it holds the CSRF token).
#[derive(Default, Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    forward: String,
}

/// `POST /mod/reports/{id}/resolve`
pub async fn resolve(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<ResolveForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let forward = ticked(&form.forward);
    let result = async {
        let id = number(&id)?;
        let note = reason("note", &form.note, false)?;
        reports::resolve(&data, &console.moderator, id, &form.action, &note, forward).await
    }
    .await;
    let key = if forward { "forwarded" } else { "resolved" };
    after(result, "/mod/reports", key)
}
