//! The simulated customers of `cleanspace eval` against the real chat service: the
//! shared development set (when `../shared` is beside the checkout) and our own set of
//! differently worded dialogues in `tests/data/dialogues_more.jsonl`; the same run in LLM
//! mode against the fake provider, with its tier mix and cost per booking; and the
//! `cleanspace eval` binary itself, down to the rows it stores.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cleanspace::chat::eval::{self, REFERENCE_CLOCK};
use cleanspace::config::Config;

use crate::fake_llm::{FakeLlm, Step};
use crate::helpers::{json, spawn_app_with, TestOptions};

/// Set (to 1) where `../shared` must be present, as in CI: its absence then fails.
const REQUIRE_SHARED: &str = "CLEANSPACE_REQUIRE_SHARED";

fn own_dialogues() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dialogues_more.jsonl")
}

/// The shared development set if present; missing, an error when it is required,
/// otherwise `None` (the caller skips).
fn shared_set(path: &Path, required: bool) -> Result<Option<PathBuf>, String> {
    match (path.exists(), required) {
        (true, _) => Ok(Some(path.to_owned())),
        (false, true) => Err(format!(
            "{REQUIRE_SHARED}=1 but {} is not beside the checkout",
            path.display()
        )),
        (false, false) => Ok(None),
    }
}

/// The shared development set, or `None` after printing why the test is skipped.
fn shared_dialogues() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/booking/dialogues.jsonl");
    let required = std::env::var(REQUIRE_SHARED).is_ok_and(|v| v == "1");
    let found = shared_set(&path, required).unwrap_or_else(|e| panic!("{e}"));
    if found.is_none() {
        eprintln!(
            "SKIPPED: {} is not beside the checkout (set {REQUIRE_SHARED}=1 to fail instead)",
            path.display()
        );
    }
    found
}

async fn run(path: &Path) {
    let dialogues = eval::load_dialogues(path).unwrap();
    assert!(!dialogues.is_empty());
    for variant in ["baseline", "professional", "casual"] {
        let app = spawn_app_with(
            TestOptions::default()
                .var("CLEANSPACE_CLOCK", REFERENCE_CLOCK)
                .var("CREWS", "20"),
        )
        .await;
        let mut results = Vec::new();
        for dialogue in &dialogues {
            results.push(eval::run_dialogue(&app.state.chat, dialogue, variant).await);
        }
        let report = eval::report(variant, &results);
        println!("{report}");
        assert!(results.iter().all(|r| r.success), "{report}");
    }
}

#[tokio::test]
async fn the_agent_books_every_dialogue_of_our_own_set() {
    run(&own_dialogues()).await;
}

#[tokio::test]
async fn the_agent_books_every_dialogue_of_the_shared_development_set() {
    if let Some(path) = shared_dialogues() {
        run(&path).await;
    }
}

#[test]
fn a_missing_shared_set_fails_only_when_required() {
    let missing = Path::new("/nonexistent/dialogues.jsonl");
    assert_eq!(shared_set(missing, false), Ok(None));
    let error = shared_set(missing, true).unwrap_err();
    assert!(error.contains(REQUIRE_SHARED) && error.contains("/nonexistent"));
    let present = own_dialogues();
    assert_eq!(shared_set(&present, true), Ok(Some(present.clone())));
}

/// Prompt and completion tokens the fake provider reports for every call.
const USAGE: (u64, u64) = (900, 60);

/// Customers who open with long, unhappy, several-part questions: turns the default
/// router sends to a model, so an LLM-mode run has something to pay for.
fn open_question_dialogues() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dialogues_open_questions.jsonl")
}

/// Settings of an eval in LLM mode against `fake` with the default routing strategy:
/// every model turn is a plain reply with the same usage.
fn llm_vars(fake: &FakeLlm) -> HashMap<&'static str, String> {
    fake.set_default(
        Step::text("Happy to help with that. Could you tell me a little more?")
            .with_usage(USAGE.0, USAGE.1),
    );
    HashMap::from([
        ("LLM_API_KEY", "test-key".to_owned()),
        ("LLM_BASE_URL", fake.base_url.clone()),
        ("LOG_LEVEL", "warn".to_owned()),
    ])
}

