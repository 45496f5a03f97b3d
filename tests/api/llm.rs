//! LLM mode against the fake OpenAI-compatible server: tool-driven booking, exact cost
//! accounting, budgets that hold (also across a restart), the safe shared cache.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::booking::{booking, CLOCK};
use crate::fake_llm::{FakeLlm, Step};
use crate::helpers::{json, say, spawn_app_with, start_session, TestApp, TestOptions};

pub fn llm_options(fake: &FakeLlm) -> TestOptions {
    TestOptions::default()
        .var("CLEANSPACE_CLOCK", CLOCK)
        .var("CREWS", "4")
        .var("LLM_API_KEY", "test-key")
        .var("LLM_BASE_URL", fake.base_url.clone())
        .var("ROUTING_STRATEGY", "performance_optimized")
}

/// A context-free question the router sends to a model: its answer may be cached.
const FAQ: &str = "What are your opening hours, and why do you not open on public holidays?";

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.state.db.settled_reader().await.unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_booking_is_driven_by_tool_calls() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    fake.push(Step::tool_call(
        "check_availability",
        json!({ "date": "2026-12-03", "serviceType": "deep", "squareFeet": 2000 }),
    ));
    fake.push(Step::text(
        "On Thursday we can come at 9:00, 9:30 or 10:00. Which would you like?",
    ));
    let first = say(
        &app,
        &session,
        "Could you explain what a deep clean includes and when you could come on Thursday for my 2000 sq ft house?",
    )
    .await;
    assert_eq!(first["action"], "propose_slots", "{first}");
    assert!(!first["slots"].as_array().unwrap().is_empty());
    assert_eq!(first["metadata"]["tier"], "balanced");

    fake.push(Step::tool_call(
        "book_appointment",
        json!({ "serviceType": "deep", "squareFeet": 2000, "date": "2026-12-03", "time": "09:00" }),
    ));
    fake.push(Step::text("All set! Your booking is confirmed."));
    let booked = say(
        &app,
        &session,
        "Yes please book 9:00 for me, I'm Ana Ruiz, phone 555-201-3344, address 12 Oak Street, Albany NY. \
         Could you also explain what I should prepare before the cleaners arrive, and why?",
    )
    .await;
    assert_eq!(booked["action"], "booked", "{booked}");
    assert_eq!(booked["appointment"]["time"], "09:00");
    assert_eq!(
        booked["appointment"]["phone"], "+15552013344",
        "contact details came from the customer, not the model"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM appointments WHERE source = 'chat'"
        )
        .await,
        1
    );
    // The model only ever saw redacted personal data.
    let sent = serde_json::to_string(&fake.requests()).unwrap();
    assert!(
        !sent.contains("555-201-3344") && !sent.contains("12 Oak Street"),
        "PII reached the provider"
    );
    assert!(sent.contains("[PHONE]"));
    // Every round offered the model the same six tools, each with its parameters' schema.
    let requests = fake.requests();
    assert_eq!(requests.len(), 4, "two rounds per turn");
    for request in requests {
        let tools = request["tools"].as_array().unwrap();
        let names: Vec<&str> = tools
            .iter()
            .map(|tool| tool["function"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "list_services",
                "get_quote",
                "check_availability",
                "book_appointment",
                "reschedule_appointment",
                "cancel_appointment"
            ]
        );
        assert!(tools
            .iter()
            .all(|tool| tool["function"]["parameters"]["type"] == "object"));
    }
}

