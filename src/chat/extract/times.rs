//! Times of day in free text ("2pm", "14:30", "half past ten", "around 2", "morning",
//! "between 10 and 12"). Calendar dates live in `dates`.
//!
//! Rules: an hour without am/pm follows business hours — 1–7 mean pm, 8–11 am, 12 noon.
//! "morning" is 09:00–12:00, "afternoon" 12:00–17:00, "evening"/"after work" 15:00–17:00,
//! "first thing"/"earliest" 09:00. An exact time beats a window unless the customer
//! corrects themselves, when the last one wins.

use crate::pattern::Pattern;
use chrono::NaiveTime;

use super::text::{is_count_noun, next_word, number_word, scan, Gate, Hit, PatternSet, HOUR_WORDS};
use super::TimeRequest;

const AMPM: &str = r"(a\.m\.?|p\.m\.?|am\b|pm\b)";
const MINUTE_WORDS: &str =
    r"o'?clock|oh[- ]five|fifteen|thirty|forty[- ]five|fortyfive|forty|twenty|ten|five|fifty";

/// The compiled time-of-day patterns, applied from the most to the least specific.
pub(crate) struct TimeRules {
    between: Pattern,
    range: Pattern,
    before_after: Pattern,
    colon: Pattern,
    dotted: Pattern,
    hour_ampm: Pattern,
    in_the: Pattern,
    fraction: Pattern,
    word_hour: Pattern,
    noon: Pattern,
    first_thing: Pattern,
    cue: Pattern,
    ish: Pattern,
    part_of_day: Pattern,
    am_pm_alone: Pattern,
    either: Pattern,
    bare: Pattern,
    /// Every pattern above as one set.
    any: Gate,
}

/// Hour and minute to a clock time; `pm` is `Some` when the customer said am/pm.
fn clock(hour: u32, minute: u32, pm: Option<bool>) -> Option<NaiveTime> {
    let h = match pm {
        Some(true) if (1..=12).contains(&hour) => hour % 12 + 12,
        Some(false) if (1..=12).contains(&hour) => hour % 12,
        Some(_) => return None,
        None if (1..=7).contains(&hour) => hour + 12,
        None => hour,
    };
    NaiveTime::from_hms_opt(h, minute, 0)
}

fn hm(h: u32, m: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h, m, 0)
}

fn window(from: (u32, u32), to: (u32, u32)) -> Option<TimeRequest> {
    let (from, to) = (hm(from.0, from.1)?, hm(to.0, to.1)?);
    (from < to).then_some(TimeRequest::Window { from, to })
}

fn is_pm(s: &str) -> bool {
    s.to_lowercase().starts_with('p')
}

fn hour_value(s: &str) -> Option<u32> {
    s.parse().ok().or_else(|| number_word(s))
}

fn minute_value(s: &str) -> Option<u32> {
    let s = s.to_lowercase().replace(['-', ' '], "");
    match s.as_str() {
        "oclock" | "o'clock" => Some(0),
        "ohfive" => Some(5),
        "fortyfive" => Some(45),
        other => number_word(other),
    }
}

/// A clock reading inside a range: "10", "10:30", "2pm", "noon".
fn parse_point(s: &str) -> Option<(u32, u32, Option<bool>)> {
    let s = s.trim().to_lowercase();
    if s == "noon" || s == "midday" {
        return Some((12, 0, Some(true)));
    }
    let digits_end = s
        .find(|c: char| !c.is_ascii_digit() && c != ':')
        .unwrap_or(s.len());
    let (num, rest) = s.split_at(digits_end);
    let rest = rest.trim();
    let pm = if rest.is_empty() {
        None
    } else {
        Some(is_pm(rest))
    };
    let (h, m) = match num.split_once(':') {
        Some((h, m)) => (h.parse().ok()?, m.parse().ok()?),
        None => (num.parse().ok()?, 0),
    };
    Some((h, m, pm))
}

/// Both ends of "1-3pm", "10 to 12", "between 10 and 2": the am/pm of the end carries to
/// the start when that keeps the start before the end.
fn range_value(a: &str, b: &str) -> Option<TimeRequest> {
    let (ah, am, apm) = parse_point(a)?;
    let (bh, bm, bpm) = parse_point(b)?;
    let to = clock(bh, bm, bpm)?;
    let from = match (apm, bpm) {
        (None, Some(pm)) => clock(ah, am, Some(pm))
            .filter(|f| *f < to)
            .or_else(|| clock(ah, am, None))?,
        _ => clock(ah, am, apm)?,
    };
    (from < to).then_some(TimeRequest::Window { from, to })
}

