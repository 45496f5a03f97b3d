//! SQL for conversations and messages. Content arrives already redacted.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, SqliteConnection};

use crate::booking::repository::db_time;
use crate::safety::incidents::{ScannedCount, ScannedFuture, ScannedMessages};
use crate::storage::batch::{BatchWrite, WriteFuture};
use crate::storage::Database;

/// A conversation as stored.
#[derive(Debug, Clone, FromRow, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationRow {
    pub id: String,
    pub variant: String,
    pub status: String,
    pub started_at: String,
    pub last_activity_at: String,
    pub ended_at: Option<String>,
    pub turns: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
    pub blocked_turns: i64,
    pub fallback_turns: i64,
    pub booking_reference: Option<String>,
    pub outcome: Option<String>,
    pub satisfaction: Option<i64>,
    pub job: String,
}

const CONVERSATION_COLUMNS: &str = "id, variant, status, started_at, last_activity_at, ended_at, turns, \
    input_tokens, output_tokens, cost_micros, blocked_turns, fallback_turns, booking_reference, outcome, \
    satisfaction, job";

/// A stored message.
#[derive(Debug, Clone, FromRow, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRow {
    pub role: String,
    pub content: String,
    pub action: Option<String>,
    pub tier: Option<String>,
    pub model: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
    pub latency_ms: Option<f64>,
    pub cached: bool,
    pub created_at: String,
}

/// One message to store.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub role: &'static str,
    pub content: String,
    pub action: Option<&'static str>,
    pub tier: Option<String>,
    pub model: Option<String>,
    pub route_reason: Option<String>,
    pub complexity: Option<f64>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
    pub latency_ms: Option<f64>,
    pub cached: bool,
    pub safety_action: Option<&'static str>,
    pub fallback_reason: Option<&'static str>,
}

/// What one turn changes on its conversation.
#[derive(Debug, Clone, Default)]
pub struct TurnTotals {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
    /// The customer's message was refused (input screen or session block).
    pub blocked: bool,
    /// The output screen stopped the reply and replaced it.
    pub reply_blocked: bool,
    pub fallback: bool,
    pub booking_reference: Option<String>,
    pub outcome: Option<&'static str>,
    pub job: String,
}

/// Both messages of a turn and what they change on the conversation: one write.
#[derive(Debug, Clone)]
pub struct TurnRecord {
    pub conversation_id: String,
    pub user: NewMessage,
    pub assistant: NewMessage,
    pub totals: TurnTotals,
    pub at: DateTime<Utc>,
}

/// A new conversation: one write.
#[derive(Debug, Clone)]
pub struct NewConversation {
    pub id: String,
    pub session_hash: String,
    pub variant: String,
    pub at: DateTime<Utc>,
}

impl BatchWrite for NewConversation {
    fn write<'c>(&'c self, conn: &'c mut SqliteConnection) -> WriteFuture<'c> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO conversations (id, session_hash, variant, started_at, last_activity_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&self.id)
            .bind(&self.session_hash)
            .bind(&self.variant)
            .bind(db_time(self.at))
            .bind(db_time(self.at))
            .execute(conn)
            .await?;
            Ok(())
        })
    }
}

/// Creates a conversation (through the group commit queue).
pub async fn insert_conversation(
    db: &Database,
    conversation: NewConversation,
) -> Result<(), sqlx::Error> {
    db.batch.write(conversation).await
}

/// A conversation by the hash of its session id.
pub async fn find_by_session(
    db: &Database,
    session_hash: &str,
) -> Result<Option<ConversationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE session_hash = ?"
    ))
    .bind(session_hash)
    .fetch_optional(db.settled_reader().await?)
    .await
}

/// A conversation by id.
pub async fn find_conversation(
    db: &Database,
    id: &str,
) -> Result<Option<ConversationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(db.settled_reader().await?)
    .await
}

