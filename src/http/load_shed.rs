//! Load shedding. Past `MAX_IN_FLIGHT` requests in progress, a request is answered 503
//! `server_busy` with `Retry-After` at once, without being read further. Offered more
//! than the machine can serve, the server used to take every request in and queue it:
//! answers came too late to be of use, and the queued requests with their connections
//! took the process to 672-748 MB. Health probes and `/metrics` are never shed, so that
//! monitoring still sees a busy server.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// Places for requests in progress, shared by every connection.
#[derive(Clone, Debug)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    /// Room for `limit` requests at once.
    pub fn new(limit: usize) -> Self {
        Self(Arc::new(Semaphore::new(limit)))
    }
}

/// The middleware: a place for the request while it is handled, or a 503.
pub async fn shed_past_limit(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    if never_shed(request.uri().path()) {
        return next.run(request).await;
    }
    let Ok(_place) = in_flight.0.try_acquire() else {
        return AppError::Unavailable {
            code: "server_busy",
            message: "the service is at capacity, please retry".to_owned(),
        }
        .into_response();
    };
    next.run(request).await
}

/// Health probes and the metrics scrape: how operators see an overloaded server.
fn never_shed(path: &str) -> bool {
    path == "/metrics" || super::is_health_probe(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_probes_and_the_scrape_are_never_shed() {
        for path in ["/metrics", "/api/health", "/api/health/ready"] {
            assert!(never_shed(path), "{path}");
        }
        for path in ["/api/chat/message", "/api/healthcheck", "/", "/api/metrics"] {
            assert!(!never_shed(path), "{path}");
        }
    }
}
