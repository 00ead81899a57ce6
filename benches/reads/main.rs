//! Read benchmark: what serving readers costs, on a database of a million replies and on a
//! small one, side by side, to show that a request's cost follows what it shows and not the
//! size of the database.
//!
//! Run: `cargo bench --bench reads -- [--replies 1000000] [--small 10000] [--database
//!       postgres://...] [--connections 64] [--page-connections 2] [--seconds 5]
//!       [--requests N] [--check] [--keep-database] [--only WORD] [--save-responses DIR]`
//!
//! For each database size (`--small 0` skips the small one): a fresh database (a temporary
//! SQLite file, or a new `rounds_bench_*` PostgreSQL database dropped at the end), Rounds'
//! migrations and built-in actors (`rounds::app::open`), the member `ada`, then the replies
//! seeded with bulk SQL (`seed.rs`, timed). Then Rounds serves in this process (`app::serve`,
//! with its delivery worker, as `rounds serve` runs), and the load generator (`load.rs`, raw
//! HTTP/1.1 over keep-alive TCP connections) measures, one after the other:
//!
//! - the HTTP floor: a trivial axum route in this process returning a fixed JSON body of the
//!   actor document's size, served the same way (`axum::serve`), with no database;
//! - the Group's actor JSON (`/actors/community`, `Accept: application/activity+json`);
//! - a local reply's object JSON (`/posts/{id}`, same Accept);
//! - the page of the thread with 500 replies (`/posts/{id}`, HTML), all on its first page;
//! - the forum's page (`/@community`: its 20 newest threads with their reply counts);
//! - the home page (`/`).
//!
//! Each response is checked: the first for meaning (the document's id, the page's 500
//! replies…), every one after it against the first, byte for byte. `--check` exits non-zero
//! when any response was refused or wrong.

/// The allocator of the `rounds` binary (src/main.rs), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../common/mod.rs"]
mod common;
mod load;
mod report;
mod seed;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{http::header, routing::get, Router};
use rounds::{app, config::Config, db::posts::COUNTED_UP_TO, model::Role, service};
use tokio::{net::TcpListener, sync::oneshot};

use common::{
    args::Args,
    procfs::memory_mib,
    runtime,
    scratch::{postgres_server, Scratch},
};
use load::{drive, fetch_once, Outcome, Request, Stop};
use report::{print_measurement, print_side_by_side};

pub struct Options {
    replies: usize,
    /// The small database's replies; 0: no small run.
    small: usize,
    database: Option<String>,
    connections: usize,
    page_connections: usize,
    stop: Stop,
    check: bool,
    /// Only the measurements whose label contains this (and the floor), for profiling one.
    only: Option<String>,
    /// Leave the databases behind (their paths or names are printed), for profiling queries.
    keep_database: bool,
    /// Write each measurement's first response here (`{replies}-{label}.body`), to compare a
    /// change's output with the code's before it.
    save_responses: Option<std::path::PathBuf>,
}

fn options() -> Options {
    let mut options = Options {
        replies: 1_000_000,
        small: 10_000,
        database: None,
        connections: 64,
        page_connections: 2,
        stop: Stop::After(Duration::from_secs(5)),
        check: false,
        keep_database: false,
        only: None,
        save_responses: None,
    };
    let mut args = Args::from_env();
    while let Some(name) = args.next_name() {
        match name.as_str() {
            "--replies" => options.replies = args.parse("--replies N"),
            "--small" => options.small = args.parse("--small N (0: none)"),
            "--database" => options.database = Some(args.value()),
            "--only" => options.only = Some(args.value()),
            "--connections" => options.connections = args.parse("--connections C"),
            "--page-connections" => options.page_connections = args.parse("--page-connections C"),
            "--seconds" => {
                options.stop = Stop::After(Duration::from_secs_f64(args.parse("--seconds S")))
            }
            "--requests" => options.stop = Stop::Count(args.parse("--requests N")),
            "--check" => options.check = true,
            "--keep-database" => options.keep_database = true,
            "--save-responses" => options.save_responses = Some(args.value().into()),
            // `cargo bench` passes --bench; ignore what is not ours.
            _ => {}
        }
    }
    assert!(
        options.replies >= seed::THREAD_REPLIES,
        "--replies must be at least {}",
        seed::THREAD_REPLIES
    );
    assert!(options.connections >= 1 && options.page_connections >= 1);
    if options.small != 0 {
        assert!(
            (seed::THREAD_REPLIES..options.replies).contains(&options.small),
            "--small must be from {} to less than --replies (or 0)",
            seed::THREAD_REPLIES
        );
    }
    options
}

