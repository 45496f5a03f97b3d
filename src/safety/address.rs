//! Street-address detection on the original text: US and international street forms,
//! PO and military boxes, units, "corner of" phrases, then extension over the following
//! city, region, country and postcode lines. Other PII lives in `pii.rs`.

use crate::pattern::Pattern;

use super::address_words::{is_stopword, BARE_STREET_WORDS, NOT_PLACE_LINES, PARTICLES, TITLES};
use super::{compile, SafetyError};

/// A word that starts with a capital letter (any script).
const CAPW: &str = r"\p{Lu}[\p{L}\p{M}'’.\-]*";
/// Any word that starts with a letter.
const NAMEW: &str = r"\p{L}[\p{L}\p{M}'’.\-]*";
/// Consumes the boundary after a match (the regex crate's Unicode `\b` would disable the
/// fast DFA on non-ASCII text); the consumed char is trimmed afterwards.
const END: &str = r"(?:[^\p{L}\p{N}]|$)";
/// Common street types, matched case-insensitively.
const CORE: &str = r"streets|street|st\.?|str\.?|avenue|ave\.?|av\.|road|rd\.?|boulevard|blvd\.?|lane|ln\.?|drive|dr\.?|way|courts|court|ct\.?|place|pl\.?|terrace|circle|cir\.?|highway|hwy\.?|parkway|pkwy\.?|squares|square|sq\.?|close|crescent|cres\.?|alley|plaza|trail|row|walk";
/// Less common street types (USPS list), matched only when capitalised.
const EXT: &str = r"Alleyway|Alley|Annex|Basin|Bowl|Chase|Concourse|Dell|Dene|Glade|Grange|Gully|Heath|Lea|Pocket|Reach|Retreat|Ridgeway|Towers|Tower|Approach|Arcade|Bayou|Beach|Bend|Bluffs|Bluff|Bottom|Brae|Brace|Branch|Bridge|Brooks|Brook|Burgs|Burg|Bypass|Camp|Canyon|Cape|Causeway|Centers|Center|Centre|Circlet|Circles|Cliffs|Cliff|Club|Commons|Common|Copse|Corners|Corner|Course|Courts|Coves|Cove|Creek|Crest|Crossing|Crossroad|Curve|Dale|Dam|Divide|Drives|End|Esplanade|Estates|Estate|Expressway|Extensions|Extension|Falls|Fall|Ferry|Fields|Field|Flats|Flat|Fords|Ford|Forest|Forges|Forge|Forks|Fork|Fort|Freeway|Gardens|Garden|Gateway|Gate|Glens|Glen|Greens|Green|Groves|Grove|Harbors|Harbor|Harbour|Haven|Heights|Highway|Hills|Hill|Hollow|Inlet|Islands|Island|Isle|Junctions|Junction|Keys|Key|Knolls|Knoll|Lakes|Lake|Landing|Land|Lights|Light|Link|Loaf|Locks|Lock|Lodge|Loop|Mall|Manors|Manor|Meadows|Meadow|Mews|Mills|Mill|Mission|Motorway|Mountains|Mountain|Mount|Neck|Nook|Orchard|Oval|Overpass|Parade|Parks|Park|Parkways|Passage|Pass|Pathway|Path|Pike|Pines|Pine|Plains|Plain|Points|Point|Ports|Port|Prairie|Promenade|Quay|Radial|Ramble|Ramp|Ranch|Rapids|Rapid|Rest|Ridges|Ridge|Rise|River|Roadside|Roads|Route|Run|Shoals|Shoal|Shores|Shore|Siding|Skyway|Springs|Spring|Spurs|Spur|Station|Stravenue|Stream|Summit|Tarn|Throughway|Trace|Track|Trafficway|Tunnel|Turnpike|Underpass|Unions|Union|Vale|Valleys|Valley|Viaduct|Views|View|Villages|Village|Ville|Vista|Wall|Ways|Wells|Well|Wharf|Wynd|Yard";
/// Street types written before the name ("Rue …", "ul. …").
const PREFIX: &str = r"rue|av|via|viale|vicolo|contrada|borgo|rotonda|canale|piazzale|incrocio|stretto|traversa|vico|lungomare|galleria|alameda|travessa|rodovia|estrada|ladeira|loteamento|favela|residencial|fazenda|feira|viaduto|vila|quadra|setor|trecho|chácara|conjunto|sítio|cañada|paseo|ronda|avinguda|passeig|carretera|plac|aleje|rua|calle|carrer|avenida|avenue|boulevard|chemin|allée|strada|corso|piazza|largo|travessa|praça|paseo|camino|ul\.|al\.|ulica|aleja|λεωφόρος|οδός|λ\.|οδ\.";
/// Lowercase particles inside prefixed street names.
const PART: &str = r"de|do|da|dos|das|del|della|di|du|des|la|le|al|el|van|von|der|den|d'";
/// Street-type endings glued to the name ("Puruntie", "Søndergade", "Villacher Strasse").
const MORPH: &str = r"-ring|pad|steeg|hof|plein|singel|gracht|kade|dijk|dreef|ulica|cesta|pot|trg|strasse|straße|str\.|gasse|weg|vej|vegur|gade|gatan|gata|gate|vägen|väg|veien|vei|katu|tie|kuja|polku|tér|utca|útja|körút|allee|allé|platz|damm|brücke|laan|straat|stræde|stræti|straeti|braut|vænget|gränd|torget|torg|tori|kaari|rinne|vegen|stig|kapu|u\.|rkp\.|krt\.|terrasse";
/// Postcodes that follow a street line: "489 32", "12-541", "16100-483", "3571 EK", "SN6 1EW".
const POSTCODE: &str = r"(?:ΤΚ[ \t]*)?(?:[0-9]{5}-?[0-9]{3}|[0-9]{5}(?:-[0-9]{4})?|[0-9]{2}-[0-9]{3}|[0-9]{3} [0-9]{2}|[0-9]{4} ?[A-Z]{2}|[0-9]{4}-[0-9]{3}|[0-9]{4}|[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}|[A-Z][0-9][A-Z] [0-9][A-Z][0-9])";
/// Words after which "N words N" reads as an address.
const CUE: &str = r"lives? (?:at|on)|located (?:at|on|in)|address(?: is|:)|is at|is on|enter on|side of|drops? (?:you|me) off at|meet (?:me|you) at|send (?:it |this |them )?to|deliver(?:ed)? to|ship(?:ped)? to|return to|moved to|move to|stay at|live at|office is at";

