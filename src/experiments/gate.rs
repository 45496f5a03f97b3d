//! The canary gate: pure statistics comparing a candidate variant with the stable one
//! over the same window, and the advance / wait / rollback decision they lead to. The
//! stage machine that acts on the decision lives in `rollout.rs`; collecting the figures
//! is the caller's job.

use serde::{Deserialize, Serialize};

/// What one variant did during a window.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VariantFigures {
    /// Conversations served by the variant.
    pub conversations: u64,
    /// Conversations that ended with a booking.
    pub bookings: u64,
    /// Turns answered by a fallback or ending in a server error.
    pub errors: u64,
    /// Turns served.
    pub turns: u64,
    /// Safety incidents raised on the variant's turns.
    pub safety_incidents: u64,
    /// 95th percentile turn latency in milliseconds; 0 when unknown.
    pub p95_latency_ms: f64,
    /// LLM spend in millionths of a dollar.
    pub cost_micros: u64,
}

impl VariantFigures {
    /// Bookings per conversation; 0 without conversations.
    pub fn booking_rate(&self) -> f64 {
        ratio(self.bookings, self.conversations)
    }

    /// Failed turns per turn; 0 without turns.
    pub fn error_rate(&self) -> f64 {
        ratio(self.errors, self.turns)
    }

    /// Safety incidents per turn; 0 without turns.
    pub fn incident_rate(&self) -> f64 {
        ratio(self.safety_incidents, self.turns)
    }

    /// Spend per conversation in millionths of a dollar; 0 without conversations.
    pub fn cost_per_conversation(&self) -> f64 {
        ratio(self.cost_micros, self.conversations)
    }
}

fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// Thresholds of the gate.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GateConfig {
    /// Conversations each variant needs before anything is decided.
    pub min_samples: u64,
    /// Largest tolerated relative rise of the p95 latency (0.5 = +50 %).
    pub max_latency_increase: f64,
    /// Largest tolerated relative rise of the cost per conversation (0.3 = +30 %).
    pub max_cost_increase: f64,
    /// One-sided z threshold for a rate to count as significantly worse.
    pub z_critical: f64,
    /// Cost-per-conversation differences below this many micro-dollars never count, so
    /// two near-zero costs (built-in engine, cache hits) cannot trip the ratio.
    pub min_cost_difference_micros: f64,
    /// One-sided z of the confidence bound that must clear each rate's margin before the
    /// candidate is "clearly fine" (1.645: 95 % one-sided).
    pub non_inferiority_z: f64,
    /// Largest booking-rate drop tolerated as "no worse", in rate points (0.05 = 5 points).
    pub booking_margin: f64,
    /// Largest rise of the failed-turn rate tolerated as "no worse" (0.02 = 2 points).
    pub error_margin: f64,
    /// Largest rise of the safety-incident rate per turn tolerated as "no worse".
    pub incident_margin: f64,
}

impl Default for GateConfig {
    fn default() -> Self {
        Self {
            min_samples: 50,
            max_latency_increase: 0.5,
            max_cost_increase: 0.3,
            z_critical: DEFAULT_Z_CRITICAL,
            min_cost_difference_micros: 10.0,
            non_inferiority_z: 1.645,
            booking_margin: 0.05,
            error_margin: 0.02,
            incident_margin: 0.005,
        }
    }
}

/// Default one-sided threshold: 3.29 (one-sided p ≈ 0.0005, "99.9 % two-sided"), not 1.96.
///
/// A rollout runs three rate checks at each of four stages. Over 1,000 simulated
/// rollouts at six conversations a minute with the default stage minimums, 1.96 rolled
/// back 16 % of candidates identical to stable; 3.29 rolled back 0.7 % and still caught a
/// ten-point rise of failed turns at the first stage every time. This threshold only
/// decides "clearly worse"; advancing needs the non-inferiority bound of each rate to clear
/// its margin as well, so a candidate that is not shown worse is not thereby promoted.
pub const DEFAULT_Z_CRITICAL: f64 = 3.29;

/// What the gate recommends.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "decision", content = "reason", rename_all = "snake_case")]
pub enum GateDecision {
    /// Nothing is worse and every rate is shown within its margin: the candidate may take
    /// the next stage.
    Advance,
    /// Not enough data yet, or not enough to show the candidate is no worse; the reason
    /// says which.
    Wait(String),
    /// At least one metric is worse; the reason lists them.
    Rollback(String),
}

/// The outcome of one metric's comparison.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Not worse than stable: for a rate, shown within its margin.
    Ok,
    /// Worse than stable beyond the configured threshold.
    Worse,
    /// A rate neither shown worse nor shown within its margin yet; it holds the stage.
    Unproven,
    /// One side has no latency or cost data; it does not block advancing.
    Inconclusive,
}

