//! The delivery worker: claims due rows, sends them concurrently, records each outcome.
//!
//! Several workers (in several processes on one PostgreSQL database) can run at once: a row is
//! claimed with a lease before it is sent. A crash loses nothing; the lease runs out and the row
//! is claimed again.

use std::time::Duration;

use activitypub_federation::config::{Data, FederationConfig};
use futures::StreamExt;

use super::{
    retry,
    send::{send, Outcome},
};
use crate::{
    db::{deliveries::Delivery, now_millis},
    federation::objects::local_actor::ApubLocalActor,
    state::AppState,
};

/// How long a claimed row is ours before another worker may take it.
const LEASE: Duration = Duration::from_secs(60);
/// Rows claimed at once, and sent concurrently.
const BATCH: i64 = 64;
const CONCURRENCY: usize = 16;
/// How often to look for due rows when nothing rings the bell (other processes, retries).
const POLL: Duration = Duration::from_secs(1);

/// Starts the worker on the current runtime.
pub fn spawn(federation: FederationConfig<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let data = federation.to_request_data();
            let worked = match run_once(&data).await {
                Ok(count) => count > 0,
                Err(err) => {
                    tracing::error!(error = %err, "delivery worker could not read the queue");
                    false
                }
            };
            if !worked {
                let bell = data.delivery_bell.clone();
                tokio::select! {
                    _ = bell.notified() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
        }
    })
}

/// Claims one batch of due deliveries and works through it. Returns how many were claimed.
pub async fn run_once(data: &Data<AppState>) -> Result<usize, sqlx::Error> {
    let lease_until = now_millis() + LEASE.as_millis() as i64;
    let batch = data.db.claim_due_deliveries(lease_until, BATCH).await?;
    let count = batch.len();
    futures::stream::iter(batch)
        .for_each_concurrent(CONCURRENCY, |delivery| async move {
            if let Err(err) = deliver(data, &delivery).await {
                tracing::error!(delivery = delivery.id, error = %err, "could not record a delivery outcome");
            }
        })
        .await;
    Ok(count)
}

async fn deliver(data: &Data<AppState>, delivery: &Delivery) -> Result<(), sqlx::Error> {
    let db = &data.db;
    let Some(signer) = db.local_actor_by_id(delivery.signer_id).await? else {
        return db
            .give_up_delivery(delivery.id, delivery.attempts, "signer no longer exists")
            .await;
    };
    let signer = ApubLocalActor::new(signer, data);
    let attempts = delivery.attempts + 1;
    match send(data, &signer, delivery).await {
        Outcome::Done => {
            tracing::debug!(activity = %delivery.activity_id, inbox = %delivery.inbox, "delivered");
            db.finish_delivery(delivery.id).await
        }
        Outcome::Undeliverable(reason) => {
            tracing::warn!(activity = %delivery.activity_id, inbox = %delivery.inbox, %reason, "undeliverable");
            db.give_up_delivery(delivery.id, attempts, &reason).await
        }
        Outcome::Retry(reason) => {
            match retry::delay_after(attempts, data.config.delivery_first_retry) {
                Some(wait) => {
                    tracing::info!(activity = %delivery.activity_id, inbox = %delivery.inbox, attempts, %reason, retry_in_secs = wait.as_secs(), "delivery failed, will retry");
                    let next = now_millis() + wait.as_millis() as i64;
                    db.reschedule_delivery(delivery.id, attempts, next, &reason)
                        .await
                }
                None => {
                    tracing::warn!(activity = %delivery.activity_id, inbox = %delivery.inbox, attempts, %reason, "delivery failed for the last time");
                    db.give_up_delivery(delivery.id, attempts, &reason).await
                }
            }
        }
    }
}
