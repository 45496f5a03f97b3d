//! The static site: files from `STATIC_DIR` only. Hidden files and anything outside
//! the folder are never served.

use std::convert::Infallible;
use std::path::Path;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower::service_fn;
use tower::util::BoxCloneSyncService;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// True when a request path names a hidden file or folder, or tries to climb out.
fn is_forbidden_path(path: &str) -> bool {
    path.split('/')
        .any(|segment| segment.starts_with('.') || segment.contains('\\') || segment.contains("%2"))
}

/// A service serving `dir`, refusing hidden paths with 404.
pub fn service(dir: &Path) -> BoxCloneSyncService<Request, Response, Infallible> {
    let serve_dir = ServeDir::new(dir).append_index_html_on_directories(true);
    BoxCloneSyncService::new(service_fn(move |request: Request| {
        let serve_dir = serve_dir.clone();
        async move {
            if is_forbidden_path(request.uri().path()) {
                return Ok((StatusCode::NOT_FOUND, "not found").into_response());
            }
            match serve_dir.oneshot(request).await {
                Ok(response) => Ok(response.into_response()),
                Err(never) => match never {},
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_encoded_paths_are_forbidden() {
        assert!(is_forbidden_path("/.env"));
        assert!(is_forbidden_path("/.git/config"));
        assert!(is_forbidden_path("/assets/..%2f..%2fCargo.toml"));
        assert!(is_forbidden_path("/../Cargo.toml"));
        assert!(!is_forbidden_path("/index.html"));
        assert!(!is_forbidden_path("/"));
    }
}
