//! `AppState`: the one handle every handler receives. One `Arc` around the service's
//! parts, so the router's several clones per request cost a reference count each;
//! built only in `startup`.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use crate::auth::TokenKeys;
use crate::booking::BookingService;
use crate::chat::ChatService;
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::dashboard::{DashboardCache, LlmFigures};
use crate::http::rate_limit::RateLimits;
use crate::observability::health::HealthStatus;
use crate::observability::metrics::Metrics;
use crate::observability::traffic::TrafficRecorder;
use crate::safety::incidents::IncidentLog;
use crate::safety::Scanner;
use crate::storage::Database;

/// Shared state of the running service; its parts are read through `Deref`.
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    /// Wraps the service's parts.
    pub fn new(parts: AppParts) -> Self {
        AppState(Arc::new(parts))
    }
}

impl Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The parts of the running service.
pub struct AppParts {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// SQLite pools.
    pub db: Database,
    /// The Prometheus registry and HTTP collectors.
    pub metrics: Arc<Metrics>,
    /// The source of "now" (system, fixed by `CLEANSPACE_CLOCK`, or manual in tests).
    pub clock: Clock,
    /// Operator token signing keys.
    pub token_keys: Arc<TokenKeys>,
    /// The operator password (configured, or generated at start in development).
    pub admin_password: Arc<Secret>,
    /// Per-client rate limiters.
    pub rate_limits: Arc<RateLimits>,
    /// Catalog, quotes, calendar and appointments.
    pub booking: BookingService,
    /// The safety scanner (compiled once).
    pub scanner: Arc<Scanner>,
    /// Safety incident log and aggregates.
    pub incidents: IncidentLog,
    /// LLM mode (gateway, cache, strategy); `None` without an API key.
    pub llm: Option<Arc<crate::llm::LlmService>>,
    /// The canary rollout of agent variants.
    pub canary: Arc<crate::experiments::CanaryService>,
    /// Shadow comparisons of agent variants.
    pub shadow: Arc<crate::experiments::ShadowService>,
    /// Chat sessions and the agent.
    pub chat: Arc<ChatService>,
    /// Last-hour request counts and latencies for the dashboard.
    pub traffic: Arc<TrafficRecorder>,
    /// The last computed dashboard, reused for two seconds.
    pub dashboard: Arc<DashboardCache>,
    /// When the service started, for uptime.
    pub started_at: Instant,
}

impl AppState {
    /// Health checks contributed by domains besides the database: (name, status, detail).
    pub fn extra_health_checks(&self) -> Vec<(&'static str, HealthStatus, Value)> {
        let llm = match self.llm.as_deref() {
            None => (
                HealthStatus::Healthy,
                serde_json::json!({ "status": "disabled", "message": "built-in engine only" }),
            ),
            Some(llm) if llm.gateway.any_breaker_open() => (
                HealthStatus::Degraded,
                serde_json::json!({ "status": "degraded", "message": "a circuit breaker is open; the built-in engine answers",
                    "breakers": llm.gateway.breakers() }),
            ),
            Some(llm) => (
                HealthStatus::Healthy,
                serde_json::json!({ "status": "healthy", "breakers": llm.gateway.breakers() }),
            ),
        };
        vec![("llm", llm.0, llm.1)]
    }

    /// Figures of the LLM layer for the dashboard (empty until it is configured).
    pub fn llm_figures(&self) -> LlmFigures {
        let Some(llm) = self.llm.as_deref() else {
            return LlmFigures {
                daily_limit_usd: self.config.llm.daily_budget_usd,
                monthly_limit_usd: self.config.llm.monthly_budget_usd,
                strategy: format!("{} (LLM off)", self.config.llm.strategy),
                ..LlmFigures::default()
            };
        };
        let breakers = llm.gateway.breakers();
        let budget = llm.gateway.budget().view();
        let reliability = llm.gateway.reliability();
        let cache = llm.cache_counts();
        LlmFigures {
            any_open: breakers
                .iter()
                .any(|b| b.snapshot.state == crate::llm::breaker::BreakerState::Open),
            any_half_open: breakers
                .iter()
                .any(|b| b.snapshot.state == crate::llm::breaker::BreakerState::HalfOpen),
            breakers: breakers
                .iter()
                .map(|b| {
                    serde_json::json!({ "provider": b.provider, "model": b.model,
                    "state": b.snapshot.state, "failureRate": b.snapshot.failure_rate })
                })
                .collect(),
            retries_since_start: reliability["retries"]["attempted"]
                .as_u64()
                .unwrap_or_default(),
            daily_limit_usd: budget.daily_limit_usd,
            daily_spent_usd: budget.daily_spent_usd,
            monthly_limit_usd: budget.monthly_limit_usd,
            monthly_spent_usd: budget.monthly_spent_usd,
            strategy: llm.strategy().as_str().to_owned(),
            cache_hits: cache.0,
            cache_misses: cache.1,
        }
    }

    /// The canary's state for the dashboard.
    pub fn canary_summary(&self) -> Value {
        self.canary.summary()
    }

    /// Updates gauges that are read from state rather than counted as events; called when
    /// `/metrics` is scraped.
    pub async fn refresh_gauges(&self) {
        if let Some(llm) = self.llm.as_deref() {
            llm.gateway.refresh_gauges();
        }
    }
}
