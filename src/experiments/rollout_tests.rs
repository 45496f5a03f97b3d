//! Unit tests for `rollout.rs`: transitions driven by hand-made figures and a clock moved
//! by hand.

use chrono::{TimeZone, Utc};

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).single().unwrap()
}

fn minutes(m: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(m)
}

/// `n` conversations of 5 turns: 30 % booked, 2 % failed turns, p95 1 s, 400 µ$ each.
fn healthy(n: u64) -> VariantFigures {
    VariantFigures {
        conversations: n,
        bookings: n * 3 / 10,
        errors: n / 10,
        turns: n * 5,
        safety_incidents: 0,
        p95_latency_ms: 1_000.0,
        cost_micros: n * 400,
    }
}

/// Like `healthy`, but a third of the turns fail.
fn failing(n: u64) -> VariantFigures {
    VariantFigures {
        errors: n * 5 / 3,
        ..healthy(n)
    }
}

/// The default rollout with margins so wide that any candidate not shown worse is
/// "clearly fine", for tests of the stage mechanics on small samples; the margins have
/// their own tests in `gate_tests.rs` and `rollout_sim_tests.rs`.
fn wide_margins() -> RolloutConfig {
    let mut config = RolloutConfig::default();
    config.gate.booking_margin = 1.0;
    config.gate.error_margin = 1.0;
    config.gate.incident_margin = 1.0;
    config
}

fn running(auto_promote: bool, auto_rollback: bool) -> Rollout {
    Rollout::start("v2", "v1", t0(), auto_promote, auto_rollback).0
}

#[test]
fn starting_opens_the_first_stage_at_ten_percent() {
    let (rollout, event) = Rollout::start("v2", "v1", t0(), true, false);
    assert_eq!(rollout.status, CanaryStatus::Running);
    assert_eq!(rollout.stage, 0);
    assert_eq!(rollout.traffic_percent(), 10);
    assert_eq!(rollout.started_at, t0());
    assert_eq!(rollout.stage_started_at, t0());
    assert_eq!(event.kind, EventKind::Started);
    assert_eq!(event.at, t0());
    assert_eq!(event.detail["percent"], 10);
    assert_eq!(event.detail["autoRollback"], false);
}

#[test]
fn a_stage_is_not_judged_before_its_minimum_duration() {
    let config = RolloutConfig::default();
    let mut rollout = running(true, true);
    let plenty = healthy(10_000);
    let just_before = t0() + Duration::minutes(10) - Duration::seconds(1);
    assert_eq!(rollout.tick(&plenty, &plenty, just_before, &config), None);
    let event = rollout
        .tick(&plenty, &plenty, minutes(10), &config)
        .unwrap();
    assert_eq!(event.kind, EventKind::StageAdvanced);
    assert_eq!(
        (event.detail["from"].as_u64(), event.detail["to"].as_u64()),
        (Some(10), Some(25))
    );
    assert_eq!(rollout.stage_started_at, minutes(10));
    // The clock for the next stage starts again.
    assert_eq!(rollout.tick(&plenty, &plenty, minutes(19), &config), None);
    assert_eq!(rollout.stage, 1);
    let event = rollout
        .tick(&plenty, &plenty, minutes(20), &config)
        .unwrap();
    assert_eq!(event.kind, EventKind::StageAdvanced);
    assert_eq!(rollout.traffic_percent(), 50);
}

#[test]
fn too_few_samples_never_promotes_however_long_you_wait() {
    let config = RolloutConfig::default();
    let mut rollout = running(true, true);
    for later in [minutes(10), minutes(60 * 24), minutes(60 * 24 * 365)] {
        assert_eq!(
            rollout.tick(&healthy(49), &healthy(10_000), later, &config),
            None
        );
        assert_eq!(
            rollout.tick(&healthy(10_000), &healthy(49), later, &config),
            None
        );
        // Even a clearly failing candidate is not judged on too little data.
        assert_eq!(
            rollout.tick(&failing(49), &healthy(10_000), later, &config),
            None
        );
    }
    assert_eq!(rollout.status, CanaryStatus::Running);
    assert_eq!(rollout.stage, 0);
}

