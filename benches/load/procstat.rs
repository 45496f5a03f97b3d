//! Resource figures of a process read from `/proc`: resident memory (current and peak)
//! and CPU time. Linux only; nothing here changes the process except resetting its peak.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};

/// Clock ticks per second of `utime`/`stime` (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
const CLK_TCK: f64 = 100.0;

/// How often the background sampler reads `VmRSS`.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// One reading of a process.
#[derive(Debug, Clone, Copy)]
pub struct ProcSample {
    /// `VmRSS`, KiB.
    pub rss_kb: u64,
    /// `VmHWM` (peak resident set since start or the last reset), KiB.
    pub hwm_kb: u64,
    /// User plus system CPU time, seconds.
    pub cpu_secs: f64,
    /// System (kernel) CPU time alone, seconds.
    pub sys_secs: f64,
}

/// Reads `/proc/<pid>/status` and `/proc/<pid>/stat`.
pub fn read(pid: u32) -> Result<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| anyhow!("no {name} in /proc/{pid}/status"))
    };
    let rss_kb = field("VmRSS:")?;
    let hwm_kb = field("VmHWM:")?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| anyhow!("malformed /proc/{pid}/stat"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
    let ticks = |index: usize| -> Result<u64> {
        fields
            .get(index)
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| anyhow!("malformed /proc/{pid}/stat"))
    };
    let cpu_secs = (ticks(11)? + ticks(12)?) as f64 / CLK_TCK;
    let sys_secs = ticks(12)? as f64 / CLK_TCK;
    Ok(ProcSample {
        rss_kb,
        hwm_kb,
        cpu_secs,
        sys_secs,
    })
}

/// The sum of `read(contents)` over one `/proc/<pid>/task/<tid>/<file>` per thread of
/// `pid` alive now; threads that end meanwhile are skipped.
fn sum_over_threads(pid: u32, file: &str, read: impl Fn(&str) -> u64) -> Option<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        if let Ok(contents) = std::fs::read_to_string(entry.path().join(file)) {
            total += read(&contents);
        }
    }
    Some(total)
}

/// Context switches (voluntary and not) of every thread of `pid`, alive now.
fn context_switches(pid: u32) -> Option<u64> {
    sum_over_threads(pid, "status", |status| {
        status
            .lines()
            .filter(|line| line.contains("ctxt_switches:"))
            .filter_map(|line| line.split_whitespace().last()?.parse::<u64>().ok())
            .sum()
    })
}

/// Time every thread of `pid`, alive now, spent runnable but waiting for a CPU
/// (`schedstat`'s second field), seconds.
fn run_queue_wait_secs(pid: u32) -> Option<f64> {
    let total_ns = sum_over_threads(pid, "schedstat", |schedstat| {
        schedstat
            .split_whitespace()
            .nth(1)
            .and_then(|ns| ns.parse().ok())
            .unwrap_or(0)
    })?;
    Some(total_ns as f64 / 1e9)
}

/// The whole machine's CPU time since boot (all CPUs), from `/proc/stat`.
#[derive(Debug, Clone, Copy)]
struct MachineCpu {
    /// Seconds the CPUs ran something: user, nice, system, irq and softirq.
    busy_secs: f64,
    /// Seconds the hypervisor ran something else while this machine's virtual CPUs
    /// wanted to run (`steal`).
    steal_secs: f64,
}

/// Reads the first (`cpu `) line of `/proc/stat`.
fn machine_cpu() -> Option<MachineCpu> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal
    let [user, nice, system, _idle, _iowait, irq, softirq, steal, ..] = ticks[..] else {
        return None;
    };
    Some(MachineCpu {
        busy_secs: (user + nice + system + irq + softirq) as f64 / CLK_TCK,
        steal_secs: steal as f64 / CLK_TCK,
    })
}

/// The hypervisor's steal over a phase that has no server process to measure.
pub struct StealMeter {
    before: Option<MachineCpu>,
    started: std::time::Instant,
}

impl StealMeter {
    /// Starts measuring now.
    pub fn start() -> Self {
        Self {
            before: machine_cpu(),
            started: std::time::Instant::now(),
        }
    }

    /// Share of all CPUs' time stolen since [`StealMeter::start`].
    pub fn share(&self) -> Option<f64> {
        let (before, after) = (self.before?, machine_cpu()?);
        let wall = self.started.elapsed().as_secs_f64();
        (wall > 0.0)
            .then(|| ((after.steal_secs - before.steal_secs) / (wall * cpus())).clamp(0.0, 1.0))
    }
}

fn cpus() -> f64 {
    std::thread::available_parallelism().map_or(1, |n| n.get()) as f64
}

