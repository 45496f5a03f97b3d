//! Shadow turns: a sampled message is answered again by another variant in the
//! background, over a booking service that cannot write, and the two answers are compared
//! (action, job fields, latency) and stored without personal data.

use std::time::Instant;

use serde_json::{json, Value};

use super::agent::{Action, AgentState};
use super::service::ChatService;
use crate::experiments::repository::Comparison;

/// What the customer's turn produced, for comparison with the shadow's.
pub(super) struct PrimaryOutcome {
    pub(super) conversation_id: String,
    pub(super) variant: String,
    pub(super) action: Action,
    pub(super) job: Value,
    pub(super) latency_ms: f64,
}

impl ChatService {
    /// Answers the turn again with the shadow variant in the background, over a booking
    /// service that cannot write, and stores how the two answers differ. The customer
    /// never waits for it.
    pub(super) fn spawn_shadow(
        &self,
        variant: String,
        permit: tokio::sync::OwnedSemaphorePermit,
        mut state: AgentState,
        off_topic: bool,
        text: String,
        primary: PrimaryOutcome,
    ) {
        let agent = self.shadow_agent.clone();
        let voice = self.voice_of(&variant);
        let shadow = self.shadow.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let started = Instant::now();
            let found = agent.extract(&text, &state);
            let result = agent
                .respond_with(&mut state, &text, &found, voice, off_topic)
                .await;
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            let shadow_action = match &result {
                Ok(reply) => reply.action.as_str().to_owned(),
                Err(_) => "error".to_owned(),
            };
            let shadow_job = state.draft.job_view();
            shadow
                .record(Comparison {
                    conversation_id: primary.conversation_id,
                    primary_variant: primary.variant,
                    shadow_variant: variant,
                    primary_action: primary.action.as_str().to_owned(),
                    fields_agree: shadow_job == primary.job,
                    differences: json!({
                        "action": [primary.action.as_str(), shadow_action],
                        "fields": { "primary": primary.job, "shadow": shadow_job },
                        "latencyMs": [primary.latency_ms, latency_ms],
                    }),
                    shadow_action,
                    primary_latency_ms: primary.latency_ms,
                    shadow_latency_ms: latency_ms,
                })
                .await;
        });
    }
}
