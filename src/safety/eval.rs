//! Offline evaluation of the scanner on labelled JSONL files: attack recall and false
//! positives per kind, PII precision, recall and F2 per type, and scan latency. The only
//! module of `safety` that reads files.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Category, Direction, PiiKind, SafetyError, Scanner};

/// Customer messages evaluated alongside the attack file when present next to it.
const BOOKING_FILE: &str = "benign_booking_dev.txt";
/// Size of the messages timed for latency.
const LATENCY_MESSAGE_BYTES: usize = 2048;
/// Timed scans (after a short warm-up).
const LATENCY_RUNS: usize = 2_000;

struct Labelled {
    text: String,
    attack: bool,
    kind: String,
}

struct PiiRow {
    text: String,
    spans: Vec<(PiiKind, usize, usize)>,
}

/// Evaluates `path` (attack/benign rows or PII rows, detected from the first row) and
/// returns a printable report.
pub fn run_eval(scanner: &Scanner, path: &Path) -> Result<String, SafetyError> {
    let rows = read_rows(path)?;
    let is_pii = rows.first().is_some_and(|(_, v)| v.get("spans").is_some());
    let mut report = format!("dataset: {}\n", path.display());
    if is_pii {
        let rows = parse_pii(path, &rows)?;
        pii_report(scanner, &rows, &mut report);
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        latency_report(scanner, &texts, &mut report);
    } else {
        let mut rows = parse_labelled(path, &rows)?;
        add_booking_lines(path, &mut rows)?;
        classification_report(scanner, &rows, &mut report);
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        latency_report(scanner, &texts, &mut report);
    }
    Ok(report)
}

fn read_rows(path: &Path) -> Result<Vec<(usize, Value)>, SafetyError> {
    let data = std::fs::read_to_string(path).map_err(|source| SafetyError::Io {
        path: path.display().to_string(),
        source,
    })?;
    data.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map(|v| (i + 1, v))
                .map_err(|e| data_error(path, i + 1, e.to_string()))
        })
        .collect()
}

fn data_error(path: &Path, line: usize, message: impl Into<String>) -> SafetyError {
    SafetyError::Data {
        path: path.display().to_string(),
        line,
        message: message.into(),
    }
}

fn field<'v>(
    path: &Path,
    line: usize,
    row: &'v Value,
    name: &str,
) -> Result<&'v Value, SafetyError> {
    row.get(name)
        .ok_or_else(|| data_error(path, line, format!("missing field `{name}`")))
}

fn string_field(path: &Path, line: usize, row: &Value, name: &str) -> Result<String, SafetyError> {
    field(path, line, row, name)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| data_error(path, line, format!("field `{name}` is not a string")))
}

fn parse_labelled(path: &Path, rows: &[(usize, Value)]) -> Result<Vec<Labelled>, SafetyError> {
    rows.iter()
        .map(|(line, row)| {
            let label = string_field(path, *line, row, "label")?;
            Ok(Labelled {
                text: string_field(path, *line, row, "text")?,
                attack: label == "attack",
                kind: string_field(path, *line, row, "kind")?,
            })
        })
        .collect()
}

fn add_booking_lines(path: &Path, rows: &mut Vec<Labelled>) -> Result<(), SafetyError> {
    let Some(booking) = path.parent().map(|p| p.join(BOOKING_FILE)) else {
        return Ok(());
    };
    if !booking.is_file() {
        return Ok(());
    }
    let data = std::fs::read_to_string(&booking).map_err(|source| SafetyError::Io {
        path: booking.display().to_string(),
        source,
    })?;
    let known: HashSet<String> = rows
        .iter()
        .filter(|r| r.kind == "booking")
        .map(|r| r.text.clone())
        .collect();
    for line in data.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !known.contains(line) {
            rows.push(Labelled {
                text: line.to_string(),
                attack: false,
                kind: "booking".to_string(),
            });
        }
    }
    Ok(())
}

#[derive(Default)]
struct KindStats {
    attacks: usize,
    caught: usize,
    benign: usize,
    false_positives: usize,
}

fn classification_report(scanner: &Scanner, rows: &[Labelled], out: &mut String) {
    let mut per_kind: BTreeMap<&str, KindStats> = BTreeMap::new();
    for row in rows {
        let verdict = scanner.scan(&row.text, Direction::Input);
        let flagged = verdict.has(Category::PromptInjection) || verdict.has(Category::Jailbreak);
        let stats = per_kind.entry(row.kind.as_str()).or_default();
        if row.attack {
            stats.attacks += 1;
            stats.caught += usize::from(flagged);
        } else {
            stats.benign += 1;
            // Booking messages must never be refused, whatever the reason.
            let fp = if row.kind == "booking" {
                verdict.is_blocked()
            } else {
                flagged
            };
            stats.false_positives += usize::from(fp);
        }
    }
    let _ = writeln!(
        out,
        "{:<16} {:>6} {:>8} {:>14} {:>7} {:>12}",
        "kind", "rows", "attacks", "recall", "benign", "fp_rate"
    );
    let mut total = KindStats::default();
    for (kind, s) in &per_kind {
        write_kind(out, kind, s);
        total.attacks += s.attacks;
        total.caught += s.caught;
        total.benign += s.benign;
        total.false_positives += s.false_positives;
    }
    write_kind(out, "overall", &total);
}

