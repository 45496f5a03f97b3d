//! Chat endpoints (public) and conversation endpoints (operator).

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::service::ChatError;
use crate::auth::Operator;
use crate::error::{ok, optional_json, ApiJson, ApiQuery, ApiResult, AppError};
use crate::state::AppState;

/// Chat routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chat/start", post(start_chat))
        .route("/chat/message", post(send_message))
        .route("/chat/history/{session_id}", get(get_history))
        .route("/chat/end", post(end_chat))
        .route("/conversations", get(list_conversations))
        .route("/conversations/{id}", get(get_conversation))
}

impl From<ChatError> for AppError {
    fn from(error: ChatError) -> Self {
        match error {
            ChatError::Invalid { field, message } => AppError::validation(field, message),
            ChatError::SessionNotFound => AppError::NotFound("chat session"),
            ChatError::SessionEnded => AppError::Conflict {
                code: "session_ended",
                message: error.to_string(),
            },
            ChatError::Booking(booking) => booking.into(),
            ChatError::Database(db) => db.into(),
        }
    }
}

#[derive(Deserialize, Default)]
struct StartBody {
    variant: Option<String>,
}

/// The body is optional: an empty one starts the default variant.
async fn start_chat(State(state): State<AppState>, body: axum::body::Bytes) -> ApiResult {
    let body: StartBody = optional_json(&body)?;
    Ok(ok(state.chat.start(body.variant.as_deref()).await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageBody {
    session_id: String,
    message: String,
}

async fn send_message(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<MessageBody>,
) -> ApiResult {
    Ok(ok(state.chat.message(&body.session_id, &body.message).await?).into_response())
}

async fn get_history(State(state): State<AppState>, Path(session_id): Path<String>) -> ApiResult {
    Ok(ok(state.chat.history(&session_id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndBody {
    session_id: String,
    satisfaction: Option<u8>,
}

async fn end_chat(State(state): State<AppState>, ApiJson(body): ApiJson<EndBody>) -> ApiResult {
    Ok(ok(state.chat.end(&body.session_id, body.satisfaction).await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    variant: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn list_conversations(
    _operator: Operator,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult {
    let page = query.page.unwrap_or(1).max(1);
    let page_size = query.page_size.unwrap_or(20).clamp(1, 100);
    let (items, total) = state
        .chat
        .list_conversations(
            query.variant.as_deref().filter(|v| !v.is_empty()),
            page_size,
            (page - 1).saturating_mul(page_size),
        )
        .await?;
    Ok(
        ok(json!({ "items": items, "total": total, "page": page, "pageSize": page_size }))
            .into_response(),
    )
}

async fn get_conversation(
    _operator: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    let conversation = state
        .chat
        .conversation(&id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    Ok(ok(conversation).into_response())
}
