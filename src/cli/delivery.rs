//! `rounds delivery ...`: the delivery queue, instance by instance.

use clap::Subcommand;

use crate::{
    app,
    config::Config,
    db::delivery_instances::{InstanceStatus, IDLE},
};

#[derive(Subcommand, Debug)]
pub enum DeliveryCommand {
    /// Per-instance state: backlog, last success, failures, unavailable since, next try.
    Status,
    /// Where one activity (by its id) was delivered, inbox by inbox.
    Records { activity_id: String },
    /// Try an instance again now instead of waiting for its backoff.
    Retry { instance: String },
}

pub async fn run(config: Config, command: DeliveryCommand) -> anyhow::Result<()> {
    let state = app::open(config).await?;
    let db = &state.db;
    match command {
        DeliveryCommand::Status => {
            let statuses = db.delivery_instance_statuses().await?;
            println!(
                "{:<32} {:>7} {:<20} {:>8} {:<20} {:<20} LAST STATUS",
                "INSTANCE", "BACKLOG", "LAST SUCCESS", "FAILURES", "UNAVAILABLE SINCE", "NEXT TRY"
            );
            for status in &statuses {
                println!("{}", status_line(status));
            }
            println!(
                "{} instances, {} deliveries pending.",
                statuses.len(),
                statuses.iter().map(|s| s.backlog).sum::<i64>()
            );
        }
        DeliveryCommand::Records { activity_id } => {
            let records = db.delivery_records(&activity_id).await?;
            if records.is_empty() {
                anyhow::bail!("no delivery records for {activity_id}");
            }
            for record in records {
                let state = match record.state {
                    0 => "pending",
                    1 => "delivered",
                    2 => "refused",
                    4 => "withdrawn",
                    _ => "given up",
                };
                println!(
                    "{}\t{}\t{state}\t{} tries\t{}\t{}",
                    record.instance,
                    record.inbox,
                    record.attempts,
                    record.last_status.as_deref().unwrap_or("-"),
                    time(record.finished_at)
                );
            }
        }
        DeliveryCommand::Retry { instance } => {
            if !db.make_instance_due(&instance).await? {
                anyhow::bail!("{instance} has nothing waiting (or is unknown)");
            }
            println!("{instance} will be tried within a second by a running server.");
        }
    }
    Ok(())
}

fn status_line(status: &InstanceStatus) -> String {
    let next = match status.next_attempt_at {
        IDLE => "idle".to_string(),
        0 => "now".to_string(),
        at => time(Some(at)),
    };
    format!(
        "{:<32} {:>7} {:<20} {:>8} {:<20} {:<20} {}",
        status.instance,
        status.backlog,
        time(status.last_success_at),
        status.failures,
        time(status.unavailable_since),
        next,
        status.last_status.as_deref().unwrap_or("-")
    )
}

/// A Unix-ms time as `YYYY-MM-DD HH:MM:SS` (UTC), or `-`.
fn time(millis: Option<i64>) -> String {
    millis
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or("-".to_string(), |at| {
            at.format("%Y-%m-%d %H:%M:%S").to_string()
        })
}
