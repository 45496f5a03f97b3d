//! `cleanspace eval`: the simulated customers of `../shared/eval/booking/README.md`
//! talk to the agent on a fresh temporary database with the reference clock; the
//! success rate, mean turns and each failure's transcript are printed, and one row per
//! dialogue is stored in `evaluations`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::repository::{self as repo, TierUsage};
use super::service::{ChatService, TurnResponse};
use crate::clock::Clock;
use crate::config::{Config, Secret};

/// Turns after which a dialogue counts as failed.
pub const MAX_TURNS: usize = 14;

/// The README's reference clock: 2026-12-01 09:00 in New York.
pub const REFERENCE_CLOCK: &str = "2026-12-01T14:00:00Z";

/// One simulated customer.
#[derive(Debug, Clone, Deserialize)]
pub struct Dialogue {
    pub id: String,
    pub opening: String,
    #[serde(default)]
    pub answers: HashMap<String, String>,
    #[serde(default = "default_confirm")]
    pub confirm: String,
    pub expect: HashMap<String, Value>,
}

fn default_confirm() -> String {
    "yes, book it".to_owned()
}

/// The outcome of one dialogue.
#[derive(Debug, Clone)]
pub struct DialogueResult {
    pub id: String,
    pub success: bool,
    pub turns: usize,
    /// The agent booked something, right or wrong.
    pub booked: bool,
    /// What the conversation's model turns cost, from its row.
    pub cost_micros: i64,
    pub failure: Option<String>,
    pub transcript: Vec<(String, String)>,
}

/// What a run's turns cost: the tier mix and the bookings it paid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCost {
    pub tiers: Vec<TierUsage>,
    /// Conversations whose outcome is `booked`, counted as `/api/optimization/metrics`
    /// counts them ([`repo::conversation_counts`]), so both cost-per-booking figures
    /// mean the same thing.
    pub bookings: usize,
}

impl RunCost {
    /// Assistant turns over all tiers.
    pub fn turns(&self) -> i64 {
        self.tiers.iter().map(|t| t.turns).sum()
    }

    /// Total cost over all tiers.
    pub fn cost_micros(&self) -> i64 {
        self.tiers.iter().map(|t| t.cost_micros).sum()
    }

    /// Total cost over the bookings made (the whole cost when none was made).
    pub fn cost_per_booking_micros(&self) -> f64 {
        self.cost_micros() as f64 / self.bookings.max(1) as f64
    }

    /// The printed line: each tier's turns, share and cost, the total and per booking.
    pub fn summary(&self) -> String {
        let turns = self.turns();
        let shares: Vec<String> = self
            .tiers
            .iter()
            .map(|t| {
                format!(
                    "{} {} ({:.0} %, ${:.6})",
                    t.tier,
                    t.turns,
                    100.0 * t.turns as f64 / turns.max(1) as f64,
                    t.cost_micros as f64 / 1e6
                )
            })
            .collect();
        format!(
            "tier mix over {turns} turns: {}; total cost ${:.6}; {} bookings; cost per booking ${:.6}",
            shares.join(", "),
            self.cost_micros() as f64 / 1e6,
            self.bookings,
            self.cost_per_booking_micros() / 1e6
        )
    }
}

/// A whole run: each dialogue's outcome and what its turns cost.
#[derive(Debug, Clone)]
pub struct EvalRun {
    pub results: Vec<DialogueResult>,
    pub cost: RunCost,
}

impl EvalRun {
    /// True when every dialogue booked what its customer wanted.
    pub fn all_passed(&self) -> bool {
        self.results.iter().all(|r| r.success)
    }
}

/// Reads a dialogues file (one JSON object a line).
pub fn load_dialogues(path: &Path) -> Result<Vec<Dialogue>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// What the simulated customer says next, or why it cannot go on.
fn next_utterance(dialogue: &Dialogue, reply: &TurnResponse) -> Result<String, String> {
    let action = reply.action.as_str();
    match reply.missing_fields.first() {
        Some(&"confirmation") => Ok(dialogue
            .answers
            .get("confirmation")
            .cloned()
            .unwrap_or_else(|| dialogue.confirm.clone())),
        Some(field) => dialogue.answers.get(*field).cloned().ok_or_else(|| {
            format!("the agent asked for `{field}`, which this customer does not give")
        }),
        None if action == "propose_slots" || action == "confirm" => Ok(dialogue.confirm.clone()),
        None => Err(format!(
            "the agent stopped with action `{action}` and nothing to answer"
        )),
    }
}

