//! The load harness of CleanSpace Pro: starts the release binary on a temporary database,
//! drives it from 127.0.0.1 and prints one table per scenario with targets (PASS/MISS).
//! It builds nothing; `cargo build --release` (or `benches/run.sh`) comes first.
//!
//! `cargo bench --bench load -- [--scenario NAME|all] [--duration-secs N] [--soak-secs N] [--markdown]`

mod api;
mod driver;
// Its unit tests are compiled here too, without the test harness that would use their imports.
#[allow(
    unused_imports,
    reason = "imports of the fake's own #[cfg(test)] module"
)]
#[path = "../../tests/support/fake_llm.rs"]
mod fake_llm;
mod procstat;
mod report;
mod scenario_booking;
mod scenario_chat;
mod scenario_http;
mod scenario_soak;
mod server;
mod upstream;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use driver::{Job, Stats};
use procstat::Usage;
use report::{Report, Row};

const USAGE: &str = "\
usage: cargo bench --bench load -- [options]

  --scenario NAME[,NAME…]  health (a), services (b), chat (c), llm (d), cache (e), book (f),
                           conflict (g), safety (h), soak (i), startup, fake, floor, or all
                           (default)
  --duration-secs N        measured seconds per run (default 10)
  --warmup-secs N          unmeasured seconds before each run (default 2)
  --soak-secs N            length of the soak (default 1800)
  --soak-rate N            requests per second of the soak (default 200)
  --workers N              closed-loop concurrency (default 32)
  --generator-threads N    threads of the load generator and fake LLM (default 1, as `wrk -t1`:
                           on two cores a second thread only competes with the server)
  --llm-delay-ms N         fake LLM delay per call for llm, cache and soak (default 0)
  --llm-error-rate F       fake LLM 500 rate for llm, cache and soak (default 0)
  --binary PATH            server binary (default target/release/cleanspace)
  --markdown               also print README-ready Markdown tables
  --server-env NAME=VALUE  extra variable for every server, repeatable (e.g. MALLOC_ARENA_MAX=2)
  --verbose                print each server's pid, address and log file to stderr";

/// Every scenario in the order `all` runs them (the soak last: it is the longest).
const ALL: [&str; 12] = [
    "health", "services", "chat", "llm", "cache", "book", "conflict", "safety", "startup", "fake",
    "floor", "soak",
];

/// Settings every scenario reads.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub binary: PathBuf,
    pub duration: Duration,
    pub warmup: Duration,
    pub soak: Duration,
    pub soak_rate: f64,
    pub workers: usize,
    /// Worker threads of this process's runtime: the generator, its client and the fake LLM.
    pub generator_threads: usize,
    pub llm_delay_ms: u64,
    pub llm_error_rate: f64,
    /// Extra `NAME=VALUE` variables for every server (experiments such as `MALLOC_ARENA_MAX=2`).
    pub server_env: Vec<(String, String)>,
    /// Print each server's pid, address and log file to stderr (for `perf -p`).
    pub verbose: bool,
}

struct Options {
    scenarios: Vec<&'static str>,
    markdown: bool,
    binary: Option<PathBuf>,
    ctx: Ctx,
}

fn scenario_name(name: &str) -> Option<&'static str> {
    let alias = match name {
        "a" => "health",
        "b" => "services",
        "c" => "chat",
        "d" => "llm",
        "e" => "cache",
        "f" => "book",
        "g" => "conflict",
        "h" => "safety",
        "i" => "soak",
        other => other,
    };
    ALL.iter().copied().find(|known| *known == alias)
}

