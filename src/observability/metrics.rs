//! One `Metrics` struct owning the Prometheus registry and every collector.
//! Labels are matched routes and fixed vocabularies, never raw paths or user input.

use prometheus::{
    Counter, Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};

/// Every metric of the service.
pub struct Metrics {
    registry: Registry,
    /// `http_requests_total{method,route,status}`.
    pub http_requests_total: IntCounterVec,
    /// `http_request_duration_seconds{method,route}`.
    pub http_request_duration_seconds: HistogramVec,
    /// `http_requests_in_flight`.
    pub http_requests_in_flight: IntGauge,
    /// `rate_limited_total{limiter}`.
    pub rate_limited_total: IntCounterVec,
    /// `safety_incidents_total{direction,category}`.
    pub safety_incidents_total: IntCounterVec,
    /// `llm_requests_total{provider,model,tier,outcome}`.
    pub llm_requests_total: IntCounterVec,
    /// `llm_request_duration_seconds{provider,model}`.
    pub llm_request_duration_seconds: HistogramVec,
    /// `llm_tokens_total{direction}` (input/output).
    pub llm_tokens_total: IntCounterVec,
    /// `llm_cost_usd_total`.
    pub llm_cost_usd_total: Counter,
    /// `llm_errors_total{class}`.
    pub llm_errors_total: IntCounterVec,
    /// `llm_retries_total{outcome}` (attempted, succeeded, budget_denied).
    pub llm_retries_total: IntCounterVec,
    /// `llm_fallbacks_total{reason}`.
    pub llm_fallbacks_total: IntCounterVec,
    /// `circuit_breaker_state{provider,model}`: 0 closed, 1 open, 2 half-open.
    pub circuit_breaker_state: IntGaugeVec,
    /// `budget_spend_usd{window}` (day/month).
    pub budget_spend_usd: GaugeVec,
    /// `budget_alerts_total{limit}`: calls made while a limit was at 80 % or more.
    pub budget_alerts_total: IntCounterVec,
    /// `llm_cache_requests_total{result}` (hit/miss).
    pub llm_cache_requests_total: IntCounterVec,
}

impl Metrics {
    /// Creates and registers every collector.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let http_requests_total = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, matched route and status",
            ),
            &["method", "route", "status"],
        )?;
        let http_request_duration_seconds = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by method and matched route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ]),
            &["method", "route"],
        )?;
        let http_requests_in_flight =
            IntGauge::new("http_requests_in_flight", "HTTP requests being served")?;
        let rate_limited_total = IntCounterVec::new(
            Opts::new("rate_limited_total", "Requests refused by a rate limiter"),
            &["limiter"],
        )?;
        let safety_incidents_total = IntCounterVec::new(
            Opts::new(
                "safety_incidents_total",
                "Blocked messages by direction and category",
            ),
            &["direction", "category"],
        )?;
        registry.register(Box::new(safety_incidents_total.clone()))?;
        let llm_requests_total = IntCounterVec::new(
            Opts::new(
                "llm_requests_total",
                "LLM calls by provider, model, tier and outcome",
            ),
            &["provider", "model", "tier", "outcome"],
        )?;
        let llm_request_duration_seconds = HistogramVec::new(
            HistogramOpts::new("llm_request_duration_seconds", "Upstream LLM call latency")
                .buckets(vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]),
            &["provider", "model"],
        )?;
        let llm_tokens_total = IntCounterVec::new(
            Opts::new("llm_tokens_total", "LLM tokens by direction"),
            &["direction"],
        )?;
        let llm_cost_usd_total = Counter::new("llm_cost_usd_total", "LLM spend in USD")?;
        let llm_errors_total = IntCounterVec::new(
            Opts::new("llm_errors_total", "LLM call failures by class"),
            &["class"],
        )?;
        let llm_retries_total = IntCounterVec::new(
            Opts::new("llm_retries_total", "LLM retries by outcome"),
            &["outcome"],
        )?;
        let llm_fallbacks_total = IntCounterVec::new(
            Opts::new(
                "llm_fallbacks_total",
                "Turns answered by the built-in engine instead of the chosen model",
            ),
            &["reason"],
        )?;
        let circuit_breaker_state = IntGaugeVec::new(
            Opts::new("circuit_breaker_state", "0 closed, 1 open, 2 half-open"),
            &["provider", "model"],
        )?;
        let budget_spend_usd = GaugeVec::new(
            Opts::new("budget_spend_usd", "LLM spend in the current window"),
            &["window"],
        )?;
        let budget_alerts_total = IntCounterVec::new(
            Opts::new(
                "budget_alerts_total",
                "LLM calls made with a budget at 80 % or more",
            ),
            &["limit"],
        )?;
        let llm_cache_requests_total = IntCounterVec::new(
            Opts::new(
                "llm_cache_requests_total",
                "Response cache lookups by result",
            ),
            &["result"],
        )?;
        registry.register(Box::new(llm_requests_total.clone()))?;
        registry.register(Box::new(llm_request_duration_seconds.clone()))?;
        registry.register(Box::new(llm_tokens_total.clone()))?;
        registry.register(Box::new(llm_cost_usd_total.clone()))?;
        registry.register(Box::new(llm_errors_total.clone()))?;
        registry.register(Box::new(llm_retries_total.clone()))?;
        registry.register(Box::new(llm_fallbacks_total.clone()))?;
        registry.register(Box::new(circuit_breaker_state.clone()))?;
        registry.register(Box::new(budget_spend_usd.clone()))?;
        registry.register(Box::new(budget_alerts_total.clone()))?;
        registry.register(Box::new(llm_cache_requests_total.clone()))?;
        registry.register(Box::new(http_requests_total.clone()))?;
        registry.register(Box::new(http_request_duration_seconds.clone()))?;
        registry.register(Box::new(http_requests_in_flight.clone()))?;
        registry.register(Box::new(rate_limited_total.clone()))?;
        Ok(Self {
            registry,
            http_requests_total,
            http_request_duration_seconds,
            http_requests_in_flight,
            rate_limited_total,
            safety_incidents_total,
            llm_requests_total,
            llm_request_duration_seconds,
            llm_tokens_total,
            llm_cost_usd_total,
            llm_errors_total,
            llm_retries_total,
            llm_fallbacks_total,
            circuit_breaker_state,
            budget_spend_usd,
            budget_alerts_total,
            llm_cache_requests_total,
        })
    }

    /// The registry, for domains that add their own collectors.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        String::from_utf8(buffer).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}
