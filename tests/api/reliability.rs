//! A customer never sees a model outage: breakers, disciplined retries, the fallback
//! chain to the built-in engine, deadlines.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::fake_llm::{FakeLlm, Step};
use crate::helpers::{json, say, spawn_app_with, start_session, TestApp};
use crate::llm::llm_options;

/// A question the router always sends to a model under `performance_optimized`.
const OPEN_QUESTION: &str =
    "Could you explain how your deep cleaning differs from a standard one and why it takes longer?";

const BALANCED: &str = "llama-3.3-70b-versatile";
const FAST: &str = "llama-3.1-8b-instant";

/// A question the built-in engine has no answer for (no booking field, no FAQ).
const UNSERVED_QUESTION: &str =
    "And how do you compare with other companies, why should I pick you?";

/// Books through four turns; returns each turn's reply and latency.
async fn book_through_outage(app: &TestApp) -> (Vec<Value>, Vec<Duration>) {
    let session = start_session(app).await;
    let mut latencies = Vec::new();
    let mut replies = Vec::new();
    for message in [
        "I need a standard cleaning for 900 sq ft, can you explain what is included and why it takes two hours?",
        "December 3 at 10am please, and could you tell me why you need my address?",
        "I'm Ana Ruiz, 555-201-3344, 12 Oak Street, Albany NY",
        "yes, book it",
    ] {
        let started = Instant::now();
        replies.push(say(app, &session, message).await);
        latencies.push(started.elapsed());
    }
    (replies, latencies)
}

fn breaker_state(reliability: &Value, model: &str) -> Value {
    reliability["breakers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["model"] == model)
        .unwrap()["state"]
        .clone()
}

async fn reliability_metrics(app: &TestApp) -> Value {
    json(app.get("/api/reliability/metrics").await).await["data"].clone()
}

#[tokio::test]
async fn during_a_full_outage_every_turn_is_answered_and_bookings_continue() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::status(500));
    let app = spawn_app_with(llm_options(&fake).var("CREWS", "50")).await;
    let mut latencies = Vec::new();
    let mut booked = 0;
    for round in 0..25 {
        // 4 turns per booking: 100 turns in all.
        let (replies, turns) = book_through_outage(&app).await;
        latencies.extend(turns);
        assert!(
            replies.iter().all(|r| r["action"] != "fallback"),
            "a booking continues on the built-in engine without saying fallback: {replies:?}"
        );
        let last = &replies[replies.len() - 1];
        if last["action"] == "booked" {
            booked += 1;
        } else {
            panic!("round {round}: {last}");
        }
    }
    assert_eq!(booked, 25);
    let calls = fake.calls();
    latencies.sort();
    assert_eq!(latencies.len(), 100);
    println!(
        "100 turns during an outage: {booked} bookings, {calls} upstream calls, turn latency p50 {:?} p99 {:?} max {:?}",
        latencies[49],
        latencies[98],
        latencies[99]
    );
    assert!(calls < 40, "the breaker stopped the calls: {calls}");
    let health = json(app.get("/api/health").await).await;
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["data"]["checks"]["llm"]["status"], "degraded");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(
            "circuit_breaker_state{model=\"llama-3.3-70b-versatile\",provider=\"groq\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("llm_fallbacks_total{reason="));
    let reliability = json(app.get("/api/reliability/metrics").await).await["data"].clone();
    assert!(reliability["rejectedByBreaker"].as_u64().unwrap() > 0);
    assert!(
        reliability["errorsByClass"]["server_error"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[tokio::test]
async fn an_open_breaker_lets_only_probes_through_and_closes_after_recovery() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::status(503));
    // Open for 5 s: the ~27 failing turns below, with fallback and retries, must all land
    // while the breakers stay open, even on a slow, loaded machine.
    let app = spawn_app_with(llm_options(&fake).var("CIRCUIT_BREAKER_TIMEOUT", "5000")).await;
    let session = start_session(&app).await;
    for _ in 0..12 {
        say(&app, &session, OPEN_QUESTION).await;
    }
    let reliability = reliability_metrics(&app).await;
    assert_eq!(
        breaker_state(&reliability, BALANCED),
        "open",
        "{reliability}"
    );
    // While the balanced breaker is open its model sees no call; turns try the fast model
    // until that breaker opens too, and then nothing reaches the provider.
    let balanced_calls = fake.calls_for(BALANCED);
    for _ in 0..10 {
        let reply = say(&app, &session, OPEN_QUESTION).await;
        assert_eq!(reply["metadata"]["tier"], "local");
    }
    assert_eq!(
        fake.calls_for(BALANCED),
        balanced_calls,
        "no calls reach an open breaker's model"
    );
    let reliability = reliability_metrics(&app).await;
    assert_eq!(breaker_state(&reliability, FAST), "open", "{reliability}");
    let calls_when_open = fake.calls();
    for _ in 0..5 {
        let reply = say(&app, &session, OPEN_QUESTION).await;
        assert_eq!(reply["metadata"]["tier"], "local");
    }
    assert_eq!(
        fake.calls(),
        calls_when_open,
        "no calls reach the provider while both breakers are open"
    );

    fake.set_default(Step::text(
        "Deep cleaning covers everything in a standard clean plus the details.",
    ));
    tokio::time::sleep(Duration::from_millis(5100)).await;
    for _ in 0..3 {
        let reply = say(&app, &session, OPEN_QUESTION).await;
        assert_ne!(reply["metadata"]["tier"], "local", "{reply}");
    }
    let reliability = reliability_metrics(&app).await;
    assert_eq!(
        breaker_state(&reliability, BALANCED),
        "closed",
        "{reliability}"
    );
    assert_eq!(
        json(app.get("/api/health").await).await["status"],
        "healthy"
    );
}

#[tokio::test]
async fn with_half_the_calls_failing_the_provider_sees_at_most_1_2_calls_per_turn() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::Flaky {
        error_rate: 0.5,
        then: Box::new(Step::text("Happy to explain.")),
    });
    let app = spawn_app_with(llm_options(&fake)).await;
    let sessions: Vec<String> = join_all((0..10).map(|_| start_session(&app))).await;
    let turns = 200;
    for i in 0..turns {
        let reply = say(&app, &sessions[i % 10], OPEN_QUESTION).await;
        assert_ne!(reply["action"], "blocked");
    }
    let per_turn = fake.calls() as f64 / turns as f64;
    println!(
        "50 % upstream errors: {} calls for {turns} turns = {per_turn:.3} calls per turn",
        fake.calls()
    );
    assert!(per_turn <= 1.2, "{per_turn}");
}

