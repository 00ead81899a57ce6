//! Moderation of federated content: what is shown (holds, removals, locks), who may take part
//! (bans, reply policies, screening), which instances federate (instance policies), what was
//! reported (reports, from `Flag`s and members), what is known of participants (labels), and a
//! record of every decision (the moderation log). The console, the API and `rounds mod` all call
//! these; every action is written to the log in the transaction that makes it.

pub mod bans;
pub mod console;
pub mod holds;
pub mod instances;
pub mod labels;
pub mod public_log;
pub mod rate_limits;
pub mod removal;
pub mod reports;
pub mod rules;
pub mod screening;

use crate::{
    db::{moderation_records::NewLogEntry, Db, Tx},
    error::{Error, FieldError, Result},
    model::{LocalActor, Role},
};

/// The longest reason or note kept with a decision (characters).
pub const MAX_REASON: usize = 2_000;

/// A member allowed to moderate (a moderator or an admin).
#[derive(Clone, Debug)]
pub struct Moderator(pub LocalActor);

impl Moderator {
    /// 403 unless `member` is a moderator or an admin.
    pub fn of(member: &LocalActor) -> Result<Moderator> {
        match member.role {
            Some(Role::Moderator | Role::Admin) => Ok(Moderator(member.clone())),
            _ => Err(Error::Forbidden(
                "this needs the role moderator or admin".into(),
            )),
        }
    }
}

/// The moderation log: what each decision was, by whom, on what, where, why, and what it sent.
pub mod audit {
    use super::*;

    /// Writes the decision to the log, in the decision's transaction; a reason longer than
    /// [`MAX_REASON`] is refused (422), and with it the whole decision.
    pub async fn record(
        tx: &mut Tx,
        moderator: &Moderator,
        action: &str,
        target: &str,
        forum_id: Option<i64>,
        reason: &str,
        activity_id: Option<&str>,
    ) -> Result<()> {
        if reason.chars().count() > MAX_REASON {
            return Err(Error::Invalid(vec![FieldError::new(
                "reason",
                format!("at most {MAX_REASON} characters"),
            )]));
        }
        Db::log_moderation(
            tx,
            &NewLogEntry {
                moderator_id: Some(moderator.0.id),
                moderator_name: &moderator.0.name,
                action,
                target,
                forum_id,
                reason,
                activity_id,
            },
        )
        .await?;
        tracing::info!(moderator = %moderator.0.name, action, "moderation");
        Ok(())
    }
}
