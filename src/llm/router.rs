//! Per-turn tier choice: a complexity score from cheap signals of the turn, and the routing
//! rule of each strategy. Pure: it never calls a model and knows nothing of budgets or
//! breakers (the caller falls back to `local` when those refuse).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Who answers a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// The built-in engine; costs nothing.
    Local,
    /// The small, cheap model (`LLM_FAST_MODEL`).
    Fast,
    /// The large model (`LLM_BALANCED_MODEL`).
    Balanced,
}

impl Tier {
    /// A stable snake_case name for storage, logs and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Local => "local",
            Tier::Fast => "fast",
            Tier::Balanced => "balanced",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How eagerly turns are sent to a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The built-in engine wherever it is confident; models only for clearly complex turns.
    #[default]
    CostOptimized,
    /// The fast model for most non-trivial turns, the large one for complex turns.
    Balanced,
    /// The large model for anything non-trivial.
    PerformanceOptimized,
}

impl Strategy {
    /// The snake_case name, as accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::CostOptimized => "cost_optimized",
            Strategy::Balanced => "balanced",
            Strategy::PerformanceOptimized => "performance_optimized",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A strategy name that is not one of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown routing strategy {0:?}; expected cost_optimized, balanced or performance_optimized"
)]
pub struct UnknownStrategy(pub String);

impl FromStr for Strategy {
    type Err = UnknownStrategy;

    /// Case-insensitive; `-` and `_` are interchangeable.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "cost_optimized" => Ok(Strategy::CostOptimized),
            "balanced" => Ok(Strategy::Balanced),
            "performance_optimized" => Ok(Strategy::PerformanceOptimized),
            _ => Err(UnknownStrategy(s.to_owned())),
        }
    }
}

/// What the router knows about a turn. Text-derived fields can be filled by
/// [`TurnSignals::from_text`]; the engine-derived ones come from the built-in engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnSignals {
    /// Characters (not bytes) in the turn.
    pub chars: usize,
    /// Whitespace-separated words.
    pub words: usize,
    /// `?` characters (ASCII or full-width).
    pub question_marks: usize,
    /// The built-in engine understood the turn (extracted fields or a known FAQ/intent).
    pub built_in_confident: bool,
    /// How many appointment fields the built-in engine extracted from the turn.
    pub fields_extracted: usize,
    /// An open question: why/how/explain/compare/recommend…
    pub open_question: bool,
    /// Several requests in one turn.
    pub multiple_requests: bool,
    /// Turns so far in the conversation.
    pub conversation_turns: usize,
    /// The customer sounds unhappy.
    pub negative_sentiment: bool,
}

const OPEN_QUESTION_WORDS: &[&str] = &[
    "why",
    "how",
    "explain",
    "compare",
    "comparison",
    "recommend",
    "recommendation",
    "suggest",
    "advice",
    "advise",
    "difference",
    "differences",
    "versus",
    "vs",
    "better",
    "best",
    "worth",
    "pros",
    "cons",
];
/// "how" followed by these asks for a fact the built-in FAQ knows, not for an explanation.
const FACTUAL_AFTER_HOW: &[&str] = &["much", "many", "long", "often", "early", "late"];
const FOLLOW_UP_AFTER_AND: &[&str] = &[
    "can", "could", "would", "will", "what", "how", "when", "where", "which", "why", "is", "are",
    "do", "does",
];
const NEGATIVE_WORDS: &[&str] = &[
    "angry",
    "annoyed",
    "upset",
    "frustrated",
    "frustrating",
    "disappointed",
    "disappointing",
    "terrible",
    "awful",
    "horrible",
    "worst",
    "unacceptable",
    "ridiculous",
    "useless",
    "complaint",
    "complain",
    "refund",
    "rude",
    "furious",
    "disgusting",
    "scam",
    "damaged",
];