/// One metric's comparison.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// `booking_rate`, `error_rate`, `incident_rate`, `p95_latency_ms` or
    /// `cost_per_conversation`.
    pub metric: String,
    /// The candidate's value.
    pub candidate: f64,
    /// The stable variant's value.
    pub stable: f64,
    /// The z score (candidate minus stable) for rates, the candidate ÷ stable ratio for
    /// latency and cost; `None` when undefined.
    pub statistic: Option<f64>,
    /// For rates: the upper confidence bound of how much worse the candidate is (rate
    /// points, positive = worse); `None` for latency and cost or without data.
    pub worse_by_at_most: Option<f64>,
    /// For rates: the margin that bound must stay below for the candidate to advance.
    pub margin: Option<f64>,
    /// The outcome.
    pub verdict: Verdict,
}

/// The decision and every comparison behind it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GateReport {
    /// What to do; serialised inline as `decision` and, unless advancing, `reason`.
    #[serde(flatten)]
    pub decision: GateDecision,
    /// Every metric compared, in a fixed order.
    pub checks: Vec<Check>,
}

/// Pooled two-proportion z score of `a` against `b`: positive when `a`'s rate is higher.
///
/// `None` when undefined: a sample is empty, a count exceeds its sample, or the pooled
/// rate is 0 or 1 (both rates identical, no variance).
pub fn two_proportion_z(successes_a: u64, n_a: u64, successes_b: u64, n_b: u64) -> Option<f64> {
    if n_a == 0 || n_b == 0 || successes_a > n_a || successes_b > n_b {
        return None;
    }
    let (na, nb) = (n_a as f64, n_b as f64);
    let pooled = (successes_a + successes_b) as f64 / (na + nb);
    let variance = pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb);
    if variance <= 0.0 {
        return None;
    }
    let difference = successes_a as f64 / na - successes_b as f64 / nb;
    Some(difference / variance.sqrt())
}

/// `two_proportion_z` with Yates' continuity correction: the difference is shrunk toward
/// zero by half a count on each side before dividing. The plain z score badly overstates
/// the evidence for rare events (one safety incident in 250 turns against none in 2,250
/// gives z ≈ 3.0); corrected it is ≈ 1.3, close to an exact test. `None` when undefined.
pub fn continuity_corrected_z(
    successes_a: u64,
    n_a: u64,
    successes_b: u64,
    n_b: u64,
) -> Option<f64> {
    let z = two_proportion_z(successes_a, n_a, successes_b, n_b)?;
    let (na, nb) = (n_a as f64, n_b as f64);
    let pooled = (successes_a + successes_b) as f64 / (na + nb);
    let standard_error = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    let correction = 0.5 * (1.0 / na + 1.0 / nb) / standard_error;
    // Shrink toward zero but never across it (and never to a negative zero).
    let shrunk = (z.abs() - correction).max(0.0);
    Some(if shrunk > 0.0 {
        z.signum() * shrunk
    } else {
        0.0
    })
}

/// One-sided upper confidence bound of `rate_a − rate_b`, Agresti–Caffo: one success and
/// one failure are added to each sample before the Wald interval is taken. The plain Wald
/// interval is zero-width when a sample has no events (0 incidents in 250 turns would
/// "prove" a rate of exactly 0); the adjusted one stays honest at small counts and rare
/// events. `None` when a sample is empty or a count exceeds its sample.
pub fn difference_upper_bound(
    successes_a: u64,
    n_a: u64,
    successes_b: u64,
    n_b: u64,
    z: f64,
) -> Option<f64> {
    if n_a == 0 || n_b == 0 || successes_a > n_a || successes_b > n_b {
        return None;
    }
    let adjusted = |successes: u64, n: u64| {
        let n = n as f64 + 2.0;
        ((successes as f64 + 1.0) / n, n)
    };
    let (p_a, n_a) = adjusted(successes_a, n_a);
    let (p_b, n_b) = adjusted(successes_b, n_b);
    let standard_error = (p_a * (1.0 - p_a) / n_a + p_b * (1.0 - p_b) / n_b).sqrt();
    Some(p_a - p_b + z * standard_error)
}

/// Which direction of a rate is bad.
#[derive(Clone, Copy)]
enum Bad {
    Lower,
    Higher,
}

