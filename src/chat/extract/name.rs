//! Customer names: "I'm Ana Ruiz", "my name is …", "this is …", "name: …", or a bare
//! answer when the agent asked for the name. Titles are dropped and the name comes back
//! capitalised; names of 1–4 words in any script, with apostrophes and hyphens.

use crate::pattern::Pattern;

use super::text::listed;

/// Honorifics dropped in front of a name.
const TITLES: &str = "dr mr mrs ms miss mx prof sir madam mister doctor rev dame professor";

/// Lowercase particles kept lowercase inside a name ("Maria de la Cruz").
const PARTICLES: &str =
    "de del della der den di da dos das du la le van von bin binti al el ter ten y e";

/// Words that end a name or show that what follows a cue is not a name.
const STOP: &str =
    "a an the and or but so if then than that this these those there here hi hello hey \
    from with at on in for to of by about as into over after before via per i i'm im \
    me my mine we us our you your he she they them it it's its is am are was were be \
    been do does did have has had would shall should can could might must need needs \
    want wants like looking interested calling writing trying hoping wondering \
    planning moving booking book schedule reschedule cancel check get please thanks \
    thank thx ok okay yes yeah yep no nope sure just also too very really not don't \
    can't won't i'd i'll i've we're let let's phone number cell mobile tel email \
    e-mail mail address name call text reach contact clean cleaning cleaner deep \
    standard regular basic office carpet carpets window windows estimate quote move \
    service services house home apartment condo flat place room rooms today tomorrow \
    tonight morning afternoon evening noon weekend week days monday tuesday wednesday \
    thursday friday saturday sunday next last time new good great fine happy glad \
    sorry free available busy back out ready done customer owner tenant landlord what \
    when where who why how which one two three thing something anything everything \
    nothing someone anyone all any some both each more most again already still now \
    soon later asap currently actually instead rather either neither speaking hereby \
    gonna wanna needing wanting perfect correct right wrong confirm confirmed \
    absolutely definitely certainly maybe perhaps same usual again well um uh hmm lol \
    btw help anytime whenever using";

/// Extra words that follow "I'm" but are not names ("I'm flexible", "I'm a landlord").
const NOT_A_NAME: &str =
    "flexible open away located based unsure unable able retired allergic worried \
    concerned curious expecting hosting throwing due supposed told booked scheduled \
    stuck confused willing selling renting having getting going thinking asking \
    reaching inquiring enquiring relocating downsizing following checking usually \
    always never only pretty kind sort afraid tired homeowner renter realtor agent \
    manager resident property around off on over under local nearby close new first ok \
    super quite totally kinda extremely also finally still just already almost nearly \
    probably hopefully sick exhausted overwhelmed swamped desperate frustrated excited \
    pregnant elderly disabled injured traveling travelling leaving renovating painting \
    buying listing staging home there ready finished behind late early next interested \
    looking calling writing texting emailing messaging contacting responding replying \
    unavailable gone sure certain thrilled delighted grateful thankful fine good great \
    okay alright well sensitive host mom dad parent mother father student teacher \
    working moving cleaning booking scheduling hoping trying wondering planning \
    needing wanting available free busy sorry glad happy fully completely absolutely \
    def definitely really so very not no";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// "my name is", "name:", "call me": lowercase names are fine.
    Strong,
    /// "I'm", "I am": the first word must not be an ordinary word.
    IAm,
    /// "this is": needs a capital unless the agent asked for the name.
    ThisIs,
    /// A bare answer to "what is your name?".
    Bare,
}

/// The compiled name patterns.
pub(crate) struct NameRules {
    strong: Pattern,
    weak: Pattern,
    here: Pattern,
    greeting_its: Pattern,
    token: Pattern,
    lead_in: Pattern,
}

