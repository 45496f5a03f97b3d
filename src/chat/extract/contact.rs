//! Contact details and booking references: emails, phone numbers and `CS-XXXXXX`
//! references. Names and street addresses have their own modules.
//!
//! Phones come back as digits: a North American number as its 10 national digits (a
//! leading +1 or 1 is dropped), anything else with a leading `+` as all its digits.

use crate::pattern::Pattern;

use super::text::blank;

/// The compiled contact patterns.
pub(crate) struct ContactRules {
    email: Pattern,
    spoken_email: Pattern,
    reference: Pattern,
    bare_reference: Pattern,
    nanp: Pattern,
    international: Pattern,
    loose_digits: Pattern,
}

impl ContactRules {
    /// Compiles the contact patterns once.
    pub(crate) fn new() -> Result<Self, regex::Error> {
        Ok(Self {
            email: Pattern::new(
                r"(?i)\b[a-z0-9][a-z0-9._%+'-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24}\b",
            )?,
            spoken_email: Pattern::new(
                r"(?i)\b([a-z0-9][a-z0-9._+-]*)\s*(?:\(at\)|\[at\]|\sat\s)\s*([a-z0-9-]+(?:\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*[a-z0-9-]+)*)\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*(com|net|org|edu|gov|io|co|us|info|biz|me|ca|uk)\b",
            )?,
            reference: Pattern::new(r"(?i)\bcs[\s#:_-]*([a-z0-9]{6})\b")?,
            bare_reference: Pattern::new(r"(?i)\b([a-z0-9]{6})\b")?,
            nanp: Pattern::new(
                r"(?:(?:\+\s*1|\b1)[\s.-]*)?(?:\(\s*\d{3}\s*\)|\d{3})[\s.-]*\d{3}[\s.-]*\d{4}\b",
            )?,
            international: Pattern::new(r"\+\s*\d[\d\s().-]{6,22}\d\b")?,
            loose_digits: Pattern::new(r"\+?\d[\d\s().-]{8,24}\d")?,
        })
    }

    /// The first email address, lowercased; "ana at example dot com" counts when the
    /// agent asked for an email or a contact.
    pub(crate) fn take_email(&self, buf: &mut String, spoken_ok: bool) -> Option<String> {
        let found = self
            .email
            .find(buf)
            .map(|m| (m.start(), m.end(), m.as_str().to_lowercase()));
        if let Some((s, e, email)) = found {
            blank(buf, s, e);
            return Some(email.trim_end_matches('.').to_string());
        }
        if !spoken_ok {
            return None;
        }
        let (s, e, email) = {
            let c = self.spoken_email.captures(buf)?;
            let whole = c.get(0)?;
            let domain: String = c[2]
                .to_lowercase()
                .replace("(dot)", ".")
                .replace("[dot]", ".")
                .replace(" dot ", ".")
                .chars()
                .filter(|ch| !ch.is_whitespace())
                .collect();
            let email = format!("{}@{}.{}", c[1].to_lowercase(), domain, c[3].to_lowercase());
            (whole.start(), whole.end(), email)
        };
        blank(buf, s, e);
        Some(email)
    }

    /// A booking reference as `CS-XXXXXX`; a bare six-character code with a digit and a
    /// letter counts when the agent asked for the reference.
    pub(crate) fn take_reference(&self, buf: &mut String, expecting: bool) -> Option<String> {
        let mut found = None;
        for c in self.reference.captures_iter(buf) {
            let (Some(whole), Some(code)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let has_dash = whole.as_str().contains(['-', ' ', '#', ':', '_']);
            if has_dash || code.as_str().chars().any(|ch| ch.is_ascii_digit()) {
                found = Some((whole.start(), whole.end(), code.as_str().to_uppercase()));
                break;
            }
        }
        if found.is_none() && expecting {
            found = self.bare_reference.captures_iter(buf).find_map(|c| {
                let m = c.get(1)?;
                let s = m.as_str();
                let mixed = s.chars().any(|ch| ch.is_ascii_digit())
                    && s.chars().any(|ch| ch.is_ascii_alphabetic());
                mixed.then(|| (m.start(), m.end(), s.to_uppercase()))
            });
        }
        let (s, e, code) = found?;
        blank(buf, s, e);
        Some(format!("CS-{code}"))
    }

    /// The first phone number. When the agent asked for a phone or contact, any run of
    /// 10–15 digits with separators counts.
    pub(crate) fn take_phone(&self, buf: &mut String, expecting: bool) -> Option<String> {
        let mut found = None;
        for m in self.nanp.find_iter(buf) {
            // The regex cannot look behind: a number glued to more digits is not a phone.
            if buf[..m.start()].ends_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
            let digits = match digits.len() {
                11 if digits.starts_with('1') => digits[1..].to_string(),
                10 => digits,
                _ => continue,
            };
            let start = m.start() + (m.as_str().len() - m.as_str().trim_start().len());
            found = Some((start, m.end(), digits));
            break;
        }
        if found.is_none() {
            found = self.international.find_iter(buf).find_map(|m| {
                let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
                (8..=15)
                    .contains(&digits.len())
                    .then(|| (m.start(), m.end(), format!("+{digits}")))
            });
        }
        if found.is_none() && expecting {
            found = self.loose_digits.find_iter(buf).find_map(|m| {
                let plus = m.as_str().starts_with('+');
                let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
                let value = match digits.len() {
                    10 if !plus => digits,
                    11 if digits.starts_with('1') => digits[1..].to_string(),
                    8..=15 if plus => format!("+{digits}"),
                    _ => return None,
                };
                Some((m.start(), m.end(), value))
            });
        }
        let (s, e, phone) = found?;
        blank(buf, s, e);
        Some(phone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(text: &str) -> Option<String> {
        ContactRules::new()
            .unwrap()
            .take_phone(&mut text.to_string(), false)
    }

    #[test]
    fn common_us_phone_formats_become_ten_digits() {
        for t in [
            "555-201-3344",
            "(555) 201-3344",
            "555.201.3344",
            "+1 555 201 3344",
            "1-555-201-3344",
            "5552013344",
            "+1 (555) 201-3344",
            "555 201 3344",
        ] {
            assert_eq!(phone(t).as_deref(), Some("5552013344"), "{t}");
        }
    }

    #[test]
    fn foreign_numbers_keep_their_country_code() {
        assert_eq!(phone("+44 20 7946 0958").as_deref(), Some("+442079460958"));
    }

    #[test]
    fn sizes_and_dates_are_not_phones() {
        assert_eq!(phone("1,800 sq ft on 2026-12-09"), None);
        assert_eq!(phone("12/10 at 10:30"), None);
    }
}
