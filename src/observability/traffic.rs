//! Live traffic figures for the dashboard: per-minute request counts, server errors
//! and a latency histogram for the last hour, in a fixed ring of 60 buckets (bounded
//! memory, no allocation per request).

use std::sync::Mutex;

/// Upper bounds of the latency buckets, in milliseconds (geometric, ×1.5).
const BOUNDS_MS: [f64; 32] = [
    0.1,
    0.15,
    0.225,
    0.34,
    0.5,
    0.76,
    1.14,
    1.7,
    2.6,
    3.8,
    5.8,
    8.7,
    13.0,
    19.5,
    29.0,
    44.0,
    66.0,
    99.0,
    148.0,
    222.0,
    333.0,
    500.0,
    750.0,
    1_125.0,
    1_690.0,
    2_530.0,
    3_800.0,
    5_700.0,
    8_540.0,
    12_800.0,
    19_200.0,
    f64::INFINITY,
];

/// A latency histogram over fixed buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyHistogram {
    counts: [u64; BOUNDS_MS.len()],
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self {
            counts: [0; BOUNDS_MS.len()],
        }
    }
}

impl LatencyHistogram {
    /// Counts one observation.
    pub fn record(&mut self, ms: f64) {
        let index = BOUNDS_MS
            .iter()
            .position(|bound| ms <= *bound)
            .unwrap_or(BOUNDS_MS.len() - 1);
        self.counts[index] += 1;
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
    }

    /// Observations counted.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q` quantile (0..1), as the upper bound of its bucket; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let bound = BOUNDS_MS[index];
                return Some(if bound.is_finite() {
                    bound
                } else {
                    BOUNDS_MS[index - 1]
                });
            }
        }
        None
    }
}

/// One minute of traffic.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MinuteStats {
    /// Minutes since the epoch this bucket holds.
    pub minute: i64,
    pub requests: u64,
    pub server_errors: u64,
    pub latency: LatencyHistogram,
}

/// The last hour of traffic.
pub struct TrafficRecorder {
    minutes: Mutex<[MinuteStats; 60]>,
}

impl Default for TrafficRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl TrafficRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self {
            minutes: Mutex::new([MinuteStats::default(); 60]),
        }
    }

    /// Records one request finished at `epoch_minute`.
    pub fn record(&self, epoch_minute: i64, latency_ms: f64, server_error: bool) {
        let Ok(mut minutes) = self.minutes.lock() else {
            return;
        };
        let slot = &mut minutes[epoch_minute.rem_euclid(60) as usize];
        if slot.minute != epoch_minute {
            *slot = MinuteStats {
                minute: epoch_minute,
                ..MinuteStats::default()
            };
        }
        slot.requests += 1;
        slot.server_errors += u64::from(server_error);
        slot.latency.record(latency_ms);
    }

    /// The 60 minutes ending at `epoch_minute`, oldest first (empty minutes included).
    pub fn last_hour(&self, epoch_minute: i64) -> Vec<MinuteStats> {
        let Ok(minutes) = self.minutes.lock() else {
            return Vec::new();
        };
        (epoch_minute - 59..=epoch_minute)
            .map(|minute| {
                let slot = minutes[minute.rem_euclid(60) as usize];
                if slot.minute == minute {
                    slot
                } else {
                    MinuteStats {
                        minute,
                        ..MinuteStats::default()
                    }
                }
            })
            .collect()
    }

    /// Totals over the last hour: (requests, server errors, merged latency).
    pub fn hour_totals(&self, epoch_minute: i64) -> (u64, u64, LatencyHistogram) {
        let mut latency = LatencyHistogram::default();
        let (mut requests, mut errors) = (0, 0);
        for minute in self.last_hour(epoch_minute) {
            requests += minute.requests;
            errors += minute.server_errors;
            latency.merge(&minute.latency);
        }
        (requests, errors, latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_come_from_the_right_buckets() {
        let mut histogram = LatencyHistogram::default();
        for _ in 0..98 {
            histogram.record(1.0);
        }
        histogram.record(200.0);
        histogram.record(200.0);
        assert_eq!(histogram.quantile(0.5), Some(1.14));
        assert_eq!(histogram.quantile(0.99), Some(222.0));
        assert_eq!(LatencyHistogram::default().quantile(0.5), None);
    }

    #[test]
    fn the_ring_keeps_one_hour_and_forgets_older_minutes() {
        let recorder = TrafficRecorder::new();
        recorder.record(1_000, 5.0, false);
        recorder.record(1_000, 5.0, true);
        recorder.record(1_030, 5.0, false);
        let (requests, errors, _) = recorder.hour_totals(1_030);
        assert_eq!((requests, errors), (3, 1));
        // 61 minutes later minute 1_000 has left the window; its slot is reused.
        recorder.record(1_060, 5.0, false);
        let (requests, _, _) = recorder.hour_totals(1_060);
        assert_eq!(requests, 2);
        let hour = recorder.last_hour(1_060);
        assert_eq!(hour.len(), 60);
        assert_eq!(hour[0].minute, 1_001);
    }
}
