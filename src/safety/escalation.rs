//! Per-session escalation: a pure state machine over attack verdicts. Time comes in as
//! milliseconds from any fixed origin; nothing here reads a clock.

use super::{Sensitivity, Verdict};

/// Attack hits after which the session is scanned strictly.
pub const STRICT_AFTER_HITS: u32 = 2;
/// Attack hits after which the session is blocked for a while.
pub const BLOCK_AFTER_HITS: u32 = 4;
/// How long a temporary block lasts.
pub const BLOCK_DURATION_MS: u64 = 10 * 60 * 1000;

/// How a session is treated now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskLevel {
    /// Normal thresholds.
    Normal,
    /// Lower thresholds after repeated attacks.
    Strict,
    /// Every message is refused until `until_ms`.
    Blocked {
        /// When the block ends, on the same clock as `now_ms`.
        until_ms: u64,
    },
}

impl RiskLevel {
    /// The scan sensitivity for this level (a blocked session is strict once unblocked).
    pub fn sensitivity(&self) -> Sensitivity {
        match self {
            RiskLevel::Normal => Sensitivity::Normal,
            RiskLevel::Strict | RiskLevel::Blocked { .. } => Sensitivity::Strict,
        }
    }

    /// The stable snake_case name used in logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            RiskLevel::Normal => "normal",
            RiskLevel::Strict => "strict",
            RiskLevel::Blocked { .. } => "blocked",
        }
    }
}

/// The attack history of one chat session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionRisk {
    hits: u32,
    blocked_until_ms: Option<u64>,
}

impl SessionRisk {
    /// A session with no attacks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attack hits counted so far (reset to the strict level after each block).
    pub fn hits(&self) -> u32 {
        self.hits
    }

    /// The level at `now_ms`.
    pub fn level(&self, now_ms: u64) -> RiskLevel {
        match self.blocked_until_ms {
            Some(until_ms) if now_ms < until_ms => RiskLevel::Blocked { until_ms },
            _ if self.hits >= STRICT_AFTER_HITS => RiskLevel::Strict,
            _ => RiskLevel::Normal,
        }
    }

    /// Counts the verdict if it blocked an injection, jailbreak or toxic message, and
    /// returns the new level; benign, redacted and off-topic messages never count.
    pub fn record(&mut self, verdict: &Verdict, now_ms: u64) -> RiskLevel {
        if verdict.is_attack() {
            self.hits += 1;
            if self.hits >= BLOCK_AFTER_HITS {
                self.blocked_until_ms = Some(now_ms.saturating_add(BLOCK_DURATION_MS));
                // After the block the session stays strict; two more hits block again.
                self.hits = STRICT_AFTER_HITS;
            }
        }
        self.level(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Action, Category, Finding};
    use super::*;

    fn verdict(action: Action, category: Option<Category>) -> Verdict {
        Verdict {
            action,
            categories: category
                .map(|category| Finding {
                    category,
                    rule: "test",
                    score: 1.0,
                    pii: None,
                })
                .into_iter()
                .collect(),
            redacted: String::new(),
        }
    }

    fn attack() -> Verdict {
        verdict(Action::Block, Some(Category::PromptInjection))
    }

    #[test]
    fn a_new_session_is_normal() {
        assert_eq!(SessionRisk::new().level(0), RiskLevel::Normal);
    }

    #[test]
    fn two_attacks_make_the_session_strict() {
        let mut risk = SessionRisk::new();
        assert_eq!(risk.record(&attack(), 1_000), RiskLevel::Normal);
        assert_eq!(risk.record(&attack(), 2_000), RiskLevel::Strict);
        assert_eq!(risk.level(2_000).sensitivity(), Sensitivity::Strict);
    }

    #[test]
    fn four_attacks_block_for_ten_minutes_then_strict() {
        let mut risk = SessionRisk::new();
        for t in 1..=3 {
            risk.record(&attack(), t * 1_000);
        }
        let until_ms = 4_000 + BLOCK_DURATION_MS;
        assert_eq!(
            risk.record(&attack(), 4_000),
            RiskLevel::Blocked { until_ms }
        );
        assert_eq!(risk.level(until_ms - 1), RiskLevel::Blocked { until_ms });
        assert_eq!(risk.level(until_ms), RiskLevel::Strict);
    }

    #[test]
    fn two_more_attacks_after_a_block_block_again() {
        let mut risk = SessionRisk::new();
        for t in 1..=4 {
            risk.record(&attack(), t);
        }
        let later = 4 + BLOCK_DURATION_MS + 1;
        assert_eq!(risk.record(&attack(), later), RiskLevel::Strict);
        assert!(matches!(
            risk.record(&attack(), later + 1),
            RiskLevel::Blocked { .. }
        ));
    }

    #[test]
    fn benign_redacted_and_off_topic_messages_never_count() {
        let mut risk = SessionRisk::new();
        for _ in 0..10 {
            risk.record(&verdict(Action::Allow, None), 5);
            risk.record(&verdict(Action::Redact, Some(Category::Pii)), 5);
            risk.record(&verdict(Action::Allow, Some(Category::OffTopic)), 5);
        }
        assert_eq!(risk.hits(), 0);
        assert_eq!(risk.level(5), RiskLevel::Normal);
    }

    #[test]
    fn toxic_blocks_count_as_attacks() {
        let mut risk = SessionRisk::new();
        risk.record(&verdict(Action::Block, Some(Category::Toxicity)), 1);
        assert_eq!(
            risk.record(&verdict(Action::Block, Some(Category::Jailbreak)), 2),
            RiskLevel::Strict
        );
    }

    #[test]
    fn a_prompt_leak_block_is_not_the_visitors_attack() {
        let mut risk = SessionRisk::new();
        risk.record(&verdict(Action::Block, Some(Category::PromptLeak)), 1);
        assert_eq!(risk.hits(), 0);
    }
}
