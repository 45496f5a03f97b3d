//! What work the customer wants: the service code from its many synonyms, the visit
//! frequency and the add-ons. Prices and durations live in the booking domain.
//!
//! One service per message. An explicit on-site estimate wins, then move-in/out; an
//! office (a kind of premises) beats "deep" or "standard"; otherwise the first of
//! deep / carpet / windows named wins, and "standard" only when nothing more specific
//! was said. Windows named next to another service become the `interior_windows` add-on.

use crate::pattern::Pattern;

use super::text::{negated_before, next_word, Gate, PatternSet};

/// The compiled service, frequency and add-on vocabularies.
pub(crate) struct ServiceRules {
    estimate_strong: Pattern,
    estimate_weak: Pattern,
    move_in_out: Pattern,
    moving: Pattern,
    office: Pattern,
    carpet_strong: Pattern,
    deep: Pattern,
    carpet: Pattern,
    windows: Pattern,
    inside_windows: Pattern,
    standard: Pattern,
    standard_bare: Pattern,
    frequencies: Vec<(&'static str, Pattern)>,
    add_ons: Vec<(&'static str, Pattern)>,
    /// The service patterns above (not frequencies or add-ons) as one set.
    any_service: Gate,
}

/// What `ServiceRules::scan` found in one message.
#[derive(Debug, Default)]
pub(crate) struct Work {
    pub service: Option<&'static str>,
    pub frequency: Option<&'static str>,
    pub add_ons: Vec<&'static str>,
}

impl ServiceRules {
    /// Compiles the vocabularies once.
    pub(crate) fn new() -> Result<Self, regex::Error> {
        let r = |s: &str| Pattern::new(&format!(r"(?i)\b(?:{s})"));
        let mut services = PatternSet::new();
        let mut service = |s: &str| services.add(format!(r"(?i)\b(?:{s})"));
        let wd = "mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?";
        // The service rule and the add-on read the same words; a clone shares the
        // compiled pattern.
        let inside_windows = service(
            r"(?:inside|interior|indoor)\s+(?:of\s+)?(?:the\s+|my\s+|all\s+)?windows?|windows?\s+(?:on\s+the\s+)?(?:inside|interior)",
        )?;
        Ok(Self {
            estimate_strong: service(
                r"free\s+(?:on-?\s*site\s+|in-?\s*home\s+|in-?\s*person\s+)?(?:estimate|quote|assessment|consultation|evaluation)|(?:on-?\s*site|in-?\s*home|in-?\s*person|home|site)\s+(?:estimate|quote|assessment|visit|consultation|evaluation)|(?:estimate|quote|assessment)\s+(?:visit|appointment)|walk-?\s*through|(?:come|stop|swing)\s+(?:by|over|out)?\s*(?:and|to)?\s*(?:take\s+a\s+|have\s+a\s+)?look|come\s+see\s+the|(?:come|stop)\s+(?:out\s+|by\s+|over\s+)?(?:and\s+|to\s+)?(?:give|do|provide|make|write\s+up)\s+(?:me\s+|us\s+)?(?:an?\s+)?(?:quote|estimate)|(?:look|see)\s+at\s+the\s+(?:place|space|job|house|office)\s+first|assessment|site\s+visit|(?:need|want|book|schedule|arrange|request)\s+(?:an?\s+)?(?:free\s+)?estimate|before\s+(?:i\s+)?commit",
            )?,
            estimate_weak: service(r"estimates?\b|quote\s+only")?,
            move_in_out: service(
                r"mov(?:e|ed|ing)[\s-]*(?:in|out)\b|end[\s-]+of[\s-]+(?:tenancy|lease)|tenancy|vacat(?:e|ed|ing)\b|between\s+tenants|new\s+tenants|(?:lease|rental)\s+(?:is\s+)?end|deposit\s+back|bond\s+clean|just\s+moved|turnover\s+clean",
            )?,
            moving: service(r"moving\b|we(?:'re|\s+are)\s+moving|(?:about|going)\s+to\s+move\b")?,
            office: service(
                r"offices?\b|commercial|workplace|work\s*space|business\s+(?:premises|space|cleaning|clean)|janitorial|corporate|co-?working|our\s+(?:store|shop|clinic|studio|practice)|retail\s+(?:space|store)",
            )?,
            carpet_strong: service(
                r"(?:deep|steam)[\s-]*clean(?:ing|ed)?\s+(?:of\s+)?(?:(?:my|the|our|all\s+the)\s+)?(?:carpets?|rugs?)|carpets?\s+(?:shampoo|steam)|(?:shampoo|steam)(?:ing)?\s+(?:(?:my|the|our)\s+)?(?:carpets?|rugs?)",
            )?,
            deep: service(
                r"deep\b|spring[\s-]*clean|thorough|intensive|top[\s-]+to[\s-]+bottom|heavy[\s-]*duty|detailed\s+clean|post[\s-]*(?:construction|renovation|party)|after\s+(?:construction|renovation|(?:a|the)\s+(?:party|renovation))|(?:really|very|super|extremely)\s+(?:dirty|filthy|messy|grimy)|hasn'?t\s+been\s+cleaned|haven'?t\s+cleaned\s+in|full\s+clean|scrub\s+everything",
            )?,
            carpet: service(r"carpets?\b|carpeting|rugs?\b|upholstery|steam[\s-]*clean|shampoo")?,
            windows: service(r"windows?\b")?,
            inside_windows: inside_windows.clone(),
            standard: service(
                r"standard|regular|basic|normal|general\s+clean|routine|maid|(?:house|home|apartment|condo|flat|residential)[\s-]*(?:clean|cleaning|cleaner|keeping)|housekeeping|light\s+clean|upkeep|maintenance\s+clean|usual\s+clean|simple\s+clean|ordinary|tidy|clean\s+(?:up\s+)?(?:my|our|the)\s+(?:[\w-]+\s+){0,2}(?:house|home|apartment|condo|flat|place|townhouse)|clean(?:ing)?\s+(?:for|of|at)\s+(?:my|our|the|a)\s+(?:[\w-]+\s+){0,2}(?:house|home|apartment|condo|flat|townhouse)",
            )?,
            standard_bare: service(r"clean(?:ing)?\b|general|usual|normal")?,
            frequencies: vec![
                (
                    "biweekly",
                    r(&format!(
                        r"bi-?\s*weekly|every\s+(?:other|second|2(?:nd)?|two)\s+weeks?|fortnight(?:ly)?|twice\s+(?:a|per|each)\s+month|every\s+(?:couple|few)\s+(?:of\s+)?weeks|semi-?monthly|every\s+14\s+days|every\s+other\s+(?:{wd})"
                    ))?,
                ),
                (
                    "monthly",
                    r(
                        r"monthly|once\s+(?:a|per|each|every)\s+month|every\s+month|each\s+month|every\s+(?:4|four)\s+weeks",
                    )?,
                ),
                (
                    "weekly",
                    r(&format!(
                        r"weekly|every\s+week|once\s+(?:a|per|each)\s+week|each\s+week|twice\s+(?:a|per)\s+week|every\s+(?:{wd})"
                    ))?,
                ),
                (
                    "one_time",
                    r(
                        r"one[\s-]*(?:time|off)\b|just\s+(?:the\s+)?once|only\s+once|not\s+recurring|non-?recurring|no\s+(?:subscription|plan|recurring)|single\s+(?:clean|visit|session|cleaning)|just\s+(?:this\s+)?(?:one|a\s+single)\s+(?:time|clean|visit)",
                    )?,
                ),
            ],
            add_ons: vec![
                (
                    "inside_fridge",
                    r(r"fridges?|refrigerators?|refridgerators?|freezers?")?,
                ),
                ("inside_oven", r(r"ovens?\b|stoves?\b|range\s+hood")?),
                ("interior_windows", inside_windows),
                (
                    "pet_hair",
                    r(
                        r"(?:pet|dog|cat|animal)\s*(?:hair|fur|dander)|fur\b|shedd?ing|sheds\b|(?:have|got|own|with)\s+(?:a\s+|an\s+|two\s+|three\s+|\d\s+|some\s+|many\s+|several\s+)?(?:big\s+|small\s+|large\s+|little\s+|furry\s+)?(?:pets?|dogs?|cats?|puppy|puppies|kittens?)\b",
                    )?,
                ),
                (
                    "eco_products",
                    r(
                        r"eco[\s-]*(?:friendly|products?|cleaning|options?|clean)|eco\b|green\s+(?:products|cleaning|cleaners|supplies|options?)|non[\s-]*toxic|natural\s+(?:products|cleaners|cleaning|supplies)|environment(?:ally)?[\s-]*(?:friendly|safe)|organic\s+(?:products|cleaners|supplies)|chemical[\s-]*free|no\s+(?:harsh\s+)?chemicals|fragrance[\s-]*free|hypo-?allergenic|pet[\s-]*safe\s+products",
                    )?,
                ),
                (
                    "laundry",
                    r(
                        r"laundry|wash(?:ing)?\s+(?:and\s+fold|(?:the\s+|my\s+)?(?:clothes|sheets|linens|bedding|towels))|fold(?:ing)?\s+(?:the\s+)?(?:clothes|laundry|towels)|change\s+(?:the\s+)?(?:sheets|bed\s+linens?|beds)",
                    )?,
                ),
            ],
            any_service: services.gate()?,
        })
    }

    /// Reads service and add-ons from `buf` (contacts, dates and times are already
    /// blanked there) and the frequency from the whole message `text`, where "every
    /// Friday" still has its weekday. `expecting` loosens the service vocabulary to
    /// bare answers such as "normal" or "just a clean".
    pub(crate) fn scan(&self, buf: &str, text: &str, expecting: bool, correction: bool) -> Work {
        let mut work = Work {
            service: self.service(buf, expecting, correction),
            ..Work::default()
        };
        let mut freq: Vec<(usize, &'static str)> = Vec::new();
        let mut masked = text.to_string();
        for (code, re) in &self.frequencies {
            if !re.is_match(&masked) {
                continue;
            }
            let snapshot = masked.clone();
            for m in re.find_iter(&snapshot) {
                if !negated_before(&snapshot, m.start()) {
                    freq.push((m.start(), code));
                }
                super::text::blank(&mut masked, m.start(), m.end());
            }
        }
        freq.sort_by_key(|f| f.0);
        work.frequency = if correction {
            freq.last()
        } else {
            freq.first()
        }
        .map(|f| f.1);
        for (code, re) in &self.add_ons {
            // "no chemicals" asks for eco products; any other "no …" refuses the add-on.
            let wanted = re.find_iter(buf).any(|m| {
                m.as_str().to_lowercase().starts_with("no ") || !negated_before(buf, m.start())
            });
            if wanted {
                work.add_ons.push(code);
            }
        }
        if self.first(&self.windows, buf).is_some()
            && work
                .service
                .is_some_and(|s| s != "windows" && s != "estimate")
            && !work.add_ons.contains(&"interior_windows")
        {
            work.add_ons.push("interior_windows");
        }
        if work.service == Some("windows") {
            work.add_ons.retain(|a| *a != "interior_windows");
        }
        work
    }

    fn first(&self, re: &Pattern, buf: &str) -> Option<usize> {
        re.find_iter(buf)
            .filter(|m| !negated_before(buf, m.start()))
            .map(|m| m.start())
            .next()
    }

    fn service(&self, buf: &str, expecting: bool, correction: bool) -> Option<&'static str> {
        if !self.any_service.may_match(buf) {
            return None;
        }
        let found = |re: &Pattern| self.first(re, buf);
        if found(&self.estimate_strong).is_some() {
            return Some("estimate");
        }
        let moving = self
            .moving
            .find_iter(buf)
            .filter(|m| !negated_before(buf, m.start()))
            .any(|m| !about_an_appointment(&buf[m.end()..]));
        if moving || found(&self.move_in_out).is_some() {
            return Some("move_in_out");
        }
        if found(&self.carpet_strong).is_some() {
            return Some("carpet");
        }
        let mut named: Vec<(usize, &'static str)> = [
            (found(&self.deep), "deep"),
            (found(&self.carpet), "carpet"),
            (
                found(&self.windows).or(found(&self.inside_windows)),
                "windows",
            ),
        ]
        .into_iter()
        .filter_map(|(p, s)| p.map(|p| (p, s)))
        .collect();
        named.sort_by_key(|n| n.0);
        if correction {
            named.reverse();
        }
        let office = self
            .office
            .find_iter(buf)
            .filter(|m| !negated_before(buf, m.start()))
            .find(|m| {
                !matches!(
                    next_word(buf, m.end()).as_str(),
                    "hours" | "number" | "phone" | "email" | "address"
                )
            })
            .map(|m| m.start());
        if let Some(office) = office {
            return match named.first() {
                Some((p, s)) if *s != "deep" && *p < office => Some(s),
                _ => Some("office"),
            };
        }
        if let Some((_, s)) = named.first() {
            return Some(s);
        }
        if found(&self.standard).is_some() {
            return Some("standard");
        }
        if found(&self.estimate_weak).is_some() {
            return Some("estimate");
        }
        if expecting && found(&self.standard_bare).is_some() {
            return Some("standard");
        }
        None
    }
}

/// "moving my appointment" or "moving it to Friday" is a reschedule, not a move-out.
fn about_an_appointment(rest: &str) -> bool {
    let lower = rest.to_lowercase();
    let words: Vec<&str> = lower
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .take(3)
        .collect();
    let booking = |w: &&str| {
        matches!(
            *w,
            "appointment" | "booking" | "reservation" | "slot" | "visit"
        )
    };
    match words.as_slice() {
        ["it" | "that" | "this", ..] => true,
        ["my" | "the" | "our", "cleaning" | "clean" | "time" | "date", ..] => true,
        ws => ws.iter().any(booking),
    }
}
