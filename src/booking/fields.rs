//! Validated newtypes for what customers type, parsed once at the API edge so the core
//! never sees raw strings. Format checks only: slot rules live in `calendar`, prices in
//! `pricing`. Types holding personal data print redacted in `Debug` and have no `Display`.

use std::fmt;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use rand::Rng;
use regex::Regex;
use serde::Serialize;

/// An input that failed validation, named by its API field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// API field name: name, phone, email, address, squareFeet, date, time, notes, reference.
    pub field: &'static str,
    /// What is wrong, in words a customer understands.
    pub message: String,
}

/// An error result on one field.
fn fail<T>(field: &'static str, message: &str) -> Result<T, FieldError> {
    let message = message.to_string();
    Err(FieldError { field, message })
}

/// `Debug` that names the type but hides the personal data inside.
macro_rules! redacted_debug {
    ($($name:ident),+) => {$(
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    )+};
}

redacted_debug!(PersonName, PhoneNumber, Email, Address, Notes);

#[expect(
    clippy::expect_used,
    reason = "constant patterns, each compiled by the tests"
)]
fn pattern(re: &str) -> Regex {
    Regex::new(re).expect("a constant pattern compiles")
}

/// Letters and marks of any script, spaces, apostrophes, dots and hyphens.
static NAME: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[\p{L}\p{M} '’.\-‐]+$"));
static DATE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"));
static TIME: LazyLock<Regex> = LazyLock::new(|| pattern(r"^([0-9]{1,2}):([0-9]{2})$"));

/// Collapses runs of whitespace (including newlines) into single spaces.
fn squash_spaces(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A customer's name: 2–100 characters of letters (any script), spaces, `'`, `.`, `-`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Trims, collapses inner whitespace and checks length and characters.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let name = squash_spaces(input);
        match name.chars().count() {
            0..=1 => fail("name", "Please tell us your name (at least 2 characters)."),
            101.. => fail("name", "A name can be at most 100 characters."),
            _ if !NAME.is_match(&name) || !name.chars().any(char::is_alphabetic) => fail(
                "name",
                "A name may only contain letters, spaces, apostrophes, dots and hyphens.",
            ),
            _ => Ok(PersonName(name)),
        }
    }

    /// The name as given, whitespace tidied.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164 form (`+15551002000`); numbers without a country code are
/// taken as North American (+1).
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts common formats: `555-100-2000`, `(555) 100-3000`, `5551004000`,
    /// `1 555 100 2000`, `+1 555 100 2000`, `+44 20 7946 0958`, `0044 (0)20 7946 0958`.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let trimmed = input.trim();
        let (international, rest) = match (trimmed.strip_prefix('+'), trimmed.strip_prefix("00")) {
            (Some(rest), _) | (None, Some(rest)) => (true, rest.replace("(0)", "")),
            (None, None) => (false, trimmed.to_string()),
        };
        // "(0)" above is the domestic trunk prefix, dropped when dialled from abroad.
        let separators = [' ', '-', '.', '(', ')', '/', '\u{a0}', '‐', '–'];
        if rest
            .chars()
            .any(|c| !c.is_ascii_digit() && !separators.contains(&c))
        {
            return fail(
                "phone",
                "Please give a phone number using digits only, like 555-100-2000.",
            );
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        let digits = match (international, digits.len()) {
            (true, _) => digits,
            (false, 10) => format!("1{digits}"),
            (false, 11) if digits.starts_with('1') => digits,
            (false, _) => {
                return fail(
                    "phone",
                    "Please give a 10-digit phone number, like 555-100-2000.",
                )
            }
        };
        if digits.starts_with('1') {
            if digits.len() != 11 {
                return fail("phone", "A +1 number has 10 digits after the 1.");
            }
            if digits
                .get(1..2)
                .is_some_and(|area| area == "0" || area == "1")
            {
                return fail(
                    "phone",
                    "US and Canadian area codes never start with 0 or 1.",
                );
            }
        } else if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return fail(
                "phone",
                "Please give the full number with its country code.",
            );
        }
        Ok(PhoneNumber(format!("+{digits}")))
    }

    /// The number as `+` and digits, e.g. `+15551002000`.
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// The digits after the country code, e.g. `5551002000` or `2079460958`.
    pub fn national_digits(&self) -> &str {
        let digits = self.0.get(1..).unwrap_or_default();
        digits.get(country_code_len(digits)..).unwrap_or_default()
    }
}

/// Length of the ITU country code a digit string starts with (codes are prefix-free).
fn country_code_len(digits: &str) -> usize {
    const TWO_DIGIT: [&str; 44] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with(['1', '7']) {
        1
    } else if TWO_DIGIT.iter().any(|code| digits.starts_with(code)) {
        2
    } else {
        3
    }
}

/// An email address with its domain in lower case.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Checks the usual shape `local@domain.tld`; the local part keeps its case.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let trimmed = input.trim();
        let email = match trimmed.split_once('@') {
            Some((local, domain)) if local.len() <= 64 && trimmed.len() <= 254 => {
                format!("{local}@{}", domain.to_lowercase())
            }
            _ => String::new(),
        };
        if !is_email(&email) {
            return fail(
                "email",
                "Please give an email address like name@example.com.",
            );
        }
        Ok(Email(email))
    }

    /// The address, domain lower-cased.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `local@domain.tld`: the local part is dot-separated atoms of letters, digits and
/// `!#$%&'*+/=?^_`{|}~-`; the (lower-cased) domain is two or more dot-separated labels of
/// at most 63 characters, letters, digits and inner hyphens, the last of 2+ letters.
/// Plain code rather than a pattern: with Unicode classes and the `{0,61}` bound the
/// regex compiled to 6 MB.
fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let atom_char = |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atom_char));
    let Some((labels, top)) = domain.rsplit_once('.') else {
        return false;
    };
    let label_ok = |label: &str| {
        (1..=63).contains(&label.chars().count())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_digit() || c == '-' || (c.is_alphabetic() && !c.is_uppercase()))
    };
    let top_ok = (2..=63).contains(&top.chars().count())
        && top.chars().all(|c| c.is_alphabetic() && !c.is_uppercase());
    local_ok && top_ok && labels.split('.').all(label_ok)
}

