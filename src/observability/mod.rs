//! Logs, metrics and health: tracing set-up, the Prometheus registry, the request
//! span/metrics middleware and the health endpoints.

pub mod health;
pub mod metrics;
pub mod metrics_endpoint;
pub mod request;
pub mod traffic;

use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// Installs the global tracing subscriber (pretty or JSON, filter from `LOG_LEVEL`).
/// Calling it twice is harmless (tests build many apps in one process).
pub fn init_tracing(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
