//! LLM mode: the provider client, the gateway (retries, breakers, fallback chain,
//! budget), routing by tier, pricing and budgets. It never imports `chat`, `booking`
//! or `http`; the chat domain drives it.

pub mod breaker;
pub mod budget;
pub mod budget_store;
pub mod cache;
pub mod gateway;
pub mod pricing;
pub mod providers;
pub mod retry;
pub mod router;
pub mod settings;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;

use crate::clock::Clock;
use crate::config::Config;
use crate::observability::metrics::Metrics;
use crate::storage::Database;
use breaker::BreakerConfig;
use budget::{usd_to_micros, BudgetLimits};
use budget_store::{BudgetService, Ledger};
use cache::ResponseCache;
use gateway::{GatewaySettings, LlmGateway};
use pricing::PriceTable;
use providers::openai::OpenAiProvider;
use retry::RetryPolicy;
use router::Strategy;

/// LLM mode as the rest of the service sees it: the gateway, the shadow turns' gateway,
/// the response cache and the routing strategy (changed by operators, persisted).
pub struct LlmService {
    /// The customer's turns: the customer's budget, the service's metrics.
    pub gateway: LlmGateway,
    /// Shadow turns: the same provider and models, but a budget on the shadow ledger
    /// (`SHADOW_*_BUDGET_LIMIT`), breakers and a retry budget of its own, and a private
    /// metrics registry, so shadow calls never spend, trip or show up on the customer's.
    pub shadow_gateway: LlmGateway,
    /// The shadow gateway's budget, for the shadow status.
    shadow_budget: Arc<BudgetService>,
    pub cache: ResponseCache,
    strategy: RwLock<Strategy>,
    db: Database,
}

const STRATEGY_KEY: &str = "routing_strategy";
const BUDGET_KEY: &str = "budget_limits";

/// The shadow ledger's limits: its own day and month, the customer's per-request limit.
fn shadow_limits(config: &Config, customer: BudgetLimits) -> anyhow::Result<BudgetLimits> {
    let micros = |usd: f64, name: &str| {
        usd_to_micros(usd).with_context(|| format!("{name}: not a valid amount"))
    };
    Ok(BudgetLimits {
        daily_micros: micros(
            config.llm.shadow_daily_budget_usd,
            "SHADOW_DAILY_BUDGET_LIMIT",
        )?,
        monthly_micros: micros(
            config.llm.shadow_monthly_budget_usd,
            "SHADOW_MONTHLY_BUDGET_LIMIT",
        )?,
        per_request_micros: customer.per_request_micros,
    })
}

/// The budget limits in the configuration.
pub fn configured_limits(config: &Config) -> anyhow::Result<BudgetLimits> {
    let micros = |usd: f64, name: &str| {
        usd_to_micros(usd).with_context(|| format!("{name}: not a valid amount"))
    };
    Ok(BudgetLimits {
        daily_micros: micros(config.llm.daily_budget_usd, "DAILY_BUDGET_LIMIT")?,
        monthly_micros: micros(config.llm.monthly_budget_usd, "MONTHLY_BUDGET_LIMIT")?,
        per_request_micros: micros(
            config.llm.per_request_budget_usd,
            "PER_REQUEST_BUDGET_LIMIT",
        )?,
    })
}

