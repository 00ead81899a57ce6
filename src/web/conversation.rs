//! A page of a thread's conversation as nested lists: the page's top-level replies in an `<ol>`,
//! each reply under what it answers, oldest first among siblings. A deleted reply keeps its
//! place, and its answers, under "This reply was deleted". What the viewer may see was decided
//! by the query (`db::pages::thread_page`): a reply that is not shown publicly (not addressed to
//! the public, held or removed by a moderator) is there only for moderators, and is marked so.
//!
//! Nesting stops at [`MAX_DEPTH`] so that a long exchange stays readable on a phone: deeper
//! replies are listed flat at that depth, each naming what it answers.

use std::collections::{HashMap, HashSet};

use super::{
    escape,
    parts::{
        author_html, author_name, body_html, edited_html, hashtags_html, reactions_html, safe_href,
        time_html, Labels,
    },
};
use crate::{
    db::pages::PostStats,
    model::{Post, Visibility},
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

struct Tree<'a> {
    data: &'a AppState,
    conversation: &'a Conversation<'a>,
    by_id: HashMap<i64, &'a Post>,
    children: HashMap<i64, Vec<&'a Post>>,
}

/// The page's replies as nested lists; empty when there is nothing to show.
pub fn conversation_html(data: &AppState, conversation: &Conversation) -> String {
    let by_id: HashMap<i64, &Post> = conversation
        .posts
        .iter()
        .map(|post| (post.id, post))
        .collect();
    let top: HashSet<i64> = conversation.top_level.iter().copied().collect();
    let mut children: HashMap<i64, Vec<&Post>> = HashMap::new();
    for post in conversation.posts {
        // A post whose parent is not on the page (cut by the page's limit) is left out.
        if let Some(parent) = post.parent_id.filter(|_| !top.contains(&post.id)) {
            if by_id.contains_key(&parent) {
                children.entry(parent).or_default().push(post);
            }
        }
    }
    let tree = Tree {
        data,
        conversation,
        by_id,
        children,
    };
    let top_level: Vec<&Post> = conversation
        .top_level
        .iter()
        .filter_map(|id| tree.by_id.get(id).copied())
        .collect();
    tree.list(top_level, 1)
}

impl Tree<'_> {
    fn children_of(&self, parent: i64) -> Vec<&Post> {
        self.children.get(&parent).cloned().unwrap_or_default()
    }

    /// The `<ol>` of `items`, at nesting `depth` (1 for the thread's).
    fn list(&self, items: Vec<&Post>, depth: usize) -> String {
        if items.is_empty() {
            return String::new();
        }
        let mut html = String::new();
        for child in items {
            if depth < MAX_DEPTH {
                html.push_str(&format!(
                    "<li>{}{}</li>",
                    self.reply(child, false),
                    self.list(self.children_of(child.id), depth + 1)
                ));
            } else {
                html.push_str(&format!("<li>{}</li>", self.reply(child, false)));
                for descendant in self.descendants(child.id) {
                    html.push_str(&format!("<li>{}</li>", self.reply(descendant, true)));
                }
            }
        }
        format!("<ol class=\"replies\">{html}</ol>")
    }

    /// Every reply under `parent`, in reading order (depth first, oldest first).
    fn descendants(&self, parent: i64) -> Vec<&Post> {
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        let mut stack: Vec<&Post> = self.children_of(parent).into_iter().rev().collect();
        while let Some(post) = stack.pop() {
            if !seen.insert(post.id) {
                continue;
            }
            found.push(post);
            stack.extend(self.children_of(post.id).into_iter().rev());
        }
        found
    }

    /// One reply; `flat` when it is listed beside what it answers rather than under it.
    fn reply(&self, post: &Post, flat: bool) -> String {
        let id = post.id;
        if post.is_deleted() {
            return format!(
                "<article class=\"reply\" id=\"post-{id}\"><p class=\"gone\">This reply was \
                 deleted</p></article>"
            );
        }
        let answering = match post.parent_id.and_then(|p| self.by_id.get(&p)) {
            Some(parent) if flat => format!(
                " · answering <a href=\"#post-{}\">{}</a>",
                parent.id,
                escape(&author_name(&parent.author))
            ),
            _ => String::new(),
        };
        let original = post
            .remote_url
            .as_deref()
            .or(post.ap_id.as_deref())
            .and_then(safe_href)
            .map(|href| format!(" · <a href=\"{href}\" rel=\"nofollow\">original</a>"))
            .unwrap_or_default();
        let stats = self
            .conversation
            .stats
            .get(&id)
            .copied()
            .unwrap_or_default();
        let name = escape(&author_name(&post.author));
        let (class, time, marker, reply) = match not_public(post) {
            None => (
                "reply",
                format!(
                    "<a href=\"/posts/{id}\">{}</a>",
                    time_html(post.published_at)
                ),
                String::new(),
                if self.conversation.reply_links {
                    format!(
                        " · <a href=\"/posts/{id}/reply\" aria-label=\"Reply to {name}\">\
                         Reply</a>"
                    )
                } else {
                    String::new()
                },
            ),
            // Only moderators are shown these; their own pages (`/posts/{id}`) are 404, and the
            // console's page of the post is where they decide.
            Some(why) => (
                "reply private",
                time_html(post.published_at),
                format!(
                    "<p class=\"private\"><strong>{}</strong> · \
                     <a href=\"/mod/posts/{id}\">Moderate</a></p>",
                    escape(&why)
                ),
                String::new(),
            ),
        };
        format!(
            "<article class=\"{class}\" id=\"post-{id}\" aria-label=\"Reply by {name}\">\
             {marker}<header class=\"meta\">{author} · {time}{edited}{reactions}{answering}\
             {original}{reply}</header>{body}{tags}</article>",
            author = author_html(self.data, &post.author, self.conversation.labels),
            edited = edited_html(post, stats.edits),
            reactions = reactions_html(&stats),
            body = body_html(post),
            tags = hashtags_html(self.data, post),
        )
    }
}
