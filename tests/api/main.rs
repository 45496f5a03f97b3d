//! Integration tests: the real application on a loopback port with a fresh SQLite file.
#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test helpers should fail loudly on the first unexpected value"
)]

mod helpers;

#[path = "../support/fake_llm.rs"]
mod fake_llm;

mod auth;
mod booking;
mod browser;
mod chat;
mod dashboard;
mod dialogues;
mod experiments;
mod foundation;
mod llm;
mod operations;
mod privacy;
mod reliability;
mod safety;
mod shutdown;
