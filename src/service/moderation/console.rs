//! Read-only views for moderators' tools (the API, `rounds mod`, and the console to come): held
//! posts as a moderator reviews them (an excerpt in plain text, the author's handle), the log
//! page by page with forum names, what the decisions about a post sent and where each copy was
//! delivered, bans with forum names, the screening words and reply policies. Nothing here
//! changes anything; every change goes through the other modules, which log it.

use std::collections::HashMap;

use super::{
    bans,
    holds::{self, conversation_owner, post_target, ReplyPolicy},
};
use crate::{
    db::{
        deliveries::{DeliveryRecord, DELIVERED, GIVEN_UP, PENDING, REFUSED, WITHDRAWN},
        moderation::Ban,
        moderation_records::LogEntry,
    },
    error::{Error, FieldError, Result},
    federation::objects::post::author_url,
    model::{Author, Post},
    state::AppState,
};

/// Log entries per page.
pub const LOG_PAGE: i64 = 50;

/// The longest excerpt of a held post, in characters.
pub const EXCERPT: usize = 300;

/// The furthest page of the log that can be asked for.
const MAX_PAGE: i64 = 100_000;

/// Log entries looked through for the decisions about one post.
const POST_HISTORY: i64 = 500;

/// A held post as a moderator reviews it.
#[derive(Clone, Debug)]
pub struct HeldPost {
    /// The number at the end of its URL here.
    pub id: i64,
    /// Its ActivityPub id (its own, for a post from another server).
    pub ap_id: String,
    pub author_id: String,
    /// `@user@instance`, when known.
    pub author_handle: Option<String>,
    /// The forum (or the journal, the webinars) whose conversation it is in.
    pub owner: String,
    /// The start of its words, as plain text.
    pub excerpt: String,
    pub held_reason: String,
    pub published_at: i64,
}

/// Held posts, oldest first (of one conversation owner, or all); 404 for an unknown owner.
pub async fn held_posts(state: &AppState, owner: Option<&str>) -> Result<Vec<HeldPost>> {
    let posts = holds::queue(state, owner).await?;
    Ok(posts.iter().map(|post| held_post(state, post)).collect())
}

fn held_post(state: &AppState, post: &Post) -> HeldPost {
    HeldPost {
        id: post.id,
        ap_id: post_target(state, post),
        author_id: author_url(state, &post.author).to_string(),
        author_handle: handle(state, &post.author),
        owner: post.audience_name.clone(),
        excerpt: excerpt(&crate::render::plain_text(&post.content_html), EXCERPT),
        held_reason: post.held_reason.clone().unwrap_or_default(),
        published_at: post.published_at,
    }
}

/// An author's `@user@instance`, when known.
pub fn handle(state: &AppState, author: &Author) -> Option<String> {
    match author {
        Author::Local { name, .. } => Some(format!("@{name}@{}", state.config.domain)),
        Author::Remote {
            preferred_username,
            instance,
            ..
        } => preferred_username
            .as_ref()
            .map(|user| format!("@{user}@{instance}")),
    }
}

/// At most `max` characters of `text` with white space collapsed, cut at a word and ended with
/// `…` when shortened.
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let at_word = match cut.rfind(' ') {
        Some(space) if space > cut.len() / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end())
}

/// A log entry with the name of its forum.
#[derive(Clone, Debug)]
pub struct LogLine {
    pub entry: LogEntry,
    pub forum: Option<String>,
}

/// One page of the log, newest first.
#[derive(Clone, Debug)]
pub struct LogPage {
    pub lines: Vec<LogLine>,
    pub page: i64,
    /// Whether there is a further (older) page.
    pub more: bool,
}