impl TimeRules {
    /// Compiles every time pattern once.
    pub(crate) fn new() -> Result<Self, regex::Error> {
        let point = format!(r"(\d{{1,2}}(?::\d{{2}})?\s*{AMPM}?|noon|midday)");
        let mut all = PatternSet::new();
        let mut r = |s: &str| all.add(format!("(?i){s}"));
        Ok(Self {
            between: r(&format!(r"\bbetween\s+{point}\s*(?:and|-|to|&)\s*{point}"))?,
            range: r(&format!(
                r"\b(from\s+|anytime\s+|any\s+time\s+)?{point}\s*(?:-|to|till|until|'?til)\s*{point}"
            ))?,
            before_after: r(&format!(
                r"\b(after|before|not\s+before|not\s+after|no\s+earlier\s+than|no\s+later\s+than|later\s+than|earlier\s+than)\s+(?:about\s+|around\s+)?(lunch|work|school|{point})"
            ))?,
            colon: r(&format!(
                r"\b(\d{{1,2}})[:h](\d{{2}})(?:\s*{AMPM}|\b)(?:\s*-?\s*ish\b)?"
            ))?,
            dotted: r(&format!(r"\b(\d{{1,2}})\.(\d{{2}})\s*{AMPM}"))?,
            hour_ampm: r(&format!(
                r"\b(\d{{1,2}})(?:\s*o'?clock)?(?:\s*{AMPM}|(a|p)\b)(?:\s*-?\s*ish\b)?"
            ))?,
            in_the: r(&format!(
                r"\b(\d{{1,2}}|{HOUR_WORDS})(?::(\d{{2}}))?(?:\s*o'?clock)?\s+in\s+(?:the\s+)?(morning|afternoon|evening)"
            ))?,
            fraction: r(&format!(
                r"\b(half|quarter|\d{{1,2}}\s+minutes|twenty[- ]five|twenty|ten|five)(?:\s+minutes)?\s+(past|after|to|til|till|of)\s+(\d{{1,2}}|{HOUR_WORDS}|noon)\b"
            ))?,
            word_hour: r(&format!(
                r"\b(?:(at|around|about|say|by)\s+)?({HOUR_WORDS})(?:[\s-]+({MINUTE_WORDS}))?(?:\s*({AMPM}))?(?:\s*-?\s*ish\b)?"
            ))?,
            noon: r(
                r"\b(?:(?:12|twelve)\s+)?(?:noon|midday|mid-day|lunch\s*time|lunchtime)(?:\s*-?\s*ish)?\b",
            )?,
            first_thing: r(
                r"\bfirst\s+thing(?:\s+in\s+the\s+morning)?\b|\b(?:the\s+)?earliest\b|\bas\s+early\s+as\s+(?:possible|you\s+can)\b|\bearly\s+(?:in\s+the\s+)?morning\b|\bstart\s+of\s+(?:the\s+)?(?:business\s+)?day\b|\bopening\s+time\b",
            )?,
            cue: r(
                r"(?:\b(at|around|about|approximately|approx\.?|roughly|say|like|maybe|for|by|from|ideally|preferably)\s+|@\s*)(\d{1,2})\b(?::(\d{2}))?(?:\s*-?\s*ish\b|\s*o'?clock\b|\s*sharp\b)?",
            )?,
            ish: r(r"\b(\d{1,2})\s*-?\s*ish\b|\b(\d{1,2})\s*o'?clock\b")?,
            part_of_day: r(
                r"\b(?:(early|late|mid|mid-)\s*-?\s*)?(morning|afternoon|evening|tonight|night)s?\b|\bafter\s+(?:work|school)\b|\b(?:a\.?m|p\.?m)\s+(?:slot|appointment|time|visit|please)\b",
            )?,
            am_pm_alone: r(
                r"\bin\s+the\s+(am|pm|a\.m\.|p\.m\.)|^[\s,.]*(?:any\s*time\s+)?(am|pm|a\.m\.|p\.m\.)\s*[.!]?\s*$",
            )?,
            either: r(&format!(r"\b{point}\s*(?:or|/)\s*{point}"))?,
            bare: r(&format!(
                r"^[\s,.]*(?:at\s+|around\s+|about\s+)?(\d{{1,2}}|{HOUR_WORDS})(?:[:.](\d{{2}}))?\s*[.!]?\s*$"
            ))?,
            any: all.gate()?,
        })
    }