impl TurnSignals {
    /// Fills the text-derived signals (length, question marks, open question, multiple
    /// requests, negative sentiment) from English keyword heuristics; the engine-derived
    /// fields are left at their defaults for the caller to set.
    pub fn from_text(text: &str) -> Self {
        let lower = text.to_lowercase();
        let tokens: Vec<&str> = lower
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|t| !t.is_empty())
            .collect();
        let has = |list: &[&str], token: &str| list.contains(&token);
        let next = |i: usize| tokens.get(i + 1).copied().unwrap_or("");

        let question_marks = text.chars().filter(|&c| c == '?' || c == '？').count();
        let open_question = tokens.iter().enumerate().any(|(i, &t)| {
            has(OPEN_QUESTION_WORDS, t) && !(t == "how" && has(FACTUAL_AFTER_HOW, next(i)))
        });
        let multiple_requests = question_marks >= 2
            || tokens.iter().enumerate().any(|(i, &t)| {
                t == "also"
                    || t == "additionally"
                    || (t == "and" && has(FOLLOW_UP_AFTER_AND, next(i)))
            });
        let negative_sentiment = tokens.iter().any(|t| has(NEGATIVE_WORDS, t))
            || lower.contains("not happy")
            || lower.contains("never showed");

        Self {
            chars: text.chars().count(),
            words: text.split_whitespace().count(),
            question_marks,
            open_question,
            multiple_requests,
            negative_sentiment,
            ..Self::default()
        }
    }
}

// Weights of the positive signals; they add up to 1.
const LENGTH_WEIGHT: f64 = 0.20;
const OPEN_QUESTION_WEIGHT: f64 = 0.25;
const MULTIPLE_REQUESTS_WEIGHT: f64 = 0.15;
const NEGATIVE_WEIGHT: f64 = 0.15;
const UNSURE_WEIGHT: f64 = 0.15;
const QUESTION_MARKS_WEIGHT: f64 = 0.05;
const CONVERSATION_WEIGHT: f64 = 0.05;
/// Words at which the length signal is full.
const LONG_TURN_WORDS: f64 = 50.0;
/// Words each extracted field is assumed to account for (a long but structured turn such
/// as a full booking request is easy for the built-in engine).
const WORDS_PER_FIELD: usize = 3;
/// Turns at which the conversation-depth signal is full.
const LONG_CONVERSATION_TURNS: f64 = 20.0;

/// Each signal's contribution to the score, with a label for the decision's reason.
fn contributions(s: &TurnSignals) -> [(f64, String); 7] {
    // Scripts without spaces have few "words"; about six characters make one.
    let length_units = s.words.max(s.chars / 6);
    let unexplained = length_units.saturating_sub(WORDS_PER_FIELD * s.fields_extracted);
    let length = (unexplained as f64 / LONG_TURN_WORDS).min(1.0);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let flag = |on: bool, weight: f64| if on { weight } else { 0.0 };
    // One "?" is an ordinary question; only the extra ones hint at several.
    let extra_questions = (s.question_marks.saturating_sub(1) as f64 / 2.0).min(1.0);
    // A one-word turn the engine did not understand ("hmm") is not worth a model.
    let unsure = if s.built_in_confident {
        0.0
    } else {
        UNSURE_WEIGHT * (s.words as f64 / 4.0).min(1.0)
    };
    [
        (
            flag(s.open_question, OPEN_QUESTION_WEIGHT),
            "open question".into(),
        ),
        (LENGTH_WEIGHT * length, plural(s.words, "word")),
        (
            flag(s.multiple_requests, MULTIPLE_REQUESTS_WEIGHT),
            "multiple requests".into(),
        ),
        (
            flag(s.negative_sentiment, NEGATIVE_WEIGHT),
            "negative sentiment".into(),
        ),
        (unsure, "built-in engine unsure".into()),
        (
            QUESTION_MARKS_WEIGHT * extra_questions,
            plural(s.question_marks, "question mark"),
        ),
        (
            CONVERSATION_WEIGHT * (s.conversation_turns as f64 / LONG_CONVERSATION_TURNS).min(1.0),
            format!("long conversation ({} turns)", s.conversation_turns),
        ),
    ]
}

