//! Reviving an unavailable instance when it shows signs of life: a verified activity from it
//! means it is up again, so its backlog is made due now instead of at its next rare retry (as
//! Mastodon does). Each process keeps the set of unavailable instances in memory (updated when
//! its worker gives up on one, and reloaded from the database every minute), so the inbox
//! writes nothing for the instances that are fine.

use std::{collections::HashSet, sync::Mutex};

use crate::state::AppState;

/// The instances this process believes unavailable.
#[derive(Default)]
pub struct Revivals {
    unavailable: Mutex<HashSet<String>>,
}

impl Revivals {
    fn set(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.unavailable
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The worker has just marked `instance` unavailable.
    pub fn mark(&self, instance: &str) {
        self.set().insert(instance.to_string());
    }

    /// Replaces the set with what the database says.
    pub fn reload(&self, unavailable: Vec<String>) {
        *self.set() = unavailable.into_iter().collect();
    }

    /// Whether `instance` was unavailable (and forgets it: it is being revived).
    fn take(&self, instance: &str) -> bool {
        self.set().remove(instance)
    }
}

/// `instance` just sent a verified activity: if it was marked unavailable, try it now.
pub async fn heard_from(state: &AppState, instance: &str) {
    if !state.delivery_revivals.take(instance) {
        return;
    }
    match state.db.revive_unavailable_instance(instance).await {
        Ok(true) => {
            tracing::info!(%instance, "an unavailable instance is back; resuming its deliveries");
            state.ring_delivery_bell();
        }
        Ok(false) => {}
        Err(err) => tracing::warn!(%instance, error = %err, "could not revive an instance"),
    }
}

/// Reloads the set from the database (the worker calls this every minute).
pub async fn reload(state: &AppState) {
    match state.db.unavailable_instances().await {
        Ok(instances) => state.delivery_revivals.reload(instances),
        Err(err) => tracing::warn!(error = %err, "could not read unavailable instances"),
    }
}
