//! `rounds mod --as MEMBER ...`: moderation from the command line, as a moderator or admin,
//! through the same service as the API (every decision is logged with the member's name). Lists
//! print one line per item, fields separated by tabs; errors say what was not found or allowed.

use std::{io::Read, path::PathBuf};

use clap::{Args, Subcommand};

use crate::{
    app,
    config::Config,
    error::Error,
    service::moderation::{
        bans::{self, BanRequest},
        console, holds,
        instances::{self, Policy},
        labels, public_log, removal, reports, Moderator,
    },
    web::rfc3339,
};

#[derive(Args, Debug)]
pub struct ModArgs {
    /// The member who moderates (a moderator or an admin).
    #[arg(long = "as", value_name = "MEMBER")]
    member: String,
    #[command(subcommand)]
    command: ModCommand,
}

#[derive(Subcommand, Debug)]
pub enum ModCommand {
    /// Held replies, oldest first: post, forum, author, why held, excerpt.
    Queue {
        /// Only those in this forum's (or journal's, webinars') conversations.
        #[arg(long)]
        owner: Option<String>,
    },
    /// Show a held reply and relay it.
    Approve {
        post: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Erase a held reply.
    Reject {
        post: i64,
        #[arg(long, default_value = "")]
        reason: String,
        /// Tell its author's server with a `Reject`.
        #[arg(long)]
        notify: bool,
    },
    /// Hide a post and send a `Delete` everywhere it went; prints the activity's id last.
    Remove {
        post: i64,
        #[arg(long)]
        reason: String,
    },
    /// Bring back a removed post.
    Restore {
        post: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Lock a conversation (by its first post): no more replies.
    Lock {
        post: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Unlock a conversation.
    Unlock {
        post: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// What the decisions about a post sent, and where each copy was delivered.
    Deliveries { post: i64 },
    /// Ban an actor (id, @user@instance, or a member's name) from a forum or the server.
    Ban {
        actor: String,
        /// A forum's name (default: the whole server).
        #[arg(long)]
        forum: Option<String>,
        #[arg(long)]
        reason: String,
        /// RFC 3339, such as 2026-12-31T00:00:00Z (default: no end).
        #[arg(long)]
        expires_at: Option<String>,
        /// Also remove everything the actor wrote (in that forum, or everywhere).
        #[arg(long)]
        remove_content: bool,
    },
    /// Lift an actor's bans from a forum (or the server).
    Unban {
        actor: String,
        #[arg(long)]
        forum: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// The bans in force: id, actor, forum, until, reason.
    Bans,
    /// Set or clear an instance's policy.
    #[command(subcommand)]
    Instance(InstanceCommand),
    /// The federation mode, then each instance's policy.
    Instances,
    /// Federate with every instance but the suspended ones (open), or only with those allowed.
    Mode {
        #[arg(value_parser = ["open", "allowlist"])]
        mode: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Import a blocklist in Mastodon's CSV format (`-` for standard input).
    Import {
        #[arg(value_name = "CSV_FILE")]
        file: PathBuf,
    },
    /// Print the suspensions and limits as Mastodon's CSV.
    Export,
    /// Reports: id, reported actor, posts, comment (open ones unless --resolved).
    Reports {
        #[arg(long)]
        resolved: bool,
    },
    /// Resolve a report with the action taken.
    Resolve {
        report: i64,
        #[arg(long)]
        action: String,
        #[arg(long, default_value = "")]
        note: String,
        /// Forward it to the reported actor's instance.
        #[arg(long)]
        forward: bool,
    },
    /// Label a participant: clinician, patient, caregiver or researcher.
    Label {
        actor: String,
        #[arg(value_parser = labels::LABELS)]
        label: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Withdraw a participant's label.
    Unlabel {
        actor: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Participant labels: actor, label.
    Labels,
    /// The moderation log, newest first: time, moderator, action, target, forum, reason.
    Log {
        /// Text in the action, target, reason or moderator's name.
        #[arg(long, short = 'q', default_value = "")]
        search: String,
        #[arg(long)]
        forum: Option<String>,
        #[arg(long, default_value_t = 1)]
        page: i64,
    },
    /// Show a forum's (or journal's, webinars') reply policy, or set it.
    Policy {
        owner: String,
        #[arg(value_parser = ["open", "first_time", "hold_remote", "closed"])]
        policy: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Screening words: a reply containing one is held.
    #[command(subcommand)]
    Word(WordCommand),
    /// Publish a forum's moderation log as the page /@FORUM/log (on), or stop (off).
    PublicLog {
        forum: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum InstanceCommand {
    /// Refuse everything it sends, send it nothing.
    Suspend {
        instance: String,
        #[arg(long)]
        reason: String,
    },
    /// Hold every reply from it for review.
    Limit {
        instance: String,
        #[arg(long)]
        reason: String,
    },
    /// Let it federate in allowlist mode.
    Allow {
        instance: String,
        #[arg(long)]
        reason: String,
    },
    /// Clear its policy.
    Clear {
        instance: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum WordCommand {
    Add { word: String },
    Remove { word: String },
    List,
}

/// A service error, with `not_found` said when there was nothing to act on.
fn explain(not_found: impl Into<String>) -> impl FnOnce(Error) -> anyhow::Error {
    move |err| match err {
        Error::NotFound => anyhow::anyhow!(not_found.into()),
        other => other.into(),
    }
}

/// Text on one line: control characters (new lines, tabs) become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn or_dash(text: Option<&str>) -> &str {
    text.filter(|text| !text.is_empty()).unwrap_or("-")
}

pub async fn run(config: Config, args: ModArgs) -> anyhow::Result<()> {
    let state = app::open(config).await?;
    let member = state
        .db
        .local_actor_by_name(&args.member)
        .await?
        .filter(|actor| actor.role.is_some())
        .ok_or_else(|| anyhow::anyhow!("there is no member named {:?}", args.member))?;
    let moderator = Moderator::of(&member)
        .map_err(|_| anyhow::anyhow!("{} is not a moderator or an admin", member.name))?;
    let federation = app::federation_for(state).await?;
    let data = federation.to_request_data();
    let mo = &moderator;
    match args.command {
        ModCommand::Queue { owner } => {
            let held = console::held_posts(&data, owner.as_deref())
                .await
                .map_err(explain(format!("there is no forum named {owner:?}")))?;
            for post in &held {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    post.id,
                    post.owner,
                    post.author_handle.as_deref().unwrap_or(&post.author_id),
                    one_line(&post.held_reason),
                    one_line(&post.excerpt)
                );
            }
            if held.is_empty() {
                eprintln!("No held posts.");
            }
        }
        ModCommand::Approve { post, reason } => {
            holds::approve(&data, mo, post, &reason)
                .await
                .map_err(explain(format!("no held post {post}")))?;
            println!("Approved post {post}: shown and relayed.");
        }
        ModCommand::Reject {
            post,
            reason,
            notify,
        } => {
            holds::reject(&data, mo, post, notify, &reason)
                .await
                .map_err(explain(format!("no held post {post}")))?;
            let told = if notify {
                "; its author's server was sent a Reject"
            } else {
                ""
            };
            println!("Rejected post {post}{told}.");
        }
        ModCommand::Remove { post, reason } => {
            if reason.trim().is_empty() {
                anyhow::bail!("give a --reason for the removal");
            }
            let sent = removal::remove(&data, mo, post, reason.trim())
                .await
                .map_err(explain(format!("no such post {post}")))?;
            println!(
                "Removed post {post}; a Delete is on its way (`rounds mod deliveries {post}`):"
            );
            println!("{sent}");
        }
        ModCommand::Restore { post, reason } => {
            removal::restore(&data, mo, post, &reason)
                .await
                .map_err(explain(format!("no such post {post}")))?;
            println!("Restored post {post}.");
        }
        ModCommand::Lock { post, reason } => {
            removal::lock(&data, mo, post, true, &reason)
                .await
                .map_err(explain(format!("no such post {post}")))?;
            println!("Locked the conversation of post {post}.");
        }
        ModCommand::Unlock { post, reason } => {
            removal::lock(&data, mo, post, false, &reason)
                .await
                .map_err(explain(format!("no such post {post}")))?;
            println!("Unlocked the conversation of post {post}.");
        }
        ModCommand::Deliveries { post } => deliveries(&data, post).await?,
        ModCommand::Ban {
            actor,
            forum,
            reason,
            expires_at,
            remove_content,
        } => {
            let request = BanRequest {
                actor: actor.clone(),
                forum: forum.clone(),
                reason,
                expires_at,
                remove_content,
            };
            let id = bans::ban(&data, mo, &request).await?;
            let place = forum.map_or("the server".to_string(), |forum| forum);
            println!("Banned {actor} from {place} (ban {id}).");
        }
        ModCommand::Unban {
            actor,
            forum,
            reason,
        } => {
            bans::unban(&data, mo, &actor, forum.as_deref(), &reason)
                .await
                .map_err(explain(format!(
                    "no ban of {actor} in force there (or no such forum)"
                )))?;
            println!("Lifted the bans of {actor}.");
        }
        ModCommand::Bans => {
            for line in console::bans(&data).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    line.ban.id,
                    line.ban.actor_ap_id,
                    line.forum.as_deref().unwrap_or("(server)"),
                    line.ban.expires_at.map_or("-".to_string(), rfc3339),
                    one_line(&line.ban.reason)
                );
            }
        }
        ModCommand::Instance(command) => {
            let (instance, policy, reason) = match command {
                InstanceCommand::Suspend { instance, reason } => {
                    (instance, Some(Policy::Suspend), reason)
                }
                InstanceCommand::Limit { instance, reason } => {
                    (instance, Some(Policy::Limit), reason)
                }
                InstanceCommand::Allow { instance, reason } => {
                    (instance, Some(Policy::Allow), reason)
                }
                InstanceCommand::Clear { instance, reason } => (instance, None, reason),
            };
            match policy {
                Some(policy) => {
                    if reason.trim().is_empty() {
                        anyhow::bail!("give a --reason for the policy");
                    }
                    let instance =
                        instances::set_policy(&data, mo, &instance, policy, reason.trim()).await?;
                    println!("{instance}: {}.", policy.as_str());
                }
                None => {
                    instances::clear_policy(&data, mo, &instance, &reason)
                        .await
                        .map_err(explain(format!("{instance} has no policy")))?;
                    println!("{instance}: policy cleared.");
                }
            }
        }
        ModCommand::Instances => {
            let (allowlist, policies) = instances::list(&data).await?;
            println!(
                "federation mode: {}",
                if allowlist { "allowlist" } else { "open" }
            );
            for row in policies {
                println!(
                    "{}\t{}\t{}",
                    row.instance,
                    row.policy,
                    one_line(&row.reason)
                );
            }
        }
        ModCommand::PublicLog { forum, state } => {
            public_log::set_public(&data, mo, &forum, state == "on").await?;
            match state.as_str() {
                "on" => println!("The log of {forum} is public at /@{forum}/log."),
                _ => println!("The log of {forum} is no longer public."),
            }
        }
        ModCommand::Mode { mode, reason } => {
            instances::set_allowlist_mode(&data, mo, mode == "allowlist", &reason).await?;
            println!("Federation mode: {mode}.");
        }
        ModCommand::Import { file } => {
            let csv = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                text
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", file.display()))?
            };
            let imported = instances::import_csv(&data, mo, &csv).await?;
            println!(
                "Imported: {} suspended, {} limited, {} skipped.",
                imported.suspended, imported.limited, imported.skipped
            );
        }
        ModCommand::Export => print!("{}", instances::export_csv(&data).await?),
        ModCommand::Reports { resolved } => {
            let which = if resolved { "resolved" } else { "open" };
            for report in reports::list(&data, which).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    report.id,
                    or_dash(report.reported_actor.as_deref()),
                    or_dash(Some(&report.reported_posts.join(" "))),
                    one_line(&report.comment),
                    one_line(report.resolution.as_deref().unwrap_or(""))
                );
            }
        }
        ModCommand::Resolve {
            report,
            action,
            note,
            forward,
        } => {
            reports::resolve(&data, mo, report, &action, &note, forward)
                .await
                .map_err(explain(format!("no report {report}")))?;
            let forwarded = if forward {
                "; forwarded to the reported actor's instance"
            } else {
                ""
            };
            println!("Resolved report {report}{forwarded}.");
        }
        ModCommand::Label {
            actor,
            label,
            reason,
        } => {
            let actor = labels::set_label(&data, mo, &actor, Some(&label), &reason).await?;
            println!("Labelled {actor}: {label}.");
        }
        ModCommand::Unlabel { actor, reason } => {
            let actor = labels::set_label(&data, mo, &actor, None, &reason)
                .await
                .map_err(explain(format!("{actor} has no label")))?;
            println!("Withdrew the label of {actor}.");
        }
        ModCommand::Labels => {
            for (actor, label) in labels::list(&data).await? {
                println!("{actor}\t{label}");
            }
        }
        ModCommand::Log {
            search,
            forum,
            page,
        } => {
            let log = console::log(&data, &search, forum.as_deref(), page).await?;
            for line in &log.lines {
                let entry = &line.entry;
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    rfc3339(entry.created_at),
                    entry.moderator_name,
                    entry.action,
                    entry.target,
                    line.forum.as_deref().unwrap_or("-"),
                    one_line(&entry.reason)
                );
            }
            if log.more {
                eprintln!("More: --page {}", log.page + 1);
            }
        }
        ModCommand::Policy {
            owner,
            policy,
            reason,
        } => {
            let not_found = format!("there is no forum named {owner:?}");
            let policy = match policy {
                Some(policy) => holds::set_reply_policy(&data, mo, &owner, &policy, &reason)
                    .await
                    .map_err(explain(not_found))?,
                None => console::reply_policy_of(&data, &owner)
                    .await
                    .map_err(explain(not_found))?,
            };
            println!("{owner}\t{}", policy.as_str());
        }
        ModCommand::Word(command) => match command {
            WordCommand::Add { word } => {
                let word = word.trim().to_lowercase();
                if holds::set_screening_word(&data, mo, &word, true).await? {
                    println!("Added the screening word {word:?}.");
                } else {
                    println!("{word:?} was already listed.");
                }
            }
            WordCommand::Remove { word } => {
                let word = word.trim().to_lowercase();
                if !holds::set_screening_word(&data, mo, &word, false).await? {
                    anyhow::bail!("{word:?} is not a screening word");
                }
                println!("Removed the screening word {word:?}.");
            }
            WordCommand::List => {
                for word in console::screening_words(&data).await? {
                    println!("{word}");
                }
            }
        },
    }
    Ok(())
}

/// `rounds mod deliveries POST`: one line per copy sent (or per activity that went nowhere).
async fn deliveries(data: &crate::state::AppState, post: i64) -> anyhow::Result<()> {
    let sent = console::post_deliveries(data, post)
        .await
        .map_err(explain(format!("no such post {post}")))?;
    if sent.is_empty() {
        eprintln!("No decision about post {post} sent anything.");
    }
    for activity in sent {
        let entry = &activity.entry;
        let id = entry.activity_id.as_deref().unwrap_or("-");
        if activity.deliveries.is_empty() {
            println!("{}\t{id}\t-\tno recipients", entry.action);
        }
        for record in &activity.deliveries {
            println!(
                "{}\t{id}\t{}\t{}\t{} tries\t{}",
                entry.action,
                record.instance,
                console::delivery_state(record.state),
                record.attempts,
                record.last_status.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(())
}
