//! A page of a thread's conversation as nested lists: the page's top-level replies in an `<ol>`,
//! each reply under what it answers, oldest first among siblings. A deleted reply keeps its
//! place, and its answers, under "This reply was deleted". What the viewer may see was decided
//! by the query (`db::pages::thread_page`): a reply that is not shown publicly (not addressed to
//! the public, held or removed by a moderator) is there only for moderators, and is marked so.
//!
//! Nesting stops at [`MAX_DEPTH`] so that a long exchange stays readable on a phone: deeper
//! replies are listed flat at that depth, each naming what it answers.

use std::{
    collections::{HashMap, HashSet},
    fmt::Write,
};

use super::{
    escape,
    parts::{
        author_html, author_name, body_html, edited_html, hashtags_html, reactions_html, safe_href,
        time_html, Labels,
    },
};
use crate::{
    db::pages::PostStats,
    model::{Author, Post, Visibility},
    state::AppState,
};

/// The most posts one page of a thread reads (its top-level replies and all their answers).
pub const PAGE_POST_LIMIT: i64 = 2_000;

/// Top-level replies on one page of a thread.
pub const TOP_LEVEL_PER_PAGE: i64 = 50;

/// The deepest nesting shown.
pub const MAX_DEPTH: usize = 6;

/// What a page of a conversation shows.
pub struct Conversation<'a> {
    /// The page's top-level replies, in order.
    pub top_level: &'a [i64],
    /// Those and everything under them that the viewer may see, oldest first.
    pub posts: &'a [Post],
    /// Likes, boosts and edits by post id.
    pub stats: &'a HashMap<i64, PostStats>,
    /// Each public reply gets a "Reply" link (a member who may write is logged in).
    pub reply_links: bool,
    /// The participant labels of the authors.
    pub labels: &'a Labels,
}

/// Why a reply is not shown publicly ("Followers only — not shown publicly"), when it is not:
/// only moderators' pages hold such replies.
fn not_public(post: &Post) -> Option<String> {
    let mut why: Vec<String> = Vec::new();
    match post.visibility {
        Visibility::Public => {}
        Visibility::Followers => why.push("Followers only".into()),
        Visibility::Direct => why.push("Direct".into()),
    }
    if let Some(reason) = &post.held_reason {
        why.push(format!("Held for moderation ({reason})"));
    }
    if post.removed_at.is_some() {
        why.push("Removed by a moderator".into());
    }
    if why.is_empty() {
        None
    } else {
        Some(format!("{} — not shown publicly", why.join(" · ")))
    }
}

/// Who wrote a post, as the page tells authors apart (a local and a remote actor may share a
/// row id).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum AuthorKey {
    Local(i64),
    Remote(i64),
}

impl AuthorKey {
    fn of(post: &Post) -> AuthorKey {
        match post.author {
            Author::Local { id, .. } => AuthorKey::Local(id),
            Author::Remote { id, .. } => AuthorKey::Remote(id),
        }
    }
}

struct Tree<'a> {
    data: &'a AppState,
    conversation: &'a Conversation<'a>,
    by_id: HashMap<i64, &'a Post>,
    children: HashMap<i64, Vec<&'a Post>>,
    /// Each author's name, handle and label as HTML, made once a page: a thread's replies come
    /// from far fewer people than there are replies, and each checks its addresses again.
    authors: HashMap<AuthorKey, String>,
}

/// The page's replies as nested lists; empty when there is nothing to show.
///
/// Written into one buffer: built by nested `format!`s, each level copied everything under it
/// again (a tenth of a 500-reply page's CPU went to moving memory).
pub fn conversation_html(data: &AppState, conversation: &Conversation) -> String {
    let by_id: HashMap<i64, &Post> = conversation
        .posts
        .iter()
        .map(|post| (post.id, post))
        .collect();
    let top: HashSet<i64> = conversation.top_level.iter().copied().collect();
    let mut children: HashMap<i64, Vec<&Post>> = HashMap::new();
    let mut authors = HashMap::new();
    for post in conversation.posts {
        // A post whose parent is not on the page (cut by the page's limit) is left out.
        if let Some(parent) = post.parent_id.filter(|_| !top.contains(&post.id)) {
            if by_id.contains_key(&parent) {
                children.entry(parent).or_default().push(post);
            }
        }
        authors
            .entry(AuthorKey::of(post))
            .or_insert_with(|| author_html(data, &post.author, conversation.labels));
    }
    let tree = Tree {
        data,
        conversation,
        by_id,
        children,
        authors,
    };
    let top_level: Vec<&Post> = conversation
        .top_level
        .iter()
        .filter_map(|id| tree.by_id.get(id).copied())
        .collect();
    // About what a reply of a few sentences takes, so that the buffer seldom grows.
    let mut html = String::with_capacity(conversation.posts.len() * 1_024);
    tree.list(&mut html, &top_level, 1);
    html
}

