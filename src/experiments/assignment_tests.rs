//! Unit tests for `assignment.rs`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

fn random_session_ids(seed: u64, count: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            format!(
                "sess-{:016x}{:016x}",
                rng.random::<u64>(),
                rng.random::<u64>()
            )
        })
        .collect()
}

#[test]
fn the_same_session_always_gets_the_same_bucket_and_variant() {
    for id in random_session_ids(1, 200) {
        assert_eq!(bucket("canary:v2", &id), bucket("canary:v2", &id));
        assert_eq!(
            assign("canary:v2", &id, 25, "v2", "v1"),
            assign("canary:v2", &id, 25, "v2", "v1")
        );
    }
}

#[test]
fn the_bucket_matches_the_documented_hash() {
    // Recomputed from the digest so the test pins the construction (separator, byte
    // order, scaling) rather than a magic number.
    let digest = Sha256::digest(b"exp:abc");
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let expected = (u64::from_be_bytes(first) >> 11) as f64 / BUCKET_SCALE;
    assert_eq!(bucket("exp", "abc"), expected);
    assert!(
        (bucket("exp", "abc") - u64::from_be_bytes(first) as f64 / 2f64.powi(64)).abs() < 1e-12
    );
}

#[test]
fn buckets_stay_in_the_half_open_unit_interval() {
    for id in random_session_ids(2, 5_000) {
        let b = bucket("exp", &id);
        assert!((0.0..1.0).contains(&b), "{b} out of range");
    }
}

#[test]
fn the_experiment_name_reshuffles_the_buckets() {
    let ids = random_session_ids(3, 1_000);
    let moved = ids
        .iter()
        .filter(|id| bucket("canary:v2", id) != bucket("canary:v3", id))
        .count();
    assert_eq!(moved, ids.len());
    // Independent splits: about a quarter of the sessions are in both 50 % shares.
    let both = ids
        .iter()
        .filter(|id| is_candidate("canary:v2", id, 50) && is_candidate("canary:v3", id, 50))
        .count();
    assert!(
        (180..=320).contains(&both),
        "{both} sessions in both halves"
    );
}

#[test]
fn a_session_on_the_candidate_stays_on_it_as_the_percent_grows() {
    for id in random_session_ids(4, 2_000) {
        let mut was_candidate = false;
        for percent in 0..=100u8 {
            let now_candidate = assign("exp", &id, percent, "cand", "stable") == "cand";
            assert!(
                now_candidate || !was_candidate,
                "{id} left the candidate at {percent} %"
            );
            was_candidate = now_candidate;
        }
        assert!(was_candidate, "{id} not on the candidate at 100 %");
    }
}

#[test]
fn zero_percent_sends_everyone_to_stable_and_full_sends_everyone_to_the_candidate() {
    for id in random_session_ids(5, 1_000) {
        assert_eq!(assign("exp", &id, 0, "cand", "stable"), "stable");
        assert_eq!(assign("exp", &id, 100, "cand", "stable"), "cand");
        assert_eq!(assign("exp", &id, 255, "cand", "stable"), "cand");
    }
}

#[test]
fn the_candidate_share_matches_the_percent_within_one_and_a_half_points() {
    let ids = random_session_ids(6, 10_000);
    for percent in [10u8, 25, 50] {
        let on_candidate = ids
            .iter()
            .filter(|id| assign("canary:v2", id, percent, "v2", "v1") == "v2")
            .count();
        let share = on_candidate as f64 / ids.len() as f64 * 100.0;
        assert!(
            (share - f64::from(percent)).abs() <= 1.5,
            "{percent} %: got {share:.2} %"
        );
    }
}
