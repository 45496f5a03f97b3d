//! `GET /api/health` and `GET /api/health/ready`: real checks, not constants.

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use crate::state::AppState;

/// Health routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(get_health))
        .route("/health/ready", get(get_readiness))
}

/// Overall health from the individual checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Unhealthy,
}

impl HealthStatus {
    fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "healthy",
            HealthStatus::Degraded => "degraded",
            HealthStatus::Unhealthy => "unhealthy",
        }
    }
}

async fn database_check(state: &AppState) -> (HealthStatus, Value) {
    let started = Instant::now();
    let result = tokio::time::timeout(std::time::Duration::from_secs(2), state.db.ping()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(Ok(())) => (
            HealthStatus::Healthy,
            json!({ "status": "healthy", "latencyMs": latency_ms }),
        ),
        Ok(Err(error)) => {
            tracing::error!(%error, "database health check failed");
            (
                HealthStatus::Unhealthy,
                json!({ "status": "unhealthy", "message": "database unreachable" }),
            )
        }
        Err(_) => (
            HealthStatus::Unhealthy,
            json!({ "status": "unhealthy", "message": "database check timed out" }),
        ),
    }
}

async fn get_health(State(state): State<AppState>) -> Response {
    let mut checks = Map::new();
    let (db_status, db_check) = database_check(&state).await;
    checks.insert("database".to_owned(), db_check);
    let mut overall = db_status;
    for (name, status, detail) in state.extra_health_checks() {
        if status == HealthStatus::Degraded && overall == HealthStatus::Healthy {
            overall = HealthStatus::Degraded;
        }
        checks.insert(name.to_owned(), detail);
    }
    let code = if db_status == HealthStatus::Unhealthy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let report = json!({
        "status": overall.as_str(),
        "version": env!("CARGO_PKG_VERSION"),
        "uptimeSeconds": state.started_at.elapsed().as_secs(),
        "checks": checks,
    });
    // The report is both in the usual envelope and at the top level, because load
    // balancers and uptime probes read `status` without knowing our envelope.
    let mut body = report.clone();
    if let Some(object) = body.as_object_mut() {
        object.insert("success".to_owned(), json!(code == StatusCode::OK));
        object.insert("data".to_owned(), report);
    }
    (code, axum::Json(body)).into_response()
}

async fn get_readiness(State(state): State<AppState>) -> Response {
    let (db_status, _) = database_check(&state).await;
    if db_status == HealthStatus::Unhealthy {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "ready": false, "reason": "database unavailable" })),
        )
            .into_response();
    }
    axum::Json(json!({ "ready": true })).into_response()
}
