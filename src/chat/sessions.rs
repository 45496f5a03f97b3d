//! The bounded in-memory store of live chat sessions. A session idles out after 30
//! minutes; memory is capped. A session missing from memory (a restart, an eviction)
//! is restored from its conversation row if it was active within the idle window, with
//! the job it was filling in; personal details were never stored and are asked again.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::agent::AgentState;
use super::draft::Draft;
use super::replies::Voice;
use crate::safety::SessionRisk;

/// Idle time after which a session expires.
pub const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);

/// Sessions kept in memory at most.
const MAX_SESSIONS: u64 = 100_000;

/// One live conversation.
#[derive(Debug)]
pub struct Session {
    pub conversation_id: String,
    pub variant: String,
    pub voice: Voice,
    pub agent: AgentState,
    pub risk: SessionRisk,
    pub ended: bool,
    /// Redacted messages exchanged with the model (LLM mode only), newest last.
    pub history: Vec<crate::llm::providers::openai::ChatMessage>,
    /// Turns so far.
    pub turns: usize,
}

/// A session behind its own lock, so turns of one session run one at a time.
pub type SharedSession = Arc<Mutex<Session>>;

/// The live sessions, keyed by session id.
pub struct SessionStore {
    cache: Cache<String, SharedSession>,
}

impl Default for SessionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            cache: Cache::builder()
                .max_capacity(MAX_SESSIONS)
                .time_to_idle(SESSION_IDLE)
                .build(),
        }
    }

    /// The live session for `session_id`.
    pub fn get(&self, session_id: &str) -> Option<SharedSession> {
        self.cache.get(session_id)
    }

    /// Adds (or restores) a session.
    pub fn insert(&self, session_id: String, session: Session) -> SharedSession {
        let shared = Arc::new(Mutex::new(session));
        self.cache.insert(session_id, shared.clone());
        shared
    }

    /// Forgets a session.
    pub fn remove(&self, session_id: &str) {
        self.cache.invalidate(session_id);
    }

    /// Sessions in memory (after expiring idle ones).
    pub fn len(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }

    /// True when no session is in memory.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The agent's memory rebuilt from the job stored on the conversation (`Draft::job_view`):
/// service, size, frequency, add-ons, date and time. Anything unreadable is asked again.
pub fn restored_agent(job: &str) -> AgentState {
    let job: Value = serde_json::from_str(job).unwrap_or_default();
    AgentState {
        draft: Draft::from_job_view(&job),
        ..AgentState::default()
    }
}

/// A new random session id: 128 bits, hex.
pub fn new_session_id() -> String {
    random_hex::<16>()
}

/// A new random conversation id (what operators see), distinct from the session id.
pub fn new_conversation_id() -> String {
    format!("conv_{}", random_hex::<12>())
}

fn random_hex<const N: usize>() -> String {
    let bytes: [u8; N] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored form of a session id: its SHA-256, so the database never holds the secret.
pub fn session_hash(session_id: &str) -> String {
    Sha256::digest(session_id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// True when `value` looks like a session id we issued.
pub fn is_well_formed(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_128_random_bits() {
        let a = new_session_id();
        assert_eq!(a.len(), 32);
        assert!(is_well_formed(&a));
        assert_ne!(a, new_session_id());
        assert_ne!(session_hash(&a), a);
    }

    #[test]
    fn a_restored_session_keeps_the_job_and_none_of_the_personal_details() {
        use crate::booking::pricing::{AddOn, Frequency, ServiceCode};
        use crate::chat::extract::TimeRequest;
        use chrono::{NaiveDate, NaiveTime};

        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let draft = Draft {
            service: Some(ServiceCode::Deep),
            square_feet: Some(1800),
            frequency: Some(Frequency::Weekly),
            add_ons: vec![AddOn::InsideOven, AddOn::PetHair],
            date: NaiveDate::from_ymd_opt(2026, 12, 8),
            time: Some(TimeRequest::Window {
                from: at(9),
                to: at(12),
            }),
            name: Some("Ana Ruiz".to_owned()),
            phone: Some("+15552013344".to_owned()),
            address: Some("12 Oak Street".to_owned()),
            ..Draft::default()
        };
        let restored = restored_agent(&draft.job_view().to_string()).draft;
        assert_eq!(
            restored,
            Draft {
                name: None,
                phone: None,
                address: None,
                ..draft
            }
        );
        let exact = Draft {
            service: Some(ServiceCode::Standard),
            size_unknown: true,
            time: Some(TimeRequest::Exact(at(14))),
            ..Draft::default()
        };
        assert_eq!(restored_agent(&exact.job_view().to_string()).draft, exact);
        assert!(restored_agent("{}").draft.is_empty());
        assert!(restored_agent("not json").draft.is_empty());
    }
}
