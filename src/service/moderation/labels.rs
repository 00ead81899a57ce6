//! Participant labels: the Society's statement, after verifying it, that a participant (here or
//! on another server) is a clinician, a patient, a caregiver or a researcher. Stored locally,
//! shown beside that person's posts on every page, withdrawable; never federated.

use activitypub_federation::config::Data;

use super::{audit, bans::resolve_actor, Moderator};
use crate::{
    db::Db,
    error::{Error, FieldError, Result},
    state::AppState,
};

pub const LABELS: [&str; 4] = ["clinician", "patient", "caregiver", "researcher"];

/// Sets (`Some`) or withdraws (`None`) a participant's label; returns the actor's id.
pub async fn set_label(
    data: &Data<AppState>,
    moderator: &Moderator,
    actor: &str,
    label: Option<&str>,
    reason: &str,
) -> Result<String> {
    if let Some(label) = label {
        if !LABELS.contains(&label) {
            return Err(Error::Invalid(vec![FieldError::new(
                "label",
                "must be clinician, patient, caregiver or researcher",
            )]));
        }
    }
    let actor = resolve_actor(data, actor).await?;
    let mut tx = data.db.begin().await?;
    let changed = Db::set_participant_label(&mut tx, actor.as_str(), label, moderator.0.id).await?;
    if !changed && label.is_none() {
        return Err(Error::NotFound);
    }
    let action = match label {
        Some(label) => format!("label {label}"),
        None => "withdraw label".to_string(),
    };
    audit::record(
        &mut tx,
        moderator,
        &action,
        actor.as_str(),
        None,
        reason,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(actor.to_string())
}

pub async fn list(state: &AppState) -> Result<Vec<(String, String)>> {
    Ok(state.db.participant_labels().await?)
}
