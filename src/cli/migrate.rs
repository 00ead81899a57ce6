//! `rounds migrate`: apply migrations (and create the built-in actors), then exit.

use crate::{app, config::Config};

pub async fn run(config: Config) -> anyhow::Result<()> {
    let state = app::open(config).await?;
    println!("Database is up to date ({:?}).", state.db.backend);
    Ok(())
}