/// "anon 40.1 MB, file 9.8 MB, shmem 2.0 MB": what the resident set is made of.
pub fn rss_breakdown(pid: u32) -> String {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return String::new();
    };
    ["RssAnon:", "RssFile:", "RssShmem:"]
        .iter()
        .filter_map(|name| {
            let kb: u64 = status
                .lines()
                .find_map(|line| line.strip_prefix(name))?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            let label = name
                .trim_start_matches("Rss")
                .trim_end_matches(':')
                .to_lowercase();
            Some(format!("{label} {:.1} MB", kb as f64 / 1024.0))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Threads of `pid`.
pub fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |dir| dir.count())
}

/// Resets `VmHWM` to the current resident set (`echo 5 > /proc/<pid>/clear_refs`), so the
/// next peak belongs to the phase about to run. False when the kernel refused.
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Samples `VmRSS` in the background and keeps the largest value, for kernels where the
/// peak cannot be reset.
pub struct RssSampler {
    max_kb: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    /// Starts sampling `pid`.
    pub fn start(pid: u32) -> Self {
        let max_kb = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let max_kb = Arc::clone(&max_kb);
            let stop = Arc::clone(&stop);
            async move {
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(sample) = read(pid) {
                        max_kb.fetch_max(sample.rss_kb, Ordering::Relaxed);
                    }
                    tokio::time::sleep(SAMPLE_EVERY).await;
                }
            }
        });
        Self { max_kb, stop, task }
    }

    /// Stops sampling and returns the largest `VmRSS` seen, KiB.
    pub async fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        self.max_kb.load(Ordering::Relaxed)
    }
}

/// What a measured phase cost the server process.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// CPU seconds spent during the phase.
    pub cpu_secs: f64,
    /// Peak resident set during the phase, KiB.
    pub peak_rss_kb: u64,
    /// Of `cpu_secs`, the part spent in the kernel.
    pub sys_secs: f64,
    /// Context switches of the server's threads during the phase.
    pub context_switches: Option<u64>,
    /// Time the server's threads spent runnable but waiting for a CPU during the phase:
    /// how much the machine made the server queue behind other work, seconds.
    pub run_queue_wait_secs: Option<f64>,
    /// Share of all CPUs used by processes other than the server and this harness:
    /// noise in every figure when high.
    pub others_cpu_share: Option<f64>,
    /// Share of all CPUs' time the hypervisor gave to other machines while this one's
    /// virtual CPUs wanted to run (`steal` in `/proc/stat`): each stolen spell stalls
    /// whatever was running, so it shows in every latency figure.
    pub steal_share: Option<f64>,
}

/// Measures the server's CPU and peak memory around `phase`.
pub async fn measure<T>(
    pid: u32,
    phase: impl std::future::Future<Output = T>,
) -> Result<(T, Usage)> {
    let peak_reset = reset_peak(pid);
    let before = read(pid)?;
    let own = std::process::id();
    let own_before = if own == pid { None } else { read(own).ok() };
    let machine_before = machine_cpu();
    let switches_before = context_switches(pid);
    let waited_before = run_queue_wait_secs(pid);
    let started = std::time::Instant::now();
    let sampler = RssSampler::start(pid);
    let output = phase.await;
    let after = read(pid)?;
    let own_after = if own == pid { None } else { read(own).ok() };
    let machine_after = machine_cpu();
    let switches = match (switches_before, context_switches(pid)) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b)),
        _ => None,
    };
    let run_queue_wait_secs = match (waited_before, run_queue_wait_secs(pid)) {
        (Some(b), Some(a)) => Some((a - b).max(0.0)),
        _ => None,
    };
    let wall = started.elapsed().as_secs_f64();
    let cpus = cpus();
    let own_secs = match (own_before, own_after) {
        (Some(b), Some(a)) => a.cpu_secs - b.cpu_secs,
        _ => 0.0,
    };
    let share = |secs: f64| (secs / (wall * cpus)).clamp(0.0, 1.0);
    let (others_cpu_share, steal_share) = match (machine_before, machine_after) {
        (Some(b), Some(a)) if wall > 0.0 => {
            let others =
                (a.busy_secs - b.busy_secs) - (after.cpu_secs - before.cpu_secs) - own_secs;
            (
                Some(share(others)),
                Some(share(a.steal_secs - b.steal_secs)),
            )
        }
        _ => (None, None),
    };
    let sampled = sampler.finish().await;
    let peak_rss_kb = if peak_reset {
        after.hwm_kb.max(sampled)
    } else {
        sampled.max(after.rss_kb)
    };
    Ok((
        output,
        Usage {
            cpu_secs: after.cpu_secs - before.cpu_secs,
            peak_rss_kb,
            sys_secs: after.sys_secs - before.sys_secs,
            context_switches: switches,
            run_queue_wait_secs,
            others_cpu_share,
            steal_share,
        },
    ))
}
