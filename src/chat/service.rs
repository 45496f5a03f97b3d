//! The chat service: sessions, the safety scan on every input and output, the agent's
//! turn, and the record of it (redacted) in the database.

use std::sync::Arc;
use std::time::Instant;

use chrono::Duration;
use serde::Serialize;
use serde_json::{json, Value};

use super::agent::{Action, Agent, AgentState, Reply, Stage};
use super::replies::{self, Voice};
use super::repository::{self as repo, NewConversation, NewMessage, TurnRecord, TurnTotals};
use super::routing::Turn;
use super::sessions::{self, Session, SessionStore, SharedSession};
use super::shadow::{PrimaryOutcome, ShadowStart};
use crate::booking::service::SlotView;
use crate::booking::BookingError;
use crate::clock::Clock;
use crate::experiments::{CanaryService, ShadowService};
use crate::llm::LlmService;
use crate::safety::incidents::IncidentLog;
use crate::safety::{Action as SafetyAction, Direction, RiskLevel, Scanner, SessionRisk, Verdict};
use crate::storage::Database;

/// Longest accepted customer message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// Why a chat call failed.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("this chat session does not exist or has expired; start a new one")]
    SessionNotFound,
    #[error("this chat session has ended; start a new one")]
    SessionEnded,
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// `POST /api/chat/start` result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub session_id: String,
    pub conversation_id: String,
    pub variant: String,
    pub welcome_message: String,
}

/// How a turn was produced, for `metadata`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnMetadata {
    pub model: String,
    pub tier: String,
    pub tokens: i64,
    pub cost_usd: f64,
    pub cached: bool,
    pub response_time_ms: f64,
}

/// `POST /api/chat/message` result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnResponse {
    pub message: String,
    pub action: Action,
    pub missing_fields: Vec<&'static str>,
    pub extracted_data: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appointment: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slots: Vec<Value>,
    pub metadata: TurnMetadata,
}

/// The chat service.
pub struct ChatService {
    pub(super) db: Database,
    pub(super) clock: Clock,
    pub(super) agent: Agent,
    pub(super) scanner: Arc<Scanner>,
    pub(super) incidents: IncidentLog,
    pub(super) sessions: SessionStore,
    pub(super) llm: Option<Arc<LlmService>>,
    pub(super) canary: Arc<CanaryService>,
    pub(super) shadow: Arc<ShadowService>,
    /// The same engine over a dry-run booking service, for shadow turns.
    pub(super) shadow_agent: Arc<Agent>,
}

/// What the chat service is built from.
pub struct ChatParts {
    pub db: Database,
    pub clock: Clock,
    pub agent: Agent,
    pub shadow_agent: Arc<Agent>,
    pub scanner: Arc<Scanner>,
    pub incidents: IncidentLog,
    pub llm: Option<Arc<LlmService>>,
    pub canary: Arc<CanaryService>,
    pub shadow: Arc<ShadowService>,
}

fn now_ms(clock: &Clock) -> u64 {
    u64::try_from(clock.now().timestamp_millis()).unwrap_or_default()
}

impl ChatService {
    /// A chat service over its parts.
    pub fn new(parts: ChatParts) -> Self {
        Self {
            db: parts.db,
            clock: parts.clock,
            agent: parts.agent,
            scanner: parts.scanner,
            incidents: parts.incidents,
            sessions: SessionStore::new(),
            llm: parts.llm,
            canary: parts.canary,
            shadow: parts.shadow,
            shadow_agent: parts.shadow_agent,
        }
    }

    /// The built-in engine's wording for a variant, from the catalogue; a variant missing
    /// from it speaks like the baseline.
    pub(super) fn voice_of(&self, variant: &str) -> Voice {
        self.canary
            .variants()
            .get(variant)
            .map_or(Voice::Baseline, |v| Voice::of(&v.voice))
    }

    /// Live sessions in memory.
    pub fn live_sessions(&self) -> u64 {
        self.sessions.len()
    }

