//! The canary rollout as a small state machine: stages 10 → 25 → 50 → 100 %, gated on a
//! minimum duration and sample count, advanced or rolled back by the gate in `gate.rs`,
//! or moved by hand. Every transition returns an `Event` for the caller to store; this
//! module reads no clock and stores nothing.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use thiserror::Error;

use super::assignment;
use super::gate::{evaluate, GateConfig, GateDecision, VariantFigures};

/// Candidate traffic share, in percent, at each stage.
pub const STAGES: [u8; 4] = [10, 25, 50, 100];

/// Index of the last stage (100 %).
const LAST_STAGE: usize = STAGES.len() - 1;

/// How stages are gated.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutConfig {
    /// Conversations each variant needs in a stage's window before it is judged, per stage.
    pub min_samples: [u64; 4],
    /// Time a stage runs at least before it is judged.
    pub min_stage_duration: Duration,
    /// Gate thresholds; its `min_samples` is replaced by the current stage's.
    pub gate: GateConfig,
}

impl Default for RolloutConfig {
    fn default() -> Self {
        Self {
            min_samples: [50, 100, 200, 400],
            min_stage_duration: Duration::minutes(10),
            gate: GateConfig::default(),
        }
    }
}

/// Where a rollout stands.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CanaryStatus {
    /// Serving the current stage's share and judged by `tick`.
    Running,
    /// Holding the current stage's share; only an operator moves it on.
    Paused,
    /// The candidate became the stable variant.
    Promoted,
    /// The candidate was withdrawn because it did worse.
    RolledBack,
    /// An operator ended the rollout without a verdict; stable serves everyone.
    Stopped,
}

impl CanaryStatus {
    /// The snake_case name used in JSON and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            CanaryStatus::Running => "running",
            CanaryStatus::Paused => "paused",
            CanaryStatus::Promoted => "promoted",
            CanaryStatus::RolledBack => "rolled_back",
            CanaryStatus::Stopped => "stopped",
        }
    }
}

impl std::fmt::Display for CanaryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The rollout began at the first stage.
    Started,
    /// The candidate moved to the next stage.
    StageAdvanced,
    /// The rollout stopped moving on its own.
    Paused,
    /// The candidate became the stable variant.
    Promoted,
    /// The candidate was withdrawn.
    RolledBack,
    /// An operator ended the rollout.
    Stopped,
}

/// One transition, to be stored as an event row.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The transition.
    pub kind: EventKind,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The stage, the reason and, for gate decisions, the figures and checks behind it.
    pub detail: Value,
}

/// A transition that the rollout's status does not allow.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CanaryError {
    /// Only a running or paused rollout can be promoted, rolled back or stopped.
    #[error("cannot {action} a rollout that is {status}")]
    InvalidTransition {
        /// `promote`, `roll back` or `stop`.
        action: &'static str,
        /// The status it was in.
        status: CanaryStatus,
    },
}

/// One candidate's rollout against the stable variant.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    /// The variant being rolled out.
    pub candidate: String,
    /// The variant it is compared with; becomes the candidate on promotion.
    pub stable: String,
    /// Index into `STAGES`.
    pub stage: usize,
    /// Where the rollout stands.
    pub status: CanaryStatus,
    /// When the current stage began; its window for the figures starts here.
    pub stage_started_at: DateTime<Utc>,
    /// When the rollout began.
    pub started_at: DateTime<Utc>,
    /// Whether a passing gate moves to the next stage without an operator.
    pub auto_promote: bool,
    /// Whether a failing gate rolls back without an operator (otherwise it pauses).
    pub auto_rollback: bool,
}

impl Rollout {
    /// Starts a rollout at the first stage.
    pub fn start(
        candidate: &str,
        stable: &str,
        now: DateTime<Utc>,
        auto_promote: bool,
        auto_rollback: bool,
    ) -> (Rollout, Event) {
        let rollout = Rollout {
            candidate: candidate.to_string(),
            stable: stable.to_string(),
            stage: 0,
            status: CanaryStatus::Running,
            stage_started_at: now,
            started_at: now,
            auto_promote,
            auto_rollback,
        };
        let detail = json!({
            "candidate": candidate,
            "stable": stable,
            "stage": 0,
            "percent": rollout.traffic_percent(),
            "autoPromote": auto_promote,
            "autoRollback": auto_rollback,
        });
        let event = Event {
            kind: EventKind::Started,
            at: now,
            detail,
        };
        (rollout, event)
    }

    /// The candidate's share of new sessions, in percent: the stage's share while running
    /// or paused, 100 once promoted, 0 once rolled back or stopped.
    pub fn traffic_percent(&self) -> u8 {
        match self.status {
            CanaryStatus::Running | CanaryStatus::Paused => STAGES[self.stage_index()],
            CanaryStatus::Promoted => 100,
            CanaryStatus::RolledBack | CanaryStatus::Stopped => 0,
        }
    }

    /// Whether the rollout can still move (running or paused).
    pub fn is_active(&self) -> bool {
        matches!(self.status, CanaryStatus::Running | CanaryStatus::Paused)
    }

    /// The variant a session gets now. Sticky: the split is keyed by the candidate's
    /// name, so a session on the candidate keeps it as the share grows.
    pub fn variant_for(&self, session_id: &str) -> String {
        assignment::assign(
            &format!("canary:{}", self.candidate),
            session_id,
            self.traffic_percent(),
            &self.candidate,
            &self.stable,
        )
    }