/// Longest street name of the Cyrillic shape, in chars. The pattern says `{2,}` and
/// [`within_bounds`] checks this: `{2,40}` copied the name's large Unicode class 40 times,
/// which cost about 2 MB compiled and 2.5 MB of search cache per thread.
const CYRILLIC_NAME_MAX_CHARS: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// "128 Maple Street": any-case name, common suffix.
    NumberNameSuffix,
    /// "420 Gairbekov Rapids": capitalised name, rarer suffix.
    NumberNameRareSuffix,
    /// "20 Rue Hsine Eloued", "ul. Słowicza 10".
    PrefixedStreet,
    /// "Puruntie 82", "Kálmán Imre u. 12.".
    GluedStreet,
    /// "28030 Edeby 55": house number, capitalised name, number.
    NumberNameNumber,
    /// "Javornická 966, 489 32 Ledvice": a name and number, then a postcode line.
    NamedWithPostcode,
    /// "ул. Тополиная, д. 7": Cyrillic street type, name, house number.
    Cyrillic,
    /// PO boxes and military addresses.
    Box,
    /// "Apt. 5", "Suite 501".
    Unit,
    /// "the corner of X and Y".
    Corner,
    /// "on Marina Fort": a cue word, then a capitalised name with a suffix.
    CuedName,
    /// "lives at 10252 Μεγάλη Άμμος 184".
    CuedNumbered,
}

#[derive(Debug)]
struct ShapePattern {
    shape: Shape,
    regex: Pattern,
}

impl ShapePattern {
    /// The matches `find_iter` gives, less those outside the bounds left to code.
    fn matches<'a>(&'a self, text: &'a str) -> impl Iterator<Item = regex::Match<'a>> + 'a {
        let mut at = 0;
        std::iter::from_fn(move || {
            while let Some(m) = self.regex.find_at(text, at) {
                if within_bounds(self.shape, m.as_str()) {
                    // Matches are never empty, so this is where `find_iter` would go on.
                    at = m.end();
                    return Some(m);
                }
                // No match at this start; as with a bound in the pattern, a later start
                // may still match.
                at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
            }
            None
        })
    }
}

/// Compiled address patterns.
#[derive(Debug)]
pub(crate) struct AddressDetector {
    /// Each pattern is searched on its own: a `RegexSet` prefilter over all of them
    /// compiled every pattern a second time (about 6 MB) and its lazy DFA cache grew to
    /// about 30 MB per thread, for no measurable latency gain.
    patterns: Vec<ShapePattern>,
    unit_after: Pattern,
    cue_prefix: Pattern,
}

