//! The incident log: one row per blocking finding, with a redacted, truncated excerpt,
//! and the aggregate queries behind `/api/safety/metrics`. Recording never fails a
//! customer's turn; a storage error is logged.

use chrono::Duration;
use prometheus::IntCounterVec;
use serde::Serialize;
use sqlx::FromRow;

use super::{Action, Direction, Verdict};
use crate::clock::Clock;
use crate::storage::{db_time, Database};

/// Longest excerpt kept, in characters.
const EXCERPT_CHARS: usize = 160;

/// A stored incident.
#[derive(Debug, Clone, Serialize, FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub id: i64,
    pub created_at: String,
    pub conversation_id: Option<String>,
    pub direction: String,
    pub category: String,
    pub rule: String,
    pub score: f64,
    pub action: String,
    pub excerpt: String,
}

/// Writes incidents and counts them.
#[derive(Clone)]
pub struct IncidentLog {
    db: Database,
    clock: Clock,
    counter: IntCounterVec,
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Input => "input",
        Direction::Output => "output",
    }
}

impl IncidentLog {
    /// A log writing to `db`, counting into `counter` (`safety_incidents_total{direction,category}`).
    pub fn new(db: Database, clock: Clock, counter: IntCounterVec) -> Self {
        Self { db, clock, counter }
    }

    /// Records every blocking finding of a blocked verdict.
    pub async fn record(
        &self,
        conversation_id: Option<&str>,
        direction: Direction,
        verdict: &Verdict,
    ) {
        if verdict.action != Action::Block {
            return;
        }
        let excerpt: String = verdict.redacted.chars().take(EXCERPT_CHARS).collect();
        let now = db_time(self.clock.now());
        let findings = verdict
            .categories
            .iter()
            .filter(|f| !matches!(f.category, super::Category::Pii | super::Category::OffTopic));
        let result: Result<(), sqlx::Error> = async {
            let mut tx = self.db.begin_write().await?;
            for finding in findings {
                self.counter
                    .with_label_values(&[direction_name(direction), finding.category.as_str()])
                    .inc();
                sqlx::query(
                    "INSERT INTO safety_incidents (created_at, conversation_id, direction, category, rule, score, action, excerpt)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(&now)
                .bind(conversation_id)
                .bind(direction_name(direction))
                .bind(finding.category.as_str())
                .bind(finding.rule)
                .bind(f64::from(finding.score))
                .bind(verdict.action.as_str())
                .bind(&excerpt)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        }
        .await;
        if let Err(error) = result {
            tracing::error!(%error, "could not record a safety incident");
        }
    }

    /// Newest incidents first, optionally of one category, with the total.
    pub async fn list(
        &self,
        category: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Incident>, i64), sqlx::Error> {
        let (total,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM safety_incidents WHERE (?1 IS NULL OR category = ?1)",
        )
        .bind(category)
        .fetch_one(&self.db.reader)
        .await?;
        let rows = sqlx::query_as(
            "SELECT id, created_at, conversation_id, direction, category, rule, score, action, excerpt
             FROM safety_incidents WHERE (?1 IS NULL OR category = ?1)
             ORDER BY id DESC LIMIT ?2 OFFSET ?3",
        )
        .bind(category)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.db.reader)
        .await?;
        Ok((rows, total))
    }

    /// Counts by category and action, and block rates, over the last 24 hours and all time.
    pub async fn metrics(&self) -> Result<serde_json::Value, sqlx::Error> {
        let since = db_time(self.clock.now() - Duration::hours(24));
        let by_category: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT category, COUNT(*), SUM(created_at >= ?) FROM safety_incidents GROUP BY category ORDER BY category",
        )
        .bind(&since)
        .fetch_all(&self.db.reader)
        .await?;
        let by_action: Vec<(String, i64)> = sqlx::query_as(
            "SELECT action, COUNT(*) FROM safety_incidents GROUP BY action ORDER BY action",
        )
        .fetch_all(&self.db.reader)
        .await?;
        let (messages, messages_24h, blocked, blocked_24h): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(created_at >= ?1), 0),
                    COALESCE(SUM(safety_action = 'block'), 0),
                    COALESCE(SUM(safety_action = 'block' AND created_at >= ?1), 0)
             FROM messages WHERE role = 'user'",
        )
        .bind(&since)
        .fetch_one(&self.db.reader)
        .await?;
        let rate = |part: i64, whole: i64| {
            if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            }
        };
        let total_incidents: i64 = by_category.iter().map(|(_, all, _)| all).sum();
        let incidents_24h: i64 = by_category.iter().map(|(_, _, day)| day).sum();
        Ok(serde_json::json!({
            "totalIncidents": total_incidents,
            "incidentsLast24h": incidents_24h,
            "messagesScanned": messages,
            "messagesScannedLast24h": messages_24h,
            "blockedMessages": blocked,
            "blockedLast24h": blocked_24h,
            "blockRate": rate(blocked, messages),
            "blockRateLast24h": rate(blocked_24h, messages_24h),
            "byCategory": by_category.iter().map(|(c, all, day)| serde_json::json!({ "category": c, "total": all, "last24h": day })).collect::<Vec<_>>(),
            "byAction": by_action.iter().map(|(a, n)| serde_json::json!({ "action": a, "total": n })).collect::<Vec<_>>(),
        }))
    }
}
