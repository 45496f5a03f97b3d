//! Every opening and answer of the development dialogues
//! (/work/shared/eval/booking/dialogues.jsonl), read the way the engine reads them:
//! the opening with nothing asked, each answer as the reply to its field, and the
//! confirmation. The merged values must match each dialogue's `expect`.

use super::{check_dialogue, ex, tue, Dialogue};
use crate::chat::extract::Field;

const DIALOGUES: &[Dialogue] = &[
    Dialogue {
        id: "d01",
        opening: "I need a standard cleaning on Wednesday December 2 at 10am for my 1200 sq ft apartment",
        answers: &[(Field::Name, "Alice Turner"), (Field::Phone, "555-100-2000"), (Field::Email, "alice.turner@example.com"), (Field::Address, "10 Main St, Albany NY")],
        confirm: "yes, book it",
        service: "standard",
        date: "2026-12-02",
        time: "10:00",
        name: "Alice Turner",
        phone: "5551002000",
        email: None,
        square_feet: Some(1200),
    },
    Dialogue {
        id: "d02",
        opening: "Hello, can I book a deep clean?",
        answers: &[(Field::SquareFeet, "1500 square feet"), (Field::Date, "Friday"), (Field::Time, "9am"), (Field::Name, "My name is Brian Cole"), (Field::Phone, "(555) 100-3000"), (Field::Email, "brian.cole@example.com"), (Field::Address, "22 Lake Ave, Troy NY")],
        confirm: "yes, book it",
        service: "deep",
        date: "2026-12-04",
        time: "09:00",
        name: "Brian Cole",
        phone: "5551003000",
        email: None,
        square_feet: Some(1500),
    },
    Dialogue {
        id: "d03",
        opening: "Move-out cleaning for a 1000 sq ft condo on Dec 7 at 9:00",
        answers: &[(Field::Name, "Cathy Park"), (Field::Phone, "5551004000"), (Field::Email, "cathy.park@example.com"), (Field::Address, "5 Hill Rd, Albany")],
        confirm: "yes, book it",
        service: "move_in_out",
        date: "2026-12-07",
        time: "09:00",
        name: "Cathy Park",
        phone: "5551004000",
        email: None,
        square_feet: Some(1000),
    },
    Dialogue {
        id: "d04",
        opening: "I'd like a free estimate for our office",
        answers: &[(Field::Date, "Thursday December 3"), (Field::Time, "2pm"), (Field::Name, "Dan Wu"), (Field::Phone, "555-100-5000"), (Field::Email, "dan@wuarch.com"), (Field::Address, "150 State St, Albany")],
        confirm: "yes, book it",
        service: "estimate",
        date: "2026-12-03",
        time: "14:00",
        name: "Dan Wu",
        phone: "5551005000",
        email: None,
        square_feet: None,
    },
    Dialogue {
        id: "d05",
        opening: "windows please, 800 sq ft, Saturday December 5 at 10am",
        answers: &[(Field::Name, "Eva Green"), (Field::Phone, "555-100-6000"), (Field::Email, "eva.green@example.com"), (Field::Address, "3 Oak Ct, Delmar")],
        confirm: "yes, book it",
        service: "windows",
        date: "2026-12-05",
        time: "10:00",
        name: "Eva Green",
        phone: "5551006000",
        email: None,
        square_feet: Some(800),
    },
    Dialogue {
        id: "d06",
        opening: "Carpet cleaning tomorrow at 1pm. 1,000 sq ft. I'm Felix Braun, 555-100-7000.",
        answers: &[(Field::Email, "felix.braun@example.com"), (Field::Address, "8 Pine St, Albany")],
        confirm: "yes, book it",
        service: "carpet",
        date: "2026-12-02",
        time: "13:00",
        name: "Felix Braun",
        phone: "5551007000",
        email: None,
        square_feet: Some(1000),
    },
    Dialogue {
        id: "d07",
        opening: "Office cleaning, 2000 sq ft, Monday at 9",
        answers: &[(Field::Name, "Gina Rossi"), (Field::Phone, "555 100 8000"), (Field::Email, "gina@rossi-co.com"), (Field::Address, "400 Central Ave, Albany")],
        confirm: "yes, book it",
        service: "office",
        date: "2026-12-07",
        time: "09:00",
        name: "Gina Rossi",
        phone: "5551008000",
        email: None,
        square_feet: Some(2000),
    },
    Dialogue {
        id: "d08",
        opening: "how much is a standard clean for 900 sq ft?",
        answers: &[(Field::Date, "Thursday"), (Field::Time, "11am"), (Field::Name, "Hugo Silva"), (Field::Phone, "555-100-9000"), (Field::Email, "hugo.silva@example.com"), (Field::Address, "12 River St, Troy"), (Field::Confirmation, "great, let's book it")],
        confirm: "yes, book it",
        service: "standard",
        date: "2026-12-03",
        time: "11:00",
        name: "Hugo Silva",
        phone: "5551009000",
        email: None,
        square_feet: Some(900),
    },
    Dialogue {
        id: "d09",
        opening: "deep clean on Sunday at 10?",
        answers: &[(Field::Date, "Monday then"), (Field::Time, "10am"), (Field::SquareFeet, "1100"), (Field::Name, "Iris Novak"), (Field::Phone, "555-101-1000"), (Field::Email, "iris.novak@example.com"), (Field::Address, "7 Elm St, Albany")],
        confirm: "yes, book it",
        service: "deep",
        date: "2026-12-07",
        time: "10:00",
        name: "Iris Novak",
        phone: "5551011000",
        email: None,
        square_feet: Some(1100),
    },
    Dialogue {
        id: "d10",
        opening: "standard clean Friday 4pm, 1000 sq ft",
        answers: &[(Field::Time, "how about 2pm"), (Field::Name, "Jack Moran"), (Field::Phone, "555-101-2000"), (Field::Email, "jack.moran@example.com"), (Field::Address, "9 Jay St, Albany")],
        confirm: "yes, book it",
        service: "standard",
        date: "2026-12-04",
        time: "14:00",
        name: "Jack Moran",
        phone: "5551012000",
        email: None,
        square_feet: Some(1000),
    },
    Dialogue {
        id: "d11",
        opening: "I'm Karen Lopez (karen.lopez@example.com, 555-101-3000) and I need a deep cleaning for 1800 sq ft on December 9 at 9:30am at 14 Birch Lane, Latham",
        answers: &[],
        confirm: "yes, book it",
        service: "deep",
        date: "2026-12-09",
        time: "09:30",
        name: "Karen Lopez",
        phone: "5551013000",
        email: Some("karen.lopez@example.com"),
        square_feet: Some(1800),
    },
    Dialogue {
        id: "d12",
        opening: "Need cleaning",
        answers: &[(Field::ServiceType, "standard"), (Field::SquareFeet, "1400 sqft"), (Field::Date, "12/10"), (Field::Time, "10:30am"), (Field::Name, "Leo Martins"), (Field::Phone, "+1 555 101 4000"), (Field::Email, "leo.martins@example.com"), (Field::Address, "3 Swan St, Albany")],
        confirm: "yes, book it",
        service: "standard",
        date: "2026-12-10",
        time: "10:30",
        name: "Leo Martins",
        phone: "5551014000",
        email: None,
        square_feet: Some(1400),
    },
];

