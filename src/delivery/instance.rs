//! One instance's turn: its task sends the instance's backlog in queue order (at most
//! `delivery_instance_concurrency` requests in flight), reports each outcome to the recorder,
//! and on a failure backs the whole instance off and stops. Also what each delivery needs from
//! memory: the signer's parsed key and the activity's body, each read (or, for a Group's relay
//! of a remote post, rendered) once for many deliveries.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use futures::StreamExt;
use url::Url;

use super::{
    cache::SmallCache,
    metrics::ResultKind,
    recorder::{Outcome, OutcomeSender},
    retry,
    send::{post_activity, SendResult},
    signing::{body_digest, SigningKey},
    worker::{millis, WorkerContext, PAGE},
};
use crate::{
    db::{
        deliveries::{Delivery, StoredBody, DELIVERED, GIVEN_UP, REFUSED, WITHDRAWN},
        delivery_instances::{ClaimedInstance, FinishedDelivery, InstanceUpdate},
        now_millis,
    },
    service::relayed_posts,
};

/// Sends one instance's backlog in order until it is empty, the instance fails, or shutdown.
pub(super) async fn serve_instance(
    context: Arc<WorkerContext>,
    outcomes: OutcomeSender,
    claimed: ClaimedInstance,
    mut page: Vec<Delivery>,
) {
    let instance = claimed.instance;
    let mut failures = claimed.failures;
    let mut cursor = 0;
    let mut answered: Option<String> = None;
    'pages: loop {
        if page.is_empty() {
            break;
        }
        // A short page was the whole backlog. Anything queued since is found after the release
        // (which leaves an instance with pending rows due, and rings the bell).
        let last_page = page.len() < usize::try_from(PAGE).unwrap_or(usize::MAX);
        cursor = page.last().map_or(cursor, |d| d.id);
        let mut results = futures::stream::iter(page)
            .map(|delivery| {
                let context = context.clone();
                async move {
                    let result = deliver(&context, &delivery).await;
                    (delivery, result)
                }
            })
            .buffered(context.per_instance);
        while let Some((delivery, result)) = results.next().await {
            match record(&outcomes, &delivery, result) {
                Step::Answered(status) => answered = Some(status),
                Step::Next => {}
                Step::Retry {
                    status,
                    retry_after,
                } => {
                    // Read (or rendered) again when the instance's turn comes back: a relayed
                    // post deleted meanwhile is then withdrawn, not sent as it was.
                    context.payloads.0.forget(&delivery.activity);
                    failures += 1;
                    let (wait, unavailable) = retry::next_try(
                        failures,
                        context.state.config.delivery_first_retry,
                        retry_after,
                    );
                    if unavailable {
                        context.state.delivery_revivals.mark(&instance);
                        tracing::warn!(%instance, failures, "instance unavailable; will try it rarely");
                    } else {
                        tracing::info!(%instance, failures, %status, retry_in_secs = wait.as_secs(), "delivery failed, instance backs off");
                    }
                    let _ = outcomes.send(Outcome::Instance(InstanceUpdate::Failed {
                        instance: instance.clone(),
                        failures,
                        next_attempt_at: now_millis() + millis(wait),
                        status,
                        unavailable,
                    }));
                    // An answer earlier in this run does not undo the failure recorded above.
                    answered = None;
                    break 'pages;
                }
            }
            if context.cancel.is_cancelled() {
                break 'pages;
            }
        }
        drop(results);
        if last_page {
            break;
        }
        page = match context
            .state
            .db
            .pending_deliveries_after(&instance, cursor, PAGE)
            .await
        {
            Ok(page) => page,
            Err(err) => {
                tracing::error!(%instance, error = %err, "could not read an instance's backlog");
                break;
            }
        };
    }
    if let Some(status) = answered {
        let _ = outcomes.send(Outcome::Instance(InstanceUpdate::Succeeded {
            instance: instance.clone(),
            status,
        }));
    }
    let _ = outcomes.send(Outcome::Instance(InstanceUpdate::Released { instance }));
}

/// What a try means for the instance's run.
enum Step {
    /// The instance answered (2xx, or a final refusal): go on.
    Answered(String),
    /// Nothing learnt about the instance (the delivery could not be sent): go on.
    Next,
    /// The instance failed: stop and back off.
    Retry {
        status: String,
        retry_after: Option<Duration>,
    },
}

/// Sends the outcome of one try to the recorder; says what it means for the instance.
fn record(outcomes: &OutcomeSender, delivery: &Delivery, result: SendResult) -> Step {
    let finished = |state, status: String| {
        Outcome::Finished(FinishedDelivery {
            id: delivery.id,
            state,
            status,
        })
    };
    match result {
        SendResult::Delivered(code) => {
            let status = format!("HTTP {code}");
            let _ = outcomes.send(finished(DELIVERED, status.clone()));
            Step::Answered(status)
        }
        SendResult::Refused(code) => {
            tracing::info!(activity = %delivery.activity_ap_id, inbox = %delivery.inbox, code, "delivery refused for good");
            let status = format!("HTTP {code}");
            let _ = outcomes.send(finished(REFUSED, status.clone()));
            Step::Answered(status)
        }
        SendResult::Gone => {
            let status = "HTTP 410".to_string();
            let _ = outcomes.send(finished(REFUSED, status.clone()));
            if let Some(remote_actor_id) = delivery.recipient_actor_id {
                tracing::info!(inbox = %delivery.inbox, "recipient is gone; removing its follows");
                let _ = outcomes.send(Outcome::Gone { remote_actor_id });
            }
            Step::Answered(status)
        }
        SendResult::Undeliverable(reason) => {
            tracing::warn!(activity = %delivery.activity_ap_id, inbox = %delivery.inbox, %reason, "undeliverable");
            let _ = outcomes.send(finished(GIVEN_UP, reason));
            Step::Next
        }
        SendResult::Withdrawn(reason) => {
            let _ = outcomes.send(finished(WITHDRAWN, reason));
            Step::Next
        }
        SendResult::Retry {
            status,
            retry_after,
        } => {
            let _ = outcomes.send(Outcome::Retried {
                id: delivery.id,
                status: status.clone(),
            });
            Step::Retry {
                status,
                retry_after,
            }
        }
    }
}

