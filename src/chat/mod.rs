//! The chat agent: conversations, the built-in engine (extractors, draft, decisions,
//! replies), sessions and the chat endpoints. It books through `booking`, scans with
//! `safety`, and never talks to vendors itself.

pub mod agent;
pub mod draft;
pub mod eval;
pub mod extract;
pub mod faq;
pub mod llm_agent;
pub mod manage;
pub mod replies;
pub mod repository;
pub mod routes;
mod routing;
pub mod service;
pub mod sessions;
mod shadow;
pub mod tools;

pub use routes::routes;
pub use service::ChatService;