/// Newest conversations first, with the total.
pub async fn list_conversations(
    db: &Database,
    variant: Option<&str>,
    limit: u32,
    offset: u32,
) -> Result<(Vec<ConversationRow>, i64), sqlx::Error> {
    let (total,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM conversations WHERE (?1 IS NULL OR variant = ?1)")
            .bind(variant)
            .fetch_one(db.settled_reader().await?)
            .await?;
    let rows = sqlx::query_as(&format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE (?1 IS NULL OR variant = ?1)
         ORDER BY started_at DESC, id LIMIT ?2 OFFSET ?3"
    ))
    .bind(variant)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.reader)
    .await?;
    Ok((rows, total))
}

/// Messages of a conversation, oldest first.
pub async fn list_messages(
    db: &Database,
    conversation_id: &str,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT role, content, action, tier, model, input_tokens, output_tokens, cost_micros, latency_ms,
                cached, created_at
         FROM messages WHERE conversation_id = ? ORDER BY id",
    )
    .bind(conversation_id)
    .fetch_all(db.settled_reader().await?)
    .await
}

/// Customer messages counted by the safety action they got, all time and since `since`.
pub async fn scanned_message_counts(
    db: &Database,
    since: &str,
) -> Result<Vec<ScannedCount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT COALESCE(safety_action, 'allow') AS action, COUNT(*) AS total,
                COALESCE(SUM(created_at >= ?), 0) AS last_24h
         FROM messages WHERE role = 'user' GROUP BY 1 ORDER BY 1",
    )
    .bind(since)
    .fetch_all(db.settled_reader().await?)
    .await
}

/// The chat side of the safety metrics: startup hands this to the incident log, which
/// cannot read chat's messages itself.
pub struct ScannedMessageCounts(pub Database);

impl ScannedMessages for ScannedMessageCounts {
    fn scanned_counts<'a>(&'a self, since: &'a str) -> ScannedFuture<'a> {
        Box::pin(scanned_message_counts(&self.0, since))
    }
}

impl BatchWrite for TurnRecord {
    /// Two inserts and an update in one statement string: one hand-off to the
    /// connection's thread instead of three.
    fn write<'c>(&'c self, conn: &'c mut SqliteConnection) -> WriteFuture<'c> {
        Box::pin(async move {
            let at = db_time(self.at);
            let mut query = sqlx::query(
                "INSERT INTO messages (conversation_id, role, content, action, tier, model, route_reason, complexity,
                    input_tokens, output_tokens, cost_micros, latency_ms, cached, safety_action, fallback_reason, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
                 UPDATE conversations SET
                    turns = turns + 1,
                    last_activity_at = ?,
                    input_tokens = input_tokens + ?,
                    output_tokens = output_tokens + ?,
                    cost_micros = cost_micros + ?,
                    blocked_turns = blocked_turns + ?,
                    output_blocked_turns = output_blocked_turns + ?,
                    fallback_turns = fallback_turns + ?,
                    booking_reference = COALESCE(?, booking_reference),
                    outcome = COALESCE(?, outcome),
                    job = ?
                 WHERE id = ?",
            );
            for message in [&self.user, &self.assistant] {
                query = query
                    .bind(&self.conversation_id)
                    .bind(message.role)
                    .bind(&message.content)
                    .bind(message.action)
                    .bind(&message.tier)
                    .bind(&message.model)
                    .bind(&message.route_reason)
                    .bind(message.complexity)
                    .bind(message.input_tokens)
                    .bind(message.output_tokens)
                    .bind(message.cost_micros)
                    .bind(message.latency_ms)
                    .bind(message.cached)
                    .bind(message.safety_action)
                    .bind(message.fallback_reason)
                    .bind(&at);
            }
            let totals = &self.totals;
            query
                .bind(&at)
                .bind(totals.input_tokens)
                .bind(totals.output_tokens)
                .bind(totals.cost_micros)
                .bind(i64::from(totals.blocked))
                .bind(i64::from(totals.reply_blocked))
                .bind(i64::from(totals.fallback))
                .bind(&totals.booking_reference)
                .bind(totals.outcome)
                .bind(&totals.job)
                .bind(&self.conversation_id)
                .execute(conn)
                .await?;
            Ok(())
        })
    }
}

