//! Bans: an actor (on another server, or a member) barred from one forum or from the whole
//! server, with a reason and an optional end, optionally with everything it wrote removed. A
//! banned actor's activities are refused (403): server-wide bans at the inbox, forum bans where a
//! reply or thread would land.

use activitypub_federation::{config::Data, fetch::webfinger::webfinger_resolve_actor};
use chrono::DateTime;
use url::Url;

use super::{audit, holds::conversation_owner, removal, Moderator};
use crate::{
    db::{moderation::Ban, Db},
    error::{Error, FieldError, Result},
    federation::objects::{local_actor::ApubLocalActor, remote_actor::ApubRemoteActor},
    state::AppState,
};

/// What a moderator asks for.
#[derive(Clone, Debug, Default)]
pub struct BanRequest {
    /// An actor id (URL), a handle (`@user@instance`), or a member's name.
    pub actor: String,
    /// A forum's name; `None`: the whole server.
    pub forum: Option<String>,
    pub reason: String,
    /// RFC 3339; `None`: no end.
    pub expires_at: Option<String>,
    pub remove_content: bool,
}

/// The ActivityPub id an actor reference names (looked up by WebFinger when it is a handle on
/// another server that Rounds does not know yet).
pub async fn resolve_actor(data: &Data<AppState>, reference: &str) -> Result<Url> {
    let reference = reference.trim();
    let unknown = || Error::Invalid(vec![FieldError::new("actor", "no such actor")]);
    if let Ok(url) = Url::parse(reference) {
        if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() {
            return Ok(url);
        }
        return Err(unknown());
    }
    let handle = reference.trim_start_matches('@');
    match handle.split_once('@') {
        None => {
            let member = data
                .db
                .local_actor_by_name(handle)
                .await?
                .ok_or_else(unknown)?;
            Ok(data.actor_url(&member))
        }
        Some((user, host)) if host.eq_ignore_ascii_case(&data.config.domain) => {
            let member = data
                .db
                .local_actor_by_name(user)
                .await?
                .ok_or_else(unknown)?;
            Ok(data.actor_url(&member))
        }
        Some((user, host)) => {
            if let Some(actor) = data.db.remote_actor_by_handle(user, host).await? {
                return Ok(actor.ap_id);
            }
            webfinger_resolve_actor::<AppState, ApubRemoteActor>(&format!("{user}@{host}"), data)
                .await
                .map(|actor| actor.0.ap_id.clone())
                .map_err(|_| unknown())
        }
    }
}

/// 403 when `actor` (an id) is banned from the whole server or from the forum `forum_id`.
pub async fn check(state: &AppState, actor: &str, forum_id: Option<i64>) -> Result<()> {
    let rules = state.moderation_rules.current(&state.db).await?;
    if rules.is_banned_now(actor, forum_id) {
        Err(Error::Forbidden("this actor is banned here".into()))
    } else {
        Ok(())
    }
}

/// Bans an actor; returns the ban's id.
pub async fn ban(
    data: &Data<AppState>,
    moderator: &Moderator,
    request: &BanRequest,
) -> Result<i64> {
    let mut problems = Vec::new();
    if request.reason.trim().is_empty() {
        problems.push(FieldError::new("reason", "is required"));
    }
    let expires_at = match request
        .expires_at
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(time) if time.timestamp_millis() > crate::db::now_millis() => {
                Some(time.timestamp_millis())
            }
            Ok(_) => {
                problems.push(FieldError::new("expires_at", "must be in the future"));
                None
            }
            Err(_) => {
                problems.push(FieldError::new("expires_at", "must be an RFC 3339 time"));
                None
            }
        },
        None => None,
    };
    let actor = match resolve_actor(data, &request.actor).await {
        Ok(actor) => Some(actor),
        Err(Error::Invalid(mut found)) => {
            problems.append(&mut found);
            None
        }
        Err(other) => return Err(other),
    };
    let forum = match request.forum.as_deref() {
        Some(name) => match conversation_owner(data, name).await {
            Ok(forum) => Some(forum),
            Err(Error::NotFound) => {
                problems.push(FieldError::new("forum", "no such forum"));
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    let (Some(actor), true) = (actor, problems.is_empty()) else {
        return Err(Error::Invalid(problems));
    };
    if ApubLocalActor::name_in_url(&actor, data).is_some_and(|name| name == moderator.0.name) {
        return Err(Error::Unprocessable(
            "moderators cannot ban themselves".into(),
        ));
    }
    let forum_id = forum.as_ref().map(|forum| forum.id);
    // The ban and the removal of what the actor wrote commit together: never banned with half
    // of it still shown.
    let removals = match request.remove_content {
        true => {
            removal::prepare_removal_of_everything_by(data, moderator, &actor, forum_id).await?
        }
        false => Vec::new(),
    };
    let mut tx = data.db.begin().await?;
    let id = Db::insert_ban(
        &mut tx,
        actor.as_str(),
        forum_id,
        request.reason.trim(),
        expires_at,
        moderator.0.id,
    )
    .await?;
    let action = match &forum {
        Some(forum) => format!("ban from {}", forum.name),
        None => "ban from the server".to_string(),
    };
    audit::record(
        &mut tx,
        moderator,
        &action,
        actor.as_str(),
        forum_id,
        request.reason.trim(),
        None,
    )
    .await?;
    removal::remove_everything_in(&mut tx, data, moderator, &removals, request.reason.trim())
        .await?;
    tx.commit().await?;
    data.moderation_rules.invalidate();
    if !removals.is_empty() {
        data.ring_delivery_bell();
    }
    Ok(id)
}

/// Lifts an actor's bans from a forum (or the server); 404 if there were none.
pub async fn unban(
    data: &Data<AppState>,
    moderator: &Moderator,
    actor: &str,
    forum: Option<&str>,
    reason: &str,
) -> Result<()> {
    let actor = resolve_actor(data, actor).await?;
    let forum = match forum {
        Some(name) => Some(conversation_owner(data, name).await?),
        None => None,
    };
    let forum_id = forum.as_ref().map(|forum| forum.id);
    let mut tx = data.db.begin().await?;
    if Db::lift_bans(&mut tx, actor.as_str(), forum_id).await? == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        moderator,
        "unban",
        actor.as_str(),
        forum_id,
        reason,
        None,
    )
    .await?;
    tx.commit().await?;
    data.moderation_rules.invalidate();
    Ok(())
}

pub async fn list(state: &AppState) -> Result<Vec<Ban>> {
    Ok(state.db.all_bans_in_force().await?)
}
