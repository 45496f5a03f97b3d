//! Shadow traffic: while on, a sampled share of turns is also answered by another
//! variant in the background, with booking tools that cannot write; both answers are
//! compared and stored. This module holds the switch, the sampling and the bounded
//! concurrency; the chat domain runs the shadow turn.
//!
//! The shadow turn runs the built-in engine in the variant's voice and never calls a
//! model: the gateway has one budget ledger, the customer's, and a shadow must never
//! spend from it. Its cost line is therefore zero by construction, and the status says
//! which engine answered. Shadowing a variant's model needs a gateway call booked on a
//! ledger of its own.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::canary::ExperimentError;
use super::repository::{self as repo, Comparison};
use super::variants::VariantCatalogue;
use crate::clock::Clock;
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
}

impl ShadowService {
    /// Off until started.
    pub fn new(db: Database, clock: Clock, variants: Arc<VariantCatalogue>) -> Self {
        Self {
            db,
            clock,
            variants,
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

    /// `GET /api/shadow/status`.
    pub async fn status(&self) -> Result<Value, ExperimentError> {
        let config = self.config.lock().ok().and_then(|c| c.clone());
        let summary = match &config {
            Some(c) => repo::shadow_summary(&self.db, &c.variant).await?,
            None => Value::Null,
        };
        Ok(json!({ "active": config.is_some(), "config": config, "agreement": summary }))
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
        ShadowService::new(db, Clock::System, variants)
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
