//! The response cache: answers to context-free questions (FAQ, prices, hours) per
//! variant, keyed on the normalised question. The caller decides what is context-free;
//! this module stores only a reply the caller's check calls clean (the chat service's:
//! the output screen lets it through unchanged, so no personal data). Identical
//! concurrent misses share one upstream call.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use serde::Serialize;

use super::router::Tier;

/// A cached answer.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedAnswer {
    pub message: String,
    pub model: String,
    /// The tier of `model`: the chosen one, or the other after a fallback.
    pub tier: Tier,
    /// What producing it cost, i.e. what each hit saves.
    pub cost_micros: u64,
    /// Tokens the producing call used.
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// Cache figures for operators.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheStats {
    pub enabled: bool,
    pub hits: u64,
    pub misses: u64,
    pub hit_ratio: f64,
    pub entries: u64,
    pub evictions: u64,
    pub saved_usd: f64,
}

/// Why an answer was not produced or not stored.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CacheError<E: Clone + Send + Sync + 'static> {
    #[error("upstream failed")]
    Upstream(E),
    #[error("the answer failed the check for storing and was not cached")]
    NotCacheable(CachedAnswer),
}

/// The cache.
pub struct ResponseCache {
    enabled: bool,
    entries: Cache<String, CachedAnswer>,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: Arc<AtomicU64>,
    saved_micros: AtomicU64,
}

/// The cache key: variant plus the question lower-cased, without punctuation and with
/// single spaces, so "What are your hours?" and "what are your hours" share an entry.
pub fn cache_key(variant: &str, question: &str) -> String {
    let normalised: String = question
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = normalised.split_whitespace().collect();
    format!("{variant}\u{1f}{}", words.join(" "))
}

impl ResponseCache {
    /// A cache of at most `max_entries` answers living `ttl`.
    pub fn new(enabled: bool, max_entries: u64, ttl: Duration) -> Self {
        let evictions = Arc::new(AtomicU64::new(0));
        let counter = evictions.clone();
        let entries = Cache::builder()
            .max_capacity(max_entries)
            .time_to_live(ttl)
            .eviction_listener(move |_key, _value, cause| {
                if cause.was_evicted() {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
            .build();
        Self {
            enabled,
            entries,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions,
            saved_micros: AtomicU64::new(0),
        }
    }

    /// Whether caching is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The cached answer for `key`, or the one `produce` makes (shared by every
    /// concurrent caller of the same key). `is_clean` says whether an answer may be
    /// stored (for the chat service: the output screen passes it unchanged). Returns the answer and whether it was a hit.
    pub async fn get_or_produce<E, F>(
        &self,
        key: String,
        produce: F,
        is_clean: impl Fn(&CachedAnswer) -> bool + Send + Sync,
    ) -> Result<(CachedAnswer, bool), CacheError<E>>
    where
        E: Clone + Send + Sync + 'static,
        F: Future<Output = Result<CachedAnswer, E>> + Send,
    {
        if let Some(hit) = self.entries.get(&key).await {
            self.hits.fetch_add(1, Ordering::Relaxed);
            self.saved_micros
                .fetch_add(hit.cost_micros, Ordering::Relaxed);
            return Ok((hit, true));
        }
        let produced = std::sync::atomic::AtomicBool::new(false);
        let result = self
            .entries
            .try_get_with(key, async {
                produced.store(true, Ordering::Relaxed);
                match produce.await {
                    Ok(answer) if is_clean(&answer) => Ok(answer),
                    Ok(answer) => Err(CacheError::NotCacheable(answer)),
                    Err(error) => Err(CacheError::Upstream(error)),
                }
            })
            .await;
        let mine = produced.load(Ordering::Relaxed);
        match result {
            Ok(answer) => {
                if mine {
                    self.misses.fetch_add(1, Ordering::Relaxed);
                } else {
                    // Waited on another caller's upstream call: a shared result counts as a hit.
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    self.saved_micros
                        .fetch_add(answer.cost_micros, Ordering::Relaxed);
                }
                Ok((answer, !mine))
            }
            Err(error) => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Err((*error).clone())
            }
        }
    }

    /// (hits, misses) so far, without waiting.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.entries.invalidate_all();
    }

    /// Figures for operators.
    pub async fn stats(&self) -> CacheStats {
        self.entries.run_pending_tasks().await;
        let hits = self.hits.load(Ordering::Relaxed);
        let misses = self.misses.load(Ordering::Relaxed);
        CacheStats {
            enabled: self.enabled,
            hits,
            misses,
            hit_ratio: if hits + misses == 0 {
                0.0
            } else {
                hits as f64 / (hits + misses) as f64
            },
            entries: self.entries.entry_count(),
            evictions: self.evictions.load(Ordering::Relaxed),
            saved_usd: self.saved_micros.load(Ordering::Relaxed) as f64 / 1_000_000.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn answer(text: &str) -> CachedAnswer {
        CachedAnswer {
            message: text.to_owned(),
            model: "m".to_owned(),
            tier: Tier::Fast,
            cost_micros: 100,
            input_tokens: 10,
            output_tokens: 5,
        }
    }

    #[test]
    fn questions_differing_in_case_and_punctuation_share_a_key() {
        assert_eq!(
            cache_key("baseline", "What are your HOURS?"),
            cache_key("baseline", "what are your hours")
        );
        assert_ne!(cache_key("baseline", "hours"), cache_key("casual", "hours"));
    }

    #[tokio::test]
    async fn concurrent_misses_share_one_upstream_call() {
        let cache = Arc::new(ResponseCache::new(true, 100, Duration::from_secs(60)));
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                let calls = calls.clone();
                tokio::spawn(async move {
                    cache
                        .get_or_produce::<(), _>(
                            cache_key("baseline", "hours?"),
                            async move {
                                calls.fetch_add(1, Ordering::SeqCst);
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                Ok(answer("We open at 9."))
                            },
                            |_| true,
                        )
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let stats = cache.stats().await;
        assert_eq!(stats.misses, 1);
        assert_eq!(stats.hits, 49);
    }

    #[tokio::test]
    async fn an_answer_with_personal_data_is_returned_but_not_stored() {
        let cache = ResponseCache::new(true, 100, Duration::from_secs(60));
        let result = cache
            .get_or_produce::<(), _>(
                cache_key("b", "q"),
                async { Ok(answer("call 555-201-3344")) },
                |a| !a.message.contains("555"),
            )
            .await;
        assert!(matches!(result, Err(CacheError::NotCacheable(_))));
        assert_eq!(cache.stats().await.entries, 0);
    }
}
