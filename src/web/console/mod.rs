//! The moderator console in the browser, under `/mod`: the overview, the queue of held replies,
//! a post's page (remove, restore, lock, and where each `Delete` was delivered), bans, instance
//! policies (with Mastodon's CSV), reports, labels, the log, and reply policies with screening
//! words. One file per area; the router, the guard and the shared page pieces are here.
//!
//! Architecture invariant: every handler starts with [`Console::enter`] (a page) or
//! [`Console::submit`] (a form): no session is a 303 to `/login`, a member who is not a moderator
//! or an admin gets a 403 page, and a form without the session's CSRF token gets a 403 page and
//! changes nothing. Every change is a call into `service::moderation`, which decides and writes
//! the log; nothing here writes to the database itself.
//!
//! Forms are posted, then the browser is sent back (303) to the page with `?done=KEY`, which
//! shows one of the fixed confirmations of [`DONE`] (never text from the request). A refusal
//! (422 with the fields named, 404, 409) is an HTML page saying what was wrong, with the status.
//! No page needs script (the content security policy allows none); all of them fit a phone.

mod bans;
mod instances;
mod labels;
mod log;
mod policies;
mod posts;
mod queue;
mod reports;

use std::collections::HashMap;

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::FormRejection, Query},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};

use super::{
    account::Viewer,
    escape,
    layout::page,
    parts::{author_name, safe_href},
};
use crate::{
    error::{Error, FieldError, Result},
    model::{ActorKind, Author, LocalActor},
    service::{
        moderation::{
            console, holds, instances as instance_policies, reports as report_queue, Moderator,
            MAX_REASON,
        },
        secrets,
    },
    state::AppState,
};

/// The console's routes.
pub fn router() -> Router {
    Router::new()
        .route("/mod", get(overview))
        .route("/mod/queue", get(queue::page))
        .route("/mod/queue/{id}/approve", post(queue::approve))
        .route("/mod/queue/{id}/reject", post(queue::reject))
        .route("/mod/posts", get(posts::find))
        .route("/mod/posts/{id}", get(posts::page))
        .route("/mod/posts/{id}/{action}", post(posts::act))
        .route("/mod/bans", get(bans::page).post(bans::ban))
        .route("/mod/bans/lift", post(bans::lift))
        .route("/mod/instances", get(instances::page).post(instances::set))
        .route("/mod/instances/clear", post(instances::clear))
        .route("/mod/instances/mode", post(instances::mode))
        .route("/mod/instances/import", post(instances::import))
        .route("/mod/instances.csv", get(instances::export))
        .route("/mod/reports", get(reports::page))
        .route("/mod/reports/{id}/resolve", post(reports::resolve))
        .route("/mod/labels", get(labels::page).post(labels::set))
        .route("/mod/labels/withdraw", post(labels::withdraw))
        .route("/mod/log", get(log::page))
        .route(
            "/mod/policies",
            get(policies::page).post(policies::set_policy),
        )
        .route("/mod/policies/words", post(policies::add_word))
        .route("/mod/policies/words/remove", post(policies::remove_word))
        .route("/mod/policies/public_log", post(policies::public_log))
}

/// The confirmations a page shows after a form: `?done=KEY`.
const DONE: [(&str, &str); 26] = [
    (
        "approved",
        "Approved: the reply is shown, and its forum relays it.",
    ),
    ("rejected", "Rejected: the reply's words are erased."),
    (
        "rejected_told",
        "Rejected: the reply's words are erased, and its author's server is told.",
    ),
    (
        "removed",
        "Removed: the post is hidden here, and a Delete is on its way to every instance that \
         received it.",
    ),
    ("restored", "Restored: the post is shown again."),
    ("locked", "Locked: the conversation takes no more replies."),
    (
        "unlocked",
        "Unlocked: the conversation takes replies again.",
    ),
    ("banned", "Banned: the actor's activities are refused."),
    ("lifted", "The ban is lifted."),
    (
        "suspend",
        "Suspended: nothing is taken from, sent to or fetched from the instance.",
    ),
    (
        "limit",
        "Limited: every reply from the instance is held for review.",
    ),
    (
        "allow",
        "Allowed: the instance federates in allowlist mode.",
    ),
    ("cleared", "The instance's policy is cleared."),
    (
        "allowlist",
        "Allowlist mode is on: only instances marked allow federate.",
    ),
    (
        "open",
        "Allowlist mode is off: every instance without a policy federates.",
    ),
    ("imported", "The blocklist is imported."),
    ("resolved", "The report is resolved."),
    (
        "forwarded",
        "The report is resolved and forwarded to the reported actor's server.",
    ),
    ("labelled", "The label is set."),
    ("withdrawn", "The label is withdrawn."),
    ("policy", "The reply policy is set."),
    ("word_added", "The word is on the screening list."),
    ("word_listed", "The word was already on the screening list."),
    ("word_removed", "The word is off the screening list."),
    (
        "log_public",
        "The forum's moderation log is published as a page.",
    ),
    (
        "log_private",
        "The forum's moderation log is no longer published.",
    ),
];