#[tokio::test]
async fn an_eval_in_llm_mode_reports_its_tier_mix_and_cost_per_booking() {
    let fake = FakeLlm::start().await.unwrap();
    let vars = llm_vars(&fake);
    let config = Config::from_lookup(|name| vars.get(name).cloned()).unwrap();
    let path = shared_dialogues().unwrap_or_else(own_dialogues);
    let mut dialogues = eval::load_dialogues(&path).unwrap();
    dialogues.extend(eval::load_dialogues(&open_question_dialogues()).unwrap());
    let run = eval::run(&config, &dialogues, "baseline").await.unwrap();
    let report = eval::report("baseline", &run.results);
    println!("{report}");
    println!(
        "{} ({} and the open questions)",
        run.cost.summary(),
        path.display()
    );
    assert!(run.all_passed(), "{report}");

    let cost = &run.cost;
    let tier = |name: &str| cost.tiers.iter().find(|t| t.tier == name);
    let model_turns: i64 = ["fast", "balanced"]
        .iter()
        .filter_map(|name| tier(name))
        .map(|t| t.turns)
        .sum();
    assert!(model_turns > 0, "some turns went to a model: {cost:?}");
    assert!(cost.bookings > 0 && cost.cost_micros() > 0, "{cost:?}");
    assert_eq!(tier("local").map_or(0, |t| t.cost_micros), 0, "{cost:?}");
    let turns: usize = run.results.iter().map(|r| r.turns).sum();
    assert_eq!(
        cost.turns(),
        turns as i64,
        "one assistant turn per customer turn"
    );
    let per_dialogue: i64 = run.results.iter().map(|r| r.cost_micros).sum();
    assert_eq!(per_dialogue, cost.cost_micros(), "dialogue costs add up");
    assert_eq!(
        cost.cost_per_booking_micros(),
        cost.cost_micros() as f64 / cost.bookings as f64
    );
    assert_eq!(fake.calls() as i64, model_turns, "one call per model turn");
}

/// Runs the `cleanspace` binary with `args` in `dir`, with only `vars` set.
async fn cleanspace(dir: &Path, args: &[&str], vars: &HashMap<&str, String>) -> (bool, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_cleanspace"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(vars)
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("eval finishes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    (output.status.success(), format!("{stdout}{stderr}"))
}

#[tokio::test]
async fn the_eval_command_prints_its_figures_and_stores_each_dialogue_with_its_cost() {
    let fake = FakeLlm::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/data/cleanspace.db", dir.path().display());
    let mut vars = llm_vars(&fake);
    vars.insert("DATABASE_URL", database.clone());
    let dialogues = open_question_dialogues();
    let (ok, output) = cleanspace(
        dir.path(),
        &["eval", "--dialogues", dialogues.to_str().unwrap()],
        &vars,
    )
    .await;
    println!("{output}");
    assert!(ok, "{output}");
    assert!(
        output.contains("variant baseline: 3/3 dialogues booked correctly"),
        "{output}"
    );
    assert!(output.contains("tier mix over "), "{output}");
    assert!(output.contains("stored 3 rows as run eval_"), "{output}");

    let app = spawn_app_with(TestOptions::default().var("DATABASE_URL", database)).await;
    let token = app.operator_token().await;
    let response = app
        .client
        .get(app.url("/api/evaluations"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let runs = json(response).await["data"]["runs"].clone();
    let run = &runs.as_array().unwrap()[0];
    assert_eq!(
        (&run["dialogues"], &run["successes"]),
        (&3.into(), &3.into())
    );
    assert!(run["costUsd"].as_f64().unwrap() > 0.0, "{run}");
    let printed = format!("total cost ${:.6}", run["costUsd"].as_f64().unwrap());
    assert!(
        output.contains(&printed),
        "stored and printed cost agree: {printed}\n{output}"
    );
}