    /// Finds the time the customer asks for and blanks every time phrase in `buf`.
    pub(crate) fn take(
        &self,
        buf: &mut String,
        expecting: bool,
        correction: bool,
    ) -> Option<TimeRequest> {
        // No pattern matches: no hit, and nothing to blank.
        if !self.any.may_match(buf) {
            return None;
        }
        let mut hits: Vec<Hit<TimeRequest>> = Vec::new();
        scan(&self.between, buf, &mut hits, |c, _| {
            range_value(&c[1], &c[3])
        });
        scan(&self.range, buf, &mut hits, |c, s| {
            let cued = c.get(1).is_some();
            let suffixed = c.get(3).is_some() || c.get(5).is_some() || c[2].contains(':');
            // "2-3 hours", "1 to 2 bedrooms" count things.
            if !(cued || suffixed) && is_count_noun(&next_word(s, c.get(0)?.end())) {
                return None;
            }
            range_value(&c[2], &c[4])
        });
        scan(&self.before_after, buf, &mut hits, |c, s| {
            let kind = c[1].to_lowercase();
            let what = c[2].to_lowercase();
            let kind = kind.split_whitespace().collect::<Vec<_>>().join(" ");
            let after = matches!(
                kind.as_str(),
                "after" | "not before" | "no earlier than" | "later than"
            );
            let point = match what.as_str() {
                "lunch" => (13, 0),
                "work" | "school" => (15, 0),
                _ => {
                    if is_count_noun(&next_word(s, c.get(0)?.end())) {
                        return None;
                    }
                    let (h, m, pm) = parse_point(&what)?;
                    let t = clock(h, m, pm)?;
                    (chrono::Timelike::hour(&t), chrono::Timelike::minute(&t))
                }
            };
            if what == "lunch" && !after {
                return window((9, 0), (12, 0));
            }
            if after {
                window(point, (17, 0))
            } else {
                window((9, 0), point)
            }
        });
        // "2 or 3pm": the first choice, with the am/pm said once for both.
        scan(&self.either, buf, &mut hits, |c, s| {
            if c.get(4).is_none() || is_count_noun(&next_word(s, c.get(0)?.end())) {
                return None;
            }
            let (h, m, pm) = parse_point(&c[1])?;
            // The business-hours rule already reads the bare "2" of "2 or 3pm" as 14:00.
            exact(clock(h, m, pm))
        });
        scan(&self.colon, buf, &mut hits, |c, _| {
            let pm = c.get(3).map(|m| is_pm(m.as_str()));
            exact(clock(c[1].parse().ok()?, c[2].parse().ok()?, pm))
        });
        scan(&self.dotted, buf, &mut hits, |c, _| {
            exact(clock(
                c[1].parse().ok()?,
                c[2].parse().ok()?,
                Some(is_pm(&c[3])),
            ))
        });
        scan(&self.hour_ampm, buf, &mut hits, |c, _| {
            let mark = c.get(2).or_else(|| c.get(3))?;
            exact(clock(c[1].parse().ok()?, 0, Some(is_pm(mark.as_str()))))
        });
        scan(&self.in_the, buf, &mut hits, |c, _| {
            let m = c.get(2).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
            let pm = !c[3].to_lowercase().starts_with("mor");
            exact(clock(hour_value(&c[1])?, m, Some(pm)))
        });
        scan(&self.fraction, buf, &mut hits, |c, s| {
            if is_count_noun(&next_word(s, c.get(0)?.end())) {
                return None;
            }
            let part = c[1].to_lowercase();
            let minutes = match part.as_str() {
                "half" => 30,
                "quarter" => 15,
                other => other
                    .trim_end_matches("minutes")
                    .trim()
                    .parse()
                    .ok()
                    .or_else(|| minute_value(other))?,
            };
            let base = if c[3].eq_ignore_ascii_case("noon") {
                12
            } else {
                chrono::Timelike::hour(&clock(hour_value(&c[3])?, 0, None)?)
            };
            let dir = c[2].to_lowercase();
            let total = if matches!(dir.as_str(), "to" | "til" | "till" | "of") {
                (base * 60).checked_sub(minutes)?
            } else {
                base * 60 + minutes
            };
            exact(hm(total / 60, total % 60))
        });
        scan(&self.word_hour, buf, &mut hits, |c, s| {
            let cued = c.get(1).is_some();
            let minute = c.get(3);
            let mark = c.get(4);
            if !cued && minute.is_none() && mark.is_none() {
                return None;
            }
            if minute.is_none() && mark.is_none() && is_count_noun(&next_word(s, c.get(0)?.end())) {
                return None;
            }
            let m = match minute {
                Some(m) => minute_value(m.as_str())?,
                None => 0,
            };
            exact(clock(
                hour_value(&c[2])?,
                m,
                mark.map(|x| is_pm(x.as_str())),
            ))
        });
        scan(&self.noon, buf, &mut hits, |_, _| exact(hm(12, 0)));
        scan(&self.first_thing, buf, &mut hits, |_, _| exact(hm(9, 0)));
        scan(&self.cue, buf, &mut hits, |c, s| {
            if is_count_noun(&next_word(s, c.get(0)?.end())) {
                return None;
            }
            let cue = c
                .get(1)
                .map(|m| m.as_str().to_lowercase())
                .unwrap_or_default();
            let h: u32 = c[2].parse().ok()?;
            if cue == "for" && !(1..=12).contains(&h) || h > 23 {
                return None;
            }
            let m = c.get(3).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
            exact(clock(h, m, None))
        });
        scan(&self.ish, buf, &mut hits, |c, _| {
            let h = c.get(1).or_else(|| c.get(2))?.as_str().parse().ok()?;
            exact(clock(h, 0, None))
        });
        scan(&self.part_of_day, buf, &mut hits, |c, _| {
            let text = c[0].to_lowercase();
            let qualifier = c
                .get(1)
                .map(|m| m.as_str().to_lowercase())
                .unwrap_or_default();
            let Some(word) = c.get(2) else {
                return if text.starts_with("after") {
                    window((15, 0), (17, 0))
                } else if text.starts_with('a') {
                    window((9, 0), (12, 0))
                } else {
                    window((12, 0), (17, 0))
                };
            };
            match (word.as_str().to_lowercase().as_str(), qualifier.as_str()) {
                ("morning", "late") => window((10, 0), (12, 0)),
                ("morning", "mid" | "mid-") => window((10, 0), (12, 0)),
                ("morning", _) => window((9, 0), (12, 0)),
                ("afternoon", "early") => window((12, 0), (15, 0)),
                ("afternoon", "late") => window((15, 0), (17, 0)),
                ("afternoon", "mid" | "mid-") => window((13, 0), (16, 0)),
                ("afternoon", _) => window((12, 0), (17, 0)),
                _ => window((15, 0), (17, 0)),
            }
        });
        scan(&self.am_pm_alone, buf, &mut hits, |c, _| {
            if is_pm(c.get(1).or_else(|| c.get(2))?.as_str()) {
                window((12, 0), (17, 0))
            } else {
                window((9, 0), (12, 0))
            }
        });
        if hits.is_empty() && expecting {
            scan(&self.bare, buf, &mut hits, |c, _| {
                let m = c.get(2).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
                exact(clock(hour_value(&c[1])?, m, None))
            });
        }
        choose(&hits, correction)
    }
}

