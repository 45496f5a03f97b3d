//! Dates, mostly against Tuesday 2026-12-01, plus weekends and month and year ends.

use super::{answer, day, ex, read, tue};
use crate::chat::extract::Field;
use chrono::NaiveDate;

fn date_on(today: NaiveDate, text: &str) -> Option<NaiveDate> {
    ex().extract(text, today, Some(Field::Date)).date
}

fn date(text: &str) -> Option<NaiveDate> {
    date_on(tue(), text)
}

#[test]
fn today_tomorrow_and_the_day_after_count_from_today() {
    assert_eq!(date("today"), Some(day(2026, 12, 1)));
    assert_eq!(date("tomorrow"), Some(day(2026, 12, 2)));
    assert_eq!(date("tmrw works"), Some(day(2026, 12, 2)));
    assert_eq!(date("the day after tomorrow"), Some(day(2026, 12, 3)));
    assert_eq!(date("this afternoon if you can"), Some(day(2026, 12, 1)));
}

#[test]
fn a_bare_weekday_means_the_next_one() {
    assert_eq!(date("Friday"), Some(day(2026, 12, 4)));
    assert_eq!(date("on friday please"), Some(day(2026, 12, 4)));
    assert_eq!(date("Monday then"), Some(day(2026, 12, 7)));
    assert_eq!(date("Wednesday"), Some(day(2026, 12, 2)));
    assert_eq!(date("Sunday"), Some(day(2026, 12, 6)));
}

#[test]
fn todays_weekday_alone_is_a_week_away_but_this_means_today() {
    assert_eq!(date("Tuesday"), Some(day(2026, 12, 8)));
    assert_eq!(date("this Tuesday"), Some(day(2026, 12, 1)));
}

#[test]
fn this_weekday_is_the_coming_one() {
    assert_eq!(date("this Thursday"), Some(day(2026, 12, 3)));
    assert_eq!(date("this coming Friday"), Some(day(2026, 12, 4)));
    assert_eq!(date("this Monday"), Some(day(2026, 12, 7)));
}

#[test]
fn next_weekday_is_that_day_of_next_week() {
    assert_eq!(date("next Monday"), Some(day(2026, 12, 7)));
    assert_eq!(date("next Tuesday"), Some(day(2026, 12, 8)));
    assert_eq!(date("next Wednesday"), Some(day(2026, 12, 9)));
    assert_eq!(date("next Friday"), Some(day(2026, 12, 11)));
    assert_eq!(date("next week Tuesday"), Some(day(2026, 12, 8)));
    assert_eq!(date("Thursday next week"), Some(day(2026, 12, 10)));
    assert_eq!(date("the Friday after next"), Some(day(2026, 12, 11)));
}

#[test]
fn weekday_abbreviations_need_context() {
    assert_eq!(date("Fri 10am"), Some(day(2026, 12, 4)));
    assert_eq!(date("next thu"), Some(day(2026, 12, 10)));
    assert_eq!(read("we sat down and talked").date, None);
}

#[test]
fn the_nth_is_the_next_such_day_not_in_the_past() {
    assert_eq!(date("the 10th"), Some(day(2026, 12, 10)));
    assert_eq!(date("on the 3rd"), Some(day(2026, 12, 3)));
    assert_eq!(date("the 1st"), Some(day(2026, 12, 1)));
    assert_eq!(
        date_on(day(2026, 12, 15), "the 10th"),
        Some(day(2027, 1, 10))
    );
    assert_eq!(date("10th"), Some(day(2026, 12, 10)));
}

#[test]
fn a_bare_day_number_counts_only_when_the_date_was_asked() {
    assert_eq!(date("10"), Some(day(2026, 12, 10)));
    assert_eq!(read("10").date, None);
}

#[test]
fn an_ordinal_floor_is_not_a_date() {
    assert_eq!(read("we're on the 2nd floor").date, None);
}

