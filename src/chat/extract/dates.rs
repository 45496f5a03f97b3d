//! Calendar dates in free text ("tomorrow", "next Friday", "the 10th", "12/8", "Dec 3",
//! "in 3 days"). Times of day live in `times`.
//!
//! Rules, all relative to the `today` passed in:
//! - "today", "tonight", "this afternoon" → today; "tomorrow" → today + 1;
//!   "the day after tomorrow" → today + 2; "in 3 days", "2 weeks from now" → offsets.
//! - A bare weekday ("Friday", "on Friday") and "this coming Friday" mean the first such
//!   day strictly after today, so said on a Friday they are a week away.
//! - "this Friday" is the same, except that said on a Friday it means today.
//! - "next Friday", "Friday next week", "next week Friday" → that weekday in the next
//!   Monday–Sunday week, as "this Friday" and "next Friday" are told apart in speech
//!   (on Tuesday 1 Dec "next Wednesday" is the 9th, not tomorrow). When "next Monday"
//!   said on a Sunday would be tomorrow, it is the one a week later.
//! - "Friday this week" → this week's, or the next one once it has passed;
//!   "Friday after next" → the coming Friday plus seven days.
//! - "the 10th" → the next 10th that is not in the past (today counts); "Thursday the
//!   3rd" → the next 3rd that falls on a Thursday when there is one within a year.
//! - Month and day without a year ("Dec 3", "12/03", "3rd of December") → this year, or
//!   next year when that day has passed. Numeric dates are month/day (US), read as
//!   day/month only when the first number cannot be a month; "12-10-2026" likewise
//!   (a year is needed, as "10-12" is a time range); "8.12.2026" is day.month.
//! - "this weekend" → the coming Saturday (today when today is Saturday); "next week"
//!   alone → Monday of next week, so the agent can offer slots from there.

use chrono::{Datelike, NaiveDate, Weekday};
use regex::Captures;

use crate::pattern::Pattern;

use super::calendar::{
    add_days, count_value, day_value, month_value, next_day_of_month, next_weekday, ordinal_words,
    resolve_weekday, weekday_in_week, weekday_value, with_year,
};
use super::text::{blank, deadline_before, negated_before, next_word, pick, Gate, Hit, PatternSet};

const WD_FULL: &str =
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|weds|thurs|thur";
const WD_ANY: &str = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|tue|weds|wed|thurs|thur|thu|mon|fri|sat|sun";
const MONTH: &str = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";
const COUNT: &str = r"\d{1,2}|an?|one|two|three|four|five|six|seven|eight|nine|ten|a\s+couple(?:\s+of)?|couple(?:\s+of)?|a\s+few|few";

/// Words after an ordinal that show it is not a day of the month.
const NOT_A_DAY: [&str; 16] = [
    "floor",
    "story",
    "storey",
    "time",
    "thing",
    "one",
    "option",
    "slot",
    "avenue",
    "ave",
    "street",
    "st",
    "grade",
    "birthday",
    "anniversary",
    "available",
];

/// The compiled date patterns, applied from the most to the least specific.
pub(crate) struct DateRules {
    iso: Pattern,
    dotted: Pattern,
    dashed: Pattern,
    numeric: Pattern,
    month_day: Pattern,
    day_month: Pattern,
    day_of_month: Pattern,
    weekday_ordinal: Pattern,
    ordinal: Pattern,
    ordinal_word: Pattern,
    relative: Pattern,
    this_part: Pattern,
    offset: Pattern,
    week_from: Pattern,
    week_weekday: Pattern,
    after_next: Pattern,
    weekday: Pattern,
    weekday_abbrev: Pattern,
    abbrev_part: Pattern,
    weekend: Pattern,
    next_week: Pattern,
    bare_day: Pattern,
    bare_weekday: Pattern,
    /// Every pattern above as one set.
    any: Gate,
}

