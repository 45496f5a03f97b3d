//! Text plumbing shared by the extractors: normalisation, the masking buffer and number
//! words. No field rules live here.

use crate::pattern::Pattern;

/// A value found in the text, with the byte span it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hit<T> {
    pub value: T,
    pub start: usize,
    /// True when the customer ruled the value out ("not Friday", "can't do 4pm").
    pub negated: bool,
    /// True for a deadline rather than the wish itself ("before we move in on the
    /// 20th"): used only when nothing firmer was said.
    pub weak: bool,
}

/// A module's patterns compiled as they are and once more as one gate, whose single pass
/// says whether any of them can match at all. Most messages hold no date, no time and no
/// service word, and then the module costs that one pass instead of one per pattern.
pub(crate) struct PatternSet {
    sources: Vec<String>,
}

impl PatternSet {
    pub(crate) fn new() -> Self {
        PatternSet {
            sources: Vec::new(),
        }
    }

    /// Compiles one pattern and keeps its source for the gate.
    pub(crate) fn add(&mut self, pattern: String) -> Result<Pattern, regex::Error> {
        let compiled = Pattern::new(&pattern)?;
        self.sources.push(pattern);
        Ok(compiled)
    }

    /// The gate over every pattern added.
    pub(crate) fn gate(self) -> Result<Gate, regex::Error> {
        // ASCII classes and case folding: on ASCII text they match exactly what the
        // Unicode ones do, in an automaton a fraction of the size (Unicode `\d`, `\w`
        // and `\b` cost hundreds of states each, held again in every thread's cache).
        let ascii = self.sources.iter().map(|s| format!("(?-u){s}"));
        Ok(Gate {
            ascii: regex::bytes::RegexSet::new(ascii)?,
        })
    }
}

/// Whether any of a module's patterns can match a text (see [`PatternSet`]).
pub(crate) struct Gate {
    ascii: regex::bytes::RegexSet,
}

impl Gate {
    /// False only when no pattern matches. Text beyond ASCII is let through, for the
    /// patterns themselves to read with their Unicode classes.
    pub(crate) fn may_match(&self, text: &str) -> bool {
        !text.is_ascii() || self.ascii.is_match(text.as_bytes())
    }
}

/// Folds typographic variants to ASCII so one set of patterns fits every keyboard:
/// curly quotes, dashes, odd spaces, zero-width characters and full-width forms.
/// Line breaks become ", " because people put one field per line.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' | '`' | '\u{00B4}' => {
                out.push('\'')
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' => out.push('"'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            '\n' | '\r' => out.push_str(", "),
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\t' => {
                out.push(' ')
            }
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => {}
            '\u{FF01}'..='\u{FF5E}' => {
                out.push(char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c));
            }
            _ => out.push(c),
        }
    }
    out
}

/// Replaces `start..end` with spaces of the same byte length, so a value is read once
/// and the offsets of everything else stay valid.
pub(crate) fn blank(buf: &mut String, start: usize, end: usize) {
    if start < end && end <= buf.len() && buf.is_char_boundary(start) && buf.is_char_boundary(end) {
        buf.replace_range(start..end, &" ".repeat(end - start));
    }
}

