//! Inbound first: while the inbox is busy, deliveries wait their turn.
//!
//! A burst of replies (a webinar, a new paper) is also a burst of deliveries: the Group relays
//! each reply, and each delivery is an RSA signature, ≈ 280 µs of a core, more than the reply
//! itself costs to receive. Signing them while the burst lasts takes the cores the inbox needs,
//! and remote servers would wait longer for their answers (or retry). The queue is durable, so
//! deliveries can wait instead: while [`BUSY`] or more inbound activities are being received at
//! once, each delivery waits until fewer are, for at most [`MAX_WAIT`], so that deliveries still
//! move (slowly) through a burst that does not end, and at full speed after it.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// Inbound activities being received at once from which the inbox counts as busy. Ordinary
/// traffic (tens of activities a second, each answered in a few milliseconds) stays well below.
pub const BUSY: usize = 8;

/// The longest a delivery waits for a busy inbox.
pub const MAX_WAIT: Duration = Duration::from_millis(250);

/// How often a waiting delivery looks again.
const LOOK_EVERY: Duration = Duration::from_millis(5);

/// How many inbound activities are being received now.
#[derive(Debug, Default)]
pub struct InboxLoad {
    in_flight: AtomicUsize,
}

/// One inbound activity being received; counted until dropped.
#[must_use]
pub struct Receiving(Arc<InboxLoad>);

impl Drop for Receiving {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl InboxLoad {
    /// Counts an inbound activity until the returned guard is dropped.
    pub fn receiving(self: &Arc<Self>) -> Receiving {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Receiving(self.clone())
    }

    pub fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) >= BUSY
    }

    /// Waits while the inbox is busy, at most [`MAX_WAIT`]; how long it waited.
    pub async fn wait_turn(&self) -> Duration {
        let started = Instant::now();
        while self.busy() && started.elapsed() < MAX_WAIT {
            tokio::time::sleep(LOOK_EVERY).await;
        }
        started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn deliveries_wait_while_the_inbox_is_busy_and_not_for_ever() {
        let load = Arc::new(InboxLoad::default());
        // Quiet: no wait.
        let few: Vec<Receiving> = (0..BUSY - 1).map(|_| load.receiving()).collect();
        assert!(load.wait_turn().await < LOOK_EVERY);
        // Busy until one activity is answered, 60 ms from now.
        let last = load.receiving();
        let answered = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(60)).await;
            drop(last);
        });
        let waited = load.wait_turn().await;
        assert!(
            waited >= Duration::from_millis(55) && waited < MAX_WAIT,
            "{waited:?}"
        );
        answered.await.unwrap();
        // Busy for good: the delivery goes after MAX_WAIT.
        let more: Vec<Receiving> = (0..2).map(|_| load.receiving()).collect();
        let waited = load.wait_turn().await;
        assert!(waited >= MAX_WAIT && waited < MAX_WAIT * 2, "{waited:?}");
        drop((few, more));
        assert!(!load.busy());
        assert_eq!(load.in_flight.load(Ordering::Relaxed), 0);
    }
}