const STYLE: &str = "<style>.console{display:flex;flex-wrap:wrap;gap:.25rem 1rem;\
margin:0 0 1rem;padding:.5rem 0;border-bottom:1px solid #c5d3d6}\
.console a[aria-current]{font-weight:700;text-decoration:none;color:#1d2b2f}\
.done{background:#e3f1e8;border-left:3px solid #2f7a4a;padding:.25rem .75rem}\
.card{border:1px solid #c5d3d6;border-radius:.25rem;padding:.5rem .75rem;margin:0 0 1rem}\
.card h3{margin:.25rem 0}.actions{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem}\
.actions form{flex:1 1 15rem}.wide{overflow-x:auto}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;\
padding:.3rem .4rem;border-bottom:1px solid #c5d3d6}\
label{font-weight:600}input,select,button{font:inherit;min-height:2.5rem;padding:.25rem .5rem}\
input[type=checkbox]{min-height:auto}input[type=text],input:not([type]),select{width:100%}\
.state{font-weight:600}</style>";

/// A moderator at the console, with the session's CSRF token for the forms of the page.
pub(super) struct Console {
    pub moderator: Moderator,
    csrf: String,
}

impl Console {
    /// Who may see a console page: the login page (303) without a session, a 403 page for a
    /// member who is not a moderator or an admin.
    pub async fn enter(data: &AppState, headers: &HeaderMap) -> Result<Console, Response> {
        let viewer = Viewer::of(data, headers).await.map_err(refusal_page)?;
        let Some((member, csrf)) = viewer.member else {
            return Err(Redirect::to("/login").into_response());
        };
        let moderator = Moderator::of(&member).map_err(|_| {
            refusal_page(Error::Forbidden(
                "the console is for moderators and admins".into(),
            ))
        })?;
        Ok(Console { moderator, csrf })
    }

    /// Who may submit a console form: as [`Console::enter`], and the form carries the session's
    /// CSRF token (a 403 page otherwise).
    pub async fn submit(
        data: &AppState,
        headers: &HeaderMap,
        submitted_csrf: &str,
    ) -> Result<Console, Response> {
        let console = Console::enter(data, headers).await?;
        if !secrets::same_secret(&console.csrf, submitted_csrf) {
            return Err(refusal_page(Error::Forbidden(
                "the form has expired; load the page again".into(),
            )));
        }
        Ok(console)
    }

    /// A form posting to `action`: the CSRF token, `fields` (HTML), and a submit button.
    pub fn form(&self, action: &str, fields: &str, button: &str) -> String {
        format!(
            "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"csrf\" \
             value=\"{csrf}\">{fields}<p><button type=\"submit\">{button}</button></p></form>",
            action = escape(action),
            csrf = escape(&self.csrf),
            button = escape(button),
        )
    }
}

/// A form's fields, or the defaults (no CSRF token among them) when the body is not a form: a
/// post that is not a form is refused as a form without the token would be.
pub(super) fn form_or_empty<T: Default>(form: Result<Form<T>, FormRejection>) -> T {
    form.map(|Form(form)| form).unwrap_or_default()
}

/// A console page: the console's navigation (`current` marked), then `body`; never cached,
/// not indexed.
pub(super) fn console_page(status: StatusCode, title: &str, current: &str, body: &str) -> Response {
    let areas = [
        ("/mod", "Overview"),
        ("/mod/queue", "Queue"),
        ("/mod/reports", "Reports"),
        ("/mod/bans", "Bans"),
        ("/mod/instances", "Instances"),
        ("/mod/labels", "Labels"),
        ("/mod/policies", "Policies"),
        ("/mod/log", "Log"),
    ];
    let links: String = areas
        .iter()
        .map(|(href, name)| {
            let marked = if *href == current {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!("<a href=\"{href}\"{marked}>{name}</a>")
        })
        .collect();
    let body = format!("<nav class=\"console\" aria-label=\"Moderation\">{links}</nav>{body}");
    let head = format!("<meta name=\"robots\" content=\"noindex\">{STYLE}");
    private((status, page(&format!("{title} · Moderation"), &head, &body)).into_response())
}

/// Marks a response as made for one member: kept by no cache.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    response
}

