//! Pre-moderation: each conversation owner's reply policy (open; hold the first reply of an
//! actor not approved before; hold every reply from other servers; closed), screening for
//! personal identifiers and listed words (whatever the policy), and limited instances. A held
//! reply is invisible and not relayed until a moderator approves it; rejecting erases it
//! (optionally telling its author with a `Reject`).

use activitypub_federation::config::Data;

use super::{audit, screening, Moderator};
use crate::{
    db::Db,
    delivery::{self, Recipient},
    error::{Error, FieldError, Result},
    federation::activities::outgoing::{unique_id, Outgoing},
    model::{Author, LocalActor, Post, RemoteActor},
    state::AppState,
};

/// How replies to a conversation owner's posts are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyPolicy {
    Open,
    /// Hold the first reply of an actor this owner has not approved before.
    FirstTime,
    /// Hold every reply from other servers.
    HoldRemote,
    /// Take no replies from other servers.
    Closed,
}

impl ReplyPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyPolicy::Open => "open",
            ReplyPolicy::FirstTime => "first_time",
            ReplyPolicy::HoldRemote => "hold_remote",
            ReplyPolicy::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<ReplyPolicy> {
        [
            ReplyPolicy::Open,
            ReplyPolicy::FirstTime,
            ReplyPolicy::HoldRemote,
            ReplyPolicy::Closed,
        ]
        .into_iter()
        .find(|policy| policy.as_str() == text)
    }
}

/// The reply policy of a forum, the journal or the webinars (open unless set).
pub async fn reply_policy(state: &AppState, owner_id: i64) -> Result<ReplyPolicy> {
    let rules = state.moderation_rules.current(&state.db).await?;
    Ok(rules.reply_policy(owner_id))
}

/// Sets the reply policy of the local actor `owner` (a forum, `journal` or `webinars`).
pub async fn set_reply_policy(
    state: &AppState,
    moderator: &Moderator,
    owner: &str,
    policy: &str,
    reason: &str,
) -> Result<ReplyPolicy> {
    let policy = ReplyPolicy::parse(policy).ok_or_else(|| {
        Error::Invalid(vec![FieldError::new(
            "policy",
            "must be open, first_time, hold_remote or closed",
        )])
    })?;
    let owner = conversation_owner(state, owner).await?;
    let mut tx = state.db.begin().await?;
    Db::set_reply_policy(&mut tx, owner.id, policy.as_str()).await?;
    let action = format!("reply policy {}", policy.as_str());
    audit::record(
        &mut tx,
        moderator,
        &action,
        &owner.name,
        Some(owner.id),
        reason,
        None,
    )
    .await?;
    tx.commit().await?;
    state.moderation_rules.invalidate();
    Ok(policy)
}

/// A local actor that owns conversations: a forum, the journal or the webinars (404 otherwise).
pub async fn conversation_owner(state: &AppState, name: &str) -> Result<LocalActor> {
    use crate::model::ActorKind;
    state
        .db
        .local_actor_by_name(name)
        .await?
        .filter(|actor| matches!(actor.kind, ActorKind::Group | ActorKind::Organization))
        .ok_or(Error::NotFound)
}

/// Why a reply from another server to `owner_id`'s conversation is held, if it is: its
/// instance is limited, it carries what looks like personal identifiers or a listed word, or the
/// owner's policy holds it. 403 when the owner takes no replies.
pub async fn inbound_hold(
    state: &AppState,
    owner_id: i64,
    author: &RemoteActor,
    content_html: &str,
) -> Result<Option<String>> {
    let rules = state.moderation_rules.current(&state.db).await?;
    let policy = rules.reply_policy(owner_id);
    if policy == ReplyPolicy::Closed {
        return Err(Error::Forbidden(
            "this conversation takes no replies from other servers".into(),
        ));
    }
    if state
        .instance_policies
        .current(&state.db)
        .await
        .limits(&author.instance)
    {
        return Ok(Some("the author's instance is limited".into()));
    }
    let words = rules.screening_words();
    if let Some(reason) = screening::screen(&crate::render::plain_text(content_html), words) {
        return Ok(Some(reason));
    }
    Ok(match policy {
        ReplyPolicy::HoldRemote => Some("every reply from other servers is held".into()),
        ReplyPolicy::FirstTime
            if !state
                .db
                .is_approved_participant(owner_id, author.id)
                .await? =>
        {
            Some("first reply from this participant".into())
        }
        _ => None,
    })
}

