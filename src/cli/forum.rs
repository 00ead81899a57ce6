//! `rounds forum ...`: discussion forums (Group actors).

use clap::Subcommand;

use crate::{
    app,
    config::Config,
    model::ActorKind,
    service::{actors, conversations, profiles},
};

#[derive(Subcommand, Debug)]
pub enum ForumCommand {
    /// Add a forum.
    Add {
        /// The forum's name: 1 to 30 of a-z, 0-9 and _; its handle is @NAME@DOMAIN.
        name: String,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        summary: String,
    },
    /// List forums.
    List,
    /// Change a forum's title or summary (its followers receive an `Update`), or whether it
    /// takes new threads from other servers.
    Edit {
        name: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        summary: Option<String>,
        /// Whether a public post from another server that addresses the forum starts a thread.
        #[arg(long, value_name = "true|false")]
        remote_threads: Option<bool>,
    },
}

pub async fn run(config: Config, command: ForumCommand) -> anyhow::Result<()> {
    let state = app::open(config).await?;
    match command {
        ForumCommand::Add {
            name,
            title,
            summary,
        } => {
            let forum = actors::add_forum(&state.db, &name, &title, &summary).await?;
            println!(
                "Added forum {} (@{}@{}).",
                forum.display_name, forum.name, state.config.domain
            );
        }
        ForumCommand::Edit {
            name,
            title,
            summary,
            remote_threads,
        } => {
            let not_a_forum = |err| match err {
                crate::error::Error::NotFound => {
                    anyhow::anyhow!("there is no forum named {name:?}")
                }
                other => other.into(),
            };
            if title.is_none() && summary.is_none() && remote_threads.is_none() {
                anyhow::bail!("nothing to change: give --title, --summary or --remote-threads");
            }
            if let Some(accepts) = remote_threads {
                conversations::set_remote_threads(&state, &name, accepts)
                    .await
                    .map_err(not_a_forum)?;
                println!("Forum {name} takes new threads from other servers: {accepts}.");
            }
            if title.is_some() || summary.is_some() {
                let forum = state
                    .db
                    .local_actor_by_name(&name)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("there is no forum named {name:?}"))?;
                let title = title.unwrap_or(forum.display_name);
                let update =
                    profiles::update_forum(&state, &name, Some(&title), summary.as_deref())
                        .await
                        .map_err(not_a_forum)?;
                println!(
                    "Updated forum {}; queued {} deliveries to its followers.",
                    update.actor.name, update.deliveries
                );
            }
        }
        ForumCommand::List => {
            for actor in state.db.local_actors_of_kinds(&[ActorKind::Group]).await? {
                println!("{}\t{}", actor.name, actor.display_name);
            }
        }
    }
    Ok(())
}