/// The confirmation asked for with `?done=KEY`, or nothing.
pub(super) fn done_html(query: &HashMap<String, String>) -> String {
    let Some(key) = query.get("done") else {
        return String::new();
    };
    DONE.iter()
        .find(|(known, _)| known == key)
        .map(|(_, text)| format!("<p role=\"status\" class=\"done\">{}</p>", escape(text)))
        .unwrap_or_default()
}

/// After a form: back to `back` with the confirmation `key` (303), or a page saying why it was
/// not done.
pub(super) fn after(result: Result<()>, back: &str, key: &str) -> Response {
    match result {
        Ok(()) => {
            let separator = if back.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{back}{separator}done={key}")).into_response()
        }
        Err(err) => problem_page(err, back),
    }
}

/// How the console names a form field in its messages.
fn field_label(field: &str) -> &str {
    match field {
        "actor" => "Actor",
        "forum" => "Forum",
        "reason" => "Reason",
        "note" => "Note",
        "expires_at" => "Ends",
        "instance" => "Instance",
        "policy" => "Policy",
        "mode" => "Mode",
        "csv" => "Blocklist",
        "action" => "Action taken",
        "label" => "Label",
        "word" => "Word",
        "page" => "Page",
        "id" => "Post",
        other => other,
    }
}

/// Why something was not done, as a page with the error's status and a link `back`.
pub(super) fn problem_page(err: Error, back: &str) -> Response {
    let status = err.status();
    let (title, explanation) = match &err {
        Error::Invalid(problems) => {
            let items: String = problems
                .iter()
                .map(|problem| {
                    format!(
                        "<li>{}: {}</li>",
                        escape(field_label(problem.field)),
                        escape(&problem.message)
                    )
                })
                .collect();
            (
                "Not done",
                format!("<p>Please correct:</p><ul>{items}</ul>"),
            )
        }
        Error::NotFound => (
            "Not found",
            "<p>There is no such post, report, ban, policy or forum here, or it has changed \
             since the page was loaded.</p>"
                .to_string(),
        ),
        Error::Forbidden(reason) => ("Not allowed", format!("<p>{}.</p>", escape(reason))),
        _ if status.is_server_error() => {
            tracing::error!(error = %err, "console request failed");
            (
                "Something went wrong",
                "<p>Nothing may have changed. Try again; if it keeps failing, tell an admin.</p>"
                    .to_string(),
            )
        }
        other => (
            "Not done",
            format!("<p>{}.</p>", escape(&other.to_string())),
        ),
    };
    let body = format!(
        "<h1>{title}</h1><div role=\"alert\" class=\"error\">{explanation}</div>\
         <p><a href=\"{back}\">Back</a></p>",
        back = escape(back),
    );
    console_page(status, title, "", &body)
}

/// A 403 (or other) page for someone who may not use the console, or a form that expired.
fn refusal_page(err: Error) -> Response {
    problem_page(err, "/")
}

/// A number from the path (a post, a report); 404 when it is not one.
pub(super) fn number(text: &str) -> Result<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Error::NotFound)
}

/// A reason or note: trimmed, at most [`MAX_REASON`] characters, and said when `required`.
pub(super) fn reason(field: &'static str, text: &str, required: bool) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > MAX_REASON {
        return Err(Error::Invalid(vec![FieldError::new(
            field,
            format!("at most {MAX_REASON} characters"),
        )]));
    }
    if required && text.is_empty() {
        return Err(Error::Invalid(vec![FieldError::new(field, "is required")]));
    }
    Ok(text.to_string())
}

/// A labelled one-line input; `extra` adds attributes (`required`, a placeholder).
pub(super) fn input(id: &str, name: &str, label: &str, extra: &str) -> String {
    format!(
        "<p><label for=\"{id}\">{label}</label><br><input id=\"{id}\" name=\"{name}\"{extra}></p>",
        id = escape(id),
        name = escape(name),
        label = escape(label),
    )
}

/// A labelled choice among `options` (value, text), `selected` chosen.
pub(super) fn select(
    id: &str,
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
) -> String {
    let options: String = options
        .iter()
        .map(|(value, text)| {
            let chosen = if value == selected { " selected" } else { "" };
            format!(
                "<option value=\"{}\"{chosen}>{}</option>",
                escape(value),
                escape(text)
            )
        })
        .collect();
    format!(
        "<p><label for=\"{id}\">{label}</label><br><select id=\"{id}\" name=\"{name}\">\
         {options}</select></p>",
        id = escape(id),
        name = escape(name),
        label = escape(label),
    )
}