/// One measurement of one run.
pub struct Measured {
    pub label: &'static str,
    pub connections: usize,
    pub outcome: Outcome,
    /// What the first response was checked for, and whether it was right.
    pub checked: Result<String, String>,
}

impl Measured {
    pub fn ok(&self) -> bool {
        self.checked.is_ok() && self.outcome.ok()
    }
}

/// One database size: what was seeded and what was measured.
pub struct Run {
    pub replies: usize,
    pub seeded: seed::Seeded,
    pub measured: Vec<Measured>,
    pub database_bytes: Option<u64>,
}

/// Checks one response for meaning; what it found, or what is wrong.
type Check = Box<dyn Fn(&[u8]) -> Result<String, String>>;

fn json_check(
    expected_id: String,
    kind: &'static str,
    extra: Option<(&'static str, String)>,
) -> Check {
    Box::new(move |body| {
        let json: serde_json::Value =
            serde_json::from_slice(body).map_err(|err| format!("not JSON: {err}"))?;
        if json["id"] != expected_id.as_str() || json["type"] != kind {
            return Err(format!("id {} type {}", json["id"], json["type"]));
        }
        if let Some((field, value)) = &extra {
            if json[*field] != value.as_str() {
                return Err(format!("{field} is {}, not {value}", json[*field]));
            }
        }
        Ok(format!("{kind} {expected_id}"))
    })
}

fn contains(haystack: &[u8], needle: &str) -> usize {
    let needle = needle.as_bytes();
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle)
        .count()
}

