//! The canary in service: the pure `Rollout` behind a lock, persisted with every
//! transition as an event row, fed with per-variant figures from the database, and
//! the source of each new session's variant.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::gate::{self, VariantFigures};
use super::repository as repo;
use super::rollout::{CanaryError, Event, Rollout, RolloutConfig, STAGES};
use super::variants::{VariantCatalogue, VariantError};
use crate::clock::Clock;
use crate::storage::Database;

/// Why a canary request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("{error}")]
    Variant {
        /// The request field that named the variant.
        field: &'static str,
        error: VariantError,
    },
    #[error("the candidate must differ from the stable variant")]
    SameVariant,
    #[error("a canary is already running ({0}); stop or finish it first")]
    AlreadyRunning(String),
    #[error("no canary is running")]
    NotRunning,
    #[error(transparent)]
    Transition(#[from] CanaryError),
    #[error("sampleRate must be between 0 and 1")]
    BadSampleRate,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

struct State {
    stable: String,
    rollout: Option<Rollout>,
}

/// The canary.
pub struct CanaryService {
    db: Database,
    clock: Clock,
    config: RolloutConfig,
    variants: Arc<VariantCatalogue>,
    state: Mutex<State>,
}

impl CanaryService {
    /// Loads the stable variant and any rollout in progress (a restart resumes it).
    pub async fn load(
        db: Database,
        clock: Clock,
        config: RolloutConfig,
        variants: Arc<VariantCatalogue>,
    ) -> Result<Self, sqlx::Error> {
        let (stable, rollout) = repo::load_state(&db).await?;
        let rollout = rollout.and_then(|text| serde_json::from_str::<Rollout>(&text).ok());
        Ok(Self {
            db,
            clock,
            config,
            variants,
            state: Mutex::new(State { stable, rollout }),
        })
    }

    /// The variant catalogue.
    pub fn variants(&self) -> &VariantCatalogue {
        &self.variants
    }

    /// The variant a new session gets: the rollout's split while one is active,
    /// the stable variant otherwise.
    pub fn variant_for(&self, session_id: &str) -> String {
        let Ok(state) = self.state.lock() else {
            return "baseline".to_owned();
        };
        match &state.rollout {
            Some(rollout) if rollout.is_active() => rollout.variant_for(session_id),
            _ => state.stable.clone(),
        }
    }

    fn snapshot(&self) -> (String, Option<Rollout>) {
        self.state
            .lock()
            .map(|s| (s.stable.clone(), s.rollout.clone()))
            .unwrap_or_else(|_| ("baseline".to_owned(), None))
    }

    async fn persist(
        &self,
        stable: &str,
        rollout: &Rollout,
        event: Option<&Event>,
    ) -> Result<(), sqlx::Error> {
        let text = serde_json::to_string(rollout).unwrap_or_default();
        let kind = event.map(|e| {
            serde_json::to_value(e.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        });
        let stage = i64::try_from(rollout.stage).unwrap_or_default();
        let percent = i64::from(rollout.traffic_percent());
        repo::save_state(
            &self.db,
            stable,
            Some(&text),
            match (event, kind.as_deref()) {
                (Some(e), Some(kind)) => Some(repo::NewEvent {
                    kind,
                    at: e.at,
                    candidate: &rollout.candidate,
                    stable: &rollout.stable,
                    stage,
                    percent,
                    detail: &e.detail,
                }),
                _ => None,
            },
        )
        .await
    }

    /// Starts a rollout of `candidate` against `stable` (default: the current stable).
    pub async fn start(
        &self,
        candidate: &str,
        stable: Option<&str>,
        auto_promote: bool,
        auto_rollback: bool,
    ) -> Result<Value, ExperimentError> {
        let (current_stable, current) = self.snapshot();
        let stable = stable.unwrap_or(&current_stable).to_owned();
        for (field, name) in [("candidate", candidate), ("stable", stable.as_str())] {
            self.variants
                .active(name)
                .map_err(|error| ExperimentError::Variant { field, error })?;
        }
        if candidate == stable {
            return Err(ExperimentError::SameVariant);
        }
        if let Some(running) = current.filter(Rollout::is_active) {
            return Err(ExperimentError::AlreadyRunning(running.candidate));
        }
        let (rollout, event) = Rollout::start(
            candidate,
            &stable,
            self.clock.now(),
            auto_promote,
            auto_rollback,
        );
        self.persist(&stable, &rollout, Some(&event)).await?;
        if let Ok(mut state) = self.state.lock() {
            state.stable = stable;
            state.rollout = Some(rollout);
        }
        self.status().await
    }

    /// Figures of (candidate, stable) over the current stage's window. At 100 % the
    /// stable variant has no traffic, so its figures cover the whole rollout.
    async fn window_figures(
        &self,
        rollout: &Rollout,
    ) -> Result<(VariantFigures, VariantFigures), sqlx::Error> {
        let candidate =
            repo::figures(&self.db, &rollout.candidate, rollout.stage_started_at).await?;
        let stable_since: DateTime<Utc> = if rollout.stage + 1 >= STAGES.len() {
            rollout.started_at
        } else {
            rollout.stage_started_at
        };
        let stable = repo::figures(&self.db, &rollout.stable, stable_since).await?;
        Ok((candidate, stable))
    }

    /// Runs the gate (periodically and on demand); a transition is persisted.
    pub async fn evaluate(&self) -> Result<Option<Value>, ExperimentError> {
        let (_, Some(mut rollout)) = self.snapshot() else {
            return Ok(None);
        };
        if !rollout.is_active() {
            return Ok(None);
        }
        let (candidate, stable) = self.window_figures(&rollout).await?;
        let Some(event) = rollout.tick(&candidate, &stable, self.clock.now(), &self.config) else {
            return Ok(None);
        };
        let new_stable = if matches!(rollout.status, super::rollout::CanaryStatus::Promoted) {
            rollout.candidate.clone()
        } else {
            self.snapshot().0
        };
        self.persist(&new_stable, &rollout, Some(&event)).await?;
        if let Ok(mut state) = self.state.lock() {
            state.stable = new_stable;
            state.rollout = Some(rollout);
        }
        tracing::info!(kind = ?event.kind, "canary transition");
        Ok(Some(json!(event)))
    }

    async fn manual(
        &self,
        action: impl FnOnce(&mut Rollout, DateTime<Utc>) -> Result<Event, CanaryError>,
    ) -> Result<Value, ExperimentError> {
        let (stable, Some(mut rollout)) = self.snapshot() else {
            return Err(ExperimentError::NotRunning);
        };
        let event = action(&mut rollout, self.clock.now())?;
        let new_stable = if matches!(rollout.status, super::rollout::CanaryStatus::Promoted) {
            rollout.candidate.clone()
        } else {
            stable
        };
        self.persist(&new_stable, &rollout, Some(&event)).await?;
        if let Ok(mut state) = self.state.lock() {
            state.stable = new_stable;
            state.rollout = Some(rollout);
        }
        self.status().await
    }

    /// Operator: next stage (or promotion at the last).
    pub async fn promote(&self) -> Result<Value, ExperimentError> {
        self.manual(|r, now| r.promote(now)).await
    }

    /// Operator: roll back.
    pub async fn rollback(&self, reason: &str) -> Result<Value, ExperimentError> {
        let reason = reason.to_owned();
        self.manual(move |r, now| r.rollback(now, &reason)).await
    }

    /// Operator: stop without promoting.
    pub async fn stop(&self) -> Result<Value, ExperimentError> {
        self.manual(|r, now| r.stop(now)).await
    }

    /// `GET /api/canary/status`: state, the latest gate figures per variant, recent events.
    pub async fn status(&self) -> Result<Value, ExperimentError> {
        let (stable, rollout) = self.snapshot();
        let events: Vec<Value> = repo::recent_events(&self.db, 20)
            .await?
            .into_iter()
            .map(|e| {
                json!({ "at": e.at, "kind": e.kind, "candidate": e.candidate, "stable": e.stable, "stage": e.stage,
                    "percent": e.percent, "detail": serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::Null) })
            })
            .collect();
        let Some(rollout) = rollout else {
            return Ok(
                json!({ "active": false, "status": "idle", "stable": stable, "candidate": Value::Null,
                "stage": Value::Null, "trafficPercent": 0, "events": events }),
            );
        };
        let (candidate_figures, stable_figures) = self.window_figures(&rollout).await?;
        let mut gate_config = self.config.gate.clone();
        gate_config.min_samples = self.config.min_samples[rollout.stage.min(STAGES.len() - 1)];
        let report = gate::evaluate(&candidate_figures, &stable_figures, &gate_config);
        Ok(json!({
            "active": rollout.is_active(),
            "status": rollout.status,
            "stage": rollout.stage + 1,
            "trafficPercent": rollout.traffic_percent(),
            "candidate": rollout.candidate,
            "stable": stable,
            "autoPromote": rollout.auto_promote,
            "autoRollback": rollout.auto_rollback,
            "startedAt": rollout.started_at,
            "stageStartedAt": rollout.stage_started_at,
            "gate": {
                "candidate": candidate_figures,
                "stable": stable_figures,
                "minSamples": gate_config.min_samples,
                "report": report,
            },
            "events": events,
        }))
    }

    /// `GET /api/canary/stages`.
    pub fn stages(&self) -> Value {
        let stages: Vec<Value> = STAGES
            .iter()
            .zip(self.config.min_samples.iter())
            .enumerate()
            .map(|(i, (percent, samples))| {
                json!({ "stage": i + 1, "trafficPercent": percent, "minSamples": samples,
                "minDurationMinutes": self.config.min_stage_duration.num_minutes() })
            })
            .collect();
        let gate = &self.config.gate;
        json!({ "stages": stages, "maxLatencyIncrease": gate.max_latency_increase,
            "maxCostIncrease": gate.max_cost_increase, "zCritical": gate.z_critical,
            "nonInferiorityZ": gate.non_inferiority_z,
            "margins": { "bookingRate": gate.booking_margin, "errorRate": gate.error_margin,
                "incidentRate": gate.incident_margin } })
    }

    /// The dashboard's canary line.
    pub fn summary(&self) -> Value {
        let (stable, rollout) = self.snapshot();
        match rollout {
            Some(r) if r.is_active() => {
                json!({ "active": true, "stage": r.stage + 1, "trafficPercent": r.traffic_percent(),
                "candidate": r.candidate, "stable": stable, "status": r.status })
            }
            _ => {
                json!({ "active": false, "stage": Value::Null, "trafficPercent": 0, "candidate": Value::Null, "stable": stable })
            }
        }
    }
}
