//! Per-request middleware: accepts or generates `x-request-id`, opens one span per
//! request (id, method, matched route), records the HTTP metrics and logs the outcome.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::state::AppState;

/// The request id header, accepted from the client (or proxy) when well formed.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the current request, stored in its extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn is_acceptable_id(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn new_request_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Route label for metrics and logs: the matched route template, never the raw path.
fn route_label(request: &Request) -> String {
    match request.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_owned(),
        None if request.uri().path().starts_with("/api/") => "unmatched".to_owned(),
        None => "static".to_owned(),
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Wraps every request: id, span, metrics, one log line.
pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_acceptable_id(value))
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let method = method_label(request.method());
    let route = route_label(&request);
    let span = tracing::info_span!("request", request_id = %request_id, method, route = %route);

    let metrics = &state.metrics;
    metrics.http_requests_in_flight.inc();
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    metrics.http_requests_in_flight.dec();

    let status = response.status();
    metrics
        .http_requests_total
        .with_label_values(&[method, route.as_str(), status.as_str()])
        .inc();
    metrics
        .http_request_duration_seconds
        .with_label_values(&[method, route.as_str()])
        .observe(elapsed.as_secs_f64());
    state.traffic.record(
        state.clock.now().timestamp().div_euclid(60),
        elapsed.as_secs_f64() * 1000.0,
        status.is_server_error(),
    );
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request completed"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_request_ids_are_accepted() {
        assert!(is_acceptable_id("abc-123_x.y"));
        assert!(!is_acceptable_id(""));
        assert!(!is_acceptable_id("has space"));
        assert!(!is_acceptable_id(&"a".repeat(129)));
    }

    #[test]
    fn generated_request_ids_are_unique_hex() {
        let a = new_request_id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_request_id());
    }
}
