//! Posts: threads, replies, journal announcements and webinars, as stored. A post belongs to the
//! conversation of one local actor (its `audience`: a forum, the journal or the webinars).

use serde::{Deserialize, Serialize};

/// What a post is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostKind {
    /// The first post of a forum discussion.
    Thread,
    /// An answer to another post, at any depth.
    Reply,
    /// A journal announcement.
    Article,
    /// A webinar notice.
    Event,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Thread => "thread",
            PostKind::Reply => "reply",
            PostKind::Article => "article",
            PostKind::Event => "event",
        }
    }

    pub fn parse(text: &str) -> Option<PostKind> {
        [
            PostKind::Thread,
            PostKind::Reply,
            PostKind::Article,
            PostKind::Event,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }

    /// Its ActivityStreams type.
    pub fn object_type(self) -> &'static str {
        match self {
            PostKind::Thread | PostKind::Reply => "Note",
            PostKind::Article => "Article",
            PostKind::Event => "Event",
        }
    }
}

/// Who may see a post, as its author addressed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Addressed to `as:Public`.
    Public,
    /// To the author's followers only.
    Followers,
    /// Only to the actors it names.
    Direct,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Followers => "followers",
            Visibility::Direct => "direct",
        }
    }

    pub fn parse(text: &str) -> Option<Visibility> {
        [
            Visibility::Public,
            Visibility::Followers,
            Visibility::Direct,
        ]
        .into_iter()
        .find(|visibility| visibility.as_str() == text)
    }
}

/// Who wrote a post, with what pages and JSON need to name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Author {
    Local {
        id: i64,
        name: String,
        display_name: String,
    },
    Remote {
        id: i64,
        ap_id: String,
        display_name: Option<String>,
        preferred_username: Option<String>,
        instance: String,
        /// Checked http(s) addresses (see `remote_actor::safe_web_url`).
        avatar_url: Option<String>,
        profile_url: Option<String>,
    },
}

/// An actor a post mentions: its id and the handle as written (`@user@host`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionRef {
    pub href: String,
    pub name: String,
}

/// The fields only some kinds have, stored together as JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDetails {
    /// Hashtags, without `#`, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashtags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<MentionRef>,
    /// Articles: the paper or page announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    /// Events: the IANA time zone the times are shown in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
}

/// A stored post, with its author and audience named.
#[derive(Clone, Debug)]
pub struct Post {
    pub id: i64,
    /// Remote posts only: their ActivityPub id.
    pub ap_id: Option<String>,
    pub kind: PostKind,
    pub author: Author,
    pub audience_id: i64,
    /// The name of the local actor whose conversation this is.
    pub audience_name: String,
    pub root_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub content_warning: Option<String>,
    pub source: Option<String>,
    pub content_html: String,
    pub visibility: Visibility,
    pub details: PostDetails,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub remote_url: Option<String>,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// Held for a moderator, and why (not shown, not relayed, until approved).
    pub held_reason: Option<String>,
    /// Taken down by a moderator (restorable).
    pub removed_at: Option<i64>,
    /// Roots: the conversation takes no more replies.
    pub locked_at: Option<i64>,
}

impl Post {
    /// The id of the conversation's first post (itself for a root).
    pub fn root(&self) -> i64 {
        self.root_id.unwrap_or(self.id)
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Shown to the public: public, not deleted, not held, not removed.
    pub fn is_visible(&self) -> bool {
        self.visibility == Visibility::Public
            && self.deleted_at.is_none()
            && self.held_reason.is_none()
            && self.removed_at.is_none()
    }

    /// Written by the local member `actor_id`.
    pub fn is_by_local(&self, actor_id: i64) -> bool {
        matches!(self.author, Author::Local { id, .. } if id == actor_id)
    }
}
