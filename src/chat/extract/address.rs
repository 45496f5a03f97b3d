//! Street addresses ("10 Main St, Albany NY", "Apt 4B, 150 State St"). Outside an
//! address question only a house number followed by a street name and a street suffix
//! counts; when the agent asked for the address, any plausible answer is taken.

use crate::pattern::Pattern;

use super::text::{blank, listed};

const SUFFIXES: &str =
    "street st avenue ave av road rd lane ln drive dr boulevard blvd court ct way place \
    pl terrace ter terr circle cir parkway pkwy highway hwy trail trl alley row crescent \
    cres close loop pike plaza plz walk path ridge heights hts extension ext commons \
    grove park landing crossing mews square sq turnpike tpke expressway causeway run \
    green";

/// Words that end a street name: a number followed by one of these is a size, a time
/// or a count, not a house number.
const STREET_STOP: &str =
    "am pm a.m p.m min mins minute minutes mile miles km bdrm bd br ba level levels \
    sq ft feet foot sqft sf square at on in for and or the to from by with of is it \
    my our your i we you bed beds bedroom bedrooms bath baths bathroom bathrooms \
    hours hour minutes days day weeks people o'clock oclock tomorrow today next this \
    please near off between clean cleaning house apartment condo office home story \
    stories floor floors dogs cats kids rooms room x monday tuesday wednesday \
    thursday friday saturday sunday times";

/// Capitalised words that cannot be a town after a street.
const CITY_STOP: &str =
    "my i i'm im please thanks thank tomorrow today and call phone email the is it we our \
    can could would need at on for deep standard office apt apartment unit suite name \
    monday tuesday wednesday thursday friday saturday sunday next this cell mobile \
    number tel you see yes no ok okay also but so then around about between from by in";

const US_STATES: &str =
    "al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne \
    nv nh nj nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy";

/// The compiled address patterns.
pub(crate) struct AddressRules {
    start: Pattern,
    token: Pattern,
    unit_after: Pattern,
    direction: Pattern,
    city: Pattern,
    word: Pattern,
    state: Pattern,
    zip: Pattern,
    lead_in: Pattern,
    sign_off: Pattern,
}

impl AddressRules {
    /// Compiles the address patterns once.
    pub(crate) fn new() -> Result<Self, regex::Error> {
        Ok(Self {
            start: Pattern::new(
                r"(?i)(?:^|[\s,(;])((?:(?:apt|apartment|unit|suite|ste|#)\.?\s*#?\s*(?:\d{1,4}-?[a-z]?|[a-z]-?\d{0,3})\b\s*,?\s*)?(\d{1,6}[a-z]?(?:-\d{1,4})?))\s+",
            )?,
            // No capture group: an anchored pattern with one also gets a one-pass DFA,
            // which for these Unicode classes costs about 0.6 MB; see `token`.
            token: Pattern::new(r"^ ?[\p{L}0-9][\p{L}0-9'.-]*")?,
            unit_after: Pattern::new(
                r"(?i)^\s*,?\s*(?:apt|apartment|unit|suite|ste|fl|floor|#)\.?\s*#?\s*(?:\d{1,4}-?[a-z]?|[a-z]-?\d{0,3})\b",
            )?,
            direction: Pattern::new(r"^\s+(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\b\.?")?,
            city: Pattern::new(
                r"^(\s*,\s*|\s+in\s+|\s+)((?:[\p{L}][\p{L}'.-]*)(?:\s+[\p{L}][\p{L}'.-]*){0,2})",
            )?,
            word: Pattern::new(r"[\p{L}][\p{L}'.-]*")?,
            state: Pattern::new(r"^\s*,?\s*([A-Za-z]{2})\b\.?")?,
            zip: Pattern::new(r"^\s*,?\s*\d{5}(?:-\d{4})?\b")?,
            sign_off: Pattern::new(
                r"(?i)(?:[\s,.!-]*\b(?:thanks|thank\s+you|thx|please|cheers)\b[\s.!]*)+$",
            )?,
            lead_in: Pattern::new(
                r"(?i)^(?:\s*(?:sure|ok|okay|yes|yeah|yep|it's|it\s+is|its|my\s+address\s+is|the\s+address\s+is|address\s+is|address|we're\s+at|we\s+are\s+at|i'm\s+at|i\s+am\s+at|i\s+live\s+at|we\s+live\s+at|located\s+at|the\s+place\s+is|at|[,:.!-])\s*)+",
            )?,
        })
    }

    /// Finds a street address, blanks it in `buf` and returns it tidied. With
    /// `expecting`, town names may be lowercase.
    pub(crate) fn take(&self, buf: &mut String, expecting: bool) -> Option<String> {
        let snapshot = buf.clone();
        let mut from = 0;
        while let Some(c) = self.start.captures_at(&snapshot, from) {
            let (Some(head), Some(number)) = (c.get(1), c.get(2)) else {
                break;
            };
            from = number.end();
            let Some(street_end) = self.street_end(&snapshot, c.get(0).map_or(from, |m| m.end()))
            else {
                continue;
            };
            let end = self.extend(&snapshot, street_end, expecting);
            let text = tidy(&snapshot[head.start()..end]);
            blank(buf, head.start(), end);
            return Some(text);
        }
        None
    }

