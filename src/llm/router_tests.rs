use super::*;

/// A turn as the chat layer would describe it: text signals plus the engine's verdict.
fn turn(text: &str, confident: bool, fields: usize) -> TurnSignals {
    TurnSignals {
        built_in_confident: confident,
        fields_extracted: fields,
        conversation_turns: 2,
        ..TurnSignals::from_text(text)
    }
}

const ALL_STRATEGIES: [Strategy; 3] = [
    Strategy::CostOptimized,
    Strategy::Balanced,
    Strategy::PerformanceOptimized,
];

fn long_open_question() -> TurnSignals {
    turn(
        "Why is a deep clean so much more expensive than a standard one, and which would you \
         recommend for a three bedroom apartment with two cats that shed a lot and a toddler \
         who spills everything? I also want to know if the products are safe for them.",
        false,
        0,
    )
}

#[test]
fn a_plain_yes_stays_local_under_cost_optimized() {
    for confident in [true, false] {
        let decision = route(&turn("yes", confident, 0), Strategy::CostOptimized, true);
        assert_eq!(decision.tier, Tier::Local, "confident: {confident}");
    }
}

#[test]
fn a_bare_phone_number_stays_local_under_cost_optimized() {
    let decision = route(
        &turn("555-201-3344", true, 1),
        Strategy::CostOptimized,
        true,
    );
    assert_eq!(decision.tier, Tier::Local);
    assert_eq!(decision.reason, "built-in engine confident → local");
}

#[test]
fn a_full_booking_request_the_engine_understood_stays_local_under_cost_optimized() {
    let signals = turn(
        "deep clean for my 2,000 sq ft house next Tuesday afternoon, I'm Ana Ruiz 555-201-3344",
        true,
        6,
    );
    assert!(complexity(&signals) < 0.1);
    assert_eq!(
        route(&signals, Strategy::CostOptimized, true).tier,
        Tier::Local
    );
}

#[test]
fn without_an_llm_every_turn_is_local() {
    for strategy in ALL_STRATEGIES {
        let decision = route(&long_open_question(), strategy, false);
        assert_eq!(decision.tier, Tier::Local);
        assert_eq!(decision.reason, "no LLM available → local");
    }
}

#[test]
fn cost_optimized_sends_a_moderate_turn_the_engine_missed_to_the_fast_model() {
    let signals = turn(
        "The cleaner never showed up and nobody called me, I'm really upset",
        false,
        0,
    );
    let decision = route(&signals, Strategy::CostOptimized, true);
    assert_eq!(decision.tier, Tier::Fast);
    assert!(
        decision.reason.starts_with("negative sentiment"),
        "{}",
        decision.reason
    );
}

#[test]
fn cost_optimized_keeps_a_moderate_turn_the_engine_understood_local() {
    let signals = turn(
        "How long does a deep clean take and what do you bring?",
        true,
        1,
    );
    assert!(complexity(&signals) < COST_BALANCED);
    assert_eq!(
        route(&signals, Strategy::CostOptimized, true).tier,
        Tier::Local
    );
}

#[test]
fn cost_optimized_sends_a_clearly_complex_turn_to_the_balanced_model() {
    let decision = route(&long_open_question(), Strategy::CostOptimized, true);
    assert_eq!(decision.tier, Tier::Balanced);
    assert!(decision.score >= COST_BALANCED);
    assert!(
        decision.reason.starts_with("open question, "),
        "{}",
        decision.reason
    );
    assert!(decision.reason.ends_with(" → balanced"));
}

#[test]
fn cost_optimized_sends_a_clearly_complex_turn_up_even_when_the_engine_is_confident() {
    let signals = TurnSignals {
        built_in_confident: true,
        negative_sentiment: true,
        ..long_open_question()
    };
    assert!(complexity(&signals) >= COST_BALANCED);
    assert_eq!(
        route(&signals, Strategy::CostOptimized, true).tier,
        Tier::Balanced
    );
}

#[test]
fn the_balanced_strategy_uses_the_fast_model_for_ordinary_questions() {
    let signals = turn("Can you bring your own vacuum to my place?", true, 0);
    let decision = route(&signals, Strategy::Balanced, true);
    assert_eq!(decision.tier, Tier::Local, "confident and short is trivial");

    let signals = turn(
        "My dog might be home that day, is that a problem?",
        false,
        0,
    );
    let decision = route(&signals, Strategy::Balanced, true);
    assert_eq!(decision.tier, Tier::Fast);
    assert_eq!(
        route(&signals, Strategy::CostOptimized, true).tier,
        Tier::Local
    );
}