#[test]
fn enough_samples_that_cannot_show_the_candidate_is_no_worse_wait() {
    // 100 against 900 meets the first stage's minimum, but a 30 % booking rate on 100
    // conversations could hide a drop well past the 5-point margin.
    let config = RolloutConfig::default();
    let mut rollout = running(true, true);
    assert_eq!(
        rollout.tick(&healthy(100), &healthy(900), minutes(10), &config),
        None
    );
    assert_eq!(rollout.stage, 0);
    let event = rollout.tick(&healthy(2_000), &healthy(18_000), minutes(600), &config);
    assert_eq!(event.map(|e| e.kind), Some(EventKind::StageAdvanced));
}

#[test]
fn each_stage_asks_for_its_own_sample_minimum() {
    let config = wide_margins();
    let mut rollout = running(true, true);
    rollout
        .tick(&healthy(50), &healthy(450), minutes(10), &config)
        .unwrap();
    // Stage two needs 100 per side.
    assert_eq!(
        rollout.tick(&healthy(99), &healthy(300), minutes(30), &config),
        None
    );
    let event = rollout.tick(&healthy(100), &healthy(300), minutes(30), &config);
    assert_eq!(event.map(|e| e.kind), Some(EventKind::StageAdvanced));
}

#[test]
fn a_failing_gate_rolls_back_and_records_the_figures_behind_it() {
    let mut rollout = running(true, true);
    let event = rollout
        .tick(
            &failing(100),
            &healthy(900),
            minutes(10),
            &RolloutConfig::default(),
        )
        .unwrap();
    assert_eq!(event.kind, EventKind::RolledBack);
    assert_eq!(rollout.status, CanaryStatus::RolledBack);
    assert_eq!(rollout.traffic_percent(), 0);
    assert_eq!(rollout.stable, "v1");
    assert_eq!(event.detail["reason"], "worse than stable: error_rate");
    assert_eq!(event.detail["candidateFigures"]["errors"], 166);
    assert_eq!(event.detail["stableFigures"]["conversations"], 900);
    assert_eq!(event.detail["gate"]["checks"][1]["verdict"], "worse");
}

#[test]
fn a_failing_gate_without_auto_rollback_pauses_and_stays_paused() {
    let config = RolloutConfig::default();
    let mut rollout = running(true, false);
    let event = rollout
        .tick(&failing(100), &healthy(900), minutes(10), &config)
        .unwrap();
    assert_eq!(event.kind, EventKind::Paused);
    assert_eq!(rollout.status, CanaryStatus::Paused);
    // Paused holds the current split and is no longer judged.
    assert_eq!(rollout.traffic_percent(), 10);
    assert_eq!(
        rollout.tick(&healthy(1_000), &healthy(1_000), minutes(60), &config),
        None
    );
    assert_eq!(rollout.status, CanaryStatus::Paused);
    let event = rollout
        .rollback(minutes(61), "confirmed by operator")
        .unwrap();
    assert_eq!(event.kind, EventKind::RolledBack);
    assert_eq!(event.detail["reason"], "confirmed by operator");
}

#[test]
fn a_passing_gate_without_auto_promote_waits_for_an_operator() {
    let config = wide_margins();
    let mut rollout = running(false, true);
    let event = rollout
        .tick(&healthy(100), &healthy(900), minutes(10), &config)
        .unwrap();
    assert_eq!(event.kind, EventKind::Paused);
    assert_eq!(event.detail["reason"], "awaiting manual promotion");
    assert_eq!(rollout.stage, 0);
    let event = rollout.promote(minutes(15)).unwrap();
    assert_eq!(event.kind, EventKind::StageAdvanced);
    assert_eq!(rollout.status, CanaryStatus::Running);
    assert_eq!(rollout.stage, 1);
    assert_eq!(rollout.stage_started_at, minutes(15));
}

#[test]
fn passing_the_gate_at_full_traffic_promotes_the_candidate_to_stable() {
    let config = RolloutConfig::default();
    let mut rollout = running(false, true);
    for at in 1..=3 {
        rollout.promote(minutes(at)).unwrap();
    }
    assert_eq!(rollout.traffic_percent(), 100);
    assert_eq!(
        rollout.tick(&healthy(399), &healthy(5_000), minutes(60), &config),
        None
    );
    let event = rollout
        .tick(&healthy(400), &healthy(5_000), minutes(60), &config)
        .unwrap();
    assert_eq!(event.kind, EventKind::Promoted);
    assert_eq!(event.detail["previousStable"], "v1");
    assert_eq!(rollout.status, CanaryStatus::Promoted);
    assert_eq!(
        (rollout.candidate.as_str(), rollout.stable.as_str()),
        ("v2", "v2")
    );
    assert_eq!(
        rollout.tick(&healthy(400), &healthy(5_000), minutes(90), &config),
        None
    );
}