/// True when the words just before `start` rule the value out: "not Friday",
/// "can't do 4pm", "anything but Monday".
pub(crate) fn negated_before(text: &str, start: usize) -> bool {
    let head = text.get(..start).unwrap_or("");
    let window: String = head
        .chars()
        .rev()
        .take(24)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_lowercase();
    let trimmed = window.trim_end();
    // A comma or full stop closes the clause: in "no, Friday" Friday is wanted.
    if trimmed.ends_with([',', '.', ';', ':', '!', '?', '-', '(']) {
        return false;
    }
    let words: Vec<&str> = trimmed
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let last = |n: usize| -> Vec<&str> { words.iter().rev().take(n).rev().copied().collect() };
    let one = last(1);
    let two = last(2);
    let three = last(3);
    let one = one.as_slice();
    let two = two.as_slice();
    let three = three.as_slice();
    matches!(
        one,
        ["not" | "except" | "isn't" | "without" | "no" | "never" | "don't" | "dont"]
            | ["doesn't" | "skip" | "minus"]
    ) || matches!(
        two,
        ["not", "on" | "at" | "the" | "for"]
            | ["can't", "do" | "make"]
            | ["cannot", "do" | "make"]
            | ["except", "on" | "at"]
            | ["but", "not"]
            | ["anything" | "any" | "all", "but"]
            | ["no", "longer"]
            | ["instead", "of"]
            | ["rather", "than"]
    ) || matches!(
        three,
        ["can't", "do" | "make", "it" | "the"]
            | ["not", "free", "on" | "at"]
            | ["not", "available", "on" | "at"]
            | ["busy", "on", _]
    ) || matches!(two, ["busy", "on" | "at"])
}

/// True when `word` is one of the space-separated words of `list`.
pub(crate) fn listed(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

/// True when the clause before `start` makes the value a deadline: "before we move in
/// on the 20th", "by Friday", "until the 5th".
pub(crate) fn deadline_before(text: &str, start: usize) -> bool {
    let head = text.get(..start).unwrap_or("");
    let clause = head
        .rsplit([',', '.', ';', '!', '?', '(', ')'])
        .next()
        .unwrap_or("")
        .to_lowercase();
    let words: Vec<&str> = clause.split_whitespace().collect();
    let recent = &words[words.len().saturating_sub(6)..];
    recent.iter().any(|w| {
        matches!(
            *w,
            "before" | "until" | "till" | "deadline" | "due" | "ends" | "expires" | "closing"
        )
    }) || recent.last().is_some_and(|w| *w == "by")
}

/// Cardinal number words people use for hours, days and counts.
pub(crate) fn number_word(word: &str) -> Option<u32> {
    let n = match word.to_ascii_lowercase().replace(' ', "-").as_str() {
        "a" | "an" | "one" => 1,
        "two" | "couple" | "a-couple" | "couple-of" | "a-couple-of" => 2,
        "three" | "few" | "a-few" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "twenty-five" => 25,
        "thirty" => 30,
        "forty" => 40,
        "forty-five" => 45,
        "fifty" => 50,
        _ => return None,
    };
    Some(n)
}

/// Regex alternation of the hour words one..twelve.
pub(crate) const HOUR_WORDS: &str =
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve";

/// Words that, right after a number, say it counts things rather than naming a time,
/// a date or a size ("2 bedrooms", "3 hours", "2 dogs").
pub(crate) fn is_count_noun(word: &str) -> bool {
    let w = word
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    matches!(
        w.as_str(),
        "hour"
            | "hours"
            | "hr"
            | "hrs"
            | "h"
            | "minute"
            | "minutes"
            | "min"
            | "mins"
            | "day"
            | "days"
            | "week"
            | "weeks"
            | "month"
            | "months"
            | "year"
            | "years"
            | "yr"
            | "yrs"
            | "bed"
            | "beds"
            | "bedroom"
            | "bedrooms"
            | "br"
            | "bd"
            | "bdr"
            | "bath"
            | "baths"
            | "bathroom"
            | "bathrooms"
            | "ba"
            | "room"
            | "rooms"
            | "people"
            | "persons"
            | "person"
            | "kids"
            | "children"
            | "adults"
            | "dog"
            | "dogs"
            | "cat"
            | "cats"
            | "pet"
            | "pets"
            | "floor"
            | "floors"
            | "story"
            | "stories"
            | "storey"
            | "storeys"
            | "level"
            | "levels"
            | "crew"
            | "crews"
            | "cleaner"
            | "cleaners"
            | "time"
            | "times"
            | "units"
            | "unit"
            | "offices"
            | "desks"
            | "windows"
            | "percent"
            | "dollars"
            | "bucks"
            | "usd"
            | "cars"
            | "car"
            | "stairs"
            | "of"
            | "more"
            | "point"
            | "thing"
            | "things"
            | "another"
            | "sq"
            | "square"
            | "ft"
            | "feet"
            | "foot"
            | "sf"
            | "sqft"
            | "k"
            | "thousand"
            | "hundred"
            | "x"
            | "star"
            | "stars"
            | "visits"
    )
}

/// The first word after `end` in `text`, lowercased, if any.
pub(crate) fn next_word(text: &str, end: usize) -> String {
    text.get(end..)
        .unwrap_or("")
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '%')
        .to_lowercase()
}

