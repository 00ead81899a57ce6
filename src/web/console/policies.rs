//! What is held before anyone sees it, and what forums publish (`/mod/policies`): the reply
//! policy of each forum, the journal and the webinars (`POST /mod/policies`), the screening
//! words (`POST /mod/policies/words`, `POST /mod/policies/words/remove`), and whether a forum
//! publishes its moderation log as a page (`POST /mod/policies/public_log`).

use activitypub_federation::config::Data;
use axum::{
    extract::rejection::FormRejection,
    http::{HeaderMap, StatusCode},
    response::Response,
    Form,
};
use serde::Deserialize;

use super::{
    after, console_page, conversation_owners, done_html, form_or_empty, input, problem_page,
    reason, select, Console, PageQuery,
};
use crate::{
    error::{Error, Result},
    model::ActorKind,
    service::moderation::{console, holds, public_log},
    state::AppState,
    web::escape,
};

const POLICIES: [(&str, &str); 4] = [
    ("open", "Open: shown at once (unless screening holds them)"),
    (
        "first_time",
        "First time: hold each participant's first reply",
    ),
    ("hold_remote", "Hold: every reply from other servers"),
    ("closed", "Closed: refuse replies from other servers"),
];

/// `GET /mod/policies`
pub async fn page(data: Data<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let console = match Console::enter(&data, &headers).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    match body(&data, &console).await {
        Ok(body) => {
            let body = format!("{}{}", done_html(&query), body);
            console_page(StatusCode::OK, "Policies", "/mod/policies", &body)
        }
        Err(err) => problem_page(err, "/mod"),
    }
}

async fn body(data: &AppState, console: &Console) -> Result<String> {
    let options: Vec<(String, String)> = POLICIES
        .iter()
        .map(|(value, text)| (value.to_string(), text.to_string()))
        .collect();
    let mut owners = String::new();
    for owner in conversation_owners(data).await? {
        let name = escape(&owner.name);
        let policy = console::reply_policy_of(data, &owner.name).await?;
        let set = console.form(
            "/mod/policies",
            &format!(
                "<input type=\"hidden\" name=\"owner\" value=\"{name}\">{}{}",
                select(
                    &format!("policy-{}", owner.name),
                    "policy",
                    "Replies from other servers",
                    &options,
                    policy.as_str(),
                ),
                input(
                    &format!("policy-reason-{}", owner.name),
                    "reason",
                    "Reason (optional)",
                    " maxlength=\"2000\"",
                ),
            ),
            "Set",
        );
        let log = if owner.kind == ActorKind::Group {
            let public = data.db.forum_log_is_public(owner.id).await?;
            let (value, text, button) = if public {
                (
                    "no",
                    "Its moderation log is published as a page.",
                    "Stop publishing the log",
                )
            } else {
                (
                    "yes",
                    "Its moderation log is not published.",
                    "Publish the log",
                )
            };
            console.form(
                "/mod/policies/public_log",
                &format!(
                    "<p>{text}</p><input type=\"hidden\" name=\"owner\" value=\"{name}\">\
                     <input type=\"hidden\" name=\"public\" value=\"{value}\">"
                ),
                button,
            )
        } else {
            String::new()
        };
        owners.push_str(&format!(
            "<article class=\"card\" id=\"owner-{name}\"><h3>{name}</h3>\
             <p>Now: <span class=\"state\">{policy}</span></p>\
             <div class=\"actions\">{set}{log}</div></article>",
            policy = policy.as_str(),
        ));
    }
    let words = console::screening_words(data).await?;
    let listed: String = words
        .iter()
        .enumerate()
        .map(|(n, word)| {
            format!(
                "<li><strong>{word}</strong>{remove}</li>",
                word = escape(word),
                remove = console.form(
                    "/mod/policies/words/remove",
                    &format!(
                        "<input type=\"hidden\" name=\"word\" value=\"{}\" id=\"word-{n}\">",
                        escape(word)
                    ),
                    "Remove",
                ),
            )
        })
        .collect();
    let listed = if words.is_empty() {
        "<p>No words are listed.</p>".to_string()
    } else {
        format!("<ul>{listed}</ul>")
    };
    let add = console.form(
        "/mod/policies/words",
        &input(
            "word-new",
            "word",
            "Word or phrase",
            " required maxlength=\"100\"",
        ),
        "Add",
    );
    Ok(format!(
        "<h1>Policies</h1><h2>Replies from other servers</h2><p>Members' own replies are never \
         held. Whatever the policy, replies that look like they carry personal identifiers, or \
         contain a screening word, are held.</p>{owners}<h2>Screening words</h2>\
         <p>A reply containing one (as whole words, in any case) is held.</p>{add}{listed}"
    ))
}

/// What the policy forms send (no `Debug`: it holds the CSRF token).
#[derive(Default, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    policy: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    word: String,
    #[serde(default)]
    public: String,
}

/// `POST /mod/policies`: a reply policy.
pub async fn set_policy(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<PolicyForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let result = async {
        let reason = reason("reason", &form.reason, false)?;
        holds::set_reply_policy(
            &data,
            &console.moderator,
            form.owner.trim(),
            form.policy.trim(),
            &reason,
        )
        .await
        .map(|_| ())
    }
    .await;
    after(result, "/mod/policies", "policy")
}

/// `POST /mod/policies/words`
pub async fn add_word(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<PolicyForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    match holds::set_screening_word(&data, &console.moderator, &form.word, true).await {
        Ok(true) => after(Ok(()), "/mod/policies", "word_added"),
        Ok(false) => after(Ok(()), "/mod/policies", "word_listed"),
        Err(err) => problem_page(err, "/mod/policies"),
    }
}

/// `POST /mod/policies/words/remove`
pub async fn remove_word(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<PolicyForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let result = match holds::set_screening_word(&data, &console.moderator, &form.word, false).await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::NotFound),
        Err(err) => Err(err),
    };
    after(result, "/mod/policies", "word_removed")
}

/// `POST /mod/policies/public_log`: `public` yes or no.
pub async fn public_log(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<PolicyForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let public = form.public == "yes";
    let result = public_log::set_public(&data, &console.moderator, form.owner.trim(), public).await;
    let key = if public { "log_public" } else { "log_private" };
    after(result, "/mod/policies", key)
}