async fn run(options: &Options, replies: usize) -> Run {
    let scratch = Scratch::create(postgres_server(options.database.as_deref())).await;

    // Rounds, its member and the replies.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    let port = addr.port();
    let host = format!("localhost:{port}");
    let mut env = HashMap::new();
    env.insert("ROUNDS_DOMAIN".to_string(), host.clone());
    env.insert("ROUNDS_BIND".to_string(), format!("127.0.0.1:{port}"));
    env.insert("ROUNDS_INSECURE_FEDERATION".to_string(), "true".to_string());
    env.insert("ROUNDS_DATABASE_URL".to_string(), scratch.url.clone());
    let config = Config::from_sources(None, &env).expect("a configuration");
    let state = app::open(config).await.expect("Rounds opens its database");
    service::actors::add_member(&state.db, "ada", Role::Author)
        .await
        .expect("the member ada");
    let seeded = seed::seed(&state.db.pool, scratch.is_postgres(), replies).await;
    let database_bytes = scratch.sqlite_dir().map(|dir| {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    });
    println!(
        "{} replies seeded in {:.1} s ({:.0} rows/s): {} threads in community, {} remote \
         actors; the measured thread {} has {} replies{}",
        seeded.replies,
        seeded.elapsed.as_secs_f64(),
        seeded.replies as f64 / seeded.elapsed.as_secs_f64(),
        seeded.threads,
        seeded.remote_actors,
        seeded.thread,
        seed::THREAD_REPLIES,
        database_bytes
            .map(|b| format!("; SQLite files {:.0} MiB", b as f64 / 1048576.0))
            .unwrap_or_default(),
    );
    let federation = app::federation_for(state.clone())
        .await
        .expect("the federation configuration");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app::serve(federation, listener, async {
            let _ = stopped.await;
        })
        .await
        .expect("Rounds serves");
    });

    // The targets.
    let base = format!("http://{host}");
    let json = "application/activity+json";
    let html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let actor_request = Request::get(&host, "/actors/community", json);
    let actor_document = fetch_once(addr, &actor_request)
        .await
        .expect("the actor document")
        .body;
    let floor_addr = start_floor(actor_document.clone()).await;
    let thread = seeded.thread;
    let reply_count = seed::THREAD_REPLIES;
    let targets: Vec<(&'static str, SocketAddr, Request, usize, Check)> = vec![
        (
            "HTTP floor",
            floor_addr,
            Request::get(&host, "/floor", json),
            options.connections,
            Box::new(|body: &[u8]| Ok(format!("{} bytes of fixed JSON", body.len()))),
        ),
        (
            "actor JSON",
            addr,
            actor_request,
            options.connections,
            json_check(format!("{base}/actors/community"), "Group", None),
        ),
        (
            "reply JSON",
            addr,
            Request::get(&host, &format!("/posts/{}", seeded.local_reply), json),
            options.connections,
            json_check(
                format!("{base}/posts/{}", seeded.local_reply),
                "Note",
                Some(("inReplyTo", seeded.local_reply_parent.clone())),
            ),
        ),
        (
            "thread page",
            addr,
            Request::get(&host, &format!("/posts/{thread}"), html),
            options.page_connections,
            Box::new(move |body: &[u8]| {
                let shown = contains(body, "<article class=\"reply\" id=\"post-");
                let heading = format!(">{reply_count} replies</h2>");
                let pager = contains(body, "class=\"pager\"");
                if shown == reply_count && contains(body, &heading) == 1 && pager == 0 {
                    Ok(format!(
                        "{shown} replies on one page (50 top-level, each with 9 answers), no \
                         pager"
                    ))
                } else {
                    Err(format!(
                        "{shown} replies shown, heading present: {}, pager: {pager}",
                        contains(body, &heading)
                    ))
                }
            }),
        ),
        (
            "forum page",
            addr,
            Request::get(&host, "/@community", html),
            options.page_connections,
            {
                let newest = seeded.newest_thread_title.clone();
                let seeded_threads = seeded.threads;
                Box::new(move |body: &[u8]| {
                    let threads = contains(body, "<a href=\"/posts/");
                    let expected = seeded_threads.min(20);
                    if contains(body, &rounds::web::escape(&newest)) == 1 && threads == expected {
                        Ok(format!("{threads} thread links, the newest first"))
                    } else {
                        Err(format!("{threads} thread links; newest thread missing"))
                    }
                })
            },
        ),
        (
            // A forum's outbox, first page: what Lemmy reads of a community it has just
            // followed. Its total counts every visible post of the forum: every thread and
            // reply seeded.
            "outbox JSON",
            addr,
            Request::get(&host, "/actors/community/outbox?page=1", json),
            options.page_connections,
            {
                let expected_id = format!("{base}/actors/community/outbox?page=1");
                let seeded_posts = seeded.threads + seeded.replies;
                Box::new(move |body: &[u8]| {
                    let json: serde_json::Value =
                        serde_json::from_slice(body).map_err(|err| format!("not JSON: {err}"))?;
                    let items = json["orderedItems"].as_array().map_or(0, Vec::len);
                    let total = json["totalItems"].as_u64();
                    // Counted up to a bound, and left out above it.
                    let expected_total =
                        (seeded_posts as i64 <= COUNTED_UP_TO).then_some(seeded_posts as u64);
                    if json["id"] == expected_id.as_str()
                        && json["type"] == "OrderedCollectionPage"
                        && items == 20
                        && json["next"].is_string()
                        && total == expected_total
                    {
                        Ok(format!(
                            "{items} items, total {total:?} ({seeded_posts} seeded), a next page"
                        ))
                    } else {
                        Err(format!(
                            "{} {}: {items} items, total {total:?} ({seeded_posts} seeded)",
                            json["id"], json["type"]
                        ))
                    }
                })
            },
        ),
        (
            "home page",
            addr,
            Request::get(&host, "/", html),
            options.page_connections,
            {
                let handle = format!("@community@{host}");
                Box::new(move |body: &[u8]| {
                    if contains(body, &handle) == 1 {
                        Ok(format!("lists {handle}"))
                    } else {
                        Err(format!("{handle} missing"))
                    }
                })
            },
        ),
    ];

    let mut measured = Vec::new();
    for (label, target, request, connections, check) in targets {
        if let Some(only) = &options.only {
            if label != "HTTP floor" && !label.contains(only.as_str()) {
                continue;
            }
        }
        let reference = fetch_once(target, &request)
            .await
            .unwrap_or_else(|err| panic!("{label}: {err}"));
        if let Some(dir) = &options.save_responses {
            let file = dir.join(format!("{replies}-{}.body", label.replace(' ', "-")));
            std::fs::write(&file, &reference.body)
                .unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        }
        let checked = if (200..300).contains(&reference.status) {
            check(&reference.body)
        } else {
            Err(format!("status {}", reference.status))
        };
        let outcome = drive(
            target,
            Arc::new(request),
            Arc::new(reference.body),
            connections,
            options.stop,
            Duration::from_millis(300),
        )
        .await;
        let m = Measured {
            label,
            connections,
            outcome,
            checked,
        };
        print_measurement(&m);
        measured.push(m);
    }
    println!(
        "memory (this process: Rounds + load generator): VmRSS {:.0} MiB (anonymous {:.0}, \
         file-backed {:.0}: the program and, on SQLite, the database pages it maps), peak \
         {:.0} MiB",
        memory_mib("VmRSS"),
        memory_mib("RssAnon"),
        memory_mib("RssFile"),
        memory_mib("VmHWM")
    );

    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    let pool = state.db.pool.clone();
    drop(state);
    pool.close().await;
    if options.keep_database {
        println!("database kept: {}", scratch.keep());
    } else {
        scratch.drop_database().await;
    }
    Run {
        replies,
        seeded,
        measured,
        database_bytes,
    }
}

