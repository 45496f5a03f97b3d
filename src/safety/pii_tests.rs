//! Unit tests for `pii.rs`: each kind valid and invalid, overlaps and redaction.

use super::*;

/// One detector for all tests: compiling the patterns is the slow part.
fn detector() -> &'static PiiDetector {
    static DETECTOR: std::sync::OnceLock<PiiDetector> = std::sync::OnceLock::new();
    DETECTOR.get_or_init(|| PiiDetector::new().expect("pii patterns compile"))
}

fn kinds(text: &str) -> Vec<(PiiKind, String)> {
    detector()
        .find_spans(text)
        .into_iter()
        .map(|s| (s.kind, text[s.start..s.end].to_string()))
        .collect()
}

fn redact(text: &str) -> String {
    apply_redaction(text, &detector().find_spans(text))
}

#[test]
fn emails_are_found() {
    assert_eq!(
        kinds("mail jane.doe+cs@example.co.uk now"),
        vec![(PiiKind::Email, "jane.doe+cs@example.co.uk".into())]
    );
}

#[test]
fn nanp_phones_in_common_formats_are_found() {
    for phone in [
        "(555) 303-9988",
        "555-203-4455",
        "555.203.4455",
        "5552034455",
        "+1 555 203 4455",
        "1-800-555-0199",
    ] {
        assert_eq!(
            kinds(&format!("call {phone} today")),
            vec![(PiiKind::Phone, phone.to_string())],
            "{phone}"
        );
    }
}

#[test]
fn international_phones_are_found() {
    for phone in [
        "+44 20 7946 0958",
        "+41 (0)96 471 07 95",
        "0490 75 40 81",
        "03.93.92.16.85",
        "345-899-3560x4587",
    ] {
        assert_eq!(
            kinds(&format!("Phone: {phone}")),
            vec![(PiiKind::Phone, phone.to_string())],
            "{phone}"
        );
    }
}

#[test]
fn dates_years_and_short_numbers_are_not_phones() {
    assert!(kinds("on 2023-05-13 12:20 we met").is_empty());
    assert!(kinds("from 2015-2020 and 1234567").is_empty());
    assert!(kinds("my driver's license number is 2270-66-1551").is_empty());
}

#[test]
fn luhn_valid_cards_are_found_and_invalid_ones_are_not() {
    assert_eq!(
        kinds("card 4111 1111 1111 1111"),
        vec![(PiiKind::CreditCard, "4111 1111 1111 1111".into())]
    );
    assert_eq!(
        kinds("card 4111-1111-1111-1111."),
        vec![(PiiKind::CreditCard, "4111-1111-1111-1111".into())]
    );
    assert!(kinds("card 4111 1111 1111 1112")
        .iter()
        .all(|(k, _)| *k != PiiKind::CreditCard));
    assert_eq!(
        kinds("amex 378282246310005"),
        vec![(PiiKind::CreditCard, "378282246310005".into())]
    );
}

#[test]
fn valid_ssns_are_found_and_invalid_ranges_are_not() {
    assert_eq!(
        kinds("SSN: 460-89-9847"),
        vec![(PiiKind::Ssn, "460-89-9847".into())]
    );
    assert_eq!(
        kinds("my social security number is 460899847"),
        vec![(PiiKind::Ssn, "460899847".into())]
    );
    for bad in [
        "000-12-3456",
        "666-12-3456",
        "912-12-3456",
        "123-00-4567",
        "123-45-0000",
    ] {
        assert!(kinds(&format!("SSN {bad}")).is_empty(), "{bad}");
    }
}

#[test]
fn ip_addresses_are_found_and_invalid_octets_are_not() {
    assert_eq!(
        kinds("from 192.168.1.20 today"),
        vec![(PiiKind::IpAddress, "192.168.1.20".into())]
    );
    assert_eq!(
        kinds("v6 2001:db8::8a2e:370:7334 ok"),
        vec![(PiiKind::IpAddress, "2001:db8::8a2e:370:7334".into())]
    );
    assert!(kinds("bad 300.1.2.3 and version 1.2.3.4.5").is_empty());
    assert!(kinds("at 12:20:39 sharp").is_empty());
}

#[test]
fn ibans_need_a_valid_checksum() {
    assert_eq!(
        kinds("IBAN GB82 WEST 1234 5698 7654 32 thanks"),
        vec![(PiiKind::Iban, "GB82 WEST 1234 5698 7654 32".into())]
    );
    assert_eq!(
        kinds("my iban is gb82west12345698765432"),
        vec![(PiiKind::Iban, "gb82west12345698765432".into())]
    );
    assert!(kinds("IBAN GB83WEST12345698765432")
        .iter()
        .all(|(k, _)| *k != PiiKind::Iban));
}

#[test]
fn checksums_behave() {
    assert!(luhn_valid(&[
        4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2
    ]));
    assert!(!luhn_valid(&[
        4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 3
    ]));
    assert!(ssn_valid("078051120"));
    assert!(!ssn_valid("900123456"));
    assert!(iban_valid("DE89370400440532013000"));
    assert!(!iban_valid("DE89370400440532013001"));
}

#[test]
fn redaction_replaces_whole_matches_without_leaking_digits() {
    let text = "Call me at (555) 303-9988 or email jane.doe@example.com, card 4111 1111 1111 1111.";
    let out = redact(text);
    assert_eq!(out, "Call me at [PHONE] or email [EMAIL], card [CARD].");
    assert!(!out.chars().any(|c| c.is_ascii_digit()));
}

#[test]
fn overlapping_matches_keep_the_longest() {
    // The card number contains phone-shaped and SSN-shaped runs; the card wins.
    assert_eq!(
        redact("pay with 4111-1111-1111-1111 ok"),
        "pay with [CARD] ok"
    );
    // A house number that looks like a phone number belongs to the address.
    assert_eq!(
        redact("send it to 370 3911 Fourth Avenue please"),
        "send it to [ADDRESS] please"
    );
}

#[test]
fn char_offsets_refer_to_the_original_text() {
    let text = "Zoë’s mail: zoë@example.com? no: zoe@example.com";
    let spans = detector().find_spans(text);
    let matches = to_char_matches(text, &spans);
    assert_eq!(matches.len(), 1);
    let m = matches[0];
    let found: String = text.chars().skip(m.start).take(m.end - m.start).collect();
    assert_eq!(found, "zoe@example.com");
}

#[test]
fn booking_chatter_has_no_pii() {
    for text in [
        "What's the damage for a 2000 sq ft deep clean?",
        "I need an estimate for a 12,000 sq ft warehouse office.",
        "Reschedule CS-7K2M9P to next Monday at 10 please.",
        "My card ends in 4242, do you take Visa?",
        "We have 3 bedrooms and 2 bathrooms on the first floor.",
    ] {
        assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn slash_separated_and_context_numbers_are_phones() {
    assert_eq!(
        kinds("Phone: 06-21/598 7159"),
        vec![(PiiKind::Phone, "06-21/598 7159".into())]
    );
    assert_eq!(
        kinds("my number is 41364491"),
        vec![(PiiKind::Phone, "41364491".into())]
    );
    assert!(kinds("ticket 41364491").is_empty());
}

#[test]
fn postcodes_are_not_phones() {
    assert!(kinds("CEP 16100-483 and 3610-114")
        .iter()
        .all(|(k, _)| *k != PiiKind::Phone));
}
