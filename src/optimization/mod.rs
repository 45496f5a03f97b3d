//! Operator control of LLM mode: spend and savings (`/api/optimization/*`), the
//! response cache (`/api/cache/*`) and reliability figures (`/api/reliability/metrics`).
//! Without an API key these report that LLM mode is off.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{AggregateReader, Operator};
use crate::chat::repository::{self as repository, ModelUsage};
use crate::error::{ok, ApiJson, ApiResult, AppError};
use crate::llm::budget::micros_to_usd as usd;
use crate::llm::budget::{usd_to_micros, BudgetLimits};
use crate::llm::router::Strategy;
use crate::llm::LlmService;
use crate::state::AppState;

/// Routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/optimization/metrics", get(get_optimization_metrics))
        .route("/optimization/budget", get(get_budget).put(update_budget))
        .route("/optimization/strategy", post(set_strategy))
        .route("/cache/stats", get(get_cache_stats))
        .route("/cache/clear", post(clear_cache))
        .route("/reliability/metrics", get(get_reliability_metrics))
}

/// LLM mode, for changes that only make sense with it; 409 `llm_disabled` without.
fn llm_of(state: &AppState) -> Result<&LlmService, AppError> {
    state.llm.as_deref().ok_or(AppError::Conflict {
        code: "llm_disabled",
        message: "LLM mode is off: set GROQ_API_KEY or LLM_API_KEY".to_owned(),
    })
}

async fn get_optimization_metrics(
    _reader: AggregateReader,
    State(state): State<AppState>,
) -> ApiResult {
    let usage = repository::usage_by_model(&state.db).await?;
    let (conversations, bookings) = repository::conversation_counts(&state.db).await?;
    let total_cost: i64 = usage.iter().map(|u| u.cost_micros).sum();
    let baseline_micros = all_balanced_baseline(&state, &usage);
    let (budget, strategy) = match state.llm.as_deref() {
        Some(llm) => (json!(llm.gateway.budget().view()), json!(llm.strategy())),
        None => (Value::Null, Value::Null),
    };
    let mut tiers = serde_json::Map::new();
    for tier in ["local", "fast", "balanced"] {
        let turns: i64 = usage
            .iter()
            .filter(|u| u.tier == tier)
            .map(|u| u.turns)
            .sum();
        tiers.insert(tier.to_owned(), json!(turns));
    }
    let per = |whole: i64, count: i64| {
        if count > 0 {
            usd(whole) / count as f64
        } else {
            0.0
        }
    };
    Ok(ok(json!({
        "llmEnabled": state.llm.is_some(),
        "strategy": strategy,
        "totalCostUsd": usd(total_cost),
        "tierMix": tiers,
        "byModel": usage.iter().map(|u| json!({
            "tier": u.tier, "model": u.model, "turns": u.turns,
            "inputTokens": u.input_tokens, "outputTokens": u.output_tokens, "costUsd": usd(u.cost_micros),
        })).collect::<Vec<_>>(),
        "conversations": conversations,
        "bookings": bookings,
        "costPerConversationUsd": per(total_cost, conversations),
        "costPerBookingUsd": per(total_cost, bookings),
        "allBalancedBaselineUsd": usd(baseline_micros),
        "savingsUsd": usd(baseline_micros - total_cost),
        "budget": budget,
    }))
    .into_response())
}

/// What the same tokens would have cost had every model turn used the balanced model;
/// turns that did use it count at their real cost. Zero without LLM mode.
fn all_balanced_baseline(state: &AppState, usage: &[ModelUsage]) -> i64 {
    let Some(llm) = state.llm.as_deref() else {
        return 0;
    };
    let balanced = llm.gateway.model_for(crate::llm::router::Tier::Balanced);
    usage
        .iter()
        .filter(|u| u.tier != "local")
        .map(|u| {
            if u.model == balanced {
                u.cost_micros
            } else {
                let tokens = |n: i64| u64::try_from(n).unwrap_or_default();
                let cost = llm.gateway.prices().cost_micros(
                    balanced,
                    tokens(u.input_tokens),
                    tokens(u.output_tokens),
                );
                i64::try_from(cost).unwrap_or(i64::MAX)
            }
        })
        .sum()
}

