//! `rounds user ...`: members of the Society's server.

use clap::{Subcommand, ValueEnum};

use crate::{
    app,
    config::Config,
    model::{ActorKind, Role},
    service::{actors, members},
};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a member and print their initial credentials.
    Add {
        /// The member's name: 1 to 30 of a-z, 0-9 and _.
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// List members.
    List,
    /// Create an API token for a member; the token alone is printed on the last line.
    Token {
        name: String,
        /// What the token is for, to recognise it later.
        #[arg(long, default_value = "command line")]
        label: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    Admin,
    Moderator,
    Author,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Moderator => Role::Moderator,
            RoleArg::Author => Role::Author,
        }
    }
}

pub async fn run(config: Config, command: UserCommand) -> anyhow::Result<()> {
    let state = app::open(config).await?;
    match command {
        UserCommand::Add { name, role } => {
            let member = actors::add_member(&state.db, &name, role.into()).await?;
            println!(
                "Added member {} ({}).\n  handle:   @{}@{}\n  login:    {}\n  password: {}\n\
                 The password is shown only this once.",
                member.actor.name,
                Role::from(role).as_str(),
                member.actor.name,
                state.config.domain,
                member.actor.name,
                member.password
            );
        }
        UserCommand::Token { name, label } => {
            let token = members::create_token(&state.db, &name, &label)
                .await
                .map_err(|err| match err {
                    crate::error::Error::NotFound => {
                        anyhow::anyhow!("there is no member named {name:?}")
                    }
                    other => other.into(),
                })?;
            println!(
                "API token {} for {name} (shown only this once; use it as `Authorization: Bearer TOKEN`):",
                token.id
            );
            println!("{}", token.token);
        }
        UserCommand::List => {
            for actor in state.db.local_actors_of_kinds(&[ActorKind::Person]).await? {
                let role = actor.role.map_or("-", Role::as_str);
                println!("{}\t{}", actor.name, role);
            }
        }
    }
    Ok(())
}
