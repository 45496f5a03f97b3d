//! The simulated customers of `cleanspace eval` against the real chat service: the
//! shared development set (when `../shared` is beside the checkout) and our own set of
//! differently worded dialogues in `tests/data/dialogues_more.jsonl`.

use std::path::Path;

use cleanspace::chat::eval::{self, REFERENCE_CLOCK};

use crate::helpers::{spawn_app_with, TestOptions};

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
    run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dialogues_more.jsonl")).await;
}

#[tokio::test]
async fn the_agent_books_every_dialogue_of_the_shared_development_set() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/booking/dialogues.jsonl");
    if !path.exists() {
        eprintln!("SKIPPED: {} is not beside the checkout", path.display());
        return;
    }
    run(&path).await;
}