#[tokio::test]
async fn cost_is_recorded_exactly_from_usage() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    fake.push(
        Step::text("We use eco-friendly products on request; it adds $30.").with_usage(1000, 500),
    );
    let reply = say(
        &app,
        &session,
        "Why would I choose eco products and how do they compare with your usual ones?",
    )
    .await;
    assert_eq!(reply["metadata"]["model"], "llama-3.3-70b-versatile");
    // 1000 × $0.59/M + 500 × $0.79/M = $0.000985
    assert_eq!(reply["metadata"]["costUsd"], 0.000985);
    assert_eq!(reply["metadata"]["tokens"], 1500);
    assert_eq!(
        scalar(&app, "SELECT SUM(cost_micros) FROM messages").await,
        985
    );
    assert_eq!(
        scalar(&app, "SELECT cost_micros FROM conversations").await,
        985
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT spent_micros FROM llm_spend WHERE period LIKE 'day:%'"
        )
        .await,
        985
    );
}

#[tokio::test]
async fn a_spent_budget_falls_back_to_the_built_in_engine_even_after_a_restart() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::text("Happy to help with that.").with_usage(2000, 400));
    let options = || {
        llm_options(&fake)
            .var("DAILY_BUDGET_LIMIT", "0.0018")
            .var("PER_REQUEST_BUDGET_LIMIT", "0.0018")
    };
    let mut app = spawn_app_with(options()).await;
    let session = start_session(&app).await;
    let question = "Could you explain how your deep cleaning differs from the standard one and why it costs more?";
    let first = say(&app, &session, question).await;
    assert_eq!(first["metadata"]["tier"], "balanced", "{first}");
    // 2000 × 0.59 + 400 × 0.79 = 1496 µ$ spent; the next estimate does not fit in 1800 µ$.
    let calls = fake.calls();
    let second = say(
        &app,
        &session,
        "And how do you compare with other companies, why should I pick you?",
    )
    .await;
    assert_eq!(second["metadata"]["tier"], "local", "{second}");
    assert_eq!(
        fake.calls(),
        calls,
        "no upstream call once the budget is spent"
    );
    assert_ne!(second["action"], "blocked");

    let database = app.state.config.database_url.clone();
    app.stop().await;
    let restarted = spawn_app_with(options().var("DATABASE_URL", database)).await;
    let session = start_session(&restarted).await;
    let third = say(&restarted, &session, question).await;
    assert_eq!(
        third["metadata"]["tier"], "local",
        "a restart does not reset spend: {third}"
    );
    assert_eq!(fake.calls(), calls);
}

#[tokio::test]
async fn two_hundred_concurrent_calls_never_overspend_by_more_than_one_request() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(
        Step::text("Here is what I can tell you.")
            .with_usage(400, 100)
            .delayed(20),
    );
    // Each call costs 400 × 0.59 + 100 × 0.79 = 315 µ$: the limit has room for 10.
    let app = spawn_app_with(
        llm_options(&fake)
            .var("DAILY_BUDGET_LIMIT", "0.00315")
            .var("PER_REQUEST_BUDGET_LIMIT", "0.01"),
    )
    .await;
    let mut sessions = Vec::new();
    for _ in 0..200 {
        sessions.push(start_session(&app).await);
    }
    let turns = sessions.iter().enumerate().map(|(i, session)| {
        let app = &app;
        async move {
            say(app, session, &format!("Could you explain, question {i}, why deep cleaning takes longer than standard?")).await
        }
    });
    let replies = join_all(turns).await;
    assert!(replies.iter().all(|r| r["action"] != "blocked"));
    let spent = scalar(
        &app,
        "SELECT spent_micros FROM llm_spend WHERE period LIKE 'day:%'",
    )
    .await;
    println!(
        "spent {spent} µ$ against a 3150 µ$ limit in {} upstream calls",
        fake.calls()
    );
    assert!(spent <= 3_150 + 315, "overspent: {spent}");
    assert!(fake.calls() <= 11, "{} calls", fake.calls());
    assert!(fake.calls() >= 1);
    // Every refused turn was still answered, by the built-in engine.
    assert_eq!(
        replies
            .iter()
            .filter(|r| r["metadata"]["tier"] == "local")
            .count(),
        200 - fake.calls()
    );
}

