//! `rounds forum ...`: discussion forums (Group actors).

use clap::Subcommand;

use crate::{app, config::Config, model::ActorKind, service::actors};

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
        ForumCommand::List => {
            for actor in state.db.local_actors_of_kinds(&[ActorKind::Group]).await? {
                println!("{}\t{}", actor.name, actor.display_name);
            }
        }
    }
    Ok(())
}