/// Chooses among values found in one message: values the customer ruled out are
/// ignored, deadlines count only when nothing firmer was said; with a correction marker
/// the last one wins ("Friday, actually Saturday"), otherwise the first.
pub(crate) fn pick<T: Copy>(hits: &[Hit<T>], correction: bool) -> Option<T> {
    let firm = hits.iter().any(|h| !h.negated && !h.weak);
    let usable = |h: &&Hit<T>| !h.negated && (!h.weak || !firm);
    let open = hits.iter().filter(usable);
    if correction {
        open.max_by_key(|h| h.start).map(|h| h.value)
    } else {
        open.min_by_key(|h| h.start).map(|h| h.value)
    }
}

/// Reads every match of `re` in `buf` as a hit (with its position and negation) and
/// blanks it, so later readers do not see the same words again.
pub(crate) fn scan<T, F>(re: &Pattern, buf: &mut String, hits: &mut Vec<Hit<T>>, read: F)
where
    F: Fn(&regex::Captures<'_>, &str) -> Option<T>,
{
    // Most patterns miss most messages: that answer needs neither a copy nor captures.
    if !re.is_match(buf) {
        return;
    }
    let snapshot = buf.clone();
    for caps in re.captures_iter(&snapshot) {
        let Some(whole) = caps.get(0) else { continue };
        let Some(value) = read(&caps, &snapshot) else {
            continue;
        };
        hits.push(Hit {
            value,
            start: whole.start(),
            negated: negated_before(&snapshot, whole.start()),
            weak: false,
        });
        blank(buf, whole.start(), whole.end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_is_closed_only_when_none_of_its_patterns_match() {
        let mut set = PatternSet::new();
        let patterns: Vec<Pattern> = [
            r"(?i)\bnext\s+week\b",
            r"(?i)\b(\d{1,2})(?:st|nd)\b",
            r"^[\s,.]*fri\W*$",
            r"(?i)\b(?:clean\s+(?:[\w-]+\s+){0,2}house)",
        ]
        .into_iter()
        .map(|p| set.add(p.to_owned()).unwrap())
        .collect();
        let gate = set.gate().unwrap();
        for text in [
            "Next  week please",
            "NEXT\tWEEK",
            "on the 21st",
            " fri !",
            "friday",
            "the 3rd",
            "clean my big old house",
            "clean my very big old house",
            "what are your prices?",
            "",
        ] {
            let one = patterns.iter().any(|p| p.is_match(text));
            assert_eq!(gate.may_match(text), one, "{text:?}");
        }
        // Beyond ASCII the patterns decide: the gate stays open.
        assert!(gate.may_match("caf\u{e9} prices"));
        assert!(!gate.may_match("the 3rd"));
    }

    #[test]
    fn curly_quotes_and_dashes_become_ascii() {
        assert_eq!(normalize("I\u{2019}m \u{2013} ok"), "I'm - ok");
    }

    #[test]
    fn blanking_keeps_offsets() {
        let mut s = String::from("call 555 now");
        blank(&mut s, 5, 8);
        assert_eq!(s, "call     now");
    }

    #[test]
    fn not_before_a_value_negates_it() {
        let t = "not Friday, Saturday";
        assert!(negated_before(t, 4));
        assert!(!negated_before(t, 12));
        assert!(negated_before("I can't do Friday", 11));
    }
}
