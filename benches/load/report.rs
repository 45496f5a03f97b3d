//! Tables: one per scenario (rows of measured runs, then targets with PASS/MISS), a
//! summary of every target, and the same as Markdown for the README.

use crate::driver::Stats;
use crate::procstat::Usage;

/// One measured run of a scenario.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub label: String,
    pub requests: u64,
    pub rate: f64,
    /// Percentiles, microseconds; signed because a derived row may hold differences.
    pub p50_us: Option<i64>,
    pub p90_us: Option<i64>,
    pub p99_us: Option<i64>,
    pub errors: u64,
    /// Expected 409s, where they are expected; `None` prints "—".
    pub conflicts: Option<u64>,
    pub peak_rss_kb: Option<u64>,
    pub cpu_per_1k: Option<f64>,
    /// Kernel share of that CPU.
    pub sys_share: Option<f64>,
    /// Server context switches per answered request.
    pub switches_per_request: Option<f64>,
    /// Time the server's threads waited for a CPU, per answered request, µs.
    pub run_queue_wait_us: Option<f64>,
    /// Share of the machine's CPUs other processes used meanwhile.
    pub others_cpu: Option<f64>,
    /// Share of the machine's CPU time the hypervisor took meanwhile.
    pub steal: Option<f64>,
}

impl Row {
    /// A row from a run and what it cost the server.
    pub fn measured(label: impl Into<String>, stats: &Stats, usage: Option<Usage>) -> Row {
        let answered = stats.ok + stats.conflicts;
        Row {
            label: label.into(),
            requests: stats.completed(),
            rate: stats.rate(),
            p50_us: signed(stats.percentile(0.50)),
            p90_us: signed(stats.percentile(0.90)),
            p99_us: signed(stats.percentile(0.99)),
            errors: stats.errors,
            conflicts: (stats.conflicts > 0).then_some(stats.conflicts),
            peak_rss_kb: usage.map(|u| u.peak_rss_kb),
            cpu_per_1k: usage
                .filter(|_| answered > 0)
                .map(|u| u.cpu_secs * 1000.0 / answered as f64),
            sys_share: usage
                .filter(|u| u.cpu_secs > 0.0)
                .map(|u| u.sys_secs / u.cpu_secs),
            switches_per_request: usage
                .and_then(|u| u.context_switches)
                .filter(|_| answered > 0)
                .map(|n| n as f64 / answered as f64),
            run_queue_wait_us: usage
                .and_then(|u| u.run_queue_wait_secs)
                .filter(|_| answered > 0)
                .map(|secs| secs * 1e6 / answered as f64),
            others_cpu: usage.and_then(|u| u.others_cpu_share),
            steal: usage.and_then(|u| u.steal_share),
        }
    }
}

/// A percentile as a signed value.
pub fn signed(us: Option<u64>) -> Option<i64> {
    us.map(|us| i64::try_from(us).unwrap_or(i64::MAX))
}

/// A target checked against a figure.
#[derive(Debug, Clone)]
pub struct Target {
    /// e.g. "turns/s ≥ 2,000 (closed loop)".
    pub what: String,
    /// e.g. "3,412 turns/s".
    pub figure: String,
    pub pass: bool,
}

impl Target {
    pub fn new(what: impl Into<String>, figure: impl Into<String>, pass: bool) -> Target {
        Target {
            what: what.into(),
            figure: figure.into(),
            pass,
        }
    }
}

/// The whole result of one scenario.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// "(c) chat".
    pub title: String,
    /// What was done, in one line.
    pub description: String,
    pub rows: Vec<Row>,
    pub targets: Vec<Target>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn new(title: &str, description: &str) -> Report {
        Report {
            title: title.to_owned(),
            description: description.to_owned(),
            ..Report::default()
        }
    }

    pub fn target(&mut self, what: impl Into<String>, figure: impl Into<String>, pass: bool) {
        self.targets.push(Target::new(what, figure, pass));
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Adds the "peak RSS ≤ 64 MB under load" target over every row that measured memory.
    pub fn rss_target(&mut self) {
        if let Some(peak) = self.rows.iter().filter_map(|r| r.peak_rss_kb).max() {
            let limit_kb = 64 * 1024;
            self.target("peak RSS ≤ 64 MB under load", mb(peak), peak <= limit_kb);
        }
    }
}

/// "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "12 µs", "1.23 ms", "2.50 s".
pub fn duration_us(us: u64) -> String {
    match us {
        0..=999 => format!("{us} µs"),
        1_000..=999_999 => format!("{:.2} ms", us as f64 / 1000.0),
        _ => format!("{:.2} s", us as f64 / 1_000_000.0),
    }
}

