//! The circuit breaker for one provider + model, as a pure state machine: no clock, no
//! locking and no I/O. The caller owns the mutex and passes `now_ms` from a monotonic clock.

use std::collections::VecDeque;
use std::fmt;

use serde::Serialize;

/// Tuning for a [`CircuitBreaker`].
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerConfig {
    /// How many of the most recent calls the rates are computed over.
    pub window: usize,
    /// With fewer calls than this in the window the breaker never opens.
    pub min_calls: usize,
    /// Failure fraction (0–1) at or above which a closed breaker opens.
    pub failure_rate: f64,
    /// Slow-call fraction (0–1) at or above which a closed breaker opens.
    pub slow_rate: f64,
    /// A call that takes longer than this is slow.
    pub slow_call_ms: u64,
    /// How long the breaker stays open before it lets probes through.
    pub open_ms: u64,
    /// Probes allowed at once while half-open, and successes needed to close.
    pub half_open_probes: usize,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            window: 20,
            min_calls: 10,
            failure_rate: 0.5,
            slow_rate: 0.5,
            slow_call_ms: 5_000,
            open_ms: 30_000,
            half_open_probes: 3,
        }
    }
}

/// The three states of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls flow; outcomes are counted.
    Closed,
    /// Calls are rejected until `open_ms` has passed.
    Open,
    /// A few probe calls decide whether to close or reopen.
    HalfOpen,
}

impl BreakerState {
    /// The value exported on the state gauge: 0 closed, 1 open, 2 half-open.
    pub fn as_gauge(self) -> i64 {
        match self {
            BreakerState::Closed => 0,
            BreakerState::Open => 1,
            BreakerState::HalfOpen => 2,
        }
    }

    /// A stable snake_case name for logs, metrics and the dashboard.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Permission to make one call, handed back through [`CircuitBreaker::record`] or
/// [`CircuitBreaker::release`].
///
/// It remembers whether it was a half-open probe and which phase of the breaker issued it,
/// so a late result from before a transition is ignored instead of corrupting the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a permit must be handed back with `record` or `release`"]
pub struct Permit {
    probe: bool,
    epoch: u64,
}

impl Permit {
    /// Whether this permit was issued as a half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }
}

/// A call refused by the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker is {state}; call rejected")]
pub struct Rejected {
    /// The state that refused the call (`Open`, or `HalfOpen` with all probes taken).
    pub state: BreakerState,
    /// When known, how long until the breaker lets a probe through.
    pub retry_in_ms: Option<u64>,
}

/// What happened to a permitted call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallOutcome {
    /// Whether the call counts as a success for the provider's health.
    pub success: bool,
    /// How long the call took.
    pub duration_ms: u64,
}

impl CallOutcome {
    /// A successful call that took `duration_ms`.
    pub fn success(duration_ms: u64) -> Self {
        Self {
            success: true,
            duration_ms,
        }
    }

    /// A failed call that took `duration_ms`.
    pub fn failure(duration_ms: u64) -> Self {
        Self {
            success: false,
            duration_ms,
        }
    }
}

/// A read-only view of a breaker for the dashboard and metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BreakerSnapshot {
    /// The effective state at `now_ms`.
    pub state: BreakerState,
    /// Failed calls / calls in the window (0 when empty).
    pub failure_rate: f64,
    /// Slow calls / calls in the window (0 when empty).
    pub slow_rate: f64,
    /// Calls currently in the sliding window.
    pub calls_in_window: usize,
    /// How many times the breaker has opened (including reopenings from half-open).
    pub opened_count: u64,
    /// How many calls the breaker has rejected.
    pub rejected_count: u64,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    failed: bool,
    slow: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Closed,
    Open {
        since_ms: u64,
    },
    HalfOpen {
        round_started_ms: u64,
        in_flight: usize,
        successes: usize,
    },
}

/// A circuit breaker: closed → open on a high failure or slow-call rate, open → half-open
/// after `open_ms`, half-open → closed after enough successful probes or → open on any
/// failed one.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    phase: Phase,
    /// Bumped on every transition; permits from another epoch are stale.
    epoch: u64,
    window: VecDeque<Sample>,
    failures: usize,
    slow: usize,
    opened_count: u64,
    rejected_count: u64,
}

impl CircuitBreaker {
    /// A closed breaker. Degenerate settings are normalised: the window, `min_calls` and
    /// `half_open_probes` are at least 1, and `min_calls` is at most the window.
    pub fn new(config: BreakerConfig) -> Self {
        let mut config = config;
        config.window = config.window.max(1);
        config.min_calls = config.min_calls.clamp(1, config.window);
        config.half_open_probes = config.half_open_probes.max(1);
        Self {
            window: VecDeque::with_capacity(config.window),
            config,
            phase: Phase::Closed,
            epoch: 0,
            failures: 0,
            slow: 0,
            opened_count: 0,
            rejected_count: 0,
        }
    }

