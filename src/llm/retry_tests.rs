use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;

fn rng() -> StdRng {
    StdRng::seed_from_u64(7)
}

const ALL: [ErrorClass; 9] = [
    ErrorClass::Timeout,
    ErrorClass::Connect,
    ErrorClass::RateLimited,
    ErrorClass::Server,
    ErrorClass::Auth,
    ErrorClass::BadRequest,
    ErrorClass::Malformed,
    ErrorClass::CircuitOpen,
    ErrorClass::Budget,
];

#[test]
fn only_timeouts_connection_errors_429_and_5xx_are_retryable() {
    let retryable: Vec<&str> = ALL
        .iter()
        .filter(|c| c.is_retryable())
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        retryable,
        ["timeout", "connect", "rate_limited", "server_error"]
    );
}

#[test]
fn class_names_are_stable_and_match_their_serialisation() {
    let names: Vec<&str> = ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "timeout",
            "connect",
            "rate_limited",
            "server_error",
            "auth",
            "bad_request",
            "malformed_response",
            "circuit_open",
            "budget"
        ]
    );
    for class in ALL {
        assert_eq!(serde_json::to_value(class).unwrap(), class.as_str());
        assert_eq!(class.to_string(), class.as_str());
    }
}

#[test]
fn statuses_are_classified() {
    assert_eq!(classify_status(429), ErrorClass::RateLimited);
    assert_eq!(classify_status(500), ErrorClass::Server);
    assert_eq!(classify_status(503), ErrorClass::Server);
    assert_eq!(classify_status(599), ErrorClass::Server);
    assert_eq!(classify_status(401), ErrorClass::Auth);
    assert_eq!(classify_status(403), ErrorClass::Auth);
    for status in [400, 404, 409, 413, 422, 451] {
        assert_eq!(classify_status(status), ErrorClass::BadRequest, "{status}");
    }
    assert_eq!(classify_status(408), ErrorClass::Timeout);
    assert_eq!(classify_status(302), ErrorClass::Malformed);
    assert_eq!(classify_status(200), ErrorClass::Malformed);
}

#[test]
fn retry_after_seconds_are_parsed_to_milliseconds() {
    assert_eq!(parse_retry_after("2"), Some(2_000));
    assert_eq!(parse_retry_after(" 0.25 "), Some(250));
    assert_eq!(parse_retry_after("0"), Some(0));
    assert_eq!(parse_retry_after("-1"), None);
    assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    assert_eq!(parse_retry_after("NaN"), None);
}

#[test]
fn the_backoff_ceiling_doubles_and_then_stays_at_the_cap() {
    let policy = RetryPolicy::default();
    let ceilings: Vec<u64> = (0..6).map(|a| policy.ceiling_ms(a)).collect();
    assert_eq!(ceilings, [200, 400, 800, 1_600, 2_000, 2_000]);
    assert_eq!(policy.ceiling_ms(63), 2_000);
    assert_eq!(policy.ceiling_ms(64), 2_000);
    assert_eq!(policy.ceiling_ms(u32::MAX), 2_000);
}

#[test]
fn jittered_backoff_stays_within_zero_and_the_ceiling_and_spreads_over_it() {
    let policy = RetryPolicy::default();
    let mut rng = rng();
    for attempt in 0..5 {
        let ceiling = policy.ceiling_ms(attempt);
        let samples: Vec<u64> = (0..2_000)
            .map(|_| policy.backoff_ms(attempt, &mut rng))
            .collect();
        assert!(samples.iter().all(|&d| d <= ceiling), "attempt {attempt}");
        // Full jitter: both ends of the range are used, not just the top.
        assert!(
            samples.iter().any(|&d| d < ceiling / 10),
            "attempt {attempt}"
        );
        assert!(
            samples.iter().any(|&d| d > ceiling * 9 / 10),
            "attempt {attempt}"
        );
    }
}

#[test]
fn a_zero_base_delay_never_waits() {
    let policy = RetryPolicy {
        base_delay_ms: 0,
        ..RetryPolicy::default()
    };
    assert_eq!(policy.backoff_ms(3, &mut rng()), 0);
}

#[test]
fn retryable_errors_are_retried_until_attempts_are_exhausted() {
    let policy = RetryPolicy::default();
    let mut rng = rng();
    for class in ALL.into_iter().filter(|c| c.is_retryable()) {
        assert!(policy
            .next_delay(0, class, None, 10_000, &mut rng)
            .is_some());
        assert!(policy
            .next_delay(1, class, None, 10_000, &mut rng)
            .is_some());
        assert_eq!(policy.next_delay(2, class, None, 10_000, &mut rng), None);
    }
}

