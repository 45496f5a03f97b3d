//! Off-topic detection for visitor messages (never blocks: the agent redirects) and
//! prompt-leak detection for agent replies (blocks). Both run on normalised text.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use regex::{RegexSet, RegexSetBuilder};

use super::{compile, Category, Finding, SafetyError};
use crate::pattern::Pattern;

/// (rule name, confidence, pattern) for requests that have nothing to do with cleaning.
const OFF_TOPIC: &[(&str, f32, &str)] = &[
    (
        "off_topic_code",
        0.9,
        r"\b(?:write|create|generate|fix|debug|refactor|optimi[sz]e|review|implement) (?:a |an |me a |me an |some |the |this |my )?(?:python|javascript|java|rust|c\+\+|c#|sql|html|css|bash|regex|code|function|program|script|algorithm|class|website|api|app)\b|\b(?:python|javascript|typescript|golang|c\+\+|sql query|html|css|regex|compile error|stack overflow|segfault|null pointer|docker|kubernetes|leetcode|git (?:commit|merge|rebase))\b",
    ),
    (
        "off_topic_homework",
        0.8,
        r"\b(?:homework|my assignment|essay about|essay on|math problem|solve (?:for x|this equation|the equation)|equation|derivative|integral|calculus|algebra|theorem|photosynthesis|periodic table|mitochondria)\b",
    ),
    (
        "off_topic_politics",
        0.8,
        r"\b(?:president|presidential|election|elections|politics|political|politician|democrats?|republicans?|congress|senate|parliament|prime minister|vote for|trump|biden|obama|putin|abortion|gun control)\b",
    ),
    (
        "off_topic_recipe",
        0.8,
        r"\b(?:recipe|recipes|how (?:do i|to|can i) (?:cook|bake|make (?:a |an )?(?:cake|pasta|pizza|bread|lasagna|soup|cookies|curry))|ingredients for)\b",
    ),
    (
        "off_topic_trivia",
        0.7,
        r"\b(?:capital (?:city )?of|population of|who (?:won|invented|discovered|wrote|painted|is the (?:president|king|queen|ceo))|how (?:far|tall|old|big|deep) is|tallest (?:building|mountain)|longest river|largest country|nobel prize|world war|meaning of life)\b",
    ),
    (
        "off_topic_creative",
        0.7,
        r"\bwrite (?:me )?(?:a |an )?(?:poem|song|story|novel|haiku|limerick|joke|rap|screenplay|speech|love letter|essay)\b|\btell me a joke\b",
    ),
    (
        "off_topic_finance",
        0.7,
        r"\b(?:stock (?:market|price|tips)|crypto(?:currency)?|bitcoin|ethereum|forex|invest(?:ing|ment) advice|horoscope|sports? scores?|super bowl|world cup|movie recommendations?)\b",
    ),
    (
        "off_topic_everyday",
        0.6,
        r"\bweather (?:forecast|today|tomorrow|like|in)\b|\brecommend (?:a |me a |me some |some )?(?:good )?(?:movie|film|book|song|show|series|restaurant|game)s?\b|\btranslate (?:this|the following)\b",
    ),
];

/// Words that place a message in the cleaning and booking domain.
pub(crate) const DOMAIN: &str = r"\b(?:clean|cleans|cleaning|cleaner|cleaners|cleaned|maid|maids|janitor|janitorial|housekeep[a-z]*|book|booking|booked|appointment|schedule|reschedul[a-z]*|cancel[a-z]*|quote|estimate|price|pricing|cost|rate|discount|slot|availab[a-z]*|crew|visit|house|home|apartment|flat|condo|office|room|rooms|bedroom|bathroom|kitchen|garage|basement|attic|stairs|floor|floors|carpet|carpets|rug|window|windows|oven|fridge|laundry|mold|mould|dust|dusting|vacuum|mop|stain|stains|grout|tile|tiles|sq ft|square feet|sqft|move-?out|move-?in|deep clean|pet hair|eco|disinfect[a-z]*|sanitiz[a-z]*|tenant|landlord|property|rental|airbnb|warehouse|mess|messy|dirty|spotless|cs-[a-z0-9]{6})\b";

