//! Safety scanning core: the public types and the [`Scanner`] that checks chat messages
//! for prompt injection, jailbreaks, PII, toxicity, off-topic requests and prompt leaks.
//! The scanning core is pure code (no I/O, no clock, no async); the edges are `eval`,
//! which reads evaluation files, and the server-side `incidents` and `routes`.

mod address;
mod address_words;
mod checksums;
pub mod escalation;
pub mod eval;
pub mod incidents;
mod injection;
mod injection_rules;
mod normalize;
mod pii;
pub mod routes;
mod topic;
mod toxicity;

use serde::Serialize;

use crate::pattern::Pattern;

pub use escalation::{RiskLevel, SessionRisk};

/// Which way a message travels: from the visitor to the agent, or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Text written by the visitor, before the agent sees it.
    Input,
    /// Text the agent is about to send, before the visitor sees it.
    Output,
}

/// How eagerly attacks are blocked; a session under escalation scans strictly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sensitivity {
    /// The default thresholds, tuned to keep false positives near zero.
    #[default]
    Normal,
    /// Lower thresholds, for sessions that already attacked.
    Strict,
}

impl Sensitivity {
    /// The summed signal weight at which injection, jailbreak, toxicity and prompt-leak
    /// scores block.
    pub fn threshold(&self) -> f32 {
        match self {
            Sensitivity::Normal => NORMAL_THRESHOLD,
            Sensitivity::Strict => STRICT_THRESHOLD,
        }
    }
}

/// Blocking threshold at normal sensitivity.
pub const NORMAL_THRESHOLD: f32 = 1.0;
/// Blocking threshold for sessions under escalation.
pub const STRICT_THRESHOLD: f32 = 0.6;

/// What kind of problem a [`Finding`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Attempts to override or exfiltrate the agent's instructions.
    PromptInjection,
    /// Persona, DAN or "no restrictions" role-play meant to lift the agent's rules.
    Jailbreak,
    /// Personal data such as emails, phone or card numbers, addresses.
    Pii,
    /// Threats, slurs and heavy abuse.
    Toxicity,
    /// A request unrelated to cleaning and booking (never blocks).
    OffTopic,
    /// An agent reply that reveals its system prompt.
    PromptLeak,
}

impl Category {
    /// The stable snake_case name used in logs, metrics and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::PromptInjection => "prompt_injection",
            Category::Jailbreak => "jailbreak",
            Category::Pii => "pii",
            Category::Toxicity => "toxicity",
            Category::OffTopic => "off_topic",
            Category::PromptLeak => "prompt_leak",
        }
    }
}

/// What the caller should do with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Pass the message on unchanged.
    Allow,
    /// Pass on [`Verdict::redacted`] instead of the original text.
    Redact,
    /// Refuse the message.
    Block,
}

impl Action {
    /// The stable snake_case name used in logs, metrics and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Redact => "redact",
            Action::Block => "block",
        }
    }
}

/// The kinds of personal data the scanner finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    /// An email address.
    Email,
    /// A phone number, North American or international.
    Phone,
    /// A payment card number that passes the Luhn check.
    CreditCard,
    /// A US social security number in a valid range.
    Ssn,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// An IBAN with a valid mod-97 checksum.
    Iban,
    /// A postal or street address.
    StreetAddress,
}

impl PiiKind {
    /// Every kind, in report order.
    pub const ALL: [PiiKind; 7] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::CreditCard,
        PiiKind::Ssn,
        PiiKind::IpAddress,
        PiiKind::Iban,
        PiiKind::StreetAddress,
    ];

    /// The stable snake_case name used in logs, metrics and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::CreditCard => "credit_card",
            PiiKind::Ssn => "ssn",
            PiiKind::IpAddress => "ip_address",
            PiiKind::Iban => "iban",
            PiiKind::StreetAddress => "street_address",
        }
    }

    /// The placeholder that replaces a match of this kind in redacted text.
    pub fn placeholder(&self) -> &'static str {
        match self {
            PiiKind::Email => "[EMAIL]",
            PiiKind::Phone => "[PHONE]",
            PiiKind::CreditCard => "[CARD]",
            PiiKind::Ssn => "[SSN]",
            PiiKind::IpAddress => "[IP]",
            PiiKind::Iban => "[IBAN]",
            PiiKind::StreetAddress => "[ADDRESS]",
        }
    }
}

/// One piece of personal data; offsets are in chars of the original text, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PiiMatch {
    /// What kind of data it is.
    #[serde(rename = "type")]
    pub kind: PiiKind,
    /// First char of the match.
    pub start: usize,
    /// One past the last char of the match.
    pub end: usize,
}

/// One reason behind a verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The kind of problem.
    pub category: Category,
    /// The strongest rule that fired, for logs and tuning.
    pub rule: &'static str,
    /// Summed signal weight; 1.0 is the normal blocking threshold (1.0 for PII).
    pub score: f32,
    /// Where the personal data is, for PII findings.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub pii: Option<PiiMatch>,
}

/// The outcome of scanning one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// What to do with the message.
    pub action: Action,
    /// Every finding, blocking or not.
    pub categories: Vec<Finding>,
    /// The message with all PII replaced by placeholders (the original if none).
    pub redacted: String,
}

impl Verdict {
    /// True when the message must be refused.
    pub fn is_blocked(&self) -> bool {
        self.action == Action::Block
    }

    /// True when some finding has this category.
    pub fn has(&self, category: Category) -> bool {
        self.categories.iter().any(|f| f.category == category)
    }