    /// Starts a conversation with a variant: the one asked for, or else the canary's
    /// sticky assignment (the stable variant when no rollout runs).
    pub async fn start(&self, variant: Option<&str>) -> Result<Started, ChatError> {
        let session_id = sessions::new_session_id();
        let variant = match variant.map(str::trim).filter(|v| !v.is_empty()) {
            None => self.canary.variant_for(&session_id),
            Some(v) => match self.canary.variants().active(v) {
                Ok(found) => found.name.clone(),
                Err(error) => {
                    return Err(ChatError::Invalid {
                        field: "variant",
                        message: format!(
                            "{error}; expected one of {}",
                            self.canary.variants().active_names().join(", ")
                        ),
                    })
                }
            },
        };
        let variant = variant.as_str();
        let conversation_id = sessions::new_conversation_id();
        repo::insert_conversation(
            &self.db,
            NewConversation {
                id: conversation_id.clone(),
                session_hash: sessions::session_hash(&session_id),
                variant: variant.to_owned(),
                at: self.clock.now(),
            },
        )
        .await?;
        let voice = self.voice_of(variant);
        self.sessions.insert(
            session_id.clone(),
            Session {
                conversation_id: conversation_id.clone(),
                variant: variant.to_owned(),
                voice,
                agent: AgentState::default(),
                risk: SessionRisk::new(),
                ended: false,
                history: Vec::new(),
                turns: 0,
            },
        );
        Ok(Started {
            session_id,
            conversation_id,
            variant: variant.to_owned(),
            welcome_message: replies::welcome(voice),
        })
    }

    /// The live session, or one restored from the database if active within 30 minutes.
    async fn session(&self, session_id: &str) -> Result<SharedSession, ChatError> {
        if !sessions::is_well_formed(session_id) {
            return Err(ChatError::SessionNotFound);
        }
        if let Some(session) = self.sessions.get(session_id) {
            return Ok(session);
        }
        let row = repo::find_by_session(&self.db, &sessions::session_hash(session_id))
            .await?
            .ok_or(ChatError::SessionNotFound)?;
        if row.status == "ended" {
            return Err(ChatError::SessionEnded);
        }
        let last = chrono::DateTime::parse_from_rfc3339(&row.last_activity_at)
            .map_err(|e| ChatError::Database(sqlx::Error::Decode(Box::new(e))))?;
        let idle = Duration::from_std(sessions::SESSION_IDLE).unwrap_or_default();
        if self.clock.now() - last.with_timezone(&chrono::Utc) > idle {
            return Err(ChatError::SessionNotFound);
        }
        let voice = self.voice_of(&row.variant);
        Ok(self.sessions.insert(
            session_id.to_owned(),
            Session {
                conversation_id: row.id,
                variant: row.variant,
                voice,
                // Personal details were never persisted; the agent asks again if needed.
                agent: sessions::restored_agent(&row.job),
                risk: SessionRisk::new(),
                ended: false,
                history: Vec::new(),
                turns: usize::try_from(row.turns).unwrap_or_default(),
            },
        ))
    }