fn fill(template: &str) -> String {
    template
        .replace("{CAPW}", CAPW)
        .replace("{NAMEW}", NAMEW)
        .replace("{END}", END)
        .replace("{CORE}", CORE)
        .replace("{EXT}", EXT)
        .replace("{PREFIX}", PREFIX)
        .replace("{PART}", PART)
        .replace("{MORPH}", MORPH)
        .replace("{CUE}", CUE)
        .replace("{POSTCODE}", POSTCODE)
}

#[rustfmt::skip]
const TEMPLATES: &[(Shape, &str, &str)] = &[
    (Shape::NumberNameSuffix, "addr_number_name_suffix", r"[0-9]{1,6}[A-Za-z]?(?:[ \t]+[0-9]{1,5})?[ \t]+(?:{NAMEW}[ \t]+){1,4}(?i:{CORE}){END}"),
    (Shape::NumberNameRareSuffix, "addr_number_name_rare_suffix", r"[0-9]{1,6}[A-Za-z]?(?:[ \t]+[0-9]{1,5})?[ \t]+(?:{CAPW}[ \t]+){1,4}(?:{EXT}){END}"),
    (Shape::PrefixedStreet, "addr_prefixed_street", r"(?i:{PREFIX})[ \t]+(?:{CAPW}|{PART})(?:[ \t]+(?:{CAPW}|{PART})){0,4}(?:,?[ \t]+[0-9]{1,5}[A-Za-z]?)?{END}"),
    (Shape::GluedStreet, "addr_glued_street", r"[\p{L}\p{M}'\-]*(?i:{MORPH})[ \t]+[0-9]{1,5}[A-Za-z]?\.?{END}"),
    (Shape::NumberNameNumber, "addr_number_name_number", r"[0-9]{3,5}[ \t]+(?:{NAMEW}[ \t]+){1,3}[0-9]{1,4}[A-Za-z]?{END}"),
    (Shape::NamedWithPostcode, "addr_named_with_postcode", r"{NAMEW},?[ \t]+[0-9]{1,5}(?:[/\-][0-9]{1,4})?[A-Za-z]?(?:(?:[ \t]*,){1,2}[ \t]*(?:\r?\n)?|[ \t]*\r?\n)[ \t]*(?:{POSTCODE}[ \t,]+{CAPW}|(?:{CAPW}[ \t]*,?\s*){1,4}{POSTCODE}{END})"),
    (Shape::Cyrillic, "addr_cyrillic", r"(?:ул|пр|бул|наб|ш|алл|пер|пл|просп|пр-кт|туп|мкр)\.[ \t]*[\p{L}\p{M}0-9.\- ]{2,}?,[ \t]*д\.[ \t]*[0-9]{1,4}(?:/[0-9]{1,3})?"),
    (Shape::Box, "addr_po_box", r"(?i:p\.? ?o\.? ?box|post office box|postbox)[ \t]+[0-9]{1,6}{END}"),
    (Shape::Box, "addr_military", r"(?:PSC|Unit|CMR)[ \t]+[0-9]{3,5},?[ \t]+Box[ \t]+[0-9]{3,5}(?:[ \t]*\r?\n?[ \t]*(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+[0-9]{5})?{END}|(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+[0-9]{5}{END}"),
    (Shape::Unit, "addr_unit", r"(?:(?i:apt|apartment|suite|ste|unit)|Flat|Piano|Appartamento|Apto|Bloco|Casa)\.?[ \t]*#?[ \t]*[0-9]{1,5}[A-Za-z]?{END}"),
    (Shape::Corner, "addr_corner", r"(?i:the )?(?i:corner of)[ \t]+(?:[\p{L}\p{M}\p{N}'.\-]+[ \t]+){1,6}?(?i:and)[ \t]+[\p{L}\p{M}\p{N}'.\-]+(?:[ \t]+[\p{L}\p{M}\p{N}'.\-]+){0,2}"),
    (Shape::CuedName, "addr_cued_name", r"(?:on|at|of|and)[ \t]+{CAPW}(?:[ \t]+{CAPW}){0,2}[ \t]+(?:{EXT}|Street|Avenue|Road|Boulevard|Lane|Drive|Way|Court|Courts|Place|Terrace|Circle|Highway|Parkway|Square|Squares|Close|Crescent|Plaza|Trail|Row|Walk|Streets){END}"),
    (Shape::CuedNumbered, "addr_cued_numbered", r"(?i:{CUE})[ \t]+(?:[0-9]{1,6}[ \t]+)?(?:{NAMEW}[ \t]+){1,4}[0-9]{1,5}[A-Za-z]?{END}"),
];

