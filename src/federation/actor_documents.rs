//! The actor documents of local actors, serialized once and kept: other servers fetch an actor
//! (to verify a signature, to follow it, to show its profile) far more often than it changes,
//! and a cached document is served without touching the database.
//!
//! Invariant: a document is never served staler than its last edit in this process
//! ([`ActorDocuments::forget`] is called once the edit has committed, and a document read
//! before the edit is not stored after it), nor more than [`KEEP`] after an edit made by
//! another process (the command line, a second server on the same database).
//! Bounded: at most [`CAPACITY`] documents, all dropped when full (a miss costs one read).

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        RwLock,
    },
    time::{Duration, Instant},
};

use bytes::Bytes;

use super::objects::local_actor::ApubLocalActor;
use crate::{
    error::{Error, Result},
    state::AppState,
};

/// How long a document is served before it is read again.
pub const KEEP: Duration = Duration::from_secs(1);

/// Documents kept at most.
pub const CAPACITY: usize = 1_024;

/// The serialized documents of this process, by actor name.
#[derive(Debug, Default)]
pub struct ActorDocuments {
    entries: RwLock<HashMap<String, (Bytes, Instant)>>,
    /// Bumped by every [`ActorDocuments::forget`]: a document read before an edit is not kept.
    generation: AtomicU64,
}

impl ActorDocuments {
    /// The document of `name`, if kept and fresh.
    fn get(&self, name: &str) -> Option<Bytes> {
        // A panic while holding the lock cannot leave the map inconsistent: use it as it is.
        let entries = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(name)
            .filter(|(_, at)| at.elapsed() < KEEP)
            .map(|(document, _)| document.clone())
    }

    /// Keeps `document`, read when the generation was `generation`, unless an edit came since.
    fn put(&self, name: &str, document: Bytes, generation: u64) {
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= CAPACITY && !entries.contains_key(name) {
            entries.clear();
        }
        entries.insert(name.to_string(), (document, Instant::now()));
    }

    /// Drops the document of `name`: call it once an edit of that actor has committed.
    pub fn forget(&self, name: &str) {
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(name);
    }
}

/// The actor document of the local actor `name`, serialized (404 if there is none).
pub async fn actor_document(data: &AppState, name: &str) -> Result<Bytes> {
    let cache = &data.actor_documents;
    if let Some(document) = cache.get(name) {
        return Ok(document);
    }
    let generation = cache.generation.load(Ordering::Acquire);
    let row = data
        .db
        .local_actor_by_name(name)
        .await?
        .ok_or(Error::NotFound)?;
    let actor = ApubLocalActor::new(row, data);
    let document = Bytes::from(
        serde_json::to_vec(&actor.to_json(data)).map_err(|err| Error::Internal(err.to_string()))?,
    );
    cache.put(name, document.clone(), generation);
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_drops_the_document_and_refuses_one_read_before_it() {
        let cache = ActorDocuments::default();
        cache.put("community", Bytes::from_static(b"old"), 0);
        assert_eq!(cache.get("community"), Some(Bytes::from_static(b"old")));
        let read_before_the_edit = cache.generation.load(Ordering::Acquire);
        cache.forget("community");
        assert_eq!(cache.get("community"), None);
        cache.put(
            "community",
            Bytes::from_static(b"old"),
            read_before_the_edit,
        );
        assert_eq!(cache.get("community"), None, "stale document kept");
        cache.put(
            "community",
            Bytes::from_static(b"new"),
            read_before_the_edit + 1,
        );
        assert_eq!(cache.get("community"), Some(Bytes::from_static(b"new")));
    }

    #[test]
    fn bounded() {
        let cache = ActorDocuments::default();
        for n in 0..CAPACITY + 1 {
            cache.put(&format!("a{n}"), Bytes::new(), 0);
        }
        let kept = cache
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len();
        assert!(kept <= CAPACITY, "{kept}");
    }
}