#[tokio::test]
async fn two_sessions_share_a_cached_faq_but_a_turn_with_a_phone_is_never_cached() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(
        Step::text("We're open Monday to Friday 9 to 5 and Saturday 10 to 3.").with_usage(300, 40),
    );
    let app = spawn_app_with(llm_options(&fake)).await;
    let question = "What are your opening hours, and why do you not open on public holidays?";
    let a = start_session(&app).await;
    let first = say(&app, &a, question).await;
    assert_eq!(first["metadata"]["cached"], false);
    assert_eq!(fake.calls(), 1);
    // A context-free question is asked without tools: no `tools` key at all.
    assert!(
        fake.requests()[0].get("tools").is_none(),
        "{}",
        fake.requests()[0]
    );
    let b = start_session(&app).await;
    let second = say(&app, &b, question).await;
    assert_eq!(second["metadata"]["cached"], true, "{second}");
    assert_eq!(second["message"], first["message"]);
    assert_eq!(second["metadata"]["costUsd"], 0.0);
    assert_eq!(
        fake.calls(),
        1,
        "the second session was served from the cache"
    );

    let with_phone =
        "Why do you not open on public holidays? Please call me back on 555-201-3344 to explain.";
    for session in [&a, &b] {
        let reply = say(&app, session, with_phone).await;
        assert_eq!(reply["metadata"]["cached"], false);
    }
    assert_eq!(
        fake.calls(),
        3,
        "turns with a phone number always go upstream"
    );
    let token = app.operator_token().await;
    let stats = app
        .client
        .get(app.url("/api/cache/stats"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let stats = json(stats).await["data"].clone();
    assert_eq!(stats["hits"], 1);
    assert_eq!(stats["entries"], 1);
    let cleared = app
        .client
        .post(app.url("/api/cache/clear"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 200);
    assert_eq!(cache_stats(&app, &token).await["entries"], 0);
    let after_clear = say(&app, &start_session(&app).await, question).await;
    assert_eq!(after_clear["metadata"]["cached"], false);
    assert_eq!(fake.calls(), 4, "a cleared entry is asked again");
}

#[tokio::test]
async fn fifty_identical_concurrent_questions_make_one_upstream_call() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::text("Our prices start at $60 per hour.").delayed(300));
    let app = spawn_app_with(llm_options(&fake)).await;
    let mut sessions = Vec::new();
    for _ in 0..50 {
        sessions.push(start_session(&app).await);
    }
    let question =
        "How do your prices compare with other companies, and why do you charge by the hour?";
    let replies = join_all(sessions.iter().map(|s| say(&app, s, question))).await;
    assert!(replies
        .iter()
        .all(|r| r["message"] == "Our prices start at $60 per hour."));
    assert_eq!(fake.calls(), 1);
}