#[tokio::test]
async fn an_auth_error_is_not_retried() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::status(401));
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    let reply = say(&app, &session, OPEN_QUESTION).await;
    assert_eq!(reply["metadata"]["tier"], "local");
    assert!(
        !reply["message"].as_str().unwrap().contains("401"),
        "no provider text reaches the customer"
    );
    assert_eq!(
        fake.calls(),
        1,
        "a 401 is neither retried nor sent to the other model"
    );
}

#[tokio::test]
async fn a_rate_limit_is_retried_after_its_retry_after() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(Step::rate_limited(1));
    fake.set_default(Step::text("Sure, here is how it works."));
    let app = spawn_app_with(llm_options(&fake)).await;
    // Warm the retry budget: retries are at most 20 % of recent calls.
    let session = start_session(&app).await;
    for _ in 0..5 {
        say(
            &app,
            &session,
            "Can you tell me why you charge by the hour and how you estimate time?",
        )
        .await;
    }
    fake.push(Step::rate_limited(1));
    let started = Instant::now();
    let reply = say(&app, &session, OPEN_QUESTION).await;
    assert_eq!(reply["message"], "Sure, here is how it works.");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After"
    );
}

#[tokio::test]
async fn a_stalled_provider_never_holds_a_turn_past_its_deadline() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::Stall { ms: 60_000 });
    let app = spawn_app_with(
        llm_options(&fake)
            .var("LLM_TIMEOUT_MS", "700")
            .var("LLM_TURN_DEADLINE_MS", "1500"),
    )
    .await;
    let session = start_session(&app).await;
    let started = Instant::now();
    let reply = say(&app, &session, OPEN_QUESTION).await;
    let elapsed = started.elapsed();
    assert_eq!(reply["metadata"]["tier"], "local");
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
}