fn digits(value: &str) -> String {
    let all: String = value.chars().filter(char::is_ascii_digit).collect();
    match all.strip_prefix('1') {
        Some(rest) if all.len() == 11 => rest.to_owned(),
        _ => all,
    }
}

fn strip_title(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    for title in [
        "dr. ", "dr ", "mr. ", "mr ", "mrs. ", "mrs ", "ms. ", "ms ", "miss ",
    ] {
        if let Some(rest) = lower.strip_prefix(title) {
            return rest.to_owned();
        }
    }
    lower
}

/// Compares a booking with `expect`; returns the first mismatch.
pub fn check_expectations(
    expect: &HashMap<String, Value>,
    appointment: &Value,
) -> Result<(), String> {
    let got = |key: &str| appointment.get(key).cloned().unwrap_or(Value::Null);
    for (key, wanted) in expect {
        let ok = match key.as_str() {
            "serviceType" | "date" | "time" => got(key) == *wanted,
            "squareFeet" => got("squareFeet").as_u64() == wanted.as_u64(),
            "name" => {
                strip_title(got("name").as_str().unwrap_or_default())
                    == strip_title(wanted.as_str().unwrap_or_default())
            }
            "phone" => {
                digits(got("phone").as_str().unwrap_or_default())
                    == digits(wanted.as_str().unwrap_or_default())
            }
            "email" => got("email")
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(wanted.as_str().unwrap_or_default())),
            "timeWindow" => {
                let time = got("time");
                let time = time.as_str().unwrap_or_default();
                let from = wanted.get(0).and_then(Value::as_str).unwrap_or_default();
                let to = wanted.get(1).and_then(Value::as_str).unwrap_or_default();
                time >= from && time < to
            }
            _ => true,
        };
        if !ok {
            return Err(format!(
                "{key}: expected {wanted}, booked {}",
                got(if key == "timeWindow" { "time" } else { key })
            ));
        }
    }
    Ok(())
}

/// Runs one dialogue against the chat service.
pub async fn run_dialogue(
    chat: &ChatService,
    dialogue: &Dialogue,
    variant: &str,
) -> DialogueResult {
    let mut transcript = Vec::new();
    let mut result = DialogueResult {
        id: dialogue.id.clone(),
        success: false,
        turns: 0,
        booked: false,
        cost_micros: 0,
        failure: None,
        transcript: Vec::new(),
    };
    let started = match chat.start(Some(variant)).await {
        Ok(started) => started,
        Err(e) => {
            result.failure = Some(format!("could not start: {e}"));
            return result;
        }
    };
    let mut utterance = dialogue.opening.clone();
    for turn in 1..=MAX_TURNS {
        result.turns = turn;
        transcript.push(("customer".to_owned(), utterance.clone()));
        let reply = match chat.message(&started.session_id, &utterance).await {
            Ok(reply) => reply,
            Err(e) => {
                result.failure = Some(format!("turn {turn} failed: {e}"));
                break;
            }
        };
        transcript.push((
            format!(
                "agent [{} missing={:?}]",
                reply.action.as_str(),
                reply.missing_fields
            ),
            reply.message.clone(),
        ));
        if reply.action.as_str() == "booked" {
            result.booked = true;
            let appointment = reply.appointment.clone().unwrap_or(Value::Null);
            match check_expectations(&dialogue.expect, &appointment) {
                Ok(()) => result.success = true,
                Err(mismatch) => result.failure = Some(mismatch),
            }
            break;
        }
        match next_utterance(dialogue, &reply) {
            Ok(next) => utterance = next,
            Err(reason) => {
                result.failure = Some(reason);
                break;
            }
        }
    }
    if !result.success && result.failure.is_none() {
        result.failure = Some(format!("no booking after {MAX_TURNS} turns"));
    }
    match repo::find_conversation(&chat.db, &started.conversation_id).await {
        Ok(Some(row)) => result.cost_micros = row.cost_micros,
        Ok(None) => result.failure = Some("its conversation row is missing".to_owned()),
        Err(e) => result.failure = Some(format!("could not read its cost: {e}")),
    }
    result.success = result.success && result.failure.is_none();
    result.transcript = transcript;
    result
}

