//! `AppState`: the one handle every handler receives. Cheap to clone (fields are
//! `Arc`s or pools); built only in `startup`.

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use crate::auth::TokenKeys;
use crate::booking::BookingService;
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::http::rate_limit::RateLimits;
use crate::observability::health::HealthStatus;
use crate::observability::metrics::Metrics;
use crate::storage::Database;

/// Shared state of the running service.
#[derive(Clone)]
pub struct AppState {
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
    /// When the service started, for uptime.
    pub started_at: Instant,
}

impl AppState {
    /// Health checks contributed by domains besides the database: (name, status, detail).
    pub fn extra_health_checks(&self) -> Vec<(&'static str, HealthStatus, Value)> {
        Vec::new()
    }

    /// Updates gauges that are read from state rather than counted as events.
    pub async fn refresh_gauges(&self) {}
}