/// Held replies, oldest first (of one conversation owner, or all).
pub async fn queue(state: &AppState, owner: Option<&str>) -> Result<Vec<Post>> {
    let owner_id = match owner {
        Some(name) => Some(conversation_owner(state, name).await?.id),
        None => None,
    };
    Ok(state.db.held_posts(owner_id, 200).await?)
}

async fn held(state: &AppState, post_id: i64) -> Result<Post> {
    state
        .db
        .post_by_id(post_id)
        .await?
        .filter(|post| post.held_reason.is_some() && !post.is_deleted())
        .ok_or(Error::NotFound)
}

/// Approves a held reply: it is shown, relayed by the forum, and its author is approved for this
/// conversation owner (for the first_time policy).
pub async fn approve(
    data: &Data<AppState>,
    moderator: &Moderator,
    post_id: i64,
    reason: &str,
) -> Result<()> {
    let post = held(data, post_id).await?;
    let mut tx = data.db.begin().await?;
    // Not one removed by a moderator since (a ban's removal): that awaits no review, and
    // approving it would relay a removed post. Rejecting it still erases it.
    if !Db::release_post(&mut tx, post.id).await? {
        return Err(Error::NotFound);
    }
    if let Author::Remote { id, .. } = post.author {
        Db::approve_participant(&mut tx, post.audience_id, id).await?;
    }
    let released = Post {
        held_reason: None,
        ..post.clone()
    };
    let relayed = crate::service::conversations::relay_approved(&mut tx, data, &released).await?;
    audit::record(
        &mut tx,
        moderator,
        "approve",
        &post_target(data, &post),
        Some(post.audience_id),
        reason,
        relayed.as_ref().map(url::Url::as_str),
    )
    .await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    Ok(())
}

/// Rejects a held reply: its words are erased; with `tell_author`, its author's server receives
/// a `Reject` of it from the conversation's owner.
pub async fn reject(
    data: &Data<AppState>,
    moderator: &Moderator,
    post_id: i64,
    tell_author: bool,
    reason: &str,
) -> Result<()> {
    let post = held(data, post_id).await?;
    let owner = data
        .db
        .local_actor_by_id(post.audience_id)
        .await?
        .ok_or(Error::NotFound)?;
    let target = post_target(data, &post);
    let mut tx = data.db.begin().await?;
    Db::tombstone_post(&mut tx, post.id).await?;
    let mut sent = None;
    if let (true, Author::Remote { id, .. }) = (tell_author, &post.author) {
        let owner_url = data.actor_url(&owner);
        let mut answer = Outgoing::new(
            "Reject",
            unique_id(&owner_url, "rejects"),
            owner_url,
            serde_json::Value::String(target.clone()),
        );
        if let Author::Remote { ap_id, .. } = &post.author {
            answer.to = vec![ap_id.clone()];
        }
        delivery::enqueue(
            &mut tx,
            &answer.id,
            &owner,
            &answer.payload(),
            &[Recipient::Actor(*id)],
        )
        .await?;
        sent = Some(answer.id);
    }
    audit::record(
        &mut tx,
        moderator,
        "reject",
        &target,
        Some(post.audience_id),
        reason,
        sent.as_ref().map(url::Url::as_str),
    )
    .await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    Ok(())
}

/// How a post is named in the log: its ActivityPub id.
pub fn post_target(state: &AppState, post: &Post) -> String {
    crate::federation::objects::post::post_url(state, post).to_string()
}

/// Adds or removes a screening word (lower-cased; 1 to 100 characters).
pub async fn set_screening_word(
    state: &AppState,
    moderator: &Moderator,
    word: &str,
    add: bool,
) -> Result<bool> {
    let word = word.trim().to_lowercase();
    if word.is_empty() || word.chars().count() > 100 {
        return Err(Error::Invalid(vec![FieldError::new(
            "word",
            "1 to 100 characters",
        )]));
    }
    let mut tx = state.db.begin().await?;
    let changed = Db::set_screening_word(&mut tx, &word, add, moderator.0.id).await?;
    if changed {
        let action = if add {
            "add screening word"
        } else {
            "remove screening word"
        };
        audit::record(&mut tx, moderator, action, &word, None, "", None).await?;
    }
    tx.commit().await?;
    state.moderation_rules.invalidate();
    Ok(changed)
}
