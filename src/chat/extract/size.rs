//! Floor area in square feet ("1,800 sq ft", "2k sqft", "about 2000 square foot",
//! "140 m2"); a bare number counts only when the agent asked for the size. Phones,
//! dates, times and house numbers are removed before this runs.

use regex::Captures;

use crate::pattern::Pattern;

use super::text::{is_count_noun, next_word, number_word, pick, scan};

const NUM: &str = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(k\b|thousand\b|hundred\b))?";
const UNIT: &str = r"(?:sq(?:uare)?[\s./-]*(?:ft|feet|foot|f)\b\.?|sq\.?\b|sf\b|ft2\b|ft²|square\b|feet\b|foot\b|ft\b\.?)";
const WORDS: &str = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty";

/// Smallest and largest areas taken as a floor size.
const MIN_SQFT: u32 = 100;
const MAX_SQFT: u32 = 1_000_000;

/// The compiled size patterns.
pub(crate) struct SizeRules {
    range: Pattern,
    with_unit: Pattern,
    metric: Pattern,
    words: Pattern,
    bare: Pattern,
}

/// "1,800" → 1800, "2.5" + "k" → 2500, "15" + "hundred" → 1500.
fn number(digits: &str, scale: Option<&str>) -> Option<u32> {
    let n: f64 = digits.replace(',', "").parse().ok()?;
    let factor = match scale.map(str::to_lowercase).as_deref() {
        Some("k") | Some("thousand") => 1000.0,
        Some("hundred") => 100.0,
        _ => 1.0,
    };
    let v = (n * factor).round();
    (v >= 0.0 && v <= f64::from(MAX_SQFT)).then_some(v as u32)
}

fn in_range(v: u32) -> Option<u32> {
    (MIN_SQFT..=MAX_SQFT).contains(&v).then_some(v)
}

fn from_caps(c: &Captures<'_>, n: usize) -> Option<u32> {
    number(c.get(n)?.as_str(), c.get(n + 1).map(|m| m.as_str()))
}

impl SizeRules {
    /// Compiles every size pattern once.
    pub(crate) fn new() -> Result<Self, regex::Error> {
        let r = |s: &str| Pattern::new(&format!("(?i){s}"));
        Ok(Self {
            range: r(&format!(
                r"\b(?:between\s+)?{NUM}\s*(?:-|to|or|and)\s*{NUM}[\s-]*{UNIT}"
            ))?,
            with_unit: r(&format!(r"\b{NUM}[\s-]*{UNIT}"))?,
            metric: r(&format!(
                r"\b{NUM}\s*(?:m2\b|m²|sq\.?\s*m\b|sqm\b|square\s+met(?:er|re)s?\b|sq\.?\s*met(?:er|re)s?\b)"
            ))?,
            words: r(&format!(
                r"\b({WORDS})(?:[\s-]+(one|two|three|four|five|six|seven|eight|nine))?\s+(thousand|hundred)(?:\s+(?:and\s+)?({WORDS})\s+hundred)?(?:\s+and\s+a\s+half)?(?:[\s-]*({UNIT}))?"
            ))?,
            bare: r(&format!(r"(?:^|[^\d$.,:/#-]){NUM}"))?,
        })
    }

    /// Finds the floor area and blanks it in `buf`. A bare number ("1100", "about 2k")
    /// is taken only when the agent asked for the size.
    pub(crate) fn take(&self, buf: &mut String, expecting: bool, correction: bool) -> Option<u32> {
        let mut hits = Vec::new();
        scan(&self.range, buf, &mut hits, |c, _| {
            let a = from_caps(c, 1)?;
            let b = from_caps(c, 3)?;
            in_range(a.max(b))
        });
        scan(&self.metric, buf, &mut hits, |c, _| {
            let m2 = from_caps(c, 1)?;
            in_range((f64::from(m2) * 10.7639).round() as u32)
        });
        scan(&self.with_unit, buf, &mut hits, |c, _| {
            in_range(from_caps(c, 1)?)
        });
        scan(&self.words, buf, &mut hits, |c, _| {
            if c.get(5).is_none() && !expecting {
                return None;
            }
            let mut head = number_word(&c[1])?;
            if let Some(unit) = c.get(2) {
                head += number_word(unit.as_str())?;
            }
            let big = if c[3].eq_ignore_ascii_case("thousand") {
                1000
            } else {
                100
            };
            let mut v = head * big;
            if let Some(extra) = c.get(4) {
                v += number_word(extra.as_str())? * 100;
            }
            if c[0].to_lowercase().contains("a half") {
                v += big / 2;
            }
            in_range(v)
        });
        if hits.is_empty() && expecting {
            scan(&self.bare, buf, &mut hits, |c, s| {
                let end = c.get(0)?.end();
                if is_count_noun(&next_word(s, end)) && c.get(2).is_none() {
                    return None;
                }
                in_range(from_caps(c, 1)?)
            });
        }
        pick(&hits, correction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_shorthands_scale() {
        assert_eq!(number("2", Some("k")), Some(2000));
        assert_eq!(number("1.5", Some("k")), Some(1500));
        assert_eq!(number("1,800", None), Some(1800));
        assert_eq!(number("15", Some("hundred")), Some(1500));
    }
}
