//! Unit tests for `gate.rs`.

use super::*;

/// 1,000 conversations of 5 turns: 30 % booked, 2 % failed turns, no incidents,
/// p95 1.2 s, 400 µ$ per conversation.
fn baseline() -> VariantFigures {
    VariantFigures {
        conversations: 1_000,
        bookings: 300,
        errors: 100,
        turns: 5_000,
        safety_incidents: 0,
        p95_latency_ms: 1_200.0,
        cost_micros: 400_000,
    }
}

fn config() -> GateConfig {
    GateConfig {
        min_samples: 100,
        z_critical: 1.96,
        ..GateConfig::default()
    }
}

fn verdict_of(report: &GateReport, metric: &str) -> Verdict {
    report
        .checks
        .iter()
        .find(|check| check.metric == metric)
        .map(|check| check.verdict)
        .unwrap_or_else(|| panic!("no {metric} check"))
}

#[test]
fn the_z_score_matches_a_worked_example() {
    // 50/100 against 40/100: pooled 0.45, standard error sqrt(0.45·0.55·0.02).
    let z = two_proportion_z(50, 100, 40, 100).unwrap();
    assert!((z - 1.421_338).abs() < 1e-5, "{z}");
    let mirrored = two_proportion_z(40, 100, 50, 100).unwrap();
    assert!((z + mirrored).abs() < 1e-12);
}

#[test]
fn the_z_score_is_undefined_without_variance_or_data() {
    assert_eq!(two_proportion_z(0, 0, 5, 10), None);
    assert_eq!(two_proportion_z(5, 10, 0, 0), None);
    assert_eq!(two_proportion_z(0, 50, 0, 500), None);
    assert_eq!(two_proportion_z(50, 50, 500, 500), None);
    assert_eq!(two_proportion_z(11, 10, 5, 10), None);
}

#[test]
fn rates_are_zero_rather_than_nan_without_data() {
    let empty = VariantFigures::default();
    assert_eq!(empty.booking_rate(), 0.0);
    assert_eq!(empty.error_rate(), 0.0);
    assert_eq!(empty.incident_rate(), 0.0);
    assert_eq!(empty.cost_per_conversation(), 0.0);
    let figures = baseline();
    assert_eq!(figures.booking_rate(), 0.3);
    assert_eq!(figures.error_rate(), 0.02);
    assert_eq!(figures.cost_per_conversation(), 400.0);
}

#[test]
fn too_few_samples_on_either_side_waits_even_when_worse() {
    let mut small = baseline();
    small.conversations = 99;
    small.bookings = 0;
    let report = evaluate(&small, &baseline(), &config());
    assert_eq!(
        report.decision,
        GateDecision::Wait("too few samples".into())
    );
    assert_eq!(report.checks.len(), 5);
    let report = evaluate(&baseline(), &small, &config());
    assert_eq!(
        report.decision,
        GateDecision::Wait("too few samples".into())
    );
}

#[test]
fn an_identical_candidate_advances_with_every_check_ok() {
    let report = evaluate(&baseline(), &baseline(), &config());
    assert_eq!(report.decision, GateDecision::Advance);
    assert!(report
        .checks
        .iter()
        .all(|check| check.verdict == Verdict::Ok));
}

#[test]
fn a_significantly_lower_booking_rate_rolls_back() {
    let mut candidate = baseline();
    candidate.bookings = 200;
    let report = evaluate(&candidate, &baseline(), &config());
    assert_eq!(verdict_of(&report, "booking_rate"), Verdict::Worse);
    assert_eq!(
        report.decision,
        GateDecision::Rollback("worse than stable: booking_rate".into())
    );
}

#[test]
fn a_higher_booking_rate_or_a_lower_error_rate_is_never_worse() {
    let mut candidate = baseline();
    candidate.bookings = 500;
    candidate.errors = 0;
    let report = evaluate(&candidate, &baseline(), &config());
    assert_eq!(report.decision, GateDecision::Advance);
}

#[test]
fn a_small_booking_dip_is_not_significant() {
    let mut candidate = baseline();
    candidate.bookings = 290;
    let report = evaluate(&candidate, &baseline(), &config());
    assert_eq!(verdict_of(&report, "booking_rate"), Verdict::Ok);
    assert_eq!(report.decision, GateDecision::Advance);
}

