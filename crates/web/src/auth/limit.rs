//! Sign-in attempts per client address: a sliding window in memory. Accounts also lock
//! themselves in the database after repeated failures (see the account handlers); this
//! limit stops one address from trying many accounts.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct SignInLimiter {
    window: Duration,
    max: usize,
    seen: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl SignInLimiter {
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            window,
            max,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `client`; `Err(wait)` if it is over the limit.
    pub fn attempt(&self, client: &str, now: Instant) -> Result<(), Duration> {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget quiet clients so the map cannot grow without bound.
        if seen.len() > 10_000 {
            seen.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let times = seen.entry(client.to_string()).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.max {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }
}

impl Default for SignInLimiter {
    /// Ten attempts per address in five minutes.
    fn default() -> Self {
        Self::new(10, Duration::from_secs(300))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_client_within_the_window() {
        let limiter = SignInLimiter::new(3, Duration::from_secs(60));
        let t = Instant::now();
        for _ in 0..3 {
            assert!(limiter.attempt("a", t).is_ok());
        }
        let wait = limiter.attempt("a", t + Duration::from_secs(10));
        assert_eq!(wait, Err(Duration::from_secs(50)));
        assert!(limiter.attempt("b", t).is_ok());
        assert!(limiter.attempt("a", t + Duration::from_secs(61)).is_ok());
    }
}
