//! Operator authentication: password login issuing HS256 tokens, and the extractors
//! that guard operator routes (`Operator`) and aggregate read-only routes
//! (`AggregateReader`).

mod routes;
mod token;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

pub use routes::routes;
pub use token::{Claims, TokenKeys, OPERATOR_ROLE, TOKEN_TTL_SECS};

use crate::error::AppError;
use crate::state::AppState;

/// A request made with a valid operator token.
#[derive(Clone, Debug)]
pub struct Operator {
    /// The token's claims.
    pub claims: Claims,
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(parts)
            .ok_or_else(|| AppError::Unauthorized("an operator token is required".to_owned()))?;
        let claims = state
            .token_keys
            .verify(token, state.clock.now())
            .map_err(|_| AppError::Unauthorized("the token is invalid or expired".to_owned()))?;
        if claims.role != OPERATOR_ROLE {
            return Err(AppError::Forbidden);
        }
        Ok(Operator { claims })
    }
}

/// `Option<Operator>`: `None` without an `Authorization` header; a header with a bad
/// token is still refused, so a typo never silently downgrades an operator.
impl OptionalFromRequestParts<AppState> for Operator {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        if parts.headers.get(header::AUTHORIZATION).is_none() {
            return Ok(None);
        }
        <Operator as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

/// Access to read-only aggregates: open in development or with `METRICS_PUBLIC`,
/// otherwise an operator token.
#[derive(Clone, Debug)]
pub struct AggregateReader;

impl FromRequestParts<AppState> for AggregateReader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if state.config.aggregates_are_public() {
            return Ok(AggregateReader);
        }
        <Operator as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        Ok(AggregateReader)
    }
}
