//! The recorder: one task per process that writes delivery outcomes to the database in batches
//! (group commit), so a fan-out to a thousand instances is a handful of transactions rather than
//! a thousand. Outcomes of one instance are recorded in the order they were sent, and its claim
//! is released in the same transaction as its last outcome, so no other worker can take the
//! instance while an outcome is still unwritten.
//!
//! A crash loses at most the outcomes not yet committed: those deliveries are still pending and
//! are sent again (at least once; exactly once when nothing crashes).

use std::{sync::Arc, time::Duration};

use tokio::sync::{mpsc, Notify};

use crate::db::{
    delivery_instances::{FinishedDelivery, InstanceUpdate, OutcomeBatch},
    Db,
};

/// One thing to record.
#[derive(Debug)]
pub enum Outcome {
    Finished(FinishedDelivery),
    Retried { id: i64, status: String },
    Gone { remote_actor_id: i64 },
    Instance(InstanceUpdate),
}

/// Outcomes taken into one transaction at most.
const MAX_BATCH: usize = 2_000;
/// How long the first outcome of a batch waits for company: fewer, larger transactions (and on
/// SQLite fewer writers queueing for the one write lock) for a few milliseconds of latency.
const LINGER: Duration = Duration::from_millis(5);
/// Wait between attempts when the database refuses a batch.
const RETRY_WAIT: Duration = Duration::from_millis(500);

pub type OutcomeSender = mpsc::UnboundedSender<Outcome>;

/// Starts the recorder; it ends when every sender is dropped and the last batch is written.
pub fn spawn(
    db: Db,
    worker: String,
    bell: Arc<Notify>,
) -> (OutcomeSender, tokio::task::JoinHandle<()>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let handle = tokio::spawn(run(db, worker, bell, receiver));
    (sender, handle)
}

async fn run(
    db: Db,
    worker: String,
    bell: Arc<Notify>,
    mut receiver: mpsc::UnboundedReceiver<Outcome>,
) {
    while let Some(first) = receiver.recv().await {
        let mut batch = OutcomeBatch::default();
        add(&mut batch, first);
        tokio::time::sleep(LINGER).await;
        let mut taken = 1;
        while taken < MAX_BATCH {
            match receiver.try_recv() {
                Ok(outcome) => {
                    add(&mut batch, outcome);
                    taken += 1;
                }
                Err(_) => break,
            }
        }
        let releases = batch
            .instances
            .iter()
            .any(|update| matches!(update, InstanceUpdate::Released { .. }));
        let mut tries = 0;
        while let Err(err) = db.record_delivery_outcomes(&worker, &batch).await {
            tries += 1;
            tracing::error!(error = %err, tries, "could not record delivery outcomes; retrying");
            tokio::time::sleep(RETRY_WAIT).await;
        }
        if releases {
            // Instances released may have had deliveries queued meanwhile.
            bell.notify_one();
        }
    }
}

fn add(batch: &mut OutcomeBatch, outcome: Outcome) {
    match outcome {
        Outcome::Finished(done) => batch.finished.push(done),
        Outcome::Retried { id, status } => batch.retried.push((id, status)),
        Outcome::Gone { remote_actor_id } => batch.gone_actors.push(remote_actor_id),
        Outcome::Instance(update) => batch.instances.push(update),
    }
}