#[test]
fn an_auth_error_is_never_retried() {
    let policy = RetryPolicy::default();
    let class = classify_status(401);
    assert_eq!(
        policy.next_delay(0, class, Some(100), u64::MAX, &mut rng()),
        None
    );
}

#[test]
fn non_retryable_errors_are_never_retried() {
    let policy = RetryPolicy::default();
    for class in ALL.into_iter().filter(|c| !c.is_retryable()) {
        assert_eq!(
            policy.next_delay(0, class, None, u64::MAX, &mut rng()),
            None
        );
    }
}

#[test]
fn retry_after_on_a_429_replaces_the_backoff() {
    let policy = RetryPolicy::default();
    assert_eq!(
        policy.next_delay(0, ErrorClass::RateLimited, Some(3_000), 10_000, &mut rng()),
        Some(3_000)
    );
    assert_eq!(
        policy.next_delay(1, ErrorClass::Server, Some(1_234), 10_000, &mut rng()),
        Some(1_234)
    );
}

#[test]
fn retry_after_is_capped_at_the_configured_maximum() {
    let policy = RetryPolicy::default();
    assert_eq!(
        policy.next_delay(0, ErrorClass::RateLimited, Some(60_000), 10_000, &mut rng()),
        Some(5_000)
    );
}

#[test]
fn retry_after_is_ignored_for_timeouts() {
    let policy = RetryPolicy::default();
    let delay = policy
        .next_delay(0, ErrorClass::Timeout, Some(4_000), 10_000, &mut rng())
        .unwrap();
    assert!(delay <= 200);
}

#[test]
fn a_delay_that_does_not_fit_in_the_deadline_is_refused() {
    let policy = RetryPolicy::default();
    assert_eq!(
        policy.next_delay(0, ErrorClass::RateLimited, Some(3_000), 3_000, &mut rng()),
        None
    );
    assert_eq!(
        policy.next_delay(0, ErrorClass::RateLimited, Some(3_000), 3_001, &mut rng()),
        Some(3_000)
    );
    // With no time left even a zero backoff leaves nothing for the call.
    assert_eq!(
        policy.next_delay(0, ErrorClass::Server, None, 0, &mut rng()),
        None
    );
}

#[test]
fn backoff_delays_always_fit_in_the_remaining_deadline() {
    let policy = RetryPolicy::default();
    let mut rng = rng();
    for _ in 0..1_000 {
        if let Some(delay) = policy.next_delay(1, ErrorClass::Timeout, None, 150, &mut rng) {
            assert!(delay < 150);
        }
    }
}

#[test]
fn a_quiet_service_may_still_retry_a_few_times_a_minute() {
    let mut budget = RetryBudget::default();
    budget.record_call(0);
    assert!(budget.try_spend_retry(0));
    assert!(budget.try_spend_retry(1));
    assert!(budget.try_spend_retry(2));
    assert!(!budget.try_spend_retry(3));
    assert_eq!(budget.snapshot(3), (1, 3));
}

#[test]
fn the_budget_limits_retries_to_twenty_percent_under_sustained_failure() {
    let mut budget = RetryBudget::default();
    let (mut calls, mut granted) = (0u64, 0u64);
    // Ten minutes, ten failing calls a second, each wanting a retry.
    for second in 0..600u64 {
        for i in 0..10 {
            let now = second * 1_000 + i * 100;
            budget.record_call(now);
            calls += 1;
            if budget.try_spend_retry(now) {
                granted += 1;
            }
        }
        if second >= 60 {
            let (window_calls, window_retries) = budget.snapshot(second * 1_000 + 999);
            let window_ratio = window_retries as f64 / window_calls as f64;
            assert!(window_ratio <= 0.21, "{window_ratio} at second {second}");
        }
    }
    let ratio = granted as f64 / calls as f64;
    assert!((0.19..=0.21).contains(&ratio), "ratio {ratio}");
}

#[test]
fn the_budget_forgets_calls_older_than_a_minute() {
    let mut budget = RetryBudget::default();
    for i in 0..100 {
        budget.record_call(i);
    }
    assert_eq!(budget.snapshot(59_999), (100, 0));
    assert_eq!(budget.snapshot(60_000), (0, 0));
    for _ in 0..3 {
        assert!(budget.try_spend_retry(60_000));
    }
    assert!(!budget.try_spend_retry(60_000));
}