impl DateRules {
    /// Compiles every date pattern once.
    pub(crate) fn new() -> Result<Self, regex::Error> {
        let ordw = ordinal_words();
        let day = format!(r"(\d{{1,2}}(?:st|nd|rd|th)?|{ordw})");
        let mut all = PatternSet::new();
        let mut r = |s: &str| all.add(format!("(?i){s}"));
        Ok(Self {
            iso: r(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")?,
            dotted: r(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")?,
            dashed: r(r"\b(\d{1,2})-(\d{1,2})-(\d{4}|\d{2})\b")?,
            numeric: r(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b")?,
            month_day: r(&format!(
                r"\b(?:(?:{WD_ANY})\.?,?\s+)?(?:the\s+)?({MONTH})\.?\s+(?:the\s+)?{day}\b(?:,?\s+(\d{{4}})\b)?"
            ))?,
            day_month: r(&format!(
                r"\b(?:(?:{WD_ANY})\.?,?\s+)?(?:the\s+)?{day}\s+(?:of\s+)?({MONTH})\b\.?(?:,?\s+(\d{{4}})\b)?"
            ))?,
            day_of_month: r(&format!(
                r"\b(?:on\s+)?(?:the\s+)?{day}\s+of\s+(?:the\s+|this\s+)?(next\s+)?month\b"
            ))?,
            weekday_ordinal: r(&format!(
                r"\b({WD_ANY})\.?,?\s+(?:the\s+(\d{{1,2}})\b|(?:the\s+)?(\d{{1,2}}(?:st|nd|rd|th)|{ordw})\b)"
            ))?,
            ordinal: r(r"\b(?:on\s+)?(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b")?,
            ordinal_word: r(&format!(r"\bon\s+the\s+({ordw})\b"))?,
            relative: r(
                r"\b(?:the\s+)?(day\s+after\s+tomorrow|today|tonight|tonite|tomorrow|tmrw|tmr|tmrow|tomorow|tommorow|tommorrow|tomorrw|2morrow|2moro)\b",
            )?,
            this_part: r(r"\b(this)\s+(?:morning|afternoon|evening)\b")?,
            offset: r(&format!(
                r"\bin\s+(?:about\s+|around\s+)?({COUNT})\s+(days?|weeks?)\b|\b({COUNT})\s+(days?|weeks?)\s+from\s+(?:now|today)\b"
            ))?,
            week_from: r(&format!(
                r"\b(?:a|one)\s+week\s+(?:from|on)\s+(today|tomorrow|{WD_FULL})\b"
            ))?,
            week_weekday: r(&format!(
                r"\b(next|this|the\s+following)\s+week(?:'s)?\s*,?\s*(?:on\s+)?({WD_FULL})\b|\b({WD_FULL})\s+(?:of\s+)?(next|this|the\s+following)\s+week\b"
            ))?,
            after_next: r(&format!(r"\b(?:the\s+)?({WD_FULL})\s+after\s+next\b"))?,
            weekday: r(&format!(
                r"\b(?:(this\s+coming|this|next|coming|upcoming|the\s+following|following)\s+)?({WD_FULL})s?\b"
            ))?,
            abbrev_part: r(
                r"\b(mon|tue|wed|thu|fri|sat|sun)\.?\s+(?:morning|afternoon|evening|night|am\b|pm\b)",
            )?,
            weekday_abbrev: r(
                // Group 4 is the bare abbreviation of the second form: only it is blanked,
                // so the time after it ("fri 10am") is still there for the time reader.
                r"\b(?:(this|next|on|coming|by)\s+(mon|tue|wed|thu|fri|sat|sun)\b\.?|((mon|tue|wed|thu|fri|sat|sun)\.?),?\s+(?:at\s+|@\s*)?\d)",
            )?,
            weekend: r(r"\b(this\s+|next\s+|the\s+|over\s+the\s+|on\s+the\s+)?week-?end\b")?,
            next_week: r(r"\b(?:early\s+)?next\s+week\b")?,
            bare_day: r(&format!(
                r"^[\s,.]*(?:on\s+)?(?:the\s+)?(\d{{1,2}}(?:st|nd|rd|th)?|{ordw})\s*(?:please)?\s*[.!]?\s*$"
            ))?,
            bare_weekday: r(r"^[\s,.]*(?:on\s+)?(mon|tue|wed|thu|fri|sat|sun)\.?\s*[.!]?\s*$")?,
            any: all.gate()?,
        })
    }

    /// Finds the date the customer asks for, blanking every date phrase in `buf` so the
    /// time and size extractors do not read its numbers again.
    pub(crate) fn take(
        &self,
        buf: &mut String,
        today: NaiveDate,
        expecting: bool,
        correction: bool,
    ) -> Option<NaiveDate> {
        // No pattern matches: no hit, and nothing to blank.
        if !self.any.may_match(buf) {
            return None;
        }
        let mut hits = Vec::new();
        let t = today;
        scan(&self.iso, buf, &mut hits, 0, |c, _| {
            NaiveDate::from_ymd_opt(i32::try_from(num(c, 1)?).ok()?, num(c, 2)?, num(c, 3)?)
        });
        scan(&self.dotted, buf, &mut hits, 0, |c, _| {
            NaiveDate::from_ymd_opt(i32::try_from(num(c, 3)?).ok()?, num(c, 2)?, num(c, 1)?)
        });
        scan(&self.dashed, buf, &mut hits, 0, |c, _| {
            let (a, b) = (num(c, 1)?, num(c, 2)?);
            let (m, d) = if a > 12 && b <= 12 { (b, a) } else { (a, b) };
            with_year(t, m, d, c.get(3).map(|y| y.as_str()))
        });
        scan(&self.numeric, buf, &mut hits, 0, |c, s| {
            let end = c.get(0)?.end();
            if s[end..].starts_with(['/', '.'])
                && s[end..]
                    .chars()
                    .nth(1)
                    .is_some_and(|ch| ch.is_ascii_digit())
            {
                return None;
            }
            if super::text::is_count_noun(&next_word(s, end)) {
                return None;
            }
            let (a, b) = (num(c, 1)?, num(c, 2)?);
            let (m, d) = if a > 12 && b <= 12 { (b, a) } else { (a, b) };
            with_year(t, m, d, c.get(3).map(|y| y.as_str()))
        });
        scan(&self.month_day, buf, &mut hits, 0, |c, _| {
            with_year(
                t,
                month_value(&c[1])?,
                day_value(&c[2])?,
                c.get(3).map(|y| y.as_str()),
            )
        });
        scan(&self.day_month, buf, &mut hits, 0, |c, _| {
            with_year(
                t,
                month_value(&c[2])?,
                day_value(&c[1])?,
                c.get(3).map(|y| y.as_str()),
            )
        });
        scan(&self.day_of_month, buf, &mut hits, 0, |c, _| {
            let d = day_value(&c[1])?;
            if c.get(2).is_some() {
                let first = NaiveDate::from_ymd_opt(t.year(), t.month(), 1)?;
                let next = first.checked_add_months(chrono::Months::new(1))?;
                NaiveDate::from_ymd_opt(next.year(), next.month(), d)
            } else {
                next_day_of_month(t, d, None)
            }
        });
        scan(&self.weekday_ordinal, buf, &mut hits, 0, |c, s| {
            let raw = c.get(2).or_else(|| c.get(3))?;
            if NOT_A_DAY.contains(&next_word(s, raw.end()).as_str()) {
                return None;
            }
            next_day_of_month(t, day_value(raw.as_str())?, Some(weekday_value(&c[1])?))
        });
        scan(&self.ordinal, buf, &mut hits, 0, |c, s| {
            let end = c.get(0)?.end();
            if NOT_A_DAY.contains(&next_word(s, end).as_str()) {
                return None;
            }
            next_day_of_month(t, day_value(&c[1])?, None)
        });
        scan(&self.ordinal_word, buf, &mut hits, 0, |c, s| {
            if NOT_A_DAY.contains(&next_word(s, c.get(0)?.end()).as_str()) {
                return None;
            }
            next_day_of_month(t, day_value(&c[1])?, None)
        });
        scan(&self.offset, buf, &mut hits, 0, |c, _| {
            let (n, unit) = match (c.get(1), c.get(2)) {
                (Some(n), Some(u)) => (n.as_str(), u.as_str()),
                _ => (c.get(3)?.as_str(), c.get(4)?.as_str()),
            };
            let n = count_value(n)?;
            let per = if unit.to_lowercase().starts_with('w') {
                7
            } else {
                1
            };
            add_days(t, n * per)
        });
        scan(&self.week_from, buf, &mut hits, 0, |c, _| {
            let w = c[1].to_lowercase();
            let base = match w.as_str() {
                "today" => t,
                "tomorrow" => add_days(t, 1)?,
                _ => next_weekday(t, weekday_value(&w)?, false)?,
            };
            add_days(base, 7)
        });
        scan(&self.relative, buf, &mut hits, 0, |c, _| {
            let w = c[1].to_lowercase();
            let n = if w.starts_with("day") {
                2
            } else if w.starts_with("to") && (w.contains("day") || w.contains("ni")) {
                0
            } else {
                1
            };
            add_days(t, n)
        });
        scan(&self.this_part, buf, &mut hits, 1, |_, _| Some(t));
        scan(&self.week_weekday, buf, &mut hits, 0, |c, _| {
            let (modifier, wd) = match (c.get(1), c.get(2)) {
                (Some(m), Some(w)) => (m.as_str(), w.as_str()),
                _ => (c.get(4)?.as_str(), c.get(3)?.as_str()),
            };
            let wd = weekday_value(wd)?;
            if modifier.to_lowercase().starts_with("this") {
                weekday_in_week(t, wd, 0)
                    .filter(|d| *d >= t)
                    .or_else(|| next_weekday(t, wd, true))
            } else {
                weekday_in_week(t, wd, 1)
            }
        });
        scan(&self.after_next, buf, &mut hits, 0, |c, _| {
            add_days(next_weekday(t, weekday_value(&c[1])?, false)?, 7)
        });
        scan(&self.weekday, buf, &mut hits, 0, |c, _| {
            let modifier = c.get(1).map(|m| m.as_str().to_lowercase());
            resolve_weekday(t, weekday_value(&c[2])?, modifier.as_deref())
        });
        scan(&self.abbrev_part, buf, &mut hits, 1, |c, _| {
            next_weekday(t, weekday_value(&c[1])?, false)
        });
        scan(&self.weekday_abbrev, buf, &mut hits, 3, |c, _| {
            let modifier = c.get(1).map(|m| m.as_str().to_lowercase());
            let wd = c.get(2).or_else(|| c.get(4))?;
            resolve_weekday(t, weekday_value(wd.as_str())?, modifier.as_deref())
        });
        scan(&self.weekend, buf, &mut hits, 0, |c, _| {
            let sat = next_weekday(t, Weekday::Sat, true)?;
            let next = c
                .get(1)
                .is_some_and(|m| m.as_str().trim().eq_ignore_ascii_case("next"));
            if next {
                add_days(sat, 7)
            } else {
                Some(sat)
            }
        });
        scan(&self.next_week, buf, &mut hits, 0, |_, _| {
            weekday_in_week(t, Weekday::Mon, 1)
        });
        if hits.is_empty() && expecting {
            scan(&self.bare_day, buf, &mut hits, 0, |c, _| {
                next_day_of_month(t, day_value(&c[1])?, None)
            });
            scan(&self.bare_weekday, buf, &mut hits, 0, |c, _| {
                next_weekday(t, weekday_value(&c[1])?, false)
            });
        }
        pick(&hits, correction)
    }
}

fn num(c: &Captures<'_>, i: usize) -> Option<u32> {
    c.get(i)?.as_str().parse().ok()
}

/// Runs one pattern over `buf`, records each value `read` returns and blanks the match
/// (or only capture group `group` when it is not 0, to leave "morning" for the times).
fn scan<F>(re: &Pattern, buf: &mut String, hits: &mut Vec<Hit<NaiveDate>>, group: usize, read: F)
where
    F: Fn(&Captures<'_>, &str) -> Option<NaiveDate>,
{
    // Most patterns miss most messages: that answer needs neither a copy nor captures.
    if !re.is_match(buf) {
        return;
    }
    let snapshot = buf.clone();
    for caps in re.captures_iter(&snapshot) {
        let Some(whole) = caps.get(0) else { continue };
        let Some(value) = read(&caps, &snapshot) else {
            continue;
        };
        let span = caps.get(group).unwrap_or(whole);
        hits.push(Hit {
            value,
            start: whole.start(),
            negated: negated_before(&snapshot, whole.start()),
            weak: deadline_before(&snapshot, whole.start()),
        });
        blank(buf, span.start(), span.end());
    }
}
