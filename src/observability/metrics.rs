//! One `Metrics` struct owning the Prometheus registry and every collector.
//! Labels are matched routes and fixed vocabularies, never raw paths or user input.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
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
