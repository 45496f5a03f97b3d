//! The retry policy — the only place that decides whether and when an LLM call is retried:
//! error classes, backoff with full jitter, `Retry-After`, and the global retry budget.
//! It never sleeps and performs no I/O; the caller waits and keeps the clock.

use std::fmt;

use rand::Rng;
use serde::Serialize;

/// Why an LLM call failed, as far as retrying and metrics care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ErrorClass {
    /// The call or the connection timed out.
    #[serde(rename = "timeout")]
    Timeout,
    /// The connection could not be made or broke (DNS, TLS, reset).
    #[serde(rename = "connect")]
    Connect,
    /// HTTP 429.
    #[serde(rename = "rate_limited")]
    RateLimited,
    /// HTTP 5xx.
    #[serde(rename = "server_error")]
    Server,
    /// HTTP 401/403: a bad or revoked key. Retrying cannot help.
    #[serde(rename = "auth")]
    Auth,
    /// Any other 4xx: the request itself is wrong.
    #[serde(rename = "bad_request")]
    BadRequest,
    /// The provider answered something that could not be understood.
    #[serde(rename = "malformed_response")]
    Malformed,
    /// The circuit breaker refused the call.
    #[serde(rename = "circuit_open")]
    CircuitOpen,
    /// The spending budget refused the call.
    #[serde(rename = "budget")]
    Budget,
}

impl ErrorClass {
    /// Whether the same call may succeed if tried again on the same provider.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorClass::Timeout
                | ErrorClass::Connect
                | ErrorClass::RateLimited
                | ErrorClass::Server
        )
    }

    /// A stable snake_case name for logs and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Timeout => "timeout",
            ErrorClass::Connect => "connect",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::Server => "server_error",
            ErrorClass::Auth => "auth",
            ErrorClass::BadRequest => "bad_request",
            ErrorClass::Malformed => "malformed_response",
            ErrorClass::CircuitOpen => "circuit_open",
            ErrorClass::Budget => "budget",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies an unsuccessful HTTP status. 408 (request timeout) counts as a timeout; a
/// status that is not an error at all (1xx–3xx) where an answer was expected is malformed.
pub fn classify_status(status: u16) -> ErrorClass {
    match status {
        429 => ErrorClass::RateLimited,
        408 => ErrorClass::Timeout,
        401 | 403 => ErrorClass::Auth,
        400..=499 => ErrorClass::BadRequest,
        500..=599 => ErrorClass::Server,
        _ => ErrorClass::Malformed,
    }
}

/// Parses a `Retry-After` header given in (possibly fractional) seconds into milliseconds.
/// The HTTP-date form needs a clock and returns `None`, as does anything unparsable.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let seconds: f64 = value.trim().parse().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    // Saturating float-to-int cast: absurdly large values become u64::MAX.
    Some((seconds * 1_000.0).ceil() as u64)
}

/// How many times and how long to wait before retrying one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so at most `max_retries + 1` attempts).
    pub max_retries: u32,
    /// The backoff ceiling of the first retry; it doubles each retry.
    pub base_delay_ms: u64,
    /// The highest backoff ceiling.
    pub max_delay_ms: u64,
    /// The longest `Retry-After` the policy will wait; longer values are cut to this.
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay_ms: 200,
            max_delay_ms: 2_000,
            max_retry_after_ms: 5_000,
        }
    }
}

impl RetryPolicy {
    /// The backoff ceiling for retry number `attempt` (0 for the first retry):
    /// `min(max_delay_ms, base_delay_ms · 2^attempt)`, without overflow.
    pub fn ceiling_ms(&self, attempt: u32) -> u64 {
        let factor = 1u64.checked_shl(attempt).unwrap_or(u64::MAX);
        self.base_delay_ms
            .saturating_mul(factor)
            .min(self.max_delay_ms)
    }

    /// Exponential backoff with full jitter: uniform in `[0, ceiling_ms(attempt)]`, so many
    /// sessions failing together do not retry in lockstep.
    pub fn backoff_ms(&self, attempt: u32, rng: &mut impl Rng) -> u64 {
        match self.ceiling_ms(attempt) {
            0 => 0,
            ceiling => rng.random_range(0..=ceiling),
        }
    }

