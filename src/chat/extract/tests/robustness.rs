//! Inputs no customer should be able to break the extractor with.

use super::{day, ex, tue};
use crate::chat::extract::{Field, Intent};

const ALL_FIELDS: [Option<Field>; 12] = [
    None,
    Some(Field::Name),
    Some(Field::Phone),
    Some(Field::Email),
    Some(Field::Address),
    Some(Field::ServiceType),
    Some(Field::SquareFeet),
    Some(Field::Date),
    Some(Field::Time),
    Some(Field::Confirmation),
    Some(Field::Reference),
    Some(Field::Contact),
];

#[test]
fn odd_inputs_never_panic_whatever_was_asked() {
    let long = "deep clean 1,800 sq ft Friday at 2pm 555-201-3344 ".repeat(1500);
    let odd = [
        "",
        " ",
        "\u{0}",
        "??!!..,,",
        "12345678901234567890",
        "9999999999999 sq ft",
        "99/99/9999 at 99:99",
        "0/0 at 0",
        "the 0th",
        "the 99th",
        "\u{1F9F9}\u{1F9FD}\u{2728}",
        "e\u{0301}\u{0301}\u{0301}",
        "\u{05E9}\u{05DC}\u{05D5}\u{05DD} \u{0645}\u{0631}\u{062D}\u{0628}\u{0627}",
        "I'm \u{200B}Ana\u{200D}",
        "\u{FF11}\u{FF12}\u{FF0F}\u{FF18}",
        "at",
        "I'm",
        "my name is",
        "CS-",
        "@@@",
        "a@b",
        "+",
        "+1",
        "Apt , , , 1 St",
        "\n\n\r\t",
    ];
    for text in odd {
        for field in ALL_FIELDS {
            for today in [tue(), day(2026, 12, 31), day(2028, 2, 29)] {
                let _ = ex().extract(text, today, field);
            }
        }
    }
    let e = ex().extract(&long, tue(), None);
    assert_eq!(e.square_feet, Some(1800));
}

#[test]
fn an_empty_message_has_no_intent() {
    assert_eq!(ex().extract("   ", tue(), None).intent, None);
    assert_eq!(
        ex().extract("zzzz", tue(), None).intent,
        Some(Intent::Unknown)
    );
}

#[test]
fn full_width_digits_and_curly_quotes_are_folded() {
    let e = ex().extract("I\u{2019}m Ana, \u{FF11}\u{FF12}/\u{FF18}", tue(), None);
    assert_eq!(e.name.as_deref(), Some("Ana"));
    assert_eq!(e.date, Some(day(2026, 12, 8)));
}
