//! Prompt-injection and jailbreak scoring: many weighted weak signals matched on the
//! normalised text in one pass, summed with structural signals and decoded payloads.
//! The rule table lives in `injection_rules.rs`; PII and toxicity live elsewhere.

use regex::{RegexSet, RegexSetBuilder};

use crate::pattern::Pattern;

use super::injection_rules::{Family, Rule, RULES};
use super::{Category, Finding, SafetyError};

/// Added when a message carries a decoded base64 or hex payload at all.
const PAYLOAD_WEIGHT: f32 = 0.3;
/// Messages longer than this (normalised chars) with persona signals read as role-play setups.
const LONG_SETUP_CHARS: usize = 1500;

/// The compiled rule table.
#[derive(Debug)]
pub(crate) struct InjectionDetector {
    /// The other rules, one set per family, each with the index in `RULES` of its patterns.
    sets: Vec<(RegexSet, Vec<usize>)>,
    /// The rules that run on their own (see [`runs_alone`]), with their index in `RULES`.
    alone: Vec<(usize, Pattern)>,
    imperative: Pattern,
}

/// Per-family sums and the strongest rule of each.
#[derive(Debug, Default, Clone, PartialEq)]
struct Score {
    injection: f32,
    jailbreak: f32,
    top_injection: Option<(&'static str, f32)>,
    top_jailbreak: Option<(&'static str, f32)>,
    fired: Vec<(&'static str, Family, f32)>,
}

impl Score {
    fn add(&mut self, family: Family, name: &'static str, weight: f32) {
        let (sum, top) = match family {
            Family::Injection => (&mut self.injection, &mut self.top_injection),
            Family::Jailbreak => (&mut self.jailbreak, &mut self.top_jailbreak),
        };
        *sum += weight;
        if top.is_none_or(|(_, w)| weight > w) {
            *top = Some((name, weight));
        }
        self.fired.push((name, family, weight));
    }

    fn total(&self) -> f32 {
        self.injection + self.jailbreak
    }
}

/// Rewrites `\b` to an ASCII word boundary so the lazy DFA never has to give up on
/// non-ASCII input (the normalised text is ASCII wherever the rules look).
fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// Lazy DFA cache limit of each family set, per thread. Each needs about 1.5 MB on the
/// evaluation data; the room above that keeps the DFA from giving up (a slow fallback
/// engine) on other text. The cache only grows as far as the text needs.
const SET_DFA_CACHE_BYTES: usize = 4 << 20;

/// True for rules kept out of the family sets: rules whose repeats are counted need their
/// own regex anyway, and a counted gap (`{0,60}`, `(?: [a-z']+){0,4}`) tracks a position
/// that combines with every other rule's partial matches, so in one set with all rules it
/// multiplied the lazy DFA's states: that cache needed a 64 MB limit and grew to about
/// 30 MB per thread. Alone, each of these needs a few hundred KB.
fn runs_alone(rule: &Rule) -> bool {
    rule.max_hits > 1 || has_counted_repeat(rule.pattern)
}

/// True when `pattern` holds a bounded repetition `{m,n}`.
fn has_counted_repeat(pattern: &str) -> bool {
    pattern.split('{').skip(1).any(|rest| {
        rest.split_once('}').is_some_and(|(inside, _)| {
            inside.split_once(',').is_some_and(|(lo, hi)| {
                !lo.is_empty()
                    && !hi.is_empty()
                    && (lo.chars().chain(hi.chars())).all(|c| c.is_ascii_digit())
            })
        })
    })
}

impl InjectionDetector {
    pub(crate) fn new() -> Result<Self, SafetyError> {
        let (alone_rules, shared): (Vec<usize>, Vec<usize>) =
            (0..RULES.len()).partition(|&i| runs_alone(&RULES[i]));
        let sets = [Family::Injection, Family::Jailbreak]
            .into_iter()
            .map(|family| {
                let rules: Vec<usize> = shared
                    .iter()
                    .copied()
                    .filter(|&i| RULES[i].family == family)
                    .collect();
                let set =
                    RegexSetBuilder::new(rules.iter().map(|&i| ascii_boundaries(RULES[i].pattern)))
                        .dfa_size_limit(SET_DFA_CACHE_BYTES)
                        .build()
                        .map_err(|e| SafetyError::Pattern {
                            name: "injection_rule_set",
                            source: Box::new(e),
                        })?;
                Ok((set, rules))
            })
            .collect::<Result<Vec<_>, SafetyError>>()?;
        let alone = alone_rules
            .into_iter()
            .map(|i| {
                Ok((
                    i,
                    super::compile(RULES[i].name, &ascii_boundaries(RULES[i].pattern))?,
                ))
            })
            .collect::<Result<Vec<_>, SafetyError>>()?;
        let imperative = super::compile(
            "imperative_density",
            &ascii_boundaries(
                r"\byou (?:will|must|should|shall|are going to|have to|can't|cannot|never|always|do not|don't|are not|aren't|need to|may not)\b",
            ),
        )?;
        Ok(Self {
            sets,
            alone,
            imperative,
        })
    }

    fn score_text(&self, normalized: &str) -> Score {
        // Occurrences counted per rule, then added in table order as before the split.
        let mut hits = vec![0usize; RULES.len()];
        for (set, rules) in &self.sets {
            for i in set.matches(normalized).iter() {
                hits[rules[i]] = 1;
            }
        }
        for (i, re) in &self.alone {
            hits[*i] = match RULES[*i].max_hits {
                0 | 1 => usize::from(re.is_match(normalized)),
                max => re.find_iter(normalized).take(max).count(),
            };
        }
        let mut score = Score::default();
        for (rule, &n) in RULES.iter().zip(&hits) {
            if n > 0 {
                score.add(rule.family, rule.name, rule.weight * n as f32);
            }
        }
        // Structure only counts once something already looks like an attack setup.
        if score.total() >= 0.4 {
            let imperatives = self.imperative.find_iter(normalized).take(12).count();
            if imperatives >= 10 {
                score.add(Family::Jailbreak, "imperative_density", 0.5);
            } else if imperatives >= 5 {
                score.add(Family::Jailbreak, "imperative_density", 0.3);
            }
            if normalized.len() >= LONG_SETUP_CHARS && score.jailbreak >= 0.4 {
                score.add(Family::Jailbreak, "long_roleplay_setup", 0.2);
            }
        }
        score
    }

    fn score_all(&self, normalized: &str, original: &str, payloads: &[String]) -> Score {
        let mut score = self.score_text(normalized);
        if !payloads.is_empty() {
            score.add(Family::Injection, "encoded_payload", PAYLOAD_WEIGHT);
            let hidden = payloads
                .iter()
                .map(|p| self.score_text(p))
                .max_by(|a, b| a.total().total_cmp(&b.total()));
            if let Some(hidden) = hidden {
                for (name, family, weight) in hidden.fired {
                    score.add(family, name, weight);
                }
            }
        }
        let lines = original.lines().filter(|l| !l.trim().is_empty()).count();
        if lines >= 12 && score.total() >= 0.4 {
            score.add(Family::Jailbreak, "many_instruction_lines", 0.2);
        }
        score
    }

    /// Injection and jailbreak findings when the summed score reaches `threshold`.
    pub(crate) fn findings(
        &self,
        normalized: &str,
        original: &str,
        payloads: &[String],
        threshold: f32,
    ) -> Vec<Finding> {
        let score = self.score_all(normalized, original, payloads);
        let total = score.total();
        if total < threshold {
            return Vec::new();
        }
        let injection = Finding {
            category: Category::PromptInjection,
            rule: score.top_injection.map_or("combined_signals", |(n, _)| n),
            score: total,
            pii: None,
        };
        let jailbreak = Finding {
            category: Category::Jailbreak,
            rule: score.top_jailbreak.map_or("combined_signals", |(n, _)| n),
            score: total,
            pii: None,
        };
        let (main, other, other_score) = if score.injection >= score.jailbreak {
            (injection, jailbreak, score.jailbreak)
        } else {
            (jailbreak, injection, score.injection)
        };
        let mut out = vec![main];
        if other_score >= threshold {
            out.push(Finding {
                score: other_score,
                ..other
            });
        }
        out
    }

    /// Every rule that fires with its weight, for tuning.
    pub(crate) fn explain(
        &self,
        normalized: &str,
        original: &str,
        payloads: &[String],
    ) -> Vec<(&'static str, f32)> {
        self.score_all(normalized, original, payloads)
            .fired
            .into_iter()
            .map(|(name, _, weight)| (name, weight))
            .collect()
    }
}

#[cfg(test)]
#[path = "injection_tests.rs"]
mod tests;
