//! The page of a thread: its first post, then one page of its conversation (paged by top-level
//! replies, [`TOP_LEVEL_PER_PAGE`] a page, each with all its answers), then the reply form for a
//! logged-in member or how to reply for everyone else. Moderators and admins also see the
//! replies that are not public, marked; nobody else ever does.
//!
//! A page costs in proportion to what it shows: the page's replies and the thread's counts
//! (`db::pages::thread_page`: the top-level replies, then one bounded query, and the counts
//! taken from the page when it holds the whole thread) and the likes, boosts and edits of all
//! of them (one query).

use super::{
    account::Viewer,
    conversation::{conversation_html, Conversation, PAGE_POST_LIMIT, TOP_LEVEL_PER_PAGE},
    escape,
    parts::{
        author_html, body_html, edited_html, hashtags_html, pager_to, post_title, reactions_html,
        time_html, Labels,
    },
    posts::place_html,
    replies::{reply_section, takes_replies},
};
use crate::{
    db::pages::ThreadView,
    error::{Error, Result},
    model::Post,
    state::AppState,
};

/// What the viewer may see of a thread.
pub fn view_of(viewer: &Viewer) -> ThreadView {
    if viewer.is_staff() {
        ThreadView::Staff
    } else {
        ThreadView::Public
    }
}

/// The number of pages `top_level` top-level replies fill (at least one).
fn last_page(top_level: i64) -> i64 {
    ((top_level + TOP_LEVEL_PER_PAGE - 1) / TOP_LEVEL_PER_PAGE).max(1)
}

/// The address of the reply `post` in its thread `root` as `viewer` sees it: on the page that
/// holds it (`/posts/{root}?page=N#post-{id}`, no `?page` on the first).
pub async fn place_in_thread(
    data: &AppState,
    root: i64,
    post: i64,
    viewer: &Viewer,
) -> Result<String> {
    let before = data
        .db
        .top_level_position(root, post, view_of(viewer))
        .await?
        .unwrap_or(0);
    let page = before / TOP_LEVEL_PER_PAGE + 1;
    Ok(if page > 1 {
        format!("/posts/{root}?page={page}#post-{post}")
    } else {
        format!("/posts/{root}#post-{post}")
    })
}

/// The body of page `number` of the thread `post`; 404 past its last page.
pub async fn thread_body(
    data: &AppState,
    post: &Post,
    viewer: &Viewer,
    number: i64,
) -> Result<String> {
    let view = view_of(viewer);
    let page = data
        .db
        .thread_page(post.id, view, number, TOP_LEVEL_PER_PAGE, PAGE_POST_LIMIT)
        .await?;
    let last = last_page(page.top_level_total);
    if number > last {
        return Err(Error::NotFound);
    }
    let ids: Vec<i64> = std::iter::once(post.id)
        .chain(page.posts.iter().map(|reply| reply.id))
        .collect();
    let stats = data.db.post_stats(&ids).await?;
    let labels = Labels::of(data, std::iter::once(post).chain(&page.posts)).await?;
    let locked = !takes_replies(Some(post));
    let own = stats.get(&post.id).copied().unwrap_or_default();
    let counts = page.counts;
    let heading = match counts.public {
        0 => "No replies yet".to_string(),
        1 => "1 reply".to_string(),
        n => format!("{n} replies"),
    };
    let not_public = match (view, counts.not_public) {
        (ThreadView::Public, _) | (_, 0) => String::new(),
        (_, 1) => "<p class=\"private\">1 more reply is not shown publicly: only moderators \
                   see it, marked where it is.</p>"
            .to_string(),
        (_, n) => format!(
            "<p class=\"private\">{n} more replies are not shown publicly: only moderators see \
             them, marked where they are.</p>"
        ),
    };
    let more = if page.posts.len() as i64 >= PAGE_POST_LIMIT {
        format!("<p>Only the first {PAGE_POST_LIMIT} replies of this page are shown.</p>")
    } else {
        String::new()
    };
    let pager = pager_to(
        &format!("/posts/{}", post.id),
        number,
        last,
        "Earlier replies",
        "Later replies",
    );
    let conversation = conversation_html(
        data,
        &Conversation {
            top_level: &page.top_level,
            posts: &page.posts,
            stats: &stats,
            reply_links: viewer.may_write() && !locked,
            labels: &labels,
        },
    );
    Ok(format!(
        "<article id=\"post-{id}\"><header>{place}<h1>{title}</h1>\
         <p class=\"meta\">by {author} · {time}{edited}{reactions}</p></header>{body}{tags}\
         </article><section aria-labelledby=\"replies\"><h2 id=\"replies\">{heading}</h2>\
         {not_public}{conversation}{more}{pager}</section>{reply}",
        id = post.id,
        place = place_html(data, post).await?,
        title = escape(&post_title(post)),
        author = author_html(data, &post.author, &labels),
        time = time_html(post.published_at),
        edited = edited_html(post, own.edits),
        reactions = reactions_html(&own),
        body = body_html(post),
        tags = hashtags_html(data, post),
        reply = reply_section(data, post, viewer, "Reply to this thread", locked),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_fifty_top_level_replies() {
        assert_eq!(last_page(0), 1);
        assert_eq!(last_page(50), 1);
        assert_eq!(last_page(51), 2);
        assert_eq!(last_page(120), 3);
    }
}