impl AddressDetector {
    pub(crate) fn new() -> Result<Self, SafetyError> {
        let patterns = TEMPLATES
            .iter()
            .map(|(shape, name, template)| {
                Ok(ShapePattern {
                    shape: *shape,
                    regex: compile(name, &fill(template))?,
                })
            })
            .collect::<Result<Vec<_>, SafetyError>>()?;
        Ok(Self {
            patterns,
            unit_after: compile(
                "addr_unit_after",
                r"^,?[ \t]*(?i:apt|apartment|suite|ste|unit)\.?[ \t]*#?[ \t]*[0-9]{1,5}[A-Za-z]?",
            )?,
            cue_prefix: compile(
                "addr_cue_prefix",
                &fill(r"^(?:(?i:{CUE})|on|at|of|and|near|to)[ \t]+"),
            )?,
        })
    }

    /// Byte spans of the addresses in `text`, merged where they overlap, sorted by start.
    pub(crate) fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        for p in &self.patterns {
            for m in p.matches(text) {
                let (mut start, end) = (m.start(), trim_boundary(text, m.start(), m.end()));
                if !starts_clean(text, start) {
                    continue;
                }
                if matches!(p.shape, Shape::CuedName | Shape::CuedNumbered) {
                    // The cue words themselves are not part of the address.
                    start += self
                        .cue_prefix
                        .find(&text[start..end])
                        .map_or(0, |c| c.end());
                }
                if matches!(p.shape, Shape::GluedStreet | Shape::NamedWithPostcode) {
                    // Name words in front are added here rather than in the pattern, which
                    // keeps the patterns cheap to search.
                    start = extend_start_words(text, start);
                }
                if p.shape != Shape::Unit {
                    start = extend_start(text, start);
                }
                if start >= end || !valid(p.shape, &text[start..end]) {
                    continue;
                }
                spans.push((start, self.extend_end(text, end)));
            }
        }
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s < last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// Extends an address over a following unit, place words and place lines.
    fn extend_end(&self, text: &str, mut end: usize) -> usize {
        for _ in 0..8 {
            let rest = &text[end..];
            if let Some(m) = self.unit_after.find(rest) {
                end += m.end();
                continue;
            }
            if let Some(len) = same_line_place(rest) {
                end += len;
                continue;
            }
            match next_place_line(rest) {
                Some(len) => end += len,
                None => break,
            }
        }
        end
    }
}

/// The bounds a pattern leaves to code. For the Cyrillic shape, the chars between the
/// street type's dot and the comma, less the spaces and tabs `[ \t]*` may take, must be
/// at most [`CYRILLIC_NAME_MAX_CHARS`]; the match ends at the same place either way.
fn within_bounds(shape: Shape, span: &str) -> bool {
    if shape != Shape::Cyrillic {
        return true;
    }
    // The street types hold no dot and the name no comma.
    let after_dot = span.split_once('.').map_or(span, |(_, rest)| rest);
    let name = after_dot.split(',').next().unwrap_or(after_dot);
    name.trim_start_matches([' ', '\t']).chars().count() <= CYRILLIC_NAME_MAX_CHARS
}

/// Drops the boundary char consumed by `END` (keeps a final abbreviation dot).
fn trim_boundary(text: &str, start: usize, end: usize) -> usize {
    let span = &text[start..end];
    let mut chars = span.chars().rev();
    let trimmed = match (chars.next(), chars.next()) {
        // A dot after letters is an abbreviation ("St."); after a number it ends a sentence.
        (Some('.'), Some(prev)) if !prev.is_ascii_digit() => span.len(),
        (Some(c), _) if !c.is_alphanumeric() => span.len() - c.len_utf8(),
        _ => span.len(),
    };
    start + trimmed
}

