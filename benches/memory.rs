//! Memory benchmark: the resident memory of a real `rounds serve` process (the release binary
//! Cargo builds for benchmarks), idle after start, and idle again after it has served a few
//! hundred requests of each kind a visitor or another server makes (its caches and connection
//! pools then hold what they keep).
//!
//! Run: `cargo bench --bench memory -- [--database postgres://...] [--requests 300]`
//! (on PostgreSQL a fresh `rounds_bench_*` database is made on that server and dropped after).
//!
//! It prints VmRSS (what the 40 MB target is about), split into anonymous memory (the
//! heap: what Rounds itself holds) and file-backed pages (the mapped binary and, on SQLite, the
//! database pages read through `mmap`, both shared with the page cache), and the thread count.
//! Under load, the ingest benchmark prints the RSS of its process.

mod common;

use std::{
    future::Future,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::{
    args::Args,
    procfs::{mib_in, status_of},
    scratch::Scratch,
};

/// The idle RSS target (shared/performance.md).
const IDLE_TARGET_MIB: f64 = 40.0;

struct Options {
    database: Option<String>,
    requests: usize,
}

fn options() -> Options {
    let mut options = Options {
        database: None,
        requests: 300,
    };
    let mut args = Args::from_env();
    while let Some(name) = args.next_name() {
        match name.as_str() {
            "--database" => options.database = Some(args.value()),
            "--requests" => options.requests = args.parse("--requests N"),
            // `cargo bench` passes --bench; ignore what is not ours.
            _ => {}
        }
    }
    options
}

/// VmRSS, RssAnon and RssFile of a process, in MiB, and its thread count.
fn memory(pid: u32) -> (f64, f64, f64, u64) {
    let status = status_of(&pid.to_string());
    let field = |name: &str| mib_in(&status, name);
    let threads = status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or(0);
    (
        field("VmRSS:"),
        field("RssAnon:"),
        field("RssFile:"),
        threads,
    )
}

/// One GET on a new connection; the status code.
fn get(port: u16, path: &str, accept: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `future` to its end on a runtime of its own (to make or drop the scratch database: this
/// benchmark has no runtime otherwise).
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let options = options();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    // Any `--database` is a PostgreSQL server here.
    let scratch = block_on(Scratch::create(options.database.as_deref()));
    let mut command = Command::new(env!("CARGO_BIN_EXE_rounds"));
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ROUNDS_DOMAIN", format!("localhost:{port}"))
        .env("ROUNDS_BIND", format!("127.0.0.1:{port}"))
        .env("ROUNDS_INSECURE_FEDERATION", "true")
        .env("ROUNDS_DATABASE_URL", &scratch.url)
        .current_dir(scratch.dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let server = Server(command.spawn().expect("rounds serve starts"));
    let pid = server.0.id();
    let started = Instant::now();
    while get(port, "/", "text/html") != Some(200) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "rounds serve did not answer within a minute"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    let idle = memory(pid);

    let kinds = [
        ("/", "text/html"),
        ("/actors/community", "application/activity+json"),
        ("/@community", "text/html"),
        (
            "/.well-known/webfinger?resource=acct:community@localhost",
            "application/jrd+json",
        ),
        ("/.well-known/nodeinfo", "application/json"),
        ("/actors/community/outbox", "application/activity+json"),
    ];
    let mut failed = 0;
    for _ in 0..options.requests {
        for (path, accept) in kinds {
            let path = path.replace("localhost", &format!("localhost:{port}"));
            if get(port, &path, accept).is_none_or(|status| status >= 400) {
                failed += 1;
            }
        }
    }
    std::thread::sleep(Duration::from_secs(3));
    let used = memory(pid);

    let backend = if options.database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let line = |label: &str, (rss, anon, file, threads): (f64, f64, f64, u64)| {
        println!(
            "{label}: VmRSS {rss:.1} MiB (heap and other anonymous {anon:.1} MiB, file-backed \
             {file:.1} MiB), {threads} threads"
        );
    };
    println!(
        "rounds serve (release), {backend}, target idle RSS < {IDLE_TARGET_MIB} MiB (shared/performance.md)"
    );
    line("idle after start", idle);
    line(
        &format!(
            "idle after {} requests ({} kinds, {failed} failed)",
            options.requests * kinds.len(),
            kinds.len()
        ),
        used,
    );
    let worst = idle.0.max(used.0);
    println!(
        "idle RSS {} the target ({worst:.1} MiB at most)",
        if worst < IDLE_TARGET_MIB {
            "meets"
        } else {
            "misses"
        }
    );
    drop(server);
    block_on(scratch.drop_database());
    if failed > 0 {
        eprintln!("{failed} requests failed");
        std::process::exit(1);
    }
}