impl Tree<'_> {
    fn children_of(&self, parent: i64) -> &[&Post] {
        self.children
            .get(&parent)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Appends the `<ol>` of `items` (nothing when there are none), at nesting `depth` (1 for
    /// the thread's).
    fn list(&self, html: &mut String, items: &[&Post], depth: usize) {
        if items.is_empty() {
            return;
        }
        html.push_str("<ol class=\"replies\">");
        for child in items {
            html.push_str("<li>");
            self.reply(html, child, false);
            if depth < MAX_DEPTH {
                self.list(html, self.children_of(child.id), depth + 1);
                html.push_str("</li>");
            } else {
                html.push_str("</li>");
                for descendant in self.descendants(child.id) {
                    html.push_str("<li>");
                    self.reply(html, descendant, true);
                    html.push_str("</li>");
                }
            }
        }
        html.push_str("</ol>");
    }

    /// Every reply under `parent`, in reading order (depth first, oldest first).
    fn descendants(&self, parent: i64) -> Vec<&Post> {
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        let mut stack: Vec<&Post> = self.children_of(parent).iter().rev().copied().collect();
        while let Some(post) = stack.pop() {
            if !seen.insert(post.id) {
                continue;
            }
            found.push(post);
            stack.extend(self.children_of(post.id).iter().rev());
        }
        found
    }

    /// Appends one reply; `flat` when it is listed beside what it answers rather than under it.
    fn reply(&self, html: &mut String, post: &Post, flat: bool) {
        let id = post.id;
        if post.is_deleted() {
            let _ = write!(
                html,
                "<article class=\"reply\" id=\"post-{id}\"><p class=\"gone\">This reply was \
                 deleted</p></article>"
            );
            return;
        }
        let name = escape(&author_name(&post.author));
        let private = not_public(post);
        let class = if private.is_some() {
            "reply private"
        } else {
            "reply"
        };
        let _ = write!(
            html,
            "<article class=\"{class}\" id=\"post-{id}\" aria-label=\"Reply by {name}\">"
        );
        // Only moderators are shown replies that are not public; their own pages
        // (`/posts/{id}`) are 404, and the console's page of the post is where they decide.
        if let Some(why) = &private {
            let _ = write!(
                html,
                "<p class=\"private\"><strong>{}</strong> · \
                 <a href=\"/mod/posts/{id}\">Moderate</a></p>",
                escape(why)
            );
        }
        html.push_str("<header class=\"meta\">");
        match self.authors.get(&AuthorKey::of(post)) {
            Some(author) => html.push_str(author),
            None => html.push_str(&author_html(
                self.data,
                &post.author,
                self.conversation.labels,
            )),
        }
        html.push_str(" · ");
        if private.is_none() {
            let _ = write!(
                html,
                "<a href=\"/posts/{id}\">{}</a>",
                time_html(post.published_at)
            );
        } else {
            html.push_str(&time_html(post.published_at));
        }
        let stats = self
            .conversation
            .stats
            .get(&id)
            .copied()
            .unwrap_or_default();
        html.push_str(&edited_html(post, stats.edits));
        html.push_str(&reactions_html(&stats));
        if let Some(parent) = post.parent_id.and_then(|p| self.by_id.get(&p)) {
            if flat {
                let _ = write!(
                    html,
                    " · answering <a href=\"#post-{}\">{}</a>",
                    parent.id,
                    escape(&author_name(&parent.author))
                );
            }
        }
        if let Some(href) = post
            .remote_url
            .as_deref()
            .or(post.ap_id.as_deref())
            .and_then(safe_href)
        {
            let _ = write!(html, " · <a href=\"{href}\" rel=\"nofollow\">original</a>");
        }
        if private.is_none() && self.conversation.reply_links {
            let _ = write!(
                html,
                " · <a href=\"/posts/{id}/reply\" aria-label=\"Reply to {name}\">Reply</a>"
            );
        }
        html.push_str("</header>");
        html.push_str(&body_html(post));
        html.push_str(&hashtags_html(self.data, post));
        html.push_str("</article>");
    }
}
