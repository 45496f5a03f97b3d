//! Floor sizes, services, frequencies and add-ons.

use super::{answer, read};
use crate::chat::extract::Field;

#[test]
fn sizes_with_units_in_many_spellings() {
    for (text, want) in [
        ("1,800 sq ft", 1800),
        ("2k sqft", 2000),
        ("3 bed house about 1500 square feet", 1500),
        ("1200 sf", 1200),
        ("about 2000 square foot", 2000),
        ("900sf apartment", 900),
        ("1,100 sq. ft.", 1100),
        ("a 2,000-square-foot home", 2000),
        ("1.5k sq ft", 1500),
        ("fifteen hundred square feet", 1500),
        ("140 m2", 1507),
        ("~2200 sq ft", 2200),
    ] {
        assert_eq!(read(text).square_feet, Some(want), "{text}");
    }
}

#[test]
fn a_bare_number_is_a_size_only_when_asked() {
    assert_eq!(answer("1100", Field::SquareFeet).square_feet, Some(1100));
    assert_eq!(
        answer("about 2000", Field::SquareFeet).square_feet,
        Some(2000)
    );
    assert_eq!(
        answer("around 2k", Field::SquareFeet).square_feet,
        Some(2000)
    );
    assert_eq!(
        answer("not sure, maybe 1200?", Field::SquareFeet).square_feet,
        Some(1200)
    );
    assert_eq!(answer("3 bedrooms", Field::SquareFeet).square_feet, None);
    assert_eq!(read("1100").square_feet, None);
}

#[test]
fn a_range_takes_its_upper_end() {
    assert_eq!(read("between 1500 and 2000 sq ft").square_feet, Some(2000));
}

#[test]
fn phones_dates_times_and_house_numbers_are_not_sizes() {
    let e = read("555-201-3344, 12/10 at 10:30, 1200 Oak Street");
    assert_eq!(e.square_feet, None);
    assert_eq!(
        answer("1200 Oak Street, Albany", Field::SquareFeet).square_feet,
        None
    );
}

#[test]
fn service_synonyms() {
    for (text, want) in [
        ("regular house clean", "standard"),
        ("just a basic clean", "standard"),
        ("Can you clean my 2 bedroom apartment?", "standard"),
        ("spring cleaning", "deep"),
        ("a thorough clean", "deep"),
        ("move-out cleaning", "move_in_out"),
        ("move in clean", "move_in_out"),
        ("end of tenancy clean", "move_in_out"),
        ("we're moving next week", "move_in_out"),
        ("commercial cleaning", "office"),
        ("workplace clean", "office"),
        ("carpet shampoo", "carpet"),
        ("steam clean my rugs", "carpet"),
        ("window washing", "windows"),
        ("free estimate", "estimate"),
        ("can someone come look at the place first", "estimate"),
        ("I'd like an on-site assessment", "estimate"),
    ] {
        assert_eq!(read(text).service, Some(want), "{text}");
    }
}

#[test]
fn a_bare_service_answer_is_understood() {
    assert_eq!(
        answer("standard", Field::ServiceType).service,
        Some("standard")
    );
    assert_eq!(
        answer("the normal one", Field::ServiceType).service,
        Some("standard")
    );
    assert_eq!(
        answer("just cleaning", Field::ServiceType).service,
        Some("standard")
    );
    assert_eq!(
        answer("an estimate please", Field::ServiceType).service,
        Some("estimate")
    );
}

#[test]
fn an_office_is_premises_so_it_wins_over_deep() {
    assert_eq!(read("deep clean of our office").service, Some("office"));
    assert_eq!(
        read("free estimate for our office").service,
        Some("estimate")
    );
}

#[test]
fn the_main_service_wins_and_windows_become_an_add_on() {
    let e = read("deep clean including the windows");
    assert_eq!(e.service, Some("deep"));
    assert!(e.add_ons.contains(&"interior_windows"));
}

#[test]
fn moving_an_appointment_is_not_a_move_out() {
    assert_eq!(read("I'm moving my appointment to Friday").service, None);
}

#[test]
fn frequencies() {
    for (text, want) in [
        ("weekly please", "weekly"),
        ("every other week", "biweekly"),
        ("bi-weekly", "biweekly"),
        ("every two weeks", "biweekly"),
        ("once a month", "monthly"),
        ("just a one-time clean", "one_time"),
        ("every Friday", "weekly"),
    ] {
        assert_eq!(read(text).frequency, Some(want), "{text}");
    }
}

#[test]
fn add_ons_and_their_refusals() {
    let e = read("please do the inside of the fridge and oven, we have 2 dogs, and use eco-friendly products");
    for a in ["inside_fridge", "inside_oven", "pet_hair", "eco_products"] {
        assert!(e.add_ons.contains(&a), "{a}: {:?}", e.add_ons);
    }
    assert!(read("no laundry, no pets").add_ons.is_empty());
    assert_eq!(read("can you do laundry too").add_ons, vec!["laundry"]);
    assert_eq!(
        read("no harsh chemicals please").add_ons,
        vec!["eco_products"]
    );
}

#[test]
fn feet_abbreviated_as_ft_alone() {
    assert_eq!(read("2000 ft house").square_feet, Some(2000));
    assert_eq!(read("a 1,200-sq-ft apartment").square_feet, Some(1200));
}

#[test]
fn asking_for_an_estimate_books_the_estimate_visit() {
    let e =
        read("Hey, need an estimate for a big office clean, can someone come by Wednesday at 4?");
    assert_eq!(e.service, Some("estimate"));
}

#[test]
fn cleaning_for_a_home_is_the_standard_service() {
    assert_eq!(
        read("I want cleaning for my house").service,
        Some("standard")
    );
    assert_eq!(
        read("I need a deep cleaning for my house").service,
        Some("deep")
    );
}
