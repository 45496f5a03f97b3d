//! Sticky variant assignment: a session's bucket is a pure hash of the experiment and the
//! session id, so the same session always lands on the same side of the split and stays
//! on the candidate as its share grows. Choosing the share lives in `rollout.rs`.

use sha2::{Digest, Sha256};

/// 2^53: the resolution of the bucket, so every value is exact in an `f64` and below 1.
const BUCKET_SCALE: f64 = 9_007_199_254_740_992.0;

/// A deterministic value in `[0, 1)` for a session within an experiment.
///
/// SHA-256 of `experiment + ":" + session_id`; the first 8 bytes are read as a big-endian
/// `u64` and divided by 2^64. Only the top 53 bits are kept, because dividing a full
/// `u64` in floating point can round up to exactly 1.0.
pub fn bucket(experiment: &str, session_id: &str) -> f64 {
    let mut hasher = Sha256::new();
    hasher.update(experiment.as_bytes());
    hasher.update(b":");
    hasher.update(session_id.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let top_bits = u64::from_be_bytes(first) >> 11;
    top_bits as f64 / BUCKET_SCALE
}

/// Whether the session falls in the candidate's share; `candidate_percent` above 100
/// counts as 100.
///
/// Monotone: a session in the share at some percent is in it at every higher percent,
/// because its bucket is fixed and only the threshold moves.
pub fn is_candidate(experiment: &str, session_id: &str, candidate_percent: u8) -> bool {
    let share = f64::from(candidate_percent.min(100)) / 100.0;
    bucket(experiment, session_id) < share
}

/// The variant a session gets: `candidate` when its bucket is below
/// `candidate_percent / 100`, otherwise `stable`.
pub fn assign(
    experiment: &str,
    session_id: &str,
    candidate_percent: u8,
    candidate: &str,
    stable: &str,
) -> String {
    if is_candidate(experiment, session_id, candidate_percent) {
        candidate.to_string()
    } else {
        stable.to_string()
    }
}

#[cfg(test)]
#[path = "assignment_tests.rs"]
mod tests;
