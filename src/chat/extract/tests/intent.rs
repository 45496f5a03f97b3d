//! Intents, FAQ topics, yes/no and corrections.

use super::{answer, read};
use crate::chat::extract::{FaqTopic, Field, Intent};

fn intent(text: &str) -> Option<Intent> {
    read(text).intent
}

fn yes(text: &str) -> Option<bool> {
    answer(text, Field::Confirmation).yes
}

#[test]
fn booking_requests() {
    assert_eq!(
        intent("Hello, can I book a deep clean?"),
        Some(Intent::Book)
    );
    assert_eq!(intent("Need cleaning"), Some(Intent::Book));
    assert_eq!(
        intent("I'd like a free estimate for our office"),
        Some(Intent::Book)
    );
    assert_eq!(intent("windows please, 800 sq ft"), Some(Intent::Book));
    assert_eq!(
        intent("I am looking for a cleaning service"),
        Some(Intent::Book)
    );
}

#[test]
fn reschedules() {
    assert_eq!(
        intent("I want to move my appointment to Friday"),
        Some(Intent::Reschedule)
    );
    assert_eq!(intent("Can I reschedule?"), Some(Intent::Reschedule));
    assert_eq!(
        intent("I need to change my booking CS-7K2M9P"),
        Some(Intent::Reschedule)
    );
}

#[test]
fn cancellations_but_not_the_policy_question() {
    assert_eq!(intent("cancel my booking please"), Some(Intent::Cancel));
    assert_eq!(intent("I'd like to cancel"), Some(Intent::Cancel));
    assert_eq!(intent("cancel CS-7K2M9P"), Some(Intent::Cancel));
    assert_eq!(
        intent("what's your cancellation policy"),
        Some(Intent::Faq(FaqTopic::Policies))
    );
}

#[test]
fn lookups() {
    assert_eq!(intent("can you check my booking"), Some(Intent::Lookup));
    assert_eq!(intent("when is my cleaning?"), Some(Intent::Lookup));
    assert_eq!(intent("CS-7K2M9P"), Some(Intent::Lookup));
}

#[test]
fn faq_topics() {
    for (text, topic) in [
        ("what are your hours?", FaqTopic::Hours),
        ("Are you open on Sundays?", FaqTopic::Hours),
        ("how much for a deep clean?", FaqTopic::Prices),
        ("What are your rates?", FaqTopic::Prices),
        ("what services do you offer", FaqTopic::Services),
        ("do you do carpets?", FaqTopic::Services),
        ("do you serve Albany?", FaqTopic::Areas),
        ("What areas do you cover?", FaqTopic::Areas),
        ("are you insured?", FaqTopic::Policies),
        ("do you bring your own supplies?", FaqTopic::Policies),
        ("Can I talk to a human?", FaqTopic::Contact),
        ("what's your phone number?", FaqTopic::Contact),
    ] {
        assert_eq!(intent(text), Some(Intent::Faq(topic)), "{text}");
    }
}

#[test]
fn a_price_question_keeps_its_details() {
    let e = read("how much is a standard clean for 900 sq ft?");
    assert_eq!(e.intent, Some(Intent::Faq(FaqTopic::Prices)));
    assert_eq!(e.service, Some("standard"));
    assert_eq!(e.square_feet, Some(900));
}

#[test]
fn greetings_thanks_and_nonsense() {
    assert_eq!(intent("hey"), Some(Intent::Greeting));
    assert_eq!(intent("Good morning"), Some(Intent::Greeting));
    assert_eq!(intent("thank you!"), Some(Intent::Thanks));
    assert_eq!(intent("asdfgh"), Some(Intent::Unknown));
    assert_eq!(intent("Friday at 2"), None);
}

#[test]
fn yes_in_many_words() {
    for text in [
        "yes",
        "yes, book it",
        "yep",
        "sure",
        "sounds good",
        "book it",
        "perfect",
        "that works",
        "confirm",
        "great, let's book it",
        "ok",
        "Yes please",
        "go ahead",
        "\u{1F44D}",
        "that's correct",
        "looks good to me",
        "Absolutely!",
        "2pm works",
        "Book",
        "Book now!",
        "please book",
        "good to go",
        "lets go",
    ] {
        assert_eq!(yes(text), Some(true), "{text}");
    }
}

#[test]
fn no_in_many_words() {
    for text in [
        "no",
        "nope",
        "nah",
        "not that one",
        "different time",
        "no, cancel that",
        "cancel",
        "yes but a different time",
        "that doesn't work for me",
        "none of those",
    ] {
        assert_eq!(yes(text), Some(false), "{text}");
    }
}

#[test]
fn neither_yes_nor_no() {
    assert_eq!(yes("not sure"), None);
    assert_eq!(yes("do you have anything later?"), None);
    assert_eq!(yes("Monday then"), None);
    assert_eq!(read("Book me a window cleaning please").yes, None);
}

#[test]
fn cancel_that_during_a_confirmation_is_a_no_not_a_cancellation() {
    let e = answer("no, cancel that", Field::Confirmation);
    assert_eq!(e.yes, Some(false));
    assert_ne!(e.intent, Some(Intent::Cancel));
}

#[test]
fn correction_markers() {
    for text in [
        "actually Saturday",
        "Thursday instead",
        "change it to 3pm",
        "make it Monday",
        "sorry I meant the 9th",
        "how about 2pm",
    ] {
        assert!(read(text).correction, "{text}");
    }
    assert!(!read("Friday at 2pm").correction);
}

#[test]
fn a_yes_that_changes_the_time_is_not_a_confirmation() {
    let e = answer(
        "Sounds good, but can we do 3pm instead?",
        Field::Confirmation,
    );
    assert_eq!(e.yes, None);
    assert!(e.correction);
    assert_eq!(e.time, super::at(15, 0));
}

#[test]
fn a_quote_visit_is_a_booking_not_a_price_question() {
    assert_eq!(
        intent("I would like a free quote visit at my office"),
        Some(Intent::Book)
    );
    assert_eq!(
        read("I would like a free quote visit").service,
        Some("estimate")
    );
}