fn write_kind(out: &mut String, kind: &str, s: &KindStats) {
    let rate = |n: usize, d: usize| {
        if d == 0 {
            "-".to_string()
        } else {
            format!("{:.1}% ({n}/{d})", 100.0 * n as f64 / d as f64)
        }
    };
    let _ = writeln!(
        out,
        "{:<16} {:>6} {:>8} {:>14} {:>7} {:>12}",
        kind,
        s.attacks + s.benign,
        s.attacks,
        rate(s.caught, s.attacks),
        s.benign,
        rate(s.false_positives, s.benign),
    );
}

fn parse_kind(name: &str) -> Option<PiiKind> {
    PiiKind::ALL.into_iter().find(|k| k.as_str() == name)
}

fn parse_pii(path: &Path, rows: &[(usize, Value)]) -> Result<Vec<PiiRow>, SafetyError> {
    rows.iter()
        .map(|(line, row)| {
            let text = string_field(path, *line, row, "text")?;
            let spans = field(path, *line, row, "spans")?
                .as_array()
                .ok_or_else(|| data_error(path, *line, "`spans` is not an array"))?
                .iter()
                .filter_map(|s| {
                    let kind = parse_kind(s.get("type")?.as_str()?)?;
                    let start = usize::try_from(s.get("start")?.as_u64()?).ok()?;
                    let end = usize::try_from(s.get("end")?.as_u64()?).ok()?;
                    Some((kind, start, end))
                })
                .collect();
            Ok(PiiRow { text, spans })
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct PiiStats {
    predicted: usize,
    predicted_hit: usize,
    expected: usize,
    expected_hit: usize,
}

fn pii_report(scanner: &Scanner, rows: &[PiiRow], out: &mut String) {
    let mut stats: BTreeMap<usize, PiiStats> = BTreeMap::new();
    let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
    for row in rows {
        let found = scanner.find_pii(&row.text);
        for (i, kind) in PiiKind::ALL.iter().enumerate() {
            let truth: Vec<(usize, usize)> = row
                .spans
                .iter()
                .filter(|s| s.0 == *kind)
                .map(|s| (s.1, s.2))
                .collect();
            let preds: Vec<(usize, usize)> = found
                .iter()
                .filter(|m| m.kind == *kind)
                .map(|m| (m.start, m.end))
                .collect();
            let s = stats.entry(i).or_default();
            s.expected += truth.len();
            s.expected_hit += truth
                .iter()
                .filter(|t| preds.iter().any(|p| overlaps(**t, *p)))
                .count();
            s.predicted += preds.len();
            s.predicted_hit += preds
                .iter()
                .filter(|p| truth.iter().any(|t| overlaps(*t, **p)))
                .count();
        }
    }
    let _ = writeln!(
        out,
        "{:<16} {:>6} {:>6} {:>10} {:>8} {:>8}",
        "type", "true", "pred", "precision", "recall", "f2"
    );
    let mut total = PiiStats::default();
    for (i, kind) in PiiKind::ALL.iter().enumerate() {
        let s = stats.get(&i).copied().unwrap_or_default();
        write_pii(out, kind.as_str(), &s);
        total.predicted += s.predicted;
        total.predicted_hit += s.predicted_hit;
        total.expected += s.expected;
        total.expected_hit += s.expected_hit;
    }
    write_pii(out, "overall", &total);
}

fn write_pii(out: &mut String, name: &str, s: &PiiStats) {
    let ratio = |n: usize, d: usize| {
        if d == 0 {
            None
        } else {
            Some(n as f64 / d as f64)
        }
    };
    let precision = ratio(s.predicted_hit, s.predicted);
    let recall = ratio(s.expected_hit, s.expected);
    let f2 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(5.0 * p * r / (4.0 * p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
    let _ = writeln!(
        out,
        "{:<16} {:>6} {:>6} {:>10} {:>8} {:>8}",
        name,
        s.expected,
        s.predicted,
        show(precision),
        show(recall),
        show(f2)
    );
}

/// Builds 2 KB messages by concatenating dataset texts, then times `scan(Input)`.
fn latency_report(scanner: &Scanner, texts: &[&str], out: &mut String) {
    let mut messages = Vec::new();
    let mut current = String::new();
    for text in texts.iter().cycle().take(texts.len().max(1) * 4) {
        current.push_str(text);
        current.push('\n');
        if current.len() >= LATENCY_MESSAGE_BYTES {
            let mut cut = LATENCY_MESSAGE_BYTES;
            while !current.is_char_boundary(cut) {
                cut -= 1;
            }
            current.truncate(cut);
            messages.push(std::mem::take(&mut current));
            if messages.len() >= 64 {
                break;
            }
        }
    }
    if messages.is_empty() {
        let _ = writeln!(out, "latency: no data");
        return;
    }
    for m in messages.iter().take(100) {
        std::hint::black_box(scanner.scan(m, Direction::Input));
    }
    let mut times: Vec<Duration> = messages
        .iter()
        .cycle()
        .take(LATENCY_RUNS)
        .map(|m| {
            let started = Instant::now();
            std::hint::black_box(scanner.scan(std::hint::black_box(m), Direction::Input));
            started.elapsed()
        })
        .collect();
    times.sort_unstable();
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let _ = writeln!(
        out,
        "latency scan(Input) on {} distinct {}-byte messages, {} runs: p50 {:.1} us, p99 {:.1} us, max {:.1} us",
        messages.len(),
        LATENCY_MESSAGE_BYTES,
        times.len(),
        pick(0.50).as_secs_f64() * 1e6,
        pick(0.99).as_secs_f64() * 1e6,
        pick(1.0).as_secs_f64() * 1e6,
    );
}
