//! Load generation. A closed loop keeps N requests in flight for throughput; an open
//! loop starts requests on a fixed schedule for latency, measuring each from its
//! *scheduled* start so a stalled server cannot hide its queue (no coordinated omission).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};

/// Open-loop requests allowed in flight before new ones are dropped (and counted as errors),
/// which bounds the generator's memory when the server falls far behind.
const MAX_IN_FLIGHT: u64 = 20_000;
/// How long an open loop waits for stragglers after its last scheduled request.
const DRAIN: Duration = Duration::from_secs(15);

/// How one request ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The expected success.
    Ok,
    /// An expected refusal (a 409 on the conflict path); not an error.
    Conflict,
    /// Anything else, with a short kind such as `status 500` or `timeout`.
    Error(String),
}

type BoxFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// Request number in, one request's outcome out.
pub type Job = Arc<dyn Fn(u64) -> BoxFuture + Send + Sync>;

/// Wraps an async closure as a [`Job`].
pub fn job<F, Fut>(f: F) -> Job
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    Arc::new(move |i| Box::pin(f(i)))
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Stats {
    /// Latency of every completed request, microseconds, sorted once the run ends.
    pub latencies_us: Vec<u64>,
    pub ok: u64,
    pub conflicts: u64,
    pub errors: u64,
    pub error_kinds: BTreeMap<String, u64>,
    /// First request started to last request finished.
    pub elapsed: Duration,
    /// Open loop only: how late the generator started requests, microseconds, sorted.
    pub lateness_us: Vec<u64>,
    last_done: Option<Instant>,
}

impl Stats {
    fn add(&mut self, outcome: Outcome, latency: Duration) {
        self.latencies_us
            .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Conflict => self.conflicts += 1,
            Outcome::Error(kind) => self.error(kind, 1),
        }
        let now = Instant::now();
        if self.last_done.is_none_or(|last| now > last) {
            self.last_done = Some(now);
        }
    }

    fn error(&mut self, kind: String, count: u64) {
        if count > 0 {
            self.errors += count;
            *self.error_kinds.entry(kind).or_default() += count;
        }
    }

    fn merge(&mut self, other: Stats) {
        self.latencies_us.extend(other.latencies_us);
        self.ok += other.ok;
        self.conflicts += other.conflicts;
        self.errors += other.errors;
        for (kind, count) in other.error_kinds {
            *self.error_kinds.entry(kind).or_default() += count;
        }
        self.last_done = match (self.last_done, other.last_done) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    fn finish(mut self, started: Instant) -> Stats {
        self.latencies_us.sort_unstable();
        self.lateness_us.sort_unstable();
        self.elapsed = self.last_done.map_or(Duration::ZERO, |done| {
            done.saturating_duration_since(started)
        });
        self
    }

    /// Requests that got an answer or failed (dropped ones included).
    pub fn completed(&self) -> u64 {
        self.ok + self.conflicts + self.errors
    }

    /// Answered requests per second over the run.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        (self.ok + self.conflicts) as f64 / secs
    }

    /// Nearest-rank percentile of the latencies, microseconds.
    pub fn percentile(&self, q: f64) -> Option<u64> {
        percentile(&self.latencies_us, q)
    }

    /// Mean latency, microseconds.
    pub fn mean_us(&self) -> Option<f64> {
        if self.latencies_us.is_empty() {
            return None;
        }
        Some(self.latencies_us.iter().sum::<u64>() as f64 / self.latencies_us.len() as f64)
    }

    /// "timeout ×3, status 500 ×2", or empty.
    pub fn error_summary(&self) -> String {
        self.error_kinds
            .iter()
            .map(|(kind, count)| format!("{kind} ×{count}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// `workers` loops, each sending its next request as soon as the previous one is
/// answered, until `duration` has passed or `limit` requests were started.
pub async fn closed_loop(
    job: &Job,
    workers: usize,
    duration: Duration,
    limit: Option<u64>,
) -> Result<Stats> {
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut handles = Vec::with_capacity(workers);
    for _ in 0..workers.max(1) {
        let job = Arc::clone(job);
        let counter = Arc::clone(&counter);
        handles.push(tokio::spawn(async move {
            let mut stats = Stats::default();
            while Instant::now() < deadline {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                if limit.is_some_and(|limit| i >= limit) {
                    break;
                }
                let sent = Instant::now();
                let outcome = job(i).await;
                stats.add(outcome, sent.elapsed());
            }
            stats
        }));
    }
    let mut total = Stats::default();
    for handle in handles {
        total.merge(
            handle
                .await
                .map_err(|e| anyhow!("a load worker failed: {e}"))?,
        );
    }
    Ok(total.finish(started))
}

/// Starts `rate` requests per second for `duration` on a fixed schedule, whatever the
/// server does, and measures each from its scheduled start. A plain thread keeps the
/// schedule (sleeping, never spinning); requests run on the tokio runtime.
pub async fn open_loop(job: &Job, rate: f64, duration: Duration) -> Result<Stats> {
    let total = (rate * duration.as_secs_f64()).round().max(1.0) as u64;
    let shared = Arc::new(Mutex::new(Stats::default()));
    let in_flight = Arc::new(AtomicU64::new(0));
    let runtime = tokio::runtime::Handle::current();
    let started = Instant::now() + Duration::from_millis(5);
    let dispatcher = std::thread::spawn({
        let job = Arc::clone(job);
        let shared = Arc::clone(&shared);
        let in_flight = Arc::clone(&in_flight);
        move || {
            let mut lateness = Vec::with_capacity(usize::try_from(total).unwrap_or_default());
            let mut dropped = 0u64;
            for i in 0..total {
                let scheduled = started + Duration::from_secs_f64(i as f64 / rate);
                let now = Instant::now();
                if scheduled > now {
                    std::thread::sleep(scheduled - now);
                }
                lateness.push(u64::try_from(scheduled.elapsed().as_micros()).unwrap_or(u64::MAX));
                if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
                    dropped += 1;
                    continue;
                }
                in_flight.fetch_add(1, Ordering::Relaxed);
                let job = Arc::clone(&job);
                let shared = Arc::clone(&shared);
                let in_flight = Arc::clone(&in_flight);
                runtime.spawn(async move {
                    let outcome = job(i).await;
                    let latency = scheduled.elapsed();
                    shared
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .add(outcome, latency);
                    in_flight.fetch_sub(1, Ordering::Relaxed);
                });
            }
            (lateness, dropped)
        }
    });
    let (lateness, dropped) = tokio::task::spawn_blocking(move || dispatcher.join())
        .await?
        .map_err(|_| anyhow!("the open-loop dispatcher panicked"))?;
    let drain_until = Instant::now() + DRAIN;
    while in_flight.load(Ordering::Relaxed) > 0 && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let unfinished = in_flight.load(Ordering::Relaxed);
    let mut stats = std::mem::take(&mut *shared.lock().unwrap_or_else(PoisonError::into_inner));
    stats.error(
        "dropped: generator over its in-flight cap".to_owned(),
        dropped,
    );
    stats.error(
        format!("unfinished after {}s drain", DRAIN.as_secs()),
        unfinished,
    );
    stats.lateness_us = lateness;
    Ok(stats.finish(started))
}
