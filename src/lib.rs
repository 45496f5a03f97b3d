//! CleanSpace Pro: the booking service of a cleaning company. The library holds the
//! whole application; `main.rs` only parses the command and calls in.

pub mod auth;
pub mod booking;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod experiments;
pub mod http;
pub mod inquiries;
pub mod llm;
pub mod observability;
pub mod optimization;
pub mod pattern;
pub mod safety;
pub mod startup;
pub mod state;
pub mod storage;