/// The HTTP floor: a trivial axum route answering `body` as ActivityStreams JSON.
async fn start_floor(body: Vec<u8>) -> SocketAddr {
    let body = axum::body::Bytes::from(body);
    let app = Router::new().route(
        "/floor",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/activity+json")], body) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("the floor serves");
    });
    addr
}

fn main() {
    // As `rounds serve` runs (src/main.rs).
    rounds::process::keep_pages_small();
    runtime::logs_if_asked();
    let options = options();
    let runtime = runtime::multi_thread();
    let backend = match &options.database {
        Some(url) if url.starts_with("postgres") => "PostgreSQL",
        _ => "SQLite",
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "reads on {backend}, {cores} cores, {} per measurement, JSON at {} connections, pages \
         at {}",
        match options.stop {
            Stop::After(d) => format!("{:.1} s", d.as_secs_f64()),
            Stop::Count(n) => format!("{n} requests"),
        },
        options.connections,
        options.page_connections,
    );
    let started = Instant::now();
    let mut runs = Vec::new();
    let mut sizes = Vec::new();
    if options.small != 0 {
        sizes.push(options.small);
    }
    sizes.push(options.replies);
    for replies in sizes {
        println!("\n== {backend}, {replies} replies ==");
        runs.push(runtime.block_on(run(&options, replies)));
    }
    print_side_by_side(backend, &runs);
    println!("(whole run {:.0} s)", started.elapsed().as_secs_f64());
    let failed: Vec<String> = runs
        .iter()
        .flat_map(|run| {
            run.measured
                .iter()
                .filter(|m| !m.ok())
                .map(move |m| format!("{} ({} replies)", m.label, run.replies))
        })
        .collect();
    if failed.is_empty() {
        println!("check: every response was 2xx and right");
    } else {
        println!("CHECK FAILED: {}", failed.join(", "));
        if options.check {
            std::process::exit(1);
        }
    }
}