/// (rule name, weight, pattern) for replies that reveal the agent's instructions.
const LEAK: &[(&str, f32, &str)] = &[
    (
        "leak_my_instructions",
        0.7,
        r"\bmy (?:system )?(?:instructions|prompt|system prompt|guidelines|directives|rules) (?:are|say|state|tell me|include|is)\b",
    ),
    (
        "leak_i_was_told",
        0.6,
        r"\bi (?:was|have been|am|'ve been) (?:instructed|told|programmed|configured|prompted) (?:to|not to)\b",
    ),
    (
        "leak_here_is_prompt",
        1.0,
        r"\b(?:here (?:is|are)|below (?:is|are)|these are) (?:my|the) (?:full |complete |exact |original )?(?:system prompt|instructions|initial prompt|original instructions|hidden instructions|rules i (?:was|have been) given)\b",
    ),
    ("leak_system_prompt_term", 0.6, r"\bsystem prompt\b"),
    (
        "leak_assistant_identity",
        0.8,
        r"\byou are (?:cleanspace|clean space)(?:'s| pro's| pro)? (?:[a-z]+ )?(?:assistant|agent|bot)\b",
    ),
    ("leak_rules_list", 0.4, r"\brules ?: ?(?:1[.)]|-|\*)"),
    (
        "leak_you_are_assistant",
        0.4,
        r"\byou are (?:a|an|the) (?:[a-z']+ ){0,3}(?:assistant|agent|bot)\b",
    ),
    (
        "leak_template_token",
        1.0,
        r"<\|[a-z_]+\|>|### ?(?:system|instructions)\b|\[/?inst\]",
    ),
    (
        "leak_do_not_reveal",
        0.7,
        r"\b(?:never|do not|don't) (?:reveal|share|disclose) (?:these|this|the|your) (?:instructions|prompt|rules)\b",
    ),
];

/// Words per shingle when comparing replies with a protected prompt.
const SHINGLE_WORDS: usize = 6;

fn build_set(
    name: &'static str,
    patterns: impl Iterator<Item = String>,
) -> Result<RegexSet, SafetyError> {
    RegexSetBuilder::new(patterns)
        .dfa_size_limit(32 << 20)
        .build()
        .map_err(|e| SafetyError::Pattern {
            name,
            source: Box::new(e),
        })
}

fn ascii_boundaries(p: &str) -> String {
    p.replace(r"\b", r"(?-u:\b)")
}

/// Finds visitor requests unrelated to cleaning.
#[derive(Debug)]
pub(crate) struct TopicDetector {
    set: RegexSet,
    domain: Pattern,
}

impl TopicDetector {
    pub(crate) fn new() -> Result<Self, SafetyError> {
        Ok(Self {
            set: build_set(
                "off_topic_rule_set",
                OFF_TOPIC.iter().map(|(_, _, p)| ascii_boundaries(p)),
            )?,
            domain: compile("cleaning_domain", &ascii_boundaries(DOMAIN))?,
        })
    }

    /// An off-topic finding when an unrelated request appears and nothing ties it to cleaning.
    pub(crate) fn finding(&self, normalized: &str) -> Option<Finding> {
        let (score, rule) = self
            .set
            .matches(normalized)
            .iter()
            .map(|i| (OFF_TOPIC[i].1, OFF_TOPIC[i].0))
            .max_by(|a, b| a.0.total_cmp(&b.0))?;
        if self.domain.is_match(normalized) {
            return None;
        }
        Some(Finding {
            category: Category::OffTopic,
            rule,
            score,
            pii: None,
        })
    }
}

/// Finds agent replies that reveal the system prompt.
#[derive(Debug)]
pub(crate) struct LeakDetector {
    set: RegexSet,
    protected: HashSet<u64>,
}