/// Signs and sends one delivery, counting it in the metrics; first waits while the inbox is
/// busy (`inbound_first`).
async fn deliver(context: &WorkerContext, delivery: &Delivery) -> SendResult {
    context.state.inbox_load.wait_turn().await;
    let started = Instant::now();
    let result = try_deliver(context, delivery).await;
    let kind = match &result {
        SendResult::Delivered(_) => ResultKind::Delivered,
        SendResult::Refused(_) => ResultKind::Refused,
        SendResult::Gone => ResultKind::Gone,
        SendResult::Retry { .. } => ResultKind::Retry,
        SendResult::Undeliverable(_) => ResultKind::Undeliverable,
        SendResult::Withdrawn(_) => ResultKind::Withdrawn,
    };
    context
        .state
        .delivery_metrics
        .observe(kind, started.elapsed());
    result
}

async fn try_deliver(context: &WorkerContext, delivery: &Delivery) -> SendResult {
    let policies = context
        .state
        .instance_policies
        .current(&context.state.db)
        .await;
    if policies.refuses(&delivery.instance) {
        return SendResult::Undeliverable("instance blocked by policy".into());
    }
    let (body, digest) = match payload(context, delivery).await {
        Ok(Payload::Ready(body)) => body,
        Ok(Payload::Forgotten) => {
            return SendResult::Undeliverable("activity no longer stored".into())
        }
        Ok(Payload::Withdrawn) => {
            return SendResult::Withdrawn("withdrawn: no longer shown".into())
        }
        Err(err) => {
            tracing::error!(error = %err, "could not read an outbound activity");
            return SendResult::Retry {
                status: "activity could not be read".into(),
                retry_after: None,
            };
        }
    };
    let Ok(inbox) = Url::parse(&delivery.inbox) else {
        return SendResult::Undeliverable("inbox URL is unreadable".into());
    };
    let insecure = context.state.config.insecure_federation;
    if let Some(reason) = crate::federation::urls::refusal(&inbox, insecure) {
        return SendResult::Undeliverable(format!("inbox refused: {reason}"));
    }
    let key = match signing_key(context, delivery.signer_id).await {
        Ok(key) => key,
        Err(result) => return result,
    };
    post_activity(&context.client, &key, &inbox, body, &digest).await
}

/// What a delivery has to send.
enum Payload {
    /// The body and its `Digest` header value.
    Ready((Bytes, Arc<str>)),
    /// The activity's JSON was erased (nothing left to send), or the activity is gone.
    Forgotten,
    /// A Group's relay whose post is no longer shown.
    Withdrawn,
}

/// An activity's body and its `Digest` header value, read (or rendered) and hashed once for all
/// its deliveries (a fan-out to a thousand instances reads one row, not a thousand).
async fn payload(context: &WorkerContext, delivery: &Delivery) -> crate::error::Result<Payload> {
    if let Some(found) = context.payloads.0.get(&delivery.activity) {
        return Ok(Payload::Ready(found));
    }
    let json = match context.state.db.outbound_body(delivery.activity).await? {
        None => return Ok(Payload::Forgotten),
        Some(StoredBody::Json(json)) => json,
        Some(StoredBody::RelayOf(post)) => {
            match relayed_posts::announce_json(&context.state, delivery, post).await? {
                Some(json) => json,
                None => return Ok(Payload::Withdrawn),
            }
        }
    };
    let body = Bytes::from(json);
    let digest: Arc<str> = body_digest(&body).into();
    context
        .payloads
        .0
        .put(delivery.activity, (body.clone(), digest.clone()));
    Ok(Payload::Ready((body, digest)))
}

/// The parsed key of a local actor, from the cache or the database; or why it cannot be had.
async fn signing_key(
    context: &WorkerContext,
    signer_id: i64,
) -> Result<Arc<SigningKey>, SendResult> {
    if let Some(key) = context.keys.get(signer_id) {
        return Ok(key);
    }
    let signer = match context.state.db.local_actor_by_id(signer_id).await {
        Ok(Some(signer)) => signer,
        Ok(None) => return Err(SendResult::Undeliverable("signer no longer exists".into())),
        Err(err) => {
            tracing::error!(error = %err, "could not read a signing actor");
            return Err(SendResult::Retry {
                status: "signer could not be read".into(),
                retry_after: None,
            });
        }
    };
    let key_id = format!("{}#main-key", context.state.actor_url(&signer));
    context
        .keys
        .get_or_parse(signer_id, || {
            SigningKey::from_pem(key_id, &signer.private_key_pem)
        })
        .map_err(|err| SendResult::Undeliverable(err.to_string()))
}

/// Bodies of activities being delivered, by outbound row id, with their digest, for a minute:
/// what people wrote is not kept in memory longer than a fan-out needs it.
pub(super) struct PayloadCache(SmallCache<i64, (Bytes, Arc<str>)>);

impl Default for PayloadCache {
    fn default() -> PayloadCache {
        PayloadCache(SmallCache::new(1024, Some(Duration::from_secs(60))))
    }
}
