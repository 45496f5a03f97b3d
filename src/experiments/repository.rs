//! SQL for variants, the canary's state and events, per-variant figures, shadow
//! comparisons and evaluation runs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::FromRow;

use super::gate::VariantFigures;
use crate::storage::{db_time, Database};

/// A variant as stored.
#[derive(Debug, Clone, PartialEq, Serialize, FromRow)]
#[serde(rename_all = "camelCase")]
pub struct VariantRow {
    pub name: String,
    /// The model tier it prefers: `local`, `fast` or `balanced`.
    pub tier: String,
    /// Sampling temperature of its model calls.
    pub temperature: f64,
    /// The tone its system prompt asks the model for.
    pub tone: String,
    /// The built-in engine's wording: `baseline`, `professional` or `casual`.
    pub voice: String,
    /// Whether new sessions and rollouts may use it.
    pub active: bool,
}

/// Every variant.
pub async fn variants(db: &Database) -> Result<Vec<VariantRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, tier, temperature, tone, voice, active FROM variants ORDER BY name",
    )
    .fetch_all(&db.reader)
    .await
}

/// (stable variant, rollout JSON).
pub async fn load_state(db: &Database) -> Result<(String, Option<String>), sqlx::Error> {
    sqlx::query_as("SELECT stable, rollout FROM canary_state WHERE id = 1")
        .fetch_one(&db.reader)
        .await
}

/// A canary transition to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub at: DateTime<Utc>,
    pub candidate: &'a str,
    pub stable: &'a str,
    pub stage: i64,
    pub percent: i64,
    pub detail: &'a Value,
}