fn exact(t: Option<NaiveTime>) -> Option<TimeRequest> {
    t.map(TimeRequest::Exact)
}

/// The last open value after a correction; otherwise the first exact time, else the
/// first window ("tomorrow morning at 10" is 10:00).
fn choose(hits: &[Hit<TimeRequest>], correction: bool) -> Option<TimeRequest> {
    let mut open: Vec<&Hit<TimeRequest>> = hits.iter().filter(|h| !h.negated).collect();
    open.sort_by_key(|h| h.start);
    if correction {
        return open.last().map(|h| h.value);
    }
    open.iter()
        .find(|h| matches!(h.value, TimeRequest::Exact(_)))
        .or_else(|| open.first())
        .map(|h| h.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_hours_without_am_pm_are_afternoon() {
        assert_eq!(clock(2, 0, None), hm(14, 0));
        assert_eq!(clock(9, 0, None), hm(9, 0));
        assert_eq!(clock(12, 0, None), hm(12, 0));
        assert_eq!(clock(12, 0, Some(false)), hm(0, 0));
        assert_eq!(clock(13, 0, Some(true)), None);
    }

    #[test]
    fn a_range_carries_pm_back_to_its_start() {
        assert_eq!(range_value("1", "3pm"), window((13, 0), (15, 0)));
        assert_eq!(range_value("10", "12"), window((10, 0), (12, 0)));
        assert_eq!(range_value("11", "1pm"), window((11, 0), (13, 0)));
        assert_eq!(range_value("3", "1"), None);
    }
}