/// Signed microseconds, for differences.
pub fn signed_us(us: i64) -> String {
    if us < 0 {
        format!("-{}", duration_us(us.unsigned_abs()))
    } else {
        duration_us(us.unsigned_abs())
    }
}

/// "31.2 MB" (MiB, as the kernel counts).
pub fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn opt(value: Option<u64>, f: fn(u64) -> String) -> String {
    value.map_or_else(|| "—".to_owned(), f)
}

fn opt_signed(value: Option<i64>) -> String {
    value.map_or_else(|| "—".to_owned(), signed_us)
}

fn rate(rate: f64) -> String {
    if rate <= 0.0 {
        return "—".to_owned();
    }
    thousands(rate.round() as u64)
}

fn cells(row: &Row) -> [String; 15] {
    [
        row.label.clone(),
        thousands(row.requests),
        rate(row.rate),
        opt_signed(row.p50_us),
        opt_signed(row.p90_us),
        opt_signed(row.p99_us),
        thousands(row.errors),
        opt(row.conflicts, thousands),
        opt(row.peak_rss_kb, mb),
        row.cpu_per_1k
            .map_or_else(|| "—".to_owned(), |c| format!("{c:.3}")),
        row.sys_share
            .map_or_else(|| "—".to_owned(), |c| format!("{:.0} %", c * 100.0)),
        row.switches_per_request
            .map_or_else(|| "—".to_owned(), |c| format!("{c:.1}")),
        row.run_queue_wait_us
            .map_or_else(|| "—".to_owned(), |us| format!("{us:.0} µs")),
        row.others_cpu
            .map_or_else(|| "—".to_owned(), |c| format!("{:.0} %", c * 100.0)),
        row.steal
            .map_or_else(|| "—".to_owned(), |c| format!("{:.0} %", c * 100.0)),
    ]
}

const HEADERS: [&str; 15] = [
    "run",
    "requests",
    "req/s",
    "p50",
    "p90",
    "p99",
    "errors",
    "409s",
    "peak RSS",
    "CPU s/1k req",
    "kernel",
    "ctx sw/req",
    "run-queue wait/req",
    "others' CPU",
    "steal",
];

fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "MISS"
    }
}

/// The plain-text table of one scenario.
pub fn render_text(report: &Report) -> String {
    let rows: Vec<[String; 15]> = report.rows.iter().map(cells).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row.iter()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(widths.iter())
            .enumerate()
            .map(|(i, (cell, width))| {
                let pad = width.saturating_sub(cell.chars().count());
                if i == 0 {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = format!("\n== {} ==\n   {}\n", report.title, report.description);
    if !rows.is_empty() {
        out += &format!("   {}\n", line(&HEADERS.map(str::to_owned)));
        for row in &rows {
            out += &format!("   {}\n", line(row));
        }
    }
    if !report.targets.is_empty() {
        out += "   targets:\n";
        let width = report
            .targets
            .iter()
            .map(|t| t.what.chars().count())
            .max()
            .unwrap_or_default();
        for target in &report.targets {
            let pad = width - target.what.chars().count();
            out += &format!(
                "     {}{}  {:>16}  {}\n",
                target.what,
                " ".repeat(pad),
                target.figure,
                verdict(target.pass)
            );
        }
    }
    for note in &report.notes {
        out += &format!("   note: {note}\n");
    }
    out
}

/// Every target of every scenario, and how many passed.
pub fn render_summary(reports: &[Report]) -> String {
    let mut out = String::from("\n== summary of targets ==\n");
    let (mut passed, mut total) = (0, 0);
    for report in reports {
        for target in &report.targets {
            total += 1;
            passed += usize::from(target.pass);
            out += &format!(
                "   {}  {:<14} {:<44} {}\n",
                verdict(target.pass),
                report.title,
                target.what,
                target.figure
            );
        }
    }
    out += &format!("   {passed} of {total} targets met\n");
    out
}

/// A README-ready Markdown version of every table.
pub fn render_markdown(reports: &[Report]) -> String {
    let mut out = String::from("\n| scenario | run | requests | req/s | p50 | p90 | p99 | errors | 409s | peak RSS | CPU s/1k req | kernel | ctx sw/req | run-queue wait/req | others' CPU | steal |\n");
    out += "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    for report in reports {
        for row in &report.rows {
            out += &format!("| {} | {} |\n", report.title, cells(row).join(" | "));
        }
    }
    out += "\n| scenario | target | measured | result |\n|---|---|--:|---|\n";
    for report in reports {
        for target in &report.targets {
            out += &format!(
                "| {} | {} | {} | {} |\n",
                report.title,
                target.what,
                target.figure,
                verdict(target.pass)
            );
        }
    }
    out
}
