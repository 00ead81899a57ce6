//! `rounds publish ...`: threads, replies, journal announcements and webinars from the command
//! line, as the member named by `--as`, through the same rules as the API. The post's URL is
//! printed alone on the last line, for scripts.

use std::io::Read;

use clap::{Args, Subcommand};

use crate::{
    app,
    config::Config,
    error::Error,
    service::{
        post_rules::Draft,
        publishing::{self, Place},
    },
};

#[derive(Args, Debug)]
pub struct PublishArgs {
    /// The member who publishes (for the journal and webinars: an admin or author).
    #[arg(long = "as", value_name = "MEMBER")]
    member: String,
    #[command(subcommand)]
    command: PublishCommand,
}

#[derive(Subcommand, Debug)]
pub enum PublishCommand {
    /// A new thread in a forum.
    Thread {
        #[arg(long, default_value = "community")]
        forum: String,
        #[command(flatten)]
        draft: DraftArgs,
    },
    /// A reply to a post (by the number at the end of its URL).
    Reply {
        #[arg(long, value_name = "POST")]
        to: i64,
        #[command(flatten)]
        draft: DraftArgs,
    },
    /// A journal announcement (needs --title, --summary, --body, --link).
    Journal {
        #[command(flatten)]
        draft: DraftArgs,
    },
    /// A webinar notice (needs --title, --summary, --starts-at, --ends-at, --timezone,
    /// --join-url).
    Webinar {
        #[command(flatten)]
        draft: DraftArgs,
    },
    /// Change a post: the fields given replace its own.
    Edit {
        post: i64,
        #[command(flatten)]
        draft: DraftArgs,
    },
    /// Delete a post everywhere it went.
    Delete { post: i64 },
}

/// The fields of a post; which are needed depends on what is published.
#[derive(Args, Debug, Default)]
pub struct DraftArgs {
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    summary: Option<String>,
    /// Markdown.
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// Read the Markdown body from a file (`-` for standard input).
    #[arg(long, value_name = "PATH")]
    body_file: Option<String>,
    #[arg(long)]
    content_warning: Option<String>,
    /// A hashtag (repeat for more).
    #[arg(long = "tag")]
    tags: Vec<String>,
    #[arg(long)]
    link: Option<String>,
    #[arg(long)]
    doi: Option<String>,
    /// RFC 3339, such as 2026-12-01T18:00:00-05:00.
    #[arg(long)]
    starts_at: Option<String>,
    #[arg(long)]
    ends_at: Option<String>,
    /// IANA time zone, such as America/New_York.
    #[arg(long)]
    timezone: Option<String>,
    #[arg(long)]
    join_url: Option<String>,
    #[arg(long)]
    capacity: Option<i64>,
}

impl DraftArgs {
    fn into_draft(self) -> anyhow::Result<Draft> {
        let body = match self.body_file.as_deref() {
            Some("-") => {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                Some(text)
            }
            Some(path) => Some(std::fs::read_to_string(path)?),
            None => self.body,
        };
        Ok(Draft {
            title: self.title,
            summary: self.summary,
            body,
            content_warning: self.content_warning,
            tags: (!self.tags.is_empty()).then_some(self.tags),
            link: self.link,
            doi: self.doi,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            timezone: self.timezone,
            join_url: self.join_url,
            capacity: self.capacity,
            input_problems: Vec::new(),
        })
    }
}

fn explain(err: Error) -> anyhow::Error {
    match err {
        Error::NotFound => anyhow::anyhow!("no such forum or post"),
        other => other.into(),
    }
}

pub async fn run(config: Config, args: PublishArgs) -> anyhow::Result<()> {
    let state = app::open(config).await?;
    let member = state
        .db
        .local_actor_by_name(&args.member)
        .await?
        .filter(|actor| actor.role.is_some())
        .ok_or_else(|| anyhow::anyhow!("there is no member named {:?}", args.member))?;
    let federation = app::federation_for(state).await?;
    let data = federation.to_request_data();
    let (verb, published) = match args.command {
        PublishCommand::Thread { forum, draft } => {
            let draft = draft.into_draft()?;
            (
                "Published",
                publishing::publish(&data, &member, Place::Forum(&forum), &draft).await,
            )
        }
        PublishCommand::Reply { to, draft } => {
            let draft = draft.into_draft()?;
            (
                "Published",
                publishing::publish(&data, &member, Place::ReplyTo(to), &draft).await,
            )
        }
        PublishCommand::Journal { draft } => {
            let draft = draft.into_draft()?;
            (
                "Published",
                publishing::publish(&data, &member, Place::Journal, &draft).await,
            )
        }
        PublishCommand::Webinar { draft } => {
            let draft = draft.into_draft()?;
            (
                "Published",
                publishing::publish(&data, &member, Place::Webinars, &draft).await,
            )
        }
        PublishCommand::Edit { post, draft } => {
            let draft = draft.into_draft()?;
            (
                "Edited",
                publishing::edit(&data, &member, post, draft).await,
            )
        }
        PublishCommand::Delete { post } => {
            ("Deleted", publishing::delete(&data, &member, post).await)
        }
    };
    let published = published.map_err(explain)?;
    println!(
        "{verb} {} {}; queued {} deliveries.",
        published.post.kind.as_str(),
        published.post.id,
        published.deliveries
    );
    println!("{}", published.id);
    Ok(())
}
