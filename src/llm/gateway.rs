//! The gateway: the one place that calls the provider, retries, consults the circuit
//! breakers and the budget. A call walks the fallback chain chosen tier → other tier;
//! when both fail the caller answers with the built-in engine.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::breaker::{BreakerConfig, BreakerSnapshot, CallOutcome, CircuitBreaker};
use super::budget_store::BudgetService;
use super::pricing::{estimate_tokens, PriceTable};
use super::providers::openai::{
    ChatMessage, ChatRequest, Completion, OpenAiProvider, ProviderError,
};
use super::retry::{ErrorClass, RetryBudget, RetryBudgetConfig, RetryPolicy};
use super::router::Tier;
use crate::observability::metrics::Metrics;
use crate::observability::traffic::LatencyHistogram;

/// What to ask, independent of the model.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub messages: Vec<ChatMessage>,
    pub tools: &'static Tools,
    pub temperature: f32,
}

/// The tool definitions offered to the model, with their size in estimated input tokens
/// worked out once: they are the same on every call.
#[derive(Debug)]
pub struct Tools {
    definitions: Vec<Value>,
    estimated_tokens: u64,
}

/// No tools: the model can only answer in text.
pub static NO_TOOLS: Tools = Tools {
    definitions: Vec::new(),
    estimated_tokens: 0,
};

impl Tools {
    /// Tools from their JSON definitions (OpenAI's `{"type": "function", ...}` shape).
    pub fn new(definitions: Vec<Value>) -> Tools {
        let estimated_tokens = definitions
            .iter()
            .map(|t| estimate_tokens(&t.to_string()))
            .sum();
        Tools {
            definitions,
            estimated_tokens,
        }
    }

    /// The definitions as sent.
    pub fn definitions(&self) -> &[Value] {
        &self.definitions
    }
}

/// A successful call.
#[derive(Debug, Clone)]
pub struct Answer {
    pub completion: Completion,
    pub tier: Tier,
    pub model: String,
    pub cost_micros: u64,
    pub latency_ms: f64,
}

/// Why no model answered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    #[error("the LLM budget is spent ({0})")]
    Budget(&'static str),
    #[error("no model available ({0})")]
    Unavailable(ErrorClass),
}

impl GatewayError {
    /// The fallback reason for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            GatewayError::Budget(_) => "budget",
            GatewayError::Unavailable(class) => class.as_str(),
        }
    }
}

/// Counters behind `/api/reliability/metrics`.
#[derive(Debug, Default)]
struct Stats {
    calls: u64,
    successes: u64,
    errors_by_class: HashMap<&'static str, u64>,
    retries_attempted: u64,
    retries_succeeded: u64,
    retries_denied_by_budget: u64,
    rejected_by_breaker: u64,
    fallbacks_by_reason: HashMap<&'static str, u64>,
    latency: LatencyHistogram,
}

/// One call of the gateway across the fallback chain.
struct LogicalCall {
    deadline: Instant,
    /// Whether a request of this call has been sent to the provider; the breaker, the budget
    /// and the deadline can refuse before any is.
    reached_provider: bool,
}

/// Gateway settings.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    pub fast_model: String,
    pub balanced_model: String,
    pub call_timeout: Duration,
    pub turn_deadline: Duration,
    pub max_output_tokens: u32,
    pub max_input_tokens: u32,
    pub breaker: BreakerConfig,
    pub retry: RetryPolicy,
}

/// The LLM gateway.
pub struct LlmGateway {
    provider: OpenAiProvider,
    settings: GatewaySettings,
    breakers: HashMap<String, Mutex<CircuitBreaker>>,
    retry_budget: Mutex<RetryBudget>,
    prices: PriceTable,
    budget: Arc<BudgetService>,
    metrics: Arc<Metrics>,
    stats: Mutex<Stats>,
    epoch: Instant,
}

/// One breaker's state for the operators.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BreakerView {
    pub provider: String,
    pub model: String,
    #[serde(flatten)]
    pub snapshot: BreakerSnapshot,
}

