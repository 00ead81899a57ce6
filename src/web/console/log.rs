//! The moderation log (`/mod/log[?q=TEXT&forum=NAME&page=N]`), newest first, fifty entries a
//! page: when, who, what, on what, where, why, and the id of what it sent. `q` finds text in the
//! action, target, reason or moderator's name.

use activitypub_federation::config::Data;
use axum::{
    http::{HeaderMap, StatusCode},
    response::Response,
};

use super::{
    console_page, conversation_owners, problem_page, query_value, select, Console, PageQuery,
};
use crate::{
    error::{Error, FieldError, Result},
    service::moderation::console::{self, LogPage},
    state::AppState,
    web::{escape, parts::time_html},
};

/// `GET /mod/log`
pub async fn page(data: Data<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    if let Err(response) = Console::enter(&data, &headers).await {
        return response;
    }
    let search = query.get("q").map_or("", |q| q.trim());
    let forum = query_value(&query, "forum");
    let result = async {
        let page = match query_value(&query, "page") {
            None => 1,
            Some(page) => page.parse::<i64>().map_err(|_| {
                Error::Invalid(vec![FieldError::new("page", "must be a whole number")])
            })?,
        };
        let log = console::log(&data, search, forum, page).await?;
        body(&data, search, forum, &log).await
    }
    .await;
    match result {
        Ok(body) => console_page(StatusCode::OK, "Log", "/mod/log", &body),
        Err(err) => problem_page(err, "/mod/log"),
    }
}

/// `/mod/log` with this search, forum and page.
fn href(search: &str, forum: Option<&str>, page: i64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !search.is_empty() {
        query.append_pair("q", search);
    }
    if let Some(forum) = forum {
        query.append_pair("forum", forum);
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        "/mod/log".into()
    } else {
        escape(&format!("/mod/log?{query}"))
    }
}

async fn body(data: &AppState, search: &str, forum: Option<&str>, log: &LogPage) -> Result<String> {
    let mut forums = vec![(String::new(), "All".to_string())];
    forums.extend(
        conversation_owners(data)
            .await?
            .into_iter()
            .map(|owner| (owner.name.clone(), owner.name)),
    );
    let rows: String = log
        .lines
        .iter()
        .map(|line| {
            let entry = &line.entry;
            format!(
                "<tr><td>{time}</td><td>{moderator}</td><td>{action}</td>\
                 <td><code>{target}</code></td><td>{forum}</td><td>{reason}</td>\
                 <td>{sent}</td></tr>",
                time = time_html(entry.created_at),
                moderator = escape(&entry.moderator_name),
                action = escape(&entry.action),
                target = escape(&entry.target),
                forum = escape(line.forum.as_deref().unwrap_or("")),
                reason = escape(&entry.reason),
                sent = entry
                    .activity_id
                    .as_deref()
                    .map(|id| format!("<code>{}</code>", escape(id)))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let table = if log.lines.is_empty() {
        "<p>No entries.</p>".to_string()
    } else {
        format!(
            "<div class=\"wide\"><table><thead><tr><th>When</th><th>Moderator</th>\
             <th>Action</th><th>On</th><th>Forum</th><th>Reason</th><th>Sent</th></tr></thead>\
             <tbody>{rows}</tbody></table></div>"
        )
    };
    let mut pager = Vec::new();
    if log.page > 1 {
        pager.push(format!(
            "<a rel=\"prev\" href=\"{}\">← Newer</a>",
            href(search, forum, log.page - 1)
        ));
    }
    pager.push(format!("<span>Page {}</span>", log.page));
    if log.more {
        pager.push(format!(
            "<a rel=\"next\" href=\"{}\">Older →</a>",
            href(search, forum, log.page + 1)
        ));
    }
    Ok(format!(
        "<h1>Moderation log</h1><form method=\"get\" action=\"/mod/log\" role=\"search\">\
         <p><label for=\"log-q\">Search</label><br><input id=\"log-q\" name=\"q\" \
         value=\"{search}\" placeholder=\"an action, a reason, a moderator, an address\"></p>\
         {forum}<p><button type=\"submit\">Search</button></p></form>{table}\
         <nav class=\"pager\" aria-label=\"Pages\">{pager}</nav>",
        search = escape(search),
        forum = select("log-forum", "forum", "Forum", &forums, forum.unwrap_or("")),
        pager = pager.concat(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_keep_the_search() {
        assert_eq!(href("", None, 1), "/mod/log");
        assert_eq!(
            href("a&b \"c\"", Some("community"), 2),
            "/mod/log?q=a%26b+%22c%22&amp;forum=community&amp;page=2"
        );
    }
}
