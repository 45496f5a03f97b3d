//! The variant catalogue: the `variants` table held in memory, loaded at start, so a
//! variant is data (tier, temperature, tone, built-in wording, active flag), not code.
//! Validation of a variant name for a canary, a shadow or a chat start lives here.

use std::collections::HashMap;

use super::repository::{self as repo, VariantRow};
use crate::storage::Database;

/// Why a variant name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariantError {
    #[error("unknown variant `{0}`")]
    Unknown(String),
    #[error("variant `{0}` is not active")]
    Inactive(String),
}

/// Every variant, by name.
#[derive(Debug, Default)]
pub struct VariantCatalogue {
    by_name: HashMap<String, VariantRow>,
}

impl VariantCatalogue {
    /// Reads the `variants` table. No endpoint changes it, so it is read once at start.
    pub async fn load(db: &Database) -> Result<Self, sqlx::Error> {
        Ok(Self::from_rows(repo::variants(db).await?))
    }

    /// A catalogue of these rows.
    pub fn from_rows(rows: Vec<VariantRow>) -> Self {
        let by_name = rows.into_iter().map(|v| (v.name.clone(), v)).collect();
        Self { by_name }
    }

    /// The variant, active or not (a session keeps its variant after it is retired).
    pub fn get(&self, name: &str) -> Option<&VariantRow> {
        self.by_name.get(name)
    }

    /// The variant, when it exists and may be given to new sessions or rolled out.
    pub fn active(&self, name: &str) -> Result<&VariantRow, VariantError> {
        match self.by_name.get(name) {
            None => Err(VariantError::Unknown(name.to_owned())),
            Some(variant) if !variant.active => Err(VariantError::Inactive(name.to_owned())),
            Some(variant) => Ok(variant),
        }
    }

    /// Names of the active variants, sorted, for error messages.
    pub fn active_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .by_name
            .values()
            .filter(|v| v.active)
            .map(|v| v.name.as_str())
            .collect();
        names.sort_unstable();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, active: bool) -> VariantRow {
        VariantRow {
            name: name.to_owned(),
            tier: "fast".to_owned(),
            temperature: 0.4,
            tone: "plain".to_owned(),
            voice: "baseline".to_owned(),
            active,
        }
    }

    #[test]
    fn only_known_active_variants_are_accepted() {
        let catalogue =
            VariantCatalogue::from_rows(vec![row("b", true), row("a", true), row("old", false)]);
        assert_eq!(catalogue.active("a").map(|v| v.temperature), Ok(0.4));
        assert_eq!(
            catalogue.active("old").map(|v| v.name.clone()),
            Err(VariantError::Inactive("old".into()))
        );
        assert_eq!(
            catalogue.active("pirate").map(|v| v.name.clone()),
            Err(VariantError::Unknown("pirate".into()))
        );
        assert!(
            catalogue.get("old").is_some(),
            "a retired variant is still known"
        );
        assert_eq!(catalogue.active_names(), vec!["a", "b"]);
    }
}
