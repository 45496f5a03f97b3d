use super::*;

const SLOW_MS: u64 = 1_000;
const OPEN_MS: u64 = 30_000;

fn config() -> BreakerConfig {
    BreakerConfig {
        window: 20,
        min_calls: 10,
        failure_rate: 0.5,
        slow_rate: 0.5,
        slow_call_ms: SLOW_MS,
        open_ms: OPEN_MS,
        half_open_probes: 3,
    }
}

fn call(breaker: &mut CircuitBreaker, outcome: CallOutcome, now_ms: u64) {
    let permit = breaker.try_acquire(now_ms).unwrap();
    breaker.record(permit, outcome, now_ms);
}

/// Trips a fresh breaker at `now_ms` with ten failures.
fn tripped(now_ms: u64) -> CircuitBreaker {
    let mut breaker = CircuitBreaker::new(config());
    for _ in 0..10 {
        call(&mut breaker, CallOutcome::failure(10), now_ms);
    }
    assert_eq!(breaker.state(now_ms), BreakerState::Open);
    breaker
}

#[test]
fn a_new_breaker_is_closed_and_grants_every_call() {
    let mut breaker = CircuitBreaker::new(config());
    for now in 0..100 {
        let permit = breaker.try_acquire(now).unwrap();
        assert!(!permit.is_probe());
    }
    assert_eq!(breaker.state(0), BreakerState::Closed);
}

#[test]
fn failures_below_min_calls_never_open_the_breaker() {
    let mut breaker = CircuitBreaker::new(config());
    for _ in 0..9 {
        call(&mut breaker, CallOutcome::failure(10), 0);
    }
    assert_eq!(breaker.state(0), BreakerState::Closed);
    assert_eq!(breaker.snapshot(0).failure_rate, 1.0);

    call(&mut breaker, CallOutcome::failure(10), 0);
    assert_eq!(breaker.state(0), BreakerState::Open);
}

#[test]
fn a_failure_rate_at_the_threshold_opens_the_breaker() {
    let mut breaker = CircuitBreaker::new(config());
    for i in 0..9 {
        let outcome = if i < 5 {
            CallOutcome::success(10)
        } else {
            CallOutcome::failure(10)
        };
        call(&mut breaker, outcome, 0);
    }
    // 5 successes, 4 failures: below min_calls anyway.
    assert_eq!(breaker.state(0), BreakerState::Closed);
    call(&mut breaker, CallOutcome::failure(10), 0);
    // 10 calls, 5 failures = 50 %.
    assert_eq!(breaker.state(0), BreakerState::Open);
    assert_eq!(breaker.snapshot(0).opened_count, 1);
}

#[test]
fn a_failure_rate_below_the_threshold_keeps_the_breaker_closed() {
    let mut breaker = CircuitBreaker::new(config());
    for i in 0..100 {
        // Failures spread out, so no prefix of ten or more calls reaches 50 %.
        let outcome = if i % 5 == 1 || i % 5 == 3 {
            CallOutcome::failure(10)
        } else {
            CallOutcome::success(10)
        };
        call(&mut breaker, outcome, i);
    }
    let snapshot = breaker.snapshot(100);
    assert_eq!(snapshot.state, BreakerState::Closed);
    assert_eq!(snapshot.calls_in_window, 20);
    assert!((snapshot.failure_rate - 0.4).abs() < 1e-9);
}

#[test]
fn the_window_forgets_calls_older_than_its_size() {
    let mut breaker = CircuitBreaker::new(config());
    for _ in 0..4 {
        call(&mut breaker, CallOutcome::failure(10), 0);
    }
    for _ in 0..20 {
        call(&mut breaker, CallOutcome::success(10), 0);
    }
    let snapshot = breaker.snapshot(0);
    assert_eq!(snapshot.calls_in_window, 20);
    assert_eq!(snapshot.failure_rate, 0.0);
    // Nine fresh failures out of twenty stay below 50 %.
    for _ in 0..9 {
        call(&mut breaker, CallOutcome::failure(10), 0);
    }
    assert_eq!(breaker.state(0), BreakerState::Closed);
}

