//! A regex compiled twice: as written, and restricted to ASCII for text that is all
//! ASCII, which is nearly every message.
//!
//! On ASCII text the restricted pattern matches exactly what the written one does: the
//! ASCII members of Unicode `\w`, `\d`, `\p{L}`, `\p{Lu}`, `\p{Ll}`, `\p{N}` and `\p{M}`
//! are the ASCII classes that replace them. But those Unicode classes are automata of
//! hundreds of states each, and every thread that searches holds caches sized by the
//! states: the extractors and the detectors took 7.9 MB per tokio worker, 3.6 MB with the
//! twins, for 2.6 MB more compiled once. The written pattern (and its caches) is used
//! only when a text holds something beyond ASCII. A pattern without such classes is
//! compiled once (`\s` and `\b` stay: they cost few states).

use std::sync::{Arc, OnceLock};

use regex::{CaptureMatches, Captures, Match, Matches, Regex, Replacer};

/// A pattern with its ASCII twin; the methods pick the one that fits the haystack. A
/// clone shares both.
#[derive(Debug, Clone)]
pub struct Pattern {
    written: Regex,
    /// The ASCII restriction, when it differs from the pattern as written. It is compiled
    /// on first use, not at startup: compiling every twin there added 50 ms to the start.
    ascii: Option<Arc<Twin>>,
}

#[derive(Debug)]
struct Twin {
    source: String,
    compiled: OnceLock<Regex>,
}

impl Pattern {
    /// Compiles `pattern`; its ASCII restriction waits for the first ASCII text.
    pub fn new(pattern: &str) -> Result<Pattern, regex::Error> {
        let written = Regex::new(pattern)?;
        let source = ascii_restriction(pattern);
        let ascii = (source != pattern).then(|| {
            Arc::new(Twin {
                source,
                compiled: OnceLock::new(),
            })
        });
        Ok(Pattern { written, ascii })
    }

    /// The regex to search `haystack` with. In the unit tests every search of ASCII text
    /// is also run with the written pattern and must find the same spans, so the whole
    /// test suite of every module built on `Pattern` checks the twins against each other.
    pub fn for_text(&self, haystack: &str) -> &Regex {
        let Some(twin) = self.ascii.as_ref().filter(|_| haystack.is_ascii()) else {
            return &self.written;
        };
        let ascii = twin.compiled.get_or_init(|| {
            // The restriction of a valid pattern is valid (the tests compile every one);
            // were it not, the written pattern is as right, only larger.
            let compiled = Regex::new(&twin.source);
            #[cfg(test)]
            assert!(compiled.is_ok(), "{}: {compiled:?}", twin.source);
            compiled.unwrap_or_else(|_| self.written.clone())
        });
        #[cfg(test)]
        assert_eq!(
            tests::spans(ascii, haystack),
            tests::spans(&self.written, haystack),
            "the ASCII twin of {} differs on {haystack:?}",
            self.written.as_str()
        );
        ascii
    }

    // The methods below are `regex::Regex`'s, run by the regex `for_text` picks.

    pub fn is_match(&self, haystack: &str) -> bool {
        self.for_text(haystack).is_match(haystack)
    }

    pub fn find<'h>(&self, haystack: &'h str) -> Option<Match<'h>> {
        self.for_text(haystack).find(haystack)
    }

    pub fn find_at<'h>(&self, haystack: &'h str, start: usize) -> Option<Match<'h>> {
        self.for_text(haystack).find_at(haystack, start)
    }

    pub fn find_iter<'r, 'h>(&'r self, haystack: &'h str) -> Matches<'r, 'h> {
        self.for_text(haystack).find_iter(haystack)
    }

    pub fn captures<'h>(&self, haystack: &'h str) -> Option<Captures<'h>> {
        self.for_text(haystack).captures(haystack)
    }

    pub fn captures_at<'h>(&self, haystack: &'h str, start: usize) -> Option<Captures<'h>> {
        self.for_text(haystack).captures_at(haystack, start)
    }

    pub fn captures_iter<'r, 'h>(&'r self, haystack: &'h str) -> CaptureMatches<'r, 'h> {
        self.for_text(haystack).captures_iter(haystack)
    }

    pub fn replace<'h, R: Replacer>(
        &self,
        haystack: &'h str,
        replacement: R,
    ) -> std::borrow::Cow<'h, str> {
        self.for_text(haystack).replace(haystack, replacement)
    }

    pub fn replace_all<'h, R: Replacer>(
        &self,
        haystack: &'h str,
        replacement: R,
    ) -> std::borrow::Cow<'h, str> {
        self.for_text(haystack).replace_all(haystack, replacement)
    }
}

