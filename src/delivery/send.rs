//! Signing and sending one queued delivery, through activitypub_federation's
//! `SendActivityTask` (draft-cavage HTTP signature with a SHA-256 digest).

use activitypub_federation::{activity_sending::SendActivityTask, config::Data, traits::Activity};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::{
    db::deliveries::Delivery, error::Error, federation::objects::local_actor::ApubLocalActor,
    state::AppState,
};

/// How a try went.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered, or refused for good by the receiver (a 4xx other than 408 and 429).
    Done,
    /// Failed for now (network error, timeout, 5xx, 408, 429): try again later.
    Retry(String),
    /// Cannot ever be sent (the inbox URL is not acceptable): give up now.
    Undeliverable(String),
}

/// A queued activity, already serialized, in the shape `SendActivityTask` wants.
struct QueuedActivity {
    id: Url,
    actor: Url,
    body: Value,
}

impl std::fmt::Debug for QueuedActivity {
    /// Only the id: the body is what people wrote.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QueuedActivity({})", self.id)
    }
}

impl Serialize for QueuedActivity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.body.serialize(serializer)
    }
}

#[async_trait::async_trait]
impl Activity for QueuedActivity {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<(), Error> {
        Err(Error::Internal("queued activities are only sent".into()))
    }

    async fn receive(self, _data: &Data<AppState>) -> Result<(), Error> {
        Err(Error::Internal("queued activities are only sent".into()))
    }
}

/// Signs `delivery` as `signer` and POSTs it to its inbox.
pub async fn send(data: &Data<AppState>, signer: &ApubLocalActor, delivery: &Delivery) -> Outcome {
    let (Ok(id), Ok(inbox), Ok(body)) = (
        Url::parse(&delivery.activity_id),
        Url::parse(&delivery.inbox),
        serde_json::from_str::<Value>(&delivery.payload),
    ) else {
        return Outcome::Undeliverable("stored delivery is unreadable".into());
    };
    let activity = QueuedActivity {
        id,
        actor: signer.id.clone(),
        body,
    };
    let tasks = match SendActivityTask::prepare(&activity, signer, vec![inbox], data).await {
        Ok(tasks) => tasks,
        Err(err) => return Outcome::Retry(format!("could not prepare: {err}")),
    };
    // `prepare` drops inboxes that are local or that fail URL verification.
    let Some(task) = tasks.first() else {
        return Outcome::Undeliverable("inbox URL refused".into());
    };
    match task.sign_and_send(data).await {
        Ok(()) => Outcome::Done,
        Err(err) => Outcome::Retry(short_reason(&err)),
    }
}

/// A failure reason fit for the database and logs: no response bodies.
fn short_reason(err: &activitypub_federation::error::Error) -> String {
    use activitypub_federation::error::Error as Lib;
    match err {
        Lib::Other(text) => text
            .split(':')
            .next()
            .unwrap_or("failed")
            .chars()
            .take(200)
            .collect(),
        Lib::Reqwest(err) if err.is_timeout() => "timed out".into(),
        Lib::Reqwest(err) if err.is_connect() => "could not connect".into(),
        Lib::ReqwestMiddleware(_) | Lib::Reqwest(_) => "request failed".into(),
        other => other.to_string().chars().take(200).collect(),
    }
}
