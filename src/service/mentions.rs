//! Finding the actors a member's post mentions (`@user@instance`): local members and known
//! remote actors from the database, others by WebFinger (bounded in number and time). A handle
//! that cannot be found stays plain text, as on Mastodon.

use std::{collections::HashMap, time::Duration};

use activitypub_federation::{config::Data, fetch::webfinger::webfinger_resolve_actor};
use url::Url;

use crate::{
    federation::objects::remote_actor::ApubRemoteActor,
    render::{find_mentions, Handle},
    state::AppState,
};

/// Mentions looked up per post; more stay text.
pub const MAX_MENTIONS: usize = 20;
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// A mentioned actor: its id, and its row when it is remote (to deliver to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mentioned {
    pub url: Url,
    pub remote_id: Option<i64>,
}

/// The actors `markdown` mentions that could be found.
pub async fn resolve_mentions(data: &Data<AppState>, markdown: &str) -> HashMap<Handle, Mentioned> {
    let mut found = HashMap::new();
    for handle in find_mentions(markdown).into_iter().take(MAX_MENTIONS) {
        if let Some(mentioned) = resolve(data, &handle).await {
            found.insert(handle, mentioned);
        }
    }
    found
}

async fn resolve(data: &Data<AppState>, handle: &Handle) -> Option<Mentioned> {
    if handle.host == data.config.domain.to_ascii_lowercase() {
        let actor = data.db.local_actor_by_name(&handle.user).await.ok()??;
        return Some(Mentioned {
            url: data.actor_url(&actor),
            remote_id: None,
        });
    }
    if let Ok(Some(actor)) = data
        .db
        .remote_actor_by_handle(&handle.user, &handle.host)
        .await
    {
        return Some(Mentioned {
            url: actor.ap_id,
            remote_id: Some(actor.id),
        });
    }
    let identifier = format!("{}@{}", handle.user, handle.host);
    let lookup = webfinger_resolve_actor::<AppState, ApubRemoteActor>(&identifier, data);
    match tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
        Ok(Ok(actor)) => Some(Mentioned {
            url: actor.0.ap_id.clone(),
            remote_id: Some(actor.0.id),
        }),
        Ok(Err(err)) => {
            tracing::info!(instance = %handle.host, reason = %err, "a mention could not be resolved");
            None
        }
        Err(_) => {
            tracing::info!(instance = %handle.host, "a mention lookup timed out");
            None
        }
    }
}
