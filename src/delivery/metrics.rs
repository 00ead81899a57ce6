//! Delivery counters for Prometheus: results by kind and request latency, counted in memory by
//! this process (each process of a deployment reports its own). Queue depth and unavailable
//! instances are read from the database when `/metrics` is scraped.

use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The results a delivery try can have, as metric labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultKind {
    Delivered,
    Refused,
    Gone,
    Retry,
    Undeliverable,
    Withdrawn,
}

impl ResultKind {
    const ALL: [ResultKind; 6] = [
        ResultKind::Delivered,
        ResultKind::Refused,
        ResultKind::Gone,
        ResultKind::Retry,
        ResultKind::Undeliverable,
        ResultKind::Withdrawn,
    ];

    fn label(self) -> &'static str {
        match self {
            ResultKind::Delivered => "delivered",
            ResultKind::Refused => "refused",
            ResultKind::Gone => "gone",
            ResultKind::Retry => "retry",
            ResultKind::Undeliverable => "undeliverable",
            ResultKind::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Default)]
pub struct DeliveryMetrics {
    results: [AtomicU64; ResultKind::ALL.len()],
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_micros: AtomicU64,
    claims: AtomicU64,
}

/// What the database says at scrape time.
pub struct QueueGauges {
    pub pending: i64,
    pub unavailable_instances: i64,
}

impl DeliveryMetrics {
    /// Counts one try and how long its request took.
    pub fn observe(&self, kind: ResultKind, latency: Duration) {
        if let Some(index) = ResultKind::ALL.iter().position(|k| *k == kind) {
            self.results[index].fetch_add(1, Ordering::Relaxed);
        }
        let seconds = latency.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_micros.fetch_add(
            u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Counts one look for instances with due deliveries (a claim: one write).
    pub fn count_claim(&self) {
        self.claims.fetch_add(1, Ordering::Relaxed);
    }

    /// Looks for instances with due deliveries so far.
    pub fn claims(&self) -> u64 {
        self.claims.load(Ordering::Relaxed)
    }

    /// Tries so far with this result.
    pub fn count(&self, kind: ResultKind) -> u64 {
        ResultKind::ALL
            .iter()
            .position(|k| *k == kind)
            .map_or(0, |index| self.results[index].load(Ordering::Relaxed))
    }

    /// The Prometheus text exposition of these counters and `gauges`.
    pub fn render(&self, gauges: &QueueGauges) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP rounds_delivery_queue_depth Deliveries waiting to be sent or retried.\n\
             # TYPE rounds_delivery_queue_depth gauge\n\
             rounds_delivery_queue_depth {}",
            gauges.pending
        );
        let _ = writeln!(
            out,
            "# HELP rounds_delivery_unavailable_instances Instances whose retry schedule ran out.\n\
             # TYPE rounds_delivery_unavailable_instances gauge\n\
             rounds_delivery_unavailable_instances {}",
            gauges.unavailable_instances
        );
        let _ = writeln!(
            out,
            "# HELP rounds_delivery_claims_total Times this process looked for instances with \
             due deliveries.\n\
             # TYPE rounds_delivery_claims_total counter\n\
             rounds_delivery_claims_total {}",
            self.claims()
        );
        let _ = writeln!(
            out,
            "# HELP rounds_deliveries_total Delivery tries by this process, by result.\n\
             # TYPE rounds_deliveries_total counter"
        );
        for kind in ResultKind::ALL {
            let _ = writeln!(
                out,
                "rounds_deliveries_total{{result=\"{}\"}} {}",
                kind.label(),
                self.count(kind)
            );
        }
        let _ = writeln!(
            out,
            "# HELP rounds_delivery_duration_seconds Time from sending a delivery to its answer.\n\
             # TYPE rounds_delivery_duration_seconds histogram"
        );
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "rounds_delivery_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let sum = self.latency_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "rounds_delivery_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n\
             rounds_delivery_duration_seconds_sum {sum}\n\
             rounds_delivery_duration_seconds_count {count}"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let metrics = DeliveryMetrics::default();
        metrics.observe(ResultKind::Delivered, Duration::from_millis(3));
        metrics.observe(ResultKind::Delivered, Duration::from_millis(300));
        metrics.observe(ResultKind::Retry, Duration::from_secs(60));
        metrics.count_claim();
        metrics.count_claim();
        let text = metrics.render(&QueueGauges {
            pending: 4,
            unavailable_instances: 1,
        });
        assert!(text.contains("rounds_delivery_queue_depth 4\n"));
        assert!(text.contains("rounds_delivery_claims_total 2\n"));
        assert!(text.contains("rounds_deliveries_total{result=\"delivered\"} 2\n"));
        assert!(text.contains("rounds_deliveries_total{result=\"retry\"} 1\n"));
        assert!(text.contains("rounds_delivery_duration_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("rounds_delivery_duration_seconds_bucket{le=\"0.5\"} 2\n"));
        assert!(text.contains("rounds_delivery_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
    }
}
