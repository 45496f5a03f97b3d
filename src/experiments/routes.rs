//! Canary, shadow and evaluation endpoints.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::canary::ExperimentError;
use super::repository;
use crate::auth::{AggregateReader, Operator};
use crate::error::{ok, optional_json, ApiJson, ApiResult, AppError};
use crate::state::AppState;

/// Routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/canary/status", get(get_canary_status))
        .route("/canary/stages", get(get_canary_stages))
        .route("/canary/start", post(start_canary))
        .route("/canary/evaluate", post(evaluate_canary))
        .route("/canary/promote", post(promote_canary))
        .route("/canary/rollback", post(rollback_canary))
        .route("/canary/stop", post(stop_canary))
        .route("/shadow/status", get(get_shadow_status))
        .route("/shadow/start", post(start_shadow))
        .route("/shadow/stop", post(stop_shadow))
        .route("/evaluations", get(list_evaluations))
}

impl From<ExperimentError> for AppError {
    fn from(error: ExperimentError) -> Self {
        match error {
            ExperimentError::Variant { field, ref error } => {
                AppError::validation(field, error.to_string())
            }
            ExperimentError::SameVariant => AppError::validation("candidate", error.to_string()),
            ExperimentError::BadSampleRate => AppError::validation("sampleRate", error.to_string()),
            ExperimentError::AlreadyRunning(_)
            | ExperimentError::NotRunning
            | ExperimentError::Transition(_) => AppError::Conflict {
                code: "invalid_transition",
                message: error.to_string(),
            },
            ExperimentError::Database(db) => db.into(),
        }
    }
}

async fn get_canary_status(_reader: AggregateReader, State(state): State<AppState>) -> ApiResult {
    Ok(ok(state.canary.status().await?).into_response())
}

async fn get_canary_stages(_reader: AggregateReader, State(state): State<AppState>) -> ApiResult {
    Ok(ok(state.canary.stages()).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartCanary {
    candidate: String,
    stable: Option<String>,
    auto_promote: Option<bool>,
    auto_rollback: Option<bool>,
}

async fn start_canary(
    _operator: Operator,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<StartCanary>,
) -> ApiResult {
    let status = state
        .canary
        .start(
            &body.candidate,
            body.stable.as_deref(),
            body.auto_promote.unwrap_or(true),
            body.auto_rollback.unwrap_or(true),
        )
        .await?;
    Ok(ok(status).into_response())
}

async fn evaluate_canary(_operator: Operator, State(state): State<AppState>) -> ApiResult {
    let event = state.canary.evaluate().await?;
    Ok(ok(json!({ "transition": event, "status": state.canary.status().await? })).into_response())
}

async fn promote_canary(_operator: Operator, State(state): State<AppState>) -> ApiResult {
    Ok(ok(state.canary.promote().await?).into_response())
}

#[derive(Deserialize, Default)]
struct RollbackBody {
    reason: Option<String>,
}

async fn rollback_canary(
    _operator: Operator,
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> ApiResult {
    let body: RollbackBody = optional_json(&body)?;
    let reason = body
        .reason
        .unwrap_or_else(|| "rolled back by an operator".to_owned());
    Ok(ok(state.canary.rollback(&reason).await?).into_response())
}

async fn stop_canary(_operator: Operator, State(state): State<AppState>) -> ApiResult {
    Ok(ok(state.canary.stop().await?).into_response())
}

async fn get_shadow_status(_reader: AggregateReader, State(state): State<AppState>) -> ApiResult {
    Ok(ok(state.shadow.status().await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartShadow {
    variant: String,
    sample_rate: f64,
}

async fn start_shadow(
    _operator: Operator,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<StartShadow>,
) -> ApiResult {
    Ok(ok(state.shadow.start(&body.variant, body.sample_rate).await?).into_response())
}

async fn stop_shadow(_operator: Operator, State(state): State<AppState>) -> ApiResult {
    Ok(ok(state.shadow.stop().await?).into_response())
}

async fn list_evaluations(_operator: Operator, State(state): State<AppState>) -> ApiResult {
    let runs = repository::evaluation_runs(&state.db).await?;
    Ok(ok(json!({ "runs": runs })).into_response())
}