/// The options to run with, or `None` when there is nothing more to do (help, probe).
fn parse_args(args: &[String]) -> Result<Option<Options>> {
    let mut options = Options {
        scenarios: Vec::new(),
        markdown: false,
        binary: None,
        ctx: Ctx {
            binary: PathBuf::new(),
            duration: Duration::from_secs(10),
            warmup: Duration::from_secs(2),
            soak: Duration::from_secs(1800),
            soak_rate: 200.0,
            workers: 32,
            generator_threads: 1,
            llm_delay_ms: 0,
            llm_error_rate: 0.0,
            verbose: false,
            server_env: Vec::new(),
        },
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_owned())),
            None => (arg.as_str(), None),
        };
        let mut value = || -> Result<String> {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or_else(|| anyhow!("{flag} needs a value"))
        };
        let number = |text: String| -> Result<u64> {
            text.parse()
                .map_err(|_| anyhow!("{flag}: `{text}` is not a whole number"))
        };
        match flag {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "--markdown" => options.markdown = true,
            "--verbose" => options.ctx.verbose = true,
            // Internal: run by the startup scenario in a fresh process.
            "--probe-constructors" => {
                scenario_http::probe_constructors()?;
                return Ok(None);
            }
            // Internal: run by the floor scenario as a process of its own.
            "--serve-fake" => {
                upstream::serve_fake_alone()?;
                return Ok(None);
            }
            "--scenario" => {
                for name in value()?.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    if name == "all" {
                        options.scenarios.extend(ALL);
                    } else {
                        options.scenarios.push(
                            scenario_name(name)
                                .ok_or_else(|| anyhow!("unknown scenario `{name}`\n\n{USAGE}"))?,
                        );
                    }
                }
            }
            "--duration-secs" => {
                options.ctx.duration = Duration::from_secs(number(value()?)?.max(1))
            }
            "--warmup-secs" => options.ctx.warmup = Duration::from_secs(number(value()?)?),
            "--soak-secs" => options.ctx.soak = Duration::from_secs(number(value()?)?.max(10)),
            "--soak-rate" => options.ctx.soak_rate = number(value()?)?.max(1) as f64,
            "--workers" => {
                options.ctx.workers = usize::try_from(number(value()?)?.clamp(1, 4096))?;
            }
            "--generator-threads" => {
                options.ctx.generator_threads = usize::try_from(number(value()?)?.clamp(1, 64))?;
            }
            "--llm-delay-ms" => options.ctx.llm_delay_ms = number(value()?)?,
            "--llm-error-rate" => {
                let text = value()?;
                let rate: f64 = text
                    .parse()
                    .map_err(|_| anyhow!("--llm-error-rate: `{text}` is not a number"))?;
                if !(0.0..=1.0).contains(&rate) {
                    bail!("--llm-error-rate must be between 0 and 1");
                }
                options.ctx.llm_error_rate = rate;
            }
            "--binary" => options.binary = Some(PathBuf::from(value()?)),
            "--server-env" => {
                let pair = value()?;
                let (name, value) = pair
                    .split_once('=')
                    .ok_or_else(|| anyhow!("--server-env takes NAME=VALUE, not `{pair}`"))?;
                options
                    .ctx
                    .server_env
                    .push((name.to_owned(), value.to_owned()));
            }
            other => bail!("unknown argument `{other}`\n\n{USAGE}"),
        }
    }
    if options.scenarios.is_empty() {
        options.scenarios.extend(ALL);
    }
    let mut seen = Vec::new();
    options.scenarios.retain(|name| {
        let first = !seen.contains(name);
        seen.push(name);
        first
    });
    Ok(Some(options))
}

/// Runs one scenario by name.
async fn run_scenario(name: &str, ctx: &Ctx) -> Result<Report> {
    match name {
        "health" => scenario_http::get_route(ctx, "(a) health", "/api/health").await,
        "services" => scenario_http::get_route(ctx, "(b) services", "/api/services").await,
        "chat" => scenario_chat::built_in(ctx).await,
        "llm" => scenario_chat::llm_overhead(ctx).await,
        "cache" => scenario_chat::cache_hit(ctx).await,
        "book" => scenario_booking::distinct_slots(ctx).await,
        "conflict" => scenario_booking::same_slot(ctx).await,
        "safety" => scenario_http::safety_scanner(ctx).await,
        "startup" => scenario_http::startup(ctx).await,
        "fake" => upstream::fake_throughput(ctx).await,
        "floor" => upstream::floor(ctx).await,
        "soak" => scenario_soak::soak(ctx).await,
        other => bail!("unknown scenario `{other}`"),
    }
}

