//! The storage layer: the pool, migrations, and all SQL, one file per area.
//!
//! Architecture invariant: no other module contains SQL. Queries are written once, in the
//! dialect both SQLite and PostgreSQL accept (`$N` placeholders, `ON CONFLICT`, `RETURNING`),
//! through `sqlx::Any`; the only place that tells the two apart is [`Db::connect`].
//! Times are Unix milliseconds in BIGINT columns, booleans are not used (`sqlx::Any` cannot read
//! SQLite BOOLEAN columns).

pub mod actors;
mod checkpoints;
pub mod conversations;
pub mod deliveries;
pub mod delivery_instances;
pub mod follows;
pub mod moderation;
pub mod moderation_records;
pub mod pages;
mod post_rows;
pub mod posts;
pub mod received;
pub mod sessions;
mod sql_lists;
pub mod tokens;
mod tx;
pub mod writer;

pub use tx::Tx;

use std::{path::Path, str::FromStr, time::Duration};

use futures::future::BoxFuture;

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    AnyPool, ConnectOptions, Executor,
};

use crate::config::Config;

/// Which database a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The database `conn` talks to, for SQL written with only a connection at hand.
    pub(crate) fn of(conn: &sqlx::AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

/// A handle on the database: cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Group commit for the inbox's writes (see [`writer`]).
    pub writer: writer::Writer,
}

/// Group-commit writer tasks per process on PostgreSQL, which takes concurrent transactions
/// (each still batches what waits).
const POSTGRES_WRITERS: usize = 4;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Opens the database named by `config.database_url`. For SQLite the directory and file are
    /// created if absent, and every connection is put in WAL mode with a busy timeout.
    pub async fn connect(config: &Config) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        match config.sqlite_path() {
            Some(path) => {
                if let Some(parent) = Path::new(path).parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent)?;
                    }
                }
                let url = format!("sqlite://{path}?mode=rwc");
                let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
                let pool = AnyPoolOptions::new()
                    .max_connections(8)
                    // A connection to a file in this process cannot go stale: no ping (a round
                    // trip through the connection's thread) before each use.
                    .test_before_acquire(false)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // mmap_size: reads come straight from the operating system's page
                            // cache instead of being copied into each connection's 2 MiB cache,
                            // so a page of a thread whose replies are scattered over a large
                            // file costs 3-4x less (see docs/performance.md, Reads). The map
                            // covers the file up to SQLite's own limit (2 GiB less 64 KiB):
                            // capped at 256 MiB, the newest posts, at the end of a larger file
                            // and the most read, were outside it (a 500-reply page at a million
                            // replies: 5.0 -> 3.8 ms of CPU). Mapped pages that were read count
                            // in the process's RSS as file-backed: the page cache, reclaimable.
                            // wal_autocheckpoint: checkpoints are `checkpoints`' work; a
                            // connection runs one itself only past this much log.
                            // journal_size_limit: the log file shrinks back to 64 MiB after.
                            // temp_store: temporary files in memory, above all the statement
                            // journal of each savepoint the writer opens (a copy of every page
                            // a batch changes, written to a file past 64 KiB: a third of what
                            // a reply wrote to storage; see docs/performance.md, Ingest).
                            let pragmas = format!(
                                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA mmap_size = 2147418112; \
                                 PRAGMA wal_autocheckpoint = {}; \
                                 PRAGMA journal_size_limit = 67108864; \
                                 PRAGMA temp_store = MEMORY;",
                                checkpoints::AUTOCHECKPOINT_PAGES
                            );
                            conn.execute(pragmas.as_str()).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                Ok(Db {
                    // SQLite has one writer: one task, one transaction at a time.
                    // Checkpoints of the log on another connection, after its commits.
                    writer: writer::Writer::new(pool.clone(), 1, "BEGIN IMMEDIATE")
                        .with_checkpoints(),
                    pool,
                    backend: Backend::Sqlite,
                })
            }
            None => {
                let options =
                    AnyConnectOptions::from_str(&config.database_url)?.disable_statement_logging();
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // No JIT compilation: Rounds' queries are short, and a plan whose
                            // cost estimate passes `jit_above_cost` (a thread page's at a
                            // million replies) spent 28 ms compiling to save none.
                            conn.execute("SET jit = off").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                Ok(Db {
                    writer: writer::Writer::new(pool.clone(), POSTGRES_WRITERS, "BEGIN"),
                    pool,
                    backend: Backend::Postgres,
                })
            }
        }
    }

    /// Applies the migrations of this backend that are not applied yet.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// waiting for it up to the busy timeout: a deferred transaction that has read and then
    /// writes fails at once (`SQLITE_BUSY`, no waiting) when another connection wrote since its
    /// read, which the group-commit writer makes frequent. (Plain statements, not sqlx's
    /// transactions: see [`Tx`].)
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let statement = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        Tx::begin(&self.pool, statement).await
    }

    /// Runs a write in turn with the inbox's writes: on SQLite in the writer's transaction
    /// (SQLite has one write lock, and a writer that is never idle would starve everyone else
    /// waiting on it), on PostgreSQL on a connection of its own. On SQLite `work` runs inside a
    /// savepoint of the writer's transaction, which is the writer's own statements: it must not
    /// begin a transaction through sqlx there (that would be a second `BEGIN`); on PostgreSQL
    /// it begins one if it needs one.
    pub async fn write_in_turn<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> BoxFuture<'c, Result<T, sqlx::Error>>
            + Send
            + 'static,
    {
        match self.backend {
            Backend::Sqlite => self.writer.write(work).await,
            Backend::Postgres => work(&mut *self.pool.acquire().await?).await,
        }
    }
}

/// Now, in Unix milliseconds, as stored in every time column.
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