/// `pattern` with each large Unicode class replaced by its ASCII members. Classes used
/// inside brackets become nested classes (`[\w-]` → `[[0-9A-Za-z_]-]`), which the regex
/// syntax unions. Anything else is copied as is, which is always correct.
fn ascii_restriction(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(escaped) = chars.next() else {
            out.push(c);
            break;
        };
        match escaped {
            'w' => out.push_str("[0-9A-Za-z_]"),
            'W' => out.push_str("[^0-9A-Za-z_]"),
            'd' => out.push_str("[0-9]"),
            'D' => out.push_str("[^0-9]"),
            'p' | 'P' if chars.peek() == Some(&'{') => {
                let name: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                match (ascii_class(&name), escaped) {
                    (Some(class), 'p') => out.push_str(&format!("[{class}]")),
                    (Some(class), _) => out.push_str(&format!("[^{class}]")),
                    (None, _) => {
                        out.push('\\');
                        out.push(escaped);
                        out.push('{');
                        out.push_str(&name);
                        out.push('}');
                    }
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// The ASCII members of a Unicode general category, as the inside of a bracket class.
/// `\p{M}` has none: an empty class, which matches nothing.
fn ascii_class(name: &str) -> Option<&'static str> {
    match name {
        "L" | "Letter" => Some("A-Za-z"),
        "Lu" | "Uppercase_Letter" => Some("A-Z"),
        "Ll" | "Lowercase_Letter" => Some("a-z"),
        "N" | "Number" => Some("0-9"),
        "M" | "Mark" => Some(r"^\x00-\x{10FFFF}"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_classes_become_their_ascii_members() {
        assert_eq!(ascii_restriction(r"\w+"), "[0-9A-Za-z_]+");
        assert_eq!(ascii_restriction(r"[\w-]+"), "[[0-9A-Za-z_]-]+");
        assert_eq!(ascii_restriction(r"\bx\B\s\S"), r"\bx\B\s\S");
        assert_eq!(ascii_restriction(r"\d\D"), "[0-9][^0-9]");
        assert_eq!(
            ascii_restriction(r"[\p{L}\p{M}'.]"),
            r"[[A-Za-z][^\x00-\x{10FFFF}]'.]"
        );
        assert_eq!(ascii_restriction(r"\P{Lu}"), "[^A-Z]");
        assert_eq!(ascii_restriction(r"\p{Greek}"), r"\p{Greek}");
        // Escapes that are not classes are kept, including an escaped backslash.
        assert_eq!(ascii_restriction(r"\.\-\\w\x{2019}"), r"\.\-\\w\x{2019}");
    }

    /// Patterns in the shapes the extractors and detectors use.
    const PATTERNS: [&str; 10] = [
        r"(?i)\bre-?\s*schedul\w*|\bpush\s+(?:it|my\s+\w+)\s+back\b",
        r"(?i)^\W*(?:hi|hello|hey)\b",
        r"[0-9]{1,6}[A-Za-z]?[ \t]+(?:\p{L}[\p{L}\p{M}'’.\-]*[ \t]+){1,4}(?i:st|street|ave)\b",
        r"(?:^|[.!?]\s+)(\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*){0,2})\s+here\b",
        r"\+?\d[\d\s().-]{8,24}\d",
        r"(?i)\b(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k\b|thousand\b)?\s*(?:sq\.?\s*f(?:ee|oo)?t|square\s+f(?:ee|oo)?t)",
        r"[\p{L}\p{N}][\p{L}\p{N}'.-]*\S*",
        r"(?i)\bcs[\s#:_-]*([a-z0-9]{6})\b",
        r"\P{L}+",
        r"(?i)\bk\w*|\bs\w+",
    ];

    const TEXTS: [&str; 12] = [
        "I need to reschedule, push my booking back a week",
        "  Hi there! Hello",
        "come to 12 Oak Street, or 4 B Elm ave.",
        "Thanks. Maria Lopez here",
        "call +1 (555) 010-2030 or 555.010.2030",
        "about 1,200 sq ft, maybe 1.5k square feet",
        "O'Neil-Smith lives at 42b",
        "ref CS-7K2M9P or cs#abc123",
        "a_b c9 __ --- 007",
        "\t\x0b\x0c\r\nline\x1c\x1dend",
        "KELVIN k s S sss",
        "",
    ];

    pub(super) fn spans(re: &Regex, text: &str) -> Vec<Vec<Option<(usize, usize)>>> {
        re.captures_iter(text)
            .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
            .collect()
    }

    #[test]
    fn on_ascii_text_the_twin_finds_exactly_what_the_written_pattern_finds() {
        for pattern in PATTERNS {
            let written = Regex::new(pattern).unwrap();
            let twin = Pattern::new(pattern).unwrap();
            // Only a pattern with a large class has a twin.
            let large = ["\\w", "\\d", "\\p", "\\P", "\\W"];
            assert_eq!(
                twin.ascii.is_some(),
                large.iter().any(|class| pattern.contains(class)),
                "{pattern}"
            );
            for text in TEXTS {
                assert!(text.is_ascii());
                let used = twin.for_text(text);
                assert_eq!(twin.ascii.is_some(), !std::ptr::eq(used, &twin.written));
                assert_eq!(
                    spans(used, text),
                    spans(&written, text),
                    "{pattern} on {text:?}"
                );
            }
        }
    }

    #[test]
    fn text_beyond_ascii_uses_the_written_pattern() {
        let twin = Pattern::new(r"\b\p{L}+\b").unwrap();
        assert!(std::ptr::eq(twin.for_text("Zoë"), &twin.written));
        assert_eq!(twin.find("Zoë Ng").unwrap().as_str(), "Zoë");
        assert_eq!(twin.find("Zoe Ng").unwrap().as_str(), "Zoe");
    }
}
