//! The web pages people read in a browser: the home page, actor profiles, members' login and
//! account pages; and `/metrics` for the operator's monitoring.
//!
//! Architecture invariant: every piece of text that reaches HTML goes through `escape` (or
//! `paragraphs`); our own text included, so a forum title cannot break a page.

use activitypub_federation::config::Data;
use axum::{
    extract::Path,
    http::{header, HeaderValue},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Router,
};

use crate::{
    error::{Error, Result},
    model::{ActorKind, LocalActor},
    state::AppState,
};

pub mod account;
pub mod metrics;
pub mod posts;

const ICON: &[u8] = include_bytes!("icon.png");

pub fn router() -> Router {
    Router::new()
        .route("/", get(home))
        .route("/{at_name}", get(profile))
        .route("/icon.png", get(icon))
        .route("/metrics", get(metrics::metrics))
        .route("/login", get(account::login_page).post(account::log_in))
        .route("/logout", post(account::log_out))
        .route("/account", get(account::account))
        .route("/account/tokens", post(account::make_token))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// Plain text to HTML paragraphs: blank lines separate paragraphs, everything escaped.
pub fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| format!("<p>{}</p>", escape(paragraph).replace('\n', "<br>")))
        .collect()
}

pub(crate) fn page(title: &str, head_extra: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>{head_extra}\
         <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;\
         padding:0 1rem;line-height:1.5;color:#1d2b2f}}img{{border-radius:50%}}\
         code{{background:#eef4f5;padding:.1rem .3rem}}</style></head>\
         <body>{body}</body></html>\n",
        title = escape(title),
    ))
}

/// `GET /`: what this server is and which actors to follow.
async fn home(data: Data<AppState>) -> Result<Html<String>> {
    let actors = data
        .db
        .local_actors_of_kinds(&[ActorKind::Group, ActorKind::Organization])
        .await?;
    let items: String = actors
        .iter()
        .map(|actor| {
            format!(
                "<li><a href=\"/@{name}\">{title}</a> <code>@{name}@{domain}</code></li>",
                name = escape(&actor.name),
                title = escape(&actor.display_name),
                domain = escape(&data.config.domain),
            )
        })
        .collect();
    Ok(page(
        "Society for Participatory Medicine",
        "",
        &format!(
            "<h1>Society for Participatory Medicine</h1>\
             <p>Patients, caregivers and clinicians as partners in care. Follow these from your \
             own fediverse account (Mastodon, Lemmy, Misskey, GoToSocial…) by searching for the \
             handle:</p><ul>{items}</ul>"
        ),
    ))
}

/// `GET /@{name}`: an actor's profile page.
async fn profile(data: Data<AppState>, Path(at_name): Path<String>) -> Result<Html<String>> {
    let name = at_name.strip_prefix('@').ok_or(Error::NotFound)?;
    let row = data
        .db
        .local_actor_by_name(name)
        .await?
        .ok_or(Error::NotFound)?;
    actor_page(&data, &row).await
}

/// The HTML profile of a local actor, also served at its id for browsers.
pub async fn actor_page(data: &AppState, row: &LocalActor) -> Result<Html<String>> {
    let actor_id = data.url(&format!("/actors/{}", row.name));
    let handle = format!("@{}@{}", row.name, data.config.domain);
    let followers = data.db.count_followers(row.id).await?;
    let icon = data.url("/icon.png");
    let head = format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{id}\">\
         <meta property=\"og:title\" content=\"{title}\">\
         <meta property=\"og:description\" content=\"{summary}\">\
         <meta property=\"og:url\" content=\"{profile}\">\
         <meta property=\"og:image\" content=\"{icon}\">\
         <meta property=\"og:type\" content=\"profile\">",
        id = escape(actor_id.as_str()),
        title = escape(&row.display_name),
        summary = escape(&row.summary),
        profile = escape(data.url(&format!("/@{}", row.name)).as_str()),
        icon = escape(icon.as_str()),
    );
    let body = format!(
        "<p><img src=\"{icon}\" alt=\"\" width=\"64\" height=\"64\"></p>\
         <h1>{title}</h1><p><code>{handle}</code></p>{summary}\
         <p>{followers} followers. To follow, search for <code>{handle}</code> on your own \
         instance.</p><p><a href=\"/\">All of the Society's actors</a></p>",
        icon = escape(icon.as_str()),
        title = escape(&row.display_name),
        handle = escape(&handle),
        summary = paragraphs(&row.summary),
    );
    Ok(page(&row.display_name, &head, &body))
}

async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        ICON,
    )
        .into_response()
}

/// A Unix-ms time as RFC 3339 in UTC, to the second (`2026-11-25T17:02:11Z`).
pub fn rfc3339(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_into_paragraphs() {
        assert_eq!(
            paragraphs("a <b>\n& c\n\n\"d\""),
            "<p>a &lt;b&gt;<br>&amp; c</p><p>&quot;d&quot;</p>"
        );
    }
}