/// Compares the candidate with stable and decides.
///
/// Too few conversations on either side → `Wait("too few samples")` (the checks are
/// still reported, for the dashboard). Otherwise any `worse` check → `Rollback` naming
/// the metrics; else any `unproven` rate → `Wait` naming them (inconclusive is never
/// promoted); else `Advance`. Latency and cost without data do not hold the candidate back.
pub fn evaluate(
    candidate: &VariantFigures,
    stable: &VariantFigures,
    config: &GateConfig,
) -> GateReport {
    let checks = vec![
        rate_check(
            "booking_rate",
            (candidate.bookings, candidate.conversations),
            (stable.bookings, stable.conversations),
            (Bad::Lower, config.booking_margin),
            config,
        ),
        rate_check(
            "error_rate",
            (candidate.errors, candidate.turns),
            (stable.errors, stable.turns),
            (Bad::Higher, config.error_margin),
            config,
        ),
        rate_check(
            "incident_rate",
            (candidate.safety_incidents, candidate.turns),
            (stable.safety_incidents, stable.turns),
            (Bad::Higher, config.incident_margin),
            config,
        ),
        latency_check(candidate, stable, config),
        cost_check(candidate, stable, config),
    ];
    let decision = if candidate.conversations < config.min_samples
        || stable.conversations < config.min_samples
    {
        GateDecision::Wait("too few samples".to_string())
    } else {
        decide(&checks)
    };
    GateReport { decision, checks }
}

/// The decision of checks judged on enough samples.
fn decide(checks: &[Check]) -> GateDecision {
    let metrics_with = |verdict: Verdict| -> Vec<&str> {
        checks
            .iter()
            .filter(|check| check.verdict == verdict)
            .map(|check| check.metric.as_str())
            .collect()
    };
    let worse = metrics_with(Verdict::Worse);
    if !worse.is_empty() {
        return GateDecision::Rollback(format!("worse than stable: {}", worse.join(", ")));
    }
    let unproven = metrics_with(Verdict::Unproven);
    if !unproven.is_empty() {
        return GateDecision::Wait(format!(
            "not yet shown within the margin: {}",
            unproven.join(", ")
        ));
    }
    GateDecision::Advance
}

/// Worse when the continuity-corrected z passes `z_critical` in the bad direction; Ok
/// when the upper bound of the harm (the rate's move in the bad direction) is below the
/// margin; Unproven otherwise, including when a side has no data.
fn rate_check(
    metric: &str,
    (candidate_hits, candidate_n): (u64, u64),
    (stable_hits, stable_n): (u64, u64),
    (bad, margin): (Bad, f64),
    config: &GateConfig,
) -> Check {
    let statistic = continuity_corrected_z(candidate_hits, candidate_n, stable_hits, stable_n);
    let significantly_worse = statistic.is_some_and(|z| match bad {
        Bad::Lower => z <= -config.z_critical,
        Bad::Higher => z >= config.z_critical,
    });
    let z = config.non_inferiority_z;
    let worse_by_at_most = match bad {
        Bad::Lower => difference_upper_bound(stable_hits, stable_n, candidate_hits, candidate_n, z),
        Bad::Higher => {
            difference_upper_bound(candidate_hits, candidate_n, stable_hits, stable_n, z)
        }
    };
    let verdict = if significantly_worse {
        Verdict::Worse
    } else if worse_by_at_most.is_some_and(|bound| bound < margin) {
        Verdict::Ok
    } else {
        Verdict::Unproven
    };
    Check {
        metric: metric.to_string(),
        candidate: ratio(candidate_hits, candidate_n),
        stable: ratio(stable_hits, stable_n),
        statistic,
        worse_by_at_most,
        margin: Some(margin),
        verdict,
    }
}

fn latency_check(
    candidate: &VariantFigures,
    stable: &VariantFigures,
    config: &GateConfig,
) -> Check {
    let (c, s) = (candidate.p95_latency_ms, stable.p95_latency_ms);
    let has_data = |v: f64| v.is_finite() && v > 0.0;
    let (statistic, verdict) = if has_data(c) && has_data(s) {
        let worse = c > s * (1.0 + config.max_latency_increase);
        (
            Some(c / s),
            if worse { Verdict::Worse } else { Verdict::Ok },
        )
    } else {
        (None, Verdict::Inconclusive)
    };
    Check {
        metric: "p95_latency_ms".to_string(),
        candidate: c,
        stable: s,
        statistic,
        worse_by_at_most: None,
        margin: None,
        verdict,
    }
}

fn cost_check(candidate: &VariantFigures, stable: &VariantFigures, config: &GateConfig) -> Check {
    let (c, s) = (
        candidate.cost_per_conversation(),
        stable.cost_per_conversation(),
    );
    let verdict = if candidate.conversations == 0 || stable.conversations == 0 {
        Verdict::Inconclusive
    } else if c > s * (1.0 + config.max_cost_increase) && c - s >= config.min_cost_difference_micros
    {
        Verdict::Worse
    } else {
        Verdict::Ok
    };
    Check {
        metric: "cost_per_conversation".to_string(),
        candidate: c,
        stable: s,
        statistic: (s > 0.0).then(|| c / s),
        worse_by_at_most: None,
        margin: None,
        verdict,
    }
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
