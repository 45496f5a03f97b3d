//! Safety endpoints: aggregate metrics, the incident list and an operator's check of
//! any text.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::Direction;
use crate::auth::{AggregateReader, Operator};
use crate::error::{ok, ApiJson, ApiQuery, ApiResult, AppError};
use crate::state::AppState;

/// Safety routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/safety/metrics", get(get_safety_metrics))
        .route("/safety/incidents", get(list_incidents))
        .route("/safety/check", post(check_text))
}

async fn get_safety_metrics(_reader: AggregateReader, State(state): State<AppState>) -> ApiResult {
    Ok(ok(state.incidents.metrics().await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IncidentQuery {
    category: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn list_incidents(
    _operator: Operator,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<IncidentQuery>,
) -> ApiResult {
    let page = query.page.unwrap_or(1).max(1);
    let page_size = query.page_size.unwrap_or(50).clamp(1, 200);
    let category = query.category.as_deref().filter(|c| !c.is_empty());
    let (items, total) = state
        .incidents
        .list(category, page_size, (page - 1).saturating_mul(page_size))
        .await?;
    Ok(
        ok(json!({ "items": items, "total": total, "page": page, "pageSize": page_size }))
            .into_response(),
    )
}

#[derive(Deserialize)]
struct CheckBody {
    text: String,
    direction: Option<String>,
}

async fn check_text(
    _operator: Operator,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CheckBody>,
) -> ApiResult {
    let direction = match body.direction.as_deref() {
        None | Some("input") => Direction::Input,
        Some("output") => Direction::Output,
        Some(other) => {
            return Err(AppError::validation(
                "direction",
                format!("must be `input` or `output`, not `{other}`"),
            ))
        }
    };
    if body.text.chars().count() > 20_000 {
        return Err(AppError::validation(
            "text",
            "must be at most 20000 characters",
        ));
    }
    Ok(ok(state.scanner.scan(&body.text, direction)).into_response())
}