#[test]
fn slow_successful_calls_open_the_breaker() {
    let mut breaker = CircuitBreaker::new(config());
    for _ in 0..5 {
        call(&mut breaker, CallOutcome::success(SLOW_MS), 0);
    }
    for _ in 0..4 {
        call(&mut breaker, CallOutcome::success(SLOW_MS + 1), 0);
    }
    // A call exactly at the threshold is not slow: 4 slow out of 9.
    assert_eq!(breaker.state(0), BreakerState::Closed);
    call(&mut breaker, CallOutcome::success(SLOW_MS + 1), 0);
    let snapshot = breaker.snapshot(0);
    assert_eq!(snapshot.state, BreakerState::Open);
    assert_eq!(snapshot.failure_rate, 0.0);
    assert!((snapshot.slow_rate - 0.5).abs() < 1e-9);
}

#[test]
fn an_open_breaker_rejects_calls_until_the_open_time_has_passed() {
    let mut breaker = tripped(1_000);
    let rejected = breaker.try_acquire(1_000 + OPEN_MS - 1).unwrap_err();
    assert_eq!(rejected.state, BreakerState::Open);
    assert_eq!(rejected.retry_in_ms, Some(1));

    assert_eq!(breaker.state(1_000 + OPEN_MS), BreakerState::HalfOpen);
    let permit = breaker.try_acquire(1_000 + OPEN_MS).unwrap();
    assert!(permit.is_probe());
}

#[test]
fn rejected_calls_are_counted() {
    let mut breaker = tripped(0);
    for now in 0..7 {
        assert!(breaker.try_acquire(now).is_err());
    }
    assert_eq!(breaker.snapshot(0).rejected_count, 7);
}

#[test]
fn half_open_allows_only_the_configured_number_of_probes() {
    let mut breaker = tripped(0);
    let probes: Vec<Permit> = (0..3)
        .map(|_| breaker.try_acquire(OPEN_MS).unwrap())
        .collect();
    assert!(probes.iter().all(Permit::is_probe));

    let rejected = breaker.try_acquire(OPEN_MS + 1).unwrap_err();
    assert_eq!(rejected.state, BreakerState::HalfOpen);
    assert_eq!(breaker.snapshot(OPEN_MS + 1).rejected_count, 1);

    // A successful probe does not free a slot: three successes close, no more are needed.
    breaker.record(probes[0], CallOutcome::success(10), OPEN_MS + 2);
    assert!(breaker.try_acquire(OPEN_MS + 3).is_err());
}

#[test]
fn enough_successful_probes_close_the_breaker_with_a_fresh_window() {
    let mut breaker = tripped(0);
    let probes: Vec<Permit> = (0..3)
        .map(|_| breaker.try_acquire(OPEN_MS).unwrap())
        .collect();
    for (i, probe) in probes.into_iter().enumerate() {
        assert_eq!(breaker.state(OPEN_MS), BreakerState::HalfOpen, "probe {i}");
        breaker.record(probe, CallOutcome::success(10), OPEN_MS);
    }
    let snapshot = breaker.snapshot(OPEN_MS);
    assert_eq!(snapshot.state, BreakerState::Closed);
    assert_eq!(snapshot.calls_in_window, 0);
    assert!(!breaker.try_acquire(OPEN_MS).unwrap().is_probe());
}

#[test]
fn a_failed_probe_reopens_the_breaker_for_another_open_period() {
    let mut breaker = tripped(0);
    let first = breaker.try_acquire(OPEN_MS).unwrap();
    let second = breaker.try_acquire(OPEN_MS).unwrap();
    breaker.record(first, CallOutcome::success(10), OPEN_MS + 5);
    breaker.record(second, CallOutcome::failure(10), OPEN_MS + 10);

    let snapshot = breaker.snapshot(OPEN_MS + 10);
    assert_eq!(snapshot.state, BreakerState::Open);
    assert_eq!(snapshot.opened_count, 2);
    assert!(breaker.try_acquire(OPEN_MS + 10 + OPEN_MS - 1).is_err());
    assert!(breaker.try_acquire(OPEN_MS + 10 + OPEN_MS).is_ok());
}

#[test]
fn a_slow_probe_reopens_the_breaker() {
    let mut breaker = tripped(0);
    let probe = breaker.try_acquire(OPEN_MS).unwrap();
    breaker.record(probe, CallOutcome::success(SLOW_MS + 1), OPEN_MS);
    assert_eq!(breaker.state(OPEN_MS), BreakerState::Open);
}

