//! A forum's moderation log, published as a page when the forum chooses to (off by default):
//! what was decided in that forum, by whom and why. Decisions about instances, labels and the
//! whole server stay in the moderators' log only.

use super::{audit, holds::conversation_owner, Moderator};
use crate::{
    db::{moderation_records::LogEntry, Db},
    error::{Error, Result},
    model::ActorKind,
    service::conversations::accepts_remote_threads,
    state::AppState,
};

/// Entries shown on one page.
pub const PAGE: i64 = 50;

/// Makes a forum's log public (or not), logged.
pub async fn set_public(
    state: &AppState,
    moderator: &Moderator,
    forum: &str,
    public: bool,
) -> Result<()> {
    let forum = conversation_owner(state, forum).await?;
    if forum.kind != ActorKind::Group {
        return Err(Error::NotFound);
    }
    let remote_threads = accepts_remote_threads(state, &forum).await?;
    let mut tx = state.db.begin().await?;
    Db::set_forum_log_public(&mut tx, forum.id, public, remote_threads).await?;
    let action = if public {
        "publish moderation log"
    } else {
        "unpublish moderation log"
    };
    audit::record(
        &mut tx,
        moderator,
        action,
        &forum.name,
        Some(forum.id),
        "",
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a forum publishes its log; 404 for anything but a forum.
pub async fn is_public(state: &AppState, forum: &str) -> Result<bool> {
    let forum = conversation_owner(state, forum).await?;
    if forum.kind != ActorKind::Group {
        return Err(Error::NotFound);
    }
    Ok(state.db.forum_log_is_public(forum.id).await?)
}

/// A page of a forum's public log (newest first); 404 when the forum does not publish it.
pub async fn page(state: &AppState, forum: &str, page: i64) -> Result<Vec<LogEntry>> {
    let forum = conversation_owner(state, forum).await?;
    if forum.kind != ActorKind::Group || !state.db.forum_log_is_public(forum.id).await? {
        return Err(Error::NotFound);
    }
    let offset = (page.max(1) - 1) * PAGE;
    Ok(state
        .db
        .moderation_log("", Some(forum.id), PAGE, offset)
        .await?)
}