impl LlmService {
    /// Builds LLM mode when an API key is configured; `None` otherwise.
    pub async fn build(
        config: &Config,
        db: Database,
        clock: Clock,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Option<Self>> {
        let llm = &config.llm;
        let Some(api_key) = llm.api_key.clone() else {
            return Ok(None);
        };
        let provider = OpenAiProvider::new(
            &llm.provider,
            &llm.base_url,
            api_key,
            Duration::from_millis(llm.timeout_ms),
        )
        .context("LLM HTTP client")?;
        let prices = match &llm.prices {
            Some(spec) => {
                PriceTable::parse_override(spec).map_err(|e| anyhow::anyhow!("LLM_PRICES: {e}"))?
            }
            None => PriceTable::default(),
        };
        let mut limits = configured_limits(config)?;
        if let Some(saved) = settings::get(&db, BUDGET_KEY).await? {
            if let Ok(saved) = serde_json::from_str::<SavedLimits>(&saved) {
                limits = BudgetLimits {
                    daily_micros: saved.daily_micros,
                    monthly_micros: saved.monthly_micros,
                    per_request_micros: saved.per_request_micros,
                };
            }
        }
        let tz = config.business_timezone;
        let shadow_budget = Arc::new(
            BudgetService::load(
                db.clone(),
                Ledger::Shadow,
                clock.clone(),
                tz,
                shadow_limits(config, limits)?,
            )
            .await?,
        );
        let budget =
            Arc::new(BudgetService::load(db.clone(), Ledger::Customer, clock, tz, limits).await?);
        let settings = GatewaySettings {
            fast_model: llm.fast_model.clone(),
            balanced_model: llm.balanced_model.clone(),
            call_timeout: Duration::from_millis(llm.timeout_ms),
            turn_deadline: Duration::from_millis(llm.turn_deadline_ms),
            max_output_tokens: llm.max_output_tokens,
            max_input_tokens: llm.max_input_tokens,
            breaker: BreakerConfig {
                window: llm.breaker_window,
                slow_call_ms: llm.slow_call_ms,
                open_ms: llm.breaker_open_ms,
                ..BreakerConfig::default()
            },
            retry: RetryPolicy {
                max_retries: llm.max_retries,
                ..RetryPolicy::default()
            },
        };
        let mut strategy: Strategy = llm.strategy.parse().unwrap_or_default();
        if let Some(saved) = settings::get(&db, STRATEGY_KEY).await? {
            strategy = saved.parse().unwrap_or(strategy);
        }
        // A registry nobody scrapes: the shadow gateway's counters stay out of /metrics
        // and the dashboard.
        let shadow_metrics = Arc::new(Metrics::new().context("shadow metrics registry")?);
        Ok(Some(Self {
            shadow_gateway: LlmGateway::new(
                provider.clone(),
                settings.clone(),
                prices.clone(),
                shadow_budget.clone(),
                shadow_metrics,
            ),
            shadow_budget,
            gateway: LlmGateway::new(provider, settings, prices, budget, metrics),
            cache: ResponseCache::new(
                llm.cache_enabled,
                llm.cache_max_entries,
                Duration::from_secs(llm.cache_ttl_secs),
            ),
            strategy: RwLock::new(strategy),
            db,
        }))
    }

    /// Cache (hits, misses).
    pub fn cache_counts(&self) -> (u64, u64) {
        self.cache.counts()
    }

    /// The routing strategy now.
    pub fn strategy(&self) -> Strategy {
        self.strategy.read().map(|s| *s).unwrap_or_default()
    }

    /// Changes and persists the routing strategy.
    pub async fn set_strategy(&self, strategy: Strategy) -> Result<(), sqlx::Error> {
        settings::put(&self.db, STRATEGY_KEY, strategy.as_str()).await?;
        if let Ok(mut current) = self.strategy.write() {
            *current = strategy;
        }
        Ok(())
    }

    /// The shadow ledger's budget.
    pub fn shadow_budget(&self) -> Arc<BudgetService> {
        self.shadow_budget.clone()
    }

    /// Changes and persists the customer's budget limits; the shadow ledger follows the
    /// per-request limit.
    pub async fn set_limits(&self, limits: BudgetLimits) -> Result<(), sqlx::Error> {
        let saved = SavedLimits {
            daily_micros: limits.daily_micros,
            monthly_micros: limits.monthly_micros,
            per_request_micros: limits.per_request_micros,
        };
        settings::put(
            &self.db,
            BUDGET_KEY,
            &serde_json::to_string(&saved).unwrap_or_default(),
        )
        .await?;
        self.gateway.budget().set_limits(limits);
        let shadow = self.shadow_budget.limits();
        self.shadow_budget.set_limits(BudgetLimits {
            per_request_micros: limits.per_request_micros,
            ..shadow
        });
        Ok(())
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedLimits {
    daily_micros: u64,
    monthly_micros: u64,
    per_request_micros: u64,
}