#[test]
fn the_balanced_strategy_uses_the_large_model_for_complex_turns() {
    let signals = turn(
        "Can you explain the difference between your standard and deep cleans? We just moved \
         into an older house with hardwood floors, a lot of dust in the vents and a dirty oven.",
        false,
        0,
    );
    let score = complexity(&signals);
    assert!(
        (BALANCED_COMPLEX..COST_BALANCED).contains(&score),
        "{score}"
    );
    assert_eq!(
        route(&signals, Strategy::Balanced, true).tier,
        Tier::Balanced
    );
    assert_eq!(
        route(&signals, Strategy::CostOptimized, true).tier,
        Tier::Fast
    );
}

#[test]
fn performance_optimized_uses_the_large_model_for_anything_non_trivial() {
    let signals = turn(
        "My dog might be home that day, is that a problem?",
        false,
        0,
    );
    assert_eq!(
        route(&signals, Strategy::PerformanceOptimized, true).tier,
        Tier::Balanced
    );
    let decision = route(&turn("yes", true, 0), Strategy::PerformanceOptimized, true);
    assert_eq!(decision.tier, Tier::Local);
    assert_eq!(decision.reason, "low complexity → local");
}

#[test]
fn the_reason_names_the_open_question_and_the_word_count() {
    let signals = TurnSignals {
        words: 43,
        chars: 230,
        question_marks: 1,
        open_question: true,
        built_in_confident: true,
        ..TurnSignals::default()
    };
    let decision = route(&signals, Strategy::Balanced, true);
    assert_eq!(decision.reason, "open question, 43 words → fast");
    let decision = route(&signals, Strategy::PerformanceOptimized, true);
    assert_eq!(decision.reason, "open question, 43 words → balanced");
    let decision = route(
        &TurnSignals {
            multiple_requests: true,
            ..signals
        },
        Strategy::Balanced,
        true,
    );
    assert_eq!(
        decision.reason,
        "open question, 43 words, multiple requests → balanced"
    );
}

#[test]
fn complexity_stays_between_zero_and_one() {
    assert_eq!(complexity(&TurnSignals::default()), 0.0);
    let everything = TurnSignals {
        chars: 100_000,
        words: 10_000,
        question_marks: 50,
        built_in_confident: false,
        fields_extracted: 0,
        open_question: true,
        multiple_requests: true,
        conversation_turns: 500,
        negative_sentiment: true,
    };
    assert!((complexity(&everything) - 1.0).abs() < 1e-9);
}

#[test]
fn extracted_fields_discount_the_length_of_a_turn() {
    let bare = TurnSignals {
        words: 30,
        built_in_confident: true,
        ..TurnSignals::default()
    };
    let structured = TurnSignals {
        fields_extracted: 5,
        ..bare.clone()
    };
    assert!(complexity(&structured) < complexity(&bare));
}

#[test]
fn text_without_spaces_still_counts_as_long() {
    let signals = TurnSignals::from_text(&"清".repeat(300));
    assert_eq!(signals.words, 1);
    assert!(complexity(&signals) > 0.2);
}

#[test]
fn text_signals_are_detected() {
    let s = TurnSignals::from_text("Why is it so expensive? And can you come earlier?");
    assert_eq!((s.words, s.question_marks), (10, 2));
    assert!(s.open_question && s.multiple_requests && !s.negative_sentiment);

    let s = TurnSignals::from_text("how much is a standard clean");
    assert!(!s.open_question && !s.multiple_requests);

    let s = TurnSignals::from_text("This is unacceptable, I want a refund");
    assert!(s.negative_sentiment);

    let s = TurnSignals::from_text("a two-story house, also the garage");
    assert!(s.multiple_requests && !s.negative_sentiment);
    assert_eq!(s.chars, 34);
}

#[test]
fn strategies_parse_from_their_names() {
    for strategy in ALL_STRATEGIES {
        assert_eq!(strategy.as_str().parse::<Strategy>(), Ok(strategy));
        assert_eq!(serde_json::to_value(strategy).unwrap(), strategy.as_str());
    }
    assert_eq!("Cost-Optimized".parse(), Ok(Strategy::CostOptimized));
    assert_eq!(Strategy::default(), Strategy::CostOptimized);
    let err = "cheap".parse::<Strategy>().unwrap_err();
    assert!(err.to_string().contains("cheap"));
}

#[test]
fn tiers_and_decisions_serialise_in_snake_and_camel_case() {
    assert_eq!(serde_json::to_value(Tier::Balanced).unwrap(), "balanced");
    let tier: Tier = serde_json::from_str("\"fast\"").unwrap();
    assert_eq!(tier, Tier::Fast);
    let decision = route(&turn("yes", true, 0), Strategy::CostOptimized, true);
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(json["tier"], "local");
    assert_eq!(json["reason"], "built-in engine confident → local");
    assert!(json["score"].is_number());
}
