//! One backoff for everything that is tried again (messages, alerts): the first wait, then
//! twice as long after each failure, never more than an hour.

use std::time::Duration;

const LONGEST: Duration = Duration::from_secs(3600);

/// The wait after the `attempts`-th failure (1 for the first).
pub fn wait(first: Duration, attempts: i64) -> chrono::Duration {
    let doublings = attempts.clamp(1, 32).saturating_sub(1) as u32;
    let wait = first.saturating_mul(2_u32.saturating_pow(doublings)).min(LONGEST);
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wait_is_twice_the_last_and_at_most_an_hour() {
        let waits: Vec<i64> = (1..=8).map(|n| wait(Duration::from_secs(60), n).num_seconds()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(wait(Duration::from_secs(2), 3).num_seconds(), 8);
        assert_eq!(wait(Duration::from_secs(2), 40).num_seconds(), 3600);
        assert_eq!(wait(Duration::from_secs(2), 0).num_seconds(), 2, "no try yet waits the first time");
    }
}