/// A labelled checkbox that sends `name=on` when ticked.
pub(super) fn checkbox(id: &str, name: &str, label: &str) -> String {
    format!(
        "<p><input type=\"checkbox\" id=\"{id}\" name=\"{name}\"> \
         <label for=\"{id}\">{label}</label></p>",
        id = escape(id),
        name = escape(name),
        label = escape(label),
    )
}

/// Whether a checkbox was ticked.
pub(super) fn ticked(value: &str) -> bool {
    matches!(value, "on" | "true" | "yes" | "1")
}

/// The actors whose conversations have reply policies: the forums, the journal and the
/// webinars, oldest first.
pub(super) async fn conversation_owners(data: &AppState) -> Result<Vec<LocalActor>> {
    Ok(data
        .db
        .local_actors_of_kinds(&[ActorKind::Group, ActorKind::Organization])
        .await?)
}

/// `GET /mod`: what waits for a moderator, and where each area is.
async fn overview(data: Data<AppState>, headers: HeaderMap) -> Response {
    let console = match Console::enter(&data, &headers).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let counts = async {
        let held = holds::queue(&data, None).await?.len();
        let reports = report_queue::list(&data, "open").await?.len();
        let (allowlist, policies) = instance_policies::list(&data).await?;
        Ok::<_, Error>((held, reports, allowlist, policies.len()))
    }
    .await;
    let (held, reports, allowlist, policies) = match counts {
        Ok(counts) => counts,
        Err(err) => return problem_page(err, "/mod"),
    };
    let mode = if allowlist {
        "allowlist mode: only instances marked allow federate"
    } else {
        "open federation"
    };
    let body = format!(
        "<h1>Moderation</h1><p>Logged in as {name}.</p>\
         <ul class=\"items\">\
         <li><a href=\"/mod/queue\">Queue</a>: {held} held {replies} waiting for a decision.</li>\
         <li><a href=\"/mod/reports\">Reports</a>: {reports} open.</li>\
         <li><a href=\"/mod/instances\">Instances</a>: {policies} with a policy; {mode}.</li>\
         <li><a href=\"/mod/bans\">Bans</a>, <a href=\"/mod/labels\">labels</a>, \
         <a href=\"/mod/policies\">reply policies and screening words</a>, \
         <a href=\"/mod/log\">the moderation log</a>.</li></ul>{find}",
        name = escape(&console.moderator.0.name),
        replies = if held == 1 { "reply" } else { "replies" },
        find = posts::find_form(""),
    );
    console_page(StatusCode::OK, "Moderation", "/mod", &body)
}

/// The query of a page, for handlers that read one.
pub(super) type PageQuery = Query<HashMap<String, String>>;

/// A query parameter, trimmed, when it says something.
pub(super) fn query_value<'q>(query: &'q HashMap<String, String>, name: &str) -> Option<&'q str> {
    query
        .get(name)
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
}

/// An author as a moderator needs to know them: the name people read (escaped, linked to their
/// own page when it is an http(s) address), and their handle.
pub(super) fn author_html(data: &AppState, author: &Author) -> String {
    let name = escape(&author_name(author));
    let link = match author {
        Author::Local { name: login, .. } => format!("<a href=\"/@{}\">{name}</a>", escape(login)),
        Author::Remote {
            ap_id, profile_url, ..
        } => match profile_url
            .as_deref()
            .or(Some(ap_id.as_str()))
            .and_then(safe_href)
        {
            Some(href) => format!("<a href=\"{href}\" rel=\"nofollow\">{name}</a>"),
            None => name,
        },
    };
    match console::handle(data, author) {
        Some(handle) => format!("{link} <code>{}</code>", escape(&handle)),
        None => link,
    }
}

/// An address written by someone else: a link when it is http(s), always shown as text.
pub(super) fn address_html(address: &str) -> String {
    match safe_href(address) {
        Some(href) => format!(
            "<a href=\"{href}\" rel=\"nofollow\"><code>{}</code></a>",
            escape(address)
        ),
        None => format!("<code>{}</code>", escape(address)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmations_are_fixed_texts() {
        let query = |value: &str| HashMap::from([("done".to_string(), value.to_string())]);
        assert!(done_html(&query("approved")).contains("Approved"));
        assert_eq!(done_html(&query("<script>")), "");
        assert_eq!(done_html(&HashMap::new()), "");
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(reason("reason", "  spam ", true).unwrap(), "spam");
        assert!(matches!(
            reason("reason", " ", true),
            Err(Error::Invalid(problems)) if problems[0].field == "reason"
        ));
        assert!(reason("note", &"x".repeat(MAX_REASON + 1), false).is_err());
    }
}