/// A street address: 5–200 characters with at least one letter, whitespace tidied.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Address(String);

impl Address {
    /// Trims, collapses whitespace and line breaks, and checks length and content.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let address = squash_spaces(input);
        match address.chars().count() {
            0..=4 => fail("address", "Please give the full address of the place."),
            201.. => fail("address", "An address can be at most 200 characters."),
            _ if !address.chars().any(char::is_alphabetic) => fail(
                "address",
                "An address needs a street name, not only numbers.",
            ),
            _ if address.chars().any(char::is_control) => {
                fail("address", "An address cannot contain control characters.")
            }
            _ => Ok(Address(address)),
        }
    }

    /// The address, whitespace tidied.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Size of the place in square feet, 100 to 100,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SquareFeet(u32);

impl SquareFeet {
    /// Smallest accepted size.
    pub const MIN: u32 = 100;
    /// Largest accepted size.
    pub const MAX: u32 = 100_000;

    /// Checks the range.
    pub fn new(value: u32) -> Result<Self, FieldError> {
        if !(Self::MIN..=Self::MAX).contains(&value) {
            return fail(
                "squareFeet",
                "Square footage must be between 100 and 100,000.",
            );
        }
        Ok(SquareFeet(value))
    }

    /// The size.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for SquareFeet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Captured numbers of a fully matched pattern.
fn numbers<const N: usize>(re: &Regex, input: &str) -> Option<[u32; N]> {
    let caps = re.captures(input)?;
    let mut out = [0; N];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = caps.get(i + 1)?.as_str().parse().ok()?;
    }
    Some(out)
}

/// A calendar date given as `YYYY-MM-DD` (local to the business).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BookingDate(NaiveDate);

