use super::*;

fn limits(daily: u64, monthly: u64, per_request: u64) -> BudgetLimits {
    BudgetLimits {
        daily_micros: daily,
        monthly_micros: monthly,
        per_request_micros: per_request,
    }
}

fn ledger() -> BudgetLedger {
    BudgetLedger::new("2025-03-14", "2025-03", 0, 0)
}

#[test]
fn the_default_limits_are_the_spec_values() {
    assert_eq!(
        BudgetLimits::default(),
        limits(10_000_000, 300_000_000, 10_000)
    );
}

#[test]
fn usd_amounts_convert_to_micro_dollars() {
    assert_eq!(usd_to_micros(10.0), Some(10_000_000));
    assert_eq!(usd_to_micros(0.01), Some(10_000));
    assert_eq!(usd_to_micros(0.0000004), Some(0));
    assert_eq!(usd_to_micros(-1.0), None);
    assert_eq!(usd_to_micros(f64::NAN), None);
    assert_eq!(usd_to_micros(1e300), None);
}

#[test]
fn two_hundred_reservations_against_room_for_ten_grant_exactly_ten() {
    let limits = limits(10_000, 1_000_000, 5_000);
    let mut ledger = ledger();
    let results: Vec<_> = (0..200).map(|_| ledger.reserve(1_000, &limits)).collect();
    let granted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(granted, 10);
    assert_eq!(ledger.reserved_micros(), 10_000);
    assert_eq!(ledger.open_reservations(), 10);
    assert!(results.iter().skip(10).all(|r| matches!(
        r,
        Err(BudgetRefusal::Daily {
            committed_micros: 10_000,
            ..
        })
    )));
}

#[test]
fn settling_adds_the_actual_cost_even_above_the_estimate() {
    let limits = limits(10_000, 1_000_000, 5_000);
    let mut ledger = ledger();
    let id = ledger.reserve(1_000, &limits).unwrap();
    ledger.settle(id, 1_500);
    assert_eq!(ledger.reserved_micros(), 0);
    assert_eq!(ledger.open_reservations(), 0);
    assert_eq!(ledger.day_spent_micros(), 1_500);
    assert_eq!(ledger.month_spent_micros(), 1_500);
    // 8 500 µ$ left: eight more reservations of 1 000 fit, the ninth does not.
    let granted = (0..20)
        .map(|_| ledger.reserve(1_000, &limits))
        .filter(Result::is_ok)
        .count();
    assert_eq!(granted, 8);
}

#[test]
fn releasing_a_reservation_gives_its_room_back_without_spending() {
    let limits = limits(2_000, 1_000_000, 2_000);
    let mut ledger = ledger();
    let id = ledger.reserve(2_000, &limits).unwrap();
    assert!(ledger.reserve(1, &limits).is_err());
    ledger.release(id);
    assert_eq!(ledger.reserved_micros(), 0);
    assert_eq!(ledger.day_spent_micros(), 0);
    assert!(ledger.reserve(2_000, &limits).is_ok());
}

#[test]
fn a_call_above_the_per_request_limit_is_refused_whatever_the_budget() {
    let mut ledger = ledger();
    let refusal = ledger
        .reserve(10_001, &BudgetLimits::default())
        .unwrap_err();
    assert_eq!(
        refusal,
        BudgetRefusal::PerRequest {
            estimate_micros: 10_001,
            limit_micros: 10_000
        }
    );
    assert_eq!(refusal.as_str(), "per_request");
    assert!(ledger.reserve(10_000, &BudgetLimits::default()).is_ok());
}

#[test]
fn the_monthly_limit_refuses_even_with_room_left_today() {
    let limits = limits(10_000, 50_000, 5_000);
    let mut ledger = BudgetLedger::new("2025-03-14", "2025-03", 0, 49_500);
    let refusal = ledger.reserve(1_000, &limits).unwrap_err();
    assert_eq!(
        refusal,
        BudgetRefusal::Monthly {
            estimate_micros: 1_000,
            committed_micros: 49_500,
            limit_micros: 50_000
        }
    );
    assert_eq!(refusal.as_str(), "monthly");
    assert!(ledger.reserve(500, &limits).is_ok());
}

