//! A small bounded map that the tasks of one process share (parsed signing and verifying keys,
//! activity bodies being fanned out, remote actors): cleared whole when full, since a miss only
//! costs one database read, and with an optional age after which an entry is dropped.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

pub struct SmallCache<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    capacity: usize,
    keep: Option<Duration>,
}

impl<K: Eq + Hash, V: Clone> SmallCache<K, V> {
    /// At most `capacity` entries, each kept for `keep` (or until cleared, if `None`).
    pub fn new(capacity: usize, keep: Option<Duration>) -> SmallCache<K, V> {
        SmallCache {
            entries: Mutex::new(HashMap::new()),
            capacity,
            keep,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (V, Instant)>> {
        // A panic while holding the lock cannot leave the map inconsistent: use it as it is.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut entries = self.lock();
        let (value, at) = entries.get(key)?;
        if self.keep.is_some_and(|keep| at.elapsed() >= keep) {
            entries.remove(key);
            return None;
        }
        Some(value.clone())
    }

    pub fn forget<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().remove(key);
    }

    pub fn put(&self, key: K, value: V) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_aged() {
        let cache = SmallCache::new(2, None);
        cache.put(1, "a");
        cache.put(2, "b");
        assert_eq!(cache.get(&1), Some("a"));
        cache.put(3, "c");
        assert_eq!(
            (cache.get(&1), cache.get(&3)),
            (None, Some("c")),
            "cleared when full"
        );
        cache.forget(&3);
        assert_eq!(cache.get(&3), None, "forgotten");
        let aged = SmallCache::new(8, Some(Duration::ZERO));
        aged.put(1, "a");
        assert_eq!(aged.get(&1), None);
    }
}
