//! `GET /metrics`: the Prometheus text exposition, open in development and behind a
//! token in production unless `METRICS_PUBLIC=true`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::auth::AggregateReader;
use crate::error::AppError;
use crate::state::AppState;

/// Serves every metric in the text format.
pub async fn get_metrics(
    _reader: AggregateReader,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    state.refresh_gauges().await;
    let body = state.metrics.render().map_err(AppError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response())
}