/// How hard the turn looks, in `[0, 1]`: a weighted sum of open question (0.25), length
/// beyond what the extracted fields explain (0.20), multiple requests (0.15), negative
/// sentiment (0.15), the built-in engine not understanding it (0.15), extra question marks
/// (0.05) and conversation depth (0.05).
pub fn complexity(signals: &TurnSignals) -> f64 {
    contributions(signals)
        .iter()
        .map(|(weight, _)| weight)
        .sum::<f64>()
        .clamp(0.0, 1.0)
}

/// The tier chosen for a turn and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteDecision {
    /// Who answers.
    pub tier: Tier,
    /// The complexity score the decision was based on.
    pub score: f64,
    /// The deciding signals in words, e.g. "open question, 43 words → balanced".
    pub reason: String,
}

/// Scores at or above which the cost-optimized strategy uses the fast / balanced model.
const COST_FAST: f64 = 0.30;
const COST_BALANCED: f64 = 0.60;
/// Below this a turn is trivial for the balanced and performance strategies.
const TRIVIAL: f64 = 0.15;
/// At or above this the balanced strategy uses the large model.
const BALANCED_COMPLEX: f64 = 0.50;

/// Chooses the tier of a turn. Without an LLM it is always `local`.
///
/// | strategy              | local                              | fast           | balanced |
/// |-----------------------|------------------------------------|----------------|----------|
/// | cost_optimized        | engine confident, or score < 0.30  | 0.30 – 0.60    | ≥ 0.60   |
/// | balanced              | score < 0.15                       | 0.15 – 0.50    | ≥ 0.50   |
/// | performance_optimized | score < 0.15                       | —              | ≥ 0.15   |
///
/// (Under cost_optimized a turn the engine is confident about still goes to the large model
/// when its score is ≥ 0.60.)
pub fn route(signals: &TurnSignals, strategy: Strategy, llm_available: bool) -> RouteDecision {
    let score = complexity(signals);
    let decide = |tier: Tier, why: String| RouteDecision {
        tier,
        score,
        reason: format!("{why} → {tier}"),
    };
    if !llm_available {
        return decide(Tier::Local, "no LLM available".into());
    }
    let tier = match strategy {
        Strategy::CostOptimized if score >= COST_BALANCED => Tier::Balanced,
        Strategy::CostOptimized if signals.built_in_confident => {
            return decide(Tier::Local, "built-in engine confident".into());
        }
        Strategy::CostOptimized if score >= COST_FAST => Tier::Fast,
        Strategy::Balanced if score >= BALANCED_COMPLEX => Tier::Balanced,
        Strategy::Balanced if score >= TRIVIAL => Tier::Fast,
        Strategy::PerformanceOptimized if score >= TRIVIAL => Tier::Balanced,
        _ => Tier::Local,
    };
    let signals = deciding_signals(signals);
    let why = match (tier, signals.is_empty()) {
        (Tier::Local, true) => "low complexity".to_owned(),
        (Tier::Local, false) => format!("low complexity ({signals})"),
        (_, _) => signals,
    };
    decide(tier, why)
}

/// Contributions below this are noise, not worth naming in a reason.
const NOTABLE: f64 = 0.02;

/// The (at most three) strongest notable signals, strongest first.
fn deciding_signals(signals: &TurnSignals) -> String {
    let mut found: Vec<(f64, String)> = contributions(signals)
        .into_iter()
        .filter(|(weight, _)| *weight >= NOTABLE)
        .collect();
    // Stable sort: equal weights keep the declared order.
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found
        .into_iter()
        .take(3)
        .map(|(_, label)| label)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "router_tests.rs"]
mod tests;
