//! Toxicity scoring on the normalised text: threats, slurs and abuse aimed at the agent
//! block; the ordinary frustration of customers with dirty homes does not.

use regex::{RegexSet, RegexSetBuilder};

use super::{Category, Finding, SafetyError};

/// (rule name, weight, pattern); weights sum, 1.0 blocks at normal sensitivity.
const RULES: &[(&str, f32, &str)] = &[
    (
        "threat_of_violence",
        1.2,
        r"\b(?:i|we|i'm|im|imma|ima|we're)(?:'ll| will| am| are| going to| gonna| want to| wanna| swear i'll| really| fucking| literally)+ (?:kill|murder|hurt|stab|shoot|strangle|rape|beat up|beat the shit out of|slit|burn|choke|punch|torture|find and kill) (?:you|u|ya|y'all|him|her|them|your|the (?:cleaner|cleaners|crew|staff|agent|bot|owner))\b",
    ),
    (
        "threat_phrase",
        1.2,
        r"\b(?:(?:find|hunt|track) (?:you|u)(?: down)? and (?:kill|hurt|murder|shoot|stab|end)|you(?:'re| are) (?:going to|gonna) die|you will die|i know where you live|kill yourself|kys|go die|hope you die|(?:should|deserve to) die|slit your throat|put a bullet in|blow up your|bomb your|burn (?:your|the) (?:house|office|building|place) down|shoot up (?:your|the))\b",
    ),
    (
        "violent_hate",
        1.2,
        r"\b(?:kill|exterminate|gas|lynch|hang) (?:all )?(?:the )?(?:jews|muslims|blacks|gays|immigrants|mexicans|christians|women|humans|arabs|asians)\b|\b(?:jews|muslims|blacks|gays|immigrants|mexicans|arabs) (?:should|must|deserve to) (?:die|be killed|burn)\b",
    ),
    (
        "slur",
        1.2,
        r"\b(?:nigg(?:er|a|ah|az|ers|as)|faggots?|fags|kikes?|spics?|chinks?|wetbacks?|gooks?|ragheads?|towelheads?|trann(?:y|ies)|dykes|sand ?niggers?|beaners?)\b",
    ),
    (
        "directed_insult",
        0.8,
        r"\b(?:you(?:'re| are)?|u r|ur) (?:a |an |such a |such an |fucking |absolute |complete |total |useless |stupid |worthless |pathetic |dumb |little |brainless )*(?:idiot|moron|imbecile|bitch|cunt|whore|slut|asshole|dickhead|dick|prick|bastard|twat|wanker|piece of shit|piece of crap|loser|scum|dumbass|jackass|motherfucker|retard)s?\b",
    ),
    (
        "abuse_at_agent",
        0.6,
        r"\b(?:stupid|useless|worthless|fucking|dumb|pathetic|shitty|retarded) (?:fucking |piece of shit |ass )?(?:bot|machine|robot|chatbot|assistant|ai)\b",
    ),
    (
        "directed_profanity",
        1.0,
        r"\b(?:fuck|screw|f\*ck|f\*\*k|fck|fuk) (?:you|u|off|yourself|your (?:mother|mom|company|family))\b|\bstfu\b|\bshut the fuck up\b|\beat shit\b|\bsuck my (?:dick|cock|balls)\b|\bgo fuck\b",
    ),
    (
        "go_to_hell",
        0.7,
        r"\b(?:go to hell|rot in hell|burn in hell|drop dead)\b",
    ),
    (
        "sexual_harassment",
        1.0,
        r"\b(?:send (?:me )?nudes|show (?:me )?your (?:tits|boobs|body|pussy|dick)|i want to (?:fuck|rape|have sex with) you)\b",
    ),
    (
        "strong_profanity",
        0.4,
        r"\b(?:fuck|fucking|fucked|fucker|motherfucker|cunt|shit|shitty|bullshit|asshole|bitch|bastard|dickhead|cock|pussy|whore|slut|retard)\b",
    ),
    (
        "mild_profanity",
        0.1,
        r"\b(?:damn|hell|crap|sucks|wtf|pissed|bloody)\b",
    ),
];

/// The compiled toxicity lexicon.
#[derive(Debug)]
pub(crate) struct ToxicityDetector {
    set: RegexSet,
}

impl ToxicityDetector {
    pub(crate) fn new() -> Result<Self, SafetyError> {
        let patterns = RULES.iter().map(|(_, _, p)| p.replace(r"\b", r"(?-u:\b)"));
        let set = RegexSetBuilder::new(patterns)
            .dfa_size_limit(32 << 20)
            .build()
            .map_err(|e| SafetyError::Pattern {
                name: "toxicity_rule_set",
                source: Box::new(e),
            })?;
        Ok(Self { set })
    }

    /// Summed severity of the rules that fire, with the strongest rule's name.
    fn score(&self, normalized: &str) -> (f32, &'static str) {
        let mut total = 0.0;
        let mut top: (f32, &'static str) = (0.0, "none");
        for idx in self.set.matches(normalized).iter() {
            let (name, weight, _) = RULES[idx];
            total += weight;
            if weight > top.0 {
                top = (weight, name);
            }
        }
        (total, top.1)
    }

    /// A blocking finding when the severity reaches `threshold`.
    pub(crate) fn finding(&self, normalized: &str, threshold: f32) -> Option<Finding> {
        let (score, rule) = self.score(normalized);
        (score >= threshold).then_some(Finding {
            category: Category::Toxicity,
            rule,
            score,
            pii: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalize::normalize;
    use super::*;

    fn detector() -> &'static ToxicityDetector {
        static DETECTOR: std::sync::OnceLock<ToxicityDetector> = std::sync::OnceLock::new();
        DETECTOR.get_or_init(|| ToxicityDetector::new().expect("lexicon compiles"))
    }

    fn blocked(text: &str) -> bool {
        detector().finding(&normalize(text), 1.0).is_some()
    }

    #[test]
    fn threats_against_the_agent_block() {
        assert!(blocked("I will kill you if the crew is late again"));
        assert!(blocked("I know where you live."));
        assert!(blocked("im gonna hurt u"));
        assert!(blocked("I will find you and kill you."));
    }

    #[test]
    fn slurs_and_heavy_abuse_block() {
        assert!(blocked("you stupid fucking bitch"));
        assert!(blocked("fuck you and your company"));
        assert!(blocked("sh1t b0t, f*ck off"));
    }

    #[test]
    fn customer_frustration_passes() {
        for text in [
            "Honestly this kitchen is disgusting, grease everywhere.",
            "The last cleaner was terrible.",
            "damn dog hair everywhere",
            "Can you kill the mold in my bathroom? It's been a nightmare.",
            "The kids trashed the playroom, it looks like a bomb went off lol",
            "I hate cleaning ovens.",
            "Can your team attack the grout in the shower?",
            "This is bullshit, I waited two hours.",
        ] {
            assert!(!blocked(text), "{text}");
        }
    }

    #[test]
    fn mild_insult_blocks_only_under_strict_sensitivity() {
        let detector = detector();
        let text = normalize("you are an idiot");
        assert!(detector.finding(&text, 1.0).is_none());
        assert!(detector.finding(&text, 0.6).is_some());
    }
}
