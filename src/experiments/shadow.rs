//! Shadow traffic: while on, a sampled share of turns is also answered by another
//! variant in the background, with booking tools that cannot write; both answers are
//! compared and stored. This module holds the switch, the sampling, the bounded
//! concurrency and the status; the chat domain runs the shadow turn.
//!
//! In LLM mode the shadow turn asks the variant's model like the primary would, through
//! a gateway of its own whose budget is the shadow ledger (`SHADOW_*_BUDGET_LIMIT`), so
//! its cost line is real and never the customer's; when that call fails or the ledger
//! is spent, the built-in engine answers in the variant's voice and the comparison says
//! so. Without LLM mode the built-in engine always answers, at no cost.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::canary::ExperimentError;
use super::repository::{self as repo, Comparison};
use super::variants::VariantCatalogue;
use crate::clock::Clock;
use crate::llm::budget_store::BudgetService;
use crate::storage::Database;

/// Shadow turns running at once at most; beyond that a sampled turn is skipped.
const MAX_CONCURRENT: usize = 4;

/// What the shadow runs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShadowConfig {
    pub variant: String,
    pub sample_rate: f64,
}

/// The shadow switch.
pub struct ShadowService {
    db: Database,
    clock: Clock,
    variants: Arc<VariantCatalogue>,
    config: Mutex<Option<ShadowConfig>>,
    slots: Arc<Semaphore>,
    /// The shadow ledger's budget in LLM mode; `None` when shadow turns call no model.
    ledger: Option<Arc<BudgetService>>,
}

impl ShadowService {
    /// Off until started. `ledger` is the shadow gateway's budget in LLM mode.
    pub fn new(
        db: Database,
        clock: Clock,
        variants: Arc<VariantCatalogue>,
        ledger: Option<Arc<BudgetService>>,
    ) -> Self {
        Self {
            db,
            clock,
            variants,
            ledger,
            config: Mutex::new(None),
            slots: Arc::new(Semaphore::new(MAX_CONCURRENT)),
        }
    }

    /// Starts shadowing `variant` on `sample_rate` (0–1) of turns.
    pub async fn start(&self, variant: &str, sample_rate: f64) -> Result<Value, ExperimentError> {
        if !(0.0..=1.0).contains(&sample_rate) || !sample_rate.is_finite() {
            return Err(ExperimentError::BadSampleRate);
        }
        self.variants
            .active(variant)
            .map_err(|error| ExperimentError::Variant {
                field: "variant",
                error,
            })?;
        if let Ok(mut config) = self.config.lock() {
            *config = Some(ShadowConfig {
                variant: variant.to_owned(),
                sample_rate,
            });
        }
        self.status().await
    }

    /// Stops shadowing.
    pub async fn stop(&self) -> Result<Value, ExperimentError> {
        if let Ok(mut config) = self.config.lock() {
            *config = None;
        }
        self.status().await
    }

    /// For a turn: the shadow variant and a concurrency permit, when this turn is sampled,
    /// the shadow differs from the session's variant, and a slot is free.
    pub fn sample(&self, session_variant: &str) -> Option<(String, OwnedSemaphorePermit)> {
        let config = self.config.lock().ok()?.clone()?;
        if config.variant == session_variant || rand::random::<f64>() >= config.sample_rate {
            return None;
        }
        let permit = self.slots.clone().try_acquire_owned().ok()?;
        Some((config.variant, permit))
    }

    /// Stores a comparison; a storage error is logged, never surfaced to the customer.
    pub async fn record(&self, comparison: Comparison) {
        if let Err(error) = repo::insert_comparison(&self.db, &comparison, self.clock.now()).await {
            tracing::error!(%error, "could not store a shadow comparison");
        }
    }

    /// `GET /api/shadow/status`: the switch, the comparison figures of the shadowed
    /// variant, and the shadow ledger's spend (`null` without LLM mode).
    pub async fn status(&self) -> Result<Value, ExperimentError> {
        let config = self.config.lock().ok().and_then(|c| c.clone());
        let engine = if self.ledger.is_some() {
            "model"
        } else {
            "built-in"
        };
        let summary = match &config {
            Some(c) => repo::shadow_summary(&self.db, &c.variant, engine).await?,
            None => Value::Null,
        };
        let budget = self.ledger.as_ref().map(|ledger| ledger.view());
        Ok(json!({
            "active": config.is_some(),
            "config": config,
            "agreement": summary,
            "shadowBudget": budget,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::repository::VariantRow;

    async fn service(dir: &tempfile::TempDir) -> ShadowService {
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        db.migrate().await.unwrap();
        let casual = VariantRow {
            name: "casual".to_owned(),
            tier: "fast".to_owned(),
            temperature: 0.7,
            tone: "relaxed".to_owned(),
            voice: "casual".to_owned(),
            active: true,
        };
        let variants = Arc::new(VariantCatalogue::from_rows(vec![casual]));
        ShadowService::new(db, Clock::System, variants, None)
    }

    #[tokio::test]
    async fn a_fifth_concurrent_shadow_turn_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let shadow = service(&dir).await;
        assert!(shadow.sample("baseline").is_none(), "off until started");
        shadow.start("casual", 1.0).await.unwrap();
        assert!(shadow.sample("casual").is_none(), "never shadows itself");
        let running: Vec<_> = (0..MAX_CONCURRENT)
            .map(|_| shadow.sample("baseline").unwrap())
            .collect();
        assert_eq!(running.len(), 4);
        assert!(shadow.sample("baseline").is_none());
        drop(running);
        assert_eq!(
            shadow.sample("baseline").map(|s| s.0),
            Some("casual".into())
        );
    }

    fn comparison(engine: &str, cost_micros: i64) -> Comparison {
        Comparison {
            conversation_id: "conv-1".to_owned(),
            primary_variant: "baseline".to_owned(),
            shadow_variant: "casual".to_owned(),
            primary_action: "answer".to_owned(),
            shadow_action: "answer".to_owned(),
            fields_agree: true,
            primary_latency_ms: 10.0,
            shadow_latency_ms: 20.0,
            shadow_cost_micros: cost_micros,
            shadow_engine: engine.to_owned(),
            differences: json!({}),
        }
    }

    #[tokio::test]
    async fn the_status_sums_the_real_shadow_cost_and_counts_each_engine() {
        let dir = tempfile::tempdir().unwrap();
        let shadow = service(&dir).await;
        shadow.start("casual", 1.0).await.unwrap();
        shadow.record(comparison("model", 985)).await;
        shadow.record(comparison("model", 15)).await;
        shadow
            .record(comparison("built-in (fallback: budget)", 0))
            .await;
        let status = shadow.status().await.unwrap();
        let agreement = &status["agreement"];
        assert_eq!(agreement["comparisons"], 3);
        assert_eq!(agreement["shadowCostUsd"], 0.001);
        assert_eq!(
            agreement["shadowEngine"], "built-in",
            "no ledger: no LLM mode"
        );
        assert_eq!(
            agreement["shadowEngines"],
            json!({ "model": 2, "built-in (fallback: budget)": 1 })
        );
        assert_eq!(status["shadowBudget"], Value::Null);
    }

    #[tokio::test]
    async fn an_unknown_or_inactive_variant_cannot_be_shadowed() {
        let dir = tempfile::tempdir().unwrap();
        let shadow = service(&dir).await;
        let refused = shadow.start("pirate", 0.5).await.unwrap_err();
        assert!(
            matches!(
                refused,
                ExperimentError::Variant {
                    field: "variant",
                    ..
                }
            ),
            "{refused}"
        );
    }
}