    /// Judges the current stage; call it periodically or on demand.
    ///
    /// `candidate` and `stable` are the figures since `stage_started_at`. At 100 % stable
    /// serves nobody, so the caller passes its figures from a baseline window instead
    /// (for example everything it served during the rollout).
    ///
    /// Does nothing unless running, the stage has lasted `min_stage_duration` and both
    /// sides have the stage's minimum conversations. Then a failing gate rolls back (or
    /// pauses without `auto_rollback`); a passing gate promotes at 100 %, otherwise moves
    /// to the next stage (or pauses, awaiting an operator, without `auto_promote`).
    pub fn tick(
        &mut self,
        candidate: &VariantFigures,
        stable: &VariantFigures,
        now: DateTime<Utc>,
        config: &RolloutConfig,
    ) -> Option<Event> {
        if self.status != CanaryStatus::Running
            || now - self.stage_started_at < config.min_stage_duration
        {
            return None;
        }
        let stage = self.stage_index();
        let gate = GateConfig {
            min_samples: config.min_samples[stage],
            ..config.gate.clone()
        };
        let report = evaluate(candidate, stable, &gate);
        let detail = |reason: &str| {
            json!({
                "stage": stage,
                "percent": STAGES[stage],
                "reason": reason,
                "candidateFigures": to_json(candidate),
                "stableFigures": to_json(stable),
                "gate": to_json(&report),
            })
        };
        match &report.decision {
            GateDecision::Wait(_) => None,
            GateDecision::Rollback(reason) if self.auto_rollback => {
                self.status = CanaryStatus::RolledBack;
                Some(event(EventKind::RolledBack, now, detail(reason)))
            }
            GateDecision::Rollback(reason) => {
                self.status = CanaryStatus::Paused;
                let reason = format!("{reason}; awaiting manual rollback or promotion");
                Some(event(EventKind::Paused, now, detail(&reason)))
            }
            GateDecision::Advance if stage == LAST_STAGE => {
                Some(self.promote_fully(now, detail("gate passed at 100 %")))
            }
            GateDecision::Advance if self.auto_promote => {
                Some(self.advance_stage(now, detail("gate passed")))
            }
            GateDecision::Advance => {
                self.status = CanaryStatus::Paused;
                Some(event(
                    EventKind::Paused,
                    now,
                    detail("awaiting manual promotion"),
                ))
            }
        }
    }

    /// Moves to the next stage by hand (resuming a paused rollout), or promotes at 100 %.
    /// An operator may override a paused rollback decision this way.
    pub fn promote(&mut self, now: DateTime<Utc>) -> Result<Event, CanaryError> {
        self.ensure_active("promote")?;
        let detail = json!({ "manual": true, "reason": "promoted by an operator" });
        if self.stage_index() == LAST_STAGE {
            Ok(self.promote_fully(now, detail))
        } else {
            self.status = CanaryStatus::Running;
            Ok(self.advance_stage(now, detail))
        }
    }

    /// Withdraws the candidate by hand.
    pub fn rollback(&mut self, now: DateTime<Utc>, reason: &str) -> Result<Event, CanaryError> {
        self.ensure_active("roll back")?;
        let detail = json!({
            "manual": true,
            "stage": self.stage_index(),
            "percent": self.traffic_percent(),
            "reason": reason,
        });
        self.status = CanaryStatus::RolledBack;
        Ok(event(EventKind::RolledBack, now, detail))
    }

    /// Ends the rollout without a verdict; stable serves everyone again.
    pub fn stop(&mut self, now: DateTime<Utc>) -> Result<Event, CanaryError> {
        self.ensure_active("stop")?;
        let detail = json!({
            "manual": true,
            "stage": self.stage_index(),
            "percent": self.traffic_percent(),
        });
        self.status = CanaryStatus::Stopped;
        Ok(event(EventKind::Stopped, now, detail))
    }

    /// The stage index, clamped so a hand-edited stored rollout cannot index past the end.
    fn stage_index(&self) -> usize {
        self.stage.min(LAST_STAGE)
    }

    fn ensure_active(&self, action: &'static str) -> Result<(), CanaryError> {
        if self.is_active() {
            Ok(())
        } else {
            Err(CanaryError::InvalidTransition {
                action,
                status: self.status,
            })
        }
    }

    fn advance_stage(&mut self, now: DateTime<Utc>, detail: Value) -> Event {
        let from = STAGES[self.stage_index()];
        self.stage = self.stage_index() + 1;
        self.stage_started_at = now;
        let detail = with_fields(
            detail,
            json!({ "from": from, "to": STAGES[self.stage], "stage": self.stage }),
        );
        event(EventKind::StageAdvanced, now, detail)
    }

    fn promote_fully(&mut self, now: DateTime<Utc>, detail: Value) -> Event {
        let previous = std::mem::replace(&mut self.stable, self.candidate.clone());
        self.stage = LAST_STAGE;
        self.status = CanaryStatus::Promoted;
        let detail = with_fields(
            detail,
            json!({ "previousStable": previous, "percent": 100 }),
        );
        event(EventKind::Promoted, now, detail)
    }
}

fn event(kind: EventKind, at: DateTime<Utc>, detail: Value) -> Event {
    Event { kind, at, detail }
}

/// Serialises figures and reports, which cannot fail for these plain types; `null` is
/// a harmless stand-in rather than a panic if that ever changed.
fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Adds the fields of `extra` to the object `detail`, overwriting duplicates.
fn with_fields(mut detail: Value, extra: Value) -> Value {
    if let (Some(target), Value::Object(fields)) = (detail.as_object_mut(), extra) {
        target.extend(fields);
    }
    detail
}

#[cfg(test)]
#[path = "rollout_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "rollout_sim_tests.rs"]
mod sim_tests;