#[test]
fn a_significantly_higher_error_or_incident_rate_rolls_back_listing_both() {
    let mut candidate = baseline();
    candidate.errors = 200;
    candidate.safety_incidents = 20;
    let report = evaluate(&candidate, &baseline(), &config());
    assert_eq!(verdict_of(&report, "error_rate"), Verdict::Worse);
    assert_eq!(verdict_of(&report, "incident_rate"), Verdict::Worse);
    assert_eq!(
        report.decision,
        GateDecision::Rollback("worse than stable: error_rate, incident_rate".into())
    );
}

#[test]
fn the_stricter_default_threshold_ignores_a_borderline_rise() {
    // 2.7 % against 2 % of 5,000 turns, z ≈ 2.3: worse at 1.96, not at the default 3.29.
    let mut candidate = baseline();
    candidate.errors = 135;
    assert_eq!(
        verdict_of(&evaluate(&candidate, &baseline(), &config()), "error_rate"),
        Verdict::Worse
    );
    let strict = GateConfig {
        min_samples: 100,
        ..GateConfig::default()
    };
    assert_eq!(
        evaluate(&candidate, &baseline(), &strict).decision,
        GateDecision::Advance
    );
}

#[test]
fn latency_beyond_the_allowed_increase_rolls_back() {
    let mut candidate = baseline();
    candidate.p95_latency_ms = 1_700.0;
    assert_eq!(
        evaluate(&candidate, &baseline(), &config()).decision,
        GateDecision::Advance
    );
    candidate.p95_latency_ms = 1_850.0;
    let report = evaluate(&candidate, &baseline(), &config());
    assert_eq!(verdict_of(&report, "p95_latency_ms"), Verdict::Worse);
    assert!(
        matches!(report.decision, GateDecision::Rollback(reason) if reason.contains("p95_latency_ms"))
    );
}

#[test]
fn missing_latency_is_inconclusive_and_does_not_block() {
    let mut candidate = baseline();
    candidate.p95_latency_ms = 0.0;
    let report = evaluate(&candidate, &baseline(), &config());
    assert_eq!(verdict_of(&report, "p95_latency_ms"), Verdict::Inconclusive);
    assert_eq!(report.decision, GateDecision::Advance);
}

#[test]
fn cost_beyond_the_allowed_increase_rolls_back() {
    let mut candidate = baseline();
    candidate.cost_micros = 500_000;
    assert_eq!(
        verdict_of(
            &evaluate(&candidate, &baseline(), &config()),
            "cost_per_conversation"
        ),
        Verdict::Ok
    );
    candidate.cost_micros = 540_000;
    let report = evaluate(&candidate, &baseline(), &config());
    assert_eq!(verdict_of(&report, "cost_per_conversation"), Verdict::Worse);
    assert_eq!(
        report.decision,
        GateDecision::Rollback("worse than stable: cost_per_conversation".into())
    );
}

#[test]
fn near_zero_costs_do_not_trip_the_ratio() {
    let mut stable = baseline();
    stable.cost_micros = 1_000; // 1 µ$ per conversation
    let mut candidate = baseline();
    candidate.cost_micros = 9_000; // 9 µ$: nine times as much, but only 8 µ$ more
    let report = evaluate(&candidate, &stable, &config());
    assert_eq!(verdict_of(&report, "cost_per_conversation"), Verdict::Ok);
    stable.cost_micros = 0;
    candidate.cost_micros = 20_000;
    let report = evaluate(&candidate, &stable, &config());
    assert_eq!(verdict_of(&report, "cost_per_conversation"), Verdict::Worse);
}

#[test]
fn rates_without_turns_are_unproven_and_hold_the_candidate() {
    let mut candidate = baseline();
    candidate.turns = 0;
    candidate.errors = 0;
    let report = evaluate(&candidate, &baseline(), &config());
    assert_eq!(verdict_of(&report, "error_rate"), Verdict::Unproven);
    assert_eq!(verdict_of(&report, "incident_rate"), Verdict::Unproven);
    assert_eq!(
        report.decision,
        GateDecision::Wait("not yet shown within the margin: error_rate, incident_rate".into())
    );
}