async fn run(options: Options) -> Result<bool> {
    let mut ctx = options.ctx;
    ctx.binary = server::release_binary(options.binary.as_deref())?;
    println!(
        "CleanSpace Pro load harness: {} on {} CPU(s); generator on {} thread(s); {}s per run after {}s warm-up; soak {}s at {}/s",
        ctx.binary.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        ctx.generator_threads,
        ctx.duration.as_secs(),
        ctx.warmup.as_secs(),
        ctx.soak.as_secs(),
        ctx.soak_rate,
    );
    let mut reports = Vec::new();
    let mut all_ran = true;
    for name in &options.scenarios {
        let report = match run_scenario(name, &ctx).await {
            Ok(report) => report,
            Err(error) => {
                all_ran = false;
                let mut report = Report::new(name, "the scenario failed to run");
                report.target("scenario ran", "failed", false);
                report.note(format!("{error:#}"));
                report
            }
        };
        print!("{}", report::render_text(&report));
        reports.push(report);
    }
    print!("{}", report::render_summary(&reports));
    if options.markdown {
        print!("{}", report::render_markdown(&reports));
    }
    Ok(all_ran)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(Some(options)) => options,
        // Help was printed, or an internal probe ran.
        Ok(None) => return ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.ctx.generator_threads)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: the generator's runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run_until_interrupted(options))
}

async fn run_until_interrupted(options: Options) -> ExitCode {
    // On Ctrl-C the run future is dropped, and with it every server (SIGTERM on drop).
    let outcome = tokio::select! {
        outcome = run(options) => outcome,
        _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("error: some scenarios failed to run (see their notes)");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A closed-loop run measured on the server process.
pub async fn closed(
    pid: u32,
    job: &Job,
    workers: usize,
    duration: Duration,
    limit: Option<u64>,
) -> Result<(Stats, Usage)> {
    let (stats, usage) =
        procstat::measure(pid, driver::closed_loop(job, workers, duration, limit)).await?;
    Ok((stats.context("closed loop")?, usage))
}

/// An open-loop run measured on the server process.
pub async fn open(pid: u32, job: &Job, rate: f64, duration: Duration) -> Result<(Stats, Usage)> {
    let (stats, usage) = procstat::measure(pid, driver::open_loop(job, rate, duration)).await?;
    Ok((stats.context("open loop")?, usage))
}

/// Unmeasured load that opens connections and warms caches.
pub async fn warm_up(job: &Job, ctx: &Ctx) -> Result<()> {
    if !ctx.warmup.is_zero() {
        driver::closed_loop(job, ctx.workers, ctx.warmup, None).await?;
    }
    Ok(())
}

/// A row for a run with no server process to measure (CPU and RSS are left blank), with
/// the machine's steal over the run.
pub fn row_without_server(report: &mut Report, label: &str, stats: &Stats, steal: Option<f64>) {
    row(report, label, stats, None);
    if let Some(last) = report.rows.last_mut() {
        last.steal = steal;
    }
}

/// A row plus, when the run had errors or a lagging generator, a note saying so.
pub fn row(report: &mut Report, label: &str, stats: &Stats, usage: Option<Usage>) {
    report.rows.push(Row::measured(label, stats, usage));
    if stats.errors > 0 {
        report.note(format!("{label}: errors: {}", stats.error_summary()));
    }
    if let Some(late) = driver::percentile(&stats.lateness_us, 0.99) {
        if late > 500 {
            report.note(format!(
                "{label}: the generator started requests up to {} late (p99); that lateness is counted in the latencies",
                report::duration_us(late)
            ));
        }
    }
}