#[tokio::test]
async fn operators_set_the_strategy_and_budget_and_see_savings() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::text("Sure.").with_usage(1000, 100));
    let app = spawn_app_with(llm_options(&fake).var("ROUTING_STRATEGY", "balanced")).await;
    let token = app.operator_token().await;
    let session = start_session(&app).await;
    say(
        &app,
        &session,
        "Can you explain the difference between your services in a few words?",
    )
    .await;
    say(&app, &session, "yes").await;
    let metrics = json(app.get("/api/optimization/metrics").await).await["data"].clone();
    assert_eq!(metrics["strategy"], "balanced");
    let tiers = &metrics["tierMix"];
    assert_eq!(
        tiers["local"].as_i64().unwrap()
            + tiers["fast"].as_i64().unwrap()
            + tiers["balanced"].as_i64().unwrap(),
        2
    );
    assert!(metrics["totalCostUsd"].as_f64().unwrap() > 0.0);
    assert!(
        metrics["savingsUsd"].as_f64().unwrap() > 0.0,
        "the fast tier saved money: {metrics}"
    );
    let dashboard = json(app.get("/api/dashboard").await).await["data"].clone();
    assert_eq!(
        dashboard["cost"]["savingsUsd"], metrics["savingsUsd"],
        "one computation of savings"
    );

    let bad = app
        .client
        .post(app.url("/api/optimization/strategy"))
        .bearer_auth(&token)
        .json(&json!({ "strategy": "cheapest" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let set = app
        .client
        .post(app.url("/api/optimization/strategy"))
        .bearer_auth(&token)
        .json(&json!({ "strategy": "cost_optimized" }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let budget = app
        .client
        .put(app.url("/api/optimization/budget"))
        .bearer_auth(&token)
        .json(&json!({ "dailyLimitUsd": 5.5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(json(budget).await["data"]["dailyLimitUsd"], 5.5);
    let view = app
        .client
        .get(app.url("/api/optimization/budget"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let view = json(view).await["data"].clone();
    assert_eq!(view["strategy"], "cost_optimized");
    assert_eq!(view["dailyLimitUsd"], 5.5);
    assert_eq!(
        app.client
            .get(app.url("/api/optimization/budget"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test]
async fn malformed_tool_calls_get_one_repair_turn_then_the_built_in_engine_answers() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    // Repaired: a bad call, then a good answer.
    fake.push(Step::tool_call("teleport_cleaner", json!({})));
    fake.push(Step::text(
        "Deep cleaning covers baseboards, inside appliances and grout.",
    ));
    let repaired = say(
        &app,
        &session,
        "Could you explain what a deep clean covers and why it takes longer?",
    )
    .await;
    assert_eq!(
        repaired["message"],
        "Deep cleaning covers baseboards, inside appliances and grout."
    );
    let repair_request = &fake.requests()[1];
    assert!(
        repair_request.to_string().contains("malformed_tool_call"),
        "the model was told what was wrong"
    );
    // Not repaired: two bad calls in a row end with the built-in engine.
    fake.push(Step::tool_call("get_quote", json!("not an object")));
    fake.push(Step::tool_call("no_such_tool", json!({})));
    let fallback = say(
        &app,
        &session,
        "And how do you compare with other companies, why should I pick you?",
    )
    .await;
    assert_eq!(fallback["metadata"]["tier"], "local", "{fallback}");
    assert_ne!(fallback["message"], "");
}

async fn cache_stats(app: &TestApp, token: &str) -> Value {
    let stats = app
        .client
        .get(app.url("/api/cache/stats"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    json(stats).await["data"].clone()
}

async fn operator_get(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    json(response).await["data"].clone()
}

/// (date, time) of a booking, as its customer sees it.
async fn appointment_slot(app: &TestApp, reference: &str) -> (String, String) {
    let path = format!("/api/appointments/{reference}?contact=555-201-3344");
    let data = json(app.get(&path).await).await["data"].clone();
    (
        data["date"].as_str().unwrap().to_owned(),
        data["time"].as_str().unwrap().to_owned(),
    )
}

/// The tool results the model was sent in the last request, parsed.
fn last_tool_results(fake: &FakeLlm) -> Vec<Value> {
    let requests = fake.requests();
    let last = requests.last().unwrap();
    last["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| serde_json::from_str(m["content"].as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn metrics_show_the_spend_and_the_llm_counters_after_a_costed_turn() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::text("We're open Monday to Friday 9 to 5.").with_usage(1000, 500));
    let app = spawn_app_with(llm_options(&fake)).await;
    let first = say(&app, &start_session(&app).await, FAQ).await;
    assert_eq!(first["metadata"]["costUsd"], 0.000985);
    let second = say(&app, &start_session(&app).await, FAQ).await;
    assert_eq!(second["metadata"]["cached"], true);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for line in [
        // 1000 × $0.59/M + 500 × $0.79/M, once: the hit cost nothing.
        r#"budget_spend_usd{window="day"} 0.000985"#,
        r#"budget_spend_usd{window="month"} 0.000985"#,
        r#"llm_requests_total{model="llama-3.3-70b-versatile",outcome="success",provider="groq",tier="balanced"} 1"#,
        r#"llm_tokens_total{direction="input"} 1000"#,
        r#"llm_tokens_total{direction="output"} 500"#,
        "llm_cost_usd_total 0.000985",
        r#"llm_cache_requests_total{result="miss"} 1"#,
        r#"llm_cache_requests_total{result="hit"} 1"#,
        r#"circuit_breaker_state{model="llama-3.1-8b-instant",provider="groq"} 0"#,
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} missing from\n{metrics}"
        );
    }
}

#[tokio::test]
async fn crossing_eighty_percent_of_the_daily_budget_raises_the_alert() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake).var("DAILY_BUDGET_LIMIT", "0.02")).await;
    let token = app.operator_token().await;
    let session = start_session(&app).await;
    // Balanced input tokens cost 0.59 µ$ each: 590 + 11 800 µ$.
    fake.push(
        Step::tool_call(
            "check_availability",
            json!({ "date": "2026-12-03", "serviceType": "deep", "squareFeet": 2000 }),
        )
        .with_usage(1_000, 0),
    );
    fake.push(Step::text("On Thursday we can come at 9:00.").with_usage(20_000, 0));
    say(
        &app,
        &session,
        "Could you explain what a deep clean includes and when you could come on Thursday for my 2000 sq ft house?",
    )
    .await;
    let budget = operator_get(&app, &token, "/api/optimization/budget").await;
    assert_eq!(budget["alerts"], json!([]), "62 % is below the alert");
    // 590 + 3 068 µ$ more: 16 048 of 20 000 µ$ spent, past 80 %.
    fake.push(
        Step::tool_call(
            "book_appointment",
            json!({ "serviceType": "deep", "squareFeet": 2000, "date": "2026-12-03", "time": "09:00" }),
        )
        .with_usage(1_000, 0),
    );
    fake.push(Step::text("All set! Your booking is confirmed.").with_usage(5_200, 0));
    let booked = say(
        &app,
        &session,
        "Yes please book 9:00 for me, I'm Ana Ruiz, phone 555-201-3344, address 12 Oak Street, Albany NY. \
         Could you also explain what I should prepare before the cleaners arrive, and why?",
    )
    .await;
    assert_eq!(booked["action"], "booked", "{booked}");
    let budget = operator_get(&app, &token, "/api/optimization/budget").await;
    assert_eq!(budget["dailySpentUsd"], 0.016048);
    assert_eq!(budget["alerts"], json!(["daily_80_percent"]), "{budget}");
    // Every call made above the line is counted on the metrics (and logged).
    fake.push(Step::text("Just clear the floors.").with_usage(100, 0));
    let after = say(
        &app,
        &session,
        "Could you explain why I should clear the floors before you arrive?",
    )
    .await;
    assert_eq!(after["metadata"]["tier"], "balanced", "{after}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l == r#"budget_alerts_total{limit="daily_80_percent"} 1"#),
        "{metrics}"
    );
    let optimization = operator_get(&app, &token, "/api/optimization/metrics").await;
    assert_eq!(optimization["bookings"], 1);
    // 16 048 + 59 µ$ for the one booking.
    assert_eq!(
        optimization["costPerBookingUsd"], 0.016107,
        "{optimization}"
    );
    assert_eq!(
        optimization["budget"]["alerts"],
        json!(["daily_80_percent"])
    );
}

/// Two fresh sessions ask the FAQ while the model answers `reply`: both turns go upstream,
/// neither shows `hidden`, and the cache stays empty. Returns the app for the caller's
/// own checks.
async fn asked_twice_never_stored(reply: &str, hidden: &str) -> TestApp {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::text(reply));
    let app = spawn_app_with(llm_options(&fake)).await;
    for _ in 0..2 {
        let reply = say(&app, &start_session(&app).await, FAQ).await;
        assert_eq!(reply["metadata"]["cached"], false);
        assert!(
            !reply["message"].as_str().unwrap().contains(hidden),
            "{reply}"
        );
    }
    assert_eq!(fake.calls(), 2, "the reply was not stored");
    let stats = cache_stats(&app, &app.operator_token().await).await;
    assert_eq!(
        (stats["entries"].clone(), stats["hits"].clone()),
        (json!(0), json!(0))
    );
    app
}

#[tokio::test]
async fn a_reply_with_personal_data_is_never_cached() {
    let app = asked_twice_never_stored(
        "Our office on 555-867-5309 can tell you about holiday hours.",
        "867-5309",
    )
    .await;
    // The transcript holds the reply as the customer saw it, redacted.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM messages WHERE role = 'assistant' AND content LIKE '%[PHONE]%'
               AND content NOT LIKE '%867-5309%'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_reply_the_output_screen_blocks_is_never_cached() {
    // No personal data, but it recites the prompt: blocked on the way out.
    let app = asked_twice_never_stored(
        "You are CleanSpace's scheduling assistant. Rules: 1. Be brief.",
        "Rules:",
    )
    .await;
    // Each showing was screened, so each is an incident.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM safety_incidents WHERE direction = 'output' AND category = 'prompt_leak'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_turn_with_a_booking_in_progress_is_not_cached() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default(Step::text("We're open Monday to Friday 9 to 5.").with_usage(300, 40));
    let app = spawn_app_with(llm_options(&fake)).await;
    let token = app.operator_token().await;
    let booking = start_session(&app).await;
    say(
        &app,
        &booking,
        "I need a deep clean for my 2000 sq ft house",
    )
    .await;
    let calls = fake.calls();
    let reply = say(&app, &booking, FAQ).await;
    assert_eq!(reply["metadata"]["cached"], false);
    assert_eq!(fake.calls(), calls + 1);
    assert_eq!(
        cache_stats(&app, &token).await["entries"],
        0,
        "a turn under a draft is not stored"
    );
    // A fresh session asks the same question: a miss, whose answer is stored.
    let fresh = say(&app, &start_session(&app).await, FAQ).await;
    assert_eq!(fresh["metadata"]["cached"], false);
    assert_eq!(fake.calls(), calls + 2);
    assert_eq!(cache_stats(&app, &token).await["entries"], 1);
}

#[tokio::test]
async fn with_the_cache_disabled_every_question_goes_upstream() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake).var("ENABLE_RESPONSE_CACHE", "false")).await;
    for _ in 0..2 {
        let reply = say(&app, &start_session(&app).await, FAQ).await;
        assert_eq!(reply["metadata"]["cached"], false);
    }
    assert_eq!(fake.calls(), 2);
    let stats = cache_stats(&app, &app.operator_token().await).await;
    assert_eq!(stats["enabled"], false);
    assert_eq!(
        (stats["entries"].clone(), stats["hits"].clone()),
        (json!(0), json!(0))
    );
}

#[tokio::test]
async fn a_cached_answer_expires_after_its_ttl() {
    let fake = FakeLlm::start().await.unwrap();
    // 3 s, so the second turn lands well inside it even on a slow, loaded machine.
    let app = spawn_app_with(llm_options(&fake).var("CACHE_TTL", "3")).await;
    say(&app, &start_session(&app).await, FAQ).await;
    let hit = say(&app, &start_session(&app).await, FAQ).await;
    assert_eq!(hit["metadata"]["cached"], true);
    // moka keeps its own monotonic clock, so the TTL is waited out for real.
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    let expired = say(&app, &start_session(&app).await, FAQ).await;
    assert_eq!(expired["metadata"]["cached"], false);
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn reschedule_and_cancel_are_driven_by_tool_calls() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake)).await;
    let created = app
        .post_json("/api/appointments", &booking("2026-12-03", "09:00"))
        .await;
    assert_eq!(created.status(), 201);
    let reference = json(created).await["data"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = start_session(&app).await;
    fake.push(Step::tool_call(
        "reschedule_appointment",
        json!({ "reference": reference, "date": "2026-12-04", "time": "11:00" }),
    ));
    fake.push(Step::text("Done, see you on Friday at 11:00."));
    let moved = say(
        &app,
        &session,
        &format!("Could you move {reference} to Friday at 11, and explain why you need my phone? It is 555-201-3344."),
    )
    .await;
    assert_eq!(moved["action"], "rescheduled", "{moved}");
    assert_eq!(moved["appointment"]["time"], "11:00");
    let stored = appointment_slot(&app, &reference).await;
    assert_eq!(stored, ("2026-12-04".to_owned(), "11:00".to_owned()));

    fake.push(Step::tool_call(
        "cancel_appointment",
        json!({ "reference": reference, "reason": "travelling" }),
    ));
    fake.push(Step::text("Your booking is cancelled."));
    let cancelled = say(
        &app,
        &session,
        &format!("Actually please cancel {reference}, and could you explain why there is no fee?"),
    )
    .await;
    assert_eq!(cancelled["action"], "cancelled", "{cancelled}");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM appointments WHERE status = 'cancelled'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_catalog_and_quotes_are_driven_by_tool_calls() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    fake.push(Step::tool_call("list_services", json!({})));
    fake.push(Step::tool_call(
        "get_quote",
        json!({ "serviceType": "deep", "squareFeet": 2000, "addOns": ["inside_oven"] }),
    ));
    fake.push(Step::text(
        "A deep clean of 2,000 sq ft with the oven is quoted below.",
    ));
    let reply = say(
        &app,
        &session,
        "For my 2000 sq ft house, could you explain which services you offer and what a deep clean would cost?",
    )
    .await;
    assert_eq!(reply["action"], "quote", "{reply}");
    assert_eq!(reply["quote"]["serviceType"], "deep", "{reply}");
    let results = last_tool_results(&fake);
    assert_eq!(results.len(), 2, "{results:?}");
    let catalog = results[0].as_array().unwrap();
    assert!(catalog.iter().any(|s| s["code"] == "deep"), "{catalog:?}");
    assert_eq!(results[1]["total"], reply["quote"]["total"]);
}

#[tokio::test]
async fn invalid_tool_arguments_name_the_field_and_book_nothing() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    let job = |date: &str, time: &str| json!({ "serviceType": "deep", "squareFeet": 2000, "date": date, "time": time });
    fake.push(Step::tool_call(
        "book_appointment",
        job("2026-02-30", "09:00"),
    ));
    fake.push(Step::tool_call(
        "book_appointment",
        job("2026-12-03", "09:10"),
    ));
    fake.push(Step::text("Sorry, which date and time would suit you?"));
    say(
        &app,
        &session,
        "Book a deep clean for my 2000 sq ft house, I'm Ana Ruiz, phone 555-201-3344, address 12 Oak Street, Albany NY. \
         Could you explain why you need the address?",
    )
    .await;
    let results = last_tool_results(&fake);
    let fields: Vec<&Value> = results.iter().map(|r| &r["field"]).collect();
    assert_eq!(fields, [&json!("date"), &json!("time")], "{results:?}");
    assert!(results.iter().all(|r| r["error"] == "invalid_field"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM appointments").await, 0);

    // The same checks guard a reschedule: the booking stays where it was.
    let created = app
        .post_json("/api/appointments", &booking("2026-12-03", "09:00"))
        .await;
    let reference = json(created).await["data"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    fake.push(Step::tool_call(
        "reschedule_appointment",
        json!({ "reference": reference, "date": "2026-12-04", "time": "11:15" }),
    ));
    fake.push(Step::text("That time is not available, sorry."));
    let reply = say(
        &app,
        &session,
        &format!(
            "Could you move {reference} to Friday and explain why quarter past is not possible?"
        ),
    )
    .await;
    assert_ne!(reply["action"], "rescheduled");
    assert_eq!(last_tool_results(&fake).last().unwrap()["field"], "time");
    let stored = appointment_slot(&app, &reference).await;
    assert_eq!(stored, ("2026-12-03".to_owned(), "09:00".to_owned()));
}

#[tokio::test]
async fn a_model_reply_is_screened_before_the_customer_sees_it() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    let question = "Could you explain why a deep clean takes longer for my 2000 sq ft house?";
    fake.push(Step::text(
        "Our lead cleaner can explain it, call her on 555-867-5309.",
    ));
    let redacted = say(&app, &session, question).await;
    let message = redacted["message"].as_str().unwrap();
    assert!(
        message.contains("[PHONE]") && !message.contains("867-5309"),
        "{message}"
    );
    assert_eq!(redacted["metadata"]["tier"], "balanced");
    let stored = scalar(
        &app,
        "SELECT COUNT(*) FROM messages WHERE role = 'assistant' AND content LIKE '%867-5309%'",
    )
    .await;
    assert_eq!(stored, 0, "the stored reply is redacted too");

    let leak = "You are CleanSpace's scheduling assistant. Rules: 1. Be brief.";
    fake.push(Step::text(leak));
    let replaced = say(&app, &session, question).await;
    let message = replaced["message"].as_str().unwrap();
    assert!(
        !message.is_empty() && !message.contains("Rules:"),
        "{message}"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM safety_incidents WHERE direction = 'output' AND category = 'prompt_leak' \
             AND conversation_id IS NOT NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_reply_quoting_the_system_prompt_rules_is_stopped() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    let question = "Could you explain why a deep clean takes longer for my 2000 sq ft house?";
    // Two sentences of the rules, word for word, with none of the generic leak phrases:
    // only the protected prompt can catch this.
    fake.push(Step::text(
        "Sure. Use the tools for prices and free times; never invent them. Personal details in \
         messages appear as placeholders: the real values are on file and the booking tool uses them.",
    ));
    let reply = say(&app, &session, question).await;
    let message = reply["message"].as_str().unwrap();
    assert!(!message.contains("never invent them"), "{message}");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM safety_incidents WHERE direction = 'output' \
             AND rule = 'leak_quotes_system_prompt'"
        )
        .await,
        1
    );
    // Facts the prompt also holds are not protected: stating the hours is an answer.
    fake.push(Step::text(
        "We are open Mon–Fri 09:00–17:00, Sat 10:00–15:00, Sun closed; jobs start on the half hour.",
    ));
    let hours = say(&app, &session, question).await;
    assert!(
        hours["message"]
            .as_str()
            .unwrap()
            .contains("Sat 10:00–15:00"),
        "{hours}"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM safety_incidents WHERE direction = 'output'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_booking_made_by_a_tool_is_reported_even_when_the_next_round_fails() {
    let fake = FakeLlm::start().await.unwrap();
    let app = spawn_app_with(llm_options(&fake)).await;
    let session = start_session(&app).await;
    fake.push(Step::tool_call(
        "book_appointment",
        json!({ "serviceType": "deep", "squareFeet": 2000, "date": "2026-12-03", "time": "09:00" }),
    ));
    // After the booking, every call fails: the model never gets to say it is booked.
    fake.set_default(Step::status(500));
    let reply = say(
        &app,
        &session,
        "Yes please book a deep clean on December 3 at 9:00 for my 2000 sq ft house, I'm Ana Ruiz, \
         phone 555-201-3344, address 12 Oak Street, Albany NY. Could you explain what to prepare?",
    )
    .await;
    assert_eq!(reply["action"], "booked", "{reply}");
    let reference = reply["appointment"]["reference"].as_str().unwrap();
    assert!(
        reply["message"].as_str().unwrap().contains(reference),
        "{reply}"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM appointments").await,
        1,
        "booked once"
    );
}