#[test]
fn numeric_dates_are_month_then_day() {
    assert_eq!(date("12/8"), Some(day(2026, 12, 8)));
    assert_eq!(date("12/03"), Some(day(2026, 12, 3)));
    assert_eq!(date("12/10"), Some(day(2026, 12, 10)));
    assert_eq!(date("1/5"), Some(day(2027, 1, 5)));
    assert_eq!(date("12/15/2026"), Some(day(2026, 12, 15)));
    assert_eq!(date("12/15/26"), Some(day(2026, 12, 15)));
}

#[test]
fn a_numeric_date_whose_first_part_cannot_be_a_month_is_day_first() {
    assert_eq!(date("25/12"), Some(day(2026, 12, 25)));
    assert_eq!(date("8.12.2026"), Some(day(2026, 12, 8)));
}

#[test]
fn iso_dates_are_read_as_written() {
    assert_eq!(date("2026-12-09"), Some(day(2026, 12, 9)));
    assert_eq!(date("2027-01-04 please"), Some(day(2027, 1, 4)));
}

#[test]
fn month_names_with_days_in_either_order() {
    assert_eq!(date("December 8th"), Some(day(2026, 12, 8)));
    assert_eq!(date("Dec 3"), Some(day(2026, 12, 3)));
    assert_eq!(date("Dec. 3rd"), Some(day(2026, 12, 3)));
    assert_eq!(date("3rd of December"), Some(day(2026, 12, 3)));
    assert_eq!(date("3 Dec"), Some(day(2026, 12, 3)));
    assert_eq!(date("December the 4th"), Some(day(2026, 12, 4)));
    assert_eq!(date("December first"), Some(day(2026, 12, 1)));
    assert_eq!(
        date("the twenty-third of December"),
        Some(day(2026, 12, 23))
    );
}

#[test]
fn a_weekday_before_a_full_date_is_just_decoration() {
    assert_eq!(date("Wednesday December 2"), Some(day(2026, 12, 2)));
    assert_eq!(date("Thursday December 3"), Some(day(2026, 12, 3)));
    assert_eq!(date("Wed, Dec 2"), Some(day(2026, 12, 2)));
    assert_eq!(date("Saturday, December 5th"), Some(day(2026, 12, 5)));
}

#[test]
fn a_month_day_already_past_is_next_year() {
    assert_eq!(date("Nov 30"), Some(day(2027, 11, 30)));
    assert_eq!(date("January 5"), Some(day(2027, 1, 5)));
    assert_eq!(date("Jan 15, 2027"), Some(day(2027, 1, 15)));
}

#[test]
fn weekday_with_ordinal_finds_a_matching_month() {
    assert_eq!(date("Thursday the 3rd"), Some(day(2026, 12, 3)));
    assert_eq!(date("Friday the 11th"), Some(day(2026, 12, 11)));
    assert_eq!(date("Wednesday the 9th at 1:30"), Some(day(2026, 12, 9)));
}

#[test]
fn offsets_in_days_and_weeks() {
    assert_eq!(date("in 3 days"), Some(day(2026, 12, 4)));
    assert_eq!(date("in two days"), Some(day(2026, 12, 3)));
    assert_eq!(date("in a week"), Some(day(2026, 12, 8)));
    assert_eq!(date("two weeks from now"), Some(day(2026, 12, 15)));
    assert_eq!(date("a week from today"), Some(day(2026, 12, 8)));
    assert_eq!(date("a week from Friday"), Some(day(2026, 12, 11)));
    assert_eq!(date("in a couple of days"), Some(day(2026, 12, 3)));
}

#[test]
fn weekends_and_next_week_land_on_bookable_days() {
    assert_eq!(date("this weekend"), Some(day(2026, 12, 5)));
    assert_eq!(date("next weekend"), Some(day(2026, 12, 12)));
    assert_eq!(date("sometime next week"), Some(day(2026, 12, 7)));
}

#[test]
fn day_of_next_month() {
    assert_eq!(date("the 1st of next month"), Some(day(2027, 1, 1)));
    assert_eq!(date("the 15th of this month"), Some(day(2026, 12, 15)));
}

