//! Times of day and windows.

use super::{answer, at, between, read};
use crate::chat::extract::{Field, TimeRequest};

fn time(text: &str) -> Option<TimeRequest> {
    answer(text, Field::Time).time
}

#[test]
fn clock_times_with_am_pm_in_any_spelling() {
    assert_eq!(time("9am"), at(9, 0));
    assert_eq!(time("2pm"), at(14, 0));
    assert_eq!(time("2 pm"), at(14, 0));
    assert_eq!(time("10 a.m."), at(10, 0));
    assert_eq!(time("9:30 a.m."), at(9, 30));
    assert_eq!(time("10:30am"), at(10, 30));
    assert_eq!(time("9.30am"), at(9, 30));
    assert_eq!(time("4p"), at(16, 0));
    assert_eq!(time("12pm"), at(12, 0));
}

#[test]
fn twenty_four_hour_times() {
    assert_eq!(time("14:30"), at(14, 30));
    assert_eq!(time("9:00"), at(9, 0));
    assert_eq!(time("12:30"), at(12, 30));
}

#[test]
fn small_hours_without_am_pm_fall_in_business_hours() {
    assert_eq!(time("around 2"), at(14, 0));
    assert_eq!(time("at 10"), at(10, 0));
    assert_eq!(time("2:30"), at(14, 30));
    assert_eq!(time("3 o'clock"), at(15, 0));
    assert_eq!(read("Monday at 9").time, at(9, 0));
}

#[test]
fn a_bare_number_is_a_time_only_when_asked() {
    assert_eq!(time("9"), at(9, 0));
    assert_eq!(time("2"), at(14, 0));
    assert_eq!(read("2").time, None);
}

#[test]
fn spoken_times() {
    assert_eq!(time("half past ten"), at(10, 30));
    assert_eq!(time("quarter to 3"), at(14, 45));
    assert_eq!(time("quarter past two"), at(14, 15));
    assert_eq!(time("two thirty"), at(14, 30));
    assert_eq!(time("ten am"), at(10, 0));
    assert_eq!(time("at two"), at(14, 0));
    assert_eq!(time("8 in the morning"), at(8, 0));
    assert_eq!(time("3 in the afternoon"), at(15, 0));
}

#[test]
fn noon_and_first_thing() {
    assert_eq!(time("noon"), at(12, 0));
    assert_eq!(time("noonish"), at(12, 0));
    assert_eq!(time("lunchtime"), at(12, 0));
    assert_eq!(time("first thing"), at(9, 0));
    assert_eq!(time("first thing in the morning"), at(9, 0));
    assert_eq!(time("the earliest you have"), at(9, 0));
}

#[test]
fn approximate_times_are_exact_starts() {
    assert_eq!(time("10am-ish"), at(10, 0));
    assert_eq!(time("10ish"), at(10, 0));
    assert_eq!(time("about 11"), at(11, 0));
    assert_eq!(time("roughly 1:30"), at(13, 30));
}

#[test]
fn parts_of_the_day_are_windows() {
    assert_eq!(time("morning"), between(9, 12));
    assert_eq!(time("in the morning"), between(9, 12));
    assert_eq!(time("afternoon"), between(12, 17));
    assert_eq!(time("evening"), between(15, 17));
    assert_eq!(time("after work"), between(15, 17));
    assert_eq!(time("late afternoon"), between(15, 17));
    assert_eq!(time("early afternoon"), between(12, 15));
    assert_eq!(time("in the pm"), between(12, 17));
}

#[test]
fn ranges_and_bounds_are_windows() {
    assert_eq!(time("between 10 and 12"), between(10, 12));
    assert_eq!(time("between 1 and 3pm"), between(13, 15));
    assert_eq!(time("1-3pm"), between(13, 15));
    assert_eq!(time("from 9 to 11"), between(9, 11));
    assert_eq!(time("after 2"), between(14, 17));
    assert_eq!(time("before noon"), between(9, 12));
    assert_eq!(time("before 11"), between(9, 11));
    assert_eq!(time("any time after lunch"), between(13, 17));
}

#[test]
fn an_exact_time_beats_a_window_in_the_same_message() {
    assert_eq!(read("tomorrow morning at 10").time, at(10, 0));
}

#[test]
fn a_greeting_is_not_a_time() {
    assert_eq!(read("Good morning! I need a clean on Friday").time, None);
    assert_eq!(
        read("Good afternoon, could you come tomorrow afternoon?").time,
        between(12, 17)
    );
}

#[test]
fn counts_are_not_times() {
    assert_eq!(read("I need it done in 2 hours").time, None);
    assert_eq!(read("We have 2 dogs and 3 cats").time, None);
    assert_eq!(read("the house has 2 stories and 3 bathrooms").time, None);
    assert_eq!(read("for 3 people").time, None);
}

#[test]
fn a_corrected_time_replaces_the_first() {
    let e = read("Friday at 4pm, actually make it 2pm");
    assert!(e.correction);
    assert_eq!(e.time, at(14, 0));
    assert_eq!(time("how about 2pm"), at(14, 0));
    assert_eq!(time("not 4pm, 2pm"), at(14, 0));
    assert_eq!(time("wait no, 10am not 11am"), at(10, 0));
}

#[test]
fn house_numbers_and_sizes_are_not_times() {
    let e = read("deep clean at 14 Birch Lane, Latham, 1800 sq ft");
    assert_eq!(e.time, None);
    assert_eq!(e.address.as_deref(), Some("14 Birch Lane, Latham"));
}

#[test]
fn one_of_two_times_is_the_first() {
    assert_eq!(time("2 or 3pm"), at(14, 0));
    assert_eq!(time("at 10 or 11am"), at(10, 0));
    assert_eq!(read("I need 2 or 3 bedrooms cleaned").time, None);
}

#[test]
fn bare_am_pm_and_dotted_answers() {
    assert_eq!(time("AM"), between(9, 12));
    assert_eq!(time("pm please"), between(12, 17));
    assert_eq!(time("10.30"), at(10, 30));
    assert_eq!(time("quarter past ten"), at(10, 15));
}

#[test]
fn dashed_and_till_ranges_unless_they_count_things() {
    assert_eq!(time("10-12"), between(10, 12));
    assert_eq!(time("10 till 12"), between(10, 12));
    assert_eq!(read("Friday 9-11").time, between(9, 11));
    assert_eq!(read("it takes 2-3 hours").time, None);
    assert_eq!(read("1-2 bedrooms").time, None);
}

#[test]
fn an_hour_in_the_morning_without_the_article() {
    assert_eq!(read("I want Friday, 10 in morning.").time, at(10, 0));
}