/// Page `page` (from 1) of the log entries matching `search` (in the action, target, reason or
/// moderator; empty: all), optionally of one forum (422 on `forum` if there is no such forum).
pub async fn log(
    state: &AppState,
    search: &str,
    forum: Option<&str>,
    page: i64,
) -> Result<LogPage> {
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(Error::Invalid(vec![FieldError::new(
            "page",
            format!("must be a whole number from 1 to {MAX_PAGE}"),
        )]));
    }
    let forum_id = match forum {
        Some(name) => match conversation_owner(state, name).await {
            Ok(owner) => Some(owner.id),
            Err(Error::NotFound) => {
                return Err(Error::Invalid(vec![FieldError::new(
                    "forum",
                    "no such forum",
                )]))
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    let mut entries = state
        .db
        .moderation_log(search.trim(), forum_id, LOG_PAGE + 1, (page - 1) * LOG_PAGE)
        .await?;
    let more = entries.len() as i64 > LOG_PAGE;
    entries.truncate(LOG_PAGE as usize);
    Ok(LogPage {
        lines: with_forum_names(state, entries).await?,
        page,
        more,
    })
}

async fn with_forum_names(state: &AppState, entries: Vec<LogEntry>) -> Result<Vec<LogLine>> {
    let mut names = OwnerNames::default();
    let mut lines = Vec::with_capacity(entries.len());
    for entry in entries {
        let forum = names.of(state, entry.forum_id).await?;
        lines.push(LogLine { entry, forum });
    }
    Ok(lines)
}

/// Names of local actors by id, looked up once each.
#[derive(Default)]
struct OwnerNames(HashMap<i64, Option<String>>);

impl OwnerNames {
    async fn of(&mut self, state: &AppState, id: Option<i64>) -> Result<Option<String>> {
        let Some(id) = id else {
            return Ok(None);
        };
        if let Some(name) = self.0.get(&id) {
            return Ok(name.clone());
        }
        let name = state
            .db
            .local_actor_by_id(id)
            .await?
            .map(|actor| actor.name);
        self.0.insert(id, name.clone());
        Ok(name)
    }
}

/// A decision that sent an activity, and where each copy of it went.
#[derive(Clone, Debug)]
pub struct SentActivity {
    pub entry: LogEntry,
    pub deliveries: Vec<DeliveryRecord>,
}

/// The decisions about post `post_id` that sent something (removal, restoring, locks, approval,
/// rejection), oldest first, each with its delivery records; 404 for an unknown post.
pub async fn post_deliveries(state: &AppState, post_id: i64) -> Result<Vec<SentActivity>> {
    let post = state.db.post_by_id(post_id).await?.ok_or(Error::NotFound)?;
    let target = post_target(state, &post);
    let entries = state
        .db
        .moderation_log_about(&target, post.audience_id, POST_HISTORY)
        .await?;
    let mut sent = Vec::new();
    for entry in entries.into_iter().rev() {
        let Some(activity_id) = entry.activity_id.clone() else {
            continue;
        };
        let deliveries = state.db.delivery_records(&activity_id).await?;
        sent.push(SentActivity { entry, deliveries });
    }
    Ok(sent)
}

/// A delivery record's state in words.
pub fn delivery_state(state: i64) -> &'static str {
    match state {
        PENDING => "pending",
        DELIVERED => "delivered",
        REFUSED => "refused",
        GIVEN_UP => "given up",
        WITHDRAWN => "withdrawn",
        _ => "unknown",
    }
}

/// A ban with the name of its forum (`None`: the whole server).
#[derive(Clone, Debug)]
pub struct BanLine {
    pub ban: Ban,
    pub forum: Option<String>,
}

/// The bans in force, newest first.
pub async fn bans(state: &AppState) -> Result<Vec<BanLine>> {
    let mut names = OwnerNames::default();
    let mut lines = Vec::new();
    for ban in bans::list(state).await? {
        let forum = names.of(state, ban.forum_id).await?;
        lines.push(BanLine { ban, forum });
    }
    Ok(lines)
}

/// The screening words, in order.
pub async fn screening_words(state: &AppState) -> Result<Vec<String>> {
    Ok(state.db.screening_words().await?)
}

/// The reply policy of the conversation owner `name` (a forum, `journal` or `webinars`; 404
/// otherwise).
pub async fn reply_policy_of(state: &AppState, name: &str) -> Result<ReplyPolicy> {
    let owner = conversation_owner(state, name).await?;
    holds::reply_policy(state, owner.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_at_a_word() {
        assert_eq!(excerpt("  short\n text ", 20), "short text");
        assert_eq!(excerpt("one two three four five six", 14), "one two three…");
        assert_eq!(excerpt("abcdefghijklmnop", 5), "abcde…");
    }
}