    /// True when the visitor asked about something unrelated to cleaning.
    pub fn is_off_topic(&self) -> bool {
        self.has(Category::OffTopic)
    }

    /// True when this verdict counts as an attack for session escalation.
    pub fn is_attack(&self) -> bool {
        self.is_blocked()
            && self.categories.iter().any(|f| {
                matches!(
                    f.category,
                    Category::PromptInjection | Category::Jailbreak | Category::Toxicity
                )
            })
    }
}

/// Errors from building the scanner or running the evaluation.
#[derive(Debug, thiserror::Error)]
pub enum SafetyError {
    /// A built-in pattern failed to compile (a bug caught by the unit tests).
    #[error("safety pattern `{name}` failed to compile: {source}")]
    Pattern {
        /// The rule whose pattern is broken.
        name: &'static str,
        /// The regex error.
        source: Box<regex::Error>,
    },
    /// The evaluation file could not be read.
    #[error("cannot read evaluation data {path}: {source}")]
    Io {
        /// The file that failed.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of the evaluation file is not the expected JSON.
    #[error("bad evaluation row at {path}:{line}: {message}")]
    Data {
        /// The file that holds the row.
        path: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

/// Compiles one pattern (its ASCII twin waits for first use), naming it in the error.
pub(crate) fn compile(name: &'static str, pattern: &str) -> Result<Pattern, SafetyError> {
    Pattern::new(pattern).map_err(|e| SafetyError::Pattern {
        name,
        source: Box::new(e),
    })
}

/// Every detector, compiled once; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Scanner {
    injection: injection::InjectionDetector,
    pii: pii::PiiDetector,
    toxicity: toxicity::ToxicityDetector,
    topic: topic::TopicDetector,
    leak: topic::LeakDetector,
}

impl Scanner {
    /// Compiles every pattern; fails only if a built-in pattern is broken.
    pub fn new() -> Result<Scanner, SafetyError> {
        Ok(Scanner {
            injection: injection::InjectionDetector::new()?,
            pii: pii::PiiDetector::new()?,
            toxicity: toxicity::ToxicityDetector::new()?,
            topic: topic::TopicDetector::new()?,
            leak: topic::LeakDetector::new()?,
        })
    }

    /// Protects a system prompt: replies quoting long runs of it count as prompt leaks.
    pub fn protect_prompt(&mut self, system_prompt: &str) {
        self.leak.protect(&normalize::normalize(system_prompt));
    }

    /// Scans a message at normal sensitivity.
    pub fn scan(&self, text: &str, direction: Direction) -> Verdict {
        self.scan_with(text, direction, Sensitivity::Normal)
    }

    /// Scans a message; `Strict` lowers the blocking thresholds.
    pub fn scan_with(&self, text: &str, direction: Direction, sensitivity: Sensitivity) -> Verdict {
        let threshold = sensitivity.threshold();
        let normalized = normalize::normalize(text);
        let mut findings = Vec::new();
        match direction {
            Direction::Input => {
                let payloads: Vec<String> = normalize::decode_payloads(text)
                    .iter()
                    .map(|p| normalize::normalize(p))
                    .collect();
                findings.extend(
                    self.injection
                        .findings(&normalized, text, &payloads, threshold),
                );
                if let Some(f) = self.toxicity.finding(&normalized, threshold) {
                    findings.push(f);
                }
                if findings.is_empty() {
                    if let Some(f) = self.topic.finding(&normalized) {
                        findings.push(f);
                    }
                }
            }
            Direction::Output => {
                if let Some(f) = self.leak.finding(&normalized, threshold) {
                    findings.push(f);
                }
                if let Some(f) = self.toxicity.finding(&normalized, threshold) {
                    findings.push(f);
                }
            }
        }
        let blocked =
            !findings.is_empty() && findings.iter().any(|f| f.category != Category::OffTopic);
        let spans = self.pii.find_spans(text);
        let redacted = pii::apply_redaction(text, &spans);
        let has_pii = !spans.is_empty();
        findings.extend(
            pii::to_char_matches(text, &spans)
                .into_iter()
                .map(|m| Finding {
                    category: Category::Pii,
                    rule: m.kind.as_str(),
                    score: 1.0,
                    pii: Some(m),
                }),
        );
        let action = if blocked {
            Action::Block
        } else if has_pii {
            Action::Redact
        } else {
            Action::Allow
        };
        Verdict {
            action,
            categories: findings,
            redacted,
        }
    }

    /// Replaces every piece of PII with its placeholder; use before logging or storing text.
    pub fn redact(&self, text: &str) -> String {
        pii::apply_redaction(text, &self.pii.find_spans(text))
    }

    /// Whether a reply would be shown exactly as written: the output scan neither
    /// blocks it nor redacts anything in it.
    pub fn passes_output(&self, text: &str) -> bool {
        self.scan(text, Direction::Output).action == Action::Allow
    }

    /// Finds PII in the original text, longest match first, without overlaps.
    pub fn find_pii(&self, text: &str) -> Vec<PiiMatch> {
        pii::to_char_matches(text, &self.pii.find_spans(text))
    }

    /// Lists the injection and jailbreak rules that fire on a text, for tuning and the CLI.
    pub fn explain(&self, text: &str) -> Vec<(&'static str, f32)> {
        let payloads: Vec<String> = normalize::decode_payloads(text)
            .iter()
            .map(|p| normalize::normalize(p))
            .collect();
        self.injection
            .explain(&normalize::normalize(text), text, &payloads)
    }
}

#[cfg(test)]
mod tests;
