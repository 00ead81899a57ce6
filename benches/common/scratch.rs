//! The scratch database of a benchmark run: a temporary SQLite file, or a fresh `rounds_bench_*`
//! database on a PostgreSQL server, dropped at the end.

use std::path::Path;

use sqlx::{Connection, Executor};

/// The SQLite file's name, in the scratch directory.
const SQLITE_FILE: &str = "bench.db";

/// One run's database.
pub struct Scratch {
    /// What Rounds opens (`ROUNDS_DATABASE_URL`).
    pub url: String,
    /// A temporary directory, removed when the scratch is dropped; on SQLite it holds the
    /// database.
    dir: tempfile::TempDir,
    /// On PostgreSQL: the server's URL (as given) and the scratch database's name.
    postgres: Option<(String, String)>,
}

/// The PostgreSQL server of a `--database` option: the URL, when it is a `postgres` one
/// (anything else means SQLite).
pub fn postgres_server(database: Option<&str>) -> Option<&str> {
    database.filter(|url| url.starts_with("postgres"))
}

impl Scratch {
    /// A new database on the PostgreSQL server of `postgres` (the URL of any database there),
    /// or, without one, in a temporary SQLite file.
    pub async fn create(postgres: Option<&str>) -> Scratch {
        let dir = tempfile::tempdir().expect("a temporary directory");
        match postgres {
            Some(admin) => {
                let name = format!("rounds_bench_{:08x}", rand::random::<u32>());
                execute(admin, &format!("CREATE DATABASE {name}")).await;
                let base = admin.rsplit_once('/').expect("a database URL").0;
                Scratch {
                    url: format!("{base}/{name}"),
                    dir,
                    postgres: Some((admin.to_string(), name)),
                }
            }
            None => Scratch {
                url: format!("sqlite://{}/{SQLITE_FILE}", dir.path().display()),
                dir,
                postgres: None,
            },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// The temporary directory (removed at the end).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// On SQLite, the directory that holds the database's files.
    pub fn sqlite_dir(&self) -> Option<&Path> {
        (!self.is_postgres()).then(|| self.dir.path())
    }

    /// Leaves the database behind; its PostgreSQL name, or its SQLite file.
    pub fn keep(self) -> String {
        match self.postgres {
            Some((_, name)) => name,
            None => format!("{}/{SQLITE_FILE}", self.dir.keep().display()),
        }
    }

    /// Drops the PostgreSQL database (closing any connection still open to it), and removes
    /// the temporary directory.
    pub async fn drop_database(self) {
        if let Some((admin, name)) = &self.postgres {
            execute(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

/// Runs one statement on the PostgreSQL server of `admin`.
async fn execute(admin: &str, sql: &str) {
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("the PostgreSQL server of --database");
    conn.execute(sql)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}
