//! The operator dashboard's data: `GET /api/dashboard` (one JSON of six sections plus
//! bookings, canary and recommendations) and `GET /api/dashboard/timeseries`. Every
//! figure comes from the database or live counters; the aggregate is cached for two
//! seconds so many open dashboards cost one computation.

mod repository;
pub mod status;

use std::time::{Duration as StdDuration, Instant};

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::auth::AggregateReader;
use crate::error::{ok, ApiQuery, ApiResult, AppError};
use crate::llm::budget::micros_to_usd as usd;
use crate::state::AppState;
use crate::storage::db_time;
use status::{Light, Signals};

/// How long a computed dashboard is reused.
const CACHE_FOR: StdDuration = StdDuration::from_secs(2);

/// Dashboard routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(get_dashboard))
        .route("/dashboard/timeseries", get(get_timeseries))
}

/// The last computed dashboard; the lock also makes concurrent callers share one computation.
#[derive(Default)]
pub struct DashboardCache {
    last: Mutex<Option<(Instant, Value)>>,
}

/// Figures owned by the LLM layer (breakers, budget, cache); empty without one.
#[derive(Debug, Clone, Default)]
pub struct LlmFigures {
    pub breakers: Vec<Value>,
    pub any_open: bool,
    pub any_half_open: bool,
    pub retries_since_start: u64,
    pub daily_limit_usd: f64,
    pub daily_spent_usd: f64,
    pub monthly_limit_usd: f64,
    pub monthly_spent_usd: f64,
    pub strategy: String,
    pub cache_hits: u64,
    pub cache_misses: u64,
}

fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole
    } else {
        0.0
    }
}

/// Local midnight today and the first of the month, as UTC instants.
fn local_day_and_month_start(
    state: &AppState,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let tz = state.config.business_timezone;
    let today = now.with_timezone(&tz).date_naive();
    let start_of = |date: chrono::NaiveDate| {
        tz.from_local_datetime(&date.and_time(NaiveTime::MIN))
            .earliest()
            .map_or(now, |t| t.with_timezone(&Utc))
    };
    let month_first = today.with_day(1).unwrap_or(today);
    (start_of(today), start_of(month_first))
}

async fn get_dashboard(_reader: AggregateReader, State(state): State<AppState>) -> ApiResult {
    let mut cached = state.dashboard.last.lock().await;
    if let Some((at, value)) = cached.as_ref() {
        if at.elapsed() < CACHE_FOR {
            return Ok(ok(value.clone()).into_response());
        }
    }
    let value = compute(&state).await?;
    *cached = Some((Instant::now(), value.clone()));
    Ok(ok(value).into_response())
}

