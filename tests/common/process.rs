//! Real `rounds serve` processes for tests that kill them (SIGKILL) or stop them (SIGTERM).

use std::process::{Child, Command, Stdio};

/// A `rounds serve` process, killed with SIGKILL when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }

    /// SIGTERM; returns at once.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `rounds serve` for domain `localhost:domain_port`, listening on `bind_port` (the same
/// port unless several processes serve one domain), and waits until it answers.
pub async fn start_server(
    domain_port: u16,
    bind_port: u16,
    database_url: &str,
    extra_env: &[(&str, &str)],
) -> Server {
    start_server_with_output(
        domain_port,
        bind_port,
        database_url,
        extra_env,
        Stdio::null(),
        Stdio::null(),
    )
    .await
}

/// The metrics token of the processes started here.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

/// [`start_server`], with the process's standard output and error going where the caller says.
pub async fn start_server_with_output(
    domain_port: u16,
    bind_port: u16,
    database_url: &str,
    extra_env: &[(&str, &str)],
    stdout: Stdio,
    stderr: Stdio,
) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rounds"));
    command
        .arg("serve")
        .env("ROUNDS_DOMAIN", format!("localhost:{domain_port}"))
        .env("ROUNDS_BIND", format!("127.0.0.1:{bind_port}"))
        .env("ROUNDS_DATABASE_URL", database_url)
        .env("ROUNDS_INSECURE_FEDERATION", "true")
        .env("ROUNDS_DELIVERY_FIRST_RETRY_SECONDS", "1")
        .env("ROUNDS_DELIVERY_LEASE_SECONDS", "3")
        .env("ROUNDS_METRICS_TOKEN", METRICS_TOKEN)
        .stdout(stdout)
        .stderr(stderr);
    for (name, value) in extra_env {
        command.env(name, value);
    }
    let server = Server(command.spawn().unwrap());
    let url = format!("http://localhost:{bind_port}/.well-known/nodeinfo");
    let up = super::eventually(60, || async {
        reqwest::get(&url).await.is_ok_and(|r| r.status() == 200)
    })
    .await;
    assert!(up, "rounds serve did not start on port {bind_port}");
    server
}

/// The count of deliveries a process reports as delivered on its `/metrics`.
pub async fn delivered_by(bind_port: u16) -> u64 {
    let text = super::metrics_text(&format!("http://localhost:{bind_port}/metrics")).await;
    text.lines()
        .find_map(|line| line.strip_prefix("rounds_deliveries_total{result=\"delivered\"} "))
        .unwrap()
        .parse()
        .unwrap()
}

/// Runs `rounds ARGS` for the domain `localhost:port` against the database; (success, stdout).
pub fn rounds_command(port: u16, database_url: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rounds"))
        .args(args)
        .env("ROUNDS_DOMAIN", format!("localhost:{port}"))
        .env("ROUNDS_DATABASE_URL", database_url)
        .env("ROUNDS_INSECURE_FEDERATION", "true")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
    )
}
