//! SQL aggregates of model usage: tokens and cost by tier and model, conversations and
//! bookings, for cost per conversation, cost per booking and savings.

use sqlx::SqlitePool;

/// Usage of one model.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ModelUsage {
    pub tier: String,
    pub model: String,
    pub turns: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
}

/// Turns, tokens and cost per tier and model, all time.
pub async fn usage_by_model(db: &SqlitePool) -> Result<Vec<ModelUsage>, sqlx::Error> {
    sqlx::query_as(
        "SELECT COALESCE(tier, 'local') AS tier, COALESCE(model, 'built-in') AS model, COUNT(*) AS turns,
                SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost_micros) AS cost_micros
         FROM messages WHERE role = 'assistant' GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(db)
    .await
}

/// (conversations, conversations that booked).
pub async fn conversation_counts(db: &SqlitePool) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(outcome = 'booked'), 0) FROM conversations")
        .fetch_one(db)
        .await
}
