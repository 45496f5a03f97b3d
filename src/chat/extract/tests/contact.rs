//! Names, phones, emails, addresses and references.

use super::{answer, read};
use crate::chat::extract::Field;

fn name(text: &str) -> Option<String> {
    answer(text, Field::Name).name
}

#[test]
fn names_after_a_cue() {
    assert_eq!(read("I'm Ana Ruiz").name.as_deref(), Some("Ana Ruiz"));
    assert_eq!(
        read("my name is brian cole").name.as_deref(),
        Some("Brian Cole")
    );
    assert_eq!(
        read("Hi, this is Dan from Wu Architects").name.as_deref(),
        Some("Dan")
    );
    assert_eq!(
        read("Name: Felix Braun").name.as_deref(),
        Some("Felix Braun")
    );
    assert_eq!(read("You can call me Liz").name.as_deref(), Some("Liz"));
    assert_eq!(
        read("Dr. Maria Gonzalez here").name.as_deref(),
        Some("Maria Gonzalez")
    );
    assert_eq!(
        read("Hey it's Mike, need a move out clean").name.as_deref(),
        Some("Mike")
    );
    assert_eq!(
        read("hi im ana ruiz, need a deep clean").name.as_deref(),
        Some("Ana Ruiz")
    );
}

#[test]
fn looking_and_interested_are_not_names() {
    assert_eq!(read("I'm looking for a deep clean").name, None);
    assert_eq!(read("I'm interested in a quote").name, None);
    assert_eq!(read("I'm moving out next week").name, None);
    assert_eq!(read("I'm flexible").name, None);
    assert_eq!(read("I'm free Thursday afternoon").name, None);
    assert_eq!(read("This is urgent, need a clean today").name, None);
    assert_eq!(read("I'm at 12 Oak Street").name, None);
    assert_eq!(read("I am a new customer").name, None);
}

#[test]
fn a_name_stops_at_the_next_field() {
    let e = read("I'm Karen Lopez (karen.lopez@example.com, 555-101-3000) and I need a clean");
    assert_eq!(e.name.as_deref(), Some("Karen Lopez"));
    assert_eq!(read("I'm Ana - 555 201 3344").name.as_deref(), Some("Ana"));
    let e = read("I'm Ana Ruiz and I live at 12 Oak Street, Troy NY 12180");
    assert_eq!(e.name.as_deref(), Some("Ana Ruiz"));
    assert_eq!(e.address.as_deref(), Some("12 Oak Street, Troy NY 12180"));
}

#[test]
fn bare_names_are_understood_when_asked() {
    assert_eq!(name("Alice Turner").as_deref(), Some("Alice Turner"));
    assert_eq!(name("alice turner").as_deref(), Some("Alice Turner"));
    assert_eq!(name("ALICE TURNER").as_deref(), Some("Alice Turner"));
    assert_eq!(name("Sure, it's Ana Ruiz").as_deref(), Some("Ana Ruiz"));
    assert_eq!(name("Thanks, it's Tom Hanks").as_deref(), Some("Tom Hanks"));
    assert_eq!(name("Tom").as_deref(), Some("Tom"));
    assert_eq!(read("Alice Turner").name, None);
}

#[test]
fn titles_are_dropped_and_particles_kept() {
    assert_eq!(
        name("Dr. Maria Gonzalez").as_deref(),
        Some("Maria Gonzalez")
    );
    assert_eq!(name("Mrs Jane Doe").as_deref(), Some("Jane Doe"));
    assert_eq!(
        name("maria de la cruz").as_deref(),
        Some("Maria de la Cruz")
    );
    assert_eq!(
        name("Ludwig van Beethoven").as_deref(),
        Some("Ludwig van Beethoven")
    );
    assert_eq!(name("J. R. Smith").as_deref(), Some("J. R. Smith"));
}

#[test]
fn names_in_any_script_with_apostrophes_and_hyphens() {
    assert_eq!(name("李明").as_deref(), Some("李明"));
    assert_eq!(name("Анна Петрова").as_deref(), Some("Анна Петрова"));
    assert_eq!(name("Jean-Luc Picard").as_deref(), Some("Jean-Luc Picard"));
    assert_eq!(
        name("mary-kate o'neil").as_deref(),
        Some("Mary-Kate O'Neil")
    );
    assert_eq!(
        read("my name is josé núñez-o'brien").name.as_deref(),
        Some("José Núñez-O'Brien")
    );
    assert_eq!(name("Zoë D\u{2019}Angelo").as_deref(), Some("Zoë D'Angelo"));
}

#[test]
fn questions_and_refusals_are_not_names() {
    assert_eq!(name("why do you need that?"), None);
    assert_eq!(name("I'd rather not say"), None);
    assert_eq!(name("Sure thing"), None);
    assert_eq!(name("ok"), None);
}

#[test]
fn a_name_next_to_a_phone_counts_without_the_question() {
    let e = read("Gina Rossi, 555 100 8000");
    assert_eq!(e.name.as_deref(), Some("Gina Rossi"));
    assert_eq!(e.phone.as_deref(), Some("5551008000"));
}

#[test]
fn phones_in_common_formats() {
    for (text, want) in [
        ("555-201-3344", "5552013344"),
        ("(555) 100-3000", "5551003000"),
        ("555.100.2000", "5551002000"),
        ("+1 555 100 2000", "5551002000"),
        ("1-555-100-2000", "5551002000"),
        ("5551004000", "5551004000"),
        ("my cell is 555 100 8000", "5551008000"),
        ("+44 7700 900123", "+447700900123"),
        ("555 1004 000", "5551004000"),
    ] {
        assert_eq!(
            answer(text, Field::Phone).phone.as_deref(),
            Some(want),
            "{text}"
        );
    }
}

