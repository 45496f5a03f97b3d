//! CleanSpace Pro: the booking service of a cleaning company. The library holds the
//! whole application; `main.rs` only parses the command and calls in.

pub mod auth;
pub mod booking;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod http;
pub mod inquiries;
pub mod observability;
pub mod startup;
pub mod state;
pub mod storage;
