//! Calendar arithmetic behind the date rules: words to numbers, weekdays, "next
//! occurrence" searches. The patterns and the rules themselves live in `dates`.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::text::number_word;

const UNITS: [&str; 9] = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
];
const TEENS: [&str; 10] = [
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
];

/// Regex alternation of the ordinal words "first" … "thirty-first".
pub(crate) fn ordinal_words() -> String {
    let mut alts: Vec<String> = UNITS.iter().map(|u| format!("twenty[- ]?{u}")).collect();
    alts.push("thirty[- ]?first".into());
    alts.extend(["twentieth", "thirtieth"].iter().map(|s| s.to_string()));
    alts.extend(TEENS.iter().map(|s| s.to_string()));
    alts.extend(UNITS.iter().map(|s| s.to_string()));
    alts.join("|")
}

/// "first" → 1, "twenty-third" → 23.
pub(crate) fn ordinal_value(word: &str) -> Option<u32> {
    let w = word.to_lowercase().replace(['-', ' '], "");
    match w.as_str() {
        "twentieth" => return Some(20),
        "thirtieth" => return Some(30),
        _ => {}
    }
    let (base, rest) = if let Some(r) = w.strip_prefix("twenty") {
        (20, r.to_string())
    } else if let Some(r) = w.strip_prefix("thirty") {
        (30, r.to_string())
    } else {
        (0, w.clone())
    };
    if rest.is_empty() {
        return None;
    }
    let pos = |list: &[&str]| list.iter().position(|u| *u == rest);
    if let Some(i) = pos(&UNITS) {
        return u32::try_from(i).ok().map(|i| base + i + 1);
    }
    if base == 0 {
        if let Some(i) = pos(&TEENS) {
            return u32::try_from(i).ok().map(|i| i + 10);
        }
    }
    None
}

/// Day of the month from "10", "10th" or "tenth".
pub(crate) fn day_value(s: &str) -> Option<u32> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let d = if digits.is_empty() {
        ordinal_value(s)?
    } else {
        digits.parse().ok()?
    };
    (1..=31).contains(&d).then_some(d)
}

/// "Dec", "december" → 12.
pub(crate) fn month_value(s: &str) -> Option<u32> {
    let m = s.get(..3)?.to_lowercase();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let i = months.iter().position(|x| *x == m)?;
    u32::try_from(i + 1).ok()
}

/// "fri", "Friday", "thurs" → the weekday.
pub(crate) fn weekday_value(s: &str) -> Option<Weekday> {
    let w = s.get(..3)?.to_lowercase();
    Some(match w.as_str() {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

/// `d` plus `n` days, `None` past the end of the calendar.
pub(crate) fn add_days(d: NaiveDate, n: u64) -> Option<NaiveDate> {
    d.checked_add_days(Days::new(n))
}

/// The first `wd` on or after (`include_today`) / strictly after today.
pub(crate) fn next_weekday(
    today: NaiveDate,
    wd: Weekday,
    include_today: bool,
) -> Option<NaiveDate> {
    let ahead = (7 + wd.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
    let ahead = if ahead == 0 && !include_today {
        7
    } else {
        ahead
    };
    add_days(today, u64::from(ahead))
}

/// `wd` in the Monday–Sunday week that starts `weeks` weeks after this one.
pub(crate) fn weekday_in_week(today: NaiveDate, wd: Weekday, weeks: u64) -> Option<NaiveDate> {
    let monday =
        today.checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))?;
    add_days(monday, weeks * 7 + u64::from(wd.num_days_from_monday()))
}

/// A weekday with its modifier ("this", "next", "coming", none), per the module rules.
pub(crate) fn resolve_weekday(
    today: NaiveDate,
    wd: Weekday,
    modifier: Option<&str>,
) -> Option<NaiveDate> {
    match modifier {
        Some("this") => next_weekday(today, wd, true),
        Some("next") => {
            let d = weekday_in_week(today, wd, 1)?;
            if d <= add_days(today, 1)? {
                add_days(d, 7)
            } else {
                Some(d)
            }
        }
        _ => next_weekday(today, wd, false),
    }
}

/// Month and day with the written year, or else this year unless that day has passed.
pub(crate) fn with_year(
    today: NaiveDate,
    month: u32,
    day: u32,
    year: Option<&str>,
) -> Option<NaiveDate> {
    if let Some(y) = year {
        let y: i32 = y.parse().ok()?;
        let y = if y < 100 { 2000 + y } else { y };
        return NaiveDate::from_ymd_opt(y, month, day);
    }
    let this = NaiveDate::from_ymd_opt(today.year(), month, day);
    match this {
        Some(d) if d >= today => Some(d),
        _ => NaiveDate::from_ymd_opt(today.year() + 1, month, day),
    }
}

/// The next `day` of a month not before today, optionally also falling on `wd`.
pub(crate) fn next_day_of_month(
    today: NaiveDate,
    day: u32,
    wd: Option<Weekday>,
) -> Option<NaiveDate> {
    let mut plain = None;
    let (mut y, mut m) = (today.year(), today.month());
    for _ in 0..15 {
        if let Some(d) = NaiveDate::from_ymd_opt(y, m, day).filter(|d| *d >= today) {
            match wd {
                Some(w) if d.weekday() != w => plain = plain.or(Some(d)),
                _ => return Some(d),
            }
        }
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    plain
}

/// "3", "three", "a couple of" → a count of days or weeks.
pub(crate) fn count_value(s: &str) -> Option<u64> {
    let s = s.trim().to_lowercase();
    let s = s.trim_end_matches(" of").trim_end_matches("of").trim();
    s.parse::<u64>()
        .ok()
        .or_else(|| number_word(s).map(u64::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinal_words_have_values() {
        assert_eq!(ordinal_value("first"), Some(1));
        assert_eq!(ordinal_value("twenty-third"), Some(23));
        assert_eq!(ordinal_value("thirty first"), Some(31));
        assert_eq!(ordinal_value("twentieth"), Some(20));
        assert_eq!(ordinal_value("nineteenth"), Some(19));
        assert_eq!(ordinal_value("thirtieth"), Some(30));
    }

    #[test]
    fn the_31st_skips_short_months() {
        let nov = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
        assert_eq!(
            next_day_of_month(nov, 31, None),
            NaiveDate::from_ymd_opt(2026, 12, 31)
        );
    }
}