fn starts_clean(text: &str, start: usize) -> bool {
    !text[..start]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

/// Includes a bare house number right before the match ("86036 Rua do Arenque 1634").
fn extend_start(text: &str, mut start: usize) -> usize {
    // At most two numbers ("9554 62 Rue Gafsa"), optionally followed by a comma ("8, rue …").
    for _ in 0..2 {
        let before = text[..start].trim_end_matches([' ', '\t']);
        if before.len() == start {
            break;
        }
        let before = before.strip_suffix(',').unwrap_or(before);
        let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let new_start = before.len() - digits;
        if !(1..=6).contains(&digits) || !starts_clean(text, new_start) {
            break;
        }
        start = new_start;
    }
    start
}

/// Includes up to three capitalised name words or particles right before the match on the
/// same line ("Villacher" in "Villacher Strasse 89").
fn extend_start_words(text: &str, mut start: usize) -> usize {
    for _ in 0..3 {
        let before = text[..start].trim_end_matches([' ', '\t']);
        if before.len() == start {
            break;
        }
        let word_start = before
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | '"'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[word_start..];
        let capitalised = word.chars().next().is_some_and(char::is_uppercase);
        if word.is_empty() || !(capitalised || PARTICLES.contains(&word)) || is_stopword(word) {
            break;
        }
        start = word_start;
    }
    start
}

fn valid(shape: Shape, span: &str) -> bool {
    let words: Vec<&str> = span.split_whitespace().collect();
    let name_words = || {
        words
            .iter()
            .filter(|w| w.chars().next().is_some_and(char::is_alphabetic))
    };
    match shape {
        Shape::NumberNameSuffix | Shape::NumberNameRareSuffix => {
            let n = name_words().count();
            name_words()
                .take(n.saturating_sub(1))
                .all(|w| !is_stopword(w))
        }
        Shape::NumberNameNumber => {
            let year = words
                .first()
                .and_then(|w| w.parse::<u32>().ok())
                .is_some_and(|y| (1900..=2099).contains(&y));
            !year
                && name_words().all(|w| {
                    !is_stopword(w)
                        && w.chars()
                            .next()
                            .is_some_and(|c| c.is_uppercase() || !c.is_ascii())
                })
        }
        Shape::CuedNumbered => name_words().all(|w| !is_stopword(w)),
        // A bare street-type word ("gate 22", "pot 5") needs a name in front of it.
        Shape::GluedStreet => {
            name_words().count() >= 2
                || name_words().any(|w| !BARE_STREET_WORDS.contains(&w.to_lowercase().as_str()))
        }
        Shape::PrefixedStreet => span.chars().any(|c| c.is_ascii_digit()),
        // "Dr. Wells" or "Mr. Hill" are people, not streets.
        Shape::CuedName => !words
            .first()
            .is_some_and(|w| TITLES.contains(&w.trim_end_matches('.'))),
        Shape::NamedWithPostcode | Shape::Cyrillic | Shape::Box | Shape::Unit | Shape::Corner => {
            true
        }
    }
}

/// Capitalised place words or a postcode on the same line: " NUNGATTA Australia".
fn same_line_place(rest: &str) -> Option<usize> {
    let body = rest.trim_start_matches([',', ' ', '\t']);
    let skipped = rest.len() - body.len();
    if skipped == 0 {
        return None;
    }
    let word_len = body
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(body.len());
    let word = body[..word_len].trim_end_matches(['.', '?', '!', ';', ':']);
    let word_len = word.len();
    place_token(word.trim_matches(['(', ')'])).then_some(skipped + word_len)
}

/// A following line (after at most one blank line, quote markers allowed) that only
/// holds a city, region, country or postcode.
fn next_place_line(rest: &str) -> Option<usize> {
    let mut offset = 0;
    let mut newlines = 0;
    for (i, c) in rest.char_indices() {
        match c {
            '\n' => newlines += 1,
            ' ' | '\t' | '\r' | '>' | '?' => {}
            _ => {
                offset = i;
                break;
            }
        }
    }
    if newlines == 0 || newlines > 2 || offset == 0 {
        return None;
    }
    let line_end = rest[offset..].find('\n').map_or(rest.len(), |i| offset + i);
    let line = rest[offset..line_end].trim_end();
    if line.is_empty()
        || line.chars().count() > 48
        || line.contains([':', '@', '/', '|', '\\', '+', '='])
    {
        return None;
    }
    let first = line.split([' ', ',']).find(|w| !w.is_empty())?;
    if NOT_PLACE_LINES.contains(&first.to_lowercase().as_str()) {
        return None;
    }
    let tokens = line.split([' ', ',', '\t']).filter(|w| !w.is_empty());
    let all_place = tokens
        .clone()
        .all(|w| place_token(w.trim_matches(['(', ')'])));
    (all_place && tokens.count() <= 6).then_some(offset + line.len())
}

fn place_token(word: &str) -> bool {
    let Some(first) = word.chars().next() else {
        return false;
    };
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word.len() <= 6;
    }
    let postcode_like = word.len() <= 7
        && word.chars().any(|c| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '-');
    postcode_like || word == "nan" || first.is_uppercase() && !is_stopword(word)
}

#[cfg(test)]
#[path = "address_tests.rs"]
mod tests;
