//! Rate limits on inbound activities, per remote actor and per instance: token buckets in
//! memory (per process), refilled continuously. Over the limit: 429 with `Retry-After`. The map
//! is bounded: when it grows past [`MAX_TRACKED`], buckets that have refilled are dropped.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::error::{Error, Result};

/// Buckets kept before full ones are swept.
pub const MAX_TRACKED: usize = 50_000;

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Per-key token buckets: `per_minute` activities a minute, bursts up to that many.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; when none is left, how long until one is.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second
                    < capacity
            });
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let refilled = now.duration_since(bucket.updated).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refilled).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second)
                .max(Duration::from_secs(1)))
        }
    }
}

/// The limits of one process: per actor and per instance.
pub struct InboundLimits {
    pub per_actor: RateLimiter,
    pub per_instance: RateLimiter,
}

impl InboundLimits {
    pub fn new(per_actor_per_minute: u32, per_instance_per_minute: u32) -> InboundLimits {
        InboundLimits {
            per_actor: RateLimiter::new(per_actor_per_minute),
            per_instance: RateLimiter::new(per_instance_per_minute),
        }
    }

    /// 429 (with the wait) when `actor` or its `instance` is over its limit.
    pub fn check(&self, actor: &str, instance: &str) -> Result<()> {
        let now = Instant::now();
        self.per_instance
            .take(instance, now)
            .and_then(|()| self.per_actor.take(actor, now))
            .map_err(|wait| Error::TooManyRequests(wait.as_secs().max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_cut_and_the_bucket_refills() {
        let limiter = RateLimiter::new(60);
        let start = Instant::now();
        for _ in 0..60 {
            assert!(limiter.take("a", start).is_ok());
        }
        let wait = limiter.take("a", start).unwrap_err();
        assert!(wait <= Duration::from_secs(1));
        assert!(
            limiter.take("b", start).is_ok(),
            "another key has its own bucket"
        );
        assert!(
            limiter.take("a", start + Duration::from_secs(2)).is_ok(),
            "refilled"
        );
    }
}