    /// The configuration in use (after normalisation).
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// Asks to make a call. Closed: always granted. Open: rejected until `open_ms` has passed,
    /// then the breaker turns half-open and this call becomes the first probe. Half-open: at
    /// most `half_open_probes` probes are outstanding; if a round of probes has been
    /// outstanding for `open_ms` without all results (a permit that was never handed back),
    /// a fresh round starts so a lost permit cannot wedge the breaker.
    pub fn try_acquire(&mut self, now_ms: u64) -> Result<Permit, Rejected> {
        match self.phase {
            Phase::Closed => Ok(self.permit(false)),
            Phase::Open { since_ms } => {
                let elapsed = now_ms.saturating_sub(since_ms);
                if elapsed >= self.config.open_ms {
                    self.start_half_open_round(now_ms);
                    self.try_acquire(now_ms)
                } else {
                    Err(self.reject(BreakerState::Open, Some(self.config.open_ms - elapsed)))
                }
            }
            Phase::HalfOpen {
                round_started_ms,
                in_flight,
                successes,
            } => {
                if in_flight + successes < self.config.half_open_probes {
                    self.phase = Phase::HalfOpen {
                        round_started_ms,
                        in_flight: in_flight + 1,
                        successes,
                    };
                    Ok(self.permit(true))
                } else if now_ms.saturating_sub(round_started_ms) >= self.config.open_ms {
                    self.start_half_open_round(now_ms);
                    self.try_acquire(now_ms)
                } else {
                    Err(self.reject(BreakerState::HalfOpen, None))
                }
            }
        }
    }

    /// Records the outcome of a permitted call. Results from permits issued before the last
    /// transition are ignored. While half-open a probe succeeds only if it is successful and
    /// not slow; any other probe result reopens the breaker.
    pub fn record(&mut self, permit: Permit, outcome: CallOutcome, now_ms: u64) {
        if permit.epoch != self.epoch {
            return;
        }
        let slow = outcome.duration_ms > self.config.slow_call_ms;
        match (self.phase, permit.probe) {
            (Phase::Closed, false) => {
                self.push_sample(Sample {
                    failed: !outcome.success,
                    slow,
                });
                if self.should_trip() {
                    self.open(now_ms);
                }
            }
            (
                Phase::HalfOpen {
                    round_started_ms,
                    in_flight,
                    successes,
                },
                true,
            ) => {
                if !outcome.success || slow {
                    self.open(now_ms);
                } else if successes + 1 >= self.config.half_open_probes {
                    self.close();
                } else {
                    self.phase = Phase::HalfOpen {
                        round_started_ms,
                        in_flight: in_flight.saturating_sub(1),
                        successes: successes + 1,
                    };
                }
            }
            // Same epoch but a mismatched kind cannot happen; ignore rather than guess.
            _ => {}
        }
    }

    /// Hands back a permit whose call was never made or was cancelled, without an outcome.
    /// Frees the probe slot when half-open; otherwise a no-op.
    pub fn release(&mut self, permit: Permit) {
        if permit.epoch != self.epoch || !permit.probe {
            return;
        }
        if let Phase::HalfOpen {
            round_started_ms,
            in_flight,
            successes,
        } = self.phase
        {
            self.phase = Phase::HalfOpen {
                round_started_ms,
                in_flight: in_flight.saturating_sub(1),
                successes,
            };
        }
    }

    /// The effective state at `now_ms`: an open breaker whose `open_ms` has passed reports
    /// half-open, which is what the next [`try_acquire`](Self::try_acquire) will find.
    pub fn state(&self, now_ms: u64) -> BreakerState {
        match self.phase {
            Phase::Closed => BreakerState::Closed,
            Phase::Open { since_ms } if now_ms.saturating_sub(since_ms) >= self.config.open_ms => {
                BreakerState::HalfOpen
            }
            Phase::Open { .. } => BreakerState::Open,
            Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// A view for the dashboard and metrics.
    pub fn snapshot(&self, now_ms: u64) -> BreakerSnapshot {
        BreakerSnapshot {
            state: self.state(now_ms),
            failure_rate: self.rate(self.failures),
            slow_rate: self.rate(self.slow),
            calls_in_window: self.window.len(),
            opened_count: self.opened_count,
            rejected_count: self.rejected_count,
        }
    }

    fn permit(&self, probe: bool) -> Permit {
        Permit {
            probe,
            epoch: self.epoch,
        }
    }

    fn reject(&mut self, state: BreakerState, retry_in_ms: Option<u64>) -> Rejected {
        self.rejected_count = self.rejected_count.saturating_add(1);
        Rejected { state, retry_in_ms }
    }

    fn rate(&self, count: usize) -> f64 {
        if self.window.is_empty() {
            0.0
        } else {
            count as f64 / self.window.len() as f64
        }
    }

    fn push_sample(&mut self, sample: Sample) {
        if self.window.len() >= self.config.window {
            if let Some(old) = self.window.pop_front() {
                self.failures -= usize::from(old.failed);
                self.slow -= usize::from(old.slow);
            }
        }
        self.failures += usize::from(sample.failed);
        self.slow += usize::from(sample.slow);
        self.window.push_back(sample);
    }

    fn should_trip(&self) -> bool {
        self.window.len() >= self.config.min_calls
            && (self.rate(self.failures) >= self.config.failure_rate
                || self.rate(self.slow) >= self.config.slow_rate)
    }

    fn open(&mut self, now_ms: u64) {
        self.phase = Phase::Open { since_ms: now_ms };
        self.epoch = self.epoch.wrapping_add(1);
        self.opened_count = self.opened_count.saturating_add(1);
    }

    fn start_half_open_round(&mut self, now_ms: u64) {
        self.phase = Phase::HalfOpen {
            round_started_ms: now_ms,
            in_flight: 0,
            successes: 0,
        };
        self.epoch = self.epoch.wrapping_add(1);
    }

    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.epoch = self.epoch.wrapping_add(1);
        // A fresh start: the calls that tripped the breaker say nothing about the recovery.
        self.window.clear();
        self.failures = 0;
        self.slow = 0;
    }
}

#[cfg(test)]
#[path = "breaker_tests.rs"]
mod tests;