    /// One customer message in, one reply out.
    pub async fn message(&self, session_id: &str, text: &str) -> Result<TurnResponse, ChatError> {
        let started = Instant::now();
        let text = text.trim();
        if text.is_empty() {
            return Err(ChatError::Invalid {
                field: "message",
                message: "is empty".to_owned(),
            });
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(ChatError::Invalid {
                field: "message",
                message: format!("must be at most {MAX_MESSAGE_CHARS} characters"),
            });
        }
        let shared = self.session(session_id).await?;
        let mut session = shared.lock().await;
        if session.ended {
            return Err(ChatError::SessionEnded);
        }
        let now = now_ms(&self.clock);
        let level = session.risk.level(now);
        let input = match level {
            RiskLevel::Blocked { .. } => None,
            _ => Some(
                self.scanner
                    .scan_with(text, Direction::Input, level.sensitivity()),
            ),
        };
        // A sampled turn is replayed by the shadow variant from the same starting state.
        let shadow = match &input {
            Some(verdict) if !verdict.is_blocked() => {
                self.shadow
                    .sample(&session.variant)
                    .map(|(variant, permit)| ShadowStart {
                        variant,
                        permit,
                        state: session.agent.clone(),
                        history: session.history.clone(),
                        turns: session.turns,
                        off_topic: verdict.is_off_topic(),
                        text: text.to_owned(),
                        redacted: verdict.redacted.clone(),
                    })
            }
            _ => None,
        };
        let mut turn = match &input {
            Some(verdict) if !verdict.is_blocked() => {
                self.answer(&mut session, text, verdict).await?
            }
            _ => Turn::local(Reply::say(Action::Blocked, replies::blocked(session.voice))),
        };
        let user_content = input
            .as_ref()
            .map_or_else(|| self.scanner.redact(text), |v| v.redacted.clone());
        match &input {
            Some(verdict) if verdict.is_blocked() => {
                session.risk.record(verdict, now);
                self.incidents
                    .record(Some(&session.conversation_id), Direction::Input, verdict)
                    .await;
            }
            Some(_) => {}
            // Refused unscanned by the session's temporary block: still an incident.
            None => {
                self.incidents
                    .record_session_block(Some(&session.conversation_id), &user_content)
                    .await;
            }
        }
        // What the scan did to the customer's message; a session block refuses it.
        let user_action = input.as_ref().map_or(SafetyAction::Block, |v| v.action);
        let mut reply_blocked = false;
        if !turn.screened {
            let (reply, blocked) = self.screen_output(&session, turn.reply).await;
            turn.reply = reply;
            reply_blocked = blocked;
        }
        let metadata = TurnMetadata {
            model: turn.model.clone(),
            tier: turn.tier.as_str().to_owned(),
            tokens: i64::try_from(turn.input_tokens + turn.output_tokens).unwrap_or(i64::MAX),
            cost_usd: turn.cost_micros as f64 / 1_000_000.0,
            cached: turn.cached,
            response_time_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        self.record(
            &session,
            &user_content,
            user_action,
            &turn,
            reply_blocked,
            &metadata,
        )
        .await?;
        if let Some(start) = shadow {
            let primary = PrimaryOutcome {
                conversation_id: session.conversation_id.clone(),
                variant: session.variant.clone(),
                action: turn.reply.action,
                job: session.agent.draft.job_view(),
                latency_ms: metadata.response_time_ms,
                cost_micros: turn.cost_micros,
            };
            self.spawn_shadow(start, primary);
        }
        Ok(self.render(&session.agent, turn.reply, metadata))
    }

    /// Scans the reply; a blocked reply is replaced, personal data is redacted. Also says
    /// whether the reply was blocked, so the turn's record can count it.
    async fn screen_output(&self, session: &Session, mut reply: Reply) -> (Reply, bool) {
        let verdict: Verdict = self.scanner.scan(&reply.message, Direction::Output);
        if verdict.is_blocked() {
            self.incidents
                .record(Some(&session.conversation_id), Direction::Output, &verdict)
                .await;
            reply.message = replies::not_understood(session.voice);
            return (reply, true);
        }
        if verdict.redacted != reply.message {
            reply.message = verdict.redacted;
        }
        (reply, false)
    }

    async fn record(
        &self,
        session: &Session,
        user_content: &str,
        user_action: SafetyAction,
        turn: &Turn,
        reply_blocked: bool,
        metadata: &TurnMetadata,
    ) -> Result<(), ChatError> {
        let reply = &turn.reply;
        let outcome = match reply.action {
            Action::Booked => Some("booked"),
            Action::Rescheduled => Some("rescheduled"),
            Action::Cancelled => Some("cancelled"),
            _ => None,
        };
        let tokens = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let user = NewMessage {
            role: "user",
            content: user_content.to_owned(),
            safety_action: Some(user_action.as_str()),
            ..NewMessage::default()
        };
        let assistant = NewMessage {
            role: "assistant",
            // Already redacted by `screen_output`, which every reply passes through.
            content: reply.message.clone(),
            action: Some(reply.action.as_str()),
            tier: Some(metadata.tier.clone()),
            model: Some(metadata.model.clone()),
            route_reason: turn.route_reason.clone(),
            complexity: turn.complexity,
            input_tokens: tokens(turn.input_tokens),
            output_tokens: tokens(turn.output_tokens),
            cost_micros: tokens(turn.cost_micros),
            latency_ms: Some(metadata.response_time_ms),
            cached: metadata.cached,
            fallback_reason: turn.fallback_reason,
            ..NewMessage::default()
        };
        let totals = TurnTotals {
            input_tokens: tokens(turn.input_tokens),
            output_tokens: tokens(turn.output_tokens),
            cost_micros: tokens(turn.cost_micros),
            blocked: reply.action == Action::Blocked,
            reply_blocked,
            fallback: reply.action == Action::Fallback || turn.fallback_reason.is_some(),
            booking_reference: reply.appointment.as_ref().map(|a| a.reference.clone()),
            outcome,
            job: session.agent.draft.job_view().to_string(),
        };
        repo::record_turn(
            &self.db,
            TurnRecord {
                conversation_id: session.conversation_id.clone(),
                user,
                assistant,
                totals,
                at: self.clock.now(),
            },
        )
        .await?;
        Ok(())
    }

    fn render(&self, state: &AgentState, reply: Reply, metadata: TurnMetadata) -> TurnResponse {
        let labels = reply.slots.iter().map(|slot| {
            let mut view = json!(SlotView::from(slot));
            view["label"] = json!(replies::slot_label(slot));
            view
        });
        TurnResponse {
            message: reply.message,
            action: reply.action,
            missing_fields: reply.missing.iter().map(|m| m.as_str()).collect(),
            extracted_data: match &state.stage {
                Stage::Booked { .. } if reply.action == Action::Booked => json!({}),
                _ => state.draft.view(),
            },
            quote: reply.quote.map(|q| json!(q)),
            appointment: reply.appointment.map(|a| json!(a)),
            slots: labels.collect(),
            metadata,
        }
    }

    /// The session's turns, as stored (redacted).
    pub async fn history(&self, session_id: &str) -> Result<Value, ChatError> {
        if !sessions::is_well_formed(session_id) {
            return Err(ChatError::SessionNotFound);
        }
        let row = repo::find_by_session(&self.db, &sessions::session_hash(session_id))
            .await?
            .ok_or(ChatError::SessionNotFound)?;
        let messages = repo::list_messages(&self.db, &row.id).await?;
        Ok(json!({
            "conversationId": row.id,
            "variant": row.variant,
            "status": row.status,
            "messages": messages,
        }))
    }

    /// Ends a conversation, with an optional 1–5 rating.
    pub async fn end(
        &self,
        session_id: &str,
        satisfaction: Option<u8>,
    ) -> Result<Value, ChatError> {
        if satisfaction.is_some_and(|s| !(1..=5).contains(&s)) {
            return Err(ChatError::Invalid {
                field: "satisfaction",
                message: "must be between 1 and 5".to_owned(),
            });
        }
        let shared = self.session(session_id).await?;
        let mut session = shared.lock().await;
        session.ended = true;
        repo::end_conversation(
            &self.db,
            &session.conversation_id,
            satisfaction,
            self.clock.now(),
        )
        .await?;
        let message = replies::goodbye(session.voice);
        drop(session);
        self.sessions.remove(session_id);
        Ok(json!({ "message": message, "action": Action::Ended }))
    }

    /// Conversation list for operators.
    pub async fn list_conversations(
        &self,
        variant: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<repo::ConversationRow>, i64), ChatError> {
        Ok(repo::list_conversations(&self.db, variant, limit, offset).await?)
    }

    /// One conversation with its messages, for operators.
    pub async fn conversation(&self, id: &str) -> Result<Option<Value>, ChatError> {
        let Some(row) = repo::find_conversation(&self.db, id).await? else {
            return Ok(None);
        };
        let messages = repo::list_messages(&self.db, &row.id).await?;
        Ok(Some(json!({ "conversation": row, "messages": messages })))
    }
}