#[test]
fn every_dev_dialogue_yields_its_expected_booking() {
    for d in DIALOGUES {
        check_dialogue(d);
    }
}

#[test]
fn every_dev_answer_fills_the_field_it_answers() {
    for d in DIALOGUES {
        for (field, text) in d.answers {
            let e = ex().extract(text, tue(), Some(*field));
            let filled = match field {
                Field::Name => e.name.is_some(),
                Field::Phone => e.phone.is_some(),
                Field::Email => e.email.is_some(),
                Field::Address => e.address.is_some(),
                Field::ServiceType => e.service.is_some(),
                Field::SquareFeet => e.square_feet.is_some(),
                Field::Date => e.date.is_some(),
                Field::Time => e.time.is_some(),
                Field::Confirmation => e.yes == Some(true),
                _ => true,
            };
            assert!(
                filled,
                "{}: {:?} not read from {:?}: {:?}",
                d.id, field, text, e
            );
        }
    }
}

#[test]
fn dev_answers_do_not_leak_into_other_fields() {
    for d in DIALOGUES {
        for (field, text) in d.answers {
            let e = ex().extract(text, tue(), Some(*field));
            if *field != Field::Time {
                assert_eq!(e.time, None, "{}: {:?} read a time", d.id, text);
            }
            if *field != Field::SquareFeet {
                assert_eq!(e.square_feet, None, "{}: {:?} read a size", d.id, text);
            }
            if *field != Field::Date {
                assert_eq!(e.date, None, "{}: {:?} read a date", d.id, text);
            }
            if *field != Field::Name {
                assert_eq!(e.name, None, "{}: {:?} read a name", d.id, text);
            }
        }
    }
}
