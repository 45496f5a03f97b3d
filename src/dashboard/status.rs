//! Pure rules of the dashboard: the colour of each card from its figures, the overall
//! status, and the recommendations. Thresholds are constants shown to the operator.

use serde::Serialize;

/// A card's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
}

/// Thresholds as shown on hover.
pub const SYSTEM_THRESHOLDS: &str =
    "green: database healthy and < 1% server errors; yellow: ≥ 1%; red: database down or ≥ 5%";
pub const SAFETY_THRESHOLDS: &str =
    "green: < 5% of messages blocked in 24 h; yellow: ≥ 5%; red: ≥ 20%";
pub const RELIABILITY_THRESHOLDS: &str = "green: breakers closed and < 5% fallbacks; yellow: a breaker half-open or ≥ 5%; red: a breaker open or ≥ 20%";
pub const COST_THRESHOLDS: &str = "green: < $0.25 per booking; yellow: ≥ $0.25; red: ≥ $1.00";
pub const PERFORMANCE_THRESHOLDS: &str = "green: p95 < 300 ms; yellow: ≥ 300 ms; red: ≥ 1000 ms";
pub const BUDGET_THRESHOLDS: &str =
    "green: < 80% of the daily and monthly limits; yellow: ≥ 80%; red: ≥ 100%";

/// System card colour.
pub fn system_light(database_healthy: bool, error_rate: f64) -> Light {
    if !database_healthy || error_rate >= 0.05 {
        Light::Red
    } else if error_rate >= 0.01 {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// Safety card colour.
pub fn safety_light(block_rate: f64) -> Light {
    if block_rate >= 0.20 {
        Light::Red
    } else if block_rate >= 0.05 {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// Reliability card colour.
pub fn reliability_light(any_open: bool, any_half_open: bool, fallback_rate: f64) -> Light {
    if any_open || fallback_rate >= 0.20 {
        Light::Red
    } else if any_half_open || fallback_rate >= 0.05 {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// Cost card colour.
pub fn cost_light(cost_per_booking_usd: f64) -> Light {
    if cost_per_booking_usd >= 1.0 {
        Light::Red
    } else if cost_per_booking_usd >= 0.25 {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// Performance card colour.
pub fn performance_light(p95_ms: f64) -> Light {
    if p95_ms >= 1000.0 {
        Light::Red
    } else if p95_ms >= 300.0 {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// Budget card colour.
pub fn budget_light(daily_fraction: f64, monthly_fraction: f64) -> Light {
    let used = daily_fraction.max(monthly_fraction);
    if used >= 1.0 {
        Light::Red
    } else if used >= 0.8 {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// Overall status from the cards: any red is critical, any yellow a warning.
pub fn overall(lights: &[Light]) -> &'static str {
    match lights.iter().max() {
        Some(Light::Red) => "critical",
        Some(Light::Yellow) => "warning",
        _ => "healthy",
    }
}

/// The figures recommendations are drawn from.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub cache_hit_ratio: f64,
    pub cache_lookups: u64,
    pub daily_fraction: f64,
    pub monthly_fraction: f64,
    pub fallback_rate: f64,
    pub block_rate: f64,
    pub p95_ms: f64,
    pub error_rate: f64,
    pub any_breaker_open: bool,
    pub strategy: String,
}

/// Actionable lines for the operator.
pub fn recommendations(s: &Signals) -> Vec<String> {
    let mut lines = Vec::new();
    if s.cache_lookups >= 20 && s.cache_hit_ratio < 0.2 {
        lines.push(format!(
            "Cache hit ratio {:.0} %: raise CACHE_TTL so repeated FAQ answers are reused.",
            s.cache_hit_ratio * 100.0
        ));
    }
    if s.daily_fraction >= 0.8 || s.monthly_fraction >= 0.8 {
        lines.push(format!(
            "Budget {:.0} % used: raise DAILY_BUDGET_LIMIT/MONTHLY_BUDGET_LIMIT or switch to cost_optimized (now {}).",
            s.daily_fraction.max(s.monthly_fraction) * 100.0,
            if s.strategy.is_empty() { "unset" } else { &s.strategy }
        ));
    }
    if s.any_breaker_open {
        lines.push("A provider circuit breaker is open: check the LLM provider's status; customers are served by the built-in engine.".to_owned());
    } else if s.fallback_rate >= 0.05 {
        lines.push(format!(
            "{:.0} % of turns fell back to the built-in engine: check LLM errors on /api/reliability/metrics.",
            s.fallback_rate * 100.0
        ));
    }
    if s.block_rate >= 0.05 {
        lines.push(format!(
            "{:.0} % of messages were blocked: review /api/safety/incidents for an attack wave or false positives.",
            s.block_rate * 100.0
        ));
    }
    if s.p95_ms >= 300.0 {
        lines.push(format!(
            "p95 latency {:.0} ms: check upstream latency and database load.",
            s.p95_ms
        ));
    }
    if s.error_rate >= 0.01 {
        lines.push(format!(
            "{:.1} % server errors in the last hour: check the logs by request id.",
            s.error_rate * 100.0
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lights_follow_their_thresholds() {
        assert_eq!(system_light(true, 0.0), Light::Green);
        assert_eq!(system_light(true, 0.02), Light::Yellow);
        assert_eq!(system_light(false, 0.0), Light::Red);
        assert_eq!(safety_light(0.06), Light::Yellow);
        assert_eq!(reliability_light(true, false, 0.0), Light::Red);
        assert_eq!(reliability_light(false, true, 0.0), Light::Yellow);
        assert_eq!(cost_light(0.3), Light::Yellow);
        assert_eq!(performance_light(1200.0), Light::Red);
        assert_eq!(budget_light(0.85, 0.1), Light::Yellow);
        assert_eq!(budget_light(0.2, 1.0), Light::Red);
    }

    #[test]
    fn the_overall_status_is_the_worst_card() {
        assert_eq!(overall(&[Light::Green, Light::Green]), "healthy");
        assert_eq!(overall(&[Light::Green, Light::Yellow]), "warning");
        assert_eq!(overall(&[Light::Yellow, Light::Red]), "critical");
    }

    #[test]
    fn a_low_cache_hit_ratio_recommends_a_longer_ttl() {
        let lines = recommendations(&Signals {
            cache_hit_ratio: 0.04,
            cache_lookups: 100,
            ..Signals::default()
        });
        assert!(
            lines[0].contains("4 %") && lines[0].contains("CACHE_TTL"),
            "{lines:?}"
        );
        assert!(recommendations(&Signals::default()).is_empty());
    }
}
