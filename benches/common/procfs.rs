//! What a process costs, read from Linux's /proc: its CPU time and its memory (zero elsewhere,
//! or once the process is gone).

use std::time::Duration;

/// CPU time this process has used so far (user + system).
pub fn cpu_time() -> Duration {
    cpu_time_of("self")
}

/// CPU time process `pid` ("self" for this one) has used so far (user + system).
pub fn cpu_time_of(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// A `VmRSS`-style line of /proc/self/status, in MiB.
pub fn memory_mib(field: &str) -> f64 {
    memory_mib_of("self", field)
}

/// A `VmRSS`-style line of /proc/PID/status, in MiB.
pub fn memory_mib_of(pid: &str, field: &str) -> f64 {
    mib_in(&status_of(pid), field)
}

/// The text of /proc/PID/status, to read several lines of one moment with [`mib_in`].
pub fn status_of(pid: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default()
}

/// A `VmRSS`-style line (`field`, with or without its colon) of a /proc status text, in MiB.
pub fn mib_in(status: &str, field: &str) -> f64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Bytes this process has caused to be written to storage so far (`write_bytes` of
/// /proc/self/io: counted when a page of a file is dirtied, so SQLite's log, its checkpoints
/// and its temporary files, but not sockets).
pub fn storage_written() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("write_bytes:"))
        .and_then(|bytes| bytes.trim().parse().ok())
        .unwrap_or(0)
}
