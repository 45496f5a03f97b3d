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
    Ok(ProcSample {
        rss_kb,
        hwm_kb,
        cpu_secs,
    })
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
}

/// Measures the server's CPU and peak memory around `phase`.
pub async fn measure<T>(pid: u32, phase: impl std::future::Future<Output = T>) -> Result<(T, Usage)> {
    let peak_reset = reset_peak(pid);
    let before = read(pid)?;
    let sampler = RssSampler::start(pid);
    let output = phase.await;
    let after = read(pid)?;
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
        },
    ))
}
