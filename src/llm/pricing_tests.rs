use super::*;

#[test]
fn the_default_table_has_the_spec_prices() {
    let table = PriceTable::default();
    assert_eq!(
        table.get("llama-3.1-8b-instant"),
        Some(fixed_price(0.05, 0.08))
    );
    assert_eq!(
        table.get("llama-3.3-70b-versatile"),
        Some(fixed_price(0.59, 0.79))
    );
    assert_eq!(table.models().count(), 2);
}

#[test]
fn a_fast_call_costs_exactly_its_tokens_times_the_price() {
    let table = PriceTable::default();
    // 1 000 × 0.05 + 500 × 0.08 = 50 + 40 µ$.
    assert_eq!(table.cost_micros(DEFAULT_FAST_MODEL, 1_000, 500), 90);
    // 1 000 000 tokens each way = 0.05 + 0.08 USD.
    assert_eq!(
        table.cost_micros(DEFAULT_FAST_MODEL, 1_000_000, 1_000_000),
        130_000
    );
}

#[test]
fn a_balanced_call_costs_exactly_its_tokens_times_the_price() {
    let table = PriceTable::default();
    // 1 000 × 0.59 + 500 × 0.79 = 590 + 395 µ$.
    assert_eq!(table.cost_micros(DEFAULT_BALANCED_MODEL, 1_000, 500), 985);
    assert_eq!(table.cost_micros(DEFAULT_BALANCED_MODEL, 0, 0), 0);
}

#[test]
fn fractions_of_a_micro_dollar_are_rounded_up_once_for_the_whole_call() {
    let table = PriceTable::default();
    // 0.05 µ$ → 1 µ$.
    assert_eq!(table.cost_micros(DEFAULT_FAST_MODEL, 1, 0), 1);
    // 10 × 0.05 + 5 × 0.08 = 0.9 µ$ → 1 µ$, not 1 + 1 from rounding each part.
    assert_eq!(table.cost_micros(DEFAULT_FAST_MODEL, 10, 5), 1);
    // 123 × 0.59 + 45 × 0.79 = 72.57 + 35.55 = 108.12 µ$ → 109 µ$.
    assert_eq!(table.cost_micros(DEFAULT_BALANCED_MODEL, 123, 45), 109);
}

#[test]
fn the_estimate_reserves_the_full_output_allowance() {
    let table = PriceTable::default();
    // SPEC limits: 2 000 input tokens, 500 output tokens on the 70b model.
    assert_eq!(
        table.estimate_micros(DEFAULT_BALANCED_MODEL, 2_000, 500),
        1_575
    );
    assert_eq!(table.estimate_micros(DEFAULT_FAST_MODEL, 2_000, 500), 140);
}

#[test]
fn an_unknown_model_is_charged_the_most_expensive_known_price() {
    let table = PriceTable::default();
    assert_eq!(table.fallback(), fixed_price(0.59, 0.79));
    assert_eq!(table.cost_micros("mystery-model", 1_000, 500), 985);
}

#[test]
fn the_fallback_takes_the_highest_input_and_output_prices_separately() {
    let mut table = PriceTable::empty();
    table.insert("cheap-in", fixed_price(0.1, 5.0));
    table.insert("cheap-out", fixed_price(3.0, 0.2));
    assert_eq!(table.fallback(), fixed_price(3.0, 5.0));
    assert_eq!(PriceTable::empty().fallback(), fixed_price(0.59, 0.79));
}

#[test]
fn huge_token_counts_saturate_instead_of_overflowing() {
    let table = PriceTable::default();
    assert_eq!(
        table.cost_micros(DEFAULT_BALANCED_MODEL, u64::MAX, u64::MAX),
        u64::MAX
    );
}

#[test]
fn an_override_replaces_and_adds_prices_and_keeps_the_others() {
    let table = PriceTable::parse_override(" llama-3.1-8b-instant = 0.10/0.20 , my-model=1.0/2.0,")
        .unwrap();
    assert_eq!(
        table.get("llama-3.1-8b-instant"),
        Some(fixed_price(0.1, 0.2))
    );
    assert_eq!(table.get("my-model"), Some(fixed_price(1.0, 2.0)));
    assert_eq!(
        table.get("llama-3.3-70b-versatile"),
        Some(fixed_price(0.59, 0.79))
    );
    // 1 000 × 1.0 + 1 000 × 2.0 µ$.
    assert_eq!(table.cost_micros("my-model", 1_000, 1_000), 3_000);
    // The new most expensive model raises the fallback.
    assert_eq!(table.fallback(), fixed_price(1.0, 2.0));
}

#[test]
fn an_empty_override_gives_the_defaults() {
    assert_eq!(
        PriceTable::parse_override("").unwrap(),
        PriceTable::default()
    );
    assert_eq!(
        PriceTable::parse_override(" , ").unwrap(),
        PriceTable::default()
    );
}

#[test]
fn malformed_overrides_are_rejected_with_the_offending_entry() {
    assert_eq!(
        PriceTable::parse_override("my-model:1/2"),
        Err(PriceError::Syntax {
            entry: "my-model:1/2".into()
        })
    );
    assert!(matches!(
        PriceTable::parse_override("my-model=1"),
        Err(PriceError::Syntax { .. })
    ));
    assert!(matches!(
        PriceTable::parse_override("=1/2"),
        Err(PriceError::Syntax { .. })
    ));
    assert_eq!(
        PriceTable::parse_override("a=1/2,b=-1/2"),
        Err(PriceError::InvalidPrice {
            model: "b".into(),
            value: "-1".into()
        })
    );
    for bad in ["a=NaN/1", "a=inf/1", "a=1/cheap"] {
        assert!(
            matches!(
                PriceTable::parse_override(bad),
                Err(PriceError::InvalidPrice { .. })
            ),
            "{bad}"
        );
    }
    assert_eq!(
        PriceTable::parse_override("a=1/2,a=3/4"),
        Err(PriceError::Duplicate { model: "a".into() })
    );
}

#[test]
fn model_prices_are_validated() {
    assert!(ModelPrice::new(0.05, 0.08).is_ok());
    assert!(ModelPrice::new(-0.01, 0.08).is_err());
    assert!(ModelPrice::new(0.05, f64::INFINITY).is_err());
}

#[test]
fn tokens_are_estimated_at_four_ascii_characters_each_rounded_up() {
    assert_eq!(estimate_tokens(""), 1);
    assert_eq!(estimate_tokens("yes"), 1);
    assert_eq!(estimate_tokens("abcd"), 1);
    assert_eq!(estimate_tokens("abcde"), 2);
    assert_eq!(estimate_tokens(&"a".repeat(400)), 100);
}

#[test]
fn non_ascii_characters_count_as_a_token_each() {
    assert_eq!(estimate_tokens("日本語"), 3);
    assert_eq!(estimate_tokens("café"), 2);
}