#[test]
fn a_new_day_resets_the_day_spend_and_keeps_the_month() {
    let mut ledger = BudgetLedger::new("2025-03-14", "2025-03", 7_000, 90_000);
    assert!(!ledger.roll("2025-03-14", "2025-03"));
    assert_eq!(ledger.day_spent_micros(), 7_000);

    assert!(ledger.roll("2025-03-15", "2025-03"));
    assert_eq!(ledger.day(), "2025-03-15");
    assert_eq!(ledger.day_spent_micros(), 0);
    assert_eq!(ledger.month_spent_micros(), 90_000);
}

#[test]
fn a_new_month_resets_both_spends() {
    let mut ledger = BudgetLedger::new("2025-03-31", "2025-03", 7_000, 90_000);
    assert!(ledger.roll("2025-04-01", "2025-04"));
    assert_eq!((ledger.day(), ledger.month()), ("2025-04-01", "2025-04"));
    assert_eq!(ledger.day_spent_micros(), 0);
    assert_eq!(ledger.month_spent_micros(), 0);
}

#[test]
fn a_clock_stepping_back_does_not_reset_the_spend() {
    let mut ledger = BudgetLedger::new("2025-03-15", "2025-03", 7_000, 90_000);
    assert!(!ledger.roll("2025-03-14", "2025-03"));
    assert_eq!(ledger.day(), "2025-03-15");
    assert_eq!(ledger.day_spent_micros(), 7_000);
}

#[test]
fn a_call_in_flight_across_midnight_is_charged_to_the_new_day() {
    let limits = limits(10_000, 1_000_000, 5_000);
    let mut ledger = BudgetLedger::new("2025-03-14", "2025-03", 9_000, 9_000);
    let id = ledger.reserve(1_000, &limits).unwrap();
    ledger.roll("2025-03-15", "2025-03");
    assert_eq!(ledger.reserved_micros(), 1_000);
    ledger.settle(id, 800);
    assert_eq!(ledger.day_spent_micros(), 800);
    assert_eq!(ledger.month_spent_micros(), 9_800);
}

#[test]
fn usage_reports_spend_reservations_and_fractions() {
    let limits = limits(10_000, 100_000, 5_000);
    let mut ledger = BudgetLedger::new("2025-03-14", "2025-03", 2_500, 25_000);
    let _held = ledger.reserve(1_000, &limits).unwrap();
    let usage = ledger.usage(&limits);
    assert_eq!(usage.day_spent_micros, 2_500);
    assert_eq!(usage.month_spent_micros, 25_000);
    assert_eq!(usage.reserved_micros, 1_000);
    assert!((usage.daily_fraction - 0.25).abs() < 1e-12);
    assert!((usage.monthly_fraction - 0.25).abs() < 1e-12);
    let json = serde_json::to_value(&usage).unwrap();
    assert_eq!(json["daySpentMicros"], 2_500);
    assert_eq!(json["reservedMicros"], 1_000);
    assert_eq!(ledger.usage(&self::limits(0, 0, 0)).daily_fraction, 1.0);
}

#[test]
fn alerts_fire_at_eighty_percent_of_each_limit() {
    let limits = limits(10_000, 100_000, 5_000);
    let quiet = BudgetLedger::new("2025-03-14", "2025-03", 7_999, 79_999);
    assert!(quiet.alerts(&limits).is_empty());

    let daily = BudgetLedger::new("2025-03-14", "2025-03", 8_000, 79_999);
    assert_eq!(daily.alerts(&limits), ["daily_80_percent"]);

    let both = BudgetLedger::new("2025-03-14", "2025-03", 12_000, 80_000);
    assert_eq!(
        both.alerts(&limits),
        ["daily_80_percent", "monthly_80_percent"]
    );
}

#[test]
fn reservations_are_not_counted_as_spend_for_alerts() {
    let limits = limits(10_000, 100_000, 10_000);
    let mut ledger = ledger();
    let _held = ledger.reserve(9_000, &limits).unwrap();
    assert!(ledger.alerts(&limits).is_empty());
}

#[test]
fn refusals_explain_themselves() {
    let refusal = BudgetRefusal::Daily {
        estimate_micros: 1_000,
        committed_micros: 9_500,
        limit_micros: 10_000,
    };
    assert_eq!(refusal.as_str(), "daily");
    assert!(refusal.to_string().contains("9500 µ$ committed"));
}
