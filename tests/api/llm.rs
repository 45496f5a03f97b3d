//! LLM mode against the fake OpenAI-compatible server: tool-driven booking, exact cost
//! accounting, budgets that hold (also across a restart), the safe shared cache.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::booking::CLOCK;
use crate::fake_llm::{FakeLlm, Step};
use crate::helpers::{json, spawn_app_with, TestApp, TestOptions};

pub fn llm_options(fake: &FakeLlm) -> TestOptions {
    TestOptions::default()
        .var("CLEANSPACE_CLOCK", CLOCK)
        .var("CREWS", "4")
        .var("LLM_API_KEY", "test-key")
        .var("LLM_BASE_URL", fake.base_url.clone())
        .var("ROUTING_STRATEGY", "performance_optimized")
}

pub async fn start_session(app: &TestApp) -> String {
    let body = json(app.post_json("/api/chat/start", &json!({})).await).await;
    body["data"]["sessionId"].as_str().unwrap().to_owned()
}

pub async fn say(app: &TestApp, session: &str, message: &str) -> Value {
    let response = app
        .post_json(
            "/api/chat/message",
            &json!({ "sessionId": session, "message": message }),
        )
        .await;
    assert_eq!(response.status(), 200, "{message}");
    json(response).await["data"].clone()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.state.db.reader)
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
