//! `cleanspace eval`: the simulated customers of `../shared/eval/booking/README.md`
//! talk to the agent on a fresh temporary database with the reference clock; the
//! success rate, mean turns and each failure's transcript are printed, and one row per
//! dialogue is stored in `evaluations`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::service::{ChatService, TurnResponse};

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
    pub failure: Option<String>,
    pub transcript: Vec<(String, String)>,
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
    result.transcript = transcript;
    result
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