#[test]
fn manual_promotion_walks_every_stage_then_promotes() {
    let mut rollout = running(false, false);
    let kinds: Vec<EventKind> = (1..=4)
        .map(|at| rollout.promote(minutes(at)).unwrap().kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::StageAdvanced,
            EventKind::StageAdvanced,
            EventKind::StageAdvanced,
            EventKind::Promoted,
        ]
    );
    assert_eq!(rollout.stable, "v2");
    assert_eq!(
        rollout.promote(minutes(5)),
        Err(CanaryError::InvalidTransition {
            action: "promote",
            status: CanaryStatus::Promoted,
        })
    );
}

#[test]
fn finished_rollouts_refuse_every_manual_transition() {
    let mut rolled_back = running(true, true);
    rolled_back.rollback(minutes(1), "bad answers").unwrap();
    let mut stopped = running(true, true);
    stopped.stop(minutes(1)).unwrap();
    for rollout in [&mut rolled_back, &mut stopped] {
        let before = rollout.clone();
        assert!(rollout.promote(minutes(2)).is_err());
        assert!(rollout.rollback(minutes(2), "again").is_err());
        assert!(rollout.stop(minutes(2)).is_err());
        assert_eq!(*rollout, before);
    }
    let error = stopped.rollback(minutes(3), "late").unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot roll back a rollout that is stopped"
    );
}

#[test]
fn stopping_returns_everyone_to_stable() {
    let mut rollout = running(true, true);
    rollout.promote(minutes(1)).unwrap();
    let event = rollout.stop(minutes(2)).unwrap();
    assert_eq!(event.kind, EventKind::Stopped);
    assert_eq!(event.detail["percent"], 25);
    assert_eq!(rollout.status, CanaryStatus::Stopped);
    assert_eq!(rollout.traffic_percent(), 0);
    assert!((0..200).all(|i| rollout.variant_for(&format!("s{i}")) == "v1"));
}

#[test]
fn a_session_on_the_candidate_keeps_it_as_stages_advance() {
    let mut rollout = running(false, false);
    let sessions: Vec<String> = (0..2_000).map(|i| format!("session-{i}")).collect();
    let mut on_candidate: Vec<&String> = sessions
        .iter()
        .filter(|s| rollout.variant_for(s) == "v2")
        .collect();
    for at in 1..=3 {
        rollout.promote(minutes(at)).unwrap();
        assert!(on_candidate.iter().all(|s| rollout.variant_for(s) == "v2"));
        let now_on: Vec<&String> = sessions
            .iter()
            .filter(|s| rollout.variant_for(s) == "v2")
            .collect();
        assert!(now_on.len() > on_candidate.len());
        on_candidate = now_on;
    }
    assert_eq!(on_candidate.len(), sessions.len());
}

#[test]
fn statuses_and_events_serialise_in_snake_case() {
    assert_eq!(
        serde_json::to_value(CanaryStatus::RolledBack).unwrap(),
        "rolled_back"
    );
    assert_eq!(CanaryStatus::RolledBack.to_string(), "rolled_back");
    assert_eq!(
        serde_json::to_value(EventKind::StageAdvanced).unwrap(),
        "stage_advanced"
    );
    let (rollout, event) = Rollout::start("v2", "v1", t0(), true, true);
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["kind"], "started");
    assert_eq!(json["at"], "2025-03-03T09:00:00Z");
    let json = serde_json::to_value(&rollout).unwrap();
    assert_eq!(json["status"], "running");
    assert_eq!(json["stageStartedAt"], "2025-03-03T09:00:00Z");
    let back: Rollout = serde_json::from_value(json).unwrap();
    assert_eq!(back, rollout);
}

#[test]
fn a_stored_stage_past_the_end_is_treated_as_the_last() {
    let mut rollout = running(true, true);
    rollout.stage = 9;
    assert_eq!(rollout.traffic_percent(), 100);
    let event = rollout
        .tick(
            &healthy(400),
            &healthy(5_000),
            minutes(10),
            &RolloutConfig::default(),
        )
        .unwrap();
    assert_eq!(event.kind, EventKind::Promoted);
}