    /// The word at the start of `text` (after at most one space) and where it ends.
    fn token<'t>(&self, text: &'t str) -> Option<(usize, &'t str)> {
        let m = self.token.find(text)?;
        let word = m.as_str().strip_prefix(' ').unwrap_or(m.as_str());
        Some((m.end(), word))
    }

    /// Walks the words after a house number and returns where the street name ends:
    /// at the last street suffix reached before a stop word ("10 Court St").
    fn street_end(&self, text: &str, mut pos: usize) -> Option<usize> {
        let mut best = None;
        for i in 0..6 {
            let Some((end, raw)) = self.token(&text[pos..]) else {
                break;
            };
            let tok_end = pos + end;
            let word = raw.trim_end_matches('.').to_lowercase();
            let has_digit = word.chars().any(|ch| ch.is_ascii_digit());
            let ordinal = has_digit
                && ["st", "nd", "rd", "th"].iter().any(|s| word.ends_with(s))
                && word.chars().next().is_some_and(|ch| ch.is_ascii_digit());
            if matches!(
                word.as_str(),
                "route" | "rte" | "highway" | "hwy" | "county" | "state" | "us"
            ) {
                if let Some((end, n)) = self.token(&text[tok_end..]) {
                    if n.chars().all(|ch| ch.is_ascii_digit()) {
                        best = Some(tok_end + end);
                    }
                }
            }
            if word == "broadway" || (i >= 1 && listed(SUFFIXES, word.as_str())) {
                best = Some(tok_end);
            }
            if listed(STREET_STOP, word.as_str()) || (has_digit && !ordinal) {
                break;
            }
            pos = tok_end;
        }
        best
    }

    /// Adds an apartment, town, state and ZIP that follow the street.
    fn extend(&self, text: &str, mut end: usize, loose: bool) -> usize {
        if let Some(m) = self.direction.find(&text[end..]) {
            end += m.end();
        }
        if let Some(m) = self.unit_after.find(&text[end..]) {
            end += m.end();
        }
        let mut town = false;
        if let Some(c) = self.city.captures(&text[end..]) {
            let comma = c.get(1).is_some_and(|m| m.as_str().contains(','));
            if let Some(words) = c.get(2) {
                let mut taken = None;
                for w in self.word.find_iter(words.as_str()) {
                    let text = w.as_str();
                    let capital = text.chars().next().is_some_and(char::is_uppercase);
                    let is_state =
                        text.len() == 2 && text.chars().all(|ch| ch.is_ascii_uppercase());
                    if listed(CITY_STOP, &text.to_lowercase())
                        || is_state
                        || !(capital || (loose && comma))
                    {
                        break;
                    }
                    taken = Some(words.start() + w.end());
                }
                if let Some(t) = taken {
                    end += t;
                    town = true;
                }
            }
        }
        if let Some(c) = self.state.captures(&text[end..]) {
            let code = c.get(1).map_or("", |m| m.as_str());
            let upper = code.chars().all(|ch| ch.is_ascii_uppercase());
            // Lowercase codes that are also words ("in", "or", "me") need a town first.
            let lower = code.to_lowercase();
            let common_word = listed("in or me hi ok oh al la de id ma pa mi co ga wa ar", &lower);
            if listed(US_STATES, &lower) && (upper || (loose && town && !common_word)) {
                end += c.get(0).map_or(0, |m| m.end());
            }
        }
        if let Some(m) = self.zip.find(&text[end..]) {
            end += m.end();
        }
        end
    }

    /// An answer to "what is the address?" without a recognisable street ("the red
    /// farmhouse on Route 9"): what is left of the message once every other field was
    /// read, unless it is a question or a refusal.
    pub(crate) fn free_form(&self, buf: &mut String) -> Option<String> {
        let body = match self.lead_in.find(buf) {
            Some(m) => &buf[m.end()..],
            None => buf.as_str(),
        };
        let text = tidy(self.sign_off.replace(body, "").as_ref());
        let lower = text.to_lowercase();
        let refusal = [
            "why",
            "what",
            "how",
            "don't",
            "do not",
            "rather not",
            "skip",
            "no ",
            "not ",
        ]
        .iter()
        .any(|w| lower.starts_with(w));
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        if text.contains('?') || refusal || letters < 3 || text.chars().count() < 4 {
            return None;
        }
        let len = buf.len();
        blank(buf, 0, len);
        Some(text)
    }
}

/// Collapses spaces and trims punctuation around an address.
fn tidy(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| {
            c == ',' || c == '.' || c == ';' || c == ':' || c == '-' || c.is_whitespace()
        })
        .to_string()
}