#[test]
fn a_late_result_from_before_the_breaker_opened_is_ignored() {
    let mut breaker = CircuitBreaker::new(config());
    let late = breaker.try_acquire(0).unwrap();
    for _ in 0..10 {
        call(&mut breaker, CallOutcome::failure(10), 0);
    }
    let probe = breaker.try_acquire(OPEN_MS).unwrap();

    // The late closed-state failure must not reopen the half-open breaker...
    breaker.record(late, CallOutcome::failure(10), OPEN_MS);
    assert_eq!(breaker.state(OPEN_MS), BreakerState::HalfOpen);
    // ...nor count in the window.
    assert_eq!(breaker.snapshot(OPEN_MS).calls_in_window, 10);

    breaker.record(probe, CallOutcome::success(10), OPEN_MS);
    assert_eq!(breaker.state(OPEN_MS), BreakerState::HalfOpen);
}

#[test]
fn a_late_probe_result_after_closing_is_ignored() {
    let mut breaker = CircuitBreaker::new(BreakerConfig {
        half_open_probes: 1,
        ..config()
    });
    for _ in 0..10 {
        call(&mut breaker, CallOutcome::failure(10), 0);
    }
    let probe = breaker.try_acquire(OPEN_MS).unwrap();
    breaker.record(probe, CallOutcome::success(10), OPEN_MS);
    assert_eq!(breaker.state(OPEN_MS), BreakerState::Closed);

    // Recording the same probe again (a duplicate late result) changes nothing.
    breaker.record(probe, CallOutcome::failure(10), OPEN_MS);
    assert_eq!(breaker.state(OPEN_MS), BreakerState::Closed);
    assert_eq!(breaker.snapshot(OPEN_MS).calls_in_window, 0);
}

#[test]
fn releasing_a_probe_frees_its_slot() {
    let mut breaker = CircuitBreaker::new(BreakerConfig {
        half_open_probes: 1,
        ..config()
    });
    for _ in 0..10 {
        call(&mut breaker, CallOutcome::failure(10), 0);
    }
    let probe = breaker.try_acquire(OPEN_MS).unwrap();
    assert!(breaker.try_acquire(OPEN_MS).is_err());
    breaker.release(probe);
    assert!(breaker.try_acquire(OPEN_MS).unwrap().is_probe());
}

#[test]
fn probes_that_are_never_handed_back_do_not_wedge_the_breaker() {
    let mut breaker = tripped(0);
    let lost: Vec<Permit> = (0..3)
        .map(|_| breaker.try_acquire(OPEN_MS).unwrap())
        .collect();
    assert!(breaker.try_acquire(2 * OPEN_MS - 1).is_err());

    let fresh = breaker.try_acquire(2 * OPEN_MS).unwrap();
    assert!(fresh.is_probe());
    // Results of the abandoned round no longer count.
    breaker.record(lost[0], CallOutcome::failure(10), 2 * OPEN_MS);
    assert_eq!(breaker.state(2 * OPEN_MS), BreakerState::HalfOpen);
}

#[test]
fn degenerate_settings_are_normalised() {
    let breaker = CircuitBreaker::new(BreakerConfig {
        window: 0,
        min_calls: 50,
        half_open_probes: 0,
        ..config()
    });
    assert_eq!(breaker.config().window, 1);
    assert_eq!(breaker.config().min_calls, 1);
    assert_eq!(breaker.config().half_open_probes, 1);
}

#[test]
fn the_state_gauge_and_names_are_stable() {
    assert_eq!(BreakerState::Closed.as_gauge(), 0);
    assert_eq!(BreakerState::Open.as_gauge(), 1);
    assert_eq!(BreakerState::HalfOpen.as_gauge(), 2);
    assert_eq!(BreakerState::HalfOpen.as_str(), "half_open");
    assert_eq!(BreakerState::Open.to_string(), "open");
}

#[test]
fn the_snapshot_serialises_in_camel_case() {
    let breaker = tripped(0);
    let json = serde_json::to_value(breaker.snapshot(0)).unwrap();
    assert_eq!(json["state"], "open");
    assert_eq!(json["callsInWindow"], 10);
    assert_eq!(json["openedCount"], 1);
    assert_eq!(json["rejectedCount"], 0);
    assert_eq!(json["failureRate"], 1.0);
    assert_eq!(json["slowRate"], 0.0);
}
