//! `rounds forum ...`: discussion forums (Group actors).

use clap::Subcommand;

use crate::{
    app,
    config::Config,
    model::ActorKind,
    service::{actors, profiles},
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
    /// Change a forum's title (and summary); its followers receive an `Update`.
    Edit {
        name: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        summary: Option<String>,
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
        } => {
            let update = profiles::update_forum(&state, &name, Some(&title), summary.as_deref())
                .await
                .map_err(|err| match err {
                    crate::error::Error::NotFound => {
                        anyhow::anyhow!("there is no forum named {name:?}")
                    }
                    other => other.into(),
                })?;
            println!(
                "Updated forum {}; queued {} deliveries to its followers.",
                update.actor.name, update.deliveries
            );
        }
        ForumCommand::List => {
            for actor in state.db.local_actors_of_kinds(&[ActorKind::Group]).await? {
                println!("{}\t{}", actor.name, actor.display_name);
            }
        }
    }
    Ok(())
}
