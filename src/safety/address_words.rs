//! Word lists the address detector consults: sentence words that rule a span out,
//! particles, bare street-type words, personal titles and the headers of non-address lines.

/// Words that never belong to a street name; they show a sentence, not an address.
#[rustfmt::skip]
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "bath",
    "bathroom", "bathrooms", "baths", "bed", "bedroom", "bedrooms", "beds", "been", "before",
    "bucks", "but", "by", "can", "cars", "cats", "children", "cleaner", "cleaners", "could",
    "crew", "crews", "day", "days", "did", "do", "does", "dogs", "dollars", "each", "every",
    "feet", "floor", "floors", "foot", "for", "from", "ft", "had", "has", "have", "he", "her",
    "here", "his", "hour", "hours", "hr", "hrs", "i", "if", "in", "into", "is", "it", "items",
    "its", "just", "kids", "less", "may", "me", "might", "miles", "min", "mins", "minutes",
    "month", "months", "more", "must", "my", "no", "not", "of", "on", "only", "or", "our",
    "over", "pages", "people", "per", "percent", "pets", "pm", "points", "room", "rooms", "she",
    "should", "so", "some", "sq", "square", "stories", "story", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "time", "times", "to", "under",
    "us", "usd", "very", "was", "we", "week", "weeks", "were", "what", "when", "which", "who",
    "will", "window", "windows", "with", "would", "year", "years", "you", "your",
];

pub(super) fn is_stopword(word: &str) -> bool {
    let w = word
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    STOPWORDS.contains(&w.as_str())
}

/// Lowercase particles inside street names ("Rua do Arenque").
pub(super) const PARTICLES: &[&str] = &[
    "de", "do", "da", "dos", "das", "del", "della", "di", "du", "des", "la", "le", "al", "el",
    "van", "von", "der", "den",
];

/// Street-type words that are also ordinary words when they stand alone.
pub(super) const BARE_STREET_WORDS: &[&str] = &[
    "gate", "pot", "tie", "weg", "vej", "vei", "gade", "gata", "hof", "pad", "kade", "trg",
    "cesta", "ulica", "stig", "torg", "tori", "plein", "singel", "dijk", "damm", "platz", "kapu",
    "allee",
];

/// Titles that start a person's name rather than a street name.
pub(super) const TITLES: &[&str] = &[
    "Dr", "Mr", "Mrs", "Ms", "Miss", "Prof", "Sir", "Dame", "Lord", "Lady",
];

/// Header words of lines that follow an address but are not part of it.
pub(super) const NOT_PLACE_LINES: &[&str] = &[
    "phone", "mobile", "fax", "desk", "tel", "email", "e-mail", "website", "name", "office",
    "cell", "web", "http", "https", "www",
];
