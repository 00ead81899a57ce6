//! The command line: one file per subcommand. Settings errors exit with status 2 before
//! anything is written; other failures exit with status 1.

mod delivery;
mod forum;
mod migrate;
mod moderation;
mod publish;
mod serve;
mod user;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Parser, Debug)]
#[command(
    name = "rounds",
    version,
    about = "Rounds: the federated discussion server of the Society for Participatory Medicine"
)]
pub struct Cli {
    /// Settings file (default: rounds.toml in the working directory, if present).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server (applies migrations and creates the built-in actors first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage members (Person actors).
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage forums (Group actors).
    #[command(subcommand)]
    Forum(forum::ForumCommand),
    /// Publish, edit and delete threads, replies, journal announcements and webinars.
    Publish(Box<publish::PublishArgs>),
    /// See and steer the delivery queue.
    #[command(subcommand)]
    Delivery(delivery::DeliveryCommand),
    /// Moderate: held replies, removals, locks, bans, instance policies, reports, labels, the
    /// log (as a moderator or admin).
    Mod(Box<moderation::ModArgs>),
}

/// Entry point of the `rounds` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("rounds: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("rounds: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve::run(config).await,
            Command::Migrate => migrate::run(config).await,
            Command::User(command) => user::run(config, command).await,
            Command::Forum(command) => forum::run(config, command).await,
            Command::Delivery(command) => delivery::run(config, command).await,
            Command::Publish(args) => publish::run(config, *args).await,
            Command::Mod(args) => moderation::run(config, *args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rounds: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Libraries that log the text they handle at debug or trace level (the HTML parser under the
/// sanitizer logs every run of characters): held at `warn` whatever `RUST_LOG` says, because
/// that text is people's health conversations.
const TEXT_LOGGING_CRATES: [&str; 4] = ["html5ever", "markup5ever", "ammonia", "pulldown_cmark"];

fn init_tracing() {
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("rounds=info,warn"));
    for target in TEXT_LOGGING_CRATES {
        if let Ok(directive) = format!("{target}=warn").parse() {
            filter = filter.add_directive(directive);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
