//! Reports: `Flag`s from other servers (by a user or an instance actor, about an actor and/or
//! posts) and reports by logged-in members, in one queue. A moderator resolves each with a note
//! and the action taken, and may forward it to the reported actor's instance (a `Flag` sent by
//! the instance actor, as Mastodon does).

use activitypub_federation::config::Data;
use url::Url;

use super::{audit, Moderator};
use crate::{
    db::{
        moderation_records::{NewReport, Report},
        Db,
    },
    delivery::{self, Recipient},
    error::{Error, FieldError, Result},
    federation::{
        activities::outgoing::{unique_id, Outgoing},
        objects::{local_actor::ApubLocalActor, post::local_post_id},
    },
    model::LocalActor,
    service::actors::INSTANCE_ACTOR,
    state::AppState,
};

/// The longest comment kept.
pub const MAX_COMMENT: usize = 2_000;

/// Whether `url` names a post here (local, or a remote one Rounds has).
async fn is_post(state: &AppState, url: &Url) -> Result<bool> {
    if local_post_id(state, url).is_some() {
        return Ok(true);
    }
    Ok(
        Db::post_by_ap_id(&mut *state.db.pool.acquire().await?, url.as_str())
            .await?
            .is_some(),
    )
}

/// A `Flag` from `actor`: its objects are the reported actor and posts.
pub async fn receive_flag(
    data: &Data<AppState>,
    activity_id: &Url,
    actor: &Url,
    objects: &[Url],
    content: &str,
) -> Result<()> {
    let mut reported_actor = None;
    let mut posts = Vec::new();
    for object in objects.iter().take(50) {
        if is_post(data, object).await? {
            posts.push(object.to_string());
        } else if reported_actor.is_none() {
            reported_actor = Some(object.to_string());
        }
    }
    if reported_actor.is_none() && posts.is_empty() {
        return Err(Error::BadRequest("a report needs an object".into()));
    }
    let comment: String = content.chars().take(MAX_COMMENT).collect();
    let mut tx = data.db.begin().await?;
    if !Db::record_received_activity(&mut tx, activity_id.as_str()).await? {
        return Err(Error::Conflict("activity already processed".into()));
    }
    let id = Db::insert_report(
        &mut tx,
        &NewReport {
            reporter: actor.as_str(),
            reported_actor: reported_actor.as_deref(),
            reported_posts: &posts,
            comment: &comment,
            flag_activity_id: Some(activity_id.as_str()),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(report = id, "a report arrived from another server");
    Ok(())
}

/// A member reports a post.
pub async fn report_post(
    state: &AppState,
    member: &LocalActor,
    post_id: i64,
    comment: &str,
) -> Result<i64> {
    let post = state
        .db
        .post_by_id(post_id)
        .await?
        .filter(|post| !post.is_deleted())
        .ok_or(Error::NotFound)?;
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Err(Error::Invalid(vec![FieldError::new(
            "comment",
            format!("at most {MAX_COMMENT} characters"),
        )]));
    }
    let author = crate::federation::objects::post::author_url(state, &post.author);
    let target = crate::federation::objects::post::post_url(state, &post);
    let mut tx = state.db.begin().await?;
    let id = Db::insert_report(
        &mut tx,
        &NewReport {
            reporter: state.actor_url(member).as_str(),
            reported_actor: Some(author.as_str()),
            reported_posts: &[target.to_string()],
            comment,
            flag_activity_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list(state: &AppState, state_name: &str) -> Result<Vec<Report>> {
    Ok(state.db.reports(state_name, 200).await?)
}

/// Resolves an open report with the action taken and a note; with `forward`, the reported
/// actor's instance receives the report as a `Flag` from the instance actor.
pub async fn resolve(
    data: &Data<AppState>,
    moderator: &Moderator,
    id: i64,
    action: &str,
    note: &str,
    forward: bool,
) -> Result<()> {
    let report = data.db.report_by_id(id).await?.ok_or(Error::NotFound)?;
    let action = action.trim();
    if action.is_empty() || action.chars().count() > 100 {
        return Err(Error::Invalid(vec![FieldError::new(
            "action",
            "1 to 100 characters",
        )]));
    }
    let mut forwarded_to = None;
    if forward {
        let reported = report
            .reported_actor
            .as_deref()
            .and_then(|actor| Url::parse(actor).ok())
            .filter(|actor| ApubLocalActor::name_in_url(actor, data).is_none());
        let remote = match &reported {
            Some(actor) => data.db.remote_actor_by_ap_id(actor).await?,
            None => None,
        };
        let remote = remote.ok_or_else(|| {
            Error::Unprocessable(
                "only a report about an actor on another server can be forwarded".into(),
            )
        })?;
        let instance_actor = data
            .db
            .local_actor_by_name(INSTANCE_ACTOR)
            .await?
            .ok_or_else(|| Error::Internal("the instance actor is missing".into()))?;
        let instance_url = data.actor_url(&instance_actor);
        let mut objects = vec![serde_json::Value::String(remote.ap_id.to_string())];
        objects.extend(
            report
                .reported_posts
                .iter()
                .cloned()
                .map(serde_json::Value::String),
        );
        let mut flag = Outgoing::new(
            "Flag",
            unique_id(&instance_url, "flags"),
            instance_url,
            serde_json::Value::Array(objects),
        );
        flag.to = vec![remote.ap_id.to_string()];
        forwarded_to = Some((flag, instance_actor, remote.id));
    }
    let mut tx = data.db.begin().await?;
    if !Db::resolve_report(&mut tx, id, action, note.trim(), moderator.0.id).await? {
        return Err(Error::Conflict("the report is already resolved".into()));
    }
    let mut sent = None;
    if let Some((mut flag, instance_actor, remote_id)) = forwarded_to {
        // Forwarded reports carry the reporter's comment, not who reported.
        let mut body = serde_json::to_value(&flag).unwrap_or_default();
        if let Some(map) = body.as_object_mut() {
            map.insert(
                "content".into(),
                serde_json::Value::String(report.comment.clone()),
            );
        }
        flag.cc = Vec::new();
        let payload = body.to_string();
        delivery::enqueue(
            &mut tx,
            &flag.id,
            &instance_actor,
            &payload,
            &[Recipient::Actor(remote_id)],
        )
        .await?;
        Db::mark_report_forwarded(&mut tx, id).await?;
        sent = Some(flag.id);
    }
    let target = format!("report {id}");
    audit::record(
        &mut tx,
        moderator,
        &format!("resolve report: {action}"),
        &target,
        None,
        note.trim(),
        sent.as_ref().map(Url::as_str),
    )
    .await?;
    tx.commit().await?;
    data.ring_delivery_bell();
    Ok(())
}
