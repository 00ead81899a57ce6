//! A thread's conversation as nested lists: each reply in an `<ol>` under what it answers,
//! oldest first among siblings. A deleted reply keeps its place, and its answers, under "This
//! reply was deleted"; a reply that is not public is left out unless it has answers to show.
//!
//! Nesting stops at [`MAX_DEPTH`] so that a long exchange stays readable on a phone: deeper
//! replies are listed flat at that depth, each naming what it answers.

use std::collections::{HashMap, HashSet};

use super::{
    escape,
    parts::{
        author_html, author_name, body_html, edited_html, hashtags_html, safe_href, time_html,
    },
};
use crate::{
    model::{Post, Visibility},
    state::AppState,
};

/// The most replies a thread page reads.
pub const CONVERSATION_LIMIT: i64 = 2_000;

/// The deepest nesting shown.
pub const MAX_DEPTH: usize = 6;

/// How a reply is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Whole,
    Deleted,
    NotPublic,
}

fn shown(post: &Post) -> Shown {
    if post.is_deleted() {
        Shown::Deleted
    } else if post.visibility == Visibility::Public {
        Shown::Whole
    } else {
        Shown::NotPublic
    }
}

struct Tree<'a> {
    data: &'a AppState,
    by_id: HashMap<i64, &'a Post>,
    children: HashMap<i64, Vec<&'a Post>>,
    kept: HashSet<i64>,
}

/// The replies of `root` (`posts`: its conversation, oldest first) as nested lists; empty when
/// there is nothing to show.
pub fn conversation_html(data: &AppState, root: &Post, posts: &[Post]) -> String {
    let by_id: HashMap<i64, &Post> = posts.iter().map(|post| (post.id, post)).collect();
    let mut children: HashMap<i64, Vec<&Post>> = HashMap::new();
    for post in posts {
        // A reply whose parent is not in this conversation is shown as answering the root.
        let parent = post
            .parent_id
            .filter(|parent| by_id.contains_key(parent))
            .unwrap_or(root.id);
        children.entry(parent).or_default().push(post);
    }
    // Kept: every reply shown whole or as deleted, and every reply on the way up to one.
    let mut kept = HashSet::new();
    for post in posts.iter().filter(|post| shown(post) != Shown::NotPublic) {
        let mut current: Option<&Post> = Some(post);
        while let Some(reply) = current {
            if !kept.insert(reply.id) {
                break;
            }
            current = reply
                .parent_id
                .and_then(|parent| by_id.get(&parent).copied());
        }
    }
    let tree = Tree {
        data,
        by_id,
        children,
        kept,
    };
    tree.list(root.id, 1)
}

impl Tree<'_> {
    fn kept_children(&self, parent: i64) -> Vec<&Post> {
        self.children
            .get(&parent)
            .map(|children| {
                children
                    .iter()
                    .filter(|child| self.kept.contains(&child.id))
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `<ol>` of the answers to `parent`, at nesting `depth` (1 for the thread's).
    fn list(&self, parent: i64, depth: usize) -> String {
        let children = self.kept_children(parent);
        if children.is_empty() {
            return String::new();
        }
        let mut items = String::new();
        for child in children {
            if depth < MAX_DEPTH {
                items.push_str(&format!(
                    "<li>{}{}</li>",
                    self.reply(child, false),
                    self.list(child.id, depth + 1)
                ));
            } else {
                items.push_str(&format!("<li>{}</li>", self.reply(child, false)));
                for descendant in self.descendants(child.id) {
                    items.push_str(&format!("<li>{}</li>", self.reply(descendant, true)));
                }
            }
        }
        format!("<ol class=\"replies\">{items}</ol>")
    }

    /// Every kept reply under `parent`, in reading order (depth first, oldest first).
    fn descendants(&self, parent: i64) -> Vec<&Post> {
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        let mut stack: Vec<&Post> = self.kept_children(parent).into_iter().rev().collect();
        while let Some(post) = stack.pop() {
            if !seen.insert(post.id) {
                continue;
            }
            found.push(post);
            stack.extend(self.kept_children(post.id).into_iter().rev());
        }
        found
    }

    /// One reply; `flat` when it is listed beside what it answers rather than under it.
    fn reply(&self, post: &Post, flat: bool) -> String {
        let id = post.id;
        match shown(post) {
            Shown::Deleted => format!(
                "<article class=\"reply\" id=\"post-{id}\"><p class=\"gone\">This reply was \
                 deleted</p></article>"
            ),
            Shown::NotPublic => format!(
                "<article class=\"reply\" id=\"post-{id}\"><p class=\"gone\">This reply is \
                 not public</p></article>"
            ),
            Shown::Whole => {
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
                format!(
                    "<article class=\"reply\" id=\"post-{id}\" aria-label=\"Reply by {name}\">\
                     <header class=\"meta\">{author} · <a href=\"/posts/{id}\">{time}</a>\
                     {edited}{answering}{original}</header>{body}{tags}</article>",
                    name = escape(&author_name(&post.author)),
                    author = author_html(self.data, &post.author),
                    time = time_html(post.published_at),
                    edited = edited_html(post),
                    body = body_html(post),
                    tags = hashtags_html(self.data, post),
                )
            }
        }
    }
}
