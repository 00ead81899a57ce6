//! Tag pages at `/tags/{tag}`: the visible posts carrying a hashtag, newest first (the address
//! every hashtag link and `Hashtag` tag points to).

use activitypub_federation::config::Data;
use axum::extract::Path;

use super::{
    escape,
    layout::{page, Page},
    parts::{post_item, tag_path, Labels},
};
use crate::{
    error::{Error, Result},
    state::AppState,
};

/// The most posts a tag page lists.
const TAG_LIMIT: i64 = 100;

/// `GET /tags/{tag}`: 404 for a name no hashtag could have.
pub async fn tag_page(data: Data<AppState>, Path(tag): Path<String>) -> Result<Page> {
    let valid = !tag.is_empty()
        && tag.chars().count() <= 100
        && tag.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::NotFound);
    }
    let tag = tag.to_lowercase();
    let posts = data.db.visible_with_hashtag(&tag, TAG_LIMIT).await?;
    let labels = Labels::of(&data, &posts).await?;
    let items: String = posts
        .iter()
        .map(|post| post_item(&data, post, None, &labels))
        .collect();
    let list = if items.is_empty() {
        "<p>Nothing carries this tag yet.</p>".to_string()
    } else {
        format!("<ol class=\"items\">{items}</ol>")
    };
    let head = format!(
        "<link rel=\"canonical\" href=\"{}\">",
        escape(data.url(&tag_path(&data, &tag)).as_str())
    );
    Ok(page(
        &format!("#{tag}"),
        &head,
        &format!(
            "<h1>#{}</h1><p>Posts tagged #{0}, newest first.</p>{list}",
            escape(&tag)
        ),
    ))
}