#[test]
fn on_a_saturday_saturday_is_next_week_but_today_is_today() {
    let sat = day(2026, 12, 5);
    assert_eq!(date_on(sat, "Saturday"), Some(day(2026, 12, 12)));
    assert_eq!(date_on(sat, "this Saturday"), Some(sat));
    assert_eq!(date_on(sat, "today"), Some(sat));
    assert_eq!(date_on(sat, "Monday"), Some(day(2026, 12, 7)));
    assert_eq!(date_on(sat, "next Monday"), Some(day(2026, 12, 7)));
    assert_eq!(date_on(sat, "next Sunday"), Some(day(2026, 12, 13)));
}

#[test]
fn on_a_sunday_next_monday_is_not_tomorrow() {
    let sun = day(2026, 12, 6);
    assert_eq!(date_on(sun, "Monday"), Some(day(2026, 12, 7)));
    assert_eq!(date_on(sun, "next Monday"), Some(day(2026, 12, 14)));
    assert_eq!(date_on(sun, "next week Tuesday"), Some(day(2026, 12, 8)));
    assert_eq!(date_on(sun, "tomorrow"), Some(day(2026, 12, 7)));
}

#[test]
fn dates_roll_over_month_and_year_ends() {
    let eve = day(2026, 12, 31);
    assert_eq!(date_on(eve, "tomorrow"), Some(day(2027, 1, 1)));
    assert_eq!(date_on(eve, "the 2nd"), Some(day(2027, 1, 2)));
    assert_eq!(date_on(eve, "1/3"), Some(day(2027, 1, 3)));
    assert_eq!(date_on(eve, "in 3 days"), Some(day(2027, 1, 3)));
    assert_eq!(date_on(eve, "Friday"), Some(day(2027, 1, 1)));
    assert_eq!(
        date_on(day(2026, 11, 30), "the 31st"),
        Some(day(2026, 12, 31))
    );
    assert_eq!(
        date_on(day(2027, 2, 28), "the 29th"),
        Some(day(2027, 3, 29))
    );
}

#[test]
fn a_ruled_out_day_is_not_taken() {
    assert_eq!(date("not Friday, Saturday"), Some(day(2026, 12, 5)));
    assert_eq!(date("I can't do Friday"), None);
}

#[test]
fn a_correction_takes_the_later_date() {
    let e = answer("Friday, actually make it Monday", Field::Date);
    assert!(e.correction);
    assert_eq!(e.date, Some(day(2026, 12, 7)));
}

#[test]
fn month_words_without_a_day_are_not_dates() {
    assert_eq!(read("I may need it soon").date, None);
    assert_eq!(read("April Jones here").date, None);
}

#[test]
fn dashed_dates_need_a_year() {
    assert_eq!(date("12-10-2026"), Some(day(2026, 12, 10)));
    assert_eq!(date("12-10"), None);
}

#[test]
fn bare_ordinal_words_and_abbreviations_when_asked() {
    assert_eq!(date("the twelfth"), Some(day(2026, 12, 12)));
    assert_eq!(date("Mon"), Some(day(2026, 12, 7)));
    assert_eq!(date("Wednesday the 9th"), Some(day(2026, 12, 9)));
}

#[test]
fn a_deadline_gives_way_to_the_day_asked_for() {
    let e =
        read("need a move-in clean before we move in on the 20th. Can you come on the 18th at 1?");
    assert_eq!(e.date, Some(day(2026, 12, 18)));
    assert_eq!(
        read("need it done before Friday").date,
        Some(day(2026, 12, 4))
    );
}

#[test]
fn an_abbreviated_weekday_before_a_part_of_day() {
    let e = read("can u guys do a deep clean sat morning?");
    assert_eq!(e.date, Some(day(2026, 12, 5)));
    assert!(e.time.is_some());
}

#[test]
fn the_end_of_a_lease_is_a_deadline_not_the_booking() {
    let e = read("We need a move-out clean. Lease ends the 31st. Any time on the 30th?");
    assert_eq!(e.date, Some(day(2026, 12, 30)));
}