impl LlmGateway {
    /// A gateway over one provider with a breaker per model.
    pub fn new(
        provider: OpenAiProvider,
        settings: GatewaySettings,
        prices: PriceTable,
        budget: Arc<BudgetService>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let breakers = [settings.fast_model.clone(), settings.balanced_model.clone()]
            .into_iter()
            .map(|model| {
                (
                    model,
                    Mutex::new(CircuitBreaker::new(settings.breaker.clone())),
                )
            })
            .collect();
        Self {
            provider,
            settings,
            breakers,
            // Retries (including moving to the other model) stay within 20 % of calls over a
            // minute with no free floor, so an outage cannot multiply upstream load.
            retry_budget: Mutex::new(RetryBudget::new(RetryBudgetConfig {
                ratio: 0.2,
                min_retries_per_minute: 0,
            })),
            prices,
            budget,
            metrics,
            stats: Mutex::new(Stats::default()),
            epoch: Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The model serving a tier.
    pub fn model_for(&self, tier: Tier) -> &str {
        match tier {
            Tier::Balanced => &self.settings.balanced_model,
            _ => &self.settings.fast_model,
        }
    }

    /// The price table.
    pub fn prices(&self) -> &PriceTable {
        &self.prices
    }

    /// The budget.
    pub fn budget(&self) -> &BudgetService {
        &self.budget
    }

    /// The input token ceiling for one call.
    pub fn max_input_tokens(&self) -> u32 {
        self.settings.max_input_tokens
    }

    /// The provider's name.
    pub fn provider_name(&self) -> &str {
        self.provider.name()
    }

    /// The provider, for the reachability probe of `cleanspace check`.
    pub fn provider(&self) -> &OpenAiProvider {
        &self.provider
    }

    fn stat(&self, update: impl FnOnce(&mut Stats)) {
        if let Ok(mut stats) = self.stats.lock() {
            update(&mut stats);
        }
    }

    /// Counts a response-cache lookup.
    pub fn record_cache(&self, hit: bool) {
        self.metrics
            .llm_cache_requests_total
            .with_label_values(&[if hit { "hit" } else { "miss" }])
            .inc();
    }

    /// Records that a turn fell back to the built-in engine.
    pub fn record_fallback(&self, reason: &'static str) {
        self.metrics
            .llm_fallbacks_total
            .with_label_values(&[reason])
            .inc();
        self.stat(|s| *s.fallbacks_by_reason.entry(reason).or_default() += 1);
    }

    /// The deadline of a turn that starts now (`LLM_TURN_DEADLINE_MS`). A turn computes it
    /// once and passes it to every [`complete`](Self::complete) it makes, so several tool
    /// rounds together cannot outlast it.
    pub fn turn_deadline(&self) -> Instant {
        Instant::now() + self.settings.turn_deadline
    }

    /// Asks `preferred`'s model, then the other tier's, before `deadline`.
    pub async fn complete(
        &self,
        preferred: Tier,
        prompt: &Prompt,
        deadline: Instant,
    ) -> Result<Answer, GatewayError> {
        let other = if preferred == Tier::Balanced {
            Tier::Fast
        } else {
            Tier::Balanced
        };
        let mut call = LogicalCall {
            deadline,
            reached_provider: false,
        };
        let error = match self.complete_on(preferred, prompt, &mut call).await {
            Ok(answer) => return Ok(answer),
            Err(error) => error,
        };
        // The other tier shares the provider and the key: after an auth or request error it
        // would fail the same way. A budget refusal sends the turn to the built-in engine
        // (SPEC §4), not to a cheaper model.
        let worth_another_model = match &error {
            GatewayError::Budget(_) => false,
            GatewayError::Unavailable(class) => {
                class.is_retryable() || *class == ErrorClass::CircuitOpen
            }
        };
        if !worth_another_model || Instant::now() >= call.deadline {
            return Err(error);
        }
        // After a request that reached the provider, asking the other model is a re-attempt
        // and spends retry budget. When the breaker refused without a request, it is this
        // call's first attempt and costs the provider nothing extra.
        if call.reached_provider && !self.try_spend_retry() {
            return Err(error);
        }
        self.complete_on(other, prompt, &mut call).await
    }

    fn try_spend_retry(&self) -> bool {
        self.retry_budget
            .lock()
            .map(|mut b| b.try_spend_retry(self.now_ms()))
            .unwrap_or(false)
    }

    async fn complete_on(
        &self,
        tier: Tier,
        prompt: &Prompt,
        call: &mut LogicalCall,
    ) -> Result<Answer, GatewayError> {
        let deadline = call.deadline;
        let model = self.model_for(tier).to_owned();
        let provider = self.provider.name().to_owned();
        let Some(breaker) = self.breakers.get(&model) else {
            return Err(GatewayError::Unavailable(ErrorClass::CircuitOpen));
        };
        let input_tokens: u64 = prompt
            .messages
            .iter()
            .map(|m| estimate_tokens(m.content.as_deref().unwrap_or_default()) + 4)
            .sum::<u64>()
            + prompt.tools.estimated_tokens;
        let estimate = self.prices.estimate_micros(
            &model,
            input_tokens,
            u64::from(self.settings.max_output_tokens),
        );
        // Dropped on every early return, and with this future if the turn is cancelled.
        let reservation = self.budget.reserve(estimate).map_err(|refusal| {
            self.metrics
                .llm_errors_total
                .with_label_values(&["budget"])
                .inc();
            GatewayError::Budget(refusal.as_str())
        })?;
        for alert in self.budget.view().alerts {
            self.metrics
                .budget_alerts_total
                .with_label_values(&[alert])
                .inc();
            tracing::warn!(alert, "LLM budget above 80 %");
        }
        let request = ChatRequest {
            model: &model,
            messages: &prompt.messages,
            tools: prompt.tools.definitions(),
            temperature: prompt.temperature,
            max_tokens: self.settings.max_output_tokens,
        };
        let mut attempt = 0u32;
        loop {
            let permit = match breaker.lock().map(|mut b| b.try_acquire(self.now_ms())) {
                Ok(Ok(permit)) => permit,
                _ => {
                    self.stat(|s| s.rejected_by_breaker += 1);
                    self.metrics
                        .llm_errors_total
                        .with_label_values(&["circuit_open"])
                        .inc();
                    return Err(GatewayError::Unavailable(ErrorClass::CircuitOpen));
                }
            };
            self.update_breaker_gauge(&provider, &model, breaker);
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                if let Ok(mut b) = breaker.lock() {
                    b.release(permit);
                }
                return Err(GatewayError::Unavailable(ErrorClass::Timeout));
            }
            // The retry budget counts logical calls; later attempts are retries, which it
            // counts when they are granted.
            if !call.reached_provider {
                call.reached_provider = true;
                if let Ok(mut budget) = self.retry_budget.lock() {
                    budget.record_call(self.now_ms());
                }
            }
            self.stat(|s| s.calls += 1);
            let started = Instant::now();
            let result = self
                .provider
                .complete(&request, self.settings.call_timeout.min(remaining))
                .await;
            let elapsed = started.elapsed();
            let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
            self.metrics
                .llm_request_duration_seconds
                .with_label_values(&[provider.as_str(), model.as_str()])
                .observe(elapsed.as_secs_f64());
            self.stat(|s| s.latency.record(elapsed.as_secs_f64() * 1000.0));
            match result {
                Ok(completion) => {
                    if let Ok(mut b) = breaker.lock() {
                        b.record(permit, CallOutcome::success(duration_ms), self.now_ms());
                    }
                    self.update_breaker_gauge(&provider, &model, breaker);
                    let usage = completion.usage;
                    let cost = self.prices.cost_micros(
                        &model,
                        usage.prompt_tokens,
                        usage.completion_tokens,
                    );
                    reservation.settle(cost).await;
                    self.record_success(
                        &provider,
                        &model,
                        tier,
                        usage.prompt_tokens,
                        usage.completion_tokens,
                        cost,
                        attempt,
                    );
                    return Ok(Answer {
                        completion,
                        tier,
                        model,
                        cost_micros: cost,
                        latency_ms: elapsed.as_secs_f64() * 1000.0,
                    });
                }
                Err(error) => {
                    self.record_failure(
                        breaker,
                        permit,
                        &error,
                        duration_ms,
                        &provider,
                        &model,
                        tier,
                    );
                    let remaining_ms = u64::try_from(
                        deadline
                            .saturating_duration_since(Instant::now())
                            .as_millis(),
                    )
                    .unwrap_or_default();
                    let delay = self.settings.retry.next_delay(
                        attempt,
                        error.class,
                        error.retry_after_ms,
                        remaining_ms,
                        &mut rand::rng(),
                    );
                    let allowed = delay.is_some() && self.try_spend_retry();
                    match (delay, allowed) {
                        (Some(delay_ms), true) => {
                            self.metrics
                                .llm_retries_total
                                .with_label_values(&["attempted"])
                                .inc();
                            self.stat(|s| s.retries_attempted += 1);
                            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                            attempt += 1;
                        }
                        (Some(_), false) => {
                            self.metrics
                                .llm_retries_total
                                .with_label_values(&["budget_denied"])
                                .inc();
                            self.stat(|s| s.retries_denied_by_budget += 1);
                            return Err(GatewayError::Unavailable(error.class));
                        }
                        (None, _) => return Err(GatewayError::Unavailable(error.class)),
                    }
                }
            }
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one line of accounting per figure"
    )]
    fn record_success(
        &self,
        provider: &str,
        model: &str,
        tier: Tier,
        input: u64,
        output: u64,
        cost: u64,
        attempt: u32,
    ) {
        self.metrics
            .llm_requests_total
            .with_label_values(&[provider, model, tier.as_str(), "success"])
            .inc();
        self.metrics
            .llm_tokens_total
            .with_label_values(&["input"])
            .inc_by(input);
        self.metrics
            .llm_tokens_total
            .with_label_values(&["output"])
            .inc_by(output);
        self.metrics
            .llm_cost_usd_total
            .inc_by(cost as f64 / 1_000_000.0);
        if attempt > 0 {
            self.metrics
                .llm_retries_total
                .with_label_values(&["succeeded"])
                .inc();
        }
        self.stat(|s| {
            s.successes += 1;
            if attempt > 0 {
                s.retries_succeeded += 1;
            }
        });
    }

    #[expect(clippy::too_many_arguments, reason = "the context of one failed call")]
    fn record_failure(
        &self,
        breaker: &Mutex<CircuitBreaker>,
        permit: super::breaker::Permit,
        error: &ProviderError,
        duration_ms: u64,
        provider: &str,
        model: &str,
        tier: Tier,
    ) {
        // A request we got wrong says nothing about the provider's health.
        let provider_fault = !matches!(error.class, ErrorClass::BadRequest);
        if let Ok(mut b) = breaker.lock() {
            if provider_fault {
                b.record(permit, CallOutcome::failure(duration_ms), self.now_ms());
            } else {
                b.release(permit);
            }
        }
        self.update_breaker_gauge(provider, model, breaker);
        let class = error.class.as_str();
        self.metrics
            .llm_requests_total
            .with_label_values(&[provider, model, tier.as_str(), class])
            .inc();
        self.metrics
            .llm_errors_total
            .with_label_values(&[class])
            .inc();
        self.stat(|s| *s.errors_by_class.entry(class).or_default() += 1);
        tracing::warn!(error_class = class, status = ?error.status, model, "LLM call failed");
        tracing::debug!(detail = %error.detail, "LLM provider said");
    }

    fn update_breaker_gauge(&self, provider: &str, model: &str, breaker: &Mutex<CircuitBreaker>) {
        if let Ok(b) = breaker.lock() {
            self.metrics
                .circuit_breaker_state
                .with_label_values(&[provider, model])
                .set(b.state(self.now_ms()).as_gauge());
        }
    }

    /// Every breaker's state now.
    pub fn breakers(&self) -> Vec<BreakerView> {
        let now = self.now_ms();
        let mut views: Vec<BreakerView> = self
            .breakers
            .iter()
            .filter_map(|(model, breaker)| {
                let snapshot = breaker.lock().ok()?.snapshot(now);
                Some(BreakerView {
                    provider: self.provider.name().to_owned(),
                    model: model.clone(),
                    snapshot,
                })
            })
            .collect();
        views.sort_by(|a, b| a.model.cmp(&b.model));
        views
    }

    /// Sets the gauges that are read from state rather than counted as events: each
    /// breaker's state (an open breaker turns half-open with time, without any call) and
    /// the spend of the current day and month.
    pub fn refresh_gauges(&self) {
        let provider = self.provider.name();
        for (model, breaker) in &self.breakers {
            self.update_breaker_gauge(provider, model, breaker);
        }
        let budget = self.budget.view();
        let spend = &self.metrics.budget_spend_usd;
        spend
            .with_label_values(&["day"])
            .set(budget.daily_spent_usd);
        spend
            .with_label_values(&["month"])
            .set(budget.monthly_spent_usd);
    }

    /// The reliability figures of `/api/reliability/metrics`.
    pub fn reliability(&self) -> Value {
        let breakers = self.breakers();
        let (calls_minute, retries_minute) = self
            .retry_budget
            .lock()
            .map(|b| b.snapshot(self.now_ms()))
            .unwrap_or_default();
        let Ok(stats) = self.stats.lock() else {
            return Value::Null;
        };
        serde_json::json!({
            "breakers": breakers,
            "calls": stats.calls,
            "successes": stats.successes,
            "rejectedByBreaker": stats.rejected_by_breaker,
            "errorsByClass": stats.errors_by_class,
            "retries": {
                "attempted": stats.retries_attempted,
                "succeeded": stats.retries_succeeded,
                "deniedByBudget": stats.retries_denied_by_budget,
                "callsLastMinute": calls_minute,
                "retriesLastMinute": retries_minute,
            },
            "fallbacksByReason": stats.fallbacks_by_reason,
            "upstreamLatencyMs": {
                "p50": stats.latency.quantile(0.5),
                "p95": stats.latency.quantile(0.95),
                "p99": stats.latency.quantile(0.99),
            },
        })
    }

    /// True when some breaker is open.
    pub fn any_breaker_open(&self) -> bool {
        self.breakers()
            .iter()
            .any(|b| b.snapshot.state == super::breaker::BreakerState::Open)
    }
}
