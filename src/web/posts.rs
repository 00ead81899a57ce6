//! Pages of posts: a thread with its conversation, a journal announcement, a webinar.

use axum::response::{IntoResponse, Response};

use super::{escape, page};
use crate::{error::Result, model::Post, state::AppState};

/// The page of a post, served at its id for browsers (410 once deleted).
pub async fn post_page(_data: &AppState, post: &Post) -> Result<Response> {
    let title = post.title.clone().unwrap_or_else(|| "Reply".into());
    Ok(page(
        &title,
        "",
        &format!("<h1>{}</h1>{}", escape(&title), post.content_html),
    )
    .into_response())
}