impl BookingDate {
    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let Some([y, m, d]) = numbers(&DATE, input.trim()) else {
            return fail(
                "date",
                "Please give the date as YYYY-MM-DD, like 2026-03-09.",
            );
        };
        match i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        {
            Some(date) => Ok(BookingDate(date)),
            None => fail("date", "That date does not exist on the calendar."),
        }
    }

    /// The date.
    pub fn get(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for BookingDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// A local start time given as 24-hour `HH:MM`; whether it is on the grid is the
/// calendar's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BookingTime(NaiveTime);

impl BookingTime {
    /// Parses `HH:MM` (a one-digit hour is accepted too).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        match numbers(&TIME, input.trim()).and_then(|[h, m]| NaiveTime::from_hms_opt(h, m, 0)) {
            Some(time) => Ok(BookingTime(time)),
            None => fail(
                "time",
                "Please give the time as HH:MM on a 24-hour clock, like 14:30.",
            ),
        }
    }

    /// The time.
    pub fn get(self) -> NaiveTime {
        self.0
    }
}

impl fmt::Display for BookingTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

/// Free-text notes for the crew, at most 1,000 characters.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Notes(String);

impl Notes {
    /// Longest accepted notes, in characters.
    pub const MAX_CHARS: usize = 1_000;

    /// Trims and drops control characters other than line breaks and tabs; blank
    /// input means no notes.
    pub fn parse(input: &str) -> Result<Option<Self>, FieldError> {
        let cleaned: String = (input.replace("\r\n", "\n").chars())
            .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
            .collect();
        match cleaned.trim() {
            "" => Ok(None),
            notes if notes.chars().count() > Self::MAX_CHARS => {
                fail("notes", "Notes can be at most 1,000 characters.")
            }
            notes => Ok(Some(Notes(notes.to_string()))),
        }
    }