async fn compute(state: &AppState) -> Result<Value, AppError> {
    let now = state.clock.now();
    let (today_start, month_start) = local_day_and_month_start(state, now);
    let since_24h = db_time(now - Duration::hours(24));
    let since_1h = db_time(now - Duration::hours(1));
    let db = state.db.settled_reader().await?;
    let database_healthy = state.db.ping().await.is_ok();
    let bookings = repository::booking_figures(db, &db_time(today_start), &since_24h).await?;
    let turns = repository::turn_figures(
        db,
        &db_time(today_start),
        &db_time(month_start),
        &since_24h,
        &since_1h,
    )
    .await?;
    let safety = state.incidents.metrics().await?;
    let llm = state.llm_figures();
    let (requests, server_errors, latency) =
        state.traffic.hour_totals(now.timestamp().div_euclid(60));

    let error_rate = ratio(server_errors as f64, requests as f64);
    let block_rate = safety["blockRateLast24h"].as_f64().unwrap_or_default();
    let fallback_rate = ratio(
        turns.fallbacks_last_hour as f64,
        turns.turns_last_hour as f64,
    );
    let cost_per_booking = ratio(
        usd(turns.cost_24h_micros),
        bookings.chat_bookings_24h as f64,
    );
    let p95 = latency.quantile(0.95).unwrap_or_default();
    let daily_fraction = ratio(llm.daily_spent_usd, llm.daily_limit_usd);
    let monthly_fraction = ratio(llm.monthly_spent_usd, llm.monthly_limit_usd);
    let cache_lookups = llm.cache_hits + llm.cache_misses;
    let cache_hit_ratio = ratio(llm.cache_hits as f64, cache_lookups as f64);

    let lights = [
        status::system_light(database_healthy, error_rate),
        status::safety_light(block_rate),
        status::reliability_light(llm.any_open, llm.any_half_open, fallback_rate),
        status::cost_light(cost_per_booking),
        status::performance_light(p95),
        status::budget_light(daily_fraction, monthly_fraction),
    ];
    let overall = status::overall(&lights);
    let names = [
        "system",
        "safety",
        "reliability",
        "cost",
        "performance",
        "budget",
    ];
    let attention: Vec<&str> = names
        .iter()
        .zip(lights.iter())
        .filter(|(_, light)| **light != Light::Green)
        .map(|(name, _)| *name)
        .collect();
    let summary = if attention.is_empty() {
        format!(
            "All systems normal: {} requests and {} bookings in the last hour/day.",
            requests, bookings.last_24h
        )
    } else {
        format!("Needs attention: {}.", attention.join(", "))
    };
    let mix = |tier: &str| {
        turns
            .tier_mix
            .iter()
            .find(|(t, _)| t == tier)
            .map_or(0, |(_, n)| *n)
    };
    let top_categories: Vec<Value> = safety["byCategory"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|row| json!({ "category": row["category"], "count": row["last24h"] }))
                .collect()
        })
        .unwrap_or_default();
    let recommendations = status::recommendations(&Signals {
        cache_hit_ratio,
        cache_lookups,
        daily_fraction,
        monthly_fraction,
        fallback_rate,
        block_rate,
        p95_ms: p95,
        error_rate,
        any_breaker_open: llm.any_open,
        strategy: llm.strategy.clone(),
    });
    Ok(json!({
        "status": overall,
        "summary": summary,
        "generatedAt": db_time(now),
        "system": {
            "status": lights[0], "thresholds": status::SYSTEM_THRESHOLDS,
            "uptimeSeconds": state.started_at.elapsed().as_secs(),
            "version": env!("CARGO_PKG_VERSION"),
            "database": if database_healthy { "healthy" } else { "unhealthy" },
            "activeSessions": state.chat.live_sessions(),
            "requestsLastHour": requests,
            "errorRate": error_rate,
        },
        "safety": {
            "status": lights[1], "thresholds": status::SAFETY_THRESHOLDS,
            "incidentsLast24h": safety["incidentsLast24h"],
            "blockRate": block_rate,
            "blockedLast24h": safety["blockedLast24h"],
            "topCategories": top_categories,
        },
        "reliability": {
            "status": lights[2], "thresholds": status::RELIABILITY_THRESHOLDS,
            "breakers": llm.breakers,
            "fallbacksLastHour": turns.fallbacks_last_hour,
            "fallbackRate": fallback_rate,
            "retriesSinceStart": llm.retries_since_start,
        },
        "cost": {
            "status": lights[3], "thresholds": status::COST_THRESHOLDS,
            "todayUsd": usd(turns.cost_today_micros),
            "monthUsd": usd(turns.cost_month_micros),
            "costPerConversationUsd": ratio(usd(turns.cost_24h_micros), bookings.conversations_24h as f64),
            "costPerBookingUsd": cost_per_booking,
            "tierMix": { "local": mix("local"), "fast": mix("fast"), "balanced": mix("balanced") },
            "savingsUsd": crate::optimization::savings_usd(state).await?,
        },
        "performance": {
            "status": lights[4], "thresholds": status::PERFORMANCE_THRESHOLDS,
            "p50Ms": latency.quantile(0.5).unwrap_or_default(),
            "p95Ms": p95,
            "p99Ms": latency.quantile(0.99).unwrap_or_default(),
            "requestsPerMinute": requests as f64 / 60.0,
            "cacheHitRatio": cache_hit_ratio,
        },
        "budget": {
            "status": lights[5], "thresholds": status::BUDGET_THRESHOLDS,
            "dailyLimitUsd": llm.daily_limit_usd,
            "dailySpentUsd": llm.daily_spent_usd,
            "dailyFraction": daily_fraction,
            "monthlyLimitUsd": llm.monthly_limit_usd,
            "monthlySpentUsd": llm.monthly_spent_usd,
            "monthlyFraction": monthly_fraction,
            "strategy": llm.strategy,
        },
        "bookings": {
            "today": bookings.today,
            "last24h": bookings.last_24h,
            "conversations24h": bookings.conversations_24h,
            "conversionRate": ratio(bookings.chat_bookings_24h as f64, bookings.conversations_24h as f64),
        },
        "canary": state.canary_summary(),
        "recommendations": recommendations,
    }))
}

#[derive(Deserialize)]
struct SeriesQuery {
    window: Option<String>,
}

async fn get_timeseries(
    _reader: AggregateReader,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SeriesQuery>,
) -> ApiResult {
    if query.window.as_deref().is_some_and(|w| w != "1h") {
        return Err(AppError::validation("window", "only `1h` is supported"));
    }
    let now = state.clock.now();
    let this_minute = now.timestamp().div_euclid(60);
    let first = this_minute - 59;
    let since = DateTime::from_timestamp(first * 60, 0).unwrap_or(now);
    let series =
        repository::minute_series(state.db.settled_reader().await?, &db_time(since)).await?;
    let lookup = |rows: &[(String, i64)], key: &str| {
        rows.iter().find(|(m, _)| m == key).map_or(0, |(_, n)| *n)
    };
    let points: Vec<Value> = state
        .traffic
        .last_hour(this_minute)
        .into_iter()
        .map(|minute| {
            let at = DateTime::from_timestamp(minute.minute * 60, 0).unwrap_or(now);
            let key = at.format("%Y-%m-%dT%H:%M").to_string();
            json!({
                "minute": db_time(at),
                "requests": minute.requests,
                "p95Ms": minute.latency.quantile(0.95).unwrap_or_default(),
                "bookings": lookup(&series.bookings, &key),
                "costUsd": usd(lookup(&series.cost_micros, &key)),
                "blocks": lookup(&series.blocks, &key),
                "fallbacks": lookup(&series.fallbacks, &key),
            })
        })
        .collect();
    Ok(ok(json!({ "window": "1h", "points": points })).into_response())
}
