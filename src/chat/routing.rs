//! Where a model is chosen for a turn: the router's decision, the response cache in front
//! of context-free questions, the model's turn, and the built-in engine behind every
//! failure. The chat service calls `answer` once per allowed message.

use super::agent::{self, Action, Agent, AgentState, Reply, Stage};
use super::extract::Extraction;
use super::llm_agent::{self, LlmTurn, LlmTurnError};
use super::replies::Voice;
use super::service::{ChatError, ChatService};
use super::sessions::Session;
use crate::booking::BookingError;
use crate::llm::cache::{cache_key, CacheError, CachedAnswer};
use crate::llm::gateway::{GatewayError, Prompt, NO_TOOLS};
use crate::llm::providers::openai::ChatMessage;
use crate::llm::retry::ErrorClass;
use crate::llm::router::{self, RouteDecision, Tier, TurnSignals};
use crate::llm::LlmService;
use crate::safety::{Category, Verdict};

/// One produced turn with its accounting.
#[derive(Debug)]
pub(super) struct Turn {
    pub(super) reply: Reply,
    pub(super) model: String,
    pub(super) tier: Tier,
    pub(super) input_tokens: u64,
    pub(super) output_tokens: u64,
    pub(super) cost_micros: u64,
    pub(super) cached: bool,
    pub(super) route_reason: Option<String>,
    pub(super) complexity: Option<f64>,
    /// A model was chosen but the built-in engine answered, and why.
    pub(super) fallback_reason: Option<&'static str>,
    /// The reply already passed the output screen unchanged: a cached answer, screened
    /// when it was stored by the same scanner.
    pub(super) screened: bool,
}

impl Turn {
    pub(super) fn local(reply: Reply) -> Self {
        Turn {
            reply,
            model: "built-in".to_owned(),
            tier: Tier::Local,
            input_tokens: 0,
            output_tokens: 0,
            cost_micros: 0,
            cached: false,
            route_reason: None,
            complexity: None,
            fallback_reason: None,
            screened: false,
        }
    }

    fn from_llm(turn: LlmTurn) -> Self {
        Turn {
            reply: turn.reply,
            model: turn.model,
            tier: turn.tier,
            input_tokens: turn.input_tokens,
            output_tokens: turn.output_tokens,
            cost_micros: turn.cost_micros,
            cached: false,
            route_reason: None,
            complexity: None,
            fallback_reason: None,
            screened: false,
        }
    }

    fn routed(mut self, decision: &RouteDecision) -> Self {
        self.route_reason = Some(decision.reason.clone());
        self.complexity = Some(decision.score);
        self
    }
}

/// How a variant asks a model: its tone and sampling temperature, from the catalogue.
/// A variant missing from it asks plainly at the baseline's defaults.
pub(super) fn model_style(service: &ChatService, variant: &str) -> (String, f32) {
    match service.canary.variants().get(variant) {
        Some(v) => (v.tone.clone(), v.temperature as f32),
        None => ("friendly and concise".to_owned(), 0.3),
    }
}

/// The router's decision for a message after `turns` earlier turns, and whether the
/// built-in engine understood the message: the one decision the customer's turn and a
/// shadow turn both take.
pub(super) fn route_message(
    llm: &LlmService,
    text: &str,
    found: &Extraction,
    turns: usize,
) -> (RouteDecision, bool) {
    let (confident, fields) = agent::understanding(found);
    let mut signals = TurnSignals::from_text(text);
    signals.built_in_confident = confident;
    signals.fields_extracted = fields;
    signals.conversation_turns = turns;
    (router::route(&signals, llm.strategy(), true), confident)
}

/// The built-in engine's answer in place of a model's that failed. It says "fallback"
/// only when it could not do what was asked (`confident` from [`route_message`]).
pub(super) async fn built_in_instead(
    agent: &Agent,
    state: &mut AgentState,
    (text, found): (&str, &Extraction),
    voice: Voice,
    off_topic: bool,
    confident: bool,
) -> Result<Reply, BookingError> {
    let mut reply = agent
        .respond_with(state, text, found, voice, off_topic)
        .await?;
    if !confident && matches!(reply.action, Action::Answer) {
        reply.action = Action::Fallback;
    }
    Ok(reply)
}

fn trim_history(history: &mut Vec<ChatMessage>) {
    if history.len() > llm_agent::MAX_HISTORY {
        let excess = history.len() - llm_agent::MAX_HISTORY;
        history.drain(..excess);
    }
}

