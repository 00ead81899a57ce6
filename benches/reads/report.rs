//! What the read benchmark prints: one line per measurement as it ends, then the database sizes
//! side by side with the ratio of each figure to the HTTP floor and, big over small, to itself.

use crate::{Measured, Run};

fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One measurement, as it ends.
pub fn print_measurement(m: &Measured) {
    let o = &m.outcome;
    let cpu_per_request = o.cpu.as_secs_f64() * 1e6 / o.latencies.len().max(1) as f64;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let busy = o.cpu.as_secs_f64() / (o.elapsed.as_secs_f64() * cores).max(1e-9) * 100.0;
    println!(
        "  {:<12} {:>3} conn  {:>9} req/s  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.1} \
         ms  | {} B | non-2xx {}, wrong {}, errors {} | CPU {:.0} µs/req, cores {:.0}% busy | {}{}",
        m.label,
        m.connections,
        thousands(o.rate()),
        o.percentile(0.50),
        o.percentile(0.90),
        o.percentile(0.99),
        o.percentile(1.0),
        o.body_bytes,
        o.non_2xx,
        o.wrong,
        o.errors,
        cpu_per_request,
        busy,
        match &m.checked {
            Ok(found) => format!("checked: {found}"),
            Err(wrong) => format!("WRONG: {wrong}"),
        },
        o.first_problem
            .as_deref()
            .map(|p| format!(" | first problem: {p}"))
            .unwrap_or_default(),
    );
}

/// The runs side by side (the small database first).
pub fn print_side_by_side(backend: &str, runs: &[Run]) {
    println!("\n== {backend}: side by side ==");
    let mut header = format!("{:<12} {:>4}", "", "conn");
    for run in runs {
        header.push_str(&format!(
            " | {:>28}",
            format!("{} replies", thousands(run.replies as f64))
        ));
    }
    if runs.len() == 2 {
        header.push_str(" | big / small");
    }
    println!("{header}");
    let mut sub = format!("{:<12} {:>4}", "", "");
    for _ in runs {
        sub.push_str(&format!(
            " | {:>9} {:>8} {:>9}",
            "req/s", "p50 ms", "p99 ms"
        ));
    }
    if runs.len() == 2 {
        sub.push_str(" | req/s  p99");
    }
    println!("{sub}");
    let Some(first) = runs.first() else {
        return;
    };
    for (index, m) in first.measured.iter().enumerate() {
        let mut line = format!("{:<12} {:>4}", m.label, m.connections);
        for run in runs {
            let o = &run.measured[index].outcome;
            line.push_str(&format!(
                " | {:>9} {:>8.2} {:>9.2}",
                thousands(o.rate()),
                o.percentile(0.5),
                o.percentile(0.99)
            ));
        }
        if let [small, big] = runs {
            let (s, b) = (&small.measured[index].outcome, &big.measured[index].outcome);
            line.push_str(&format!(
                " | {:>5.2} {:>5.2}",
                b.rate() / s.rate().max(1e-9),
                b.percentile(0.99) / s.percentile(0.99).max(1e-9)
            ));
        }
        println!("{line}");
    }
    for run in runs {
        let floor = run.measured[0].outcome.rate();
        let ratios: Vec<String> = run.measured[1..]
            .iter()
            .map(|m| {
                format!(
                    "{} {:.0}%",
                    m.label,
                    m.outcome.rate() / floor.max(1e-9) * 100.0
                )
            })
            .collect();
        println!(
            "{} replies (seeded in {:.1} s{}), of the HTTP floor ({} req/s): {}",
            thousands(run.replies as f64),
            run.seeded.elapsed.as_secs_f64(),
            run.database_bytes
                .map(|b| format!(", {:.0} MiB of SQLite", b as f64 / 1_048_576.0))
                .unwrap_or_default(),
            thousands(floor),
            ratios.join(", ")
        );
    }
    let last = runs.last().map(|run| &run.measured);
    if let Some(measured) = last {
        let find = |label: &str| measured.iter().find(|m| m.label == label);
        if let Some(actor) = find("actor JSON") {
            println!(
                "target: actor JSON ≥ 80,000 req/s: {} req/s ({})",
                thousands(actor.outcome.rate()),
                if actor.outcome.rate() >= 80_000.0 {
                    "met"
                } else {
                    "NOT met"
                }
            );
        }
        if let Some(thread) = find("thread page") {
            println!(
                "target: thread page with 500 replies p99 < 20 ms: {:.1} ms at {} connections \
                 ({})",
                thread.outcome.percentile(0.99),
                thread.connections,
                if thread.outcome.percentile(0.99) < 20.0 {
                    "met"
                } else {
                    "NOT met"
                }
            );
        }
    }
}
