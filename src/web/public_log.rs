//! `/@{forum}/log`: a forum's moderation log as a public page, when the forum publishes it
//! (`service::moderation::public_log`; 404 otherwise). Each entry says what was decided, about
//! what, why and when; not which moderator, so that moderators of a health community are not
//! singled out (the moderators' own log names them).

use activitypub_federation::config::Data;
use axum::extract::{Path, RawQuery};

use super::{
    actors::PageParam,
    escape,
    layout::Page,
    page,
    parts::{safe_href, time_html},
};
use crate::{
    db::moderation_records::LogEntry,
    error::{Error, Result},
    service::moderation::public_log,
    state::AppState,
};

/// `GET /@{forum}/log[?page=N]`.
pub async fn forum_log(
    data: Data<AppState>,
    Path(at_name): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Page> {
    let name = at_name.strip_prefix('@').ok_or(Error::NotFound)?;
    let number = PageParam::from_query(query.as_deref()).number()?;
    let entries = public_log::page(&data, name, number).await?;
    if entries.is_empty() && number > 1 {
        return Err(Error::NotFound);
    }
    let list = if entries.is_empty() {
        "<p>No moderation decisions yet.</p>".to_string()
    } else {
        format!(
            "<ol class=\"items\">{}</ol>",
            entries.iter().map(entry_html).collect::<String>()
        )
    };
    let path = format!("/@{name}/log");
    let mut pager = Vec::new();
    if number > 1 {
        let newer = match number - 1 {
            1 => path.clone(),
            n => format!("{path}?page={n}"),
        };
        pager.push(format!(
            "<a href=\"{}\" rel=\"prev\">Newer decisions</a>",
            escape(&newer)
        ));
    }
    if entries.len() as i64 == public_log::PAGE {
        pager.push(format!(
            "<a href=\"{}?page={}\" rel=\"next\">Older decisions</a>",
            escape(&path),
            number + 1
        ));
    }
    let pager = if pager.is_empty() {
        String::new()
    } else {
        format!(
            "<nav class=\"pager\" aria-label=\"Pages\">{}</nav>",
            pager.concat()
        )
    };
    let title = format!("Moderation log of @{name}");
    let body = format!(
        "<h1>{title}</h1><p>What the moderators of <a href=\"/@{name}\">@{name}</a> decided, \
         newest first. The forum chose to publish this log.</p>{list}{pager}",
        title = escape(&title),
        name = escape(name),
    );
    Ok(page(&escape(&title), "", &body))
}

/// One decision: its action, what it was about (linked when that is a web address), the
/// reason given and the time.
fn entry_html(entry: &LogEntry) -> String {
    let target = match safe_href(&entry.target) {
        Some(href) => format!("<a href=\"{href}\" rel=\"nofollow\">{href}</a>"),
        None => escape(&entry.target),
    };
    let reason = if entry.reason.trim().is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", escape(&entry.reason))
    };
    format!(
        "<li><article><p><strong>{action}</strong> · {target}</p>{reason}\
         <p class=\"meta\">{time}</p></article></li>",
        action = escape(&entry.action),
        time = time_html(entry.created_at),
    )
}