impl ChatService {
    /// Routes the turn to the built-in engine or a model, with the cache in front of
    /// context-free questions and the built-in engine behind every failure.
    pub(super) async fn answer(
        &self,
        session: &mut Session,
        text: &str,
        verdict: &Verdict,
    ) -> Result<Turn, ChatError> {
        let voice = session.voice;
        let off_topic = verdict.is_off_topic();
        let found = self.agent.extract(text, &session.agent);
        let Some(llm) = &self.llm else {
            let reply = self
                .agent
                .respond_with(&mut session.agent, text, &found, voice, off_topic)
                .await?;
            return Ok(Turn::local(reply));
        };
        let (decision, confident) = route_message(llm, text, &found, session.turns);
        session.turns += 1;
        if decision.tier == Tier::Local {
            let reply = self
                .agent
                .respond_with(&mut session.agent, text, &found, voice, off_topic)
                .await?;
            return Ok(Turn::local(reply).routed(&decision));
        }
        // The model sees redacted text; the customer's details go to the draft directly.
        let _ = session.agent.draft.merge(&found);
        session
            .history
            .push(ChatMessage::text("user", verdict.redacted.clone()));
        let result = if self.is_context_free(session, &found, verdict) && llm.cache.enabled() {
            self.cached_answer(llm, session, text, decision.tier).await
        } else {
            let (tone, temperature) = model_style(self, &session.variant);
            llm_agent::respond(
                &llm.gateway,
                self.agent.booking(),
                &mut session.agent,
                &mut session.history,
                &tone,
                decision.tier,
                temperature,
            )
            .await
            .map(Turn::from_llm)
        };
        trim_history(&mut session.history);
        match result {
            Ok(turn) => Ok(turn.routed(&decision)),
            Err(error) => {
                if let LlmTurnError::Booking(BookingError::Database(db)) = error {
                    return Err(ChatError::Database(db));
                }
                llm.gateway.record_fallback(error.reason());
                tracing::info!(
                    reason = error.reason(),
                    "turn answered by the built-in engine"
                );
                let reply = built_in_instead(
                    &self.agent,
                    &mut session.agent,
                    (text, &found),
                    voice,
                    off_topic,
                    confident,
                )
                .await?;
                session.history.push(ChatMessage::text(
                    "assistant",
                    self.scanner.redact(&reply.message),
                ));
                let mut turn = Turn::local(reply).routed(&decision);
                turn.fallback_reason = Some(error.reason());
                Ok(turn)
            }
        }
    }

    /// A turn is context-free when no booking is under way, it carries no customer
    /// data, and it asks a general question: only such answers may be cached.
    fn is_context_free(&self, session: &Session, found: &Extraction, verdict: &Verdict) -> bool {
        let idle = matches!(
            session.agent.stage,
            Stage::Collecting | Stage::Booked { .. }
        );
        idle && session.agent.draft.is_empty()
            && !verdict.has(Category::Pii)
            && !agent::gives_booking_details(found)
            && found.reference.is_none()
            && found.yes.is_none()
    }

    async fn cached_answer(
        &self,
        llm: &LlmService,
        session: &mut Session,
        text: &str,
        tier: Tier,
    ) -> Result<Turn, LlmTurnError> {
        let key = cache_key(&session.variant, text);
        let (tone, temperature) = model_style(self, &session.variant);
        let gateway = &llm.gateway;
        let produced = llm
            .cache
            .get_or_produce(
                key,
                // Only a miss runs this, so a hit never builds the prompt.
                async {
                    let today = self.agent.booking().today();
                    let system = llm_agent::system_prompt(&tone, today, &AgentState::default());
                    let prompt = Prompt {
                        messages: vec![
                            ChatMessage::text("system", system),
                            ChatMessage::text("user", text.to_owned()),
                        ],
                        tools: &NO_TOOLS,
                        temperature,
                    };
                    let deadline = gateway.turn_deadline();
                    let answer = gateway.complete(tier, &prompt, deadline).await?;
                    let message = answer.completion.content.clone().unwrap_or_default();
                    if message.trim().is_empty() {
                        return Err(GatewayError::Unavailable(ErrorClass::Malformed));
                    }
                    Ok(CachedAnswer {
                        message,
                        model: answer.model,
                        tier: answer.tier,
                        cost_micros: answer.cost_micros,
                        input_tokens: answer.completion.usage.prompt_tokens,
                        output_tokens: answer.completion.usage.completion_tokens,
                    })
                },
                // Only an answer the output screen lets through unchanged is stored, so
                // a hit is shown without scanning it again.
                |answer| self.scanner.passes_output(&answer.message),
            )
            .await;
        let (answer, hit) = match produced {
            Ok(found) => found,
            Err(CacheError::NotCacheable(answer)) => (answer, false),
            Err(CacheError::Upstream(error)) => return Err(error.into()),
        };
        llm.gateway.record_cache(hit);
        session
            .history
            .push(ChatMessage::text("assistant", answer.message.clone()));
        Ok(Turn {
            reply: Reply::say(Action::Answer, answer.message),
            model: answer.model,
            tier: answer.tier,
            // A hit costs nothing and used no tokens; a miss is an ordinary call.
            input_tokens: if hit { 0 } else { answer.input_tokens },
            output_tokens: if hit { 0 } else { answer.output_tokens },
            cost_micros: if hit { 0 } else { answer.cost_micros },
            cached: hit,
            route_reason: None,
            complexity: None,
            fallback_reason: None,
            screened: hit,
        })
    }
}