/// Queues both messages of a turn and the conversation's update behind the turn's reply
/// (group commit, in order with the conversation's other turns); the readers here wait
/// for it through `Database::settled_reader`.
pub async fn record_turn(db: &Database, turn: TurnRecord) -> Result<(), sqlx::Error> {
    db.batch.submit(turn).await
}

/// Marks a conversation ended, with the customer's rating if given.
pub async fn end_conversation(
    db: &Database,
    conversation_id: &str,
    satisfaction: Option<u8>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    // After the conversation's last turn, which may still be queued behind its reply.
    db.batch.settled().await?;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE conversations SET status = 'ended', ended_at = COALESCE(ended_at, ?),
            satisfaction = COALESCE(?, satisfaction), outcome = COALESCE(outcome, 'abandoned')
         WHERE id = ?",
    )
    .bind(db_time(now))
    .bind(satisfaction)
    .bind(conversation_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// One evaluated dialogue to store.
#[derive(Debug, Clone)]
pub struct EvaluationRow<'a> {
    pub dialogue_id: &'a str,
    pub success: bool,
    pub turns: i64,
    pub cost_micros: i64,
    pub failure: Option<&'a str>,
}

/// Stores the rows of one `cleanspace eval` run.
pub async fn insert_evaluations(
    db: &Database,
    run_id: &str,
    variant: &str,
    rows: &[EvaluationRow<'_>],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    for row in rows {
        sqlx::query(
            "INSERT INTO evaluations (run_id, variant, dialogue_id, success, turns, cost_micros, failure, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run_id)
        .bind(variant)
        .bind(row.dialogue_id)
        .bind(row.success)
        .bind(row.turns)
        .bind(row.cost_micros)
        .bind(row.failure)
        .bind(db_time(now))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Assistant turns, tokens and cost of one model within one tier.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ModelUsage {
    pub tier: String,
    pub model: String,
    pub turns: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
}

/// Every assistant turn in the database, by tier then model: the one usage query behind
/// `/api/optimization/metrics` and the tier mix of `cleanspace eval`.
pub async fn usage_by_model(db: &Database) -> Result<Vec<ModelUsage>, sqlx::Error> {
    sqlx::query_as(
        "SELECT COALESCE(tier, 'local') AS tier, COALESCE(model, 'built-in') AS model, COUNT(*) AS turns,
                COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
                COALESCE(SUM(cost_micros), 0) AS cost_micros
         FROM messages WHERE role = 'assistant' GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(db.settled_reader().await?)
    .await
}

/// Assistant turns and their cost for one tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierUsage {
    pub tier: String,
    pub turns: i64,
    pub cost_micros: i64,
}

/// The tier mix of [`usage_by_model`]'s rows, by tier name.
pub fn tier_mix(usage: &[ModelUsage]) -> Vec<TierUsage> {
    let mut tiers: Vec<TierUsage> = Vec::new();
    for row in usage {
        match tiers.iter_mut().find(|t| t.tier == row.tier) {
            Some(tier) => {
                tier.turns += row.turns;
                tier.cost_micros += row.cost_micros;
            }
            None => tiers.push(TierUsage {
                tier: row.tier.clone(),
                turns: row.turns,
                cost_micros: row.cost_micros,
            }),
        }
    }
    tiers.sort_by(|a, b| a.tier.cmp(&b.tier));
    tiers
}

/// (conversations, conversations whose outcome is `booked`), all time. This is the one
/// definition of a booking behind every "cost per booking": the optimization endpoint's
/// and `cleanspace eval`'s.
pub async fn conversation_counts(db: &Database) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(outcome = 'booked'), 0) FROM conversations")
        .fetch_one(db.settled_reader().await?)
        .await
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn usage(tier: &str, model: &str, turns: i64, cost_micros: i64) -> ModelUsage {
        ModelUsage {
            tier: tier.to_owned(),
            model: model.to_owned(),
            turns,
            input_tokens: 10 * turns,
            output_tokens: 5 * turns,
            cost_micros,
        }
    }

    #[test]
    fn the_tier_mix_sums_each_tiers_models() {
        let rows = [
            usage("balanced", "big", 1, 700),
            usage("fast", "small-a", 2, 100),
            usage("fast", "small-b", 3, 32),
            usage("local", "built-in", 8, 0),
        ];
        let tier = |tier: &str, turns, cost_micros| TierUsage {
            tier: tier.to_owned(),
            turns,
            cost_micros,
        };
        assert_eq!(
            tier_mix(&rows),
            vec![
                tier("balanced", 1, 700),
                tier("fast", 5, 132),
                tier("local", 8, 0)
            ]
        );
        assert!(tier_mix(&[]).is_empty());
    }

    /// A turn of `conversation` at `at`; its reply stopped by the output screen when
    /// `reply_blocked`, in which case the two incident rows the screen writes are added too.
    async fn record_screened_turn(
        db: &Database,
        conversation: &str,
        at: DateTime<Utc>,
        reply_blocked: bool,
    ) {
        let turn = TurnRecord {
            conversation_id: conversation.to_owned(),
            user: NewMessage {
                role: "user",
                content: "tell me more".to_owned(),
                ..NewMessage::default()
            },
            assistant: NewMessage {
                role: "assistant",
                content: "Sorry, I did not understand.".to_owned(),
                ..NewMessage::default()
            },
            totals: TurnTotals {
                reply_blocked,
                job: "{}".to_owned(),
                ..TurnTotals::default()
            },
            at,
        };
        record_turn(db, turn).await.unwrap();
        if reply_blocked {
            for category in ["toxicity", "prompt_leak"] {
                sqlx::query(
                    "INSERT INTO safety_incidents (created_at, conversation_id, direction, category, rule, score, action, excerpt)
                     VALUES (?, ?, 'output', ?, 'rule', 1.0, 'block', '')",
                )
                .bind(db_time(at))
                .bind(conversation)
                .bind(category)
                .execute(&db.writer)
                .await
                .unwrap();
            }
        }
    }

    #[tokio::test]
    async fn two_replies_stopped_in_the_same_second_count_as_two_incidents() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        db.migrate().await.unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap();
        for (id, variant) in [("conv-1", "casual"), ("conv-2", "baseline")] {
            let conversation = NewConversation {
                id: id.to_owned(),
                session_hash: format!("hash-{id}"),
                variant: variant.to_owned(),
                at,
            };
            insert_conversation(&db, conversation).await.unwrap();
        }
        // Both stopped replies, and every incident row they wrote, share one timestamp.
        let same_second = at + chrono::Duration::seconds(5);
        record_screened_turn(&db, "conv-1", same_second, true).await;
        record_screened_turn(&db, "conv-1", same_second, true).await;
        record_screened_turn(&db, "conv-1", same_second, false).await;
        record_screened_turn(&db, "conv-2", same_second, false).await;

        let casual = crate::experiments::repository::figures(&db, "casual", at)
            .await
            .unwrap();
        assert_eq!((casual.turns, casual.safety_incidents), (3, 2));
        let baseline = crate::experiments::repository::figures(&db, "baseline", at)
            .await
            .unwrap();
        assert_eq!(baseline.safety_incidents, 0);
    }

    #[tokio::test]
    async fn a_recorded_turn_reads_back_field_for_field() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        db.migrate().await.unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap();
        insert_conversation(
            &db,
            NewConversation {
                id: "conv-1".to_owned(),
                session_hash: "hash".to_owned(),
                variant: "casual".to_owned(),
                at,
            },
        )
        .await
        .unwrap();
        let turn = TurnRecord {
            conversation_id: "conv-1".to_owned(),
            user: NewMessage {
                role: "user",
                content: "book me in".to_owned(),
                safety_action: Some("allow"),
                ..NewMessage::default()
            },
            assistant: NewMessage {
                role: "assistant",
                content: "Booked.".to_owned(),
                action: Some("booked"),
                tier: Some("fast".to_owned()),
                model: Some("model-a".to_owned()),
                route_reason: Some("open question".to_owned()),
                complexity: Some(0.5),
                input_tokens: 11,
                output_tokens: 7,
                cost_micros: 42,
                latency_ms: Some(12.5),
                cached: true,
                fallback_reason: Some("timeout"),
                ..NewMessage::default()
            },
            totals: TurnTotals {
                input_tokens: 11,
                output_tokens: 7,
                cost_micros: 42,
                blocked: true,
                reply_blocked: true,
                fallback: true,
                booking_reference: Some("CS-ABC".to_owned()),
                outcome: Some("booked"),
                job: "{}".to_owned(),
            },
            at: at + chrono::Duration::minutes(1),
        };
        record_turn(&db, turn).await.unwrap();

        let messages = list_messages(&db, "conv-1").await.unwrap();
        assert_eq!(messages.len(), 2);
        let (user, reply) = (&messages[0], &messages[1]);
        assert_eq!(
            (user.role.as_str(), user.content.as_str()),
            ("user", "book me in")
        );
        assert_eq!(reply.content, "Booked.");
        assert_eq!(reply.action.as_deref(), Some("booked"));
        assert_eq!(reply.tier.as_deref(), Some("fast"));
        assert_eq!(reply.model.as_deref(), Some("model-a"));
        assert_eq!(
            (reply.input_tokens, reply.output_tokens, reply.cost_micros),
            (11, 7, 42)
        );
        assert_eq!(reply.latency_ms, Some(12.5));
        assert!(reply.cached);
        assert_eq!(reply.created_at, "2026-12-01T15:01:00Z");
        let (reason, complexity, fallback, safety): (String, f64, String, Option<String>) =
            sqlx::query_as(
                "SELECT route_reason, complexity, fallback_reason, safety_action FROM messages
                 WHERE role = 'assistant'",
            )
            .fetch_one(&db.reader)
            .await
            .unwrap();
        assert_eq!(
            (reason.as_str(), complexity, fallback.as_str()),
            ("open question", 0.5, "timeout")
        );
        assert_eq!(safety, None);

        let row = find_conversation(&db, "conv-1").await.unwrap().unwrap();
        assert_eq!(row.turns, 1);
        assert_eq!(row.last_activity_at, "2026-12-01T15:01:00Z");
        assert_eq!(
            (row.input_tokens, row.output_tokens, row.cost_micros),
            (11, 7, 42)
        );
        assert_eq!((row.blocked_turns, row.fallback_turns), (1, 1));
        let output_blocked: i64 = sqlx::query_scalar(
            "SELECT output_blocked_turns FROM conversations WHERE id = 'conv-1'",
        )
        .fetch_one(&db.reader)
        .await
        .unwrap();
        assert_eq!(output_blocked, 1);
        assert_eq!(row.booking_reference.as_deref(), Some("CS-ABC"));
        assert_eq!(row.outcome.as_deref(), Some("booked"));
        assert_eq!(row.job, "{}");
        assert_eq!(row.variant, "casual");

        insert_conversation(
            &db,
            NewConversation {
                id: "conv-2".to_owned(),
                session_hash: "hash-2".to_owned(),
                variant: "casual".to_owned(),
                at,
            },
        )
        .await
        .unwrap();
        assert_eq!(conversation_counts(&db).await.unwrap(), (2, 1));
        assert_eq!(
            usage_by_model(&db).await.unwrap(),
            vec![ModelUsage {
                tier: "fast".to_owned(),
                model: "model-a".to_owned(),
                turns: 1,
                input_tokens: 11,
                output_tokens: 7,
                cost_micros: 42,
            }]
        );
    }
}