#[test]
fn a_phone_in_a_sentence_is_not_a_size_or_time() {
    let e = read("Call me on 518 555 0134, deep clean Friday");
    assert_eq!(e.phone.as_deref(), Some("5185550134"));
    assert_eq!(e.square_feet, None);
    assert_eq!(e.time, None);
}

#[test]
fn emails_are_lowercased_and_spoken_ones_understood_when_asked() {
    assert_eq!(
        read("email me at Dan@WuArch.com").email.as_deref(),
        Some("dan@wuarch.com")
    );
    assert_eq!(
        answer("alice at example dot com", Field::Email)
            .email
            .as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(read("meet me at home dot com").email, None);
}

#[test]
fn street_addresses_with_towns_states_and_units() {
    for (text, want) in [
        ("10 Main St, Albany NY", "10 Main St, Albany NY"),
        ("22 Lake Ave, Troy NY", "22 Lake Ave, Troy NY"),
        ("Apt 4B, 150 State St", "Apt 4B, 150 State St"),
        (
            "my address is 44 Elm Street, Apt 3, Troy",
            "44 Elm Street, Apt 3, Troy",
        ),
        ("123 W 42nd St, New York, NY", "123 W 42nd St, New York, NY"),
        ("150 Broadway, Albany", "150 Broadway, Albany"),
        ("It's 9 Jay St", "9 Jay St"),
        (
            "12 oak street, albany ny 12203",
            "12 oak street, albany ny 12203",
        ),
        (
            "1600 Pennsylvania Avenue NW, Washington, DC 20500",
            "1600 Pennsylvania Avenue NW, Washington, DC 20500",
        ),
    ] {
        assert_eq!(
            answer(text, Field::Address).address.as_deref(),
            Some(want),
            "{text}"
        );
    }
}

#[test]
fn any_reasonable_answer_is_an_address_when_asked() {
    assert_eq!(
        answer("The red farmhouse on Route 9, Clifton Park", Field::Address)
            .address
            .as_deref(),
        Some("The red farmhouse on Route 9, Clifton Park")
    );
    assert_eq!(answer("why?", Field::Address).address, None);
    assert_eq!(read("The red farmhouse").address, None);
}

#[test]
fn booking_references_with_or_without_dash() {
    assert_eq!(
        read("my ref is CS-7K2M9P").reference.as_deref(),
        Some("CS-7K2M9P")
    );
    assert_eq!(read("cs7k2m9p").reference.as_deref(), Some("CS-7K2M9P"));
    assert_eq!(
        answer("7k2m9p", Field::Reference).reference.as_deref(),
        Some("CS-7K2M9P")
    );
    assert_eq!(read("7k2m9p").reference, None);
}

#[test]
fn contact_answers_take_a_phone_or_an_email() {
    assert_eq!(
        answer("555 201 3344", Field::Contact).phone.as_deref(),
        Some("5552013344")
    );
    assert_eq!(
        answer("ana@example.com", Field::Contact).email.as_deref(),
        Some("ana@example.com")
    );
}

#[test]
fn more_name_cues_and_shapes() {
    assert_eq!(
        name("Wu Architects, attn: Dan Wu").as_deref(),
        Some("Dan Wu")
    );
    assert_eq!(
        name("My full name is Anne-Marie St. Clair").as_deref(),
        Some("Anne-Marie St. Clair")
    );
    assert_eq!(
        read("Contact: Ben Ford, 555-300-4000").name.as_deref(),
        Some("Ben Ford")
    );
    assert_eq!(read("i'm super busy, need a deep clean").name, None);
    assert_eq!(read("call me anytime").name, None);
    assert_eq!(
        read("I am John Smith and I want a deep clean")
            .name
            .as_deref(),
        Some("John Smith")
    );
}

#[test]
fn a_country_code_glued_to_the_number_is_dropped() {
    assert_eq!(
        answer("+15185550199", Field::Phone).phone.as_deref(),
        Some("5185550199")
    );
    assert_eq!(answer("25551002000", Field::Phone).phone, None);
}

#[test]
fn towns_after_in_and_lowercase_states() {
    assert_eq!(
        answer("we're at 19 Pine Ridge Rd in Guilderland", Field::Address)
            .address
            .as_deref(),
        Some("19 Pine Ridge Rd in Guilderland")
    );
    assert_eq!(
        answer("5 elm st in troy", Field::Address)
            .address
            .as_deref(),
        Some("5 elm st")
    );
    assert_eq!(
        read("cleaning for my 1,100 sq ft apartment at 27 Elm St, Troy")
            .address
            .as_deref(),
        Some("27 Elm St, Troy")
    );
}

#[test]
fn a_free_form_address_never_swallows_other_answers() {
    let e = answer("Friday instead", Field::Address);
    assert_eq!(e.address, None);
    assert_eq!(e.date, Some(super::day(2026, 12, 4)));
    assert_eq!(answer("yes", Field::Address).address, None);
    assert_eq!(
        answer("Main Street in Troy please", Field::Address)
            .address
            .as_deref(),
        Some("Main Street in Troy")
    );
}

#[test]
fn foreign_name_cues_need_a_capital_when_they_are_also_words() {
    assert_eq!(read("Hola, soy María").name.as_deref(), Some("María"));
    assert_eq!(read("I'm allergic to soy products").name, None);
}