#[tokio::test]
async fn with_a_quarter_of_the_calls_failing_retries_stay_within_a_fifth_of_the_calls() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::Flaky {
        error_rate: 0.25,
        then: Box::new(Step::text("Happy to explain.")),
    });
    // A wide window keeps the breaker closed at this error rate, so every failure asks the
    // retry budget and the budget alone bounds the load.
    let app = spawn_app_with(llm_options(&fake).var("CIRCUIT_BREAKER_WINDOW", "100")).await;
    let sessions: Vec<String> = join_all((0..10).map(|_| start_session(&app))).await;
    let turns = 100;
    for i in 0..turns {
        let reply = say(&app, &sessions[i % 10], OPEN_QUESTION).await;
        assert_ne!(reply["action"], "blocked");
    }
    let reliability = reliability_metrics(&app).await;
    let retries = &reliability["retries"];
    let per_turn = fake.calls() as f64 / turns as f64;
    println!(
        "25 % upstream errors: {} calls for {turns} turns = {per_turn:.3} calls per turn; retries {retries}",
        fake.calls()
    );
    assert_eq!(breaker_state(&reliability, BALANCED), "closed");
    assert!(
        retries["deniedByBudget"].as_u64().unwrap() > 0,
        "the budget was the limit: {retries}"
    );
    // Retries and moves to the other model are at most 20 % of logical calls (one per turn).
    assert!(per_turn <= 1.2, "{per_turn}");
}

#[tokio::test]
async fn one_deadline_bounds_all_the_rounds_of_a_turn() {
    let fake = FakeLlm::start().await.unwrap();
    // A slow tool round, then a provider that stalls for longer than any timeout.
    fake.push(Step::tool_call("list_services", json!({})).delayed(2_000));
    fake.set_default(Step::Stall { ms: 60_000 });
    let app = spawn_app_with(
        llm_options(&fake)
            .var("LLM_TIMEOUT_MS", "10000")
            .var("LLM_TURN_DEADLINE_MS", "2500"),
    )
    .await;
    let session = start_session(&app).await;
    let started = Instant::now();
    let reply = say(&app, &session, OPEN_QUESTION).await;
    let elapsed = started.elapsed();
    println!("a tool round of 2 s then a stall, 2.5 s turn deadline: answered in {elapsed:?}");
    assert_eq!(fake.calls(), 2, "the tool round and the stalled one");
    assert!(
        elapsed < Duration::from_millis(2_500 + 1_500),
        "took {elapsed:?}"
    );
    assert_eq!(reply["metadata"]["tier"], "local", "{reply}");
    assert!(!reply["message"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn while_the_balanced_breaker_is_open_the_fast_model_answers() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_model_default(BALANCED, Step::status(500));
    fake.set_default(Step::text("Happy to explain the difference."));
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    for _ in 0..10 {
        say(&app, &session, OPEN_QUESTION).await;
    }
    let reliability = reliability_metrics(&app).await;
    assert_eq!(
        breaker_state(&reliability, BALANCED),
        "open",
        "{reliability}"
    );
    let balanced_calls = fake.calls_for(BALANCED);
    // The breaker refuses without a call, so moving on to the fast model spends no retry
    // budget: every turn gets it, through the tool loop and through the cache alike.
    for _ in 0..10 {
        let reply = say(&app, &session, OPEN_QUESTION).await;
        assert_eq!(reply["metadata"]["tier"], "fast", "{reply}");
        assert_eq!(reply["metadata"]["model"], FAST);
        assert_eq!(reply["message"], "Happy to explain the difference.");
    }
    let faq = say(
        &app,
        &start_session(&app).await,
        "What are your opening hours, and why do you not open on public holidays?",
    )
    .await;
    assert_eq!(faq["metadata"]["cached"], false);
    assert_eq!(faq["metadata"]["tier"], "fast", "{faq}");
    assert_eq!(faq["metadata"]["model"], FAST);
    assert_eq!(fake.calls_for(BALANCED), balanced_calls);
}

#[tokio::test]
async fn during_an_outage_only_a_turn_the_engine_cannot_serve_says_fallback() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::status(500));
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    let unserved = say(&app, &session, UNSERVED_QUESTION).await;
    assert_eq!(unserved["action"], "fallback", "{unserved}");
    assert_eq!(unserved["metadata"]["tier"], "local");
    assert!(!unserved["message"].as_str().unwrap().is_empty());
    // The built-in engine can serve a booking: same outage, no "fallback".
    let (replies, _) = book_through_outage(&app).await;
    assert!(
        replies.iter().all(|r| r["action"] != "fallback"),
        "{replies:?}"
    );
    assert_eq!(replies[replies.len() - 1]["action"], "booked");
    // With the model back the same question is an ordinary answer.
    fake.set_default(Step::text("We are insured, vetted and on time."));
    let healthy = spawn_app_with(llm_options(&fake)).await;
    let answered = say(&healthy, &start_session(&healthy).await, UNSERVED_QUESTION).await;
    assert_eq!(answered["action"], "answer", "{answered}");
}
