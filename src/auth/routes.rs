//! `POST /api/auth/login`: password in, operator token out. Five attempts a minute per
//! client address; the comparison takes the same time whatever the password.

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::token::{OPERATOR_ROLE, TOKEN_TTL_SECS};
use super::Operator;
use crate::error::{ok, ApiJson, AppError};
use crate::http::security::client_ip;
use crate::state::AppState;

/// Auth routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/me", get(me))
}

#[derive(Deserialize)]
struct LoginRequest {
    password: String,
}

/// Compares digests so neither content nor length leaks through timing.
fn password_matches(given: &str, expected: &str) -> bool {
    let given = Sha256::digest(given.as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    given.ct_eq(&expected).into()
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    if let Some(ip) = client_ip(state.config.trust_proxy, &headers, Some(peer)) {
        state
            .rate_limits
            .login
            .check(ip)
            .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
    }
    if !password_matches(&body.password, state.admin_password.expose()) {
        tracing::warn!("operator login failed");
        return Err(AppError::Unauthorized("wrong password".to_owned()));
    }
    let token = state
        .token_keys
        .issue(OPERATOR_ROLE, state.clock.now())
        .map_err(AppError::internal)?;
    tracing::info!("operator signed in");
    Ok((
        StatusCode::OK,
        ok(json!({ "token": token, "tokenType": "Bearer", "expiresIn": TOKEN_TTL_SECS, "role": OPERATOR_ROLE })),
    )
        .into_response())
}

/// Who the token belongs to; lets the admin panel check a stored token.
async fn me(operator: Operator) -> axum::Json<serde_json::Value> {
    ok(json!({ "role": operator.claims.role, "expiresAt": operator.claims.exp }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_match_only_exactly() {
        assert!(password_matches("correct horse", "correct horse"));
        assert!(!password_matches("correct hors", "correct horse"));
        assert!(!password_matches("", "correct horse"));
    }
}
