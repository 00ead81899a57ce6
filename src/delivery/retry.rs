//! When to try an instance again after a failed delivery, and when to call it unavailable.
//!
//! Backoff is per instance: a failure holds that instance's backlog (in order) and no other.
//! The schedule grows from the configured first delay (10 s by default): 1, 3, 6, 18, 30, 60,
//! 120, 240, 480, 720, 1080, 1440, 2160, 2880, 4320, 5760 times it. With the default that is 10 s,
//! 30 s, 1 min, 3 min, 5 min, 10 min, 20 min, 40 min, 80 min, 2 h, 3 h, 4 h, 6 h, 8 h, 12 h and
//! 16 h: about two and a quarter days in all, like Mastodon's 16 tries, but with early retries close together so a
//! peer that restarts gets its activities within a minute. When the schedule runs out the instance is
//! marked unavailable and tried every [`UNAVAILABLE_RETRY`] (with jitter) until it answers, when its
//! backlog resumes in order. A `Retry-After` from the receiver is honoured when it asks for longer.

use std::time::Duration;

const FACTORS: [u32; 16] = [
    1, 3, 6, 18, 30, 60, 120, 240, 480, 720, 1080, 1440, 2160, 2880, 4320, 5760,
];

/// Tries in all, the first included.
pub const MAX_ATTEMPTS: i64 = FACTORS.len() as i64 + 1;

/// How often an unavailable instance is tried.
pub const UNAVAILABLE_RETRY: Duration = Duration::from_secs(6 * 3600);

/// When to try an instance again after its `failures`-th consecutive failure, and whether it is
/// now unavailable.
pub fn next_try(failures: i64, first: Duration, retry_after: Option<Duration>) -> (Duration, bool) {
    let (wait, unavailable) = match delay_after(failures, first) {
        Some(wait) => (wait, false),
        None => (
            UNAVAILABLE_RETRY + UNAVAILABLE_RETRY.mul_f64(rand::random::<f64>() * 0.1),
            true,
        ),
    };
    (wait.max(retry_after.unwrap_or_default()), unavailable)
}

/// The wait after the `failed_attempts`-th failure (1-based), or `None` to give up.
pub fn delay_after(failed_attempts: i64, first: Duration) -> Option<Duration> {
    let index = usize::try_from(failed_attempts.checked_sub(1)?).ok()?;
    let factor = *FACTORS.get(index)?;
    let base = first.saturating_mul(factor);
    // Up to 10 % jitter so that retries to one instance do not arrive in lockstep.
    let jitter = base.mul_f64(rand::random::<f64>() * 0.1);
    Some(base + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_grows_and_ends() {
        let first = Duration::from_secs(10);
        let waits: Vec<Duration> = (1..MAX_ATTEMPTS)
            .map(|n| delay_after(n, first).unwrap())
            .collect();
        assert!(waits.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(waits[0] >= first && waits[0] <= first.mul_f64(1.1));
        let total: Duration = waits.iter().sum();
        assert!(total > Duration::from_secs(40 * 3600), "{total:?}");
        assert!(total < Duration::from_secs(72 * 3600), "{total:?}");
        assert_eq!(delay_after(MAX_ATTEMPTS, first), None);
        assert_eq!(delay_after(0, first), None);
    }

    #[test]
    fn after_the_schedule_the_instance_is_unavailable_and_retry_after_wins() {
        let first = Duration::from_secs(10);
        let (wait, unavailable) = next_try(3, first, None);
        assert!(!unavailable && wait < Duration::from_secs(120));
        let (wait, unavailable) = next_try(MAX_ATTEMPTS, first, None);
        assert!(unavailable && wait >= UNAVAILABLE_RETRY);
        let (wait, _) = next_try(1, first, Some(Duration::from_secs(3600)));
        assert_eq!(wait, Duration::from_secs(3600));
        let (wait, _) = next_try(1, first, Some(Duration::from_secs(1)));
        assert!(
            wait >= first,
            "a short Retry-After does not hurry the schedule"
        );
    }
}