    /// The notes.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters of a reference: no 0/O or 1/I, so it can be read out over the phone.
pub const REFERENCE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const REFERENCE_LEN: usize = 6;

/// A public booking reference such as `CS-7K2M9P`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Reference(String);

impl Reference {
    /// Draws a new random reference (30 bits); the caller retries on a unique clash.
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let pick =
            |_| char::from(REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())]);
        Reference(format!(
            "CS-{}",
            (0..REFERENCE_LEN).map(pick).collect::<String>()
        ))
    }

    /// Accepts any case and `CS-`, `CS ` or `CS` before the six characters.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let upper = input.trim().to_ascii_uppercase();
        let code = (upper.strip_prefix("CS"))
            .map(|rest| rest.strip_prefix(['-', ' ']).unwrap_or(rest))
            .filter(|code| code.len() == REFERENCE_LEN)
            .filter(|code| code.bytes().all(|b| REFERENCE_ALPHABET.contains(&b)));
        match code {
            Some(code) => Ok(Reference(format!("CS-{code}"))),
            None => fail("reference", "A booking reference looks like CS-7K2M9P."),
        }
    }

    /// The reference, e.g. `CS-7K2M9P`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn field_of<T>(result: Result<T, FieldError>) -> &'static str {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(err) => err.field,
        }
    }

    #[test]
    fn names_in_any_script_are_accepted_and_tidied() {
        assert_eq!(
            PersonName::parse("  Ana   Ruiz ").unwrap().as_str(),
            "Ana Ruiz"
        );
        for name in [
            "Seán O'Brien",
            "Jean-Luc Picard",
            "J. R. R. Tolkien",
            "Zoë D’Arcy",
            "李小龙",
            "Владимир",
            "प्रिया शर्मा",
            "محمد علي",
            "Al",
        ] {
            assert_eq!(PersonName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn names_that_are_too_short_too_long_or_symbolic_are_refused() {
        assert_eq!(field_of(PersonName::parse("A")), "name");
        assert_eq!(field_of(PersonName::parse("   ")), "name");
        assert_eq!(field_of(PersonName::parse(&"a".repeat(101))), "name");
        assert!(PersonName::parse(&"a".repeat(100)).is_ok());
        for bad in [
            "R2D2",
            "Ana <script>",
            "bob@example.com",
            "-- .",
            "Ana_Ruiz",
        ] {
            assert_eq!(field_of(PersonName::parse(bad)), "name", "{bad}");
        }
    }

    #[test]
    fn north_american_numbers_in_common_formats_become_e164() {
        for input in [
            "555-100-2000",
            "(555) 100-2000",
            "5551002000",
            "+1 555 100 2000",
            "1-555-100-2000",
            "555.100.2000",
            "+1 (555) 100-2000",
        ] {
            let phone = PhoneNumber::parse(input).unwrap();
            assert_eq!(phone.as_e164(), "+15551002000", "{input}");
            assert_eq!(phone.national_digits(), "5551002000", "{input}");
        }
        assert_eq!(
            PhoneNumber::parse("(555) 100-3000").unwrap().as_e164(),
            "+15551003000"
        );
        assert_eq!(
            PhoneNumber::parse("5551004000").unwrap().as_e164(),
            "+15551004000"
        );
    }

    #[test]
    fn international_numbers_keep_their_country_code() {
        for input in [
            "+44 20 7946 0958",
            "0044 20 7946 0958",
            "+44 (0)20 7946 0958",
        ] {
            let phone = PhoneNumber::parse(input).unwrap();
            assert_eq!(phone.as_e164(), "+442079460958", "{input}");
            assert_eq!(phone.national_digits(), "2079460958");
        }
        assert_eq!(
            PhoneNumber::parse("+353 1 234 5678")
                .unwrap()
                .national_digits(),
            "12345678"
        );
        assert_eq!(
            PhoneNumber::parse("+7 495 123 45 67")
                .unwrap()
                .national_digits(),
            "4951234567"
        );
    }

    #[test]
    fn incomplete_or_odd_phone_numbers_are_refused() {
        for bad in [
            "",
            "555-1000",
            "555-100-20000",
            "+1 555 100 200",
            "(055) 100-2000",
            "555-100-2000 ext 5",
            "call me",
            "+44 20",
            "+0 1234 5678",
        ] {
            assert_eq!(field_of(PhoneNumber::parse(bad)), "phone", "{bad}");
        }
    }

    #[test]
    fn emails_are_checked_and_their_domain_lowercased() {
        assert_eq!(
            Email::parse(" Ana.Ruiz+home@Example.COM ")
                .unwrap()
                .as_str(),
            "Ana.Ruiz+home@example.com"
        );
        assert!(Email::parse("a@b.co").is_ok());
        assert!(Email::parse("ana@mail.example.co.uk").is_ok());
        assert!(Email::parse("josé.núñez@correo.ejemplo.es").is_ok());
        assert!(Email::parse("o'brien!x@xn--bcher-kva.example").is_ok());
        assert!(Email::parse(&format!("ana@{}.com", "a".repeat(63))).is_ok());
        assert_eq!(
            Email::parse("ana@MÜNCHEN.de").unwrap().as_str(),
            "ana@münchen.de"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "ana@exa mple.com",
            "ana..ruiz@example.com",
            ".ana@example.com",
            "ana@-example.com",
            "ana@example.c",
            "ana@1.2.3.4",
            "ana ruiz@example.com",
            "ana.@example.com",
            "ana@example-.com",
            "ana@example..com",
            "ana@example.com.",
            "ana@example.c0m",
            "ana@exam_ple.com",
            "ana(x)@example.com",
        ] {
            assert_eq!(field_of(Email::parse(bad)), "email", "{bad}");
        }
        for bad in [
            format!("ana@{}.com", "a".repeat(64)),
            format!("{}@example.com", "a".repeat(65)),
        ] {
            assert_eq!(field_of(Email::parse(&bad)), "email", "{bad}");
        }
    }

    #[test]
    fn addresses_need_five_to_two_hundred_characters_and_a_letter() {
        assert_eq!(
            Address::parse(" 12 Oak St,\n  Springfield ")
                .unwrap()
                .as_str(),
            "12 Oak St, Springfield"
        );
        assert_eq!(field_of(Address::parse("12 O")), "address");
        assert_eq!(field_of(Address::parse("12345 67890")), "address");
        assert_eq!(
            field_of(Address::parse(&format!("1 {}", "a".repeat(199)))),
            "address"
        );
        assert!(Address::parse(&format!("1 {}", "a".repeat(198))).is_ok());
    }

    #[test]
    fn square_feet_must_be_between_100_and_100000() {
        assert_eq!(SquareFeet::new(100).map(SquareFeet::get), Ok(100));
        assert_eq!(SquareFeet::new(100_000).map(SquareFeet::get), Ok(100_000));
        assert_eq!(field_of(SquareFeet::new(99)), "squareFeet");
        assert_eq!(field_of(SquareFeet::new(100_001)), "squareFeet");
    }

    #[test]
    fn dates_must_be_real_and_written_yyyy_mm_dd() {
        let date = BookingDate::parse("2026-03-09").unwrap();
        assert_eq!(date.get(), NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
        assert_eq!(date.to_string(), "2026-03-09");
        assert!(BookingDate::parse("2028-02-29").is_ok());
        for bad in [
            "2026-02-30",
            "2026-3-9",
            "09/03/2026",
            "2026-13-01",
            "",
            "tomorrow",
            "2026-03-09T10:00",
        ] {
            assert_eq!(field_of(BookingDate::parse(bad)), "date", "{bad}");
        }
    }

    #[test]
    fn times_are_24_hour_hh_mm() {
        assert_eq!(
            BookingTime::parse("14:30").unwrap().get(),
            NaiveTime::from_hms_opt(14, 30, 0).unwrap()
        );
        assert_eq!(BookingTime::parse("9:00").unwrap().to_string(), "09:00");
        assert_eq!(BookingTime::parse("09:15").unwrap().to_string(), "09:15");
        for bad in [
            "24:00", "12:60", "2pm", "1430", "12:5", "", "12:30:00", "-1:00",
        ] {
            assert_eq!(field_of(BookingTime::parse(bad)), "time", "{bad}");
        }
    }

    #[test]
    fn notes_are_optional_and_limited_to_1000_characters() {
        assert_eq!(Notes::parse("   ").unwrap(), None);
        let notes = Notes::parse(" Gate code 1234\r\nDog is friendly\u{7} ")
            .unwrap()
            .unwrap();
        assert_eq!(notes.as_str(), "Gate code 1234\nDog is friendly");
        assert!(Notes::parse(&"é".repeat(1_000)).unwrap().is_some());
        assert_eq!(field_of(Notes::parse(&"x".repeat(1_001))), "notes");
    }

    #[test]
    fn generated_references_use_the_unambiguous_alphabet_and_parse_back() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            let reference = Reference::generate(&mut rng);
            let s = reference.as_str();
            assert_eq!(s.len(), 9);
            assert!(s.starts_with("CS-"));
            assert!(!s[3..].contains(['0', 'O', '1', 'I']), "{s}");
            assert_eq!(Reference::parse(&s.to_lowercase()), Ok(reference.clone()));
            seen.insert(reference);
        }
        assert!(seen.len() > 495);
    }

    #[test]
    fn references_parse_case_insensitively_and_refuse_lookalikes() {
        for input in ["CS-7K2M9P", "cs-7k2m9p", " cs7k2m9p ", "CS 7K2M9P"] {
            assert_eq!(
                Reference::parse(input).unwrap().as_str(),
                "CS-7K2M9P",
                "{input}"
            );
        }
        for bad in [
            "CS-7K2M9",
            "CS-7K2M9PP",
            "CS-0K2M9P",
            "CS-IK2M9P",
            "XX-7K2M9P",
            "7K2M9P",
            "",
        ] {
            assert_eq!(field_of(Reference::parse(bad)), "reference", "{bad}");
        }
    }

    #[test]
    fn personal_data_never_shows_in_debug_output() {
        let phone = PhoneNumber::parse("555-100-2000").unwrap();
        let email = Email::parse("ana@example.com").unwrap();
        let name = PersonName::parse("Ana Ruiz").unwrap();
        let shown = format!("{phone:?} {email:?} {name:?}");
        assert_eq!(
            shown,
            "PhoneNumber(<redacted>) Email(<redacted>) PersonName(<redacted>)"
        );
        assert_eq!(serde_json::to_value(&phone).unwrap(), "+15551002000");
    }

    #[test]
    fn a_field_error_names_its_field() {
        let err = SquareFeet::new(5).unwrap_err();
        assert_eq!(
            err.to_string(),
            "squareFeet: Square footage must be between 100 and 100,000."
        );
    }
}
