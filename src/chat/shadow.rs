//! Shadow turns: a sampled message is answered again by another variant in the
//! background, over a booking service that cannot write, and the two answers are compared
//! (action, job fields, latency, cost) and stored without personal data.
//!
//! In LLM mode the shadow takes the router's decision the customer's turn takes, and a
//! turn routed to a model asks it with the shadow variant's tone and temperature through
//! `LlmService::shadow_gateway`: the shadow ledger pays, never the customer's budget, and
//! the response cache is left alone. A turn routed to the built-in engine, a failed model
//! call and LLM mode off are all answered by the built-in engine in the variant's voice,
//! at no cost; the comparison records which engine answered.

use std::time::Instant;

use serde_json::{json, Value};
use tokio::sync::OwnedSemaphorePermit;

use super::agent::{Action, Agent, AgentState, Reply};
use super::llm_agent;
use super::replies::Voice;
use super::routing::{self, built_in_instead, route_message};
use super::service::ChatService;
use crate::booking::BookingError;
use crate::experiments::repository::Comparison;
use crate::llm::providers::openai::ChatMessage;
use crate::llm::router::Tier;
use crate::llm::LlmService;

/// A sampled turn as it stood before the customer's turn ran, for the shadow to replay.
pub(super) struct ShadowStart {
    pub(super) variant: String,
    /// The concurrency slot, held until the shadow turn is stored.
    pub(super) permit: OwnedSemaphorePermit,
    pub(super) state: AgentState,
    /// The model history (redacted) before this turn.
    pub(super) history: Vec<ChatMessage>,
    /// Turns of the conversation before this one, for the router.
    pub(super) turns: usize,
    pub(super) off_topic: bool,
    /// The customer's message, for the built-in engine's extraction; never stored.
    pub(super) text: String,
    /// The message with personal data redacted: what a model sees.
    pub(super) redacted: String,
}

/// What the customer's turn produced, for comparison with the shadow's.
pub(super) struct PrimaryOutcome {
    pub(super) conversation_id: String,
    pub(super) variant: String,
    pub(super) action: Action,
    pub(super) job: Value,
    pub(super) latency_ms: f64,
    pub(super) cost_micros: u64,
}

/// How the shadow variant speaks: the built-in engine's voice, the model's tone and
/// temperature.
struct Style {
    voice: Voice,
    tone: String,
    temperature: f32,
}

/// What answered the shadow turn and what it cost.
struct ShadowAnswer {
    reply: Result<Reply, BookingError>,
    cost_micros: u64,
    engine: String,
}

impl ShadowAnswer {
    fn built_in(reply: Result<Reply, BookingError>) -> Self {
        Self {
            reply,
            cost_micros: 0,
            engine: "built-in".to_owned(),
        }
    }
}

impl ChatService {
    /// Answers the turn again with the shadow variant in the background, over a booking
    /// service that cannot write, and stores how the two answers differ. The customer
    /// never waits for it: it runs on its own task, within the shadow's concurrency slots.
    pub(super) fn spawn_shadow(&self, mut start: ShadowStart, primary: PrimaryOutcome) {
        let agent = self.shadow_agent.clone();
        let llm = self.llm.clone();
        let (tone, temperature) = routing::model_style(self, &start.variant);
        let style = Style {
            voice: self.voice_of(&start.variant),
            tone,
            temperature,
        };
        let shadow = self.shadow.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let answer = answer(&agent, llm.as_deref(), &style, &mut start).await;
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            let shadow_action = match &answer.reply {
                Ok(reply) => reply.action.as_str().to_owned(),
                Err(_) => "error".to_owned(),
            };
            let shadow_job = start.state.draft.job_view();
            let usd = |micros: u64| micros as f64 / 1_000_000.0;
            shadow
                .record(Comparison {
                    conversation_id: primary.conversation_id,
                    primary_variant: primary.variant,
                    shadow_variant: start.variant,
                    primary_action: primary.action.as_str().to_owned(),
                    fields_agree: shadow_job == primary.job,
                    differences: json!({
                        "action": [primary.action.as_str(), shadow_action],
                        "fields": { "primary": primary.job, "shadow": shadow_job },
                        "latencyMs": [primary.latency_ms, latency_ms],
                        "costUsd": [usd(primary.cost_micros), usd(answer.cost_micros)],
                    }),
                    shadow_action,
                    primary_latency_ms: primary.latency_ms,
                    shadow_latency_ms: latency_ms,
                    shadow_cost_micros: i64::try_from(answer.cost_micros).unwrap_or(i64::MAX),
                    shadow_engine: answer.engine,
                })
                .await;
            drop(start.permit);
        });
    }
}

/// The shadow variant's answer to the sampled turn, as the customer's turn would have
/// been answered had the session been on that variant.
async fn answer(
    agent: &Agent,
    llm: Option<&LlmService>,
    style: &Style,
    start: &mut ShadowStart,
) -> ShadowAnswer {
    let found = agent.extract(&start.text, &start.state);
    let (text, off_topic, voice) = (start.text.as_str(), start.off_topic, style.voice);
    let Some(llm) = llm else {
        let reply = agent
            .respond_with(&mut start.state, text, &found, voice, off_topic)
            .await;
        return ShadowAnswer::built_in(reply);
    };
    let (decision, confident) = route_message(llm, text, &found, start.turns);
    if decision.tier == Tier::Local {
        let reply = agent
            .respond_with(&mut start.state, text, &found, voice, off_topic)
            .await;
        return ShadowAnswer::built_in(reply);
    }
    // As for the customer's turn: the model sees redacted text, the draft gets the details.
    let _ = start.state.draft.merge(&found);
    start
        .history
        .push(ChatMessage::text("user", start.redacted.clone()));
    let turn = llm_agent::respond(
        &llm.shadow_gateway,
        agent.booking(),
        &mut start.state,
        &mut start.history,
        &style.tone,
        decision.tier,
        style.temperature,
    )
    .await;
    match turn {
        Ok(turn) => ShadowAnswer {
            reply: Ok(turn.reply),
            cost_micros: turn.cost_micros,
            engine: "model".to_owned(),
        },
        Err(error) => {
            llm.shadow_gateway.record_fallback(error.reason());
            let reply = built_in_instead(
                agent,
                &mut start.state,
                (text, &found),
                voice,
                off_topic,
                confident,
            )
            .await;
            ShadowAnswer {
                reply,
                cost_micros: 0,
                engine: format!("built-in (fallback: {})", error.reason()),
            }
        }
    }
}