impl NameRules {
    /// Compiles the name patterns once.
    pub(crate) fn new() -> Result<Self, regex::Error> {
        Ok(Self {
            strong: Pattern::new(
                r"(?i)\b(?:my\s+(?:full\s+)?name\s+is|my\s+(?:full\s+)?name's|my\s+names|(?:full\s+)?name\s+is|name's|(?:full\s+)?name\s*[:=-]|(?:you\s+can\s+|please\s+)?call\s+me|under\s+the\s+name(?:\s+of)?|booking\s+(?:is\s+)?for|put\s+it\s+under|contact\s*(?:name\s*)?[:-]|attn\.?|attention\s*:|c/o|contact\s+person(?:\s+is)?|me\s+llamo|mi\s+nombre\s+es|je\s+m'appelle|mein\s+name\s+ist|ich\s+hei(?:ß|ss)e|mi\s+chiamo)\s*:?\s*",
            )?,
            weak: Pattern::new(r"(?i)\b(i\s+am|i'm|im|this\s+is|soy)\s+")?,
            greeting_its: Pattern::new(r"(?i)^\W*(?:hi|hello|hey|hiya)\b[\s,!]+it'?s\s+")?,
            here: Pattern::new(
                r"(?:^|[.!?]\s+|^(?i:hi|hello|hey)[,!]?\s+)(\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*){0,2})\s+here\b",
            )?,
            token: Pattern::new(r"^\s{0,2}([\p{L}\p{M}][\p{L}\p{M}'.-]*)")?,
            lead_in: Pattern::new(
                r"(?i)^(?:\s*(?:(?:hi|hello|hey|sure|ok|okay|yes|yeah|yep|of\s+course|certainly|thanks|thank\s+you|it's|it\s+is|its|this\s+is|i'm|i\s+am|im|me|name|the\s+name\s+is)\b|[,:.!-])\s*)+",
            )?,
        })
    }