/// Runs the dialogues on a fresh temporary database with the reference clock and enough
/// crews. Everything else comes from `config`: with a provider key, models answer the
/// turns the router sends them and the run costs what they report.
pub async fn run(
    config: &Config,
    dialogues: &[Dialogue],
    variant: &str,
) -> anyhow::Result<EvalRun> {
    let clock_at: DateTime<Utc> = DateTime::parse_from_rfc3339(REFERENCE_CLOCK)
        .context("reference clock")?
        .with_timezone(&Utc);
    let scratch = ScratchDir::create()?;
    let mut eval_config = config.clone();
    eval_config.database_url = format!("sqlite://{}/eval.db", scratch.path().display());
    eval_config.crews = 20;
    eval_config.admin_password = Some(Secret::new(format!("{:x}", rand::random::<u128>())));
    let state = crate::startup::build_state(eval_config, Clock::Fixed(clock_at)).await?;
    let mut results = Vec::new();
    for dialogue in dialogues {
        results.push(run_dialogue(&state.chat, dialogue, variant).await);
    }
    let usage = repo::usage_by_model(&state.db).await;
    let counts = repo::conversation_counts(&state.db).await;
    state.db.close().await;
    drop(scratch);
    let cost = RunCost {
        tiers: repo::tier_mix(&usage?),
        bookings: usize::try_from(counts?.1).unwrap_or_default(),
    };
    Ok(EvalRun { results, cost })
}

/// A temporary folder removed when dropped, so a run that fails half-way (a config
/// `build_state` rejects, a migration error) leaves nothing behind.
struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    fn create() -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!("cleanspace-eval-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&path).context("temporary folder")?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A printable report of a run.
pub fn report(variant: &str, results: &[DialogueResult]) -> String {
    let passed: Vec<&DialogueResult> = results.iter().filter(|r| r.success).collect();
    let mean_turns = if passed.is_empty() {
        0.0
    } else {
        passed.iter().map(|r| r.turns as f64).sum::<f64>() / passed.len() as f64
    };
    let mut out = format!(
        "variant {variant}: {}/{} dialogues booked correctly ({:.1} %), mean turns to a booking {:.2}\n",
        passed.len(),
        results.len(),
        100.0 * passed.len() as f64 / results.len().max(1) as f64,
        mean_turns
    );
    for failure in results.iter().filter(|r| !r.success) {
        out.push_str(&format!(
            "\nFAILED {}: {}\n",
            failure.id,
            failure.failure.as_deref().unwrap_or("unknown")
        ));
        for (who, text) in &failure.transcript {
            out.push_str(&format!("  {who}: {text}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_folder_is_removed_when_a_run_returns_early() {
        fn failing_run() -> anyhow::Result<std::path::PathBuf> {
            let scratch = ScratchDir::create()?;
            std::fs::write(scratch.path().join("eval.db"), b"half-built")?;
            let path = scratch.path().to_path_buf();
            anyhow::ensure!(false, "build_state failed at {}", path.display());
            Ok(path)
        }
        let error = failing_run().unwrap_err().to_string();
        let path = error.trim_start_matches("build_state failed at ");
        assert!(path.contains("cleanspace-eval-"), "{error}");
        assert!(!Path::new(path).exists(), "{path} was left behind");
    }

    fn tier(name: &str, turns: i64, cost_micros: i64) -> TierUsage {
        TierUsage {
            tier: name.to_owned(),
            turns,
            cost_micros,
        }
    }

    #[test]
    fn the_cost_line_shows_each_tier_the_total_and_the_cost_per_booking() {
        let cost = RunCost {
            tiers: vec![tier("fast", 2, 132), tier("local", 8, 0)],
            bookings: 2,
        };
        assert_eq!((cost.turns(), cost.cost_micros()), (10, 132));
        assert_eq!(cost.cost_per_booking_micros(), 66.0);
        assert_eq!(
            cost.summary(),
            "tier mix over 10 turns: fast 2 (20 %, $0.000132), local 8 (80 %, $0.000000); \
             total cost $0.000132; 2 bookings; cost per booking $0.000066"
        );
    }

    #[test]
    fn a_run_without_bookings_charges_its_whole_cost_to_none() {
        let cost = RunCost {
            tiers: vec![tier("balanced", 1, 748)],
            bookings: 0,
        };
        assert_eq!(cost.cost_per_booking_micros(), 748.0);
        assert!(cost.summary().contains("0 bookings"), "{}", cost.summary());
    }
}
