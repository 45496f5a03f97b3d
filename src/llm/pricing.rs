//! Model prices and what a call costs, in integer micro-dollars (1 USD = 1 000 000 µ$),
//! plus the token estimate used before a call. Limits and spend tracking live in `budget`.

use std::collections::BTreeMap;

use serde::Serialize;

/// The default fast-tier model (SPEC §3).
pub const DEFAULT_FAST_MODEL: &str = "llama-3.1-8b-instant";
/// The default balanced-tier model (SPEC §3).
pub const DEFAULT_BALANCED_MODEL: &str = "llama-3.3-70b-versatile";

const MICROS_PER_USD: f64 = 1_000_000.0;
const TOKENS_PER_MILLION: u128 = 1_000_000;

/// The price of one model, in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelPrice {
    /// USD per million prompt tokens.
    pub input_per_million_usd: f64,
    /// USD per million completion tokens.
    pub output_per_million_usd: f64,
}

impl ModelPrice {
    /// A validated price: both parts finite and not negative.
    pub fn new(
        input_per_million_usd: f64,
        output_per_million_usd: f64,
    ) -> Result<Self, PriceError> {
        for value in [input_per_million_usd, output_per_million_usd] {
            if !value.is_finite() || value < 0.0 {
                return Err(PriceError::InvalidPrice {
                    model: String::new(),
                    value: value.to_string(),
                });
            }
        }
        Ok(Self {
            input_per_million_usd,
            output_per_million_usd,
        })
    }

    /// Micro-dollars per million tokens, as exact integers. Rounding to the nearest µ$ per
    /// million tokens removes float noise (0.05 × 10⁶ = 50 000.000000000004); a negative or
    /// NaN price counts as 0 and an infinite one saturates.
    fn micros_per_million(self) -> (u128, u128) {
        let convert = |usd: f64| (usd * MICROS_PER_USD).round() as u128;
        (
            convert(self.input_per_million_usd),
            convert(self.output_per_million_usd),
        )
    }
}

/// A price list that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    /// An entry is not `model=input/output`.
    #[error("invalid price entry {entry:?}: expected model=input/output, e.g. my-model=0.05/0.08")]
    Syntax {
        /// The offending entry.
        entry: String,
    },
    /// A price is not a finite, non-negative number.
    #[error("invalid price {value:?} for model {model:?}: expected USD per million tokens ≥ 0")]
    InvalidPrice {
        /// The model the price was for (empty when not known).
        model: String,
        /// The offending value.
        value: String,
    },
    /// The same model appears twice.
    #[error("model {model:?} is priced twice")]
    Duplicate {
        /// The repeated model name.
        model: String,
    },
}

/// Prices by model name. Unknown models are charged the fallback price (the most expensive
/// known input and output prices), so costs are never under-counted.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    prices: BTreeMap<String, ModelPrice>,
}

impl Default for PriceTable {
    /// The SPEC prices: 8b-instant 0.05/0.08, 70b-versatile 0.59/0.79.
    fn default() -> Self {
        let mut table = Self::empty();
        table.insert(DEFAULT_FAST_MODEL, fixed_price(0.05, 0.08));
        table.insert(DEFAULT_BALANCED_MODEL, fixed_price(0.59, 0.79));
        table
    }
}

/// A price from constants known to be valid.
fn fixed_price(input_per_million_usd: f64, output_per_million_usd: f64) -> ModelPrice {
    ModelPrice {
        input_per_million_usd,
        output_per_million_usd,
    }
}

impl PriceTable {
    /// A table with no model; every model gets the fallback price.
    pub fn empty() -> Self {
        Self {
            prices: BTreeMap::new(),
        }
    }

    /// Sets (or replaces) the price of `model`.
    pub fn insert(&mut self, model: impl Into<String>, price: ModelPrice) {
        self.prices.insert(model.into(), price);
    }

    /// The price of a known model.
    pub fn get(&self, model: &str) -> Option<ModelPrice> {
        self.prices.get(model.trim()).copied()
    }

    /// Every known model and its price, by name.
    pub fn models(&self) -> impl Iterator<Item = (&str, ModelPrice)> + '_ {
        self.prices
            .iter()
            .map(|(name, price)| (name.as_str(), *price))
    }

    /// The price charged for a model not in the table: the highest input and the highest
    /// output price of the known models (the SPEC's 70b price when the table is empty).
    pub fn fallback(&self) -> ModelPrice {
        if self.prices.is_empty() {
            return fixed_price(0.59, 0.79);
        }
        self.prices.values().fold(fixed_price(0.0, 0.0), |max, p| {
            fixed_price(
                max.input_per_million_usd.max(p.input_per_million_usd),
                max.output_per_million_usd.max(p.output_per_million_usd),
            )
        })
    }

    /// The price used for `model`: its own, or the fallback.
    pub fn price_for(&self, model: &str) -> ModelPrice {
        self.get(model).unwrap_or_else(|| self.fallback())
    }

    /// What a call cost, in micro-dollars, rounded up (a call of one token costs 1 µ$).
    pub fn cost_micros(&self, model: &str, input_tokens: u64, output_tokens: u64) -> u64 {
        let (input_price, output_price) = self.price_for(model).micros_per_million();
        let scaled = u128::from(input_tokens)
            .saturating_mul(input_price)
            .saturating_add(u128::from(output_tokens).saturating_mul(output_price));
        u64::try_from(scaled.div_ceil(TOKENS_PER_MILLION)).unwrap_or(u64::MAX)
    }

    /// The most a call can cost before it is made: the prompt plus `max_output_tokens` of
    /// completion. This is what the budget reserves.
    pub fn estimate_micros(&self, model: &str, input_tokens: u64, max_output_tokens: u64) -> u64 {
        self.cost_micros(model, input_tokens, max_output_tokens)
    }

    /// The SPEC defaults overridden by an environment value such as
    /// `llama-3.1-8b-instant=0.05/0.08,my-model=1.0/2.0`. Whitespace around parts and empty
    /// entries are ignored; models not mentioned keep their default price.
    pub fn parse_override(spec: &str) -> Result<PriceTable, PriceError> {
        let mut table = PriceTable::default();
        let mut seen: Vec<&str> = Vec::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let syntax = || PriceError::Syntax {
                entry: entry.to_owned(),
            };
            let (model, prices) = entry.split_once('=').ok_or_else(syntax)?;
            let (input, output) = prices.split_once('/').ok_or_else(syntax)?;
            let model = model.trim();
            if model.is_empty() {
                return Err(syntax());
            }
            if seen.contains(&model) {
                return Err(PriceError::Duplicate {
                    model: model.to_owned(),
                });
            }
            seen.push(model);
            let parse = |value: &str| {
                value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| PriceError::InvalidPrice {
                        model: model.to_owned(),
                        value: value.trim().to_owned(),
                    })
            };
            table.insert(model, fixed_price(parse(input)?, parse(output)?));
        }
        Ok(table)
    }
}

/// A cheap, conservative token estimate: about four ASCII characters per token, and one
/// token per other character (non-Latin scripts tokenise far worse than English). Rounded
/// up, at least 1.
pub fn estimate_tokens(text: &str) -> u64 {
    let (ascii, other) = text.chars().fold((0u64, 0u64), |(ascii, other), c| {
        if c.is_ascii() {
            (ascii + 1, other)
        } else {
            (ascii, other + 1)
        }
    });
    (ascii.div_ceil(4) + other).max(1)
}

#[cfg(test)]
#[path = "pricing_tests.rs"]
mod tests;
