//! The HTTP surface: merges the domain routers under `/api`, serves the static site,
//! and applies the middleware stack. Handlers live in their domains, not here.

pub mod load_shed;
pub mod rate_limit;
pub mod security;
mod static_files;

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::{envelope, AppError};
use crate::observability;
use crate::state::AppState;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// `/api/health` and its sub-probes: never rate limited, never shed, so monitoring
/// still sees a busy server.
pub(crate) fn is_health_probe(path: &str) -> bool {
    path == "/api/health" || path.starts_with("/api/health/")
}

/// Every `/api` route, merged from the domains.
fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(get_openapi))
        .merge(observability::health::routes())
        .merge(crate::auth::routes())
        .merge(crate::booking::routes())
        .merge(crate::inquiries::routes())
        .merge(crate::chat::routes())
        .merge(crate::dashboard::routes())
        .merge(crate::optimization::routes())
        .merge(crate::experiments::routes())
        .merge(crate::safety::routes::routes())
        .fallback(api_not_found)
}

/// The OpenAPI 3.1 description of this API (kept complete by `tests/openapi.rs`).
async fn get_openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
}

async fn api_not_found() -> AppError {
    AppError::NotFound("route")
}

/// Builds the whole router with its middleware.
pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    Router::new()
        .nest("/api", api_routes())
        .route(
            "/metrics",
            get(observability::metrics_endpoint::get_metrics),
        )
        .fallback_service(static_files::service(&state.config.static_dir))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // Outside the timeout, so its bare 408 is wrapped like every other error.
        .layer(middleware::from_fn(envelope_bare_errors))
        .layer(CompressionLayer::new())
        .layer(cors_layer(&state.config.cors_origins))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit_by_client,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            AppError::internal("handler panicked").into_response()
        }))
        .layer(middleware::from_fn_with_state(
            load_shed::InFlight::new(state.config.max_in_flight),
            load_shed::shed_past_limit,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observability::request::observe,
        ))
        .with_state(state)
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|origin| origin == "*") {
        return base.allow_origin(AllowOrigin::any());
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    base.allow_origin(AllowOrigin::list(list))
}

/// Turns errors produced outside our handlers (405, 408, 413 from the body limit,
/// panics…) into the JSON envelope under `/api`; other paths keep their plain body.
async fn envelope_bare_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api");
    let response = next.run(request).await;
    let status = response.status();
    if !is_api || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this method is not allowed here"),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "the request took too long"),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body is larger than 64 KiB",
        ),
        StatusCode::NOT_FOUND => ("not_found", "route not found"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "send the body as application/json",
        ),
        s if s.is_server_error() => ("internal_error", "something went wrong on our side"),
        _ => ("bad_request", "the request could not be processed"),
    };
    let mut enveloped = (status, axum::Json(envelope(code, message, None))).into_response();
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(value) = response.headers().get(&name) {
            enveloped.headers_mut().insert(name, value.clone());
        }
    }
    enveloped
}
