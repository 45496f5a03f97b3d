//! Integration tests: the real application on a loopback port with a fresh SQLite file.
#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test helpers should fail loudly on the first unexpected value"
)]

mod helpers;

mod auth;
mod booking;
mod foundation;
mod shutdown;