    /// The customer's name in `buf` (contacts, dates and times already blanked).
    /// `expecting` accepts a bare answer; `has_contact` lets a message that is only a
    /// capitalised name next to a phone or email count as a name.
    pub(crate) fn take(&self, buf: &str, expecting: bool, has_contact: bool) -> Option<String> {
        let casual = !has_inner_capitals(buf);
        for m in self.strong.find_iter(buf) {
            if let Some(n) = self.read(buf, m.end(), Cue::Strong, casual) {
                return Some(n);
            }
        }
        for c in self.weak.captures_iter(buf) {
            let (Some(whole), Some(kind)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let kind = kind.as_str().to_lowercase();
            // "soy" is also a word ("soy products"), so it needs a capital like "this is".
            let cue = if kind.starts_with("this") || kind == "soy" {
                if expecting {
                    Cue::Strong
                } else {
                    Cue::ThisIs
                }
            } else {
                Cue::IAm
            };
            if let Some(n) = self.read(buf, whole.end(), cue, casual) {
                return Some(n);
            }
        }
        if let Some(n) = self
            .greeting_its
            .find(buf)
            .and_then(|m| self.read(buf, m.end(), Cue::ThisIs, false))
        {
            return Some(n);
        }
        if let Some(n) = self
            .here
            .captures(buf)
            .and_then(|c| c.get(1))
            .and_then(|m| self.read(buf, m.start(), Cue::ThisIs, false))
        {
            return Some(n);
        }
        if expecting || has_contact {
            let start = self.lead_in.find(buf).map_or(0, |m| m.end());
            let rest = buf[start..].trim();
            if rest.contains('?') {
                return None;
            }
            let name = self.read(buf, start, Cue::Bare, casual || expecting)?;
            if expecting {
                return Some(name);
            }
            // Without the question, the message must hold nothing but the name.
            let words = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
                .filter(|w| !w.is_empty())
                .count();
            let capitalised = rest.chars().next().is_some_and(char::is_uppercase);
            let parts = name.split(' ').count();
            if capitalised && parts >= 2 && words == parts {
                return Some(name);
            }
        }
        None
    }

    /// Reads up to four name words from `pos`.
    fn read(&self, text: &str, mut pos: usize, cue: Cue, casual: bool) -> Option<String> {
        let mut words: Vec<String> = Vec::new();
        while words.len() < 4 {
            let Some(c) = self.token.captures(&text[pos..]) else {
                break;
            };
            let Some(tok) = c.get(1) else { break };
            let raw = tok.as_str();
            // "J." and "St." (St. Clair) do not end the sentence.
            let initial = (raw.chars().count() == 2 && raw.ends_with('.'))
                || matches!(raw.to_lowercase().as_str(), "st." | "ste.");
            let word = raw.trim_end_matches(['.', '-', '\'']);
            let lower = word.to_lowercase();
            let first_char = word.chars().next().unwrap_or(' ');
            pos += tok.end();
            if words.is_empty() && listed(TITLES, lower.as_str()) {
                continue;
            }
            if listed(STOP, lower.as_str()) {
                break;
            }
            let particle = !words.is_empty() && listed(PARTICLES, lower.as_str());
            let lowercase = first_char.is_lowercase();
            if words.is_empty() {
                match cue {
                    Cue::IAm if listed(NOT_A_NAME, lower.as_str()) => return None,
                    // "I'm calling", "I'm worried": long -ing/-ed words are states.
                    Cue::IAm
                        if lowercase
                            && (!casual
                                || (lower.chars().count() >= 7
                                    && (lower.ends_with("ing") || lower.ends_with("ed")))) =>
                    {
                        return None
                    }
                    Cue::ThisIs if lowercase => return None,
                    Cue::Bare if lowercase && !casual => return None,
                    _ => {}
                }
            } else if lowercase && !casual && !particle && cue != Cue::Strong {
                break;
            }
            if word.chars().filter(|ch| ch.is_alphabetic()).count() == 0 {
                break;
            }
            words.push(if initial {
                raw.to_uppercase()
            } else {
                word.to_string()
            });
            let after = text[pos..].trim_start_matches(' ');
            let ends_clause = after.starts_with([',', ';', ':', '!', '?', '(', ')', '"'])
                || after.chars().next().is_some_and(|ch| ch.is_ascii_digit())
                || (raw.ends_with('.') && !initial);
            if ends_clause || text[pos..].starts_with("   ") {
                break;
            }
        }
        while words
            .last()
            .is_some_and(|w| listed(PARTICLES, &w.to_lowercase()))
        {
            words.pop();
        }
        if words.is_empty() {
            return None;
        }
        let proper: Vec<String> = words
            .iter()
            .enumerate()
            .map(|(i, w)| proper_case(w, i == 0))
            .collect();
        Some(proper.join(" "))
    }
}

/// True when a word starts with a capital somewhere other than the start of a
/// sentence or the pronoun "I": the writer capitalises names, so lowercase words after
/// "I'm" are not names.
fn has_inner_capitals(text: &str) -> bool {
    let mut sentence_start = true;
    for word in text.split_whitespace() {
        let first = word.chars().find(|c| c.is_alphanumeric());
        let pronoun = {
            let w = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
            w == "I" || w.starts_with("I'")
        };
        if first.is_some_and(char::is_uppercase) && !sentence_start && !pronoun {
            return true;
        }
        if first.is_some() {
            sentence_start = word.ends_with(['.', '!', '?']);
        }
    }
    false
}

/// "ana" → "Ana", "o'brien" → "O'Brien", "JEAN-LUC" → "Jean-Luc"; mixed case such as
/// "McDonald" is kept, particles after the first word stay lowercase.
fn proper_case(word: &str, first: bool) -> String {
    let has_upper = word.chars().any(char::is_uppercase);
    let has_lower = word.chars().any(char::is_lowercase);
    let lower = word.to_lowercase();
    if has_upper && has_lower {
        let mut chars = word.chars();
        return match chars.next() {
            Some(c) if c.is_lowercase() && (first || !listed(PARTICLES, lower.as_str())) => {
                c.to_uppercase().chain(chars).collect()
            }
            _ => word.to_string(),
        };
    }
    if !first && listed(PARTICLES, lower.as_str()) {
        return lower;
    }
    if matches!(lower.as_str(), "ii" | "iii" | "iv") {
        return lower.to_uppercase();
    }
    let mut out = String::with_capacity(word.len());
    let mut capital_next = true;
    let mut segment_len = 0;
    for c in lower.chars() {
        if capital_next {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        segment_len += 1;
        // Capitalise after a hyphen, and after an apostrophe that follows one letter
        // (O'Brien, D'Angelo) but not in "Ana's".
        capital_next = c == '-' || (c == '\'' && segment_len == 2);
        if c == '-' {
            segment_len = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_capitalised_properly() {
        assert_eq!(proper_case("ana", true), "Ana");
        assert_eq!(proper_case("o'brien", false), "O'Brien");
        assert_eq!(proper_case("JEAN-LUC", true), "Jean-Luc");
        assert_eq!(proper_case("McDonald", false), "McDonald");
        assert_eq!(proper_case("de", false), "de");
        assert_eq!(proper_case("núñez", false), "Núñez");
        assert_eq!(proper_case("李明", true), "李明");
    }

    #[test]
    fn sentence_starts_and_the_pronoun_are_not_inner_capitals() {
        assert!(!has_inner_capitals("Hi, i'm ana. Need a clean"));
        assert!(has_inner_capitals("Hi, I'm Ana"));
        assert!(!has_inner_capitals(
            "I'm looking for a clean. I need it soon"
        ));
    }
}