    /// How long to wait before retry number `attempt` (0 after the first failure), or `None`
    /// when the call must not be retried: the class is not retryable, `max_retries` retries
    /// have been made, or the wait would not leave any of `remaining_deadline_ms` for the
    /// call itself. A `Retry-After` sent with a 429 or 5xx replaces the backoff, capped at
    /// `max_retry_after_ms`.
    pub fn next_delay(
        &self,
        attempt: u32,
        class: ErrorClass,
        retry_after_ms: Option<u64>,
        remaining_deadline_ms: u64,
        rng: &mut impl Rng,
    ) -> Option<u64> {
        if !class.is_retryable() || attempt >= self.max_retries {
            return None;
        }
        let delay = match (class, retry_after_ms) {
            (ErrorClass::RateLimited | ErrorClass::Server, Some(asked)) => {
                asked.min(self.max_retry_after_ms)
            }
            _ => self.backoff_ms(attempt, rng),
        };
        (delay < remaining_deadline_ms).then_some(delay)
    }
}

/// Limits of the global [`RetryBudget`].
#[derive(Debug, Clone, PartialEq)]
pub struct RetryBudgetConfig {
    /// Retries allowed per call over the last minute (0.2 = 20 %).
    pub ratio: f64,
    /// Retries allowed per minute on top of the ratio, so a quiet service can still retry.
    pub min_retries_per_minute: u64,
}

impl Default for RetryBudgetConfig {
    fn default() -> Self {
        Self {
            ratio: 0.2,
            min_retries_per_minute: 3,
        }
    }
}

const BUCKETS: usize = 60;
const BUCKET_MS: u64 = 1_000;

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    second: u64,
    calls: u64,
    retries: u64,
}

/// A global retry budget over a sliding minute: retries ≤ `min_retries_per_minute` +
/// `ratio` × calls, so a provider outage cannot multiply the load by the retry count.
/// Memory is fixed: one bucket per second, 60 buckets.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    config: RetryBudgetConfig,
    buckets: [Bucket; BUCKETS],
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(RetryBudgetConfig::default())
    }
}

impl RetryBudget {
    /// An empty budget.
    pub fn new(config: RetryBudgetConfig) -> Self {
        Self {
            config,
            buckets: [Bucket::default(); BUCKETS],
        }
    }

    /// Counts one logical call (its first attempt; retries are counted by
    /// [`try_spend_retry`](Self::try_spend_retry), not here).
    pub fn record_call(&mut self, now_ms: u64) {
        let bucket = self.bucket_mut(now_ms);
        bucket.calls = bucket.calls.saturating_add(1);
    }

    /// Takes one retry from the budget; `false` when the last minute's share is used up.
    pub fn try_spend_retry(&mut self, now_ms: u64) -> bool {
        let (calls, retries) = self.snapshot(now_ms);
        // Saturating float-to-int cast; a negative or NaN ratio allows only the floor.
        let allowed = self
            .config
            .min_retries_per_minute
            .saturating_add((calls as f64 * self.config.ratio).floor() as u64);
        if retries >= allowed {
            return false;
        }
        let bucket = self.bucket_mut(now_ms);
        bucket.retries = bucket.retries.saturating_add(1);
        true
    }

    /// Calls and retries over the minute ending at `now_ms`.
    pub fn snapshot(&self, now_ms: u64) -> (u64, u64) {
        let second = now_ms / BUCKET_MS;
        self.buckets
            .iter()
            .filter(|b| b.second <= second && second - b.second < BUCKETS as u64)
            .fold((0, 0), |(calls, retries), b| {
                (
                    calls.saturating_add(b.calls),
                    retries.saturating_add(b.retries),
                )
            })
    }

    fn bucket_mut(&mut self, now_ms: u64) -> &mut Bucket {
        let second = now_ms / BUCKET_MS;
        let index = (second % BUCKETS as u64) as usize;
        let bucket = &mut self.buckets[index];
        if bucket.second != second {
            *bucket = Bucket {
                second,
                calls: 0,
                retries: 0,
            };
        }
        bucket
    }
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
