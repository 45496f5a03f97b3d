//! PII detection on the original text (emails, phones, cards, SSNs, IPs, IBANs; street
//! addresses live in `address.rs`), checksum validation, overlap resolution and redaction.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::pattern::Pattern;

use super::address::AddressDetector;
use super::checksums::{iban_valid, luhn_valid, ssn_valid};
use super::{compile, PiiKind, PiiMatch, SafetyError};

/// One match in byte offsets of the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) kind: PiiKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The compiled PII patterns.
#[derive(Debug)]
pub(crate) struct PiiDetector {
    email: Pattern,
    card: Pattern,
    ssn: Pattern,
    phone: Pattern,
    ipv4: Pattern,
    ipv6: Pattern,
    iban: Pattern,
    card_context: Pattern,
    ssn_context: Pattern,
    not_phone_context: Pattern,
    phone_context: Pattern,
    address: AddressDetector,
}

/// How far before a number its context words are looked for, in bytes.
const CONTEXT_BYTES: usize = 40;

impl PiiDetector {
    pub(crate) fn new() -> Result<Self, SafetyError> {
        Ok(Self {
            email: compile(
                "email",
                r"(?i)[a-z0-9][a-z0-9._%+\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}",
            )?,
            card: compile("card", r"[0-9](?:[ \-]?[0-9]){11,18}")?,
            ssn: compile("ssn", r"[0-9]{3}([\- ]?)[0-9]{2}([\- ]?)[0-9]{4}")?,
            phone: compile(
                "phone",
                r"(?i)(?:\+[0-9]{1,3}[ .\-]?|\(\+[0-9]{1,3}\)[ .\-]?)?(?:\(0\)[ .\-]?)?(?:\([0-9]{1,5}\)[ .\-]?)?[0-9]{1,12}(?:[ .\-/][0-9]{1,8}){0,5}(?: ?(?:x|ext\.?|extension) ?[0-9]{1,6})?",
            )?,
            ipv4: compile("ipv4", r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")?,
            ipv6: compile("ipv6", r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}")?,
            iban: compile(
                "iban",
                r"(?i)[a-z]{2}[0-9]{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,3})?",
            )?,
            card_context: compile(
                "card_context",
                r"(?i)(?:card|cc|visa|mastercard|amex|maestro|credit|debit)(?-u:\b)",
            )?,
            ssn_context: compile(
                "ssn_context",
                r"(?i)(?-u:\b)(?:ssn|social security|social sec|ss#)",
            )?,
            phone_context: compile(
                "phone_context",
                r"(?i)(?-u:\b)(?:call|phone|tel|telephone|mobile|cell|fax|text|whatsapp|reach|ring|number)(?-u:\b)",
            )?,
            not_phone_context: compile(
                "not_phone_context",
                r"(?i)(?-u:\b)(?:licen[cs]e|passport|account|acct|order|invoice|ref|reference|serial|tracking|routing|policy|member|employee|student|tax|vat|isbn|id|zip|postal|postcode)(?-u:\b)",
            )?,
            address: AddressDetector::new()?,
        })
    }

    /// Every PII match in `text`, resolved so that none overlap (longest wins), by start.
    pub(crate) fn find_spans(&self, text: &str) -> Vec<Span> {
        let mut candidates = Vec::new();
        let mut push = |kind, start, end| candidates.push(Span { kind, start, end });
        for m in self.email.find_iter(text) {
            if bounded(text, m.start(), m.end()) {
                push(PiiKind::Email, m.start(), m.end());
            }
        }
        for m in self.card.find_iter(text) {
            if bounded_digits(text, m.start(), m.end()) && self.is_card(text, m.start(), m.as_str())
            {
                push(PiiKind::CreditCard, m.start(), m.end());
            }
        }
        for m in self.ssn.find_iter(text) {
            if bounded_digits(text, m.start(), m.end()) && self.is_ssn(text, m.start(), m.as_str())
            {
                push(PiiKind::Ssn, m.start(), m.end());
            }
        }
        for m in self.iban.find_iter(text) {
            if let Some(end) = iban_end(text, m.start(), m.as_str()) {
                push(PiiKind::Iban, m.start(), end);
            }
        }
        for m in self.ipv4.find_iter(text) {
            if bounded_digits(text, m.start(), m.end()) && m.as_str().parse::<Ipv4Addr>().is_ok() {
                push(PiiKind::IpAddress, m.start(), m.end());
            }
        }
        for m in self.ipv6.find_iter(text) {
            if is_ipv6(m.as_str()) && bounded(text, m.start(), m.end()) {
                push(PiiKind::IpAddress, m.start(), m.end());
            }
        }
        for m in self.phone.find_iter(text) {
            if bounded_digits(text, m.start(), m.end()) && self.is_phone(text, m.start(), m.end()) {
                push(PiiKind::Phone, m.start(), m.end());
            }
        }
        for (start, end) in self.address.find(text) {
            push(PiiKind::StreetAddress, start, end);
        }
        resolve_overlaps(candidates)
    }

    fn context_before(text: &str, start: usize) -> &str {
        let mut from = start.saturating_sub(CONTEXT_BYTES);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        &text[from..start]
    }

    fn is_card(&self, text: &str, start: usize, candidate: &str) -> bool {
        let digits: Vec<u32> = candidate.chars().filter_map(|c| c.to_digit(10)).collect();
        let len_ok = match digits.len() {
            13..=19 => true,
            // Some Maestro cards have 12 digits; only trust them next to a card word.
            12 => self
                .card_context
                .is_match(Self::context_before(text, start)),
            _ => false,
        };
        len_ok && digits.iter().any(|&d| d != digits[0]) && luhn_valid(&digits)
    }

    fn is_ssn(&self, text: &str, start: usize, candidate: &str) -> bool {
        let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
        let separated = digits.len() != candidate.len();
        if separated {
            // Both separators must be the same: "123-45-6789" or "123 45 6789".
            let seps: Vec<char> = candidate.chars().filter(|c| !c.is_ascii_digit()).collect();
            if seps.len() != 2 || seps[0] != seps[1] {
                return false;
            }
        } else if !self.ssn_context.is_match(Self::context_before(text, start)) {
            return false;
        }
        ssn_valid(&digits)
    }

    fn is_phone(&self, text: &str, start: usize, end: usize) -> bool {
        let candidate = &text[start..end];
        let digits = candidate.bytes().filter(u8::is_ascii_digit).count();
        if !(7..=15).contains(&digits) {
            return false;
        }
        let plus = candidate.starts_with('+');
        let parens = candidate.contains('(');
        let groups: Vec<&str> = candidate
            .split(|c: char| !c.is_ascii_digit())
            .filter(|g| !g.is_empty())
            .collect();
        if looks_like_date(&groups) {
            return false;
        }
        let bare_ok = digits == 10
            || digits == 11 && (candidate.starts_with('1') || candidate.starts_with('0'));
        let bare = !plus && !parens && groups.len() == 1;
        if bare
            && !bare_ok
            && !self
                .phone_context
                .is_match(Self::context_before(text, start))
        {
            return false;
        }
        let all_dots = candidate
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .all(|c| c == '.');
        if all_dots && groups.len() == 4 && groups.iter().all(|g| g.len() <= 3) {
            return false; // an IPv4 address
        }
        let years = |g: &&str| g.len() == 4 && (g.starts_with("19") || g.starts_with("20"));
        let shape: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        if groups.len() == 2 && groups.iter().all(years)
            || shape == [5, 4] && candidate.contains('-')
            || shape == [3, 2, 4] && !plus
            || (shape == [4, 3] || shape == [5, 3]) && candidate.contains('-')
        {
            return false; // a year range, a ZIP+4, an SSN shape or a European postcode
        }
        if text[end..].starts_with(':') || text[end..].starts_with(".0") {
            return false; // a clock time or a decimal
        }
        !self
            .not_phone_context
            .is_match(Self::context_before(text, start))
    }
}

/// "2023-05-13 12" or "13.05.2023": a date (maybe with an hour), not a phone number.
fn looks_like_date(groups: &[&str]) -> bool {
    let num = |i: usize| {
        groups
            .get(i)
            .and_then(|g| g.parse::<u32>().ok())
            .unwrap_or(99)
    };
    let iso = groups.len() >= 3
        && groups[0].len() == 4
        && (1..=12).contains(&num(1))
        && (1..=31).contains(&num(2));
    let dmy = groups.len() == 3
        && groups[0].len() <= 2
        && groups[1].len() <= 2
        && matches!(groups[2].len(), 2 | 4)
        && (1..=31).contains(&num(0))
        && (1..=31).contains(&num(1))
        && (num(0) <= 12 || num(1) <= 12);
    iso || dmy
}

/// True when the match is not glued to letters or digits on either side.
fn bounded(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// Like [`bounded`], and also not part of a longer number such as "1.5" or "12-3".
fn bounded_digits(text: &str, start: usize, end: usize) -> bool {
    !glued(text[..start].chars().rev()) && !glued(text[end..].chars())
}

/// True when the next chars continue the number: a letter or digit, or a separator
/// followed by a digit.
fn glued(mut chars: impl Iterator<Item = char>) -> bool {
    match (chars.next(), chars.next()) {
        (Some(c), _) if c.is_alphanumeric() => true,
        (Some(sep), Some(d)) => matches!(sep, '.' | '-' | ',' | '/') && d.is_ascii_digit(),
        _ => false,
    }
}

fn is_ipv6(candidate: &str) -> bool {
    let colons = candidate.matches(':').count();
    let hex = candidate.chars().filter(char::is_ascii_hexdigit).count();
    (colons >= 7 || candidate.contains("::")) && hex >= 4 && candidate.parse::<Ipv6Addr>().is_ok()
}

/// The end of the longest valid IBAN starting at `start`, dropping trailing groups that
/// the pattern took from the following words.
fn iban_end(text: &str, start: usize, candidate: &str) -> Option<usize> {
    if text[..start]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
    {
        return None;
    }
    let mut cut = candidate.len();
    loop {
        let piece = &candidate[..cut];
        let compact: String = piece.chars().filter(|c| *c != ' ').collect();
        if bounded(text, start, start + cut) && iban_valid(&compact) {
            return Some(start + cut);
        }
        cut = piece.rfind(' ')?;
    }
}

/// Keeps the longest candidates (ties go to the stronger kind), drops overlaps, sorts by start.
fn resolve_overlaps(mut candidates: Vec<Span>) -> Vec<Span> {
    let strength = |k: PiiKind| match k {
        PiiKind::CreditCard => 0,
        PiiKind::Ssn => 1,
        PiiKind::Iban => 2,
        PiiKind::Email => 3,
        PiiKind::IpAddress => 4,
        PiiKind::Phone => 5,
        PiiKind::StreetAddress => 6,
    };
    candidates.sort_by_key(|s| {
        (
            std::cmp::Reverse(s.end - s.start),
            strength(s.kind),
            s.start,
        )
    });
    // Kept spans never overlap, so a candidate overlaps one of them exactly when the kept
    // span starting last before the candidate's end reaches past its start.
    let mut kept: BTreeMap<usize, Span> = BTreeMap::new();
    for c in candidates {
        let clash = kept
            .range(..c.end)
            .next_back()
            .is_some_and(|(_, k)| k.end > c.start);
        if !clash {
            kept.insert(c.start, c);
        }
    }
    kept.into_values().collect()
}

/// Replaces each span with its placeholder.
pub(crate) fn apply_redaction(text: &str, spans: &[Span]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for s in spans {
        out.push_str(&text[last..s.start]);
        out.push_str(s.kind.placeholder());
        last = s.end;
    }
    out.push_str(&text[last..]);
    out
}

/// Converts byte spans (sorted by start) into char-offset matches.
pub(crate) fn to_char_matches(text: &str, spans: &[Span]) -> Vec<PiiMatch> {
    let mut out = Vec::with_capacity(spans.len());
    let mut chars_before = 0;
    let mut byte_pos = 0;
    for s in spans {
        chars_before += text[byte_pos..s.start].chars().count();
        let len = text[s.start..s.end].chars().count();
        out.push(PiiMatch {
            kind: s.kind,
            start: chars_before,
            end: chars_before + len,
        });
        chars_before += len;
        byte_pos = s.end;
    }
    out
}

#[cfg(test)]
#[path = "pii_tests.rs"]
mod tests;