/// Savings of routing (against the all-balanced baseline) and of the cache, in USD.
pub async fn savings_usd(state: &AppState) -> Result<f64, sqlx::Error> {
    let usage = repository::usage_by_model(&state.db).await?;
    let spent: i64 = usage
        .iter()
        .filter(|u| u.tier != "local")
        .map(|u| u.cost_micros)
        .sum();
    let routing = usd(all_balanced_baseline(state, &usage) - spent);
    let cache = match state.llm.as_deref() {
        Some(llm) => llm.cache.stats().await.saved_usd,
        None => 0.0,
    };
    Ok(routing + cache)
}

async fn get_budget(_operator: Operator, State(state): State<AppState>) -> ApiResult {
    let mut view = match state.llm.as_deref() {
        Some(llm) => {
            let mut view = json!(llm.gateway.budget().view());
            view["strategy"] = json!(llm.strategy());
            view["llmEnabled"] = json!(true);
            view
        }
        // Without LLM mode nothing is spent; the configured limits still apply once it is on.
        None => json!({
            "llmEnabled": false,
            "dailyLimitUsd": state.config.llm.daily_budget_usd,
            "monthlyLimitUsd": state.config.llm.monthly_budget_usd,
            "perRequestLimitUsd": state.config.llm.per_request_budget_usd,
            "dailySpentUsd": 0.0,
            "monthlySpentUsd": 0.0,
            "strategy": state.config.llm.strategy,
        }),
    };
    view["maxInputTokens"] = json!(state.config.llm.max_input_tokens);
    view["maxOutputTokens"] = json!(state.config.llm.max_output_tokens);
    Ok(ok(view).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BudgetUpdate {
    daily_limit_usd: Option<f64>,
    monthly_limit_usd: Option<f64>,
    per_request_limit_usd: Option<f64>,
}

async fn update_budget(
    _operator: Operator,
    State(state): State<AppState>,
    ApiJson(update): ApiJson<BudgetUpdate>,
) -> ApiResult {
    let llm = llm_of(&state)?;
    let current = llm.gateway.budget().limits();
    let amount = |value: Option<f64>, field: &str, current: u64| -> Result<u64, AppError> {
        match value {
            None => Ok(current),
            Some(usd) => usd_to_micros(usd)
                .ok_or_else(|| AppError::validation(field, "must be a non-negative amount in USD")),
        }
    };
    let limits = BudgetLimits {
        daily_micros: amount(
            update.daily_limit_usd,
            "dailyLimitUsd",
            current.daily_micros,
        )?,
        monthly_micros: amount(
            update.monthly_limit_usd,
            "monthlyLimitUsd",
            current.monthly_micros,
        )?,
        per_request_micros: amount(
            update.per_request_limit_usd,
            "perRequestLimitUsd",
            current.per_request_micros,
        )?,
    };
    llm.set_limits(limits).await?;
    tracing::info!("budget limits changed by an operator");
    Ok(ok(llm.gateway.budget().view()).into_response())
}

#[derive(Deserialize)]
struct StrategyBody {
    strategy: String,
}

async fn set_strategy(
    _operator: Operator,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<StrategyBody>,
) -> ApiResult {
    let llm = llm_of(&state)?;
    let strategy: Strategy = body.strategy.parse().map_err(|_| {
        AppError::validation(
            "strategy",
            "must be cost_optimized, balanced or performance_optimized",
        )
    })?;
    llm.set_strategy(strategy).await?;
    Ok(ok(json!({ "strategy": strategy })).into_response())
}

async fn get_cache_stats(_operator: Operator, State(state): State<AppState>) -> ApiResult {
    match state.llm.as_deref() {
        Some(llm) => Ok(ok(llm.cache.stats().await).into_response()),
        None => Ok(ok(
            json!({ "enabled": false, "hits": 0, "misses": 0, "hitRatio": 0.0, "entries": 0,
            "evictions": 0, "savedUsd": 0.0 }),
        )
        .into_response()),
    }
}

async fn clear_cache(_operator: Operator, State(state): State<AppState>) -> ApiResult {
    let llm = llm_of(&state)?;
    llm.cache.clear();
    Ok(ok(json!({ "cleared": true })).into_response())
}

async fn get_reliability_metrics(
    _reader: AggregateReader,
    State(state): State<AppState>,
) -> ApiResult {
    let figures = match state.llm.as_deref() {
        Some(llm) => {
            let mut figures = llm.gateway.reliability();
            figures["llmEnabled"] = json!(true);
            figures
        }
        None => {
            json!({ "llmEnabled": false, "breakers": [], "note": "LLM mode is off; every turn uses the built-in engine" })
        }
    };
    Ok(ok(figures).into_response())
}