/// Saves the state and, when given, the event of the transition, in one transaction.
pub async fn save_state(
    db: &Database,
    stable: &str,
    rollout: Option<&str>,
    event: Option<NewEvent<'_>>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE canary_state SET stable = ?, rollout = ? WHERE id = 1")
        .bind(stable)
        .bind(rollout)
        .execute(&mut *tx)
        .await?;
    if let Some(NewEvent {
        kind,
        at,
        candidate,
        stable: event_stable,
        stage,
        percent,
        detail,
    }) = event
    {
        sqlx::query(
            "INSERT INTO canary_events (at, kind, candidate, stable, stage, percent, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(db_time(at))
        .bind(kind)
        .bind(candidate)
        .bind(event_stable)
        .bind(stage)
        .bind(percent)
        .bind(detail.to_string())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// A stored canary event.
#[derive(Debug, Clone, Serialize, FromRow)]
#[serde(rename_all = "camelCase")]
pub struct EventRow {
    pub at: String,
    pub kind: String,
    pub candidate: String,
    pub stable: String,
    pub stage: i64,
    pub percent: i64,
    pub detail: String,
}

/// The newest events.
pub async fn recent_events(db: &Database, limit: u32) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT at, kind, candidate, stable, stage, percent, detail FROM canary_events ORDER BY id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(&db.reader)
    .await
}

/// Outcomes of one variant's conversations started since `since`.
///
/// Safety incidents are the turns whose input was blocked plus the turns whose reply the
/// output screen stopped, both counted per turn on the conversation when the turn is
/// recorded: exact, however many findings a block wrote to `safety_incidents` and however
/// close together the turns were.
pub async fn figures(
    db: &Database,
    variant: &str,
    since: DateTime<Utc>,
) -> Result<VariantFigures, sqlx::Error> {
    let since = db_time(since);
    let reader = db.settled_reader().await?;
    let (conversations, bookings, turns, errors, incidents, cost): (i64, i64, i64, i64, i64, i64) =
        sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(outcome = 'booked'), 0), COALESCE(SUM(turns), 0),
                COALESCE(SUM(fallback_turns + error_turns), 0),
                COALESCE(SUM(blocked_turns + output_blocked_turns), 0),
                COALESCE(SUM(cost_micros), 0)
         FROM conversations WHERE variant = ? AND started_at >= ?",
        )
        .bind(variant)
        .bind(&since)
        .fetch_one(reader)
        .await?;
    let mut latencies: Vec<f64> = sqlx::query_scalar(
        "SELECT m.latency_ms FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.variant = ? AND c.started_at >= ? AND m.role = 'assistant' AND m.latency_ms IS NOT NULL
         LIMIT 100000",
    )
    .bind(variant)
    .bind(&since)
    .fetch_all(reader)
    .await?;
    latencies.sort_by(f64::total_cmp);
    let p95 = if latencies.is_empty() {
        0.0
    } else {
        latencies[((latencies.len() as f64 * 0.95).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    Ok(VariantFigures {
        conversations: count(conversations),
        bookings: count(bookings),
        errors: count(errors),
        turns: count(turns),
        safety_incidents: count(incidents),
        p95_latency_ms: p95,
        cost_micros: count(cost),
    })
}

/// One shadow comparison to store.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub conversation_id: String,
    pub primary_variant: String,
    pub shadow_variant: String,
    pub primary_action: String,
    pub shadow_action: String,
    pub fields_agree: bool,
    pub primary_latency_ms: f64,
    pub shadow_latency_ms: f64,
    /// What the shadow's model calls cost, on the shadow ledger; 0 when the built-in
    /// engine answered.
    pub shadow_cost_micros: i64,
    /// What answered the shadow turn: `model`, `built-in`, or
    /// `built-in (fallback: <reason>)` when its model call failed.
    pub shadow_engine: String,
    pub differences: Value,
}

/// Stores a comparison, with the shadow turn's real cost (the built-in engine's is 0).
pub async fn insert_comparison(
    db: &Database,
    c: &Comparison,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO shadow_comparisons (created_at, conversation_id, primary_variant, shadow_variant, primary_action,
            shadow_action, actions_agree, fields_agree, primary_latency_ms, shadow_latency_ms, shadow_cost_micros,
            shadow_engine, differences)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(db_time(now))
    .bind(&c.conversation_id)
    .bind(&c.primary_variant)
    .bind(&c.shadow_variant)
    .bind(&c.primary_action)
    .bind(&c.shadow_action)
    .bind(c.primary_action == c.shadow_action)
    .bind(c.fields_agree)
    .bind(c.primary_latency_ms)
    .bind(c.shadow_latency_ms)
    .bind(c.shadow_cost_micros)
    .bind(&c.shadow_engine)
    .bind(c.differences.to_string())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Agreement of the shadow variant with the primary one, its real cost, and how many of
/// its turns each engine answered. `engine` is what answers shadow turns now: `model` in
/// LLM mode, else `built-in`.
pub async fn shadow_summary(
    db: &Database,
    variant: &str,
    engine: &str,
) -> Result<Value, sqlx::Error> {
    let (n, actions, fields, primary_ms, shadow_ms, cost): (i64, i64, i64, f64, f64, i64) =
        sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(actions_agree), 0), COALESCE(SUM(fields_agree), 0),
                COALESCE(AVG(primary_latency_ms), 0.0), COALESCE(AVG(shadow_latency_ms), 0.0),
                COALESCE(SUM(shadow_cost_micros), 0)
         FROM shadow_comparisons WHERE shadow_variant = ?",
        )
        .bind(variant)
        .fetch_one(&db.reader)
        .await?;
    let engines: Vec<(String, i64)> = sqlx::query_as(
        "SELECT shadow_engine, COUNT(*) FROM shadow_comparisons WHERE shadow_variant = ?
         GROUP BY shadow_engine ORDER BY shadow_engine",
    )
    .bind(variant)
    .fetch_all(&db.reader)
    .await?;
    let engines: serde_json::Map<String, Value> = engines
        .into_iter()
        .map(|(engine, turns)| (engine, Value::from(turns)))
        .collect();
    let rate = |k: i64| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    Ok(serde_json::json!({
        "comparisons": n,
        "actionAgreement": rate(actions),
        "fieldAgreement": rate(fields),
        "meanPrimaryLatencyMs": primary_ms,
        "meanShadowLatencyMs": shadow_ms,
        "shadowCostUsd": cost as f64 / 1_000_000.0,
        "shadowEngine": engine,
        "shadowEngines": engines,
    }))
}

/// `cleanspace eval` runs, newest first.
pub async fn evaluation_runs(db: &Database) -> Result<Vec<Value>, sqlx::Error> {
    let rows: Vec<(String, String, i64, i64, f64, i64, String)> = sqlx::query_as(
        "SELECT run_id, variant, COUNT(*), SUM(success), COALESCE(AVG(CASE WHEN success THEN turns END), 0.0),
                SUM(cost_micros), MAX(created_at)
         FROM evaluations GROUP BY run_id, variant ORDER BY MAX(created_at) DESC, run_id LIMIT 100",
    )
    .fetch_all(&db.reader)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(run, variant, dialogues, successes, turns, cost, at)| {
            serde_json::json!({
                "runId": run, "variant": variant, "dialogues": dialogues, "successes": successes,
                "successRate": if dialogues == 0 { 0.0 } else { successes as f64 / dialogues as f64 },
                "meanTurns": turns, "costUsd": cost as f64 / 1_000_000.0, "createdAt": at,
            })
        })
        .collect())
}