#[test]
fn the_upper_bound_of_a_difference_matches_a_worked_example() {
    // Agresti–Caffo: 31/102 against 21/102, standard error 0.060 64, plus 1.645 of it.
    let bound = difference_upper_bound(30, 100, 20, 100, 1.645).unwrap();
    assert!((bound - 0.197_788).abs() < 1e-5, "{bound}");
    assert_eq!(difference_upper_bound(1, 0, 1, 10, 1.645), None);
    assert_eq!(difference_upper_bound(11, 10, 1, 10, 1.645), None);
    // No events on either side still leaves a positive bound on few samples.
    assert!(difference_upper_bound(0, 250, 0, 2_250, 1.645).unwrap() > 0.005);
}

#[test]
fn a_drop_too_small_to_be_significant_but_maybe_past_the_margin_waits() {
    // 25 % of 100 against 30 % of 900: z ≈ −1, far from worse, but the drop could be up to
    // about 12 points, past the 5-point margin.
    let candidate = VariantFigures {
        conversations: 100,
        bookings: 25,
        errors: 10,
        turns: 500,
        cost_micros: 40_000,
        ..baseline()
    };
    let stable = VariantFigures {
        conversations: 900,
        bookings: 270,
        errors: 90,
        turns: 4_500,
        cost_micros: 360_000,
        ..baseline()
    };
    let report = evaluate(&candidate, &stable, &config());
    let booking = &report.checks[0];
    assert_eq!(booking.verdict, Verdict::Unproven);
    assert!(booking.statistic.unwrap() > -config().z_critical);
    let bound = booking.worse_by_at_most.unwrap();
    assert!((bound - 0.120_836).abs() < 1e-5, "{bound}");
    assert_eq!(booking.margin, Some(0.05));
    assert!(
        matches!(&report.decision, GateDecision::Wait(reason) if reason.contains("booking_rate")),
        "{:?}",
        report.decision
    );
    // Ten times the data and a 1-point dip: the bound is inside the margin.
    let candidate = VariantFigures {
        conversations: 1_000,
        bookings: 290,
        errors: 100,
        turns: 5_000,
        cost_micros: 400_000,
        ..baseline()
    };
    let stable = VariantFigures {
        conversations: 9_000,
        bookings: 2_700,
        errors: 900,
        turns: 45_000,
        cost_micros: 3_600_000,
        ..baseline()
    };
    let report = evaluate(&candidate, &stable, &config());
    assert_eq!(verdict_of(&report, "booking_rate"), Verdict::Ok);
    assert_eq!(report.decision, GateDecision::Advance);
}

#[test]
fn worse_wins_over_unproven() {
    let mut candidate = baseline();
    candidate.conversations = 100;
    candidate.bookings = 30;
    candidate.turns = 500;
    candidate.errors = 200;
    candidate.cost_micros = 40_000;
    let report = evaluate(&candidate, &baseline(), &config());
    assert_eq!(verdict_of(&report, "booking_rate"), Verdict::Unproven);
    assert_eq!(
        report.decision,
        GateDecision::Rollback("worse than stable: error_rate".into())
    );
}

#[test]
fn the_report_serialises_in_camel_case_with_the_reason_inline() {
    let mut candidate = baseline();
    candidate.errors = 400;
    let report = evaluate(&candidate, &baseline(), &config());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["decision"], "rollback");
    assert_eq!(json["reason"], "worse than stable: error_rate");
    assert_eq!(json["checks"][1]["metric"], "error_rate");
    assert_eq!(json["checks"][1]["verdict"], "worse");
    assert!(json["checks"][1]["statistic"].as_f64().unwrap() > 3.29);
    assert!(json["checks"][1]["worseByAtMost"].as_f64().unwrap() > 0.02);
    assert_eq!(json["checks"][1]["margin"], 0.02);

    let advance = serde_json::to_value(evaluate(&baseline(), &baseline(), &config())).unwrap();
    assert_eq!(advance["decision"], "advance");
    assert!(advance.get("reason").is_none());

    let figures = serde_json::to_value(baseline()).unwrap();
    assert_eq!(figures["safetyIncidents"], 0);
    assert_eq!(figures["p95LatencyMs"], 1200.0);
    assert_eq!(figures["costMicros"], 400_000);
}

#[test]
fn the_report_round_trips_through_json() {
    let report = evaluate(&baseline(), &baseline(), &config());
    let text = serde_json::to_string(&report).unwrap();
    let back: GateReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report);
}
