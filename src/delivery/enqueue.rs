//! Writing deliveries in the caller's transaction.

use sqlx::AnyConnection;
use url::Url;

use crate::{db::Db, error::Result, model::LocalActor};

/// Queues `payload` (the activity `activity_id`, signed by `signer`) for each distinct inbox.
/// Call inside the transaction that makes the change, and ring the delivery bell after commit.
pub async fn enqueue<'u>(
    conn: &mut AnyConnection,
    activity_id: &Url,
    signer: &LocalActor,
    inboxes: impl IntoIterator<Item = &'u Url>,
    payload: &str,
) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for inbox in inboxes {
        if seen.insert(inbox.as_str()) {
            Db::insert_delivery(
                conn,
                activity_id.as_str(),
                signer.id,
                inbox.as_str(),
                payload,
            )
            .await?;
        }
    }
    Ok(())
}