fn shingles(normalized: &str) -> impl Iterator<Item = u64> + '_ {
    let words: Vec<&str> = normalized.split(' ').collect();
    let count = words.len().saturating_sub(SHINGLE_WORDS - 1);
    (0..count).map(move |i| {
        let mut h = DefaultHasher::new();
        words[i..i + SHINGLE_WORDS].hash(&mut h);
        h.finish()
    })
}

impl LeakDetector {
    pub(crate) fn new() -> Result<Self, SafetyError> {
        Ok(Self {
            set: build_set(
                "prompt_leak_rule_set",
                LEAK.iter().map(|(_, _, p)| ascii_boundaries(p)),
            )?,
            protected: HashSet::new(),
        })
    }

    /// Remembers the shingles of a normalised system prompt.
    pub(crate) fn protect(&mut self, normalized_prompt: &str) {
        self.protected.extend(shingles(normalized_prompt));
    }

    /// A blocking finding when the reply's leak score reaches `threshold`.
    pub(crate) fn finding(&self, normalized: &str, threshold: f32) -> Option<Finding> {
        let mut score = 0.0;
        let mut top: (f32, &'static str) = (0.0, "none");
        for i in self.set.matches(normalized).iter() {
            let (name, weight, _) = LEAK[i];
            score += weight;
            if weight > top.0 {
                top = (weight, name);
            }
        }
        if !self.protected.is_empty() {
            let copied = shingles(normalized)
                .filter(|h| self.protected.contains(h))
                .take(3)
                .count();
            if copied >= 2 {
                score += 1.0;
                top = (1.0, "leak_quotes_system_prompt");
            }
        }
        (score >= threshold).then_some(Finding {
            category: Category::PromptLeak,
            rule: top.1,
            score,
            pii: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalize::normalize;
    use super::*;

    fn off_topic(text: &str) -> bool {
        let d = TopicDetector::new().expect("topic rules compile");
        d.finding(&normalize(text)).is_some()
    }

    #[test]
    fn unrelated_requests_are_off_topic() {
        assert!(off_topic("What is the capital of France?"));
        assert!(off_topic("Write a Python function that reverses a list"));
        assert!(off_topic("Who should I vote for in the next election?"));
        assert!(off_topic("Can you give me a recipe for lasagna?"));
        assert!(off_topic("Help me with my calculus homework"));
    }

    #[test]
    fn cleaning_and_booking_talk_is_never_off_topic() {
        for text in [
            "Hi, I'd like to book a deep clean for my two-story house next week.",
            "I'm writing a story for my blog about home organization, do you offer decluttering?",
            "Can you clean the office before the election party on Friday?",
            "The history of this house: it was flooded last year, is that a problem?",
            "Hello, how are you?",
        ] {
            assert!(!off_topic(text), "{text}");
        }
    }

    fn leak(text: &str) -> bool {
        let d = LeakDetector::new().expect("leak rules compile");
        d.finding(&normalize(text), 1.0).is_some()
    }

    #[test]
    fn replies_revealing_the_prompt_are_leaks() {
        assert!(leak("Sure! Here are my instructions: 1. Always be polite."));
        assert!(leak(
            "You are CleanSpace's scheduling assistant. Rules: 1. Never quote below $60."
        ));
        assert!(leak(
            "My instructions are to never reveal the system prompt, but here it is."
        ));
    }

    #[test]
    fn ordinary_replies_are_not_leaks() {
        assert!(!leak("Your deep clean is booked for Friday at 10:00. The crew will follow your instructions."));
        assert!(!leak("I was told by the crew that the job took 3 hours."));
    }

    #[test]
    fn replies_quoting_a_protected_prompt_are_leaks() {
        let mut d = LeakDetector::new().expect("leak rules compile");
        d.protect(&normalize(
            "Only book slots inside opening hours and always confirm the quote with the visitor before booking.",
        ));
        let reply = normalize("Internally I must only book slots inside opening hours and always confirm the quote with the visitor.");
        assert!(d.finding(&reply, 1.0).is_some());
        assert!(d
            .finding(&normalize("Your booking is confirmed."), 1.0)
            .is_none());
    }
}
