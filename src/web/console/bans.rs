//! Bans (`/mod/bans`): the bans in force, newest first, each with a form to lift it
//! (`POST /mod/bans/lift`), and the form to ban an actor from a forum or the whole server
//! (`POST /mod/bans`), with a reason, an optional end and the option to remove what they wrote.

use activitypub_federation::config::Data;
use axum::{
    extract::rejection::FormRejection,
    http::{HeaderMap, StatusCode},
    response::Response,
    Form,
};
use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;

use super::{
    address_html, after, checkbox, console_page, conversation_owners, done_html, form_or_empty,
    input, problem_page, reason, select, ticked, Console, PageQuery,
};
use crate::{
    error::Result,
    model::ActorKind,
    service::moderation::{
        bans::{self, BanRequest},
        console,
    },
    state::AppState,
    web::{escape, parts::time_html},
};

/// `GET /mod/bans`
pub async fn page(data: Data<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let console = match Console::enter(&data, &headers).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    match body(&data, &console).await {
        Ok(body) => {
            let body = format!("{}{}", done_html(&query), body);
            console_page(StatusCode::OK, "Bans", "/mod/bans", &body)
        }
        Err(err) => problem_page(err, "/mod"),
    }
}

async fn body(data: &Data<AppState>, console: &Console) -> Result<String> {
    let bans = console::bans(data).await?;
    let mut forums = vec![(String::new(), "The whole server".to_string())];
    forums.extend(
        conversation_owners(data)
            .await?
            .into_iter()
            .filter(|owner| owner.kind == ActorKind::Group)
            .map(|forum| (forum.name.clone(), format!("Only {}", forum.name))),
    );
    let rows: String = bans
        .iter()
        .map(|line| {
            let ban = &line.ban;
            let lift = console.form(
                "/mod/bans/lift",
                &format!(
                    "<input type=\"hidden\" name=\"actor\" value=\"{actor}\">\
                     <input type=\"hidden\" name=\"forum\" value=\"{forum}\">{reason}",
                    actor = escape(&ban.actor_ap_id),
                    forum = escape(line.forum.as_deref().unwrap_or("")),
                    reason = input(
                        &format!("lift-reason-{}", ban.id),
                        "reason",
                        "Reason for lifting (optional)",
                        " maxlength=\"2000\"",
                    ),
                ),
                "Lift",
            );
            format!(
                "<article class=\"card\" id=\"ban-{id}\"><h3>{actor}</h3><p>{scope} · since \
                 {since} · {ends}</p><p>Reason: {reason}</p>{lift}</article>",
                id = ban.id,
                actor = address_html(&ban.actor_ap_id),
                scope = match &line.forum {
                    Some(forum) => format!("from {}", escape(forum)),
                    None => "from the whole server".into(),
                },
                since = time_html(ban.created_at),
                ends = match ban.expires_at {
                    Some(at) => format!("ends {}", time_html(at)),
                    None => "no end".into(),
                },
                reason = escape(&ban.reason),
            )
        })
        .collect();
    let list = if bans.is_empty() {
        "<p>No bans are in force.</p>".to_string()
    } else {
        rows
    };
    let form =
        console.form(
            "/mod/bans",
            &format!(
            "{actor}{forum}{reason}{ends}{remove}",
            actor = input(
                "ban-actor",
                "actor",
                "Actor",
                " required placeholder=\"@user@instance, their id (https://…) or a member's name\"",
            ),
            forum = select("ban-forum", "forum", "From", &forums, ""),
            reason = input("ban-reason", "reason", "Reason", " required maxlength=\"2000\""),
            ends = input(
                "ban-ends",
                "expires_at",
                "Ends (UTC; empty: no end)",
                " type=\"datetime-local\"",
            ),
            remove = checkbox(
                "ban-remove",
                "remove_content",
                "Also remove everything they wrote there",
            ),
        ),
            "Ban",
        );
    Ok(format!(
        "<h1>Bans</h1><p>A banned actor's activities are refused (403); nothing is sent to tell \
         them.</p><h2>Ban an actor</h2>{form}<h2>In force</h2>{list}"
    ))
}

/// The end of a ban as the service reads it (RFC 3339): a browser's `datetime-local` value is
/// taken as UTC; anything else is passed on for the service to judge.
fn expiry(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if DateTime::parse_from_rfc3339(text).is_ok() {
        return Some(text.to_string());
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| {
            naive
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .or_else(|| Some(text.to_string()))
}

/// What the ban form sends (no `Debug`: it holds the CSRF token).
#[derive(Default, Deserialize)]
pub struct BanForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    forum: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    expires_at: String,
    #[serde(default)]
    remove_content: String,
}

/// `POST /mod/bans`
pub async fn ban(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<BanForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let result = async {
        let reason = reason("reason", &form.reason, false)?;
        let request = BanRequest {
            actor: form.actor.trim().to_string(),
            forum: Some(form.forum.trim().to_string()).filter(|forum| !forum.is_empty()),
            reason,
            expires_at: expiry(&form.expires_at),
            remove_content: ticked(&form.remove_content),
        };
        bans::ban(&data, &console.moderator, &request)
            .await
            .map(|_| ())
    }
    .await;
    after(result, "/mod/bans", "banned")
}

/// `POST /mod/bans/lift`
pub async fn lift(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<BanForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let result = async {
        let reason = reason("reason", &form.reason, false)?;
        let forum = Some(form.forum.trim()).filter(|forum| !forum.is_empty());
        bans::unban(&data, &console.moderator, &form.actor, forum, &reason).await
    }
    .await;
    after(result, "/mod/bans", "lifted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_time_is_taken_as_utc() {
        assert_eq!(
            expiry("2099-01-02T03:04").as_deref(),
            Some("2099-01-02T03:04:00Z")
        );
        assert_eq!(
            expiry("2099-01-02T03:04:00+02:00").as_deref(),
            Some("2099-01-02T03:04:00+02:00")
        );
        assert_eq!(expiry(" "), None);
        assert_eq!(expiry("tomorrow").as_deref(), Some("tomorrow"));
    }
}
