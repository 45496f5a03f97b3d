//! Unit tests for `address.rs`.

use super::*;

/// One detector for all tests: compiling the patterns is the slow part.
fn detector() -> &'static AddressDetector {
    static DETECTOR: std::sync::OnceLock<AddressDetector> = std::sync::OnceLock::new();
    DETECTOR.get_or_init(|| AddressDetector::new().expect("address patterns compile"))
}

fn found(text: &str) -> Vec<String> {
    detector()
        .find(text)
        .into_iter()
        .map(|(s, e)| text[s..e].to_string())
        .collect()
}

#[test]
fn us_street_with_unit_is_one_address() {
    assert_eq!(
        found("I live at 128 Maple Street, Apt 5, Albany NY 12203."),
        vec!["128 Maple Street, Apt 5, Albany NY 12203"]
    );
}

#[test]
fn abbreviated_suffixes_are_found() {
    assert_eq!(
        found("The title refers to 1668 Glyn St"),
        vec!["1668 Glyn St"]
    );
    assert_eq!(found("ship to 42 Oak Blvd. tomorrow"), vec!["42 Oak Blvd."]);
}

#[test]
fn european_street_forms_are_found() {
    assert_eq!(
        found("bus stop on Villacher Strasse 89"),
        vec!["Villacher Strasse 89"]
    );
    assert_eq!(
        found("at 86036 Rua do Arenque 1634"),
        vec!["86036 Rua do Arenque 1634"]
    );
    assert_eq!(
        found("The office is at Király u. 15. today"),
        vec!["Király u. 15."]
    );
}

#[test]
fn multi_line_addresses_extend_to_the_postcode() {
    let text =
        "Ms Hughes\n\n20789 Allika 46\n Suite 501\n Riisa\n\n Estonia 62488\nPhone: 555 1234";
    assert_eq!(
        found(text),
        vec!["20789 Allika 46\n Suite 501\n Riisa\n\n Estonia 62488"]
    );
}

#[test]
fn po_boxes_and_military_addresses_are_found() {
    assert_eq!(
        found("Meet me at PSC 1437, Box 3833\nAPO AA 66791"),
        vec!["PSC 1437, Box 3833\nAPO AA 66791"]
    );
    assert_eq!(found("mail P.O. Box 104 please"), vec!["P.O. Box 104"]);
}

#[test]
fn corners_and_cued_names_are_found() {
    assert_eq!(
        found("at the corner of 3744 Retreat Avenue and Main Route."),
        vec!["the corner of 3744 Retreat Avenue and Main Route."]
    );
    assert_eq!(
        found("early shows on Marina Fort were great"),
        vec!["Marina Fort"]
    );
}

#[test]
fn sentences_with_numbers_are_not_addresses() {
    for text in [
        "We have 2 dogs in the Court case",
        "I need 3 hours on the way home",
        "In 2019 Tesla Model 3 sold well",
        "We charge a flat 50 dollars",
        "Room 5 needs extra care",
    ] {
        assert!(found(text).is_empty(), "{text}: {:?}", found(text));
    }
}

#[test]
fn street_then_postcode_lines_are_found() {
    assert_eq!(
        found("Javornická 966, 489 32 Ledvice"),
        vec!["Javornická 966, 489 32 Ledvice"]
    );
    assert_eq!(
        found("to Borgo Vanessa, 44\n83043, Bagnoli Irpino (AV) soon"),
        vec!["Borgo Vanessa, 44\n83043, Bagnoli Irpino (AV)"]
    );
    assert_eq!(
        found("at 61 Francis Lock, Johnstad, BH68 7DN"),
        vec!["61 Francis Lock, Johnstad, BH68 7DN"]
    );
}

#[test]
fn cyrillic_addresses_are_found() {
    let text = "Адрес: г. Елатьма, бул. Линейный, д. 2/9, 178005";
    assert_eq!(found(text).len(), 1);
}

#[test]
fn bare_street_words_need_a_name() {
    assert!(found("Flight BA 2490 leaves from gate 22, seat 14C.").is_empty());
    assert_eq!(found("Trenerys gate 232"), vec!["Trenerys gate 232"]);
}

/// The Cyrillic pattern says `{2,}` and `within_bounds` adds the upper bound of 40 chars;
/// together they find what the bounded pattern `{2,40}?` found, match for match.
#[test]
fn cyrillic_name_bound_matches_the_bounded_pattern() {
    let bounded = regex::Regex::new(
        r"(?:ул|пр|бул|наб|ш|алл|пер|пл|просп|пр-кт|туп|мкр)\.[ \t]*[\p{L}\p{M}0-9.\- ]{2,40}?,[ \t]*д\.[ \t]*[0-9]{1,4}(?:/[0-9]{1,3})?",
    )
    .expect("bounded pattern compiles");
    let pattern = detector()
        .patterns
        .iter()
        .find(|p| p.shape == Shape::Cyrillic)
        .expect("a Cyrillic pattern");
    let name = |n: usize| "ж".repeat(n);
    let texts = [
        format!("ул. {}, д. 7", name(40)),
        format!("ул. {}, д. 7", name(41)),
        format!("ул.{}{}, д. 7", " ".repeat(30), name(40)),
        format!("ул.\t \t{}, д. 7", name(39)),
        format!("ул. {} пр. Мира, д. 5, пл. {}, д. 1/2", name(45), name(3)),
        format!("мкр. {}, д. 12 и пер. а, д. 3", name(20)),
        "ул. Тополиная, д. 7; ул. Á\u{301}bc, д. 8".to_string(),
    ];
    for text in &texts {
        let expected: Vec<(usize, usize)> = bounded
            .find_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect();
        let got: Vec<(usize, usize)> = pattern
            .matches(text)
            .map(|m| (m.start(), m.end()))
            .collect();
        assert_eq!(got, expected, "{text}");
    }
    assert_eq!(
        found(&format!("ул. {}, д. 7", name(41))),
        Vec::<String>::new()
    );
    assert_eq!(
        found(&format!("ул. {}, д. 7", name(40))),
        vec![format!("ул. {}, д. 7", name(40))]
    );
}
